//! [`evaluate`]: one connection against every policy, the source's egress and the
//! destination's ingress, rule by rule.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};

use super::decision::{Decision, RuleMatch, Verdict};
use super::peer::{isolates, peer_matches, policy_key, policy_namespace, port_matches};
use super::{Direction, Peer, PodInfo, Proto};

/// Decides whether `src` may open a `proto`/`port` connection to `dst` under `policies` (all
/// policies of the cluster; each only affects pods of its own namespace).
///
/// The connection must be allowed by the source pod's egress policies, if any isolate it for
/// egress, AND by the destination pod's ingress policies, if any isolate it for ingress. An end
/// that is not a pod has no policies of its own. `ns_labels` gives a namespace's labels
/// (`kubernetes.io/metadata.name` is added when missing). Replies of an allowed connection are
/// not evaluated: the caller's connection tracking lets them through.
pub fn evaluate(
    policies: &[&NetworkPolicy],
    ns_labels: &dyn Fn(&str) -> Option<BTreeMap<String, String>>,
    src: &Peer,
    dst: &Peer,
    proto: Proto,
    port: u16,
) -> Decision {
    let mut decision = Decision {
        src_ip: src.ip(),
        dst_ip: dst.ip(),
        src_pod: src.pod().map(PodInfo::key),
        dst_pod: dst.pod().map(PodInfo::key),
        proto,
        port,
        egress: Verdict::NotAPod,
        ingress: Verdict::NotAPod,
    };
    let mut sorted: Vec<&NetworkPolicy> = policies.to_vec();
    sorted.sort_by_key(|p| policy_key(p));
    if let (Peer::Pod(a), Peer::Pod(b)) = (src, dst) {
        if a.namespace == b.namespace && a.name == b.name {
            decision.egress = Verdict::SamePod;
            decision.ingress = Verdict::SamePod;
            return decision;
        }
    }
    let conn = Conn { ns_labels, src, dst, proto, port };
    if let Peer::Pod(pod) = src {
        decision.egress = conn.verdict(&sorted, pod, Direction::Egress);
    }
    if let Peer::Pod(pod) = dst {
        decision.ingress = conn.verdict(&sorted, pod, Direction::Ingress);
    }
    decision
}

/// One rule of a policy: its peers (`from` / `to`) and its ports.
type Rule<'p> = (Option<&'p [NetworkPolicyPeer]>, Option<&'p [NetworkPolicyPort]>);

/// One connection being evaluated.
struct Conn<'c> {
    ns_labels: &'c dyn Fn(&str) -> Option<BTreeMap<String, String>>,
    src: &'c Peer<'c>,
    dst: &'c Peer<'c>,
    proto: Proto,
    port: u16,
}

impl Conn<'_> {
    /// The verdict for `pod`'s side of the connection in `direction`, over policies sorted by
    /// `namespace/name`.
    fn verdict(&self, sorted: &[&NetworkPolicy], pod: &PodInfo, direction: Direction) -> Verdict {
        let mut isolated_by = Vec::new();
        let mut allowed = None;
        for policy in sorted.iter().filter(|p| isolates(p, pod, direction)) {
            isolated_by.push(policy_key(policy));
            if allowed.is_none() {
                allowed = self.allowing_rule(policy, direction);
            }
        }
        match allowed {
            _ if isolated_by.is_empty() => Verdict::NotIsolated,
            Some(m) => Verdict::Allowed(m),
            None => {
                isolated_by.dedup();
                Verdict::Denied { isolated_by }
            }
        }
    }

    /// The first rule of `policy` in `direction` that allows the connection.
    fn allowing_rule(&self, policy: &NetworkPolicy, direction: Direction) -> Option<RuleMatch> {
        let spec = policy.spec.as_ref()?;
        let rules: Vec<Rule> = match direction {
            Direction::Ingress => {
                spec.ingress.iter().flatten().map(|r| (r.from.as_deref(), r.ports.as_deref())).collect()
            }
            Direction::Egress => spec.egress.iter().flatten().map(|r| (r.to.as_deref(), r.ports.as_deref())).collect(),
        };
        // The remote end is what the peers describe; ports are always the destination's.
        let remote = match direction {
            Direction::Ingress => self.src,
            Direction::Egress => self.dst,
        };
        let ns = policy_namespace(policy);
        rules.into_iter().enumerate().find_map(|(rule, (peers, ports))| {
            let peer = match peers.filter(|p| !p.is_empty()) {
                None => None,
                Some(peers) => Some(peers.iter().position(|e| peer_matches(e, ns, remote, self.ns_labels))?),
            };
            let port = match ports.filter(|p| !p.is_empty()) {
                None => None,
                Some(ports) => Some(ports.iter().position(|e| port_matches(e, self.proto, self.port, self.dst))?),
            };
            Some(RuleMatch { policy: policy_key(policy), direction, rule, peer, port })
        })
    }
}
