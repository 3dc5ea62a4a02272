//! The namespace controller: when a namespace is marked for deletion, delete everything in it,
//! then remove the namespace itself (the real controller removes its `kubernetes` finalizer).

use crate::api::Kind;
use crate::sim::apiserver::Propagation;
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::SimDuration;

use super::{Ctx, Requeue};

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type) {
        (Kind::Namespace, WatchEventType::Modified) if event.object.metadata().deletion_timestamp.is_some() => {
            vec![event.key.clone()]
        }
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(ns) = ctx.api.store.get(key).cloned() else { return Requeue::Done };
    if ns.metadata().deletion_timestamp.is_none() {
        return Requeue::Done;
    }
    let kinds: Vec<Kind> = ctx.api.store.namespaced_kinds().collect();
    for kind in kinds {
        let keys: Vec<ObjectRef> = ctx.api.store.list(kind, Some(&key.name)).map(|o| ObjectRef::of(o)).collect();
        for k in keys {
            let _ = ctx.api.delete(&k, Propagation::Background, &ctx.by, ctx.cause);
        }
    }
    let still_there = ctx.api.store.list_all_in(&key.name).next().is_some();
    if still_there {
        // Objects with finalizers are still terminating; look again shortly.
        return Requeue::After(SimDuration::from_secs(1));
    }
    let _ = ctx.api.store.remove(key, ctx.api.now, ctx.by.clone(), ctx.cause);
    Requeue::Done
}
