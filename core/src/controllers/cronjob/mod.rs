//! The CronJob controller (`cronjob-controller`, the v2 controller): reconciles `status.active`
//! with the Jobs it owns, creates a Job for the most recent unmet schedule time, then sleeps
//! until 100 ms after the next one.
//!
//! - Jobs are named `<cronjob>-<scheduled Unix time / 60>` from the job template, with the
//!   annotation `batch.kubernetes.io/cronjob-scheduled-timestamp` (RFC 3339) and the CronJob
//!   as controller; the name doubles as a lock against creating the same run twice.
//! - Missed runs: only the most recent one is started; more than 100 missed gives a
//!   `TooManyMissedTimes` warning; `startingDeadlineSeconds` bounds how late a start may be.
//! - concurrencyPolicy `Forbid` skips a run while a Job is active (`JobAlreadyActive`); the
//!   skipped time stays unmet, so without startingDeadlineSeconds it starts late as soon as
//!   the running Job finishes. `Replace` deletes the active Jobs first.
//! - Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit are deleted,
//!   oldest start first.
//! - Times are UTC. `timeZone` unset, `UTC` or `Etc/UTC` are modelled; any other zone is not
//!   (no time-zone database in the simulation): such a CronJob is not scheduled.

pub mod schedule;
#[cfg(test)]
mod schedule_tests;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use k8s_openapi::api::batch::v1::{CronJob, CronJobStatus, Job};
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, Object};
use crate::sim::apiserver::{k8s_time, ApiError, Propagation};
use crate::sim::events::{self, EventType};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::{from_k8s, from_unix_secs, rfc3339, unix_secs, SimDuration};

use super::owner::{controller_key, controller_ref, controlled_by};
use super::{Ctx, Requeue};
use schedule::Schedule;

pub const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/// The controller wakes this long after a schedule time (`nextScheduleDelta`).
const NEXT_SCHEDULE_DELTA: SimDuration = SimDuration::from_millis(100);

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match event.key.kind {
        Kind::CronJob if event.event_type != WatchEventType::Deleted => vec![event.key.clone()],
        Kind::Job => controller_key(event.object.metadata(), Kind::CronJob).into_iter().collect(),
        _ => vec![],
    }
}

/// Finished: a `Complete` or `Failed` condition is True. Returns the condition type.
pub(crate) fn finished(job: &Job) -> Option<&'static str> {
    let conds = job.status.as_ref()?.conditions.as_ref()?;
    ["Complete", "Failed"].into_iter().find(|t| conds.iter().any(|c| c.type_ == *t && c.status == "True"))
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(obj) = ctx.api.store.get(key).cloned() else { return Requeue::Done };
    let Object::CronJob(cj) = obj.as_ref() else { return Requeue::Done };
    let uid = cj.metadata.uid.clone().unwrap_or_default();
    let jobs: Vec<Arc<Object>> = ctx
        .api
        .store
        .list(Kind::Job, key.namespace.as_deref())
        .filter(|o| controlled_by(o.metadata(), &uid))
        .cloned()
        .collect();
    let jobs: Vec<&Job> = jobs.iter().filter_map(|o| if let Object::Job(j) = o.as_ref() { Some(j.as_ref()) } else { None }).collect();
    let mut cj: CronJob = cj.as_ref().clone();
    let before = cj.status.clone();
    track_jobs(ctx, &obj, &mut cj, &jobs);
    let requeue = sync_schedule(ctx, &obj, &mut cj);
    cleanup_finished(ctx, &obj, &mut cj, &jobs);
    if cj.status != before {
        cj.metadata.resource_version = None;
        let _ = ctx.api.update(cj.into(), &ctx.by, ctx.cause);
    }
    requeue
}

fn active_mut(cj: &mut CronJob) -> &mut Vec<ObjectReference> {
    cj.status.get_or_insert_with(CronJobStatus::default).active.get_or_insert_with(Vec::new)
}

fn in_active(cj: &CronJob, uid: &str) -> bool {
    cj.status.as_ref().and_then(|s| s.active.as_ref()).is_some_and(|a| a.iter().any(|r| r.uid.as_deref() == Some(uid)))
}

fn remove_active(cj: &mut CronJob, uid: &str) {
    let active = active_mut(cj);
    active.retain(|r| r.uid.as_deref() != Some(uid));
    if active.is_empty() {
        cj.status.get_or_insert_with(CronJobStatus::default).active = None;
    }
}

/// The active list against the Jobs that exist: finished ones leave it, vanished ones too,
/// and lastSuccessfulTime follows the newest completion.
fn track_jobs(ctx: &mut Ctx<'_, '_>, owner: &Object, cj: &mut CronJob, jobs: &[&Job]) {
    for j in jobs {
        let uid = j.metadata.uid.as_deref().unwrap_or("");
        let name = j.metadata.name.as_deref().unwrap_or("");
        let found = in_active(cj, uid);
        match finished(j) {
            None if !found => {
                let msg = format!("Saw a job that the controller did not create or forgot: {name}");
                events::record(ctx.api, owner, EventType::Warning, "UnexpectedJob", &msg, &ctx.by, None, ctx.cause);
            }
            None => {}
            Some(cond) if found => {
                remove_active(cj, uid);
                let msg = format!("Saw completed job: {name}, condition: {cond}");
                events::record(ctx.api, owner, EventType::Normal, "SawCompletedJob", &msg, &ctx.by, None, ctx.cause);
            }
            Some(cond) => {
                let done = j.status.as_ref().and_then(|s| s.completion_time.clone());
                if let (Some(done), "Complete") = (done, cond) {
                    let status = cj.status.get_or_insert_with(CronJobStatus::default);
                    if status.last_successful_time.as_ref().is_none_or(|t| t.0 < done.0) {
                        status.last_successful_time = Some(done);
                    }
                }
            }
        }
    }
    let listed: Vec<&str> = jobs.iter().filter_map(|j| j.metadata.uid.as_deref()).collect();
    let missing: Vec<ObjectReference> = cj
        .status
        .as_ref()
        .and_then(|s| s.active.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| !listed.contains(&r.uid.as_deref().unwrap_or("")))
        .collect();
    for r in missing {
        let msg = format!("Active job went missing: {}", r.name.as_deref().unwrap_or(""));
        events::record(ctx.api, owner, EventType::Normal, "MissingJob", &msg, &ctx.by, None, ctx.cause);
        remove_active(cj, r.uid.as_deref().unwrap_or(""));
    }
}

/// `mostRecentScheduleTime`: the latest schedule time in (earliest, now], and how many were
/// missed (estimated from the interval between the first two, as the controller does).
fn most_recent(cj: &CronJob, now: i64, sched: &Schedule, with_deadline: bool) -> Result<(i64, Option<i64>, i64), String> {
    let created = cj.metadata.creation_timestamp.as_ref().map_or(0, |t| unix_secs(from_k8s(t)));
    let mut earliest = cj.status.as_ref().and_then(|s| s.last_schedule_time.as_ref()).map_or(created, |t| unix_secs(from_k8s(t)));
    if let (true, Some(d)) = (with_deadline, cj.spec.starting_deadline_seconds) {
        earliest = earliest.max(now - d);
    }
    let Some(t1) = sched.next(earliest) else { return Ok((earliest, None, 0)) };
    if now < t1 {
        return Ok((earliest, None, 0));
    }
    let Some(t2) = sched.next(t1).filter(|&t2| now >= t2) else { return Ok((earliest, Some(t1), 1)) };
    let between = t2 - t1;
    if between < 1 {
        return Err("time difference between two schedules is less than 1 second".into());
    }
    let missed = (now - t1) / between + 1;
    let mut t = sched.next(t1 + (missed - 2) * between);
    let mut recent = None;
    while let Some(x) = t.filter(|&x| x <= now) {
        recent = Some(x);
        t = sched.next(x);
    }
    Ok((earliest, recent, missed))
}

/// How long until 100 ms after the next schedule time.
fn next_wake(ctx: &Ctx<'_, '_>, cj: &CronJob, now: i64, sched: &Schedule) -> Requeue {
    let Ok((earliest, recent, _)) = most_recent(cj, now, sched, false) else { return Requeue::Done };
    let Some(next) = sched.next(recent.unwrap_or(earliest)) else { return Requeue::Done };
    let at = from_unix_secs(next) + NEXT_SCHEDULE_DELTA;
    Requeue::After(at.since(ctx.api.now).max(SimDuration::from_millis(1)))
}

fn warn(ctx: &mut Ctx<'_, '_>, owner: &Object, reason: &str, msg: &str) {
    events::record(ctx.api, owner, EventType::Warning, reason, msg, &ctx.by, None, ctx.cause);
}

/// `syncCronJob` after the active list: start the most recent unmet run, if any.
fn sync_schedule(ctx: &mut Ctx<'_, '_>, owner: &Object, cj: &mut CronJob) -> Requeue {
    if cj.metadata.deletion_timestamp.is_some() || cj.spec.suspend == Some(true) {
        return Requeue::Done;
    }
    if let Some(tz) = cj.spec.time_zone.as_deref() {
        if !matches!(tz, "UTC" | "Etc/UTC") {
            // Not modelled: the simulation has no time-zone database.
            return Requeue::Done;
        }
    }
    let spec_text = cj.spec.schedule.clone();
    if spec_text.contains("TZ") {
        let msg = format!("CRON_TZ or TZ used in schedule {spec_text:?} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details");
        warn(ctx, owner, "UnsupportedSchedule", &msg);
    }
    let sched = match schedule::parse(&spec_text) {
        Ok(s) => s,
        Err(e) => {
            warn(ctx, owner, "UnparseableSchedule", &format!("unparseable schedule: {spec_text:?} : {e}"));
            return Requeue::Done;
        }
    };
    let now = unix_secs(ctx.api.now);
    let scheduled = match most_recent(cj, now, &sched, true) {
        Err(e) => {
            warn(ctx, owner, "InvalidSchedule", &format!("invalid schedule: {spec_text} : {e}"));
            return Requeue::Done;
        }
        Ok((_, None, _)) => return next_wake(ctx, cj, now, &sched),
        Ok((_, Some(t), missed)) => {
            if missed > 100 {
                warn(ctx, owner, "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
            }
            t
        }
    };
    if cj.spec.starting_deadline_seconds.is_some_and(|d| scheduled + d < now) {
        let msg = format!("Missed scheduled time to start a job: {}", rfc1123z(scheduled));
        warn(ctx, owner, "MissSchedule", &msg);
        return next_wake(ctx, cj, now, &sched);
    }
    let name = format!("{}-{}", cj.metadata.name.as_deref().unwrap_or(""), scheduled.div_euclid(60));
    let status = cj.status.clone().unwrap_or_default();
    let already = status.active.iter().flatten().any(|r| r.name.as_deref() == Some(name.as_str()))
        || status.last_schedule_time.as_ref().is_some_and(|t| unix_secs(from_k8s(t)) == scheduled);
    if already {
        return next_wake(ctx, cj, now, &sched);
    }
    let active = status.active.clone().unwrap_or_default();
    match cj.spec.concurrency_policy.as_deref() {
        Some("Forbid") if !active.is_empty() => {
            let msg = "Not starting job because prior execution is running and concurrency policy is Forbid";
            events::record(ctx.api, owner, EventType::Normal, "JobAlreadyActive", msg, &ctx.by, None, ctx.cause);
            return next_wake(ctx, cj, now, &sched);
        }
        Some("Replace") => {
            for r in &active {
                let key = ObjectRef::new(Kind::Job, r.namespace.as_deref(), r.name.as_deref().unwrap_or(""));
                if !delete_job(ctx, owner, cj, &key, r.uid.as_deref().unwrap_or("")) {
                    return Requeue::After(SimDuration::from_secs(1));
                }
            }
        }
        _ => {}
    }
    let job = job_from_template(owner, cj, &name, scheduled);
    let created = match ctx.api.create(job.into(), &ctx.by, ctx.cause) {
        Ok(created) => {
            let msg = format!("Created job {}", created.name());
            events::record(ctx.api, owner, EventType::Normal, "SuccessfulCreate", &msg, &ctx.by, None, ctx.cause);
            created
        }
        Err(ApiError::AlreadyExists { key }) => {
            // Someone else made it: only a Job this CronJob controls joins the active list.
            let Some(existing) = ctx.api.store.get(&key).cloned() else { return next_wake(ctx, cj, now, &sched) };
            let uid = cj.metadata.uid.clone().unwrap_or_default();
            if !controlled_by(existing.metadata(), &uid) || in_active(cj, existing.metadata().uid.as_deref().unwrap_or("")) {
                return Requeue::Done;
            }
            existing
        }
        Err(e) => {
            warn(ctx, owner, "FailedCreate", &format!("Error creating job: {}", e.message()));
            return Requeue::After(SimDuration::from_secs(1));
        }
    };
    active_mut(cj).push(reference(&created));
    cj.status.get_or_insert_with(CronJobStatus::default).last_schedule_time = Some(k8s_time(from_unix_secs(scheduled)));
    next_wake(ctx, cj, now, &sched)
}

fn reference(job: &Object) -> ObjectReference {
    let m = job.metadata();
    ObjectReference {
        api_version: Some("batch/v1".into()),
        kind: Some("Job".into()),
        name: m.name.clone(),
        namespace: m.namespace.clone(),
        uid: m.uid.clone(),
        resource_version: m.resource_version.clone(),
        ..Default::default()
    }
}

/// `getJobFromTemplate2`: the template's labels and annotations, the scheduled-time
/// annotation, the CronJob as controller, the template's spec.
fn job_from_template(owner: &Object, cj: &CronJob, name: &str, scheduled: i64) -> Job {
    let tm = cj.spec.job_template.metadata.clone().unwrap_or_default();
    let mut annotations = tm.annotations.unwrap_or_default();
    annotations.insert(SCHEDULED_TIMESTAMP.into(), rfc3339(from_unix_secs(scheduled)));
    Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: cj.metadata.namespace.clone(),
            labels: tm.labels,
            annotations: Some(annotations),
            owner_references: Some(vec![controller_ref(owner)]),
            ..Default::default()
        },
        spec: cj.spec.job_template.spec.clone(),
        status: None,
    }
}

/// Deletes a Job (background propagation) and drops it from the active list.
fn delete_job(ctx: &mut Ctx<'_, '_>, owner: &Object, cj: &mut CronJob, key: &ObjectRef, uid: &str) -> bool {
    match ctx.api.delete(key, Propagation::Background, &ctx.by, ctx.cause) {
        Ok(_) | Err(ApiError::NotFound { .. }) => {
            remove_active(cj, uid);
            let msg = format!("Deleted job {}", key.name);
            events::record(ctx.api, owner, EventType::Normal, "SuccessfulDelete", &msg, &ctx.by, None, ctx.cause);
            true
        }
        Err(e) => {
            warn(ctx, owner, "FailedDelete", &format!("Deleted job: {}", e.message()));
            false
        }
    }
}

/// `cleanupFinishedJobs`: keep the newest successfulJobsHistoryLimit complete and
/// failedJobsHistoryLimit failed Jobs (by start time, unstarted last, then name).
fn cleanup_finished(ctx: &mut Ctx<'_, '_>, owner: &Object, cj: &mut CronJob, jobs: &[&Job]) {
    for (cond, limit) in [("Complete", cj.spec.successful_jobs_history_limit), ("Failed", cj.spec.failed_jobs_history_limit)] {
        let Some(limit) = limit else { continue };
        let mut done: Vec<&Job> = jobs.iter().copied().filter(|j| finished(j) == Some(cond) && j.metadata.deletion_timestamp.is_none()).collect();
        let excess = done.len().saturating_sub(limit.max(0) as usize);
        if excess == 0 {
            continue;
        }
        let start = |j: &Job| j.status.as_ref().and_then(|s| s.start_time.as_ref()).map(|t| t.0);
        done.sort_by(|a, b| match (start(a), start(b)) {
            (Some(x), Some(y)) if x != y => x.cmp(&y),
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => a.metadata.name.cmp(&b.metadata.name),
        });
        for j in done.into_iter().take(excess) {
            let key = ObjectRef::new(Kind::Job, j.metadata.namespace.as_deref(), j.metadata.name.as_deref().unwrap_or(""));
            delete_job(ctx, owner, cj, &key, j.metadata.uid.as_deref().unwrap_or(""));
        }
    }
}

/// Go's `time.RFC1123Z` in UTC: `Mon, 01 Jan 2024 00:01:00 +0000`.
fn rfc1123z(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = unix.div_euclid(86_400);
    let rem = unix.rem_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(days);
    let wd = DAYS[days.rem_euclid(7) as usize];
    let mon = MONTHS[(m as usize).saturating_sub(1).min(11)];
    format!("{wd}, {d:02} {mon} {y:04} {:02}:{:02}:{:02} +0000", rem / 3600, (rem % 3600) / 60, rem % 60)
}
