//! The StorageObjectInUseProtection admission plugin
//! (plugin/pkg/admission/storage/storageobjectinuseprotection): every new PersistentVolumeClaim
//! gets the finalizer `kubernetes.io/pvc-protection` and every new PersistentVolume
//! `kubernetes.io/pv-protection`, appended after any finalizers the object already names. The
//! pvc-protection and pv-protection controllers remove them once the object is being deleted
//! and no longer in use.

use crate::api::Object;

pub const PVC_PROTECTION_FINALIZER: &str = "kubernetes.io/pvc-protection";
pub const PV_PROTECTION_FINALIZER: &str = "kubernetes.io/pv-protection";

/// Adds the protection finalizer to a new claim or volume; other objects are left alone.
pub fn admit(obj: &mut Object) {
    let finalizer = match obj {
        Object::PersistentVolumeClaim(_) => PVC_PROTECTION_FINALIZER,
        Object::PersistentVolume(_) => PV_PROTECTION_FINALIZER,
        _ => return,
    };
    let finalizers = obj.metadata_mut().finalizers.get_or_insert_with(Vec::new);
    if !finalizers.iter().any(|f| f == finalizer) {
        finalizers.push(finalizer.to_string());
    }
}
