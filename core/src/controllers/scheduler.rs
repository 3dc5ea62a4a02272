//! default-scheduler: binds pending pods to nodes (the framework is `crate::scheduler`).
//!
//! Queueing as kube-scheduler does it. A pod that needs scheduling (no `spec.nodeName`, not
//! being deleted, `schedulerName: default-scheduler`) is tried as soon as it appears; pods
//! naming another scheduler are left alone. A pod that fits nowhere gets `PodScheduled=False`
//! (reason `Unschedulable`), a `FailedScheduling` event, and waits in the unschedulable queue
//! with a back-off of 1 s doubling per attempt up to 10 s (podInitialBackoffSeconds /
//! podMaxBackoffSeconds). It is tried again, once its back-off is over, when a cluster event
//! might help it (a node added or changed, a bound pod deleted or finished, a claim or volume
//! written) or when the pod itself is updated.
//!
//! Every pod left unschedulable for longer than 5 minutes (podMaxInUnschedulablePodsDuration)
//! is retried anyway: kube-scheduler's flushUnschedulablePodsLeftover looks every 30 s, from
//! the scheduler's start, so the retry comes at the first such tick more than 5 minutes after
//! the last attempt. In a cluster where nothing changed it fails the same way and the event
//! recorder bumps the count of the existing FailedScheduling event. That timer is periodic
//! work: `settle` comes to rest while pods are Pending, `advance` runs the retries.
//!
//! A pod whose claims wait for their first consumer is bound only after the chosen node was
//! named on those claims and they were bound (VolumeBinding's PreBind).
//!
//! Cluster events all map to one key, [`flush_key`]; its reconcile retries the waiting pods
//! whose back-off is over, naming the event as the cause, so a node joining schedules the pods
//! that waited for room. Pods still backing off are retried by their own timer.

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Pod, PodCondition};

use crate::api::{Kind, Object};
use crate::scheduler::framework;
use crate::scheduler::plugins::volume_binding;
use crate::scheduler::cache::QueuedPod;
use crate::sim::apiserver::k8s_time;
use crate::sim::events::{self, EventType};
use crate::store::{rv_of, ObjectRef, WatchEvent, WatchEventType};
use crate::time::{SimDuration, SimTime};

use super::pv_matching::ANN_SELECTED_NODE;
use super::{Ctx, Requeue};

pub const SCHEDULER_NAME: &str = "default-scheduler";
const INITIAL_BACKOFF: SimDuration = SimDuration::from_secs(1);
const MAX_BACKOFF: SimDuration = SimDuration::from_secs(10);
/// `podMaxInUnschedulablePodsDuration`.
pub const MAX_IN_UNSCHEDULABLE: SimDuration = SimDuration::from_secs(5 * 60);
/// How often flushUnschedulablePodsLeftover runs.
const LEFTOVER_FLUSH_PERIOD: SimDuration = SimDuration::from_secs(30);

/// The key every cluster event that may help waiting pods maps to. (No node is named "".)
pub fn flush_key() -> ObjectRef {
    ObjectRef::new(Kind::Node, None, "")
}

/// Whether this scheduler should place the pod.
pub fn needs_scheduling(pod: &Pod) -> bool {
    let spec = pod.spec.as_ref();
    pod.metadata.deletion_timestamp.is_none()
        && spec.and_then(|s| s.node_name.as_deref()).is_none_or(str::is_empty)
        && spec.and_then(|s| s.scheduler_name.as_deref()).unwrap_or(SCHEDULER_NAME) == SCHEDULER_NAME
}

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.object.as_ref()) {
        (Kind::Pod, Object::Pod(pod)) => {
            let bound = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_some_and(|n| !n.is_empty());
            let finished = matches!(pod.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Succeeded" | "Failed"));
            match event.event_type {
                WatchEventType::Deleted if bound => vec![flush_key()],
                WatchEventType::Deleted => vec![],
                _ if bound && finished => vec![flush_key()],
                _ if needs_scheduling(pod) => vec![event.key.clone()],
                _ => vec![],
            }
        }
        (Kind::Node, _) | (Kind::PersistentVolumeClaim | Kind::PersistentVolume, _)
            if event.event_type != WatchEventType::Deleted =>
        {
            vec![flush_key()]
        }
        _ => vec![],
    }
}

/// Back-off after `attempts` failures: 1 s, 2 s, 4 s, 8 s, then 10 s.
pub fn backoff(attempts: u32) -> SimDuration {
    let shift = attempts.saturating_sub(1).min(16);
    let d = INITIAL_BACKOFF.as_micros().saturating_mul(1 << shift);
    SimDuration::from_micros(d.min(MAX_BACKOFF.as_micros()))
}

/// When a pod that failed at `last_attempt` is retried if nothing helps it sooner: the first
/// leftover flush (every 30 s from time zero) more than 5 minutes later.
pub fn leftover_retry(last_attempt: SimTime) -> SimTime {
    let period = LEFTOVER_FLUSH_PERIOD.as_micros();
    let after = (last_attempt + MAX_IN_UNSCHEDULABLE).as_micros();
    SimTime((after / period + 1).saturating_mul(period))
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    ctx.state.scheduler.sync(ctx.api.store);
    if *key == flush_key() {
        return flush(ctx);
    }
    let Some(obj) = ctx.api.store.get(key).cloned() else {
        ctx.state.scheduler.queue.remove(key);
        return Requeue::Done;
    };
    let Object::Pod(pod) = obj.as_ref() else { return Requeue::Done };
    if !needs_scheduling(pod) {
        ctx.state.scheduler.queue.remove(key);
        return Requeue::Done;
    }
    let now = ctx.api.now;
    if let Some(q) = ctx.state.scheduler.queued(key) {
        let due = q.last_attempt + backoff(q.attempts);
        let moved = q.epoch < ctx.state.scheduler.epoch;
        let updated = rv_of(&obj) != q.written_rv;
        if !(moved || updated) {
            // Nothing that could help has happened: wait for a cluster event, or for the
            // leftover flush.
            let leftover = leftover_retry(q.last_attempt);
            if now < leftover {
                return Requeue::Periodic(leftover.since(now));
            }
            return attempt(ctx, key, &obj);
        }
        if now < due {
            return Requeue::After(due.since(now));
        }
    }
    attempt(ctx, key, &obj)
}

/// A cluster event: retry the waiting pods it may help whose back-off is over; look again
/// when the back-off of the others ends.
fn flush(ctx: &mut Ctx<'_, '_>) -> Requeue {
    let now = ctx.api.now;
    let cache = &ctx.state.scheduler;
    let mut ready = Vec::new();
    let mut next: Option<SimTime> = None;
    for (key, q) in cache.queue.iter().filter(|(_, q)| q.epoch < cache.epoch) {
        let due = q.last_attempt + backoff(q.attempts);
        if due <= now {
            ready.push(key.clone());
        } else {
            next = Some(next.map_or(due, |n| n.min(due)));
        }
    }
    for key in ready {
        ctx.state.scheduler.sync(ctx.api.store);
        let Some(obj) = ctx.api.store.get(&key).cloned() else { continue };
        if matches!(obj.as_ref(), Object::Pod(p) if needs_scheduling(p)) {
            attempt(ctx, &key, &obj);
        }
    }
    match next {
        Some(at) => Requeue::After(at.since(now)),
        None => Requeue::Done,
    }
}

/// One scheduling cycle and its binding cycle.
fn attempt(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, obj: &Arc<Object>) -> Requeue {
    let Object::Pod(pod) = obj.as_ref() else { return Requeue::Done };
    let now = ctx.api.now;
    let attempts = ctx.state.scheduler.queued(key).map_or(0, |q| q.attempts) + 1;
    let decision = framework::schedule(&mut ctx.state.scheduler, ctx.api.store, ctx.api.rng, key, pod, now, attempts);
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let name = pod.metadata.name.as_deref().unwrap_or("");
    let delayed = match &decision.selected {
        Some(_) => volume_binding::claims_to_bind(ctx.api.store, pod),
        None => Vec::new(),
    };
    let requeue = match (&decision.selected, &decision.message) {
        (Some(node), _) if !delayed.is_empty() => wait_for_volumes(ctx, key, obj, node, &delayed, now),
        (Some(node), _) => {
            let mut bound = (**pod).clone();
            bound.metadata.resource_version = None;
            bound.spec.get_or_insert_with(Default::default).node_name = Some(node.clone());
            set_condition(&mut bound, "True", None, None, now);
            match ctx.api.update(Object::Pod(Box::new(bound)), &ctx.by, ctx.cause) {
                Ok(written) => {
                    let msg = format!("Successfully assigned {ns}/{name} to {node}");
                    events::record(ctx.api, &written, EventType::Normal, "Scheduled", &msg, &ctx.by, None, ctx.cause);
                    ctx.state.scheduler.queue.remove(key);
                    Requeue::Done
                }
                // The binding was refused: back off and try again.
                Err(_) => failed(ctx, key, attempts, rv_of(obj), now),
            }
        }
        (None, message) => {
            let message = message.clone().unwrap_or_default();
            let mut updated = (**pod).clone();
            updated.metadata.resource_version = None;
            set_condition(&mut updated, "False", Some("Unschedulable"), Some(&message), now);
            let written = ctx.api.update(Object::Pod(Box::new(updated)), &ctx.by, ctx.cause).unwrap_or_else(|_| obj.clone());
            events::record(ctx.api, &written, EventType::Warning, "FailedScheduling", &message, &ctx.by, None, ctx.cause);
            failed(ctx, key, attempts, rv_of(&written), now)
        }
    };
    ctx.state.scheduler.keep_decision(decision);
    requeue
}

/// VolumeBinding's PreBind: name the chosen node on the pod's delayed claims, then wait for
/// them to be bound (provisioned there) before binding the pod; the claim and volume writes
/// bring the pod back. Waiting is not a failed attempt: the back-off does not grow.
fn wait_for_volumes(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, obj: &Arc<Object>, node: &str, claims: &[(ObjectRef, bool)], now: SimTime) -> Requeue {
    for (claim, _) in claims.iter().filter(|(_, needs_node)| *needs_node) {
        let Some(Object::PersistentVolumeClaim(pvc)) = ctx.api.store.get(claim).map(|o| o.as_ref()) else { continue };
        let mut annotated = (**pvc).clone();
        annotated.metadata.annotations.get_or_insert_with(Default::default).insert(ANN_SELECTED_NODE.into(), node.to_string());
        annotated.metadata.resource_version = None;
        let _ = ctx.api.update(annotated.into(), &ctx.by, ctx.cause);
    }
    let attempts = ctx.state.scheduler.queued(key).map_or(0, |q| q.attempts);
    failed(ctx, key, attempts, rv_of(obj), now)
}

fn failed(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, attempts: u32, written_rv: u64, now: SimTime) -> Requeue {
    let epoch = ctx.state.scheduler.epoch;
    ctx.state.scheduler.queue.insert(key.clone(), QueuedPod { attempts, last_attempt: now, written_rv, epoch });
    Requeue::After(backoff(attempts))
}

/// `PodScheduled` as the binding subresource (True) or the scheduler's failure handler
/// (False, Unschedulable) writes it; the transition time moves only when the status changes.
fn set_condition(pod: &mut Pod, status: &str, reason: Option<&str>, message: Option<&str>, now: SimTime) {
    let conditions = pod.status.get_or_insert_with(Default::default).conditions.get_or_insert_with(Vec::new);
    let new = PodCondition {
        type_: "PodScheduled".into(),
        status: status.into(),
        reason: reason.map(str::to_string),
        message: message.map(str::to_string),
        last_transition_time: Some(k8s_time(now)),
        ..Default::default()
    };
    match conditions.iter_mut().find(|c| c.type_ == "PodScheduled") {
        Some(c) if c.status == status => {
            c.reason = new.reason;
            c.message = new.message;
        }
        Some(c) => *c = new,
        None => conditions.push(new),
    }
}
