//! The ReplicaSet controller (`replicaset-controller`): keeps `spec.replicas` active pods
//! matching the selector. It claims pods (adopting matching orphans, releasing owned pods that
//! stopped matching), creates missing pods from the template with generateName `<rs>-`,
//! deletes surplus ones in `pod_ranking` order, and reports replicas, fullyLabeledReplicas,
//! readyReplicas, availableReplicas and observedGeneration.
//!
//! Creations refused because the pods' ServiceAccount does not exist yet are retried when it
//! is created.
//!
//! The real controller lists the pods of the namespace from its informer and matches each
//! against the selector; here the pods naming the replica set come from the store's owner index
//! and the adoption candidates from its set of uncontrolled pods (the same pods, without a
//! scan). The status is counted in the same walk over the owned pods that finds whether
//! anything is to be released; only then (or with orphans to adopt) are they walked again.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetCondition, ReplicaSetStatus};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, Object};
use crate::sim::apiserver::{k8s_time, Propagation};
use crate::sim::events::{self, EventType};
use crate::store::selector::{self, Selector};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::{SimDuration, SimTime};

use super::deployment::status::REPLICA_FAILURE;

use super::owner::{available_since, controller_key, is_active, controller_of, controller_ref, orphan_adopters, running_as};
use super::replica_tally::Scope;
use super::pod_ranking::rank_for_deletion;
use super::{Ctx, Requeue};

/// At most this many pods are created or deleted in one sync (`burstReplicas`).
const BURST_REPLICAS: usize = 500;

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    keys_for_owner(event, Kind::ReplicaSet)
}

/// The keys a watch event wakes for a controller of `owner` pods (ReplicaSet or
/// ReplicationController): the owner itself, the owner of a changed pod, an orphan pod, a new
/// ServiceAccount.
pub(super) fn keys_for_owner(event: &WatchEvent, owner: Kind) -> Vec<ObjectRef> {
    match event.key.kind {
        k if k == owner && event.event_type != WatchEventType::Deleted => vec![event.key.clone()],
        Kind::Pod => {
            let meta = event.object.metadata();
            if let Some(rs) = controller_key(meta, owner) {
                return vec![rs];
            }
            // An orphan: the replica sets whose selector matches may adopt it.
            let orphan = controller_of(meta).is_none() && event.event_type != WatchEventType::Deleted && meta.deletion_timestamp.is_none();
            if orphan { vec![event.key.clone()] } else { vec![] }
        }
        // Pod creations refused for a missing ServiceAccount are retried once it exists.
        Kind::ServiceAccount if event.event_type == WatchEventType::Added => vec![event.key.clone()],
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    match key.kind {
        Kind::ReplicaSet => sync(ctx, key),
        _ => {
            let owners = owners_for(ctx, key);
            sync_each(ctx, owners, sync)
        }
    }
}

/// The replica sets to sync for a reconcile key: for a pod, the ones whose selector matches it
/// if it is an orphan (the first one claims it); for a ServiceAccount, the ones whose pods run
/// as it (the real controller retries a refused create with its rate limiter until the account
/// exists).
fn owners_for(ctx: &Ctx<'_, '_>, key: &ObjectRef) -> Vec<ObjectRef> {
    owners_to_sync(ctx, key, Kind::ReplicaSet, |o, labels| match o {
        Object::ReplicaSet(rs) => selector::from_label_selector(&rs.spec.selector).is_ok_and(|sel| !sel.is_empty() && sel.matches(labels)),
        _ => false,
    })
}

/// For the ReplicaSet and ReplicationController managers: the owners of `kind` a pod or
/// ServiceAccount key makes sync, `selects` telling whether an owner's selector matches a pod's labels.
pub(super) fn owners_to_sync(
    ctx: &Ctx<'_, '_>,
    key: &ObjectRef,
    kind: Kind,
    selects: impl Fn(&Object, Option<&std::collections::BTreeMap<String, String>>) -> bool,
) -> Vec<ObjectRef> {
    match key.kind {
        Kind::Pod => orphan_adopters(ctx.api.store, key, kind, selects),
        Kind::ServiceAccount => running_as(ctx.api.store, kind, key.namespace.as_deref(), &key.name),
        _ => Vec::new(),
    }
}

/// Syncs each owner; the earliest requeue any of them asks for.
pub(super) fn sync_each(ctx: &mut Ctx<'_, '_>, owners: Vec<ObjectRef>, sync: fn(&mut Ctx<'_, '_>, &ObjectRef) -> Requeue) -> Requeue {
    owners.iter().fold(Requeue::Done, |requeue, owner| earliest(requeue, sync(ctx, owner)))
}

pub(crate) fn earliest(a: Requeue, b: Requeue) -> Requeue {
    match (a, b) {
        (Requeue::After(x), Requeue::After(y)) => Requeue::After(x.min(y)),
        (Requeue::After(x), _) | (_, Requeue::After(x)) => Requeue::After(x),
        _ => Requeue::Done,
    }
}

fn sync(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(obj) = ctx.api.store.get(key).cloned() else {
        forget(ctx, key);
        return Requeue::Done;
    };
    let Object::ReplicaSet(rs) = obj.as_ref() else { return Requeue::Done };
    sync_as(ctx, &obj, rs)
}

/// The owner is gone: what the controller kept about it in memory goes too.
pub(crate) fn forget(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) {
    ctx.state.replica_tallies.forget(key);
    ctx.state.replica_failures.remove(key);
}

/// The sync of `obj` seen as the ReplicaSet `rs` (a ReplicationController is synced through
/// its ReplicaSet form, as the real replication manager does).
pub(crate) fn sync_as(ctx: &mut Ctx<'_, '_>, obj: &Arc<Object>, rs: &ReplicaSet) -> Requeue {
    let spec = &rs.spec;
    let Ok(sel) = selector::from_label_selector(&spec.selector) else { return Requeue::Done };
    let uid = rs.metadata.uid.as_deref().unwrap_or("");
    let deleting = rs.metadata.deletion_timestamp.is_some();
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    // Counted in the same walk that finds whether ClaimPods has anything to do; when it has
    // (pods to release or orphans to adopt), counted again once it is done.
    let (mut status, mut wait, stale) = calculate_status(ctx, obj, rs, uid, &sel, min_ready);
    if !deleting && (stale || has_orphans(ctx.api.store, obj, &sel)) {
        claim_pods(ctx, obj, uid, &sel);
        (status, wait, _) = calculate_status(ctx, obj, rs, uid, &sel, min_ready);
    }
    let failure = if deleting { None } else { manage_replicas(ctx, obj, rs, uid, &sel, status.replicas.max(0) as usize) };
    let failed = failure.is_some();
    replica_failure(&mut status, failure, ctx.api.now);
    match obj.as_ref() {
        Object::ReplicationController(rc) => super::replicationcontroller::update_status(ctx, rc, status),
        _ => update_status(ctx, rs, status),
    }
    // A failed sync is retried with the work queue's per-item exponential back-off (5 ms
    // doubling to 1000 s); a successful one forgets the failures. The retries are timers
    // `settle` does not wait for.
    let key = ObjectRef::of(obj);
    let retry = if failed {
        let n = ctx.state.replica_failures.entry(key).or_default();
        let d = retry_backoff(*n);
        *n += 1;
        Some(d)
    } else {
        ctx.state.replica_failures.remove(&key);
        None
    };
    match (wait, retry) {
        (Some(w), Some(r)) if w <= r => Requeue::After(w),
        (_, Some(r)) => Requeue::Periodic(r),
        (Some(w), None) => Requeue::After(w),
        (None, None) => Requeue::Done,
    }
}

/// `DefaultControllerRateLimiter`'s per-item part: 5 ms × 2^failures, at most 1000 s.
pub fn retry_backoff(failures: u32) -> SimDuration {
    let ms = 5u64.saturating_mul(1u64 << failures.min(40));
    SimDuration::from_millis(ms.min(1_000_000))
}

/// The pods naming `owner` (with uid `uid`) as controller, in name order, from the store's
/// owner index.
fn controlled_pods<'s>(store: &'s crate::store::Store, owner: &Object, uid: &'s str) -> impl Iterator<Item = &'s Arc<Object>> + 's {
    let ns = owner.namespace().unwrap_or("default").to_string();
    store
        .dependents_with_objects(owner.kind().info().name, owner.name())
        .filter(move |(k, _)| k.kind == Kind::Pod && k.namespace.as_deref() == Some(ns.as_str()))
        .map(|(_, o)| o)
        .filter(move |o| controller_of(o.metadata()).is_some_and(|r| r.uid == uid))
}

/// The pods `owner` controls once `ClaimPods` has run: those naming it as controller whose
/// labels its selector matches.
fn owned_pods<'s>(store: &'s crate::store::Store, owner: &Object, uid: &'s str, sel: &'s Selector) -> impl Iterator<Item = &'s Pod> + 's {
    controlled_pods(store, owner, uid).filter_map(move |o| match o.as_ref() {
        Object::Pod(p) if sel.matches(p.metadata.labels.as_ref()) => Some(p.as_ref()),
        _ => None,
    })
}

/// The pods of `owner`'s namespace without a controller, not being deleted, that its selector
/// matches: what `ClaimPods` adopts.
fn orphans<'s>(store: &'s crate::store::Store, owner: &'s Object, sel: &'s Selector) -> impl Iterator<Item = &'s Arc<Object>> + 's {
    store
        .uncontrolled(Kind::Pod, owner.namespace().unwrap_or("default"))
        .filter(|o| o.metadata().deletion_timestamp.is_none() && sel.matches(o.metadata().labels.as_ref()))
}

fn has_orphans(store: &crate::store::Store, owner: &Object, sel: &Selector) -> bool {
    orphans(store, owner, sel).next().is_some()
}

/// `ClaimPods`: adopts the orphans the selector matches and releases the owned pods whose
/// labels no longer match, in name order.
fn claim_pods(ctx: &mut Ctx<'_, '_>, owner: &Object, uid: &str, sel: &Selector) {
    let store = &ctx.api.store;
    let mut pods: Vec<Arc<Object>> =
        controlled_pods(store, owner, uid).filter(|o| !sel.matches(o.metadata().labels.as_ref())).cloned().collect();
    let before = pods.len();
    pods.extend(orphans(store, owner, sel).cloned());
    // The owned pods come in name order already; only adoption candidates need merging.
    if pods.len() > before {
        pods.sort_by(|a, b| a.name().cmp(b.name()));
    }
    for pod in pods {
        let Object::Pod(p) = pod.as_ref() else { continue };
        if controller_of(&p.metadata).is_some() {
            let mut released = p.as_ref().clone();
            if let Some(refs) = released.metadata.owner_references.as_mut() {
                refs.retain(|r| r.uid != uid);
            }
            let _ = ctx.api.update(released.into(), &ctx.by, ctx.cause);
        } else {
            let mut adopted = p.as_ref().clone();
            adopted.metadata.owner_references.get_or_insert_with(Vec::new).push(controller_ref(owner));
            let _ = ctx.api.update(adopted.into(), &ctx.by, ctx.cause);
        }
    }
}

/// `calculateStatus` over the active owned pods; also how long until a Ready pod becomes
/// available, and whether a pod naming the replica set as controller no longer matches its
/// selector (one for `ClaimPods` to release).
fn calculate_status(ctx: &mut Ctx<'_, '_>, owner: &Object, rs: &ReplicaSet, uid: &str, sel: &Selector, min_ready: i32) -> (ReplicaSetStatus, Option<SimDuration>, bool) {
    let template_labels = rs.spec.template.as_ref().and_then(|t| t.metadata.as_ref()).and_then(|m| m.labels.as_ref());
    let template_sel = template_labels.map_or_else(Selector::everything, selector::from_map);
    // Every owned pod matches the selector: when the template's labels are among its terms
    // (as a Deployment's replica sets have them), every owned pod is fully labeled.
    let all_labeled = template_sel.requirements().iter().all(|r| sel.requirements().contains(r));
    let (mut replicas, mut fully_labeled, mut ready, mut available) = (0, 0, 0, 0);
    let mut wait: Option<SimDuration> = None;
    let mut stale = false;
    let key = ObjectRef::of(owner);
    let scope = Scope { owner: &key, kind_name: owner.kind().info().name, uid, sel, template_sel: &template_sel };
    let now = ctx.api.now;
    for facts in ctx.state.replica_tallies.walk(&*ctx.api.store, &scope) {
        if !facts.controlled {
            continue;
        }
        if !facts.matches {
            stale = true;
            continue;
        }
        if !facts.active {
            continue;
        }
        replicas += 1;
        if all_labeled || facts.labeled {
            fully_labeled += 1;
        }
        if let Some(since) = facts.ready_since {
            ready += 1;
            match available_since(since, min_ready, now) {
                Ok(true) => available += 1,
                Ok(false) => {}
                Err(d) => wait = Some(wait.map_or(d, |w| w.min(d))),
            }
        }
    }
    let old = rs.status.as_ref();
    let status = ReplicaSetStatus {
        replicas,
        // Go's omitempty: zero counts are not written.
        fully_labeled_replicas: (fully_labeled != 0).then_some(fully_labeled),
        ready_replicas: (ready != 0).then_some(ready),
        available_replicas: (available != 0).then_some(available),
        observed_generation: rs.metadata.generation,
        conditions: old.and_then(|s| s.conditions.clone()),
        terminating_replicas: old.and_then(|s| s.terminating_replicas),
    };
    (status, wait, stale)
}

fn update_status(ctx: &mut Ctx<'_, '_>, rs: &ReplicaSet, status: ReplicaSetStatus) {
    if rs.status.as_ref() == Some(&status) {
        return;
    }
    let mut updated = rs.clone();
    updated.status = Some(status);
    updated.metadata.resource_version = None;
    let _ = ctx.api.update(updated.into(), &ctx.by, ctx.cause);
}

/// `calculateStatus`'s ReplicaFailure condition: set (`FailedCreate` or `FailedDelete`, with the
/// error) when manageReplicas failed and none is set yet; removed once it succeeds.
fn replica_failure(status: &mut ReplicaSetStatus, failure: Option<(&'static str, String)>, now: SimTime) {
    let conds = status.conditions.get_or_insert_with(Vec::new);
    let is_failure = |c: &ReplicaSetCondition| c.type_.as_deref() == Some(REPLICA_FAILURE);
    match failure {
        Some((reason, message)) if !conds.iter().any(is_failure) => conds.push(ReplicaSetCondition {
            type_: Some(REPLICA_FAILURE.into()),
            status: Some("True".into()),
            reason: Some(reason.into()),
            message: Some(message),
            last_transition_time: Some(k8s_time(now)),
        }),
        None => conds.retain(|c| !is_failure(c)),
        Some(_) => {}
    }
    if conds.is_empty() {
        status.conditions = None;
    }
}

/// `manageReplicas`: create or delete the difference between active pods and spec.replicas.
/// `have` is the number of active owned pods. The first failure, as (reason, error), if any.
fn manage_replicas(ctx: &mut Ctx<'_, '_>, owner: &Object, rs: &ReplicaSet, uid: &str, sel: &Selector, have: usize) -> Option<(&'static str, String)> {
    let mut failure = None;
    let want = rs.spec.replicas.unwrap_or(1).max(0) as usize;
    let name = rs.metadata.name.clone().unwrap_or_default();
    if have < want {
        let template = rs.spec.template.clone().unwrap_or_default();
        let mut remaining = (want - have).min(BURST_REPLICAS);
        // Slow start: batches of 1, 2, 4, …; a failed batch stops the rest.
        let mut batch = 1;
        while remaining > 0 {
            let n = batch.min(remaining);
            let mut failed = false;
            for _ in 0..n {
                let pod = pod_from_template(owner, &name, &template);
                if let Err(e) = create_pod(ctx, owner, pod) {
                    failure.get_or_insert(("FailedCreate", e));
                    failed = true;
                }
            }
            if failed {
                break;
            }
            remaining -= n;
            batch *= 2;
        }
    } else if have > want {
        let n = (have - want).min(BURST_REPLICAS);
        let mut pods: Vec<&Pod> = owned_pods(ctx.api.store, owner, uid, sel).filter(|p| is_active(p)).collect();
        rank_for_deletion(&mut pods);
        let victims: Vec<ObjectRef> = pods.iter().take(n).map(|p| ObjectRef::new(Kind::Pod, p.metadata.namespace.as_deref(), p.metadata.name.as_deref().unwrap_or(""))).collect();
        for victim in victims {
            match ctx.api.delete(&victim, Propagation::Background, &ctx.by, ctx.cause) {
                Ok(_) => {
                    let msg = format!("Deleted pod: {}", victim.name);
                    events::record(ctx.api, owner, EventType::Normal, "SuccessfulDelete", &msg, &ctx.by, None, ctx.cause);
                }
                Err(e) => {
                    let msg = format!("Error deleting: {}", e.message());
                    events::record(ctx.api, owner, EventType::Warning, "FailedDelete", &msg, &ctx.by, None, ctx.cause);
                    failure.get_or_insert(("FailedDelete", e.message()));
                }
            }
        }
    }
    failure
}

/// `GetPodFromTemplate`: labels, annotations and finalizers from the template, generateName
/// `<owner>-`, the owner as controller.
pub(crate) fn pod_from_template(owner: &Object, owner_name: &str, template: &PodTemplateSpec) -> Pod {
    let tm = template.metadata.clone().unwrap_or_default();
    Pod {
        metadata: ObjectMeta {
            generate_name: Some(format!("{owner_name}-")),
            namespace: owner.namespace().map(str::to_string),
            labels: tm.labels,
            annotations: tm.annotations,
            finalizers: tm.finalizers,
            owner_references: Some(vec![controller_ref(owner)]),
            ..Default::default()
        },
        spec: template.spec.clone(),
        status: None,
    }
}

#[cfg(test)]
#[path = "replicaset_tests.rs"]
mod tests;

/// Creates a controller's pod and records what the controller's pod control records:
/// `SuccessfulCreate` `Created pod: <name>`, or `FailedCreate` `Error creating: <reason>`.
/// Returns whether the pod was created.
pub(crate) fn create_pod_reporting(ctx: &mut Ctx<'_, '_>, owner: &Object, pod: Pod) -> bool {
    create_pod(ctx, owner, pod).is_ok()
}

/// [`create_pod_reporting`], with the API server's error.
fn create_pod(ctx: &mut Ctx<'_, '_>, owner: &Object, pod: Pod) -> Result<(), String> {
    match ctx.api.create(pod.into(), &ctx.by, ctx.cause) {
        Ok(created) => {
            let msg = format!("Created pod: {}", created.name());
            events::record(ctx.api, owner, EventType::Normal, "SuccessfulCreate", &msg, &ctx.by, None, ctx.cause);
            Ok(())
        }
        Err(e) => {
            let msg = format!("Error creating: {}", e.message());
            events::record(ctx.api, owner, EventType::Warning, "FailedCreate", &msg, &ctx.by, None, ctx.cause);
            Err(e.message())
        }
    }
}

#[cfg(test)]
#[path = "replica_failure_tests.rs"]
mod failure_tests;
