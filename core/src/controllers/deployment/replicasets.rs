//! A deployment's replica sets: claiming them (adopt and release), finding the new one and
//! keeping its revision current (`getAllReplicaSetsAndSyncRevision`), and creating it
//! (`getNewReplicaSet`): `<deployment>-<pod-template-hash>`, the hash label on its labels,
//! selector and template, the revision and replica annotations.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, Object};
use crate::sim::apiserver::ApiError;
use crate::sim::events::{self, EventType};
use crate::store::selector::Selector;
use crate::store::ObjectRef;

use super::super::owner::{controlled_by, controller_of, controller_ref};
use super::super::Ctx;
use super::shared_rs::SharedRs;
use super::status::{condition, get_condition, progress_deadline, set_condition, PROGRESSING};
use super::util::{created_key, equal_ignore_hash, new_rs_new_replicas, pod_template_hash, revision, set_new_rs_annotations, HASH_LABEL, REVISION};

pub(super) fn as_object(d: &Deployment) -> Object {
    Object::Deployment(Box::new(d.clone()))
}

/// `ClaimReplicaSets`: the replica sets this deployment controls, oldest first, after adopting
/// matching orphans and releasing owned ones whose labels stopped matching.
pub(super) fn claim(ctx: &mut Ctx<'_, '_>, d: &Deployment, sel: &Selector) -> Vec<SharedRs> {
    let uid = d.metadata.uid.clone().unwrap_or_default();
    let deleting = d.metadata.deletion_timestamp.is_some();
    // Owned replica sets through the store's owner index, plus the uncontrolled ones of the
    // namespace (adoption candidates), in name order as a list would give them.
    let ns = d.metadata.namespace.as_deref().unwrap_or("default");
    let store = &ctx.api.store;
    let name = d.metadata.name.as_deref().unwrap_or("");
    let mut found: Vec<&std::sync::Arc<Object>> = store
        .dependents_with_objects("Deployment", name)
        .filter(|(k, _)| k.kind == Kind::ReplicaSet && k.namespace.as_deref() == Some(ns))
        .map(|(_, o)| o)
        .chain(store.uncontrolled(Kind::ReplicaSet, ns))
        .collect();
    found.sort_by(|a, b| a.name().cmp(b.name()));
    found.dedup_by(|a, b| a.name() == b.name());
    let candidates: Vec<SharedRs> = found
        .into_iter()
        .filter_map(|o| SharedRs::new(o.clone()))
        .filter(|rs| match controller_of(&rs.metadata) {
            Some(r) => r.uid == uid,
            None => !deleting && rs.metadata.deletion_timestamp.is_none() && sel.matches(rs.metadata.labels.as_ref()),
        })
        .collect();
    let mut owned = Vec::with_capacity(candidates.len());
    for shared in candidates {
        let matches = sel.matches(shared.metadata.labels.as_ref());
        if controlled_by(&shared.metadata, &uid) {
            if matches || deleting {
                owned.push(shared);
            } else if shared.metadata.owner_references.is_some() {
                let mut rs = shared.to_owned_rs();
                if let Some(refs) = rs.metadata.owner_references.as_mut() {
                    refs.retain(|r| r.uid != uid);
                }
                rs.metadata.resource_version = None;
                let _ = ctx.api.update(rs.into(), &ctx.by, ctx.cause);
            }
        } else {
            let mut rs = shared.to_owned_rs();
            rs.metadata.owner_references.get_or_insert_with(Vec::new).push(controller_ref(&as_object(d)));
            if let Ok(written) = ctx.api.update(rs.into(), &ctx.by, ctx.cause) {
                owned.extend(SharedRs::new(written));
            }
        }
    }
    owned.sort_by_key(|rs| created_key(rs));
    owned
}

fn write_rs(ctx: &mut Ctx<'_, '_>, mut rs: ReplicaSet) -> Result<SharedRs, ApiError> {
    rs.metadata.resource_version = None;
    let written = ctx.api.update(rs.into(), &ctx.by, ctx.cause)?;
    SharedRs::new(written).ok_or_else(|| ApiError::InternalError { message: "unexpected kind".into() })
}

/// `SetDeploymentRevision`.
fn set_deployment_revision(d: &mut Deployment, rev: &str) {
    let a = d.metadata.annotations.get_or_insert_with(BTreeMap::new);
    if a.get(REVISION).map(String::as_str) != Some(rev) {
        a.insert(REVISION.to_string(), rev.to_string());
    }
}

/// Splits the owned replica sets into the new one (the oldest whose template matches the
/// deployment's) and the old ones, raising the new one's revision to max(old)+1 if needed.
pub(super) fn split_and_sync_revision(ctx: &mut Ctx<'_, '_>, d: &mut Deployment, mut all: Vec<SharedRs>) -> (Option<SharedRs>, Vec<SharedRs>) {
    let template = &d.spec.template;
    let idx = all.iter().position(|rs| rs.spec.template.as_ref().is_some_and(|t| equal_ignore_hash(t, template)));
    let Some(idx) = idx else { return (None, all) };
    let existing = all.remove(idx);
    let new_revision = all.iter().map(|rs| revision(rs)).max().unwrap_or(0) + 1;
    // The annotations are worked out on a copy of the metadata alone: a sync that changes
    // nothing (the common case while pods come up) copies no template.
    let mut probe = ReplicaSet { metadata: existing.metadata.clone(), ..Default::default() };
    let annotations_changed = set_new_rs_annotations(d, &mut probe, new_revision, true);
    let min_ready = d.spec.min_ready_seconds;
    let min_ready_changed = existing.spec.min_ready_seconds.unwrap_or(0) != min_ready.unwrap_or(0);
    let rs = if annotations_changed || min_ready_changed {
        let mut rs = existing.to_owned_rs();
        rs.metadata = probe.metadata;
        rs.spec.min_ready_seconds = min_ready;
        write_rs(ctx, rs).unwrap_or(existing)
    } else {
        existing
    };
    let rev = rs.metadata.annotations.as_ref().and_then(|a| a.get(REVISION)).cloned().unwrap_or_default();
    set_deployment_revision(d, &rev);
    if progress_deadline(d).is_some() && get_condition(d.status.as_ref(), PROGRESSING).is_none() {
        let msg = format!("Found new replica set \"{}\"", rs.metadata.name.as_deref().unwrap_or(""));
        let c = condition(PROGRESSING, "True", "FoundNewReplicaSet", msg, ctx.api.now);
        set_condition(d.status.get_or_insert_with(Default::default), c);
    }
    (Some(rs), all)
}

/// Why no new replica set could be made this sync.
pub(super) enum CreateFailed {
    /// The name was taken by another template: collisionCount was raised; try again.
    Collision,
    /// The API server refused it (recorded in the ReplicaFailure condition).
    Refused,
}

/// Creates the new replica set for the deployment's current template.
pub(super) fn create_new(ctx: &mut Ctx<'_, '_>, d: &mut Deployment, olds: &[SharedRs]) -> Result<SharedRs, CreateFailed> {
    let spec = d.spec.clone();
    let collision = d.status.as_ref().and_then(|s| s.collision_count);
    let hash = pod_template_hash(&spec.template, collision);
    let mut template = spec.template.clone();
    let tm = template.metadata.get_or_insert_with(Default::default);
    tm.labels.get_or_insert_with(BTreeMap::new).insert(HASH_LABEL.into(), hash.clone());
    let labels = tm.labels.clone();
    let mut selector = spec.selector.clone();
    selector.match_labels.get_or_insert_with(BTreeMap::new).insert(HASH_LABEL.into(), hash.clone());
    let d_name = d.metadata.name.clone().unwrap_or_default();
    let name = format!("{d_name}-{hash}");
    let mut rs = ReplicaSet {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            namespace: d.metadata.namespace.clone(),
            owner_references: Some(vec![controller_ref(&as_object(d))]),
            labels,
            ..Default::default()
        },
        spec: ReplicaSetSpec {
            replicas: Some(0),
            min_ready_seconds: spec.min_ready_seconds,
            selector,
            template: Some(template),
        },
        status: None,
    };
    let new_revision = olds.iter().map(|rs| revision(rs)).max().unwrap_or(0) + 1;
    let all: Vec<&ReplicaSet> = olds.iter().map(|rs| &**rs).chain(std::iter::once(&rs)).collect();
    let count = new_rs_new_replicas(d, &all, &rs);
    {
        let s = &mut rs.spec;
        s.replicas = Some(count);
    }
    set_new_rs_annotations(d, &mut rs, new_revision, false);
    let created = match ctx.api.create(rs.into(), &ctx.by, ctx.cause) {
        Ok(o) => match SharedRs::new(o) {
            Some(rs) => Ok(rs),
            None => return Err(CreateFailed::Refused),
        },
        Err(ApiError::AlreadyExists { .. }) => Err(true),
        Err(e) => Err({
            let msg = e.message();
            if progress_deadline(d).is_some() {
                let m = format!("Failed to create new replica set \"{name}\": {msg}");
                let c = condition(PROGRESSING, "False", "ReplicaSetCreateError", m, ctx.api.now);
                set_condition(d.status.get_or_insert_with(Default::default), c);
            }
            false
        }),
    };
    let (rs, already) = match created {
        Ok(rs) => (rs, false),
        Err(false) => return Err(CreateFailed::Refused),
        Err(true) => {
            let key = ObjectRef::new(Kind::ReplicaSet, d.metadata.namespace.as_deref(), &name);
            let uid = d.metadata.uid.clone().unwrap_or_default();
            match ctx.api.store.get(&key).cloned().and_then(SharedRs::new) {
                Some(existing)
                    if controlled_by(&existing.metadata, &uid)
                        && existing.spec.template.as_ref().is_some_and(|t| equal_ignore_hash(t, &spec.template)) =>
                {
                    (existing, true)
                }
                _ => {
                    let st = d.status.get_or_insert_with(Default::default);
                    st.collision_count = Some(st.collision_count.unwrap_or(0).saturating_add(1));
                    return Err(CreateFailed::Collision);
                }
            }
        }
    };
    if !already && count > 0 {
        let msg = format!("Scaled up replica set {name} from 0 to {count}");
        events::record(ctx.api, &as_object(d), EventType::Normal, "ScalingReplicaSet", &msg, &ctx.by, None, ctx.cause);
    }
    set_deployment_revision(d, &new_revision.to_string());
    if !already && progress_deadline(d).is_some() {
        let c = condition(PROGRESSING, "True", "NewReplicaSetCreated", format!("Created new replica set \"{name}\""), ctx.api.now);
        set_condition(d.status.get_or_insert_with(Default::default), c);
    }
    Ok(rs)
}
