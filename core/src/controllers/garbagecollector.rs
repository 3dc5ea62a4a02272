//! The garbage collector (`garbage-collector`): ownerReferences in action.
//!
//! - Background: once an owner is gone, a dependent whose owners are all gone is deleted; one
//!   that still has a live owner only loses the dangling reference.
//! - Foreground: an owner with a deletionTimestamp and the `foregroundDeletion` finalizer has
//!   its dependents deleted (in the foreground too); when none that blocks owner deletion
//!   (`blockOwnerDeletion: true`) is left, the finalizer goes and the API server removes it.
//! - Orphan: an owner with the `orphan` finalizer has its reference removed from every
//!   dependent, then the finalizer goes.
//!
//! Dependents are found through the store's owner index (the real collector keeps the same
//! graph in memory, built from its informers).

use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::SimDuration;

use super::owner::owner_key;
use super::{Ctx, Requeue};

pub const FOREGROUND: &str = "foregroundDeletion";
pub const ORPHAN: &str = "orphan";

fn has_finalizer(obj: &Object, name: &str) -> bool {
    obj.metadata().finalizers.iter().flatten().any(|f| f == name)
}

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    let obj = &event.object;
    match event.event_type {
        WatchEventType::Deleted => {
            let mut keys = Vec::new();
            // The owners of a removed dependent may be waiting for it (foreground deletion).
            let ns = obj.namespace();
            for r in obj.metadata().owner_references.iter().flatten() {
                if let Some(k) = owner_key(r, ns) {
                    keys.push(k);
                }
            }
            // A removed object may leave dependents behind. Pods and Events own nothing here.
            if !matches!(event.key.kind, Kind::Pod | Kind::Event) {
                keys.push(event.key.clone());
            }
            keys
        }
        WatchEventType::Modified
            if obj.metadata().deletion_timestamp.is_some() && (has_finalizer(obj, FOREGROUND) || has_finalizer(obj, ORPHAN)) =>
        {
            vec![event.key.clone()]
        }
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    match ctx.api.store.get(key).cloned() {
        None => {
            collect_orphaned(ctx, key);
            Requeue::Done
        }
        Some(owner) if owner.metadata().deletion_timestamp.is_some() => {
            if has_finalizer(&owner, ORPHAN) {
                orphan_dependents(ctx, &owner);
                remove_finalizer(ctx, key, ORPHAN);
                return Requeue::Done;
            }
            if has_finalizer(&owner, FOREGROUND) {
                return delete_in_foreground(ctx, key, &owner);
            }
            Requeue::Done
        }
        Some(_) => Requeue::Done,
    }
}

/// Objects that may hold references to an owner at `key`.
fn candidates(ctx: &Ctx<'_, '_>, key: &ObjectRef, is_ref: impl Fn(&OwnerReference) -> bool) -> Vec<Arc<Object>> {
    let refers = |o: &&Arc<Object>| o.metadata().owner_references.iter().flatten().any(&is_ref);
    let store = &*ctx.api.store;
    // The store's owner index: objects naming an owner of this kind and name; a namespaced
    // owner's dependents live in its namespace.
    store
        .dependents_with_objects(key.kind.info().name, &key.name)
        .filter(|(k, _)| key.namespace.is_none() || k.namespace == key.namespace)
        .map(|(_, o)| o)
        .filter(refers)
        .cloned()
        .collect()
}

/// Whether the owner a reference names exists with that uid.
fn owner_alive(ctx: &Ctx<'_, '_>, r: &OwnerReference, ns: Option<&str>) -> bool {
    owner_key(r, ns).and_then(|k| ctx.api.store.get(&k)).is_some_and(|o| o.metadata().uid.as_deref() == Some(r.uid.as_str()))
}

/// The owner at `key` is gone: dependents left with no live owner are deleted, the others lose
/// the dangling references.
fn collect_orphaned(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) {
    let kind_name = key.kind.info().name;
    let deps = candidates(ctx, key, |r| r.kind == kind_name && r.name == key.name);
    for dep in deps {
        let ns = dep.namespace();
        let refs = dep.metadata().owner_references.clone().unwrap_or_default();
        let (alive, dangling): (Vec<&OwnerReference>, Vec<&OwnerReference>) = refs.iter().partition(|r| owner_alive(ctx, r, ns));
        if dangling.is_empty() {
            continue;
        }
        let dep_key = ObjectRef::of(&dep);
        if alive.is_empty() {
            if dep.metadata().deletion_timestamp.is_none() {
                let _ = ctx.api.delete(&dep_key, Propagation::Background, &ctx.by, ctx.cause);
            }
        } else {
            let mut updated = (*dep).clone();
            let keep: Vec<OwnerReference> = alive.into_iter().cloned().collect();
            updated.metadata_mut().owner_references = Some(keep);
            updated.metadata_mut().resource_version = None;
            let _ = ctx.api.update(updated, &ctx.by, ctx.cause);
        }
    }
}

/// Removes the owner's reference from each of its dependents.
fn orphan_dependents(ctx: &mut Ctx<'_, '_>, owner: &Object) {
    let key = ObjectRef::of(owner);
    let uid = owner.metadata().uid.clone().unwrap_or_default();
    for dep in candidates(ctx, &key, |r| r.uid == uid) {
        let mut updated = (*dep).clone();
        if let Some(refs) = updated.metadata_mut().owner_references.as_mut() {
            refs.retain(|r| r.uid != uid);
        }
        if updated.metadata().owner_references.as_ref().is_some_and(Vec::is_empty) {
            updated.metadata_mut().owner_references = None;
        }
        updated.metadata_mut().resource_version = None;
        let _ = ctx.api.update(updated, &ctx.by, ctx.cause);
    }
}

/// Deletes the dependents in the foreground; the owner's finalizer goes once no dependent that
/// blocks owner deletion remains.
fn delete_in_foreground(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, owner: &Object) -> Requeue {
    let uid = owner.metadata().uid.clone().unwrap_or_default();
    let deps = candidates(ctx, key, |r| r.uid == uid);
    let mut blocking = false;
    for dep in deps {
        let dep_key = ObjectRef::of(&dep);
        if dep.metadata().deletion_timestamp.is_none() {
            let _ = ctx.api.delete(&dep_key, Propagation::Foreground, &ctx.by, ctx.cause);
        }
        let blocks = dep.metadata().owner_references.iter().flatten().any(|r| r.uid == uid && r.block_owner_deletion == Some(true));
        if blocks && ctx.api.store.contains(&dep_key) {
            blocking = true;
        }
    }
    if blocking {
        // Their removal wakes this owner again; look anyway in case a dependent is stuck.
        return Requeue::After(SimDuration::from_secs(5));
    }
    remove_finalizer(ctx, key, FOREGROUND);
    Requeue::Done
}

fn remove_finalizer(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, name: &str) {
    let Some(obj) = ctx.api.store.get(key).cloned() else { return };
    let mut updated = (*obj).clone();
    let meta = updated.metadata_mut();
    if let Some(f) = meta.finalizers.as_mut() {
        f.retain(|x| x != name);
    }
    if meta.finalizers.as_ref().is_some_and(Vec::is_empty) {
        meta.finalizers = None;
    }
    meta.resource_version = None;
    let _ = ctx.api.update(updated, &ctx.by, ctx.cause);
}
