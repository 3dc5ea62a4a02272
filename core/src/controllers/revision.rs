//! ControllerRevisions: the template history DaemonSets and StatefulSets keep
//! (`pkg/controller/history`).
//!
//! A revision is named `<owner>-<hash>`; the hash is a 32-bit FNV-1a written as decimal digits
//! through the generateName alphabet (`rand.SafeEncodeString`), so it always matches
//! `^[4-9bcdf]{1,10}$`. Its `data` is the strategic-merge patch that restores the owner's
//! template (`{"spec":{"template":{…,"$patch":"replace"}}}`), its `revision` a number one above
//! the highest in the owner's history. When the template returns to an earlier revision's, that
//! revision is reused and renumbered to the top (a rollback creates nothing new). Old revisions
//! no pod uses are deleted beyond `revisionHistoryLimit` (default 10), lowest number first.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::apps::v1::ControllerRevision;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::runtime::RawExtension;
use serde_json::{json, Value};

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::store::ObjectRef;

use super::owner::{controlled_by, controller_ref};
use super::Ctx;

/// The label a StatefulSet revision carries with its bare hash (`ControllerRevisionHashLabel`).
pub const HASH_LABEL: &str = "controller.kubernetes.io/hash";
/// The label on pods (and DaemonSet revisions) naming the revision they were made from.
pub const POD_REVISION_LABEL: &str = "controller-revision-hash";

/// 32-bit FNV-1a over `bytes`, then the collision count as 4 little-endian bytes and 4 zero
/// bytes when there is one.
pub fn fnv32a(bytes: &[u8], collision_count: Option<i32>) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut feed = |b: u8| {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    };
    bytes.iter().for_each(|&b| feed(b));
    if let Some(c) = collision_count {
        (c as u32).to_le_bytes().iter().for_each(|&b| feed(b));
        [0u8; 4].iter().for_each(|&b| feed(b));
    }
    h
}

/// `rand.SafeEncodeString` of the decimal text of `h`.
pub fn encode(h: u32) -> String {
    super::deployment::util::safe_encode(&h.to_string())
}

/// `controller.ComputeHash` of a pod template (the DaemonSet's revision hash).
pub fn template_hash(t: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    encode(fnv32a(&serde_json::to_vec(t).unwrap_or_default(), collision_count))
}

/// `getPatch`: the patch that puts `template` back (`$patch: replace`).
pub fn template_patch(template: &PodTemplateSpec) -> Value {
    let mut t = serde_json::to_value(template).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut t {
        m.insert("$patch".into(), Value::String("replace".into()));
    }
    json!({ "spec": { "template": t } })
}

/// The template a revision's patch restores.
pub fn template_of(rev: &ControllerRevision) -> PodTemplateSpec {
    let mut t = rev.data.0.get("spec").and_then(|s| s.get("template")).cloned().unwrap_or(Value::Null);
    if let Value::Object(m) = &mut t {
        m.remove("$patch");
    }
    serde_json::from_value(t).unwrap_or_default()
}

/// `ControllerRevisionName`: the owner's name (cut to 223 characters) and the hash.
pub fn revision_name(owner: &str, hash: &str) -> String {
    let prefix: String = owner.chars().take(223).collect();
    format!("{prefix}-{hash}")
}

/// The owner's revisions, lowest revision number first (then by name).
pub fn history(store: &crate::store::Store, owner: &Object) -> Vec<ControllerRevision> {
    let uid = owner.metadata().uid.clone().unwrap_or_default();
    let mut revs: Vec<ControllerRevision> = store
        .list(Kind::ControllerRevision, owner.namespace())
        .filter_map(|o| match o.as_ref() {
            Object::ControllerRevision(r) if controlled_by(&r.metadata, &uid) => Some(r.as_ref().clone()),
            _ => None,
        })
        .collect();
    revs.sort_by(|a, b| (a.revision, &a.metadata.name).cmp(&(b.revision, &b.metadata.name)));
    revs
}

/// How an owner names and labels a new revision.
pub struct Spec<'a> {
    pub owner: &'a Arc<Object>,
    pub template: &'a PodTemplateSpec,
    /// The owner's `status.collisionCount`.
    pub collision_count: Option<i32>,
    /// DaemonSets hash the template (label `controller-revision-hash`); StatefulSets hash the
    /// patch (label `controller.kubernetes.io/hash`).
    pub daemon: bool,
}

/// The revision of the owner's current template: found in `history` (renumbered to the top if
/// it is not already), or created. Returns it and the collision count to record, which grows
/// when a different revision already holds the name.
pub fn ensure(ctx: &mut Ctx<'_, '_>, spec: &Spec<'_>, history: &mut Vec<ControllerRevision>) -> Option<(ControllerRevision, Option<i32>)> {
    let data = template_patch(spec.template);
    let max = history.iter().filter_map(|r| r.revision).max().unwrap_or(0);
    if let Some(i) = history.iter().rposition(|r| r.data.0 == data) {
        let existing = history[i].clone();
        if existing.revision == Some(max) {
            return Some((existing, spec.collision_count));
        }
        let mut bumped = existing;
        bumped.revision = Some(max + 1);
        bumped.metadata.resource_version = None;
        return match ctx.api.update(bumped.into(), &ctx.by, ctx.cause) {
            Ok(w) => match w.as_ref() {
                Object::ControllerRevision(r) => {
                    history[i] = r.as_ref().clone();
                    Some((r.as_ref().clone(), spec.collision_count))
                }
                _ => None,
            },
            Err(_) => None,
        };
    }
    let owner_name = spec.owner.name().to_string();
    let mut collision = spec.collision_count;
    for _ in 0..16 {
        let rev = build(spec, &owner_name, &data, max + 1, collision);
        let key = ObjectRef::new(Kind::ControllerRevision, spec.owner.namespace(), rev.metadata.name.as_deref().unwrap_or(""));
        match ctx.api.store.get(&key).map(|o| o.as_ref()) {
            // The name is taken by another revision: count the collision and hash again.
            Some(Object::ControllerRevision(other)) if other.data.0 != data || !controlled_by(&other.metadata, spec.owner.metadata().uid.as_deref().unwrap_or("")) => {
                collision = Some(collision.unwrap_or(0) + 1);
                continue;
            }
            Some(Object::ControllerRevision(same)) => return Some((same.as_ref().clone(), collision)),
            _ => {}
        }
        let created = ctx.api.create(rev.into(), &ctx.by, ctx.cause).ok()?;
        let Object::ControllerRevision(r) = created.as_ref() else { return None };
        history.push(r.as_ref().clone());
        return Some((r.as_ref().clone(), collision));
    }
    None
}

fn build(spec: &Spec<'_>, owner_name: &str, data: &Value, revision: i64, collision: Option<i32>) -> ControllerRevision {
    let template_labels = spec.template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
    let mut labels: BTreeMap<String, String> = template_labels;
    let owner_meta = spec.owner.metadata();
    let hash = if spec.daemon {
        let h = template_hash(spec.template, collision);
        labels.insert(POD_REVISION_LABEL.into(), h.clone());
        h
    } else {
        let h = encode(fnv32a(&serde_json::to_vec(data).unwrap_or_default(), collision));
        labels.insert(HASH_LABEL.into(), h.clone());
        h
    };
    // Both copy the owner's annotations, so that `rollout history` shows the change-cause.
    let annotations = owner_meta.annotations.clone().filter(|a| !a.is_empty());
    ControllerRevision {
        metadata: ObjectMeta {
            name: Some(revision_name(owner_name, &hash)),
            namespace: owner_meta.namespace.clone(),
            labels: Some(labels),
            annotations,
            owner_references: Some(vec![controller_ref(spec.owner)]),
            ..Default::default()
        },
        data: RawExtension(data.clone()),
        revision: Some(revision),
    }
}

/// Deletes the oldest revisions beyond `limit`, never one named in `live`.
pub fn truncate(ctx: &mut Ctx<'_, '_>, history: &[ControllerRevision], live: &BTreeSet<String>, limit: i32) {
    let old: Vec<&ControllerRevision> = history.iter().filter(|r| !live.contains(r.metadata.name.as_deref().unwrap_or(""))).collect();
    let surplus = old.len().saturating_sub(limit.max(0) as usize);
    for r in old.into_iter().take(surplus) {
        let key = ObjectRef::new(Kind::ControllerRevision, r.metadata.namespace.as_deref(), r.metadata.name.as_deref().unwrap_or(""));
        let _ = ctx.api.delete(&key, Propagation::Background, &ctx.by, ctx.cause);
    }
}
