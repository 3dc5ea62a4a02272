//! The node lifecycle controller (and its taint-eviction half): what happens when a kubelet
//! stops posting status.
//!
//! Real kubelets renew a Lease every 10 s; the controller declares a node unreachable when it
//! has heard nothing for `--node-monitor-grace-period` (50 s in current releases). The
//! simulation does not write leases (they would be a write every 10 s per node, forever);
//! instead stopping a kubelet (`node NAME stop`) schedules this controller's check after the
//! grace period, which is when the real controller would notice. Then: every node condition
//! becomes `Unknown` / `NodeStatusUnknown` / `Kubelet stopped posting node status.`, the node
//! gets the `node.kubernetes.io/unreachable` taints (NoSchedule and NoExecute), its pods are
//! marked not ready (so endpoints drop them), and pods are evicted when their toleration of the
//! NoExecute taint runs out (300 s by default, added to every pod at admission). Evicted pods
//! stay `Terminating`: their kubelet is not there to finish the deletion.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, NodeCondition, Pod, Taint};

use crate::api::{Kind, Object};
use crate::sim::apiserver::{k8s_time, Propagation};
use crate::sim::events::{self, EventType, Report};
use crate::store::{Component, ObjectRef, WatchEvent};
use crate::time::{SimDuration, SimTime};

use super::{Ctx, Requeue};

/// `--node-monitor-grace-period`.
pub const GRACE_PERIOD: SimDuration = SimDuration::from_secs(50);
/// The taint key an unreachable node gets.
pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";

/// Kubelets that have stopped, with the time they stopped.
pub type Stopped = BTreeMap<String, SimTime>;

pub fn keys_for(_event: &WatchEvent) -> Vec<ObjectRef> {
    // Woken by the stopping and starting of kubelets (`Sim::stop_kubelet`), not by writes.
    Vec::new()
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

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(Object::Node(node)) = ctx.api.store.get(key).map(|o| (**o).clone()) else { return Requeue::Done };
    let name = key.name.clone();
    let now = ctx.api.now;
    let stopped_at = ctx.state.stopped_kubelets.get(&name).copied();
    let has_taint = node.spec.as_ref().and_then(|s| s.taints.as_ref()).is_some_and(|ts| ts.iter().any(|t| t.key == UNREACHABLE));
    match stopped_at {
        Some(at) if at + GRACE_PERIOD <= now => {
            if !has_taint {
                mark_unreachable(ctx, *node, &name);
            }
            evict(ctx, &name)
        }
        Some(at) => Requeue::After(at + GRACE_PERIOD - now),
        None if has_taint => {
            let mut node = *node;
            if let Some(ts) = node.spec.as_mut().and_then(|s| s.taints.as_mut()) {
                ts.retain(|t| t.key != UNREACHABLE);
            }
            node.metadata.resource_version = None;
            let by = ctx.by.clone();
            let _ = ctx.api.update(Object::Node(Box::new(node)), &by, ctx.cause);
            Requeue::Done
        }
        None => Requeue::Done,
    }
}

fn mark_unreachable(ctx: &mut Ctx<'_, '_>, mut node: Node, name: &str) {
    let now = ctx.api.now;
    let by = ctx.by.clone();
    if let Some(conds) = node.status.as_mut().and_then(|s| s.conditions.as_mut()) {
        for c in conds.iter_mut() {
            *c = NodeCondition {
                type_: c.type_.clone(),
                status: "Unknown".into(),
                reason: Some("NodeStatusUnknown".into()),
                message: Some("Kubelet stopped posting node status.".into()),
                last_heartbeat_time: c.last_heartbeat_time.clone(),
                last_transition_time: Some(k8s_time(now)),
            };
        }
    }
    node.spec.get_or_insert_with(Default::default).taints.get_or_insert_with(Vec::new).extend(unreachable_taints(now));
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

/// How long a pod tolerates the unreachable NoExecute taint: `None` forever, `Some(0)` not at all.
fn tolerates_for(pod: &Pod) -> Option<i64> {
    let tolerations = pod.spec.as_ref().and_then(|s| s.tolerations.as_ref());
    let matching = tolerations.into_iter().flatten().find(|t| {
        let key_ok = t.key.as_deref() == Some(UNREACHABLE) || (t.key.is_none() && t.operator.as_deref() == Some("Exists"));
        let effect_ok = t.effect.as_deref().is_none_or(|e| e.is_empty() || e == "NoExecute");
        key_ok && effect_ok
    });
    match matching {
        None => Some(0),
        Some(t) => t.toleration_seconds.map(|s| s.max(0)),
    }
}

/// The taint-eviction controller's part: delete pods whose toleration has run out.
fn evict(ctx: &mut Ctx<'_, '_>, name: &str) -> Requeue {
    let now = ctx.api.now;
    let tainted_at = ctx.state.stopped_kubelets.get(name).map(|at| *at + GRACE_PERIOD).unwrap_or(now);
    let by = Component::new("taint-eviction-controller");
    let mut next: Option<SimDuration> = None;
    let pods: Vec<Pod> = pods_on(ctx.api.store, name).filter(|p| p.metadata.deletion_timestamp.is_none()).collect();
    for pod in pods {
        let Some(secs) = tolerates_for(&pod) else { continue };
        let due = tainted_at + SimDuration::from_secs(secs as u64);
        if due > now {
            next = Some(next.map_or(due - now, |n| n.min(due - now)));
            continue;
        }
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let pod_name = pod.metadata.name.clone().unwrap_or_default();
        let obj = Object::Pod(Box::new(pod));
        events::record(ctx.api, &obj, EventType::Normal, "TaintManagerEviction", &format!("Marking for deletion Pod {ns}/{pod_name}"), &by, None, ctx.cause);
        let _ = ctx.api.delete(&ObjectRef::new(Kind::Pod, Some(&ns), &pod_name), Propagation::Background, &by, ctx.cause);
    }
    next.map_or(Requeue::Done, Requeue::After)
}
