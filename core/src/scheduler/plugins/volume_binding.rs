//! VolumeBinding, the PreFilter part: every PersistentVolumeClaim the pod mounts must exist,
//! and claims of a StorageClass that binds immediately (or with no class) must already be
//! bound; otherwise the pod is unschedulable on every node before any filter runs.

use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::store::{ObjectRef, Store};

pub const ERR_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";

/// The PreFilter failure message, if any.
pub fn pre_filter(store: &Store, pod: &Pod) -> Option<String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let volumes = pod.spec.as_ref().and_then(|s| s.volumes.as_deref()).unwrap_or(&[]);
    let mut unbound_immediate = false;
    for v in volumes {
        let name = match (&v.persistent_volume_claim, &v.ephemeral) {
            (Some(c), _) => c.claim_name.clone(),
            // Generic ephemeral volumes: the claim is named <pod>-<volume>.
            (None, Some(_)) => format!("{}-{}", pod.metadata.name.as_deref().unwrap_or(""), v.name),
            _ => continue,
        };
        let key = ObjectRef::new(Kind::PersistentVolumeClaim, Some(ns), &name);
        let Some(obj) = store.get(&key) else {
            return Some(format!("persistentvolumeclaim \"{name}\" not found"));
        };
        let Object::PersistentVolumeClaim(pvc) = obj.as_ref() else { continue };
        let bound = pvc.spec.as_ref().and_then(|s| s.volume_name.as_deref()).is_some_and(|n| !n.is_empty());
        if bound {
            continue;
        }
        let class = pvc.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or("");
        let wait_for_consumer = !class.is_empty()
            && store.get(&ObjectRef::new(Kind::StorageClass, None, class)).is_some_and(|sc| match sc.as_ref() {
                Object::StorageClass(sc) => sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"),
                _ => false,
            });
        if !wait_for_consumer {
            unbound_immediate = true;
        }
    }
    unbound_immediate.then(|| ERR_UNBOUND_IMMEDIATE.to_string())
}
