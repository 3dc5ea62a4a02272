//! Networking tables: services, endpoints, endpoint slices, ingresses, ingress classes and
//! network policies.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Endpoints, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass, NetworkPolicy};

use super::table::{col, wide, Column};
use super::util::{age, format_label_selector, format_labels};
use crate::time::SimTime;

pub const SERVICE_COLUMNS: &[Column] = &[
    col("Name"),
    col("Type"),
    col("Cluster-IP"),
    col("External-IP"),
    col("Port(s)"),
    col("Age"),
    wide("Selector"),
];
pub const ENDPOINTS_COLUMNS: &[Column] = &[col("Name"), col("Endpoints"), col("Age")];
pub const ENDPOINT_SLICE_COLUMNS: &[Column] =
    &[col("Name"), col("AddressType"), col("Ports"), col("Endpoints"), col("Age")];
pub const INGRESS_COLUMNS: &[Column] =
    &[col("Name"), col("Class"), col("Hosts"), col("Address"), col("Ports"), col("Age")];
pub const INGRESS_CLASS_COLUMNS: &[Column] =
    &[col("Name"), col("Controller"), col("Parameters"), col("Age")];
pub const NETWORK_POLICY_COLUMNS: &[Column] = &[col("Name"), col("Pod-Selector"), col("Age")];

const LOAD_BALANCER_WIDTH: usize = 16;

/// Sorted, de-duplicated IPs (or hostnames), clipped to 16 bytes unless wide.
fn load_balancer_string<'a>(entries: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>, wide: bool) -> String {
    let mut set = BTreeSet::new();
    for (ip, host) in entries {
        match (ip.filter(|s| !s.is_empty()), host.filter(|s| !s.is_empty())) {
            (Some(ip), _) => set.insert(ip.to_string()),
            (None, Some(h)) => set.insert(h.to_string()),
            _ => false,
        };
    }
    let r = set.into_iter().collect::<Vec<_>>().join(",");
    if !wide && r.len() > LOAD_BALANCER_WIDTH {
        let cut: String = r.chars().take(LOAD_BALANCER_WIDTH - 3).collect();
        format!("{cut}...")
    } else {
        r
    }
}

/// The EXTERNAL-IP cell (`getServiceExternalIP`).
pub fn service_external_ip(svc: &Service, wide: bool) -> String {
    let spec = svc.spec.clone().unwrap_or_default();
    let external_ips = spec.external_ips.clone().unwrap_or_default();
    match spec.type_.as_deref().unwrap_or("ClusterIP") {
        "ClusterIP" | "NodePort" => {
            if external_ips.is_empty() {
                "<none>".to_string()
            } else {
                external_ips.join(",")
            }
        }
        "LoadBalancer" => {
            let ingress = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_deref())
                .unwrap_or_default();
            let lb = load_balancer_string(
                ingress.iter().map(|i| (i.ip.as_deref(), i.hostname.as_deref())),
                wide,
            );
            if !external_ips.is_empty() {
                let mut all: Vec<String> = Vec::new();
                if !lb.is_empty() {
                    all.extend(lb.split(',').map(str::to_string));
                }
                all.extend(external_ips);
                all.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".to_string()
            }
        }
        "ExternalName" => spec.external_name.unwrap_or_default(),
        _ => "<unknown>".to_string(),
    }
}

/// PORT(S): `80/TCP`, `80:30080/TCP`, comma-joined.
pub fn service_ports(svc: &Service) -> String {
    let ports = svc.spec.as_ref().and_then(|s| s.ports.as_deref()).unwrap_or_default();
    ports
        .iter()
        .map(|p| {
            let proto = p.protocol.as_deref().unwrap_or("TCP");
            match p.node_port {
                Some(np) if np > 0 => format!("{}:{np}/{proto}", p.port),
                _ => format!("{}/{proto}", p.port),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub fn service_row(svc: &Service, now: SimTime, wide: bool) -> Vec<String> {
    let spec = svc.spec.as_ref();
    let cluster_ip = spec
        .and_then(|s| s.cluster_ips.as_ref())
        .and_then(|ips| ips.first().cloned())
        .or_else(|| spec.and_then(|s| s.cluster_ip.clone()).filter(|ip| !ip.is_empty()))
        .unwrap_or_else(|| "<none>".to_string());
    let ports = service_ports(svc);
    vec![
        svc.metadata.name.clone().unwrap_or_default(),
        spec.and_then(|s| s.type_.clone()).unwrap_or_else(|| "ClusterIP".to_string()),
        cluster_ip,
        service_external_ip(svc, wide),
        if ports.is_empty() { "<none>".to_string() } else { ports },
        age(svc.metadata.creation_timestamp.as_ref(), now),
        format_labels(spec.and_then(|s| s.selector.as_ref())),
    ]
}

/// `formatEndpoints`: `ip:port` pairs, at most three, then `+ N more...`; `<none>` without subsets.
pub fn format_endpoints(ep: &Endpoints) -> String {
    let subsets = ep.subsets.as_deref().unwrap_or_default();
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for ss in subsets {
        let addresses = ss.addresses.as_deref().unwrap_or_default();
        let ports = ss.ports.as_deref().unwrap_or_default();
        if ports.is_empty() {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(a.ip.clone());
            }
            continue;
        }
        for port in ports {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(&a.ip, port.port));
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count - MAX)
    } else {
        ret
    }
}

/// `net.JoinHostPort`: IPv6 addresses get brackets.
pub fn join_host_port(host: &str, port: i32) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

pub fn endpoints_row(ep: &Endpoints, now: SimTime) -> Vec<String> {
    vec![
        ep.metadata.name.clone().unwrap_or_default(),
        format_endpoints(ep),
        age(ep.metadata.creation_timestamp.as_ref(), now),
    ]
}

fn list_with_more(list: Vec<String>, count: usize) -> String {
    const MAX: usize = 3;
    if count > MAX {
        format!("{} + {} more...", list[..MAX.min(list.len())].join(","), count - MAX)
    } else if list.is_empty() {
        "<unset>".to_string()
    } else {
        list.join(",")
    }
}

pub fn endpoint_slice_row(es: &EndpointSlice, now: SimTime) -> Vec<String> {
    let ports: Vec<String> = es
        .ports
        .iter()
        .flatten()
        .map(|p| match (&p.port, &p.name) {
            (Some(n), _) => n.to_string(),
            (None, Some(name)) => name.clone(),
            _ => "*".to_string(),
        })
        .collect();
    let n_ports = ports.len();
    let addrs: Vec<String> = es.endpoints.iter().flatten().flat_map(|e| e.addresses.iter().cloned()).collect();
    let n_addrs = addrs.len();
    vec![
        es.metadata.name.clone().unwrap_or_default(),
        es.address_type.clone(),
        list_with_more(ports, n_ports),
        list_with_more(addrs, n_addrs),
        age(es.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub fn ingress_row(ing: &Ingress, now: SimTime, wide: bool) -> Vec<String> {
    let spec = ing.spec.as_ref();
    let rules = spec.and_then(|s| s.rules.as_deref()).unwrap_or_default();
    const MAX: usize = 3;
    let mut hosts: Vec<String> = Vec::new();
    let mut more = false;
    for r in rules {
        if hosts.len() == MAX {
            more = true;
        }
        if let Some(h) = r.host.as_deref().filter(|h| !h.is_empty()) {
            if !more {
                hosts.push(h.to_string());
            }
        }
    }
    let hosts = if hosts.is_empty() {
        "*".to_string()
    } else if more {
        format!("{} + {} more...", hosts.join(","), rules.len() - MAX)
    } else {
        hosts.join(",")
    };
    let lb = ing
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_deref())
        .unwrap_or_default();
    let address = load_balancer_string(lb.iter().map(|i| (i.ip.as_deref(), i.hostname.as_deref())), wide);
    let ports = if spec.and_then(|s| s.tls.as_ref()).is_some_and(|t| !t.is_empty()) { "80, 443" } else { "80" };
    vec![
        ing.metadata.name.clone().unwrap_or_default(),
        spec.and_then(|s| s.ingress_class_name.clone()).unwrap_or_else(|| "<none>".to_string()),
        hosts,
        address,
        ports.to_string(),
        age(ing.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub fn ingress_class_row(ic: &IngressClass, now: SimTime) -> Vec<String> {
    let spec = ic.spec.as_ref();
    let params = spec.and_then(|s| s.parameters.as_ref()).map_or_else(
        || "<none>".to_string(),
        |p| match &p.api_group {
            Some(g) => format!("{}.{g}/{}", p.kind, p.name),
            None => format!("{}/{}", p.kind, p.name),
        },
    );
    vec![
        ic.metadata.name.clone().unwrap_or_default(),
        spec.and_then(|s| s.controller.clone()).unwrap_or_default(),
        params,
        age(ic.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub fn network_policy_row(np: &NetworkPolicy, now: SimTime) -> Vec<String> {
    vec![
        np.metadata.name.clone().unwrap_or_default(),
        format_label_selector(np.spec.as_ref().and_then(|s| s.pod_selector.as_ref())),
        age(np.metadata.creation_timestamp.as_ref(), now),
    ]
}
