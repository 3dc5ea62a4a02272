//! The node lifecycle controller (and its taint-eviction half): what happens when a kubelet
//! stops renewing its Lease and posting status.
//!
//! As the real controller's `monitorNodeHealth` (pkg/controller/nodelifecycle): every
//! `--node-monitor-period` (5 s, on ticks from the controller's start) it takes a node's last
//! probe as the later of its Lease `renewTime` and its Ready condition's `lastHeartbeatTime`, and
//! declares the node unreachable once the probe is more than `--node-monitor-grace-period`
//! (50 s) old. Then: Ready, MemoryPressure, DiskPressure and PIDPressure become `Unknown` /
//! `NodeStatusUnknown` / `Kubelet stopped posting node status.` (keeping their last heartbeat;
//! one never posted is added as `NodeStatusNeverUpdated`; NetworkUnavailable is left alone),
//! the node gets the `node.kubernetes.io/unreachable` taints (NoSchedule and NoExecute) and its
//! pods are marked not ready (so endpoints drop them). The taint-eviction controller
//! (`taint_eviction.rs`) evicts pods when their toleration of the NoExecute taint runs out
//! (300 s by default, added to every pod at admission). Evicted pods stay `Terminating`: their
//! kubelet is not there to finish the deletion. When the kubelet posts Ready again, the next
//! tick removes the taints.
//!
//! Simplification, for scale: a healthy node is not looked at on every 5 s tick but on the
//! first tick at which its probe could have gone stale; that check finds the lease renewed and
//! sets the next one. The outcome is the same tick the full loop would find.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, NodeCondition, Pod, Taint};

use crate::api::{Kind, Object};
use crate::kubelet::heartbeat;
use crate::sim::apiserver::k8s_time;
use crate::sim::events::{self, EventType, Report};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::{from_k8s, SimDuration, SimTime};

use super::{Ctx, Requeue};

/// `--node-monitor-grace-period`.
pub const GRACE_PERIOD: SimDuration = SimDuration::from_secs(50);
/// `--node-monitor-period`: how often the controller looks at node health.
pub const MONITOR_PERIOD: SimDuration = SimDuration::from_secs(5);
/// The taint key an unreachable node gets.
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// Kubelets that have stopped, with the time they stopped.
pub type Stopped = BTreeMap<String, SimTime>;

/// A node that registers starts being monitored; after that the controller runs on its ticks.
/// A node cordoned or uncordoned is looked at at once (`doNoScheduleTaintingPass`).
pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    if event.key.kind != Kind::Node {
        return Vec::new();
    }
    match (event.event_type, event.object.as_ref()) {
        (WatchEventType::Added, _) => vec![event.key.clone()],
        (WatchEventType::Modified, Object::Node(n)) if unschedulable_taint_differs(n) => vec![event.key.clone()],
        _ => Vec::new(),
    }
}

/// The taint a cordoned node gets.
pub const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Does the node's `spec.unschedulable` disagree with its `node.kubernetes.io/unschedulable`
/// NoSchedule taint?
fn unschedulable_taint_differs(node: &Node) -> bool {
    let spec = node.spec.as_ref();
    let cordoned = spec.and_then(|s| s.unschedulable).unwrap_or(false);
    let tainted = spec.and_then(|s| s.taints.as_ref()).is_some_and(|ts| ts.iter().any(|t| t.key == UNSCHEDULABLE && t.effect == "NoSchedule"));
    cordoned != tainted
}

/// `doNoScheduleTaintingPass` for `spec.unschedulable`: the NoSchedule taint added to a
/// cordoned node (without `timeAdded`, as the controller writes it) and removed on uncordon.
fn sync_unschedulable_taint(ctx: &mut Ctx<'_, '_>, node: &mut Node) {
    if !unschedulable_taint_differs(node) {
        return;
    }
    let spec = node.spec.get_or_insert_with(Default::default);
    let taints = spec.taints.get_or_insert_with(Vec::new);
    if spec.unschedulable.unwrap_or(false) {
        taints.push(Taint { key: UNSCHEDULABLE.into(), effect: "NoSchedule".into(), value: None, time_added: None });
    } else {
        taints.retain(|t| !(t.key == UNSCHEDULABLE && t.effect == "NoSchedule"));
        if taints.is_empty() {
            spec.taints = None;
        }
    }
    let mut updated = node.clone();
    updated.metadata.resource_version = None;
    let by = ctx.by.clone();
    if let Ok(written) = ctx.api.update(Object::Node(Box::new(updated)), &by, ctx.cause) {
        if let Object::Node(n) = written.as_ref() {
            *node = (**n).clone();
        }
    }
}

fn unreachable_taints(now: SimTime) -> [Taint; 2] {
    let t = |effect: &str| Taint { key: UNREACHABLE.into(), effect: effect.into(), value: None, time_added: Some(k8s_time(now)) };
    [t("NoSchedule"), t("NoExecute")]
}

fn pods_on<'s>(store: &'s crate::store::Store, node: &'s str) -> impl Iterator<Item = Pod> + 's {
    store.list(Kind::Pod, None).filter_map(move |o| match o.as_ref() {
        Object::Pod(p) if p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node) => Some((**p).clone()),
        _ => None,
    })
}

/// The node's last sign of life: the later of its lease's renewTime and its Ready
/// condition's heartbeat (its creation, if it never posted either).
pub fn last_probe(store: &crate::store::Store, node: &Node) -> SimTime {
    let name = node.metadata.name.as_deref().unwrap_or("");
    let lease = match store.get(&heartbeat::lease_key(name)).map(|o| o.as_ref()) {
        Some(Object::Lease(l)) => l.spec.as_ref().and_then(|s| s.renew_time.as_ref()).map(heartbeat::from_micro_time),
        _ => None,
    };
    let ready = ready_condition(node).and_then(|c| c.last_heartbeat_time.as_ref()).map(from_k8s);
    let created = node.metadata.creation_timestamp.as_ref().map(from_k8s);
    lease.max(ready).or(created).unwrap_or(SimTime::ZERO)
}

fn ready_condition(node: &Node) -> Option<&NodeCondition> {
    node.status.as_ref().and_then(|s| s.conditions.as_ref()).and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
}

/// The first monitor tick strictly after `t`.
fn tick_after(t: SimTime) -> SimTime {
    let p = MONITOR_PERIOD.0;
    SimTime((t.0 / p + 1) * p)
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(Object::Node(mut node)) = ctx.api.store.get(key).map(|o| (**o).clone()) else { return Requeue::Done };
    sync_unschedulable_taint(ctx, &mut node);
    let name = key.name.clone();
    let now = ctx.api.now;
    let deadline = last_probe(ctx.api.store, &node) + GRACE_PERIOD;
    let has_taint = node.spec.as_ref().and_then(|s| s.taints.as_ref()).is_some_and(|ts| ts.iter().any(|t| t.key == UNREACHABLE));
    let ready = ready_condition(&node).map(|c| c.status.clone());
    let next_tick = tick_after(now) - now;
    if now > deadline {
        if ready.as_deref() != Some("Unknown") || !has_taint {
            mark_unreachable(ctx, *node, &name, ready.as_deref() != Some("Unknown"));
        }
        // While evictions wait for this node's pods, its ticks count as pending work (so that
        // `settle` sees the node come back, or the pods evicted).
        return if ctx.state.taint_eviction.pending_on(&name) { Requeue::After(next_tick) } else { Requeue::Periodic(next_tick) };
    }
    if has_taint && ready.as_deref() == Some("True") {
        let mut node = *node;
        if let Some(ts) = node.spec.as_mut().and_then(|s| s.taints.as_mut()) {
            ts.retain(|t| t.key != UNREACHABLE);
        }
        node.metadata.resource_version = None;
        let by = ctx.by.clone();
        let _ = ctx.api.update(Object::Node(Box::new(node)), &by, ctx.cause);
    }
    if has_taint || ready.as_deref() != Some("True") {
        // Waiting for the kubelet's status: look again on the next tick.
        return if ctx.state.taint_eviction.pending_on(&name) { Requeue::After(next_tick) } else { Requeue::Periodic(next_tick) };
    }
    Requeue::Periodic(tick_after(deadline) - now)
}

/// The kubelet-owned conditions the controller turns Unknown, Ready first (NetworkUnavailable
/// belongs to the network plugin and is left alone).
const KUBELET_CONDITIONS: [&str; 4] = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

/// `monitorNodeHealth` on a node whose probe is stale: each kubelet condition that is not already
/// Unknown becomes `Unknown` / `NodeStatusUnknown` / `Kubelet stopped posting node status.`,
/// keeping its last heartbeat and transitioning now; one the kubelet never posted is added as
/// `NodeStatusNeverUpdated` / `Kubelet never posted node status.` with the node's creation as
/// its heartbeat.
pub fn set_unknown(conditions: &mut Vec<NodeCondition>, created: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>, now: SimTime) {
    for type_ in KUBELET_CONDITIONS {
        match conditions.iter_mut().find(|c| c.type_ == type_) {
            Some(c) if c.status == "Unknown" => {}
            Some(c) => {
                c.status = "Unknown".into();
                c.reason = Some("NodeStatusUnknown".into());
                c.message = Some("Kubelet stopped posting node status.".into());
                c.last_transition_time = Some(k8s_time(now));
            }
            None => conditions.push(NodeCondition {
                type_: type_.into(),
                status: "Unknown".into(),
                reason: Some("NodeStatusNeverUpdated".into()),
                message: Some("Kubelet never posted node status.".into()),
                last_heartbeat_time: created.clone(),
                last_transition_time: Some(k8s_time(now)),
            }),
        }
    }
}

fn mark_unreachable(ctx: &mut Ctx<'_, '_>, mut node: Node, name: &str, conditions: bool) {
    let now = ctx.api.now;
    let by = ctx.by.clone();
    if conditions {
        let created = node.metadata.creation_timestamp.clone();
        let status = node.status.get_or_insert_with(Default::default);
        set_unknown(status.conditions.get_or_insert_with(Vec::new), created, now);
    }
    let taints = node.spec.get_or_insert_with(Default::default).taints.get_or_insert_with(Vec::new);
    if !taints.iter().any(|t| t.key == UNREACHABLE) {
        taints.extend(unreachable_taints(now));
    }
    node.metadata.resource_version = None;
    let _ = ctx.api.update(Object::Node(Box::new(node)), &by, ctx.cause);
    let message = format!("Node {name} status is now: NodeNotReady");
    events::record_for_node(ctx.api, name, Report { event_type: EventType::Normal, reason: "NodeNotReady", message: &message }, &by, ctx.cause);
    let pods: Vec<Pod> = pods_on(ctx.api.store, name).collect();
    for mut pod in pods {
        let Some(conds) = pod.status.as_mut().and_then(|s| s.conditions.as_mut()) else { continue };
        let mut changed = false;
        for c in conds.iter_mut().filter(|c| c.type_ == "Ready" && c.status != "False") {
            c.status = "False".into();
            c.last_transition_time = Some(k8s_time(now));
            changed = true;
        }
        if changed {
            pod.metadata.resource_version = None;
            let obj = Object::Pod(Box::new(pod));
            let _ = ctx.api.update(obj.clone(), &by, ctx.cause);
            events::record(ctx.api, &obj, EventType::Warning, "NodeNotReady", "Node is not ready", &by, None, ctx.cause);
        }
    }
}

#[cfg(test)]
#[path = "nodelifecycle_tests.rs"]
mod tests;
