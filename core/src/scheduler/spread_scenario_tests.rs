//! Pods with their own topologySpreadConstraints in a running simulation: placements over
//! zones, and the FailedScheduling texts when no node keeps the skew.

use crate::api::{Kind, Object};
use crate::sim::{ClusterConfig, Sim};
use crate::store::{Cause, Component, ObjectRef};

use super::scenario_tests::{create, events_for, node_of, pod_object};

const ZONE: &str = "topology.kubernetes.io/zone";

/// node-1 and node-2 in zone a, node-3 in zone b.
fn zoned_cluster() -> Sim {
    let mut sim = Sim::new(ClusterConfig::default());
    let action = sim.begin_action("kubectl label");
    for (n, zone) in [("node-1", "a"), ("node-2", "a"), ("node-3", "b")] {
        let Some(Object::Node(node)) = sim.get(&ObjectRef::new(Kind::Node, None, n)).cloned() else { panic!("{n}") };
        let mut node = (*node).clone();
        node.metadata.labels.get_or_insert_with(Default::default).insert(ZONE.into(), zone.into());
        node.metadata.resource_version = None;
        sim.api().update(node.into(), &Component::new("kubectl"), Cause::Action(action)).unwrap();
    }
    sim.after_action();
    sim.settle(10_000);
    sim
}

fn web(name: &str, extra: serde_json::Value) -> Object {
    let Object::Pod(p) = pod_object(name, "100m", extra) else { unreachable!() };
    let mut p = (*p).clone();
    p.metadata.labels = Some([("app".to_string(), "web".to_string())].into());
    p.into()
}

fn zone_constraint(max_skew: i32, extra: serde_json::Value) -> serde_json::Value {
    let mut c = serde_json::json!({
        "maxSkew": max_skew,
        "topologyKey": ZONE,
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "web"}}
    });
    if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
        c.extend(extra.clone());
    }
    c
}

fn failed_message(sim: &Sim, name: &str) -> Option<String> {
    events_for(sim, name).into_iter().find(|e| e.reason.as_deref() == Some("FailedScheduling")).and_then(|e| e.message)
}

#[test]
fn zone_spreading_keeps_the_skew() {
    let mut sim = zoned_cluster();
    // Two pods pinned to node-1 (zone a) by name: zone a 2, zone b 0.
    for name in ["pinned-1", "pinned-2"] {
        create(&mut sim, web(name, serde_json::json!({"nodeName": "node-1"})));
    }
    let spread = serde_json::json!({"topologySpreadConstraints": [zone_constraint(1, serde_json::json!({}))]});
    // Zone a would make the skew 3: only node-3 fits.
    create(&mut sim, web("late", spread.clone()));
    assert_eq!(node_of(&sim, "late").as_deref(), Some("node-3"));
    let d = sim.scheduling_decision(&ObjectRef::new(Kind::Pod, Some("default"), "late")).unwrap();
    for n in d.nodes.iter().filter(|n| n.node != "node-3") {
        assert_eq!(
            n.failed.as_ref().map(|(p, s)| (*p, s.reasons[0].as_str())),
            Some(("PodTopologySpread", "node(s) didn't match pod topology spread constraints"))
        );
    }
    // Zone a 2, zone b 1. Pinned to zone a by nodeSelector, with the node affinity ignored
    // for spreading: zone b stays a domain, the skew in a would be 2.
    let ignore = serde_json::json!({
        "nodeSelector": {ZONE: "a"},
        "topologySpreadConstraints": [zone_constraint(1, serde_json::json!({"nodeAffinityPolicy": "Ignore"}))]
    });
    create(&mut sim, web("late-2", ignore));
    assert_eq!(node_of(&sim, "late-2"), None);
    assert_eq!(
        failed_message(&sim, "late-2").as_deref(),
        Some("0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) didn't match pod topology spread constraints. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..")
    );
    // Honoured (the default), zone b is not counted: zone a alone is the minimum.
    let honor = serde_json::json!({"nodeSelector": {ZONE: "a"}, "topologySpreadConstraints": [zone_constraint(1, serde_json::json!({}))]});
    create(&mut sim, web("late-3", honor));
    assert!(matches!(node_of(&sim, "late-3").as_deref(), Some("node-1" | "node-2")));
}

#[test]
fn a_topology_key_no_node_has_fails_every_node() {
    let mut sim = zoned_cluster();
    let c = serde_json::json!({"topologySpreadConstraints": [{
        "maxSkew": 1, "topologyKey": "example.com/rack", "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "web"}}
    }]});
    create(&mut sim, web("racked", c));
    assert_eq!(node_of(&sim, "racked"), None);
    assert_eq!(
        failed_message(&sim, "racked").as_deref(),
        Some("0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints (missing required label). preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..")
    );
}

#[test]
fn schedule_anyway_prefers_the_emptier_zone() {
    let mut sim = zoned_cluster();
    let c = serde_json::json!({"topologySpreadConstraints": [zone_constraint(1, serde_json::json!({"whenUnsatisfiable": "ScheduleAnyway"}))]});
    for i in 0..4 {
        create(&mut sim, web(&format!("w{i}"), c.clone()));
    }
    let in_b = (0..4).filter(|i| node_of(&sim, &format!("w{i}")).as_deref() == Some("node-3")).count();
    assert_eq!(in_b, 2, "two pods per zone");
}
