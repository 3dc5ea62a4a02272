//! The persistentvolume-protection controller (pkg/controller/volume/pvprotection): removes the
//! `kubernetes.io/pv-protection` finalizer from a volume that is being deleted once it is not
//! Bound, so that a volume deleted under its claim stays (`Terminating`) until the claim lets
//! go of it and the binder moves it to Released (or Failed). A volume that is not being deleted
//! and lacks the finalizer gets it.
//!
//! Simplified: no rate-limited retries (a refused update waits for the next event).

use k8s_openapi::api::core::v1::PersistentVolume;

use crate::admission::storage_protection::PV_PROTECTION_FINALIZER;
use crate::api::Object;
use crate::store::{ObjectRef, WatchEvent, WatchEventType};

use super::pvc_protection::{is_deletion_candidate, needs_finalizer};
use super::{Ctx, Requeue};

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.event_type, event.object.as_ref()) {
        (WatchEventType::Added | WatchEventType::Modified, Object::PersistentVolume(pv))
            if needs_finalizer(&pv.metadata, PV_PROTECTION_FINALIZER) || is_deletion_candidate(&pv.metadata, PV_PROTECTION_FINALIZER) =>
        {
            vec![event.key.clone()]
        }
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(Object::PersistentVolume(pv)) = ctx.api.store.get(key).map(|o| o.as_ref()) else { return Requeue::Done };
    let mut pv: PersistentVolume = (**pv).clone();
    if is_deletion_candidate(&pv.metadata, PV_PROTECTION_FINALIZER) {
        if is_bound(&pv) {
            return Requeue::Done;
        }
        pv.metadata.finalizers.get_or_insert_with(Vec::new).retain(|f| f != PV_PROTECTION_FINALIZER);
    } else if needs_finalizer(&pv.metadata, PV_PROTECTION_FINALIZER) {
        pv.metadata.finalizers.get_or_insert_with(Vec::new).push(PV_PROTECTION_FINALIZER.to_string());
    } else {
        return Requeue::Done;
    }
    pv.metadata.resource_version = None;
    let _ = ctx.api.update(pv.into(), &ctx.by, ctx.cause);
    Requeue::Done
}

/// `isBeingUsed`: the binder keeps the phase Bound while a claim holds the volume.
fn is_bound(pv: &PersistentVolume) -> bool {
    pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
}
