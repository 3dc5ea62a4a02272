//! The persistentvolume-binder (kube-controller-manager's PersistentVolumeController,
//! pkg/controller/volume/persistentvolume/pv_controller.go): binds claims to volumes and keeps
//! both phases.
//!
//! A pending claim binds to the volume [`pv_matching::find_best_match`] picks: the volume gets
//! `claimRef` (and `pv.kubernetes.io/bound-by-controller` when the controller chose it) and
//! phase Bound; the claim gets `volumeName`, `pv.kubernetes.io/bind-completed`,
//! `bound-by-controller` when the controller chose the volume, phase Bound and the volume's
//! capacity and access modes. With no match the claim stays Pending and the controller says
//! why: `FailedBinding` (no class), `WaitForFirstConsumer` (a delayed class before the
//! scheduler picked a node), `ProvisioningFailed` (unknown class) or `ExternalProvisioning`
//! (the class's provisioner is asked through `volume.kubernetes.io/storage-provisioner`).
//! A claim created with no class gets the default class once one exists (retroactive default
//! StorageClass assignment). The volume side (phases, Released, reclaim) is in `pv_volume.rs`.
//!
//! Simplified: the real controller also resyncs every 15 s; here a new Available volume or
//! StorageClass makes the pending claims look again at once.
//!
//! Claims and volumes carry the `kubernetes.io/pvc-protection` / `kubernetes.io/pv-protection`
//! finalizers (added by the StorageObjectInUseProtection admission plugin,
//! `crate::admission::storage_protection`); a claim being deleted stays until no scheduled pod
//! names it (`pvc_protection.rs`), a volume being deleted until it is no longer Bound
//! (`pv_protection.rs`). The binder leaves claims being deleted alone.

use k8s_openapi::api::core::v1::{ObjectReference, PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;

use crate::api::{Kind, Object};
use crate::kubectl::printers::cluster::is_default_class;
use crate::sim::events::{self, EventType};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};

use super::pv_matching::{self as matching, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE};
use super::pv_volume::{set_volume_phase, sync_volume};
use super::{Ctx, Requeue};

pub const NO_CLASS_MESSAGE: &str = "no persistent volumes available for this claim and no storage class is set";
pub const WAIT_FOR_CONSUMER_MESSAGE: &str = "waiting for first consumer to be created before binding";

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type, event.object.as_ref()) {
        (Kind::PersistentVolumeClaim, WatchEventType::Deleted, Object::PersistentVolumeClaim(pvc)) => {
            let volume = pvc.spec.as_ref().and_then(|s| s.volume_name.as_deref()).filter(|v| !v.is_empty());
            volume.map(|v| vec![ObjectRef::new(Kind::PersistentVolume, None, v)]).unwrap_or_default()
        }
        (Kind::PersistentVolumeClaim | Kind::PersistentVolume | Kind::StorageClass, WatchEventType::Added | WatchEventType::Modified, _) => {
            vec![event.key.clone()]
        }
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    match key.kind {
        Kind::PersistentVolumeClaim => sync_claim(ctx, key),
        Kind::PersistentVolume => {
            sync_volume(ctx, key);
            retry_pending(ctx, Some(key));
        }
        Kind::StorageClass => retry_pending(ctx, None),
        _ => {}
    }
    Requeue::Done
}

pub(super) fn get_claim(ctx: &Ctx<'_, '_>, key: &ObjectRef) -> Option<PersistentVolumeClaim> {
    match ctx.api.store.get(key)?.as_ref() {
        Object::PersistentVolumeClaim(c) => Some((**c).clone()),
        _ => None,
    }
}

pub(super) fn get_volume(ctx: &Ctx<'_, '_>, name: &str) -> Option<PersistentVolume> {
    match ctx.api.store.get(&ObjectRef::new(Kind::PersistentVolume, None, name))?.as_ref() {
        Object::PersistentVolume(v) => Some((**v).clone()),
        _ => None,
    }
}

pub(crate) fn get_class(store: &crate::store::Store, name: &str) -> Option<StorageClass> {
    match store.get(&ObjectRef::new(Kind::StorageClass, None, name))?.as_ref() {
        Object::StorageClass(c) => Some((**c).clone()),
        _ => None,
    }
}

/// The class the DefaultStorageClass admission plugin (and the retroactive assignment) uses:
/// of the classes marked default, the newest (ties: the first by name).
pub fn default_class(store: &crate::store::Store) -> Option<String> {
    let mut best: Option<(&str, String)> = None;
    for o in store.list(Kind::StorageClass, None) {
        let Object::StorageClass(sc) = o.as_ref() else { continue };
        if !is_default_class(&sc.metadata) || sc.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let created = sc.metadata.creation_timestamp.as_ref().map(|t| t.0.to_string()).unwrap_or_default();
        if best.as_ref().is_none_or(|(_, b)| created > *b) {
            best = Some((sc.metadata.name.as_deref().unwrap_or(""), created));
        }
    }
    best.map(|(n, _)| n.to_string())
}

fn is_pending_unbound(pvc: &PersistentVolumeClaim) -> bool {
    pvc.metadata.deletion_timestamp.is_none() && pvc.spec.as_ref().and_then(|s| s.volume_name.as_deref()).is_none_or(str::is_empty)
}

/// Pending claims look again after a volume became Available (only those it fits) or a
/// StorageClass appeared or changed (all of them).
fn retry_pending(ctx: &mut Ctx<'_, '_>, volume: Option<&ObjectRef>) {
    let pv = match volume {
        Some(k) => match get_volume(ctx, &k.name) {
            Some(pv) if pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Available") => Some(pv),
            _ => return,
        },
        None => None,
    };
    let claims: Vec<ObjectRef> = ctx
        .api
        .store
        .list(Kind::PersistentVolumeClaim, None)
        .filter(|o| match o.as_ref() {
            Object::PersistentVolumeClaim(c) => {
                is_pending_unbound(c) && pv.as_ref().is_none_or(|pv| matching::find_best_match(c, [pv], None).is_some())
            }
            _ => false,
        })
        .map(|o| ObjectRef::of(o))
        .collect();
    for claim in claims {
        sync_claim(ctx, &claim);
    }
}

pub(super) fn sync_claim(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) {
    let Some(claim) = get_claim(ctx, key) else { return };
    if claim.metadata.deletion_timestamp.is_some() {
        return;
    }
    match claim.spec.as_ref().and_then(|s| s.volume_name.clone()).filter(|v| !v.is_empty()) {
        None => sync_unbound_claim(ctx, claim),
        Some(volume) => sync_bound_claim(ctx, claim, &volume),
    }
}

fn sync_unbound_claim(ctx: &mut Ctx<'_, '_>, mut claim: PersistentVolumeClaim) {
    let has_beta = claim.metadata.annotations.as_ref().is_some_and(|a| a.contains_key("volume.beta.kubernetes.io/storage-class"));
    let spec = claim.spec.get_or_insert_with(Default::default);
    if spec.storage_class_name.is_none() && !has_beta {
        if let Some(class) = default_class(ctx.api.store) {
            spec.storage_class_name = Some(class);
            claim.metadata.resource_version = None;
            let _ = ctx.api.update(claim.into(), &ctx.by, ctx.cause);
            return;
        }
    }
    let class_name = matching::claim_class(&claim).to_string();
    let class = (!class_name.is_empty()).then(|| get_class(ctx.api.store, &class_name)).flatten();
    let delayed = class.as_ref().is_some_and(|c| c.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"));
    let selected = claim.metadata.annotations.as_ref().and_then(|a| a.get(ANN_SELECTED_NODE)).cloned();
    let node_obj = selected.as_deref().and_then(|n| ctx.api.store.get(&ObjectRef::new(Kind::Node, None, n)).cloned());
    let node = match (delayed, &selected) {
        (true, Some(name)) => Some(matching::Node { name, labels: node_obj.as_ref().and_then(|n| n.metadata().labels.as_ref()) }),
        _ => None,
    };
    if !(delayed && selected.is_none()) {
        let volumes: Vec<std::sync::Arc<Object>> = ctx.api.store.list(Kind::PersistentVolume, None).cloned().collect();
        let pvs = volumes.iter().filter_map(|o| match o.as_ref() {
            Object::PersistentVolume(v) => Some(v.as_ref()),
            _ => None,
        });
        if let Some(pv) = matching::find_best_match(&claim, pvs, node.as_ref()) {
            let pv = pv.clone();
            bind(ctx, pv, claim);
            return;
        }
    }
    let involved: Object = claim.clone().into();
    match (&class, delayed && selected.is_none()) {
        (_, true) => record(ctx, &involved, EventType::Normal, "WaitForFirstConsumer", WAIT_FOR_CONSUMER_MESSAGE),
        _ if class_name.is_empty() => record(ctx, &involved, EventType::Normal, "FailedBinding", NO_CLASS_MESSAGE),
        (None, _) => {
            let msg = format!("storageclass.storage.k8s.io \"{class_name}\" not found");
            record(ctx, &involved, EventType::Warning, "ProvisioningFailed", &msg);
        }
        (Some(class), _) => provision_external(ctx, claim, &class.provisioner),
    }
}

/// `provisionClaimOperationExternal`: name the provisioner on the claim and wait for it.
fn provision_external(ctx: &mut Ctx<'_, '_>, mut claim: PersistentVolumeClaim, provisioner: &str) {
    let annotations = claim.metadata.annotations.get_or_insert_with(Default::default);
    let mut changed = false;
    for key in [matching::ANN_BETA_STORAGE_PROVISIONER, matching::ANN_STORAGE_PROVISIONER] {
        if annotations.get(key).map(String::as_str) != Some(provisioner) {
            annotations.insert(key.to_string(), provisioner.to_string());
            changed = true;
        }
    }
    let written: Object = if changed {
        claim.metadata.resource_version = None;
        match ctx.api.update(claim.into(), &ctx.by, ctx.cause) {
            Ok(w) => (*w).clone(),
            Err(_) => return,
        }
    } else {
        claim.into()
    };
    let msg = format!(
        "Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
    );
    record(ctx, &written, EventType::Normal, "ExternalProvisioning", &msg);
}

fn sync_bound_claim(ctx: &mut Ctx<'_, '_>, claim: PersistentVolumeClaim, volume: &str) {
    let Some(pv) = get_volume(ctx, volume) else {
        if claim_phase(&claim) != Some("Lost") {
            let mut lost = claim.clone();
            lost.status.get_or_insert_with(Default::default).phase = Some("Lost".into());
            lost.metadata.resource_version = None;
            if let Ok(w) = ctx.api.update(lost.into(), &ctx.by, ctx.cause) {
                let msg = "Bound claim has lost its PersistentVolume. Data on the volume is lost!";
                record(ctx, &w, EventType::Warning, "ClaimLost", msg);
            }
        }
        return;
    };
    let claimed = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()).is_some();
    if !claimed || matching::claim_ref_names(&pv, &claim) {
        bind(ctx, pv, claim);
    } else {
        let msg = "Two claims are bound to the same volume, this one is bound incorrectly";
        record(ctx, &claim.into(), EventType::Warning, "ClaimMisbound", msg);
    }
}

fn claim_phase(c: &PersistentVolumeClaim) -> Option<&str> {
    c.status.as_ref().and_then(|s| s.phase.as_deref())
}

/// `bind`: the volume to the claim, then the claim to the volume; each written only if it
/// changes.
fn bind(ctx: &mut Ctx<'_, '_>, pv: PersistentVolume, claim: PersistentVolumeClaim) {
    let pv_name = pv.metadata.name.clone().unwrap_or_default();
    let mut new_pv = pv.clone();
    let spec = new_pv.spec.get_or_insert_with(Default::default);
    if spec.claim_ref.is_none() {
        new_pv.metadata.annotations.get_or_insert_with(Default::default).insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
    }
    let spec = new_pv.spec.get_or_insert_with(Default::default);
    spec.claim_ref = Some(ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("PersistentVolumeClaim".into()),
        name: claim.metadata.name.clone(),
        namespace: claim.metadata.namespace.clone(),
        uid: claim.metadata.uid.clone(),
        resource_version: claim.metadata.resource_version.clone(),
        field_path: None,
    });
    // An existing claimRef keeps its resourceVersion; only a new one takes the claim's.
    if let Some(old) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) {
        if let Some(r) = spec.claim_ref.as_mut() {
            r.resource_version = old.resource_version.clone();
            r.uid = r.uid.clone().or(old.uid.clone());
        }
    }
    set_volume_phase(&mut new_pv, "Bound", ctx.api.now);
    if new_pv != pv {
        new_pv.metadata.resource_version = None;
        if ctx.api.update(new_pv.clone().into(), &ctx.by, ctx.cause).is_err() {
            return;
        }
    }
    let mut new_claim = claim.clone();
    let annotations = new_claim.metadata.annotations.get_or_insert_with(Default::default);
    let chose = claim.spec.as_ref().and_then(|s| s.volume_name.as_deref()).is_none_or(str::is_empty);
    if chose {
        annotations.insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
    }
    annotations.insert(ANN_BIND_COMPLETED.into(), "yes".into());
    new_claim.spec.get_or_insert_with(Default::default).volume_name = Some(pv_name);
    let pv_spec = new_pv.spec.clone().unwrap_or_default();
    let status = new_claim.status.get_or_insert_with(Default::default);
    status.phase = Some("Bound".into());
    status.access_modes = pv_spec.access_modes.clone();
    status.capacity = pv_spec.capacity.clone();
    if new_claim != claim {
        new_claim.metadata.resource_version = None;
        let _ = ctx.api.update(new_claim.into(), &ctx.by, ctx.cause);
    }
}

fn record(ctx: &mut Ctx<'_, '_>, involved: &Object, t: EventType, reason: &str, message: &str) {
    let by = ctx.by.clone();
    events::record(ctx.api, involved, t, reason, message, &by, None, ctx.cause);
}

#[cfg(test)]
#[path = "pv_binder_tests.rs"]
mod tests;
