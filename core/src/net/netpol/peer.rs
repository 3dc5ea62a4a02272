//! What a policy selects and isolates, and whether one peer entry, `ipBlock` or port entry of a
//! rule matches a connection.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use k8s_openapi::api::networking::v1::{IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{namespace_labels, Direction, Peer, PodInfo, Proto};
use crate::store::selector;

/// The namespace a policy lives in (`default` when the object names none).
pub(super) fn policy_namespace(policy: &NetworkPolicy) -> &str {
    policy.metadata.namespace.as_deref().unwrap_or("default")
}

/// `namespace/name` of a policy.
pub(super) fn policy_key(policy: &NetworkPolicy) -> String {
    format!("{}/{}", policy_namespace(policy), policy.metadata.name.as_deref().unwrap_or_default())
}

/// The directions a policy affects: its `policyTypes`, or when it names none, the API's default
/// (`Ingress`, plus `Egress` when it has egress rules). Returns `(ingress, egress)`.
pub fn policy_directions(policy: &NetworkPolicy) -> (bool, bool) {
    let Some(spec) = policy.spec.as_ref() else {
        return (true, false);
    };
    match spec.policy_types.as_deref() {
        Some(types) if !types.is_empty() => (types.iter().any(|t| t == "Ingress"), types.iter().any(|t| t == "Egress")),
        _ => (true, spec.egress.as_ref().is_some_and(|e| !e.is_empty())),
    }
}

/// A label selector against labels; a selector that does not convert matches nothing.
pub(super) fn selector_matches(sel: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    selector::from_label_selector(sel).is_ok_and(|s| s.matches(Some(labels)))
}

/// Whether `policy` selects `pod`: same namespace and `spec.podSelector` (empty = all) matches.
pub fn selects(policy: &NetworkPolicy, pod: &PodInfo) -> bool {
    if policy_namespace(policy) != pod.namespace {
        return false;
    }
    match policy.spec.as_ref().and_then(|s| s.pod_selector.as_ref()) {
        Some(sel) => selector_matches(sel, pod.labels),
        None => true,
    }
}

/// Whether `policy` isolates `pod` for `direction` (selects it and names the direction).
pub(super) fn isolates(policy: &NetworkPolicy, pod: &PodInfo, direction: Direction) -> bool {
    let (ingress, egress) = policy_directions(policy);
    let named = match direction {
        Direction::Ingress => ingress,
        Direction::Egress => egress,
    };
    named && selects(policy, pod)
}

/// The policies (`namespace/name`, sorted) that isolate `pod` for `direction`; empty when the
/// pod is not isolated in that direction.
pub fn isolating(policies: &[&NetworkPolicy], pod: &PodInfo, direction: Direction) -> Vec<String> {
    let mut keys: Vec<String> =
        policies.iter().filter(|p| isolates(p, pod, direction)).map(|p| policy_key(p)).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Whether one `from`/`to` entry of a rule in a policy of `policy_ns` matches `peer`.
pub(super) fn peer_matches(
    entry: &NetworkPolicyPeer,
    policy_ns: &str,
    peer: &Peer,
    ns_labels: &dyn Fn(&str) -> Option<BTreeMap<String, String>>,
) -> bool {
    if let Some(block) = &entry.ip_block {
        return ip_block_contains(block, peer.ip());
    }
    let Peer::Pod(pod) = peer else {
        // Pod and namespace selectors only ever match pods.
        return false;
    };
    match (&entry.namespace_selector, &entry.pod_selector) {
        (None, None) => false,
        (None, Some(pods)) => pod.namespace == policy_ns && selector_matches(pods, pod.labels),
        (Some(namespaces), pods) => {
            selector_matches(namespaces, &namespace_labels(ns_labels, pod.namespace))
                && pods.as_ref().is_none_or(|p| selector_matches(p, pod.labels))
        }
    }
}

/// `ipBlock`: inside `cidr` and outside every `except`. A CIDR that does not parse as IPv4
/// matches nothing (and an `except` that does not parse excludes nothing).
pub(super) fn ip_block_contains(block: &IPBlock, ip: Ipv4Addr) -> bool {
    let Some(net) = parse_cidr(&block.cidr) else {
        return false;
    };
    net.contains(&ip) && !block.except.iter().flatten().filter_map(|e| parse_cidr(e)).any(|e| e.contains(&ip))
}

fn parse_cidr(s: &str) -> Option<Ipv4Net> {
    s.trim().parse::<Ipv4Net>().ok().map(|n| n.trunc())
}

/// Whether one `ports` entry matches `proto`/`port` on `dst` (the pod a named port is resolved
/// against; for an address that is not a pod a named port matches nothing).
pub(super) fn port_matches(entry: &NetworkPolicyPort, proto: Proto, port: u16, dst: &Peer) -> bool {
    let entry_proto = entry.protocol.as_deref().unwrap_or("TCP");
    if entry_proto != proto.as_str() {
        return false;
    }
    let port = i32::from(port);
    match &entry.port {
        None => true,
        Some(IntOrString::Int(first)) => match entry.end_port {
            Some(last) => (*first..=last).contains(&port),
            None => *first == port,
        },
        Some(IntOrString::String(name)) => dst.pod().is_some_and(|pod| {
            pod.ports.iter().any(|cp| {
                cp.name.as_deref() == Some(name.as_str())
                    && cp.protocol.as_deref().unwrap_or("TCP") == entry_proto
                    && cp.container_port == port
            })
        }),
    }
}
