//! NetworkPolicy: which pods a policy isolates and which traffic its rules allow.
//!
//! The semantics are those of `networking.k8s.io/v1` as the API reference states them and as the
//! upstream network policy e2e "truth table" tests check them:
//!
//! - A policy selects pods in its own namespace with `spec.podSelector` (empty or absent = every
//!   pod there). `policyTypes` defaults to `Ingress`, plus `Egress` when the policy has egress
//!   rules; a pod is *isolated* for a direction as soon as one policy selecting it names that
//!   direction. A pod that no policy isolates allows everything in that direction.
//! - An isolated pod allows what at least one rule of at least one isolating policy allows: the
//!   policies are additive (a union), there are no deny rules and their order does not matter.
//! - A connection needs both ends: the source pod's egress (if it is isolated for egress) AND the
//!   destination pod's ingress (if it is isolated for ingress).
//! - A rule with no `from`/`to` allows every peer; a rule with no `ports` allows every port.
//! - A peer with only `podSelector` means pods of the policy's namespace; only
//!   `namespaceSelector` means every pod of the matching namespaces; both in ONE peer means pods
//!   matching the pod selector inside matching namespaces (AND); two peers are alternatives (OR).
//!   `kubernetes.io/metadata.name` is added to every namespace's labels, as the API server does.
//! - `ipBlock` matches an address inside `cidr` and outside every `except` CIDR.
//! - A port entry has a protocol (default TCP) and either no port (every port of that
//!   protocol), a number, a number with `endPort` (an inclusive range), or a name. A name is
//!   resolved against the destination pod's container ports with that name and protocol; for
//!   egress to an address that is not a pod a named port matches nothing.
//! - Reply packets of an allowed connection are always allowed (policies are stateful); the
//!   caller's connection tracking is expected to let them through without asking again.
//!
//! Choices where the API leaves the behaviour to the network plugin, and simplifications:
//!
//! - `ipBlock` peers also match pods by their pod IP (what Calico and most plugins do; the API
//!   reference calls this implementation-defined because pod IPs are ephemeral).
//! - Traffic from a pod to its own IP never leaves its network namespace (it goes over `lo`),
//!   so no policy applies to it; the e2e tests ignore this "loopback" case for the same reason.
//! - Traffic from the pod's own node (kubelet probes) is not special-cased here: a node's address
//!   is an [`Peer::External`] that only `ipBlock` peers match. Callers that model the plugins'
//!   "the local node is always allowed" behaviour do so before asking.
//! - A selector that cannot be converted (an unknown operator, an invalid key) or a CIDR that
//!   does not parse matches nothing; the API server's validation rejects such policies anyway.
//!   IPv6 CIDRs never match, since the simulated cluster is IPv4 only.
//! - A policy without `metadata.namespace` is taken to be in `default`.
//! - Pods with `hostNetwork: true` share their node's address and are not governed by policies
//!   in the common plugins; callers pass them as [`Peer::External`] with the node's IP.
//! - Enforcement belongs to the network plugin: flannel on its own implements none of this (it
//!   is paired with Calico's policy agent in Canal for that). This module says what a plugin that
//!   implements NetworkPolicy does; whether the simulated cluster applies it is the caller's call.
//!
//! ```text
//! mod.rs       the inputs: PodInfo, Peer, Proto, Direction, namespace labels
//! peer.rs      what a policy selects and isolates; peers, ipBlocks and ports matched
//! evaluate.rs  evaluate(): both directions of one connection, rule by rule
//! decision.rs  Decision / Verdict and the sentences a packet trace shows
//! describe.rs  `kubectl describe networkpolicy`
//! ```

mod decision;
mod describe;
mod evaluate;
mod peer;

#[cfg(test)]
mod describe_tests;
#[cfg(test)]
mod evaluate_tests;
#[cfg(test)]
mod peer_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod truth_tests;

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::ContainerPort;

pub use decision::{Decision, RuleMatch, Verdict};
pub use describe::describe_network_policy;
pub use evaluate::evaluate;
pub use peer::{isolating, policy_directions, selects};

/// The label the API server sets on every namespace, holding the namespace's name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// What NetworkPolicy needs to know about a pod.
#[derive(Debug, Clone, Copy)]
pub struct PodInfo<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub ip: Ipv4Addr,
    /// The ports of all its containers (named ports are resolved against these).
    pub ports: &'a [ContainerPort],
}

impl PodInfo<'_> {
    /// `namespace/name`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// One end of a connection: a pod, or an address that is not a pod (a node, a host outside the
/// cluster).
#[derive(Debug, Clone, Copy)]
pub enum Peer<'a> {
    Pod(PodInfo<'a>),
    External(Ipv4Addr),
}

impl Peer<'_> {
    pub fn ip(&self) -> Ipv4Addr {
        match self {
            Peer::Pod(p) => p.ip,
            Peer::External(ip) => *ip,
        }
    }

    pub fn pod(&self) -> Option<&PodInfo<'_>> {
        match self {
            Peer::Pod(p) => Some(p),
            Peer::External(_) => None,
        }
    }
}

/// The transport protocols a NetworkPolicy port can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Sctp,
}

impl Proto {
    /// The API's spelling: `TCP`, `UDP`, `SCTP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "TCP",
            Proto::Udp => "UDP",
            Proto::Sctp => "SCTP",
        }
    }

    /// Parses the API's spelling (exactly, as the API server does).
    pub fn parse(s: &str) -> Result<Proto, String> {
        match s {
            "TCP" => Ok(Proto::Tcp),
            "UDP" => Ok(Proto::Udp),
            "SCTP" => Ok(Proto::Sctp),
            other => Err(format!("unsupported protocol \"{other}\": supported values: \"SCTP\", \"TCP\", \"UDP\"")),
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The two directions a policy can isolate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    /// `ingress` / `egress`, as the sentences use them.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// The `policyTypes` value: `Ingress` / `Egress`.
    pub fn policy_type(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }
}

/// A namespace's labels as selectors see them: `lookup`'s labels (none for an unknown
/// namespace) with `kubernetes.io/metadata.name` set to the name if it is absent.
pub fn namespace_labels(
    lookup: &dyn Fn(&str) -> Option<BTreeMap<String, String>>,
    ns: &str,
) -> BTreeMap<String, String> {
    let mut labels = lookup(ns).unwrap_or_default();
    labels.entry(NAMESPACE_NAME_LABEL.to_string()).or_insert_with(|| ns.to_string());
    labels
}

/// A lookup over a map of namespace name → labels, for [`evaluate`].
pub fn labels_from_map(
    map: &BTreeMap<String, BTreeMap<String, String>>,
) -> impl Fn(&str) -> Option<BTreeMap<String, String>> + '_ {
    move |ns| map.get(ns).cloned()
}
