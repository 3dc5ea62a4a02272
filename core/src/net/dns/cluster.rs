//! What CoreDNS's kubernetes plugin knows about a name: the request parsed from the name
//! (parse.go), and the services, endpoints and pods it matches in the store (kubernetes.go's
//! `findServices`, `findPods` in "pods insecure" mode, `serviceRecordForIP`).
//!
//! Endpoints come from EndpointSlices (labelled `kubernetes.io/service-name`), ready meaning
//! `conditions.ready` true or unset; slices are read in name order, endpoints in slice order.

use std::net::Ipv4Addr;

use crate::api::{Kind, Object};
use crate::store::{ObjectRef, Store};

/// The labels of a name below `svc.<zone>` or `pod.<zone>` (parse.go's `recordRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    pub port: String,
    pub protocol: String,
    pub endpoint: String,
    pub service: String,
    pub namespace: String,
    /// `svc`, `pod`, or empty for the zone apex and `svc.<zone>` / `pod.<zone>` themselves.
    pub pod_or_svc: String,
}

/// Why a name has no records: it does not exist (NXDOMAIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoSuchName;

/// Parses `base` (the query name, lowercased, with the zone removed) as CoreDNS does.
pub fn parse_request(base: &str) -> Result<Request, NoSuchName> {
    let mut r = Request::default();
    if base.is_empty() || base == "svc" || base == "pod" {
        return Ok(r);
    }
    let mut segs: Vec<&str> = base.split('.').collect();
    let take = |segs: &mut Vec<&str>| segs.pop().map(str::to_string);
    r.pod_or_svc = take(&mut segs).unwrap_or_default();
    if r.pod_or_svc != "svc" && r.pod_or_svc != "pod" {
        return Err(NoSuchName);
    }
    let Some(ns) = take(&mut segs) else { return Ok(r) };
    r.namespace = ns;
    let Some(svc) = take(&mut segs) else { return Ok(r) };
    r.service = svc;
    match segs.as_slice() {
        [] => {}
        [endpoint] => r.endpoint = endpoint.to_string(),
        [port, protocol] => {
            r.port = port.strip_prefix('_').unwrap_or(port).to_string();
            r.protocol = protocol.strip_prefix('_').unwrap_or(protocol).to_string();
        }
        _ => return Err(NoSuchName),
    }
    Ok(r)
}

/// Where a matched entry leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Ip(Ipv4Addr),
    /// An ExternalName's target, without the final dot.
    Name(String),
}

/// One `msg.Service`: the name it stands for (`web.shop.svc.cluster.local`, or
/// `<hostname>.web.shop.svc.cluster.local` for an endpoint), where it leads, and a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub domain: String,
    pub host: Host,
    /// -1 when the endpoints carry no ports (CoreDNS's sentinel).
    pub port: i32,
}

pub fn namespace_exists(store: &Store, ns: &str) -> bool {
    store.contains(&ObjectRef::new(Kind::Namespace, None, ns))
}

/// A ready endpoint address of a service: its DNS label and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub hostname: String,
    pub ip: Ipv4Addr,
}

/// CoreDNS's `endpointHostname`: the endpoint's hostname, else the address with dashes.
fn endpoint_hostname(hostname: Option<&str>, ip: Ipv4Addr) -> String {
    match hostname {
        Some(h) if !h.is_empty() => h.to_string(),
        _ => ip.to_string().replace('.', "-"),
    }
}

/// A port of an EndpointSlice: name (may be empty), protocol, number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub protocol: String,
    pub port: i32,
}

/// One EndpointSlice as CoreDNS keeps it: its ready addresses and its ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subset {
    pub addresses: Vec<Address>,
    pub ports: Vec<Port>,
}

/// The ready addresses and the ports of each EndpointSlice of service `ns/name`.
pub fn endpoint_subsets(store: &Store, ns: &str, name: &str) -> Vec<Subset> {
    let mut out = Vec::new();
    for obj in store.list(Kind::EndpointSlice, Some(ns)) {
        let Object::EndpointSlice(slice) = &**obj else { continue };
        let labels = slice.metadata.labels.as_ref();
        if labels.and_then(|l| l.get("kubernetes.io/service-name")).map(String::as_str) != Some(name) {
            continue;
        }
        let mut addresses = Vec::new();
        for ep in slice.endpoints.iter().flatten() {
            if ep.conditions.as_ref().and_then(|c| c.ready) == Some(false) {
                continue;
            }
            for a in &ep.addresses {
                let Ok(ip) = a.parse::<Ipv4Addr>() else { continue };
                addresses.push(Address { hostname: endpoint_hostname(ep.hostname.as_deref(), ip), ip });
            }
        }
        let mut ports: Vec<Port> = slice
            .ports
            .iter()
            .flatten()
            .map(|p| Port {
                name: p.name.clone().unwrap_or_default(),
                protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                port: p.port.unwrap_or(-1),
            })
            .collect();
        if ports.is_empty() {
            ports.push(Port { name: String::new(), protocol: String::new(), port: -1 });
        }
        out.push(Subset { addresses, ports });
    }
    out
}

/// CoreDNS's matchPortAndProtocol: an empty request side matches anything.
fn port_matches(r: &Request, name: &str, protocol: &str) -> bool {
    (r.port.is_empty() || r.port.eq_ignore_ascii_case(name)) && (r.protocol.is_empty() || r.protocol.eq_ignore_ascii_case(protocol))
}

/// `findServices`: the entries a `svc` request matches, or NXDOMAIN.
pub fn find_services(store: &Store, r: &Request, zone: &str) -> Result<Vec<Entry>, NoSuchName> {
    if !namespace_exists(store, &r.namespace) {
        return Err(NoSuchName);
    }
    if r.service.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = false;
    let mut out = Vec::new();
    for obj in store.list(Kind::Service, Some(&r.namespace)) {
        let Object::Service(svc) = &**obj else { continue };
        let name = svc.metadata.name.as_deref().unwrap_or_default();
        if !name.eq_ignore_ascii_case(&r.service) {
            continue;
        }
        let domain = format!("{name}.{}.svc.{zone}", r.namespace);
        let Some(spec) = svc.spec.as_ref() else { continue };
        if spec.type_.as_deref() == Some("ExternalName") {
            let target = spec.external_name.as_deref().unwrap_or_default().trim_end_matches('.');
            // No endpoint, port or protocol labels below an ExternalName; one holding an address is
            // no CNAME, and CoreDNS answers nothing for it.
            let plain = r.endpoint.is_empty() && r.port.is_empty() && r.protocol.is_empty();
            if plain && !target.is_empty() && target.parse::<std::net::IpAddr>().is_err() {
                out.push(Entry { domain, host: Host::Name(target.to_string()), port: 0 });
                found = true;
            }
            continue;
        }
        if spec.cluster_ip.as_deref() == Some("None") || !r.endpoint.is_empty() {
            for subset in endpoint_subsets(store, &r.namespace, name) {
                for a in &subset.addresses {
                    if !r.endpoint.is_empty() && !r.endpoint.eq_ignore_ascii_case(&a.hostname) {
                        continue;
                    }
                    for p in &subset.ports {
                        if port_matches(r, &p.name, &p.protocol) {
                            out.push(Entry { domain: format!("{}.{domain}", a.hostname), host: Host::Ip(a.ip), port: p.port });
                            found = true;
                        }
                    }
                }
            }
            continue;
        }
        let ips: Vec<Ipv4Addr> = match &spec.cluster_ips {
            Some(ips) if !ips.is_empty() => ips.iter().filter_map(|i| i.parse().ok()).collect(),
            _ => spec.cluster_ip.iter().filter_map(|i| i.parse().ok()).collect(),
        };
        for p in spec.ports.iter().flatten() {
            if !port_matches(r, p.name.as_deref().unwrap_or(""), p.protocol.as_deref().unwrap_or("TCP")) {
                continue;
            }
            found = true;
            for ip in &ips {
                out.push(Entry { domain: domain.clone(), host: Host::Ip(*ip), port: p.port });
            }
        }
    }
    if found {
        Ok(out)
    } else {
        Err(NoSuchName)
    }
}

/// `findPods` in "pods insecure" mode: `a-b-c-d.<ns>.pod.<zone>` answers that address whether or
/// not a pod has it, as long as the namespace exists.
pub fn find_pods(store: &Store, r: &Request, zone: &str) -> Result<Vec<Entry>, NoSuchName> {
    if !namespace_exists(store, &r.namespace) {
        return Err(NoSuchName);
    }
    if r.service.is_empty() {
        return Ok(Vec::new());
    }
    let label = &r.service;
    if label.matches('-').count() != 3 || label.contains("--") {
        return Err(NoSuchName);
    }
    let ip: Ipv4Addr = label.replace('-', ".").parse().map_err(|_| NoSuchName)?;
    Ok(vec![Entry { domain: format!("{label}.{}.pod.{zone}", r.namespace), host: Host::Ip(ip), port: 0 }])
}

/// `serviceRecordForIP`: the service whose cluster IP is `ip`, else every ready endpoint with
/// that address (`<hostname>.<svc>.<ns>.svc.<zone>`), sorted.
pub fn names_for_ip(store: &Store, ip: Ipv4Addr, zone: &str) -> Vec<String> {
    let text = ip.to_string();
    for obj in store.list(Kind::Service, None) {
        let Object::Service(svc) = &**obj else { continue };
        let spec = svc.spec.as_ref();
        let has = spec.and_then(|s| s.cluster_ip.as_deref()) == Some(text.as_str())
            || spec.and_then(|s| s.cluster_ips.as_ref()).is_some_and(|ips| ips.contains(&text));
        if has {
            let ns = svc.metadata.namespace.as_deref().unwrap_or("default");
            return vec![format!("{}.{ns}.svc.{zone}", svc.metadata.name.as_deref().unwrap_or_default())];
        }
    }
    let mut names = Vec::new();
    for obj in store.list(Kind::EndpointSlice, None) {
        let Object::EndpointSlice(slice) = &**obj else { continue };
        let Some(svc) = slice.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name")) else { continue };
        let ns = slice.metadata.namespace.as_deref().unwrap_or("default");
        for ep in slice.endpoints.iter().flatten() {
            if ep.conditions.as_ref().and_then(|c| c.ready) == Some(false) || !ep.addresses.contains(&text) {
                continue;
            }
            names.push(format!("{}.{svc}.{ns}.svc.{zone}", endpoint_hostname(ep.hostname.as_deref(), ip)));
        }
    }
    names.sort();
    names.dedup();
    names
}
