//! The pod garbage collector's orphan sweep: pods bound to a node that no longer exists are
//! deleted outright (no grace period: no kubelet is left to run one). The real collector
//! sweeps every 20 s and waits until a node has been missing for a 40 s quarantine; here the
//! sweep for a deleted node runs once, 40 s after the deletion.

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::SimDuration;

use super::{Ctx, Requeue};

/// The quarantine before a missing node's pods are collected.
pub const QUARANTINE: SimDuration = SimDuration::from_secs(40);

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type) {
        (Kind::Node, WatchEventType::Deleted) => vec![event.key.clone()],
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    if ctx.api.store.contains(key) {
        return Requeue::Done;
    }
    let orphans: Vec<ObjectRef> = ctx
        .api
        .store
        .list(Kind::Pod, None)
        .filter(|o| match o.as_ref() {
            Object::Pod(p) => p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(key.name.as_str()),
            _ => false,
        })
        .map(|o| ObjectRef::of(o))
        .collect();
    for pod in orphans {
        let by = ctx.by.clone();
        let _ = ctx.api.delete_with_grace(&pod, Propagation::Background, Some(0), &by, ctx.cause);
    }
    Requeue::Done
}
