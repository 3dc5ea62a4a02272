//! The taint-eviction controller (pkg/controller/tainteviction): pods on a node with
//! `NoExecute` taints they do not tolerate are deleted at once; pods that tolerate every such
//! taint for a while (`tolerationSeconds`, the smallest of the tolerations used) are deleted
//! when that time has passed since the controller saw the taint; tolerations without
//! `tolerationSeconds` keep the pod for good. A taint removed, or tolerated forever after an
//! update, cancels a scheduled deletion.
//!
//! Events, on the pod: `TaintManagerEviction` `Marking for deletion Pod NS/NAME` before the
//! deletion and `Cancelling deletion of Pod NS/NAME` when a scheduled one is cancelled. The
//! pod gets the `DisruptionTarget` condition (`DeletionByTaintManager`) before it is deleted.
//!
//! This covers the `node.kubernetes.io/unreachable` and `not-ready` taints the node lifecycle
//! controller adds (300 s by default, from the tolerations admission adds to every pod) and
//! any taint added with `kubectl taint … :NoExecute`.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{PodCondition, Taint, Toleration};

use crate::api::{Kind, Object};
use crate::scheduler::plugins::taint_toleration::tolerates;
use crate::sim::apiserver::{k8s_time, Propagation};
use crate::sim::events::{self, EventType};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::{SimDuration, SimTime};

use super::{Ctx, Requeue};

/// A deletion the controller has scheduled: when it was first scheduled, and when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduled {
    pub created: SimTime,
    pub fire: SimTime,
}

/// A scheduled deletion with the node the pod is on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    when: Scheduled,
    node: String,
}

/// What the controller keeps in memory: the nodes that carry NoExecute taints (so that only
/// their pods are looked at) and the scheduled deletions.
#[derive(Debug, Clone, Default)]
pub struct State {
    tainted: BTreeSet<String>,
    scheduled: BTreeMap<ObjectRef, Entry>,
}

impl State {
    pub fn scheduled(&self, pod: &ObjectRef) -> Option<Scheduled> {
        self.scheduled.get(pod).map(|e| e.when)
    }

    /// Does a deletion wait for a pod on `node`?
    pub fn pending_on(&self, node: &str) -> bool {
        self.scheduled.values().any(|e| e.node == node)
    }
}

/// Nodes whose taints may matter, and pods landing on (or updated on) a tainted node.
pub fn keys_for(event: &WatchEvent, state: &State) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type, event.object.as_ref()) {
        (Kind::Node, WatchEventType::Deleted, _) => Vec::new(),
        (Kind::Node, _, Object::Node(n)) => {
            let has = n.spec.as_ref().and_then(|s| s.taints.as_ref()).is_some_and(|ts| ts.iter().any(|t| t.effect == "NoExecute"));
            if has || state.tainted.contains(&event.key.name) {
                vec![event.key.clone()]
            } else {
                Vec::new()
            }
        }
        (Kind::Pod, WatchEventType::Deleted, _) => {
            if state.scheduled.contains_key(&event.key) {
                vec![event.key.clone()]
            } else {
                Vec::new()
            }
        }
        (Kind::Pod, _, Object::Pod(p)) => match p.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            Some(node) if state.tainted.contains(node) || state.scheduled.contains_key(&event.key) => vec![event.key.clone()],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    match key.kind {
        Kind::Node => {
            let taints = no_execute_taints(ctx, &key.name);
            if taints.is_empty() {
                ctx.state.taint_eviction.tainted.remove(&key.name);
            } else {
                ctx.state.taint_eviction.tainted.insert(key.name.clone());
            }
            let pods: Vec<ObjectRef> = ctx
                .api
                .store
                .list(Kind::Pod, None)
                .filter(|o| matches!(o.as_ref(), Object::Pod(p) if p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(key.name.as_str())))
                .map(|o| ObjectRef::of(o))
                .collect();
            let mut next: Option<SimDuration> = None;
            for pod in pods {
                if let Some(d) = process_pod(ctx, &pod, &key.name, &taints) {
                    next = Some(next.map_or(d, |n| n.min(d)));
                }
            }
            next.map_or(Requeue::Done, Requeue::After)
        }
        Kind::Pod => {
            let node = match ctx.api.store.get(key).map(|o| o.as_ref()) {
                Some(Object::Pod(p)) => p.spec.as_ref().and_then(|s| s.node_name.clone()),
                _ => None,
            };
            let Some(node) = node else {
                // Deleted, or not bound: nothing scheduled stays.
                ctx.state.taint_eviction.scheduled.remove(key);
                return Requeue::Done;
            };
            let taints = no_execute_taints(ctx, &node);
            // The node's key carries the pending deletions as work `settle` waits for (a taint
            // removed cancels them through it); a pod's own timer only makes sure it fires.
            process_pod(ctx, key, &node, &taints).map_or(Requeue::Done, Requeue::Periodic)
        }
        _ => Requeue::Done,
    }
}

fn no_execute_taints(ctx: &Ctx<'_, '_>, node: &str) -> Vec<Taint> {
    match ctx.api.store.get(&ObjectRef::new(Kind::Node, None, node)).map(|o| o.as_ref()) {
        Some(Object::Node(n)) => n.spec.as_ref().and_then(|s| s.taints.as_ref()).into_iter().flatten().filter(|t| t.effect == "NoExecute").cloned().collect(),
        _ => Vec::new(),
    }
}

/// `GetMatchingTolerations`: whether every taint is tolerated, and the toleration used for each.
pub fn matching_tolerations<'t>(taints: &[Taint], tolerations: &'t [Toleration]) -> (bool, Vec<&'t Toleration>) {
    let mut used = Vec::new();
    for taint in taints {
        match tolerations.iter().find(|t| tolerates(t, taint)) {
            Some(t) => used.push(t),
            None => return (false, Vec::new()),
        }
    }
    (true, used)
}

/// `getMinTolerationTime`: the smallest `tolerationSeconds` among the tolerations used (0 when
/// there are none, or one is 0 or less); `None` when none of them sets it (tolerated forever).
pub fn min_toleration(used: &[&Toleration]) -> Option<SimDuration> {
    if used.is_empty() {
        return Some(SimDuration::ZERO);
    }
    let mut min: Option<i64> = None;
    for t in used {
        if let Some(s) = t.toleration_seconds {
            if s <= 0 {
                return Some(SimDuration::ZERO);
            }
            min = Some(min.map_or(s, |m| m.min(s)));
        }
    }
    min.map(|s| SimDuration::from_secs(s as u64))
}

/// `processPodOnNode`, then the deletion if it is due. Returns how long until a scheduled one is.
fn process_pod(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, node: &str, taints: &[Taint]) -> Option<SimDuration> {
    let now = ctx.api.now;
    let Some(Object::Pod(pod)) = ctx.api.store.get(key).map(|o| o.as_ref()) else {
        ctx.state.taint_eviction.scheduled.remove(key);
        return None;
    };
    if pod.metadata.deletion_timestamp.is_some() {
        ctx.state.taint_eviction.scheduled.remove(key);
        return None;
    }
    if taints.is_empty() {
        cancel(ctx, key);
        return None;
    }
    let tolerations = pod.spec.as_ref().and_then(|s| s.tolerations.as_deref()).unwrap_or(&[]);
    let (all, used) = matching_tolerations(taints, tolerations);
    let fire = if !all {
        ctx.state.taint_eviction.scheduled.remove(key);
        now
    } else {
        let Some(min) = min_toleration(&used) else {
            cancel(ctx, key);
            return None;
        };
        let trigger = now + min;
        let mut created = now;
        if let Some(s) = ctx.state.taint_eviction.scheduled(key) {
            created = s.created;
            if created + min < trigger {
                // The deletion scheduled earlier stands.
                return due(ctx, key, s.fire);
            }
            cancel(ctx, key);
        }
        let entry = Entry { when: Scheduled { created, fire: trigger }, node: node.to_string() };
        ctx.state.taint_eviction.scheduled.insert(key.clone(), entry);
        trigger
    };
    due(ctx, key, fire)
}

/// Deletes the pod if `fire` has come; otherwise how long until it does.
fn due(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, fire: SimTime) -> Option<SimDuration> {
    let now = ctx.api.now;
    if fire > now {
        return Some(fire - now);
    }
    ctx.state.taint_eviction.scheduled.remove(key);
    evict(ctx, key);
    None
}

/// `cancelWorkWithEvent`.
fn cancel(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) {
    if ctx.state.taint_eviction.scheduled.remove(key).is_none() {
        return;
    }
    let Some(obj) = ctx.api.store.get(key).cloned() else { return };
    let msg = format!("Cancelling deletion of Pod {}/{}", key.namespace.as_deref().unwrap_or(""), key.name);
    events::record(ctx.api, &obj, EventType::Normal, "TaintManagerEviction", &msg, &ctx.by.clone(), None, ctx.cause);
}

/// `deletePodHandler`: the event, the DisruptionTarget condition, the deletion.
fn evict(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) {
    let Some(obj) = ctx.api.store.get(key).cloned() else { return };
    let Object::Pod(pod) = obj.as_ref() else { return };
    let by = ctx.by.clone();
    let msg = format!("Marking for deletion Pod {}/{}", key.namespace.as_deref().unwrap_or(""), key.name);
    events::record(ctx.api, &obj, EventType::Normal, "TaintManagerEviction", &msg, &by, None, ctx.cause);
    let mut status = pod.status.clone().unwrap_or_default();
    if add_disruption_target(status.conditions.get_or_insert_with(Vec::new), ctx.api.now) {
        let _ = ctx.api.update_pod_status(key, status, &by, ctx.cause);
    }
    let _ = ctx.api.delete(key, Propagation::Background, &by, ctx.cause);
}

/// Sets `DisruptionTarget` True / `DeletionByTaintManager`; false when it already was.
fn add_disruption_target(conditions: &mut Vec<PodCondition>, now: SimTime) -> bool {
    let want = PodCondition {
        type_: "DisruptionTarget".into(),
        status: "True".into(),
        reason: Some("DeletionByTaintManager".into()),
        message: Some("Taint manager: deleting due to NoExecute taint".into()),
        last_transition_time: Some(k8s_time(now)),
        ..Default::default()
    };
    match conditions.iter_mut().find(|c| c.type_ == "DisruptionTarget") {
        Some(c) if c.status == "True" && c.reason == want.reason => false,
        Some(c) => {
            *c = want;
            true
        }
        None => {
            conditions.push(want);
            true
        }
    }
}

#[cfg(test)]
#[path = "taint_eviction_tests.rs"]
mod tests;
