//! `kubectl describe service`, with endpoints taken from the service's endpoint slices.

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::common::{events, header};
use super::writer::DescWriter;
use super::DescribeContext;
use crate::kubectl::printers::services::join_host_port;
use crate::kubectl::printers::util::format_labels;

/// `formatEndpointSlices`: ready `ip:port` pairs of the named port, at most three, then
/// `+ N more...`; `<none>` without slices.
pub fn format_endpoint_slices(slices: &[EndpointSlice], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for s in slices {
        let endpoints = s.endpoints.as_deref().unwrap_or_default();
        let ports = s.ports.as_deref().unwrap_or_default();
        let ready = |e: &k8s_openapi::api::discovery::v1::Endpoint| {
            e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true)
        };
        if ports.is_empty() {
            for e in endpoints {
                if list.len() == MAX {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    list.push(e.addresses.first().cloned().unwrap_or_default());
                }
                count += 1;
            }
            continue;
        }
        for p in ports {
            if p.name.as_deref().unwrap_or_default() != port_name {
                continue;
            }
            for e in endpoints {
                if list.len() == MAX {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    let addr = e.addresses.first().cloned().unwrap_or_default();
                    list.push(join_host_port(&addr, p.port.unwrap_or(0)));
                }
                count += 1;
            }
        }
    }
    let ret = list.join(",");
    if more {
        format!("{ret} + {} more...", count.saturating_sub(MAX))
    } else {
        ret
    }
}

pub fn describe_service(svc: &Service, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    header(&mut w, &svc.metadata, true);
    let spec = svc.spec.clone().unwrap_or_default();
    w.line(0, &format!("Selector:\t{}", format_labels(spec.selector.as_ref())));
    w.line(0, &format!("Type:\t{}", spec.type_.as_deref().unwrap_or("ClusterIP")));
    if let Some(p) = &spec.ip_family_policy {
        w.line(0, &format!("IP Family Policy:\t{p}"));
    }
    match spec.ip_families.as_ref().filter(|f| !f.is_empty()) {
        Some(f) => w.line(0, &format!("IP Families:\t{}", f.join(","))),
        None => w.line(0, "IP Families:\t<none>"),
    }
    w.line(0, &format!("IP:\t{}", spec.cluster_ip.as_deref().unwrap_or_default()));
    match spec.cluster_ips.as_ref().filter(|f| !f.is_empty()) {
        Some(ips) => w.line(0, &format!("IPs:\t{}", ips.join(","))),
        None => w.line(0, "IPs:\t<none>"),
    }
    if let Some(ips) = spec.external_ips.as_ref().filter(|f| !f.is_empty()) {
        w.line(0, &format!("External IPs:\t{}", ips.join(",")));
    }
    if let Some(ip) = spec.load_balancer_ip.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("Desired LoadBalancer IP:\t{ip}"));
    }
    if let Some(n) = spec.external_name.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("External Name:\t{n}"));
    }
    let ingress = svc
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|l| l.ingress.clone())
        .unwrap_or_default();
    if !ingress.is_empty() {
        let list = ingress
            .iter()
            .map(|i| match i.ip.as_deref().filter(|s| !s.is_empty()) {
                Some(ip) => match &i.ip_mode {
                    Some(m) => format!("{ip} ({m})"),
                    None => ip.to_string(),
                },
                None => i.hostname.clone().unwrap_or_default(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        w.line(0, &format!("LoadBalancer Ingress:\t{list}"));
    }
    for p in spec.ports.iter().flatten() {
        let raw_name = p.name.clone().unwrap_or_default();
        let name = if raw_name.is_empty() { "<unset>".to_string() } else { raw_name.clone() };
        let proto = p.protocol.as_deref().unwrap_or("TCP");
        w.line(0, &format!("Port:\t{name}\t{}/{proto}", p.port));
        let target = match &p.target_port {
            Some(IntOrString::Int(i)) => i.to_string(),
            Some(IntOrString::String(s)) => s.clone(),
            None => p.port.to_string(),
        };
        w.line(0, &format!("TargetPort:\t{target}/{proto}"));
        if let Some(np) = p.node_port.filter(|n| *n != 0) {
            w.line(0, &format!("NodePort:\t{name}\t{np}/{proto}"));
        }
        w.line(0, &format!("Endpoints:\t{}", format_endpoint_slices(&ctx.endpoint_slices, &raw_name)));
    }
    w.line(0, &format!("Session Affinity:\t{}", spec.session_affinity.as_deref().unwrap_or("None")));
    if let Some(p) = spec.external_traffic_policy.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("External Traffic Policy:\t{p}"));
    }
    if let Some(p) = &spec.internal_traffic_policy {
        w.line(0, &format!("Internal Traffic Policy:\t{p}"));
    }
    if let Some(n) = spec.health_check_node_port.filter(|n| *n != 0) {
        w.line(0, &format!("HealthCheck NodePort:\t{n}"));
    }
    if let Some(r) = spec.load_balancer_source_ranges.as_ref().filter(|r| !r.is_empty()) {
        w.line(0, &format!("LoadBalancer Source Ranges:\t{}", r.join(",")));
    }
    events(&mut w, ctx.events.as_ref());
    w.finish()
}
