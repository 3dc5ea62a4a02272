//! The StatefulSet controller (`statefulset-controller`): pods with stable names, storage and
//! order (`pkg/controller/statefulset`).
//!
//! A sync records the template as a ControllerRevision (the update revision; the current one
//! is what `status.currentRevision` names), then walks the ordinals of `spec.ordinals.start`
//! .. start + replicas in ascending order: failed or succeeded pods are deleted, missing pods
//! are created after their claims (`<template>-<set>-<ordinal>`, kept when the pod or the set
//! goes unless the retention policy says Delete). With `OrderedReady` the walk stops at the
//! first pod it creates, at a terminating pod, and at a pod not yet Running and Ready.
//! Pods above the range are then deleted from the highest ordinal down, one at a time with
//! OrderedReady (each fully gone before the next), all at once with `Parallel`. With the
//! RollingUpdate strategy, pods of another revision are replaced one at a time from the
//! highest ordinal down to `partition`, each waiting for its replacement to be Running and
//! Ready; `OnDelete` only recreates pods someone deleted.

mod pods;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::sim::events::{self, EventType};
use crate::store::{selector, ObjectRef, WatchEvent, WatchEventType};
use crate::time::SimDuration;

use super::owner::{availability, controlled_by, controller_key, is_ready};
use super::revision::{self, template_of};
use super::{Ctx, Requeue};

pub use pods::{claim_name, ordinal_of, pod_name, POD_INDEX_LABEL, POD_NAME_LABEL};

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match event.key.kind {
        Kind::StatefulSet if event.event_type != WatchEventType::Deleted => vec![event.key.clone()],
        Kind::Pod => controller_key(event.object.metadata(), Kind::StatefulSet).into_iter().collect(),
        // Pod creations refused for a missing ServiceAccount are retried once it exists.
        Kind::ServiceAccount if event.event_type == WatchEventType::Added => vec![event.key.clone()],
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    match key.kind {
        Kind::StatefulSet => sync(ctx, key),
        Kind::ServiceAccount => {
            let sets = super::owner::running_as(ctx.api.store, Kind::StatefulSet, key.namespace.as_deref(), &key.name);
            sets.iter().fold(Requeue::Done, |r, s| super::replicaset::earliest(r, sync(ctx, s)))
        }
        _ => Requeue::Done,
    }
}

fn pod_of(o: &Arc<Object>) -> Option<&Pod> {
    match o.as_ref() {
        Object::Pod(p) => Some(p),
        _ => None,
    }
}

fn terminating(p: &Pod) -> bool {
    p.metadata.deletion_timestamp.is_some()
}

fn phase(p: &Pod) -> Option<&str> {
    p.status.as_ref().and_then(|s| s.phase.as_deref())
}

fn running_and_ready(p: &Pod) -> bool {
    phase(p) == Some("Running") && is_ready(p)
}

/// The set's pods with their ordinals, ascending.
fn owned_pods(ctx: &Ctx<'_, '_>, set: &StatefulSet) -> Vec<(i32, Arc<Object>)> {
    let uid = set.metadata.uid.as_deref().unwrap_or("");
    let name = set.metadata.name.as_deref().unwrap_or("");
    let mut pods: Vec<(i32, Arc<Object>)> = ctx
        .api
        .store
        .list(Kind::Pod, set.metadata.namespace.as_deref())
        .filter(|o| controlled_by(o.metadata(), uid))
        .filter_map(|o| ordinal_of(name, o.name()).map(|i| (i, o.clone())))
        .collect();
    pods.sort_by_key(|(i, _)| *i);
    pods
}

struct Plan<'a> {
    owner: &'a Arc<Object>,
    set: &'a StatefulSet,
    current: String,
    update: String,
    current_template: k8s_openapi::api::core::v1::PodTemplateSpec,
}

fn sync(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(obj) = ctx.api.store.get(key).cloned() else { return Requeue::Done };
    let Object::StatefulSet(set) = obj.as_ref() else { return Requeue::Done };
    if set.metadata.deletion_timestamp.is_some() {
        return Requeue::Done;
    }
    match selector::from_label_selector(&set.spec.selector) {
        Ok(sel) if !sel.is_empty() => {}
        _ => return Requeue::Done,
    }
    let old = set.status.clone().unwrap_or_default();
    let mut history = revision::history(ctx.api.store, &obj);
    let spec = revision::Spec { owner: &obj, template: &set.spec.template, collision_count: old.collision_count, daemon: false };
    let Some((update_rev, collision)) = revision::ensure(ctx, &spec, &mut history) else { return Requeue::Done };
    let update = update_rev.metadata.name.clone().unwrap_or_default();
    let current_rev = history.iter().find(|r| r.metadata.name.is_some() && r.metadata.name == old.current_revision).cloned().unwrap_or(update_rev);
    let plan = Plan {
        owner: &obj,
        set,
        current: current_rev.metadata.name.clone().unwrap_or_default(),
        update,
        current_template: template_of(&current_rev),
    };
    update_replicas(ctx, &plan);
    let pods = owned_pods(ctx, set);
    let (status, wait) = status_of(ctx, &plan, &pods, collision);
    let live: BTreeSet<String> = pods
        .iter()
        .filter_map(|(_, o)| pod_of(o).and_then(pods::revision_of).map(str::to_string))
        .chain([plan.current.clone(), plan.update.clone()])
        .collect();
    revision::truncate(ctx, &history, &live, set.spec.revision_history_limit.unwrap_or(10));
    if set.status.as_ref() != Some(&status) {
        let mut updated = set.as_ref().clone();
        updated.status = Some(status);
        updated.metadata.resource_version = None;
        let _ = ctx.api.update(updated.into(), &ctx.by, ctx.cause);
    }
    wait.map_or(Requeue::Done, Requeue::After)
}

/// `updateStatefulSet`: the ordinal walk, the scale-down, then the rolling update.
fn update_replicas(ctx: &mut Ctx<'_, '_>, plan: &Plan<'_>) {
    let set = plan.set;
    let monotonic = set.spec.pod_management_policy.as_deref() != Some("Parallel");
    let start = pods::start(set);
    let end = start + set.spec.replicas.unwrap_or(1).max(0);
    let strategy = set.spec.update_strategy.as_ref();
    let rolling = strategy.and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate") == "RollingUpdate";
    let partition = strategy.and_then(|s| s.rolling_update.as_ref()).and_then(|r| r.partition).unwrap_or(0);
    let pods = owned_pods(ctx, set);
    let at = |ord: i32| pods.iter().find(|(i, _)| *i == ord).and_then(|(_, o)| pod_of(o));
    let mut unhealthy = false;
    for ord in start..end {
        match at(ord) {
            None => {
                let use_current = rolling && ord < partition && plan.current != plan.update;
                let (template, revision) = if use_current { (&plan.current_template, &plan.current) } else { (&set.spec.template, &plan.update) };
                create_pod(ctx, plan, ord, template, revision);
                if monotonic {
                    return;
                }
            }
            Some(p) if matches!(phase(p), Some("Failed" | "Succeeded")) && !terminating(p) => {
                let (event_type, reason, what) = if phase(p) == Some("Failed") {
                    (EventType::Warning, "RecreatingFailedPod", "failed")
                } else {
                    (EventType::Normal, "RecreatingTerminatedPod", "terminated")
                };
                let pod_name = p.metadata.name.clone().unwrap_or_default();
                let ns = set.metadata.namespace.as_deref().unwrap_or("default");
                let msg = format!("StatefulSet {ns}/{} is recreating {what} Pod {pod_name}", set_name(plan));
                events::record(ctx.api, plan.owner, event_type, reason, &msg, &ctx.by, None, ctx.cause);
                delete_pod(ctx, plan, p);
                if monotonic {
                    return;
                }
            }
            Some(p) if !running_and_ready(p) || terminating(p) => {
                if monotonic {
                    return;
                }
                unhealthy = true;
            }
            Some(_) => {}
        }
    }
    let mut first_unhealthy_condemned = !unhealthy;
    for (ord, o) in pods.iter().rev().filter(|(i, _)| *i >= end || *i < start) {
        let Some(p) = pod_of(o) else { continue };
        if terminating(p) {
            if monotonic {
                return;
            }
            continue;
        }
        // OrderedReady deletes an unhealthy pod only when it is the first unhealthy one.
        if monotonic && !running_and_ready(p) && !first_unhealthy_condemned {
            return;
        }
        first_unhealthy_condemned = false;
        release_claims_on_scale_down(ctx, plan, *ord, p);
        delete_pod(ctx, plan, p);
        if monotonic {
            return;
        }
    }
    if !rolling {
        return;
    }
    for ord in (partition.max(start)..end).rev() {
        let Some(p) = at(ord) else { return };
        if pods::revision_of(p) != Some(plan.update.as_str()) && !terminating(p) {
            delete_pod(ctx, plan, p);
            return;
        }
        if !running_and_ready(p) || terminating(p) {
            return;
        }
    }
}

fn set_name<'p>(plan: &'p Plan<'_>) -> &'p str {
    plan.set.metadata.name.as_deref().unwrap_or("")
}

/// A non-controller owner reference (the retention policy's claim owners).
fn owner_ref(api_version: &str, kind: &str, name: &str, uid: &str) -> OwnerReference {
    OwnerReference { api_version: api_version.into(), kind: kind.into(), name: name.into(), uid: uid.into(), ..Default::default() }
}

fn retention(set: &StatefulSet) -> (bool, bool) {
    let policy = set.spec.persistent_volume_claim_retention_policy.as_ref();
    let delete = |v: Option<&String>| v.map(String::as_str) == Some("Delete");
    (delete(policy.and_then(|p| p.when_deleted.as_ref())), delete(policy.and_then(|p| p.when_scaled.as_ref())))
}

/// `createPersistentVolumeClaims` then the pod. Existing claims are reused.
fn create_pod(ctx: &mut Ctx<'_, '_>, plan: &Plan<'_>, ord: i32, template: &k8s_openapi::api::core::v1::PodTemplateSpec, revision: &str) {
    let set = plan.set;
    let name = pod_name(set_name(plan), ord);
    let (when_deleted, _) = retention(set);
    for mut claim in pods::claims(set, ord) {
        let claim_key = ObjectRef::new(Kind::PersistentVolumeClaim, set.metadata.namespace.as_deref(), claim.metadata.name.as_deref().unwrap_or(""));
        if ctx.api.store.contains(&claim_key) {
            continue;
        }
        if when_deleted {
            let uid = set.metadata.uid.as_deref().unwrap_or("");
            claim.metadata.owner_references = Some(vec![owner_ref("apps/v1", "StatefulSet", set_name(plan), uid)]);
        }
        let (reason, msg) = match ctx.api.create(claim.into(), &ctx.by, ctx.cause) {
            Ok(_) => ("SuccessfulCreate", format!("create Claim {} Pod {name} in StatefulSet {} success", claim_key.name, set_name(plan))),
            Err(e) => ("FailedCreate", format!("create Claim {} for Pod {name} in StatefulSet {} failed error: {}", claim_key.name, set_name(plan), e.message())),
        };
        let ty = if reason == "SuccessfulCreate" { EventType::Normal } else { EventType::Warning };
        events::record(ctx.api, plan.owner, ty, reason, &msg, &ctx.by, None, ctx.cause);
        if ty == EventType::Warning {
            return;
        }
    }
    let pod = pods::new_pod(plan.owner, set, template, ord, revision);
    let (ty, reason, msg) = match ctx.api.create(pod.into(), &ctx.by, ctx.cause) {
        Ok(_) => (EventType::Normal, "SuccessfulCreate", format!("create Pod {name} in StatefulSet {} successful", set_name(plan))),
        Err(e) => (EventType::Warning, "FailedCreate", format!("create Pod {name} in StatefulSet {} failed error: {}", set_name(plan), e.message())),
    };
    events::record(ctx.api, plan.owner, ty, reason, &msg, &ctx.by, None, ctx.cause);
}

fn delete_pod(ctx: &mut Ctx<'_, '_>, plan: &Plan<'_>, p: &Pod) {
    let name = p.metadata.name.as_deref().unwrap_or("");
    let key = ObjectRef::new(Kind::Pod, p.metadata.namespace.as_deref(), name);
    let (ty, reason, msg) = match ctx.api.delete(&key, Propagation::Background, &ctx.by, ctx.cause) {
        Ok(_) => (EventType::Normal, "SuccessfulDelete", format!("delete Pod {name} in StatefulSet {} successful", set_name(plan))),
        Err(e) => (EventType::Warning, "FailedDelete", format!("delete Pod {name} in StatefulSet {} failed error: {}", set_name(plan), e.message())),
    };
    events::record(ctx.api, plan.owner, ty, reason, &msg, &ctx.by, None, ctx.cause);
}

/// With `whenScaled: Delete`, a condemned pod becomes the owner of its claims, so that the
/// garbage collector removes them once the pod is gone.
fn release_claims_on_scale_down(ctx: &mut Ctx<'_, '_>, plan: &Plan<'_>, ord: i32, p: &Pod) {
    if !retention(plan.set).1 {
        return;
    }
    let uid = p.metadata.uid.as_deref().unwrap_or("");
    for claim in pods::claims(plan.set, ord) {
        let key = ObjectRef::new(Kind::PersistentVolumeClaim, claim.metadata.namespace.as_deref(), claim.metadata.name.as_deref().unwrap_or(""));
        let Some(Object::PersistentVolumeClaim(existing)) = ctx.api.store.get(&key).map(|o| o.as_ref().clone()) else { continue };
        let mut updated = existing.as_ref().clone();
        let refs = updated.metadata.owner_references.get_or_insert_with(Vec::new);
        if refs.iter().any(|r| r.uid == uid) {
            continue;
        }
        refs.push(owner_ref("v1", "Pod", p.metadata.name.as_deref().unwrap_or(""), uid));
        updated.metadata.resource_version = None;
        let _ = ctx.api.update(updated.into(), &ctx.by, ctx.cause);
    }
}

/// `computeReplicaStatus` and `completeRollingUpdate`; also how long until a Ready pod
/// becomes available.
fn status_of(ctx: &Ctx<'_, '_>, plan: &Plan<'_>, pods: &[(i32, Arc<Object>)], collision: Option<i32>) -> (StatefulSetStatus, Option<SimDuration>) {
    let set = plan.set;
    let min_ready = set.spec.min_ready_seconds.unwrap_or(0);
    let (mut replicas, mut ready, mut available, mut current, mut updated) = (0, 0, 0, 0, 0);
    let mut wait: Option<SimDuration> = None;
    for (_, o) in pods {
        let Some(p) = pod_of(o) else { continue };
        let created = phase(p).is_some_and(|s| !s.is_empty());
        replicas += i32::from(created);
        if running_and_ready(p) {
            ready += 1;
            match availability(p, min_ready, ctx.api.now) {
                Ok(true) => available += 1,
                Ok(false) => {}
                Err(d) => wait = Some(wait.map_or(d, |w| w.min(d))),
            }
        }
        if created && !terminating(p) {
            let rev = pods::revision_of(p);
            current += i32::from(rev == Some(plan.current.as_str()));
            updated += i32::from(rev == Some(plan.update.as_str()));
        }
    }
    let want = set.spec.replicas.unwrap_or(1);
    let rolling = set.spec.update_strategy.as_ref().and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate") == "RollingUpdate";
    let mut current_revision = plan.current.clone();
    if rolling && updated == want && ready == want && replicas == want {
        current_revision = plan.update.clone();
        current = updated;
    }
    // Zero counts are omitted from the status, as Go's omitempty does.
    let nz = |n: i32| (n != 0).then_some(n);
    let status = StatefulSetStatus {
        replicas,
        ready_replicas: nz(ready),
        available_replicas: Some(available),
        current_replicas: nz(current),
        updated_replicas: nz(updated),
        current_revision: Some(current_revision),
        update_revision: Some(plan.update.clone()),
        collision_count: Some(collision.unwrap_or(0)),
        observed_generation: set.metadata.generation,
        conditions: set.status.as_ref().and_then(|s| s.conditions.clone()),
    };
    (status, wait)
}
