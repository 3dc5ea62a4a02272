//! Deployment status: counts summed over the replica sets, the `Available` and `Progressing`
//! conditions (`calculateStatus`, `syncRolloutStatus`, `checkPausedConditions`) and the
//! progress deadline.

use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet};

use crate::sim::apiserver::k8s_time;
use crate::time::{from_k8s, SimDuration, SimTime};

use super::util::{max_unavailable, replicas, rs_available, rs_ready, rs_replicas, rs_status_replicas};

pub const AVAILABLE: &str = "Available";
pub const PROGRESSING: &str = "Progressing";
pub const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
pub const TIMED_OUT: &str = "ProgressDeadlineExceeded";
pub const PAUSED: &str = "DeploymentPaused";
pub const RESUMED: &str = "DeploymentResumed";

/// Go's `omitempty` on int32 status fields: zero is not written.
fn nz(v: i32) -> Option<i32> {
    (v != 0).then_some(v)
}

/// `ReplicaFailure`: pods (or a replica set's pods) could not be created or deleted.
pub const REPLICA_FAILURE: &str = "ReplicaFailure";

pub fn condition(ty: &str, status: &str, reason: &str, message: String, now: SimTime) -> DeploymentCondition {
    DeploymentCondition {
        type_: Some(ty.to_string()),
        status: Some(status.to_string()),
        reason: Some(reason.to_string()),
        message: Some(message),
        last_update_time: Some(k8s_time(now)),
        last_transition_time: Some(k8s_time(now)),
    }
}

pub fn get_condition<'a>(status: Option<&'a DeploymentStatus>, ty: &str) -> Option<&'a DeploymentCondition> {
    status?.conditions.as_ref()?.iter().find(|c| c.type_.as_deref() == Some(ty))
}

/// `SetDeploymentCondition`: same status and reason changes nothing; same status keeps the
/// transition time; the condition moves to the end of the list.
pub fn set_condition(status: &mut DeploymentStatus, mut c: DeploymentCondition) {
    let conds = status.conditions.get_or_insert_with(Vec::new);
    if let Some(cur) = conds.iter().find(|x| x.type_ == c.type_) {
        if cur.status == c.status && cur.reason == c.reason {
            return;
        }
        if cur.status == c.status {
            c.last_transition_time = cur.last_transition_time.clone();
        }
    }
    conds.retain(|x| x.type_ != c.type_);
    conds.push(c);
}

pub fn remove_condition(status: &mut DeploymentStatus, ty: &str) {
    if let Some(conds) = status.conditions.as_mut() {
        conds.retain(|x| x.type_.as_deref() != Some(ty));
    }
}

/// `HasProgressDeadline`: set and not MaxInt32.
pub fn progress_deadline(d: &Deployment) -> Option<i32> {
    d.spec.progress_deadline_seconds.filter(|s| *s != i32::MAX)
}

/// `calculateStatus`.
pub fn calculate(d: &Deployment, all: &[&ReplicaSet], new: Option<&ReplicaSet>, now: SimTime) -> DeploymentStatus {
    let available: i32 = all.iter().map(|rs| rs_available(rs)).sum();
    let total_spec: i32 = all.iter().map(|rs| rs_replicas(rs)).sum();
    let old = d.status.clone().unwrap_or_default();
    let mut status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas: nz(all.iter().map(|rs| rs_status_replicas(rs)).sum()),
        updated_replicas: nz(new.map_or(0, rs_status_replicas)),
        ready_replicas: nz(all.iter().map(|rs| rs_ready(rs)).sum()),
        available_replicas: nz(available),
        unavailable_replicas: nz((total_spec - available).max(0)),
        collision_count: old.collision_count,
        conditions: old.conditions,
        terminating_replicas: old.terminating_replicas,
    };
    let c = if available >= replicas(d) - max_unavailable(d) {
        condition(AVAILABLE, "True", "MinimumReplicasAvailable", "Deployment has minimum availability.".into(), now)
    } else {
        condition(AVAILABLE, "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.".into(), now)
    };
    set_condition(&mut status, c);
    status
}

fn n(v: Option<i32>) -> i32 {
    v.unwrap_or(0)
}

/// `DeploymentComplete`.
pub fn complete(d: &Deployment, s: &DeploymentStatus) -> bool {
    let r = replicas(d);
    n(s.updated_replicas) == r
        && n(s.replicas) == r
        && n(s.available_replicas) == r
        && s.observed_generation.unwrap_or(0) >= d.metadata.generation.unwrap_or(0)
}

/// `DeploymentProgressing`: more updated, fewer old, more ready or more available pods than
/// the recorded status.
fn progressing(d: &Deployment, s: &DeploymentStatus) -> bool {
    let old = d.status.clone().unwrap_or_default();
    let old_old = n(old.replicas) - n(old.updated_replicas);
    let new_old = n(s.replicas) - n(s.updated_replicas);
    n(s.updated_replicas) > n(old.updated_replicas)
        || new_old < old_old
        || n(s.ready_replicas) > n(old.ready_replicas)
        || n(s.available_replicas) > n(old.available_replicas)
}

/// `DeploymentTimedOut`: the Progressing condition's lastUpdateTime plus the deadline is
/// strictly before now.
fn timed_out(d: &Deployment, s: &DeploymentStatus, now: SimTime) -> bool {
    let Some(deadline) = progress_deadline(d) else { return false };
    let Some(c) = get_condition(Some(s), PROGRESSING) else { return false };
    match c.reason.as_deref() {
        Some(NEW_RS_AVAILABLE) => false,
        Some(TIMED_OUT) => true,
        _ => {
            let from = c.last_update_time.as_ref().map_or(SimTime::ZERO, from_k8s);
            from + SimDuration::from_secs(deadline.max(0) as u64) < now
        }
    }
}

/// The status `syncRolloutStatus` writes: counts, Available, and the Progressing condition.
/// Also when to look again for the progress deadline.
pub fn rollout_status(d: &Deployment, all: &[&ReplicaSet], new: Option<&ReplicaSet>, now: SimTime) -> (DeploymentStatus, Option<SimDuration>) {
    let mut s = calculate(d, all, new, now);
    let deadline = progress_deadline(d);
    if deadline.is_none() {
        remove_condition(&mut s, PROGRESSING);
    }
    let current = get_condition(d.status.as_ref(), PROGRESSING).cloned();
    let is_complete = n(s.replicas) == n(s.updated_replicas) && current.as_ref().is_some_and(|c| c.reason.as_deref() == Some(NEW_RS_AVAILABLE));
    let name = d.metadata.name.clone().unwrap_or_default();
    let subject = |what: &str| match new {
        Some(rs) => format!("ReplicaSet \"{}\" {what}", rs.metadata.name.as_deref().unwrap_or("")),
        None => format!("Deployment \"{name}\" {what}"),
    };
    // The replica sets' ReplicaFailure (the new one's first) becomes the Deployment's.
    match new.into_iter().chain(all.iter().copied()).find_map(replica_failure) {
        Some(c) => set_condition(&mut s, c),
        None => remove_condition(&mut s, REPLICA_FAILURE),
    }
    if deadline.is_some() && !is_complete {
        if complete(d, &s) {
            set_condition(&mut s, condition(PROGRESSING, "True", NEW_RS_AVAILABLE, subject("has successfully progressed."), now));
        } else if progressing(d, &s) {
            let mut c = condition(PROGRESSING, "True", "ReplicaSetUpdated", subject("is progressing."), now);
            if let Some(cur) = current.as_ref() {
                if cur.status.as_deref() == Some("True") {
                    c.last_transition_time = cur.last_transition_time.clone();
                }
                remove_condition(&mut s, PROGRESSING);
            }
            set_condition(&mut s, c);
        } else if timed_out(d, &s, now) {
            set_condition(&mut s, condition(PROGRESSING, "False", TIMED_OUT, subject("has timed out progressing."), now));
        }
    }
    (s.clone(), recheck_after(d, &s, now))
}

/// `ReplicaSetToDeploymentCondition` of a replica set's ReplicaFailure condition.
fn replica_failure(rs: &ReplicaSet) -> Option<DeploymentCondition> {
    let c = rs.status.as_ref()?.conditions.as_ref()?.iter().find(|c| c.type_.as_deref() == Some(REPLICA_FAILURE))?;
    Some(DeploymentCondition {
        type_: Some(REPLICA_FAILURE.to_string()),
        status: c.status.clone(),
        reason: c.reason.clone(),
        message: c.message.clone(),
        last_update_time: c.last_transition_time.clone(),
        last_transition_time: c.last_transition_time.clone(),
    })
}

/// `requeueStuckDeployment`: when the progress deadline would pass, if the rollout is still
/// going and has not timed out yet.
fn recheck_after(d: &Deployment, s: &DeploymentStatus, now: SimTime) -> Option<SimDuration> {
    let deadline = progress_deadline(d)?;
    let c = get_condition(Some(s), PROGRESSING)?;
    if c.reason.as_deref() == Some(TIMED_OUT) || complete(d, s) {
        return None;
    }
    let from = c.last_update_time.as_ref().map_or(SimTime::ZERO, from_k8s);
    let at = from + SimDuration::from_secs(deadline.max(0) as u64) + SimDuration::from_millis(1);
    Some(at.since(now).max(SimDuration::from_millis(1)))
}

/// `checkPausedConditions`: Progressing Unknown `DeploymentPaused` / `DeploymentResumed`,
/// unless the deadline was already reported exceeded.
pub fn check_paused(d: &mut Deployment, now: SimTime) {
    if progress_deadline(d).is_none() {
        return;
    }
    let cur = get_condition(d.status.as_ref(), PROGRESSING);
    if cur.is_some_and(|c| c.reason.as_deref() == Some(TIMED_OUT)) {
        return;
    }
    let paused_cond = cur.is_some_and(|c| c.reason.as_deref() == Some(PAUSED));
    let paused = d.spec.paused.unwrap_or(false);
    let c = if paused && !paused_cond {
        condition(PROGRESSING, "Unknown", PAUSED, "Deployment is paused".into(), now)
    } else if !paused && paused_cond {
        condition(PROGRESSING, "Unknown", RESUMED, "Deployment is resumed".into(), now)
    } else {
        return;
    };
    set_condition(d.status.get_or_insert_with(Default::default), c);
}
