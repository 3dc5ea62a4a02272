//! Scenario tests of node heartbeats: the Lease renewed every 10 s, the node status written on
//! change or every 5 minutes, the lifecycle controller judging health from both.

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Node, NodeCondition};

use super::heartbeat::{self, from_micro_time};
use crate::api::{Kind, Object};
use crate::controllers::nodelifecycle::UNREACHABLE;
use crate::sim::{ClusterConfig, Sim};
use crate::store::ObjectRef;
use crate::time::{from_k8s, SimDuration, SimTime};

fn lease(sim: &Sim, node: &str) -> Lease {
    match sim.get(&heartbeat::lease_key(node)) {
        Some(Object::Lease(l)) => l.as_ref().clone(),
        other => panic!("no lease for {node}: {other:?}"),
    }
}

fn renewed(sim: &Sim, node: &str) -> SimTime {
    from_micro_time(lease(sim, node).spec.unwrap().renew_time.as_ref().unwrap())
}

fn node(sim: &Sim, name: &str) -> Node {
    match sim.get(&ObjectRef::new(Kind::Node, None, name)) {
        Some(Object::Node(n)) => n.as_ref().clone(),
        other => panic!("no node {name}: {other:?}"),
    }
}

fn ready(sim: &Sim, name: &str) -> NodeCondition {
    node(sim, name).status.unwrap().conditions.unwrap().into_iter().find(|c| c.type_ == "Ready").unwrap()
}

fn node_writes(sim: &Sim, name: &str) -> usize {
    let key = ObjectRef::new(Kind::Node, None, name);
    sim.store().history().iter().filter(|r| *r.key == key).count()
}

/// How many times the reason was recorded about the node (aggregated Events count their repeats).
fn node_events(sim: &Sim, node: &str, reason: &str) -> usize {
    sim.store()
        .list(Kind::Event, Some("default"))
        .map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some(node) && e.reason.as_deref() == Some(reason) => {
                e.count.unwrap_or(1) as usize
            }
            _ => 0,
        })
        .sum()
}

#[test]
fn each_node_has_a_lease_held_by_its_kubelet_and_owned_by_the_node() {
    let sim = Sim::new(ClusterConfig::default());
    let l = lease(&sim, "node-2");
    assert_eq!(l.metadata.namespace.as_deref(), Some("kube-node-lease"));
    let spec = l.spec.clone().unwrap();
    assert_eq!(spec.holder_identity.as_deref(), Some("node-2"));
    assert_eq!(spec.lease_duration_seconds, Some(40));
    let owner = &l.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!((owner.api_version.as_str(), owner.kind.as_str(), owner.name.as_str()), ("v1", "Node", "node-2"));
    assert_eq!(Some(owner.uid.clone()), node(&sim, "node-2").metadata.uid);
    assert_eq!(owner.controller, None, "the kubelet sets no controller flag");
    assert_eq!(renewed(&sim, "node-2"), SimTime::ZERO);
}

#[test]
fn running_kubelets_renew_their_lease_every_ten_seconds_without_holding_up_settle() {
    let mut sim = Sim::new(ClusterConfig::bare());
    assert!(matches!(sim.settle(1_000_000), crate::sim::Settled::Quiescent { .. }));
    assert!(sim.now() < SimTime::ZERO + SimDuration::from_secs(1), "settle does not wait on heartbeats: {:?}", sim.now());
    sim.advance(SimDuration::from_secs(35));
    assert_eq!(renewed(&sim, "node-1"), SimTime::ZERO + SimDuration::from_secs(30));
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(renewed(&sim, "node-3"), SimTime::ZERO + SimDuration::from_secs(40));
    let time = lease(&sim, "node-1").spec.unwrap().renew_time.unwrap();
    assert_eq!(serde_json::to_value(time).unwrap(), "2024-01-01T00:00:40.000000Z");
}

#[test]
fn node_status_is_written_only_on_change_or_every_five_minutes() {
    let mut sim = Sim::new(ClusterConfig::default());
    let registered = node_writes(&sim, "node-1");
    sim.advance(SimDuration::from_secs(290));
    assert_eq!(node_writes(&sim, "node-1"), registered, "an unchanged status waits for the report frequency");
    assert_eq!(from_k8s(ready(&sim, "node-1").last_heartbeat_time.as_ref().unwrap()), SimTime::ZERO);
    sim.advance(SimDuration::from_secs(20));
    assert_eq!(node_writes(&sim, "node-1"), registered + 1);
    let c = ready(&sim, "node-1");
    assert_eq!(from_k8s(c.last_heartbeat_time.as_ref().unwrap()), SimTime::ZERO + SimDuration::from_secs(300));
    assert_eq!(from_k8s(c.last_transition_time.as_ref().unwrap()), SimTime::ZERO, "no transition");
    assert_eq!(c.status, "True");
}

#[test]
fn a_stopped_kubelet_is_noticed_from_its_stale_lease_and_recovers_on_start() {
    let mut sim = Sim::new(ClusterConfig::default());
    sim.advance(SimDuration::from_secs(23));
    sim.stop_kubelet("node-2").unwrap();
    let last = renewed(&sim, "node-2");
    assert_eq!(last, SimTime::ZERO + SimDuration::from_secs(20));
    sim.advance(SimDuration::from_secs(30));
    assert_eq!(renewed(&sim, "node-2"), last, "a stopped kubelet renews nothing");
    assert!(renewed(&sim, "node-1") > last, "the others keep renewing");
    // Grace: 50 s after the last renewal (t=70s), noticed on the next 5 s tick (t=75s).
    sim.advance(SimDuration::from_secs(70 - 53));
    assert_eq!(ready(&sim, "node-2").status, "True");
    sim.advance(SimDuration::from_secs(5));
    let c = ready(&sim, "node-2");
    assert_eq!((c.status.as_str(), c.reason.as_deref()), ("Unknown", Some("NodeStatusUnknown")));
    assert_eq!(c.message.as_deref(), Some("Kubelet stopped posting node status."));
    assert_eq!(from_k8s(c.last_transition_time.as_ref().unwrap()), SimTime::ZERO + SimDuration::from_secs(75));
    let taints = node(&sim, "node-2").spec.unwrap().taints.unwrap();
    assert!(taints.iter().any(|t| t.key == UNREACHABLE && t.effect == "NoExecute"));
    assert_eq!(ready(&sim, "node-1").status, "True", "healthy nodes stay Ready");

    sim.advance(SimDuration::from_secs(3));
    sim.start_kubelet("node-2").unwrap();
    let started = sim.now();
    sim.settle(1_000_000);
    assert_eq!(renewed(&sim, "node-2"), started + SimDuration::from_millis(1), "renewed at once");
    let c = ready(&sim, "node-2");
    assert_eq!((c.status.as_str(), c.reason.as_deref()), ("True", Some("KubeletReady")));
    assert_eq!(node_events(&sim, "node-2", "NodeReady"), 2, "registered, then back");
    assert_eq!(node_events(&sim, "node-2", "NodeHasSufficientMemory"), 2);
    sim.advance(SimDuration::from_secs(5));
    let taints = node(&sim, "node-2").spec.unwrap().taints.unwrap_or_default();
    assert!(taints.iter().all(|t| t.key != UNREACHABLE), "{taints:?}");
}

#[test]
fn a_deleted_node_s_lease_is_garbage_collected_and_no_longer_renewed() {
    let mut sim = Sim::new(ClusterConfig::default());
    sim.advance(SimDuration::from_secs(15));
    let key = ObjectRef::new(Kind::Node, None, "node-3");
    let by = crate::store::Component::new("test");
    sim.api().delete(&key, crate::sim::Propagation::Background, &by, crate::store::Cause::Bootstrap).unwrap();
    sim.after_action();
    sim.settle(1_000_000);
    sim.advance(SimDuration::from_secs(60));
    assert!(sim.get(&heartbeat::lease_key("node-3")).is_none(), "owned by the Node, collected with it");
    assert!(renewed(&sim, "node-1") > SimTime::ZERO + SimDuration::from_secs(60));
}
