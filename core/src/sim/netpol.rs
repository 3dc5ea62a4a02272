//! NetworkPolicy enforcement for traces: the policy agent on each node checks every new
//! connection it forwards — egress for the pods on its node that send, ingress for the pods
//! on its node that receive — and drops what no rule allows.
//!
//! flannel itself enforces no NetworkPolicy; clusters pair it with an agent (Calico in
//! "Canal", kube-router) that compiles policies into iptables chains and ipsets per pod. The
//! simulation shows the agent's decision at the node's FORWARD hook, naming the policy and
//! rule, rather than those generated chains.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::ContainerPort;
use k8s_openapi::api::networking::v1::NetworkPolicy;

use super::Sim;
use crate::api::{Kind, Object};
use crate::net::netpol::{self, Direction, Peer, PodInfo, Proto};

struct PodEntry {
    namespace: String,
    name: String,
    node: String,
    labels: BTreeMap<String, String>,
    ports: Vec<ContainerPort>,
}

/// What the agents know: policies, pods by address, namespace labels.
pub struct PolicyIndex {
    policies: Vec<NetworkPolicy>,
    pods: BTreeMap<Ipv4Addr, PodEntry>,
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
}

impl Sim {
    /// The agents' view of the store, or None when no NetworkPolicy exists (nothing to check).
    pub fn policy_index(&self) -> Option<PolicyIndex> {
        let policies: Vec<NetworkPolicy> = self
            .store
            .list(Kind::NetworkPolicy, None)
            .filter_map(|o| match &**o {
                Object::NetworkPolicy(p) => Some((**p).clone()),
                _ => None,
            })
            .collect();
        if policies.is_empty() {
            return None;
        }
        let mut pods = BTreeMap::new();
        for o in self.store.list(Kind::Pod, None) {
            let Object::Pod(p) = &**o else { continue };
            let spec = p.spec.as_ref();
            if spec.and_then(|s| s.host_network).unwrap_or(false) {
                continue;
            }
            let Some(ip) = p.status.as_ref().and_then(|s| s.pod_ip.as_deref()).and_then(|ip| ip.parse().ok()) else { continue };
            let ports = spec.map(|s| s.containers.iter().flat_map(|c| c.ports.clone().unwrap_or_default()).collect()).unwrap_or_default();
            pods.insert(
                ip,
                PodEntry {
                    namespace: p.metadata.namespace.clone().unwrap_or_default(),
                    name: p.metadata.name.clone().unwrap_or_default(),
                    node: spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
                    labels: p.metadata.labels.clone().unwrap_or_default(),
                    ports,
                },
            );
        }
        let namespaces = self
            .store
            .list(Kind::Namespace, None)
            .filter_map(|o| match &**o {
                Object::Namespace(n) => Some((n.metadata.name.clone().unwrap_or_default(), n.metadata.labels.clone().unwrap_or_default())),
                _ => None,
            })
            .collect();
        Some(PolicyIndex { policies, pods, namespaces })
    }
}

impl PolicyIndex {
    fn peer(&self, ip: Ipv4Addr) -> Peer<'_> {
        match self.pods.get(&ip) {
            Some(p) => Peer::Pod(PodInfo { namespace: &p.namespace, name: &p.name, labels: &p.labels, ip, ports: &p.ports }),
            None => Peer::External(ip),
        }
    }

    /// The agent on `node` looks at a new connection: None when neither end is one of its pods
    /// or no policy isolates them; else whether it passes and why.
    pub fn check(&self, node: &str, src: Ipv4Addr, dst: Ipv4Addr, proto: u8, port: u16) -> Option<(bool, String)> {
        let proto = match proto {
            6 => Proto::Tcp,
            17 => Proto::Udp,
            132 => Proto::Sctp,
            _ => return None,
        };
        let local = |ip: Ipv4Addr| self.pods.get(&ip).is_some_and(|p| p.node == node);
        let (egress_here, ingress_here) = (local(src), local(dst));
        if !egress_here && !ingress_here {
            return None;
        }
        let policies: Vec<&NetworkPolicy> = self.policies.iter().collect();
        let labels = |ns: &str| self.namespaces.get(ns).cloned();
        let d = netpol::evaluate(&policies, &labels, &self.peer(src), &self.peer(dst), proto, port);
        let mut verdicts = Vec::new();
        if egress_here {
            verdicts.push((Direction::Egress, d.egress.clone()));
        }
        if ingress_here {
            verdicts.push((Direction::Ingress, d.ingress.clone()));
        }
        let isolated = verdicts.iter().any(|(_, v)| matches!(v, netpol::Verdict::Allowed(_) | netpol::Verdict::Denied { .. }));
        if !isolated {
            return None;
        }
        if let Some((dir, _)) = verdicts.iter().find(|(_, v)| !v.allowed()) {
            return Some((false, format!("policy agent: {}", d.direction_text(*dir).unwrap_or_default())));
        }
        let texts: Vec<String> = verdicts.iter().filter_map(|(dir, _)| d.direction_text(*dir)).collect();
        Some((true, format!("policy agent: {}", texts.join("; "))))
    }
}
