//! `kubectl describe networkpolicy`: kubectl's `describeNetworkPolicy` text, line for line.

use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::kubectl::describe::common;
use crate::kubectl::describe::writer::DescWriter;
use crate::store::selector;

/// The indent kubectl passes to the rule printers (on top of the writer's levels).
const RULE_INDENT: &str = "    ";

/// The describe text of `np`. `created_on` is the creation time as Go prints a `metav1.Time`
/// (`2024-01-01 00:00:00 +0000 UTC`).
pub fn describe_network_policy(np: &NetworkPolicy, created_on: &str) -> String {
    let mut w = DescWriter::new();
    let meta = &np.metadata;
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    w.line(0, &format!("Created on:\t{created_on}"));
    common::labels(&mut w, "", "Labels", meta.labels.as_ref());
    common::annotations(&mut w, "Annotations", meta.annotations.as_ref());
    let spec = np.spec.clone().unwrap_or_default();
    w.line(0, "Spec:");
    w.write(1, "PodSelector: ");
    let pod_selector = spec.pod_selector.unwrap_or_default();
    if pod_selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && pod_selector.match_expressions.as_ref().is_none_or(|e| e.is_empty())
    {
        w.line(2, "<none> (Allowing the specific traffic to all pods in this namespace)");
    } else {
        w.line(2, &format_selector(&pod_selector));
    }
    let types = spec.policy_types.unwrap_or_default();
    if types.iter().any(|t| t == "Ingress") {
        w.line(1, "Allowing ingress traffic:");
        let rules: Vec<_> = spec.ingress.iter().flatten().map(|r| (r.ports.as_deref(), r.from.as_deref())).collect();
        rules_text(&mut w, &rules, Side::From);
    } else {
        w.line(1, "Not affecting ingress traffic");
    }
    if types.iter().any(|t| t == "Egress") {
        w.line(1, "Allowing egress traffic:");
        let rules: Vec<_> = spec.egress.iter().flatten().map(|r| (r.ports.as_deref(), r.to.as_deref())).collect();
        rules_text(&mut w, &rules, Side::To);
    } else {
        w.line(1, "Not affecting egress traffic");
    }
    let types = if types.is_empty() { "<none>".to_string() } else { types.join(", ") };
    w.line(1, &format!("Policy Types: {types}"));
    w.finish()
}

/// Which end a rule's peers name.
#[derive(Clone, Copy)]
enum Side {
    From,
    To,
}

type Rule<'a> = (Option<&'a [NetworkPolicyPort]>, Option<&'a [NetworkPolicyPeer]>);

/// `printNetworkPolicySpecIngressFrom` / `printNetworkPolicySpecEgressTo`.
fn rules_text(w: &mut DescWriter, rules: &[Rule], side: Side) {
    let i = RULE_INDENT;
    if rules.is_empty() {
        let dir = match side {
            Side::From => "ingress",
            Side::To => "egress",
        };
        w.line(0, &format!("{i}<none> (Selected pods are isolated for {dir} connectivity)"));
        return;
    }
    for (n, (ports, peers)) in rules.iter().enumerate() {
        let ports = ports.unwrap_or_default();
        if ports.is_empty() {
            w.line(0, &format!("{i}To Port: <any> (traffic allowed to all ports)"));
        }
        for port in ports {
            w.line(0, &format!("{i}{}", port_text(port)));
        }
        let peers = peers.unwrap_or_default();
        let title = match side {
            Side::From => "From",
            Side::To => "To",
        };
        if peers.is_empty() {
            let any = match side {
                Side::From => "From: <any> (traffic not restricted by source)",
                Side::To => "To: <any> (traffic not restricted by destination)",
            };
            w.line(0, &format!("{i}{any}"));
        }
        for peer in peers {
            w.line(0, &format!("{i}{title}:"));
            peer_text(w, peer);
        }
        if n + 1 != rules.len() {
            w.line(0, &format!("{i}----------"));
        }
    }
}

/// `To Port: 5432/TCP`, `To Port Range: 32000-32768/TCP`; a port entry without a port prints
/// Go's `<nil>` for it, as kubectl does.
fn port_text(port: &NetworkPolicyPort) -> String {
    let proto = port.protocol.as_deref().unwrap_or("TCP");
    let number = match &port.port {
        None => "<nil>".to_string(),
        Some(IntOrString::Int(n)) => n.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
    };
    match port.end_port {
        Some(end) => format!("To Port Range: {number}-{end}/{proto}"),
        None => format!("To Port: {number}/{proto}"),
    }
}

/// One peer's lines under `From:` / `To:`.
fn peer_text(w: &mut DescWriter, peer: &NetworkPolicyPeer) {
    let i = RULE_INDENT;
    match (&peer.pod_selector, &peer.namespace_selector, &peer.ip_block) {
        (Some(pods), Some(namespaces), _) => {
            w.line(1, &format!("{i}NamespaceSelector: {}", format_selector(namespaces)));
            w.line(1, &format!("{i}PodSelector: {}", format_selector(pods)));
        }
        (Some(pods), None, _) => w.line(1, &format!("{i}PodSelector: {}", format_selector(pods))),
        (None, Some(namespaces), _) => w.line(1, &format!("{i}NamespaceSelector: {}", format_selector(namespaces))),
        (None, None, Some(block)) => {
            w.line(1, &format!("{i}IPBlock:"));
            w.line(2, &format!("{i}CIDR: {}", block.cidr));
            w.line(2, &format!("{i}Except: {}", block.except.as_deref().unwrap_or_default().join(", ")));
        }
        (None, None, None) => {}
    }
}

/// `metav1.FormatLabelSelector`: the selector's string form, `<none>` when empty, `<error>`
/// when it does not convert.
fn format_selector(sel: &LabelSelector) -> String {
    match selector::from_label_selector(sel) {
        Err(_) => "<error>".to_string(),
        Ok(s) => {
            let text = s.to_string();
            if text.is_empty() {
                "<none>".to_string()
            } else {
                text
            }
        }
    }
}
