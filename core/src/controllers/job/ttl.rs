//! The TTL-after-finished controller (`ttl-after-finished-controller`): a Job with
//! `ttlSecondsAfterFinished` is deleted (foreground propagation, so its pods go first) that
//! many seconds after its `Complete` or `Failed` condition turned True.

use k8s_openapi::api::batch::v1::Job;

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::{from_k8s, SimDuration, SimTime};

use super::super::{Ctx, Requeue};

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type, event.object.as_ref()) {
        (Kind::Job, WatchEventType::Added | WatchEventType::Modified, Object::Job(j)) if needs_cleanup(j) => vec![event.key.clone()],
        _ => vec![],
    }
}

fn needs_cleanup(j: &Job) -> bool {
    j.metadata.deletion_timestamp.is_none() && j.spec.as_ref().is_some_and(|s| s.ttl_seconds_after_finished.is_some()) && finish_time(j).is_some()
}

/// When the terminal condition turned True.
fn finish_time(j: &Job) -> Option<SimTime> {
    let conds = j.status.as_ref()?.conditions.as_ref()?;
    let c = conds.iter().find(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")?;
    Some(c.last_transition_time.as_ref().map_or(SimTime::ZERO, from_k8s))
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(Object::Job(j)) = ctx.api.store.get(key).map(|o| o.as_ref()) else { return Requeue::Done };
    if !needs_cleanup(j) {
        return Requeue::Done;
    }
    let ttl = j.spec.as_ref().and_then(|s| s.ttl_seconds_after_finished).unwrap_or(0).max(0) as u64;
    let Some(finished) = finish_time(j) else { return Requeue::Done };
    let expire = finished + SimDuration::from_secs(ttl);
    if ctx.api.now < expire {
        return Requeue::After(expire.since(ctx.api.now));
    }
    let _ = ctx.api.delete(key, Propagation::Foreground, &ctx.by, ctx.cause);
    Requeue::Done
}
