//! The DefaultStorageClass admission plugin (plugin/pkg/admission/storage/storageclass/setdefault):
//! a PersistentVolumeClaim created with no `storageClassName` (and no beta class annotation)
//! gets the cluster's default class — the StorageClass annotated
//! `storageclass.kubernetes.io/is-default-class: "true"`, the newest if several are. An
//! explicit `""` means "no class" and is left alone.

use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use crate::controllers::pv_binder::default_class;
use crate::store::Store;

pub fn admit_claim(pvc: &mut PersistentVolumeClaim, store: &Store) {
    let beta = pvc.metadata.annotations.as_ref().is_some_and(|a| a.contains_key("volume.beta.kubernetes.io/storage-class"));
    let spec = pvc.spec.get_or_insert_with(Default::default);
    if spec.storage_class_name.is_some() || beta {
        return;
    }
    if let Some(class) = default_class(store) {
        spec.storage_class_name = Some(class);
    }
}
