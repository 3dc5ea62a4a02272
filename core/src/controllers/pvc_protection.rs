//! The persistentvolumeclaim-protection controller (pkg/controller/volume/pvcprotection):
//! removes the `kubernetes.io/pvc-protection` finalizer from a claim that is being deleted once
//! no pod uses it, so that until then the claim stays (kubectl shows it `Terminating`) and the
//! data under a running pod is not taken away. A claim that is not being deleted and lacks the
//! finalizer gets it (claims made before the admission plugin added it).
//!
//! A pod uses a claim when it is scheduled (`spec.nodeName` set; the kubelet refuses to start a
//! pod whose claim is being deleted, so an unscheduled pod does not count) and names the claim
//! in a `persistentVolumeClaim` volume, whatever its phase: the pod object has to go. A generic
//! ephemeral volume's claim (`<pod>-<volume>`, controlled by the pod) counts until the pod is
//! shut down (deletionTimestamp with a zero grace period). Pod events look at the claims of
//! pods that are deleted, terminated or unscheduled, as the real event handler does.
//!
//! Simplified: no live list of pods next to the informer cache (the store is the one truth);
//! no rate-limited retries (a refused update waits for the next event).

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::admission::storage_protection::PVC_PROTECTION_FINALIZER;
use crate::api::{Kind, Object};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};

use super::{owner, Ctx, Requeue};

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.event_type, event.object.as_ref()) {
        (WatchEventType::Added | WatchEventType::Modified, Object::PersistentVolumeClaim(pvc)) => {
            let meta = &pvc.metadata;
            if needs_finalizer(meta, PVC_PROTECTION_FINALIZER) || is_deletion_candidate(meta, PVC_PROTECTION_FINALIZER) {
                vec![event.key.clone()]
            } else {
                vec![]
            }
        }
        (event_type, Object::Pod(pod)) => {
            let terminated = pod.status.as_ref().and_then(|s| s.phase.as_deref()).is_some_and(|p| p == "Succeeded" || p == "Failed");
            let deleted = event_type == WatchEventType::Deleted;
            if !deleted && !terminated && is_scheduled(pod) {
                return vec![];
            }
            claim_names(pod).into_iter().map(|name| ObjectRef::new(Kind::PersistentVolumeClaim, event.key.namespace.as_deref(), &name)).collect()
        }
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(Object::PersistentVolumeClaim(pvc)) = ctx.api.store.get(key).map(|o| o.as_ref()) else { return Requeue::Done };
    let mut pvc: PersistentVolumeClaim = (**pvc).clone();
    if is_deletion_candidate(&pvc.metadata, PVC_PROTECTION_FINALIZER) {
        if in_use(ctx, &pvc) {
            return Requeue::Done;
        }
        pvc.metadata.finalizers.get_or_insert_with(Vec::new).retain(|f| f != PVC_PROTECTION_FINALIZER);
    } else if needs_finalizer(&pvc.metadata, PVC_PROTECTION_FINALIZER) {
        pvc.metadata.finalizers.get_or_insert_with(Vec::new).push(PVC_PROTECTION_FINALIZER.to_string());
    } else {
        return Requeue::Done;
    }
    pvc.metadata.resource_version = None;
    let _ = ctx.api.update(pvc.into(), &ctx.by, ctx.cause);
    Requeue::Done
}

/// protectionutil.IsDeletionCandidate: being deleted and still carrying `finalizer`.
pub(super) fn is_deletion_candidate(meta: &ObjectMeta, finalizer: &str) -> bool {
    meta.deletion_timestamp.is_some() && has_finalizer(meta, finalizer)
}

/// protectionutil.NeedToAddFinalizer: not being deleted and missing `finalizer`.
pub(super) fn needs_finalizer(meta: &ObjectMeta, finalizer: &str) -> bool {
    meta.deletion_timestamp.is_none() && !has_finalizer(meta, finalizer)
}

fn has_finalizer(meta: &ObjectMeta, finalizer: &str) -> bool {
    meta.finalizers.as_ref().is_some_and(|f| f.iter().any(|x| x == finalizer))
}

fn is_scheduled(pod: &Pod) -> bool {
    pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_some_and(|n| !n.is_empty())
}

/// The claims a pod's volumes name: `persistentVolumeClaim.claimName`, and `<pod>-<volume>` for
/// generic ephemeral volumes.
fn claim_names(pod: &Pod) -> Vec<String> {
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    let volumes = pod.spec.as_ref().and_then(|s| s.volumes.as_ref());
    volumes
        .into_iter()
        .flatten()
        .filter_map(|v| match (&v.persistent_volume_claim, &v.ephemeral) {
            (Some(c), _) => Some(c.claim_name.clone()),
            (None, Some(_)) => Some(format!("{pod_name}-{}", v.name)),
            (None, None) => None,
        })
        .collect()
}

/// `podIsShutDown`: the kubelet is done with the pod (or it was force-deleted).
fn is_shut_down(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some() && pod.metadata.deletion_grace_period_seconds == Some(0)
}

/// `podUsesPVC`.
pub fn pod_uses_claim(pod: &Pod, pvc: &PersistentVolumeClaim) -> bool {
    if !is_scheduled(pod) {
        return false;
    }
    let claim = pvc.metadata.name.as_deref().unwrap_or("");
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    let ephemeral_for_pod = || pod.metadata.uid.as_deref().is_some_and(|uid| owner::controlled_by(&pvc.metadata, uid));
    let volumes = pod.spec.as_ref().and_then(|s| s.volumes.as_ref());
    volumes.into_iter().flatten().any(|v| match (&v.persistent_volume_claim, &v.ephemeral) {
        (Some(c), _) => c.claim_name == claim,
        (None, Some(_)) => !is_shut_down(pod) && format!("{pod_name}-{}", v.name) == claim && ephemeral_for_pod(),
        (None, None) => false,
    })
}

fn in_use(ctx: &Ctx<'_, '_>, pvc: &PersistentVolumeClaim) -> bool {
    ctx.api.store.list(Kind::Pod, pvc.metadata.namespace.as_deref()).any(|o| match o.as_ref() {
        Object::Pod(pod) => pod_uses_claim(pod, pvc),
        _ => false,
    })
}

#[cfg(test)]
#[path = "pvc_protection_tests.rs"]
mod tests;
