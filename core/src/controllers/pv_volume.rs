//! The persistentvolume-binder's volume side (`syncVolume` in pv_controller.go): a volume is
//! Available while unclaimed (or pre-bound to a claim that does not exist yet or is not bound
//! yet), Bound while its claim names it, and Released once that claim is gone. Reclaiming: a
//! volume the provisioner made with reclaimPolicy Delete is deleted by the provisioner; any
//! other Delete volume is Failed (no deleter volume plugin is simulated); Retain (and the
//! deprecated Recycle) keep it Released with its `claimRef`. A volume being deleted is still
//! synced: its phase leaving Bound is what lets the pv-protection controller finish the delete.

use k8s_openapi::api::core::v1::PersistentVolume;

use crate::api::Kind;
use crate::sim::apiserver::k8s_time;
use crate::store::ObjectRef;

use super::pv_binder::{get_claim, get_volume, sync_claim};
use super::pv_matching::{self as matching, ANN_BOUND_BY_CONTROLLER};
use super::Ctx;

fn volume_phase(v: &PersistentVolume) -> Option<&str> {
    v.status.as_ref().and_then(|s| s.phase.as_deref())
}

pub(super) fn set_volume_phase(pv: &mut PersistentVolume, phase: &str, now: crate::time::SimTime) {
    let status = pv.status.get_or_insert_with(Default::default);
    if status.phase.as_deref() != Some(phase) {
        status.phase = Some(phase.into());
        status.last_phase_transition_time = Some(k8s_time(now));
        status.message = None;
        status.reason = None;
    }
}

/// `syncVolume`: Available when unclaimed (or waiting for the claim it is pre-bound to),
/// Bound when its claim names it, Released (then reclaimed) when the claim is gone.
pub(super) fn sync_volume(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) {
    let Some(pv) = get_volume(ctx, &key.name) else { return };
    let mut new_pv = pv.clone();
    let claim_ref = pv.spec.as_ref().and_then(|s| s.claim_ref.clone());
    let mut claim_to_sync = None;
    match claim_ref {
        None => set_volume_phase(&mut new_pv, "Available", ctx.api.now),
        Some(r) => {
            let ckey = ObjectRef::new(Kind::PersistentVolumeClaim, Some(r.namespace.as_deref().unwrap_or("default")), r.name.as_deref().unwrap_or(""));
            let claim = get_claim(ctx, &ckey).filter(|c| r.uid.as_deref().is_none_or(|u| u.is_empty() || Some(u) == c.metadata.uid.as_deref()));
            let prebound_unbound = r.uid.as_deref().is_none_or(str::is_empty);
            match claim {
                None if prebound_unbound => set_volume_phase(&mut new_pv, "Available", ctx.api.now),
                None => release(&mut new_pv, ctx.api.now),
                Some(c) => {
                    let bound_to = c.spec.as_ref().and_then(|s| s.volume_name.as_deref()).unwrap_or("");
                    if bound_to == key.name {
                        set_volume_phase(&mut new_pv, "Bound", ctx.api.now);
                    } else if bound_to.is_empty() {
                        set_volume_phase(&mut new_pv, "Available", ctx.api.now);
                        claim_to_sync = Some(ckey);
                    } else if pv.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(ANN_BOUND_BY_CONTROLLER)) {
                        // The claim went to another volume: this one is free again.
                        new_pv.spec.get_or_insert_with(Default::default).claim_ref = None;
                        set_volume_phase(&mut new_pv, "Available", ctx.api.now);
                    } else {
                        release(&mut new_pv, ctx.api.now);
                    }
                }
            }
        }
    }
    if new_pv != pv {
        new_pv.metadata.resource_version = None;
        let _ = ctx.api.update(new_pv.into(), &ctx.by, ctx.cause);
    }
    if let Some(c) = claim_to_sync {
        sync_claim(ctx, &c);
    }
}

/// The claim is gone: Released, or Failed for reclaimPolicy Delete on a volume no simulated
/// deleter handles (the provisioner deletes the volumes it made).
fn release(pv: &mut PersistentVolume, now: crate::time::SimTime) {
    let policy = pv.spec.as_ref().and_then(|s| s.persistent_volume_reclaim_policy.clone()).unwrap_or_default();
    let provisioned = pv.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(matching::ANN_PROVISIONED_BY));
    if policy == "Delete" && !provisioned {
        if volume_phase(pv) != Some("Failed") {
            set_volume_phase(pv, "Failed", now);
            let name = pv.metadata.name.clone().unwrap_or_default();
            let status = pv.status.get_or_insert_with(Default::default);
            status.message = Some(format!("error getting deleter volume plugin for volume \"{name}\": no deletable volume plugin matched"));
        }
        return;
    }
    set_volume_phase(pv, "Released", now);
}
