//! The three ways a sync moves replica sets: a rolling update (`rolloutRolling`), Recreate
//! (`rolloutRecreate`) and a plain scale (`sync`: proportional scaling, also while paused);
//! then history cleanup (`cleanupDeployment`).

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::sim::events::{self, EventType};
use crate::store::ObjectRef;

use super::super::owner::controlled_by;
use super::super::{Ctx, Requeue};
use super::replicasets::{as_object, create_new, CreateFailed};
use super::shared_rs::SharedRs;
use super::status;
use super::util::{
    max_surge, max_unavailable, new_rs_new_replicas, plan_old_scale_down, plan_proportional, replicas, revision, rs_available, rs_replicas,
    rs_status_replicas, set_replicas_annotations, desired_annotation, created_key,
};

/// `scaleReplicaSet`: the new size and the replica annotations; an event when the size moved.
fn scale_replica_set(ctx: &mut Ctx<'_, '_>, d: &Deployment, rs: &mut SharedRs, to: i32, op: &str) -> bool {
    let from = rs_replicas(rs);
    let size_changed = from != to;
    let mut updated = rs.to_owned_rs();
    let annotations_changed = set_replicas_annotations(&mut updated, replicas(d), replicas(d) + max_surge(d));
    if !size_changed && !annotations_changed {
        return false;
    }
    updated.spec.replicas = Some(to);
    updated.metadata.resource_version = None;
    let Ok(written) = ctx.api.update(updated.into(), &ctx.by, ctx.cause) else { return false };
    if let Some(w) = SharedRs::new(written) {
        *rs = w;
    }
    if size_changed {
        let name = rs.metadata.name.as_deref().unwrap_or("");
        let msg = format!("Scaled {op} replica set {name} from {from} to {to}");
        events::record(ctx.api, &as_object(d), EventType::Normal, "ScalingReplicaSet", &msg, &ctx.by, None, ctx.cause);
    }
    size_changed
}

/// `scaleReplicaSetAndRecordEvent`: nothing when the size is already right.
fn scale_to(ctx: &mut Ctx<'_, '_>, d: &Deployment, rs: &mut SharedRs, to: i32) -> bool {
    let from = rs_replicas(rs);
    if from == to {
        return false;
    }
    let op = if from < to { "up" } else { "down" };
    scale_replica_set(ctx, d, rs, to, op)
}

fn all_of<'a>(olds: &'a [SharedRs], new: Option<&'a SharedRs>) -> Vec<&'a ReplicaSet> {
    olds.iter().chain(new).map(|rs| &**rs).collect()
}

/// `syncRolloutStatus`: writes the status into the working copy; when to check the deadline.
fn rollout_status(ctx: &Ctx<'_, '_>, d: &mut Deployment, olds: &[SharedRs], new: Option<&SharedRs>) -> Requeue {
    let (s, recheck) = status::rollout_status(d, &all_of(olds, new), new.map(|rs| &**rs), ctx.api.now);
    d.status = Some(s);
    recheck.map_or(Requeue::Done, Requeue::After)
}

/// `syncDeploymentStatus`: counts and Available only.
pub(super) fn plain_status(ctx: &Ctx<'_, '_>, d: &mut Deployment, olds: &[SharedRs], new: Option<&SharedRs>) {
    d.status = Some(status::calculate(d, &all_of(olds, new), new.map(|rs| &**rs), ctx.api.now));
}

fn ensure_new(ctx: &mut Ctx<'_, '_>, d: &mut Deployment, new: Option<SharedRs>, olds: &[SharedRs]) -> Result<SharedRs, Requeue> {
    match new {
        Some(rs) => Ok(rs),
        None => create_new(ctx, d, olds).map_err(|e| match e {
            CreateFailed::Collision => Requeue::After(crate::time::SimDuration::from_millis(5)),
            CreateFailed::Refused => Requeue::After(crate::time::SimDuration::from_secs(5)),
        }),
    }
}

/// `rolloutRolling`: grow the new replica set within maxSurge, else shrink the old ones within
/// maxUnavailable, else (when complete) clean up history.
pub(super) fn rolling(ctx: &mut Ctx<'_, '_>, d: &mut Deployment, new: Option<SharedRs>, mut olds: Vec<SharedRs>) -> Requeue {
    let mut new = match ensure_new(ctx, d, new, &olds) {
        Ok(rs) => rs,
        Err(r) => return r,
    };
    // reconcileNewReplicaSet
    let r = replicas(d);
    let target = if rs_replicas(&new) > r {
        r
    } else {
        let all = all_of(&olds, Some(&new));
        new_rs_new_replicas(d, &all, &new)
    };
    if rs_replicas(&new) != r && scale_to(ctx, d, &mut new, target) {
        return rollout_status(ctx, d, &olds, Some(&new));
    }
    // reconcileOldReplicaSets
    let counts: Vec<(i32, i32)> = olds.iter().map(|rs| (rs_replicas(rs), rs_available(rs))).collect();
    let plan = plan_old_scale_down(r, max_unavailable(d), (rs_replicas(&new), rs_available(&new)), &counts);
    let mut scaled_down = false;
    for (i, _, to) in plan {
        if let Some(rs) = olds.get_mut(i) {
            scaled_down |= scale_to(ctx, d, rs, to);
        }
    }
    if scaled_down {
        return rollout_status(ctx, d, &olds, Some(&new));
    }
    if d.status.as_ref().is_some_and(|s| status::complete(d, s)) {
        cleanup(ctx, d, &olds);
    }
    rollout_status(ctx, d, &olds, Some(&new))
}

/// Whether pods of the old replica sets still run (`oldPodsRunning`).
fn old_pods_running(ctx: &Ctx<'_, '_>, d: &Deployment, olds: &[SharedRs]) -> bool {
    if olds.iter().map(|rs| rs_status_replicas(rs)).sum::<i32>() > 0 {
        return true;
    }
    let uids: Vec<&str> = olds.iter().filter_map(|rs| rs.metadata.uid.as_deref()).collect();
    let store = &ctx.api.store;
    let ns = d.metadata.namespace.as_deref();
    let mut pods = olds
        .iter()
        .filter_map(|rs| rs.metadata.name.as_deref())
        .flat_map(|name| store.dependents_with_objects("ReplicaSet", name))
        .filter(|(k, _)| k.kind == Kind::Pod && k.namespace.as_deref() == ns)
        .map(|(_, o)| o);
    pods.any(|o| match o.as_ref() {
        Object::Pod(p) => {
            let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
            !matches!(phase, Some("Failed") | Some("Succeeded")) && uids.iter().any(|u| controlled_by(&p.metadata, u))
        }
        _ => false,
    })
}

/// `rolloutRecreate`: old replica sets to zero, wait until their pods are gone, then the new
/// replica set at full size.
pub(super) fn recreate(ctx: &mut Ctx<'_, '_>, d: &mut Deployment, new: Option<SharedRs>, mut olds: Vec<SharedRs>) -> Requeue {
    let mut scaled_down = false;
    for rs in olds.iter_mut().filter(|rs| rs_replicas(rs) > 0) {
        scaled_down |= scale_to(ctx, d, rs, 0);
    }
    if scaled_down || old_pods_running(ctx, d, &olds) {
        return rollout_status(ctx, d, &olds, new.as_ref());
    }
    let mut new = match ensure_new(ctx, d, new, &olds) {
        Ok(rs) => rs,
        Err(r) => return r,
    };
    let r = replicas(d);
    scale_to(ctx, d, &mut new, r);
    if d.status.as_ref().is_some_and(|s| status::complete(d, s)) {
        cleanup(ctx, d, &olds);
    }
    rollout_status(ctx, d, &olds, Some(&new))
}

/// `isScalingEvent`: an active replica set's desired-replicas annotation differs from
/// spec.replicas.
pub(super) fn is_scaling_event(d: &Deployment, new: Option<&SharedRs>, olds: &[SharedRs]) -> bool {
    all_of(olds, new).into_iter().filter(|rs| rs_replicas(rs) > 0).any(|rs| desired_annotation(rs).is_some_and(|v| v != replicas(d)))
}

/// `sync`: scale (proportionally during a rolling update), clean up while paused, and write
/// the plain status.
pub(super) fn scale_sync(ctx: &mut Ctx<'_, '_>, d: &mut Deployment, mut new: Option<SharedRs>, mut olds: Vec<SharedRs>) -> Requeue {
    scale(ctx, d, &mut new, &mut olds);
    if d.spec.paused.unwrap_or(false) {
        cleanup(ctx, d, &olds);
    }
    plain_status(ctx, d, &olds, new.as_ref());
    Requeue::Done
}

fn scale(ctx: &mut Ctx<'_, '_>, d: &Deployment, new: &mut Option<SharedRs>, olds: &mut [SharedRs]) {
    let r = replicas(d);
    // One active replica set (or none: the newest) takes the whole count.
    let active = olds.iter().filter(|rs| rs_replicas(rs) > 0).count() + new.iter().filter(|rs| rs_replicas(rs) > 0).count();
    if (new.is_some() || !olds.is_empty()) && active <= 1 {
        let target: Option<&mut SharedRs> = if active == 0 {
            match new.as_mut() {
                Some(rs) => Some(rs),
                None => olds.iter_mut().max_by(|a, b| created_key(a).cmp(&created_key(b))),
            }
        } else {
            new.as_mut().filter(|rs| rs_replicas(rs) > 0).or_else(|| olds.iter_mut().find(|rs| rs_replicas(rs) > 0))
        };
        if let Some(rs) = target {
            if rs_replicas(rs) != r {
                scale_to(ctx, d, rs, r);
            }
        }
        return;
    }
    // A saturated new replica set: the old ones go to zero.
    let saturated = new.as_ref().is_some_and(|rs| rs_replicas(rs) == r && desired_annotation(rs) == Some(r) && rs_available(rs) == r);
    if saturated {
        for rs in olds.iter_mut().filter(|rs| rs_replicas(rs) > 0) {
            scale_to(ctx, d, rs, 0);
        }
        return;
    }
    if !super::util::is_rolling(d) {
        return;
    }
    let mut refs: Vec<&mut SharedRs> = olds.iter_mut().chain(new.as_mut()).filter(|rs| rs_replicas(rs) > 0).collect();
    let plan = {
        let view: Vec<&ReplicaSet> = refs.iter().map(|r| &***r).collect();
        plan_proportional(d, &view)
    };
    let total: i32 = refs.iter().map(|rs| rs_replicas(rs)).sum();
    let allowed = if r > 0 { r + max_surge(d) } else { 0 };
    let op = match (allowed - total).signum() {
        1 => "up",
        -1 => "down",
        _ => "",
    };
    for (i, size) in plan {
        if let Some(rs) = refs.get_mut(i) {
            scale_replica_set(ctx, d, rs, size, op);
        }
    }
}

/// `cleanupDeployment`: beyond revisionHistoryLimit, delete the old replica sets with the lowest
/// revisions, skipping any that still has replicas or an unobserved generation.
pub(super) fn cleanup(ctx: &mut Ctx<'_, '_>, d: &Deployment, olds: &[SharedRs]) {
    let Some(limit) = d.spec.revision_history_limit.filter(|l| *l != i32::MAX) else { return };
    let mut cleanable: Vec<&ReplicaSet> = olds.iter().filter(|rs| rs.metadata.deletion_timestamp.is_none()).map(|rs| &**rs).collect();
    let diff = cleanable.len() as i64 - i64::from(limit.max(0));
    if diff <= 0 {
        return;
    }
    cleanable.sort_by(|a, b| revision(a).cmp(&revision(b)).then_with(|| created_key(a).cmp(&created_key(b))));
    for rs in cleanable.into_iter().take(diff as usize) {
        let observed = rs.status.as_ref().and_then(|s| s.observed_generation).unwrap_or(0);
        if rs_status_replicas(rs) != 0 || rs_replicas(rs) != 0 || rs.metadata.generation.unwrap_or(0) > observed {
            continue;
        }
        let key = ObjectRef::new(Kind::ReplicaSet, rs.metadata.namespace.as_deref(), rs.metadata.name.as_deref().unwrap_or(""));
        let _ = ctx.api.delete(&key, Propagation::Background, &ctx.by, ctx.cause);
    }
}
