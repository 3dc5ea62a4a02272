//! The outcome of [`evaluate`](super::evaluate): a [`Verdict`] per direction and the sentences a
//! packet trace shows for them.

use std::net::Ipv4Addr;

use super::{Direction, Proto};

/// The rule that allowed a connection in one direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// `namespace/name` of the policy.
    pub policy: String,
    pub direction: Direction,
    /// Index into `spec.ingress` / `spec.egress` (0-based; the sentences count from 1).
    pub rule: usize,
    /// Index into the rule's `from` / `to`; `None` when the rule names no peers (all allowed).
    pub peer: Option<usize>,
    /// Index into the rule's `ports`; `None` when the rule names no ports (all allowed).
    pub port: Option<usize>,
}

/// What NetworkPolicy decided for one direction of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No policy isolates the pod in this direction: everything is allowed.
    NotIsolated,
    /// The pod is isolated and this rule (the first that matches, policies in name order)
    /// allows the connection.
    Allowed(RuleMatch),
    /// The pod is isolated by these policies (`namespace/name`, sorted) and none of their rules
    /// allows the connection.
    Denied { isolated_by: Vec<String> },
    /// This end is not a pod (a node or an outside host): NetworkPolicy has nothing to say.
    NotAPod,
    /// A pod talking to its own IP: the packet stays on its `lo`, no policy applies.
    SamePod,
}

impl Verdict {
    pub fn allowed(&self) -> bool {
        !matches!(self, Verdict::Denied { .. })
    }
}

/// The decision for one connection: the source's egress and the destination's ingress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub src_ip: Ipv4Addr,
    pub dst_ip: Ipv4Addr,
    /// `namespace/name` of the source pod, if the source is a pod.
    pub src_pod: Option<String>,
    /// `namespace/name` of the destination pod, if the destination is a pod.
    pub dst_pod: Option<String>,
    pub proto: Proto,
    pub port: u16,
    pub egress: Verdict,
    pub ingress: Verdict,
}

impl Decision {
    /// True when both directions allow the connection.
    pub fn allowed(&self) -> bool {
        self.egress.allowed() && self.ingress.allowed()
    }

    /// The sentence for one direction, or `None` where NetworkPolicy does not apply (that end
    /// is not a pod).
    pub fn direction_text(&self, direction: Direction) -> Option<String> {
        let (verdict, pod) = match direction {
            Direction::Egress => (&self.egress, self.src_pod.as_deref()),
            Direction::Ingress => (&self.ingress, self.dst_pod.as_deref()),
        };
        let pod = pod.unwrap_or_default();
        let traffic = self.traffic(direction);
        let dir = direction.as_str();
        Some(match verdict {
            Verdict::NotAPod => return None,
            Verdict::NotIsolated => format!("no NetworkPolicy isolates pod {pod} for {dir}"),
            Verdict::Allowed(m) => {
                format!("NetworkPolicy {} {dir} rule {} allows {traffic}", m.policy, m.rule + 1)
            }
            Verdict::Denied { isolated_by } => {
                let noun = if isolated_by.len() == 1 { "NetworkPolicy" } else { "NetworkPolicies" };
                format!(
                    "pod {pod} is isolated for {dir} by {noun} {}; no rule allows {traffic}",
                    isolated_by.join(", ")
                )
            }
            Verdict::SamePod => {
                format!("pod {pod} sends to its own IP; the packet stays on its lo and no NetworkPolicy applies")
            }
        })
    }

    /// The trace hop's text. A denied connection names the direction that denied it (egress
    /// first, since the packet leaves the source first); an allowed one says why each end
    /// allowed it, joined by `; `.
    pub fn text(&self) -> String {
        if self.egress == Verdict::SamePod {
            return self.direction_text(Direction::Egress).unwrap_or_default();
        }
        let directions = [Direction::Egress, Direction::Ingress];
        let lines: Vec<String> = if self.allowed() {
            directions.iter().filter_map(|d| self.direction_text(*d)).collect()
        } else {
            let denied = |d: &&Direction| match d {
                Direction::Egress => !self.egress.allowed(),
                Direction::Ingress => !self.ingress.allowed(),
            };
            directions.iter().filter(denied).take(1).filter_map(|d| self.direction_text(*d)).collect()
        };
        lines.join("; ")
    }

    /// The connection as the sentences name it: ingress `10.244.1.5 → TCP/5432` (the remote
    /// source, then the pod's own port); egress `→ 10.244.2.3 TCP/5432` (the remote destination).
    fn traffic(&self, direction: Direction) -> String {
        match direction {
            Direction::Ingress => format!("{} → {}/{}", self.src_ip, self.proto, self.port),
            Direction::Egress => format!("→ {} {}/{}", self.dst_ip, self.proto, self.port),
        }
    }
}
