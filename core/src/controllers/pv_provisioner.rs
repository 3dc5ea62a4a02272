//! The in-cluster dynamic provisioner: Rancher's local-path-provisioner (`rancher.io/local-path`,
//! the one kind ships behind its `standard` StorageClass), built on the sig-storage
//! external-provisioner library.
//!
//! It acts on claims the persistentvolume-binder has handed to it
//! (`volume.kubernetes.io/storage-provisioner: rancher.io/local-path`): it needs the node the
//! scheduler selected (`volume.kubernetes.io/selected-node`, so its classes bind with
//! WaitForFirstConsumer; an Immediate class fails with "configuration error, no node was
//! specified"), then creates PersistentVolume `pvc-<claim uid>`: a hostPath directory
//! `/var/local-path-provisioner/pvc-<uid>_<namespace>_<claim>` on that node with node affinity
//! to it, the claim's size, access modes and volume mode, the class's reclaim policy, and a
//! `claimRef` pre-binding it to the claim (the binder completes the binding). Events:
//! `Provisioning`, `ProvisioningSucceeded` / `ProvisioningFailed`. Volumes it made that are
//! Released with reclaimPolicy Delete it deletes.
//!
//! Simplified: the provisioner's own Deployment (in `local-path-storage`) and the helper pod
//! that creates and removes the directory are not run; provisioning takes
//! [`PROVISIONING_TIME`]; events come from `local-path-provisioner` (the real source names the
//! provisioner pod and its identity).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    HostPathVolumeSource, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, ObjectReference, PersistentVolume,
    PersistentVolumeClaim, PersistentVolumeSpec, VolumeNodeAffinity,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::sim::events::{self, EventType};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::SimDuration;

use super::pv_binder::get_class;
use super::pv_matching::{self as matching, ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER};
use super::{Ctx, Requeue};

/// The provisioner name StorageClasses use.
pub const PROVISIONER: &str = "rancher.io/local-path";
/// Where volumes live on the node.
pub const BASE_PATH: &str = "/var/local-path-provisioner";
/// From the claim being handed over to the volume existing.
pub const PROVISIONING_TIME: SimDuration = SimDuration::from_secs(1);

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    if event.event_type == WatchEventType::Deleted {
        return vec![];
    }
    match event.object.as_ref() {
        Object::PersistentVolumeClaim(c) => {
            let ours = c.metadata.annotations.as_ref().and_then(|a| a.get(ANN_STORAGE_PROVISIONER)).is_some_and(|p| p == PROVISIONER);
            let unbound = c.spec.as_ref().and_then(|s| s.volume_name.as_deref()).is_none_or(str::is_empty);
            if ours && unbound { vec![event.key.clone()] } else { vec![] }
        }
        Object::PersistentVolume(v) => {
            let ours = v.metadata.annotations.as_ref().and_then(|a| a.get(ANN_PROVISIONED_BY)).is_some_and(|p| p == PROVISIONER);
            let released = v.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Released");
            let delete = v.spec.as_ref().and_then(|s| s.persistent_volume_reclaim_policy.as_deref()) == Some("Delete");
            if ours && released && delete { vec![event.key.clone()] } else { vec![] }
        }
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(obj) = ctx.api.store.get(key).cloned() else { return Requeue::Done };
    match obj.as_ref() {
        Object::PersistentVolumeClaim(c) => provision(ctx, &obj, c),
        Object::PersistentVolume(v) => {
            let released = v.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Released");
            if released && v.metadata.deletion_timestamp.is_none() {
                let by = ctx.by.clone();
                let _ = ctx.api.delete(key, Propagation::Background, &by, ctx.cause);
            }
        }
        _ => {}
    }
    Requeue::Done
}

fn provision(ctx: &mut Ctx<'_, '_>, obj: &Object, claim: &PersistentVolumeClaim) {
    let unbound = claim.spec.as_ref().and_then(|s| s.volume_name.as_deref()).is_none_or(str::is_empty);
    if !unbound || claim.metadata.deletion_timestamp.is_some() {
        return;
    }
    let class_name = matching::claim_class(claim).to_string();
    let Some(class) = get_class(ctx.api.store, &class_name).filter(|c| c.provisioner == PROVISIONER) else { return };
    let uid = claim.metadata.uid.clone().unwrap_or_default();
    let name = format!("pvc-{uid}");
    if ctx.api.store.contains(&ObjectRef::new(Kind::PersistentVolume, None, &name)) {
        return;
    }
    let ns = claim.metadata.namespace.clone().unwrap_or_else(|| "default".into());
    let claim_name = claim.metadata.name.clone().unwrap_or_default();
    let by = ctx.by.clone();
    let msg = format!("External provisioner is provisioning volume for claim \"{ns}/{claim_name}\"");
    events::record(ctx.api, obj, EventType::Normal, "Provisioning", &msg, &by, None, ctx.cause);
    let node = claim.metadata.annotations.as_ref().and_then(|a| a.get(ANN_SELECTED_NODE)).cloned();
    let Some(node) = node else {
        let msg = format!("failed to provision volume with StorageClass \"{class_name}\": configuration error, no node was specified");
        events::record(ctx.api, obj, EventType::Warning, "ProvisioningFailed", &msg, &by, None, ctx.cause);
        return;
    };
    let spec = claim.spec.clone().unwrap_or_default();
    let storage = spec.resources.as_ref().and_then(|r| r.requests.as_ref()).and_then(|r| r.get("storage")).cloned();
    let pv = PersistentVolume {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            annotations: Some(BTreeMap::from([
                ("local.path.provisioner/selected-node".to_string(), node.clone()),
                (ANN_PROVISIONED_BY.to_string(), PROVISIONER.to_string()),
            ])),
            ..Default::default()
        },
        spec: Some(PersistentVolumeSpec {
            access_modes: spec.access_modes.clone(),
            capacity: storage.map(|q| BTreeMap::from([("storage".to_string(), q)])),
            claim_ref: Some(ObjectReference {
                api_version: Some("v1".into()),
                kind: Some("PersistentVolumeClaim".into()),
                name: Some(claim_name.clone()),
                namespace: Some(ns.clone()),
                resource_version: claim.metadata.resource_version.clone(),
                uid: Some(uid.clone()),
                field_path: None,
            }),
            host_path: Some(HostPathVolumeSource {
                path: format!("{BASE_PATH}/{name}_{ns}_{claim_name}"),
                type_: Some("DirectoryOrCreate".into()),
            }),
            node_affinity: Some(VolumeNodeAffinity {
                required: Some(NodeSelector {
                    node_selector_terms: vec![NodeSelectorTerm {
                        match_expressions: Some(vec![NodeSelectorRequirement {
                            key: "kubernetes.io/hostname".into(),
                            operator: "In".into(),
                            values: Some(vec![node.clone()]),
                        }]),
                        match_fields: None,
                    }],
                }),
            }),
            persistent_volume_reclaim_policy: class.reclaim_policy.clone().or(Some("Delete".into())),
            storage_class_name: Some(class_name.clone()),
            volume_mode: spec.volume_mode.clone(),
            ..Default::default()
        }),
        status: None,
    };
    match ctx.api.create(pv.into(), &by, ctx.cause) {
        Ok(_) => {
            let msg = format!("Successfully provisioned volume {name}");
            events::record(ctx.api, obj, EventType::Normal, "ProvisioningSucceeded", &msg, &by, None, ctx.cause);
        }
        Err(e) => {
            let msg = format!("failed to provision volume with StorageClass \"{class_name}\": {}", e.message());
            events::record(ctx.api, obj, EventType::Warning, "ProvisioningFailed", &msg, &by, None, ctx.cause);
        }
    }
}
