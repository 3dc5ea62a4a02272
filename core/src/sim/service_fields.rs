//! The rules the service registry applies to a Service's type-dependent fields: which types
//! hold cluster IPs, node ports and a health-check port; what an update that leaves allocated
//! values out keeps (`patchAllocatedValues`, `normalizeClusterIPs`); what a type change drops
//! (`dropTypeDependentFields`).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::{ServicePort, ServiceSpec};

pub(super) fn type_of(spec: &ServiceSpec) -> &str {
    spec.type_.as_deref().unwrap_or("")
}

pub(super) fn needs_cluster_ip(spec: &ServiceSpec) -> bool {
    type_of(spec) != "ExternalName"
}

pub(super) fn needs_node_port(spec: &ServiceSpec) -> bool {
    matches!(type_of(spec), "NodePort" | "LoadBalancer")
}

/// `NeedsHealthCheck`: a LoadBalancer that keeps traffic on the node it arrived at.
pub(super) fn needs_health_check(spec: &ServiceSpec) -> bool {
    type_of(spec) == "LoadBalancer" && spec.external_traffic_policy.as_deref() == Some("Local")
}

/// `ExternallyAccessible`.
pub(super) fn externally_accessible(spec: &ServiceSpec) -> bool {
    needs_node_port(spec) || (type_of(spec) == "ClusterIP" && spec.external_ips.as_ref().is_some_and(|v| !v.is_empty()))
}

/// NodePort Services get a node port for every port; LoadBalancers unless they opted out.
pub(super) fn should_allocate_node_ports(spec: &ServiceSpec) -> bool {
    match type_of(spec) {
        "NodePort" => true,
        "LoadBalancer" => spec.allocate_load_balancer_node_ports.unwrap_or(true),
        _ => false,
    }
}

pub(super) fn is_headless(spec: &ServiceSpec) -> bool {
    spec.cluster_ips.as_deref().and_then(<[String]>::first).is_some_and(|ip| ip == "None")
}

pub(super) fn ip_of(spec: &ServiceSpec) -> &str {
    spec.cluster_ip.as_deref().unwrap_or("")
}

pub(super) fn ips_of(spec: &ServiceSpec) -> &[String] {
    spec.cluster_ips.as_deref().unwrap_or(&[])
}

pub(super) fn node_port(p: &ServicePort) -> i32 {
    p.node_port.unwrap_or(0)
}

pub(super) fn node_ports(spec: &ServiceSpec) -> Vec<i32> {
    spec.ports.iter().flatten().map(node_port).filter(|n| *n != 0).collect()
}

/// The IPv4 cluster IPs a Service holds (none for ExternalName and headless Services).
pub(super) fn held_ips(spec: &ServiceSpec) -> Vec<Ipv4Addr> {
    if !needs_cluster_ip(spec) || is_headless(spec) {
        return Vec::new();
    }
    spec.cluster_ips.iter().flatten().filter_map(|ip| ip.parse().ok()).collect()
}

/// `patchAllocatedValues`: a write that leaves out what the server allocated keeps it, so a
/// manifest without `clusterIP` or `nodePort` can be sent again.
pub(super) fn patch_allocated_values(spec: &mut ServiceSpec, old: &ServiceSpec) {
    if needs_cluster_ip(old) && needs_cluster_ip(spec) {
        if spec.cluster_ip.as_deref().is_none_or(str::is_empty) {
            spec.cluster_ip = old.cluster_ip.clone();
        }
        if spec.cluster_ips.as_ref().is_none_or(Vec::is_empty) && old.cluster_ips.as_ref().is_some_and(|v| !v.is_empty()) {
            spec.cluster_ips = old.cluster_ips.clone();
        }
    }
    if needs_node_port(old) && needs_node_port(spec) {
        let now = node_ports(spec);
        let used: BTreeSet<i32> = node_ports(old).into_iter().filter(|p| now.contains(p)).collect();
        let by_name: BTreeMap<&str, i32> =
            old.ports.iter().flatten().map(|p| (p.name.as_deref().unwrap_or(""), node_port(p))).collect();
        for p in spec.ports.iter_mut().flatten() {
            let previous = by_name.get(p.name.as_deref().unwrap_or("")).copied().unwrap_or(0);
            if node_port(p) == 0 && previous != 0 && !used.contains(&previous) {
                p.node_port = Some(previous);
            }
        }
    }
    if needs_health_check(old) && needs_health_check(spec) && spec.health_check_node_port.unwrap_or(0) == 0 {
        spec.health_check_node_port = old.health_check_node_port;
    }
}

/// `normalizeClusterIPs` on update: `clusterIP` and `clusterIPs` kept in step.
pub(super) fn normalize_cluster_ips(spec: &mut ServiceSpec, old: &ServiceSpec) {
    if !ips_of(old).is_empty() && ips_of(spec).is_empty() && ip_of(old) == ip_of(spec) {
        spec.cluster_ips = old.cluster_ips.clone();
    }
    if ip_of(old) != ip_of(spec) && ips_of(old) == ips_of(spec) {
        let ip = ip_of(spec).to_string();
        spec.cluster_ips = (!ip.is_empty()).then(|| vec![ip]);
    }
}

/// `dropTypeDependentFields`: what the new type has no use for goes, unless the user changed it.
pub(super) fn drop_type_dependent_fields(spec: &mut ServiceSpec, old: &ServiceSpec) {
    if needs_cluster_ip(old) && !needs_cluster_ip(spec) {
        if ip_of(old) == ip_of(spec) && ips_of(old) == ips_of(spec) {
            spec.cluster_ip = None;
            spec.cluster_ips = None;
        }
        if old.ip_families == spec.ip_families {
            spec.ip_families = None;
        }
        if old.ip_family_policy == spec.ip_family_policy {
            spec.ip_family_policy = None;
        }
    }
    if needs_node_port(old) && !needs_node_port(spec) {
        let old_ports = node_ports(old);
        if node_ports(spec).iter().all(|p| old_ports.contains(p)) {
            for p in spec.ports.iter_mut().flatten() {
                p.node_port = None;
            }
        }
    }
    if needs_health_check(old) && !needs_health_check(spec) && old.health_check_node_port == spec.health_check_node_port {
        spec.health_check_node_port = None;
    }
    if type_of(old) == "LoadBalancer" && type_of(spec) != "LoadBalancer" {
        if old.allocate_load_balancer_node_ports.is_some() && old.allocate_load_balancer_node_ports == spec.allocate_load_balancer_node_ports {
            spec.allocate_load_balancer_node_ports = None;
        }
        if old.load_balancer_class == spec.load_balancer_class {
            spec.load_balancer_class = None;
        }
    }
    if externally_accessible(old) && !externally_accessible(spec) && old.external_traffic_policy == spec.external_traffic_policy {
        spec.external_traffic_policy = None;
    }
}
