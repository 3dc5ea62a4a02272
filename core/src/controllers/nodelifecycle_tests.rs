//! The node lifecycle controller's conditions: which turn Unknown and how, and the four
//! conditions a node carries, healthy and after its kubelet stopped, as kubectl shows them.

use k8s_openapi::api::core::v1::NodeCondition;

use super::set_unknown;
use crate::controllers::storage_test_support::{cluster, kubectl};
use crate::sim::apiserver::k8s_time;
use crate::time::{SimDuration, SimTime};

fn at(secs: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(secs)
}

fn cond(type_: &str, status: &str, reason: &str, heartbeat: u64, transition: u64) -> NodeCondition {
    NodeCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(format!("{reason} message")),
        last_heartbeat_time: Some(k8s_time(at(heartbeat))),
        last_transition_time: Some(k8s_time(at(transition))),
    }
}

/// (type, status, reason, message, heartbeat s, transition s) of each condition, in order.
fn summary(conditions: &[NodeCondition]) -> Vec<(String, String, String, String, String, String)> {
    conditions
        .iter()
        .map(|c| {
            (
                c.type_.clone(),
                c.status.clone(),
                c.reason.clone().unwrap_or_default(),
                c.message.clone().unwrap_or_default(),
                c.last_heartbeat_time.as_ref().map(|t| t.0.to_string()).unwrap_or_default(),
                c.last_transition_time.as_ref().map(|t| t.0.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

fn row(type_: &str, status: &str, reason: &str, message: &str, heartbeat: u64, transition: u64) -> (String, String, String, String, String, String) {
    (type_.into(), status.into(), reason.into(), message.into(), k8s_time(at(heartbeat)).0.to_string(), k8s_time(at(transition)).0.to_string())
}

const STOPPED: &str = "Kubelet stopped posting node status.";
const NEVER: &str = "Kubelet never posted node status.";

#[test]
fn stale_nodes_get_unknown_conditions() {
    let healthy = vec![
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", 20, 0),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", 20, 0),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", 20, 0),
        cond("Ready", "True", "KubeletReady", 20, 0),
    ];
    let cases: Vec<(&str, Vec<NodeCondition>, Vec<_>)> = vec![
        (
            "all four turn Unknown, keeping their heartbeat",
            healthy.clone(),
            vec![
                row("MemoryPressure", "Unknown", "NodeStatusUnknown", STOPPED, 20, 75),
                row("DiskPressure", "Unknown", "NodeStatusUnknown", STOPPED, 20, 75),
                row("PIDPressure", "Unknown", "NodeStatusUnknown", STOPPED, 20, 75),
                row("Ready", "Unknown", "NodeStatusUnknown", STOPPED, 20, 75),
            ],
        ),
        (
            "already Unknown: untouched",
            vec![cond("Ready", "Unknown", "NodeStatusUnknown", 20, 30)],
            vec![
                row("Ready", "Unknown", "NodeStatusUnknown", "NodeStatusUnknown message", 20, 30),
                row("MemoryPressure", "Unknown", "NodeStatusNeverUpdated", NEVER, 5, 75),
                row("DiskPressure", "Unknown", "NodeStatusNeverUpdated", NEVER, 5, 75),
                row("PIDPressure", "Unknown", "NodeStatusNeverUpdated", NEVER, 5, 75),
            ],
        ),
        (
            "never posted: added, Ready first, heartbeat at creation",
            vec![],
            vec![
                row("Ready", "Unknown", "NodeStatusNeverUpdated", NEVER, 5, 75),
                row("MemoryPressure", "Unknown", "NodeStatusNeverUpdated", NEVER, 5, 75),
                row("DiskPressure", "Unknown", "NodeStatusNeverUpdated", NEVER, 5, 75),
                row("PIDPressure", "Unknown", "NodeStatusNeverUpdated", NEVER, 5, 75),
            ],
        ),
        (
            "NetworkUnavailable belongs to the network plugin",
            [vec![cond("NetworkUnavailable", "False", "FlannelIsUp", 1, 1)], healthy].concat(),
            vec![
                row("NetworkUnavailable", "False", "FlannelIsUp", "FlannelIsUp message", 1, 1),
                row("MemoryPressure", "Unknown", "NodeStatusUnknown", STOPPED, 20, 75),
                row("DiskPressure", "Unknown", "NodeStatusUnknown", STOPPED, 20, 75),
                row("PIDPressure", "Unknown", "NodeStatusUnknown", STOPPED, 20, 75),
                row("Ready", "Unknown", "NodeStatusUnknown", STOPPED, 20, 75),
            ],
        ),
    ];
    for (name, mut conditions, want) in cases {
        set_unknown(&mut conditions, Some(k8s_time(at(5))), at(75));
        assert_eq!(summary(&conditions), want, "{name}");
    }
}

#[test]
fn kubectl_shows_the_kubelet_conditions_in_order() {
    let mut sim = cluster(2);
    let yaml = kubectl(&mut sim, "kubectl get node node-2 -o yaml").stdout;
    let conditions = yaml.split("  conditions:\n").nth(1).unwrap_or("");
    let types: Vec<&str> = conditions.lines().take_while(|l| l.starts_with("  ")).filter_map(|l| l.trim().strip_prefix("type: ")).collect();
    assert_eq!(types, ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"], "{yaml}");
    for text in [
        "reason: KubeletHasSufficientMemory",
        "message: kubelet has sufficient memory available",
        "reason: KubeletHasNoDiskPressure",
        "message: kubelet has no disk pressure",
        "reason: KubeletHasSufficientPID",
        "message: kubelet has sufficient PID available",
        "reason: KubeletReady",
        "message: kubelet is posting ready status",
        "lastHeartbeatTime: \"2024-01-01T00:00:00Z\"",
        "lastTransitionTime: \"2024-01-01T00:00:00Z\"",
    ] {
        assert!(yaml.contains(text), "{text}\n{yaml}");
    }

    sim.stop_kubelet("node-2").unwrap();
    sim.advance(SimDuration::from_secs(70));
    let out = kubectl(&mut sim, "kubectl describe node node-2").stdout;
    let conditions: Vec<Vec<&str>> = out
        .lines()
        .skip_while(|l| !l.starts_with("Conditions:"))
        .skip(3)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split("   ").map(str::trim).filter(|c| !c.is_empty()).collect())
        .collect();
    let types: Vec<&str> = conditions.iter().map(|c| c[0]).collect();
    assert_eq!(types, ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"], "{out}");
    for c in &conditions {
        assert_eq!(&c[1..2], ["Unknown"], "{out}");
        assert_eq!(&c[c.len() - 2..], ["NodeStatusUnknown", STOPPED], "{out}");
    }
}

#[test]
fn a_cordoned_node_gets_the_unschedulable_taint_and_its_kubelet_reports_it() {
    let mut sim = cluster(3);
    kubectl(&mut sim, "kubectl cordon node-2");
    sim.advance(SimDuration::from_secs(15));
    let taints = |sim: &mut crate::sim::Sim| -> Vec<String> {
        match sim.get(&crate::store::ObjectRef::new(crate::api::Kind::Node, None, "node-2")) {
            Some(crate::api::Object::Node(n)) => n
                .spec
                .as_ref()
                .and_then(|s| s.taints.clone())
                .unwrap_or_default()
                .iter()
                .map(|t| format!("{}:{}:{}", t.key, t.effect, t.time_added.is_some()))
                .collect(),
            _ => panic!("node-2"),
        }
    };
    assert_eq!(taints(&mut sim), ["node.kubernetes.io/unschedulable:NoSchedule:false"]);
    let describe = kubectl(&mut sim, "kubectl describe node node-2").stdout;
    assert!(describe.contains("Taints:             node.kubernetes.io/unschedulable:NoSchedule\nUnschedulable:      true\n"), "{describe}");
    assert!(describe.contains("kubelet          Node node-2 status is now: NodeNotSchedulable\n"), "{describe}");
    kubectl(&mut sim, "kubectl uncordon node-2");
    sim.advance(SimDuration::from_secs(15));
    assert!(taints(&mut sim).is_empty());
    let describe = kubectl(&mut sim, "kubectl describe node node-2").stdout;
    assert!(describe.contains("Node node-2 status is now: NodeSchedulable\n"), "{describe}");
}
