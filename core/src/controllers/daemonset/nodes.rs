//! Which nodes a DaemonSet runs on (`NodeShouldRunDaemonPod`), and the pod shape that targets
//! one node.
//!
//! A node is eligible when the template's `nodeName` (if any) is the node, the template's
//! nodeSelector and required node affinity match it, and every NoSchedule / NoExecute taint
//! is tolerated once the daemon tolerations are added. A node whose only untolerated taints
//! are NoSchedule keeps a pod already there but gets no new one.

use k8s_openapi::api::core::v1::{Affinity, Node, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodSpec, Toleration};

use crate::scheduler::plugins::taint_toleration::tolerates;

/// The tolerations every daemon pod gets (`AddOrUpdateDaemonPodTolerations`), in that order;
/// network-unavailable only for hostNetwork pods.
const DAEMON_TOLERATIONS: &[(&str, &str)] = &[
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
];
const NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";

/// Adds the daemon tolerations (Exists, no tolerationSeconds) that the spec does not already
/// carry for the same key and effect.
pub fn add_daemon_tolerations(spec: &mut PodSpec) {
    let host_network = spec.host_network == Some(true);
    let extra = host_network.then_some((NETWORK_UNAVAILABLE, "NoSchedule"));
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for &(key, effect) in DAEMON_TOLERATIONS.iter().chain(extra.iter()) {
        let present = tolerations.iter().any(|t| t.key.as_deref() == Some(key) && t.effect.as_deref() == Some(effect));
        if !present {
            tolerations.push(Toleration {
                key: Some(key.into()),
                operator: Some("Exists".into()),
                effect: Some(effect.into()),
                ..Default::default()
            });
        }
    }
}

/// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required node affinity becomes the single
/// term `metadata.name In [node]` (preferred terms and other affinities are kept).
pub fn target_node(affinity: Option<Affinity>, node: &str) -> Affinity {
    let term = NodeSelectorTerm {
        match_fields: Some(vec![NodeSelectorRequirement {
            key: "metadata.name".into(),
            operator: "In".into(),
            values: Some(vec![node.to_string()]),
        }]),
        ..Default::default()
    };
    let mut affinity = affinity.unwrap_or_default();
    let na = affinity.node_affinity.get_or_insert_with(NodeAffinity::default);
    na.required_during_scheduling_ignored_during_execution = Some(NodeSelector { node_selector_terms: vec![term] });
    affinity
}

/// The node a daemon pod is for: its nodeName, or else the node its required affinity names
/// (`GetTargetNodeName`).
pub fn target_of(spec: Option<&PodSpec>) -> Option<String> {
    let spec = spec?;
    if let Some(n) = spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        return Some(n.to_string());
    }
    let terms = &spec.affinity.as_ref()?.node_affinity.as_ref()?.required_during_scheduling_ignored_during_execution.as_ref()?.node_selector_terms;
    terms.iter().flat_map(|t| t.match_fields.iter().flatten()).find_map(|r| {
        let one = r.key == "metadata.name" && r.operator == "In" && r.values.as_ref().is_some_and(|v| v.len() == 1);
        one.then(|| r.values.as_ref().map(|v| v[0].clone())).flatten()
    })
}

fn term_matches(t: &NodeSelectorTerm, node: &Node) -> bool {
    let name = node.metadata.name.as_deref().unwrap_or("");
    crate::scheduler::plugins::node_affinity::term_matches_node(t, name, node.metadata.labels.as_ref())
}

/// `(shouldRun, shouldContinueRunning)` for the template `spec` on `node`.
pub fn should_run(spec: &PodSpec, node: &Node) -> (bool, bool) {
    let name = node.metadata.name.as_deref().unwrap_or("");
    if spec.node_name.as_deref().is_some_and(|n| !n.is_empty() && n != name) {
        return (false, false);
    }
    let labels = node.metadata.labels.as_ref();
    let selector_ok = spec.node_selector.iter().flatten().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
    let required = spec.affinity.as_ref().and_then(|a| a.node_affinity.as_ref()).and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref());
    let affinity_ok = required.is_none_or(|s| s.node_selector_terms.iter().any(|t| term_matches(t, node)));
    if !selector_ok || !affinity_ok {
        return (false, false);
    }
    let mut with_daemon = spec.clone();
    add_daemon_tolerations(&mut with_daemon);
    let tolerations = with_daemon.tolerations.unwrap_or_default();
    let untolerated = |effect: &str| {
        node.spec.as_ref().and_then(|s| s.taints.as_ref()).into_iter().flatten().any(|taint| taint.effect == effect && !tolerations.iter().any(|t| tolerates(t, taint)))
    };
    let no_execute = untolerated("NoExecute");
    let no_schedule = untolerated("NoSchedule");
    (!no_execute && !no_schedule, !no_execute)
}
