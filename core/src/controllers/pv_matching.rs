//! Which PersistentVolume a claim may bind to: the persistentvolume-binder's
//! `findBestMatchForClaim` / `FindMatchingVolume` (pkg/controller/volume/persistentvolume).
//!
//! A volume pre-bound to the claim (its `claimRef` names it) wins outright. Otherwise the
//! candidates are the Available, unclaimed volumes whose volumeMode, storage class (the beta
//! annotation, else `spec.storageClassName`, else ""), label selector, access modes and (for a
//! claim waiting for its first consumer) node affinity fit; the smallest whose capacity covers
//! the request is taken, ties going to the first by name.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};

use crate::api::quantity::parse_quantity;
use crate::scheduler::plugins::node_affinity::term_matches_node;
use crate::store::selector;

pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
pub const ANN_SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
pub const ANN_STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
pub const ANN_BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
pub const ANN_PROVISIONED_BY: &str = "pv.kubernetes.io/provisioned-by";
const ANN_BETA_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// The node a claim waiting for its first consumer is to be bound on: name and labels.
pub struct Node<'a> {
    pub name: &'a str,
    pub labels: Option<&'a BTreeMap<String, String>>,
}

/// `GetPersistentVolumeClaimClass`: the beta annotation, else `spec.storageClassName`, else "".
pub fn claim_class(pvc: &PersistentVolumeClaim) -> &str {
    if let Some(c) = pvc.metadata.annotations.as_ref().and_then(|a| a.get(ANN_BETA_CLASS)) {
        return c;
    }
    pvc.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or("")
}

/// `GetPersistentVolumeClass`.
pub fn volume_class(pv: &PersistentVolume) -> &str {
    if let Some(c) = pv.metadata.annotations.as_ref().and_then(|a| a.get(ANN_BETA_CLASS)) {
        return c;
    }
    pv.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or("")
}

/// Does the volume's `claimRef` name this claim (by namespace and name, and uid when set)?
pub fn claim_ref_names(pv: &PersistentVolume, pvc: &PersistentVolumeClaim) -> bool {
    let Some(r) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else { return false };
    r.name == pvc.metadata.name
        && r.namespace.as_deref().unwrap_or("default") == pvc.metadata.namespace.as_deref().unwrap_or("default")
        && r.uid.as_deref().is_none_or(|u| u.is_empty() || Some(u) == pvc.metadata.uid.as_deref())
}

fn storage_bytes(map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>) -> i128 {
    map.and_then(|m| m.get("storage")).and_then(|q| parse_quantity(q).ok()).map_or(0, |q| q.nanos())
}

/// The claim's `resources.requests.storage`.
pub fn requested(pvc: &PersistentVolumeClaim) -> i128 {
    storage_bytes(pvc.spec.as_ref().and_then(|s| s.resources.as_ref()).and_then(|r| r.requests.as_ref()))
}

/// The volume's `capacity.storage`.
pub fn capacity(pv: &PersistentVolume) -> i128 {
    storage_bytes(pv.spec.as_ref().and_then(|s| s.capacity.as_ref()))
}

fn volume_mode_of(mode: Option<&str>) -> &str {
    mode.filter(|m| !m.is_empty()).unwrap_or("Filesystem")
}

/// Every mode the claim asks for is one the volume offers (`checkAccessModes`).
fn access_modes_fit(pvc: &PersistentVolumeClaim, pv: &PersistentVolume) -> bool {
    let want = pvc.spec.as_ref().and_then(|s| s.access_modes.as_deref()).unwrap_or(&[]);
    let have = pv.spec.as_ref().and_then(|s| s.access_modes.as_deref()).unwrap_or(&[]);
    want.iter().all(|m| have.contains(m))
}

/// The volume's required node affinity admits the node (no affinity admits every node).
pub fn node_fits(pv: &PersistentVolume, name: &str, labels: Option<&BTreeMap<String, String>>) -> bool {
    let Some(required) = pv.spec.as_ref().and_then(|s| s.node_affinity.as_ref()).and_then(|a| a.required.as_ref()) else {
        return true;
    };
    required.node_selector_terms.iter().any(|t| term_matches_node(t, name, labels))
}

/// Everything but capacity and phase: could this volume serve this claim?
fn fits(pvc: &PersistentVolumeClaim, pv: &PersistentVolume, node: Option<&Node<'_>>) -> bool {
    let claim_mode = volume_mode_of(pvc.spec.as_ref().and_then(|s| s.volume_mode.as_deref()));
    let volume_mode = volume_mode_of(pv.spec.as_ref().and_then(|s| s.volume_mode.as_deref()));
    if claim_mode != volume_mode || volume_class(pv) != claim_class(pvc) || !access_modes_fit(pvc, pv) {
        return false;
    }
    if let Some(sel) = pvc.spec.as_ref().and_then(|s| s.selector.as_ref()) {
        match selector::from_label_selector(sel) {
            Ok(sel) if sel.matches(pv.metadata.labels.as_ref()) => {}
            _ => return false,
        }
    }
    node.is_none_or(|n| node_fits(pv, n.name, n.labels))
}

/// The volume this claim binds to, if any: a volume pre-bound to it, else the smallest fitting
/// Available volume. `node`: the selected node of a claim waiting for its first consumer.
pub fn find_best_match<'a>(
    pvc: &PersistentVolumeClaim,
    volumes: impl IntoIterator<Item = &'a PersistentVolume>,
    node: Option<&Node<'_>>,
) -> Option<&'a PersistentVolume> {
    let want = requested(pvc);
    let mut best: Option<(&PersistentVolume, i128)> = None;
    for pv in volumes {
        if pv.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let claimed = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()).is_some();
        if claimed {
            let mode_ok = volume_mode_of(pvc.spec.as_ref().and_then(|s| s.volume_mode.as_deref()))
                == volume_mode_of(pv.spec.as_ref().and_then(|s| s.volume_mode.as_deref()));
            if claim_ref_names(pv, pvc) && mode_ok && capacity(pv) >= want {
                return Some(pv);
            }
            continue;
        }
        let available = pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Available");
        let size = capacity(pv);
        if !available || size < want || !fits(pvc, pv, node) {
            continue;
        }
        if best.is_none_or(|(_, b)| size < b) {
            best = Some((pv, size));
        }
    }
    best.map(|(pv, _)| pv)
}

#[cfg(test)]
#[path = "pv_matching_tests.rs"]
mod tests;
