//! The Job controller (`job-controller`): runs pods to completion.
//!
//! - Pods come from the template with generateName `<job>-` (Indexed: `<job>-<index>-`), the
//!   job labels, the Job as controller and the `batch.kubernetes.io/job-tracking` finalizer.
//! - Pods are counted with finalizers: a pod that succeeded or failed is first recorded in
//!   `status.uncountedTerminatedPods`, its finalizer is removed, then it moves to
//!   `succeeded` / `failed`. Pods deleted before succeeding count as failed.
//! - Active pods: `min(parallelism, completions − succeeded)`; without completions, parallelism
//!   until one pod succeeds. Replacements after failures wait 10 s × 2^(n−1) (at most 6 min)
//!   after the last of the n failures since the last success.
//! - Finishing: more than backoffLimit failures (`BackoffLimitExceeded`) or activeDeadlineSeconds
//!   passed (`DeadlineExceeded`) add `FailureTarget` and delete the active pods; reaching
//!   completions adds `SuccessCriteriaMet`. The terminal `Failed` / `Complete` condition (and
//!   completionTime, for success) follows once no pod is active or terminating.
//! - suspend deletes the active pods and sets the `Suspended` condition; resuming resets
//!   startTime.
//!
//! Not modelled: adoption of orphan pods matching a manual selector, podFailurePolicy,
//! successPolicy, backoffLimitPerIndex, and the one-second batching of pod-triggered syncs.

pub mod pods;
pub mod ttl;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::api::batch::v1::{Job, JobCondition, JobStatus, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::sim::apiserver::{k8s_time, Propagation};
use crate::sim::events::{self, EventType};
use crate::store::{ObjectRef, WatchEvent};
use crate::time::{from_k8s, SimDuration};

use super::owner::{controller_key, controlled_by, is_active, is_ready};
use super::pod_ranking::rank_for_deletion;
use super::{Ctx, Requeue};
use pods::*;

/// At most this many pods are created or deleted in one sync.
const MAX_POD_CREATE_DELETE_PER_SYNC: usize = 500;

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match event.key.kind {
        // A deleted Job is synced too: its pods' finalizers are released.
        Kind::Job => vec![event.key.clone()],
        Kind::Pod => {
            let meta = event.object.metadata();
            if let Some(k) = controller_key(meta, Kind::Job) {
                return vec![k];
            }
            // An orphan still holding the tracking finalizer: its Job (by label) releases it.
            let tracked = meta.finalizers.iter().flatten().any(|f| f == TRACKING_FINALIZER);
            let job = meta.labels.as_ref().and_then(|l| l.get(JOB_NAME));
            match (tracked, job) {
                (true, Some(name)) => vec![ObjectRef::new(Kind::Job, meta.namespace.as_deref(), name)],
                _ => vec![],
            }
        }
        _ => vec![],
    }
}

fn condition_true<'a>(status: &'a JobStatus, type_: &str) -> Option<&'a JobCondition> {
    status.conditions.iter().flatten().find(|c| c.type_ == type_ && c.status == "True")
}

pub(crate) fn is_finished(status: &JobStatus) -> bool {
    condition_true(status, "Complete").is_some() || condition_true(status, "Failed").is_some()
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let job_obj = ctx.api.store.get(key).cloned();
    let job = match job_obj.as_deref() {
        Some(Object::Job(j)) => j.as_ref().clone(),
        _ => {
            release_finalizers(ctx, key, None);
            return Requeue::Done;
        }
    };
    let owner = job_obj.unwrap_or_else(|| Arc::new(Object::from(job.clone())));
    let uid = job.metadata.uid.clone().unwrap_or_default();
    // Pods of an earlier Job with the same name are no longer tracked.
    release_finalizers(ctx, key, Some(&uid));
    let old_status = job.status.clone().unwrap_or_default();
    if job.metadata.deletion_timestamp.is_some() || is_finished(&old_status) || job.spec.is_none() {
        release_owned(ctx, key, &uid);
        return Requeue::Done;
    }
    sync(ctx, &owner, job, &uid)
}

fn owned_pods(ctx: &Ctx<'_, '_>, ns: Option<&str>, uid: &str) -> Vec<Arc<Object>> {
    ctx.api.store.list(Kind::Pod, ns).filter(|o| controlled_by(o.metadata(), uid)).cloned().collect()
}

fn as_pods(objs: &[Arc<Object>]) -> Vec<&Pod> {
    objs.iter().filter_map(|o| if let Object::Pod(p) = o.as_ref() { Some(p.as_ref()) } else { None }).collect()
}

fn remove_finalizer(ctx: &mut Ctx<'_, '_>, pod: &Pod) {
    let mut p = pod.clone();
    if let Some(f) = p.metadata.finalizers.as_mut() {
        f.retain(|f| f != TRACKING_FINALIZER);
    }
    p.metadata.resource_version = None;
    let _ = ctx.api.update(p.into(), &ctx.by, ctx.cause);
}

/// Removes the tracking finalizer from pods whose Job (by name) is gone, or whose uid is not
/// `keep_uid` (a newer Job with the same name).
fn release_finalizers(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, keep_uid: Option<&str>) {
    let objs: Vec<Arc<Object>> = ctx
        .api
        .store
        .list(Kind::Pod, key.namespace.as_deref())
        .filter(|o| {
            let m = o.metadata();
            let named = match controller_key(m, Kind::Job) {
                Some(k) => k.name == key.name,
                None => super::owner::controller_of(m).is_none() && m.labels.as_ref().and_then(|l| l.get(JOB_NAME)) == Some(&key.name),
            };
            named && keep_uid.is_none_or(|u| !controlled_by(m, u))
        })
        .cloned()
        .collect();
    for p in as_pods(&objs).into_iter().filter(|p| has_finalizer(p)) {
        remove_finalizer(ctx, p);
    }
}

fn release_owned(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, uid: &str) {
    let objs = owned_pods(ctx, key.namespace.as_deref(), uid);
    for p in as_pods(&objs).into_iter().filter(|p| has_finalizer(p)) {
        remove_finalizer(ctx, p);
    }
}

fn record(ctx: &mut Ctx<'_, '_>, owner: &Object, t: EventType, reason: &str, msg: &str) {
    events::record(ctx.api, owner, t, reason, msg, &ctx.by, None, ctx.cause);
}

fn new_condition(ctx: &Ctx<'_, '_>, type_: &str, status: &str, reason: &str, message: &str) -> JobCondition {
    let now = k8s_time(ctx.api.now);
    JobCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_probe_time: Some(now.clone()),
        last_transition_time: Some(now),
    }
}

/// Sets condition `type_` to `status` (adding it only when True); true if anything changed.
fn ensure_condition(ctx: &Ctx<'_, '_>, st: &mut JobStatus, type_: &str, status: &str, reason: &str, message: &str) -> bool {
    let conds = st.conditions.get_or_insert_with(Vec::new);
    match conds.iter_mut().find(|c| c.type_ == type_) {
        Some(c) if c.status == status => false,
        Some(c) => {
            *c = new_condition(ctx, type_, status, reason, message);
            true
        }
        None if status == "True" => {
            conds.push(new_condition(ctx, type_, status, reason, message));
            true
        }
        None => false,
    }
}

fn write_status(ctx: &mut Ctx<'_, '_>, job: &Job, status: &JobStatus) {
    let mut j = job.clone();
    j.status = Some(status.clone());
    j.metadata.resource_version = None;
    let _ = ctx.api.update(j.into(), &ctx.by, ctx.cause);
}

fn delete_pods(ctx: &mut Ctx<'_, '_>, owner: &Object, victims: &[&Pod]) {
    for p in victims.iter().take(MAX_POD_CREATE_DELETE_PER_SYNC) {
        let key = ObjectRef::new(Kind::Pod, p.metadata.namespace.as_deref(), p.metadata.name.as_deref().unwrap_or(""));
        match ctx.api.delete(&key, Propagation::Background, &ctx.by, ctx.cause) {
            Ok(_) => record(ctx, owner, EventType::Normal, "SuccessfulDelete", &format!("Deleted pod: {}", key.name)),
            Err(e) => record(ctx, owner, EventType::Warning, "FailedDelete", &format!("Error deleting: {}", e.message())),
        }
    }
}

/// Creates pods in slow-start batches of 1, 2, 4…; a failed batch stops the rest.
fn create_pods(ctx: &mut Ctx<'_, '_>, owner: &Object, job: &Job, indexes: Vec<Option<i32>>) {
    let mut rest = indexes.into_iter().take(MAX_POD_CREATE_DELETE_PER_SYNC).peekable();
    let mut batch = 1;
    while rest.peek().is_some() {
        let mut failed = false;
        for index in rest.by_ref().take(batch) {
            match ctx.api.create(new_pod(owner, job, index).into(), &ctx.by, ctx.cause) {
                Ok(created) => record(ctx, owner, EventType::Normal, "SuccessfulCreate", &format!("Created pod: {}", created.name())),
                Err(e) => {
                    record(ctx, owner, EventType::Warning, "FailedCreate", &format!("Error creating: {}", e.message()));
                    failed = true;
                }
            }
        }
        if failed {
            break;
        }
        batch *= 2;
    }
}

fn sync(ctx: &mut Ctx<'_, '_>, owner: &Object, job: Job, uid: &str) -> Requeue {
    let ns = job.metadata.namespace.clone();
    let spec = job.spec.clone().unwrap_or_default();
    let now = ctx.api.now;
    let indexed = spec.completion_mode.as_deref() == Some("Indexed");
    let completions = spec.completions;
    let parallelism = spec.parallelism.unwrap_or(1).max(0);
    let suspended = spec.suspend == Some(true);
    let mut st = job.status.clone().unwrap_or_default();
    let before = st.clone();
    if st.start_time.is_none() && !suspended {
        st.start_time = Some(k8s_time(now));
    }

    // Count pods that finished: uncounted first, then finalizers off, then the counters.
    let objs = owned_pods(ctx, ns.as_deref(), uid);
    let all = as_pods(&objs);
    let mut uncounted = st.uncounted_terminated_pods.clone().unwrap_or_default();
    let mut completed: BTreeSet<i32> = st.completed_indexes.as_deref().map(parse_indexes).unwrap_or_default();
    let mut to_release = Vec::new();
    for p in all.iter().copied().filter(|p| has_finalizer(p)) {
        let puid = p.metadata.uid.clone().unwrap_or_default();
        let list = if phase(p) == "Succeeded" {
            if let Some(i) = completion_index(p).filter(|i| indexed && completions.is_some_and(|c| *i < c)) {
                completed.insert(i);
            }
            uncounted.succeeded.get_or_insert_with(Vec::new)
        } else if is_failed(p, &job) {
            uncounted.failed.get_or_insert_with(Vec::new)
        } else {
            continue;
        };
        if !list.contains(&puid) {
            list.push(puid);
        }
        to_release.push(p);
    }
    if !to_release.is_empty() {
        st.uncounted_terminated_pods = Some(uncounted.clone());
        write_status(ctx, &job, &st);
        for p in &to_release {
            remove_finalizer(ctx, p);
        }
    }
    let n_succeeded = uncounted.succeeded.as_ref().map_or(0, Vec::len) as i32;
    let n_failed = uncounted.failed.as_ref().map_or(0, Vec::len) as i32;
    let succeeded = if indexed { completed.len() as i32 } else { st.succeeded.unwrap_or(0) + n_succeeded };
    let failed = st.failed.unwrap_or(0) + n_failed;
    st.succeeded = Some(succeeded).filter(|n| *n > 0);
    st.failed = Some(failed).filter(|n| *n > 0);
    st.uncounted_terminated_pods = Some(UncountedTerminatedPods::default());
    if indexed {
        st.completed_indexes = Some(format_indexes(&completed));
    }

    let active: Vec<&Pod> = all.iter().copied().filter(|p| is_active(p)).collect();
    let mut requeue = Requeue::Done;
    // (terminal type, reason, message) once the job is finishing.
    let mut finishing: Option<(&str, String, String)> = None;
    if let Some(c) = condition_true(&st, "FailureTarget") {
        finishing = Some(("Failed", c.reason.clone().unwrap_or_default(), c.message.clone().unwrap_or_default()));
    } else if let Some(c) = condition_true(&st, "SuccessCriteriaMet") {
        finishing = Some(("Complete", c.reason.clone().unwrap_or_default(), c.message.clone().unwrap_or_default()));
    } else if failed > spec.backoff_limit.unwrap_or(6) || past_backoff_limit_on_failure(&job, &active) {
        finishing = Some(("Failed", "BackoffLimitExceeded".into(), "Job has reached the specified backoff limit".into()));
    } else if let (Some(ads), Some(start), false) = (spec.active_deadline_seconds, st.start_time.as_ref(), suspended) {
        let deadline = from_k8s(start) + SimDuration::from_secs(ads.max(0) as u64);
        if now >= deadline {
            finishing = Some(("Failed", "DeadlineExceeded".into(), "Job was active longer than specified deadline".into()));
        } else {
            requeue = Requeue::After(deadline.since(now));
        }
    }

    match &finishing {
        Some((kind, reason, message)) => {
            let interim = if *kind == "Failed" { "FailureTarget" } else { "SuccessCriteriaMet" };
            ensure_condition(ctx, &mut st, interim, "True", reason, message);
            delete_pods(ctx, owner, &active);
        }
        None if suspended => {
            if ensure_condition(ctx, &mut st, "Suspended", "True", "JobSuspended", "Job suspended") {
                record(ctx, owner, EventType::Normal, "Suspended", "Job suspended");
            }
            // A suspended Job has not started (its deadline restarts on resume).
            st.start_time = None;
            delete_pods(ctx, owner, &active);
        }
        None => {
            if ensure_condition(ctx, &mut st, "Suspended", "False", "JobResumed", "Job resumed") {
                record(ctx, owner, EventType::Normal, "Resumed", "Job resumed");
                st.start_time = Some(k8s_time(now));
            }
            let want = match completions {
                None if succeeded > 0 => active.len() as i32,
                None => parallelism,
                Some(c) => (c - succeeded).clamp(0, parallelism),
            };
            let have = active.len() as i32;
            if have > want {
                let mut victims = active.clone();
                rank_for_deletion(&mut victims);
                victims.truncate((have - want) as usize);
                delete_pods(ctx, owner, &victims);
            } else if want > have {
                let terminating = if spec.pod_replacement_policy.as_deref() == Some("Failed") {
                    all.iter().filter(|p| is_terminating(p)).count() as i32
                } else {
                    0
                };
                let diff = (want - have - terminating).max(0) as usize;
                let wait = backoff_remaining(&all, &job, now);
                if diff > 0 && wait > SimDuration::ZERO {
                    requeue = super::replicaset::earliest(requeue, Requeue::After(wait));
                } else if diff > 0 {
                    let indexes: Vec<Option<i32>> = if indexed {
                        let busy: BTreeSet<i32> = active.iter().filter_map(|p| completion_index(p)).collect();
                        (0..completions.unwrap_or(0)).filter(|i| !completed.contains(i) && !busy.contains(i)).take(diff).map(Some).collect()
                    } else {
                        vec![None; diff]
                    };
                    create_pods(ctx, owner, &job, indexes);
                }
            }
        }
    }

    // The pods as they are now.
    let objs = owned_pods(ctx, ns.as_deref(), uid);
    let now_pods = as_pods(&objs);
    let n_active = now_pods.iter().filter(|p| is_active(p)).count() as i32;
    let n_terminating = now_pods.iter().filter(|p| is_terminating(p)).count() as i32;
    st.active = Some(n_active).filter(|n| *n > 0);
    st.ready = Some(now_pods.iter().filter(|p| is_active(p) && is_ready(p)).count() as i32);
    st.terminating = Some(n_terminating);

    if finishing.is_none() {
        let complete = n_active == 0 && completions.map_or(succeeded > 0, |c| succeeded >= c);
        if complete {
            let (reason, message) = ("CompletionsReached", "Reached expected number of succeeded pods");
            ensure_condition(ctx, &mut st, "SuccessCriteriaMet", "True", reason, message);
            finishing = Some(("Complete", reason.into(), message.into()));
        }
    }
    if let Some((kind, reason, message)) = &finishing {
        if n_active == 0 && n_terminating == 0 && ensure_condition(ctx, &mut st, kind, "True", reason, message) {
            if *kind == "Complete" {
                st.completion_time = Some(k8s_time(now));
                record(ctx, owner, EventType::Normal, "Completed", "Job completed");
            } else {
                record(ctx, owner, EventType::Warning, reason, message);
            }
            requeue = Requeue::Done;
        }
    }
    if st != before {
        write_status(ctx, &job, &st);
    }
    requeue
}
