//! Plain-data snapshots of the simulation: the only API the UI reads.

use crate::net::netfilter::{HookVerdict, NatKind};
use crate::net::trace::NfDetail;
use crate::sim::Sim;
use crate::store::rv_of;
use crate::time::{from_k8s, human_duration};

/// One row of the object list: what `kubectl get all -A` would show, reduced to identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub resource_version: u64,
    pub age: String,
}

/// Every object in the store, in store order (kind, namespace, name).
pub fn object_rows(sim: &Sim) -> Vec<ObjectRow> {
    sim.store()
        .iter()
        .map(|(key, obj)| ObjectRow {
            kind: key.kind.to_string(),
            namespace: key.namespace.clone().unwrap_or_default(),
            name: key.name.clone(),
            resource_version: rv_of(obj),
            age: obj
                .metadata()
                .creation_timestamp
                .as_ref()
                .map(|t| human_duration(sim.now().since(from_k8s(t))))
                .unwrap_or_default(),
        })
        .collect()
}

/// One hop of the last packet trace, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHopRow {
    /// Milliseconds since the trace started, three decimals: `0.309`.
    pub at_ms: String,
    /// The machine the hop happened on: `node-1`, `router`.
    pub machine: String,
    /// The pod whose network namespace this is (`default/web-0`); None for the machine's own.
    pub pod: Option<String>,
    /// The device (`eth0`, `cni0`, `flannel.1`, a veth); None where no device is involved.
    pub device: Option<String>,
    /// The stage's name (`route`, `encapsulate`, `flanneld`, `drop`, `deliver`…).
    pub stage: &'static str,
    /// What was decided there, as the trace command prints it.
    pub detail: String,
    /// The header stack, outermost first, one header per entry.
    pub headers: Vec<String>,
    /// What netfilter did, for a hop at a netfilter hook (stage `netfilter`, or `drop` when
    /// a rule dropped or rejected the packet there).
    pub netfilter: Option<NetfilterRow>,
}

/// Netfilter at one hook, split for drawing; `TraceHopRow::detail` keeps the same on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetfilterRow {
    /// The hook, as its built-in chain is named: `PREROUTING`, `INPUT`, `FORWARD`, `OUTPUT`,
    /// `POSTROUTING`.
    pub hook: &'static str,
    /// br_netfilter: the frame was being bridged, not routed.
    pub bridged: bool,
    /// The conntrack state the rules saw: `NEW`, `ESTABLISHED`, `RELATED`, `INVALID`, `UNTRACKED`.
    pub conntrack: &'static str,
    /// This packet created the conntrack entry.
    pub new_entry: bool,
    /// Every rule the packet matched, every return from a user chain and every policy
    /// applied, in order, as the kernel's `-j TRACE` logs them.
    pub rules: Vec<NfRuleRow>,
    /// The address rewrite made here, if any.
    pub nat: Option<NatRow>,
    /// `ACCEPT`, `DROP` or `REJECT`.
    pub verdict: &'static str,
    /// REJECT's answer: `icmp-port-unreachable`.
    pub reject_with: Option<String>,
}

/// One `-j TRACE` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfRuleRow {
    /// `nat:KUBE-SERVICES:rule:2`, `filter:KUBE-FORWARD:return:4`, `mangle:FORWARD:policy:1`.
    pub trace: String,
    /// The rule's target as `iptables-save` prints it (`-j KUBE-SVC-LOLE4ISW44XBNF3G`), the
    /// policy (`ACCEPT`), or empty for a return.
    pub target: String,
    /// The rule's `-m comment` text.
    pub comment: Option<String>,
}

/// An address rewrite at a hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatRow {
    /// `DNAT`, `SNAT`, `MASQUERADE` or `REDIRECT`: the rule's target on a connection's first
    /// packet; on later packets conntrack's mapping, `DNAT` or `SNAT`.
    pub target: &'static str,
    /// A rule decided the rewrite on this packet (else conntrack applied the connection's).
    pub by_rule: bool,
    /// A reply: conntrack undoes `target` (a reply to a DNATed packet gets its source back).
    pub reply: bool,
    /// The destination was rewritten (else the source).
    pub destination: bool,
    /// `10.96.0.20:80` before, `10.244.2.2:80` after.
    pub from: String,
    pub to: String,
}

/// The last packet trace: its hops and how the exchange ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceView {
    pub hops: Vec<TraceHopRow>,
    /// `delivered`, `refused`, `unreachable` or `timeout`.
    pub outcome_kind: &'static str,
    pub outcome: String,
}

/// The last trace run (`trace …`, `ping`), or None before the first one.
pub fn trace_rows(sim: &Sim) -> Option<TraceView> {
    use crate::net::trace::{headers, Detail, Outcome};
    let trace = sim.last_trace()?;
    let hops = trace
        .hops
        .iter()
        .map(|h| {
            // `node-1`, `node-1 pod default/web-0`, `router`.
            let (machine, pod) = match h.place.split_once(" pod ") {
                Some((machine, pod)) => (machine.to_string(), Some(pod.to_string())),
                None => (h.place.to_string(), None),
            };
            let micros = h.at.0.saturating_sub(trace.started.0);
            TraceHopRow {
                at_ms: format!("{}.{:03}", micros / 1000, micros % 1000),
                machine,
                pod,
                device: h.device.as_deref().map(str::to_string),
                stage: h.stage.name(),
                detail: h.detail.to_string(),
                headers: headers(&h.packet).split(" | ").map(str::to_string).collect(),
                netfilter: match &h.detail {
                    Detail::Netfilter(d) => Some(netfilter_row(d)),
                    _ => None,
                },
            }
        })
        .collect();
    let outcome_kind = match trace.outcome {
        Outcome::Delivered(_) => "delivered",
        Outcome::Refused(_) => "refused",
        Outcome::Unreachable(_) => "unreachable",
        Outcome::Timeout(_) => "timeout",
    };
    Some(TraceView { hops, outcome_kind, outcome: trace.outcome.text().to_string() })
}

/// A netfilter hop's detail, split into its parts.
pub fn netfilter_row(d: &NfDetail) -> NetfilterRow {
    let rules = d
        .visits
        .iter()
        .map(|v| NfRuleRow { trace: v.trace_text(), target: v.target.to_string(), comment: v.comment.as_deref().map(str::to_string) })
        .collect();
    let nat = d.nat.as_ref().map(|n| {
        let destination = n.kind == NatKind::Dst;
        let target = match (n.by_rule, n.reply, destination) {
            (Some(rule), false, _) => rule,
            // IPVS rewrote the destination (not nf_nat); it puts the source back on replies.
            (Some("IPVS"), true, false) => "IPVS",
            // A reply's source was the original destination: this undoes a DNAT.
            (_, true, false) | (None, false, true) => "DNAT",
            (_, true, true) | (None, false, false) => "SNAT",
        };
        NatRow {
            target,
            by_rule: n.by_rule.is_some() && !n.reply,
            reply: n.reply,
            destination,
            from: format!("{}:{}", n.from.0, n.from.1),
            to: format!("{}:{}", n.to.0, n.to.1),
        }
    });
    let (verdict, reject_with) = match &d.verdict {
        HookVerdict::Accept => ("ACCEPT", None),
        HookVerdict::Drop => ("DROP", None),
        HookVerdict::Reject { with } => ("REJECT", Some(with.clone())),
    };
    NetfilterRow { hook: d.hook.chain(), bridged: d.bridged, conntrack: d.ct.name(), new_entry: d.ct_new, rules, nat, verdict, reject_with }
}

#[cfg(test)]
#[path = "view_trace_tests.rs"]
mod trace_view_tests;
