//! `kubectl rollout history` and `kubectl rollout undo`: a deployment's revisions are the
//! `deployment.kubernetes.io/revision` annotations of the replica sets it controls
//! (`polymorphichelpers/history.go`, `rollback.go`).
//!
//! Daemon sets and stateful sets keep their history in the ControllerRevisions they control
//! (`printHistory`, `DaemonSetRollbacker`, `StatefulSetRollbacker`): the revision numbers with
//! each revision's change-cause annotation, or one revision's pod template.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{ControllerRevision, Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde_json::Value;

use crate::api::{Kind, Object};
use crate::controllers::revision;
use crate::kubectl::describe::containers::pod_template;
use crate::kubectl::describe::writer::DescWriter;
use crate::kubectl::printers::table::tabwrite;
use crate::sim::Sim;
use crate::store::selector;

use super::status::{revision_arg, revision_flag};
use super::{check_output, finish, group_kind, group_kind_element, lookup_targets, print_result, require_resource, visitable, write_all, write_targets, DryRun};
use crate::kubectl::{Args, Files, Output};

pub(super) const REVISION: &str = "deployment.kubernetes.io/revision";
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const HASH_LABEL: &str = "pod-template-hash";

/// Annotations a rollback keeps from the deployment instead of copying them from the replica set.
const ANNOTATIONS_TO_SKIP: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// The replica sets a deployment controls, as `deploymentutil.GetAllReplicaSets` returns them:
/// the old ones oldest first (by creation, then name), then the oldest whose template matches
/// the deployment's.
fn all_replica_sets(sim: &Sim, d: &Deployment) -> Result<Vec<ReplicaSet>, String> {
    let name = d.metadata.name.as_deref().unwrap_or_default();
    let sel = selector::from_label_selector(&d.spec.selector)
        .map_err(|e| format!("failed to retrieve replica sets from deployment {name}: {e}"))?;
    let uid = d.metadata.uid.as_deref();
    let mut owned: Vec<ReplicaSet> = sim
        .store()
        .list(Kind::ReplicaSet, d.metadata.namespace.as_deref())
        .filter_map(|o| match o.as_ref() {
            Object::ReplicaSet(rs) => Some(rs.as_ref().clone()),
            _ => None,
        })
        .filter(|rs| sel.matches(rs.metadata.labels.as_ref()))
        .filter(|rs| {
            let refs = rs.metadata.owner_references.iter().flatten();
            refs.into_iter().any(|r| r.controller == Some(true) && Some(r.uid.as_str()) == uid)
        })
        .collect();
    owned.sort_by(|a, b| {
        let key = |rs: &ReplicaSet| (rs.metadata.creation_timestamp.as_ref().map(|t| t.0), rs.metadata.name.clone());
        key(a).cmp(&key(b))
    });
    if let Some(i) = owned.iter().position(|rs| equal_ignore_hash(&template_of(rs), &d.spec.template)) {
        let rs = owned.remove(i);
        owned.push(rs);
    }
    Ok(owned)
}

fn template_of(rs: &ReplicaSet) -> PodTemplateSpec {
    rs.spec.template.clone().unwrap_or_default()
}

/// `deploymentutil.Revision`: the revision annotation, 0 when absent, an error when not a number.
fn revision_of(rs: &ReplicaSet) -> Option<i64> {
    match rs.metadata.annotations.as_ref().and_then(|a| a.get(REVISION)) {
        None => Some(0),
        Some(v) => v.parse().ok(),
    }
}

/// Templates equal but for the `pod-template-hash` label, nil and empty alike (`Semantic.DeepEqual`).
fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    let normal = |t: &PodTemplateSpec| {
        let mut t = t.clone();
        if let Some(labels) = t.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
            labels.remove(HASH_LABEL);
        }
        prune(serde_json::to_value(&t).unwrap_or(Value::Null))
    };
    normal(a) == normal(b)
}

fn prune(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(prune).collect()),
        other => other,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// `describe.DescribePodTemplate` through kubectl's plain prefix writer (tabs kept).
fn print_template(t: &PodTemplateSpec) -> String {
    let mut w = DescWriter::new();
    pod_template(&mut w, Some(t));
    w.finish_untabbed()
}

fn deployment_history(sim: &Sim, d: &Deployment, revision: i64) -> Result<String, String> {
    let mut info: BTreeMap<i64, PodTemplateSpec> = BTreeMap::new();
    for rs in all_replica_sets(sim, d)? {
        let Some(v) = revision_of(&rs) else { continue };
        let mut t = template_of(&rs);
        let annotations = t.metadata.get_or_insert_with(Default::default).annotations.get_or_insert_with(BTreeMap::new);
        if let Some(cause) = rs.metadata.annotations.as_ref().and_then(|a| a.get(CHANGE_CAUSE)).filter(|c| !c.is_empty()) {
            annotations.insert(CHANGE_CAUSE.to_string(), cause.clone());
        }
        info.insert(v, t);
    }
    if info.is_empty() {
        return Ok("No rollout history found.".to_string());
    }
    if revision > 0 {
        return info.get(&revision).map(print_template).ok_or_else(|| "unable to find the specified revision".to_string());
    }
    let mut table = String::from("REVISION\tCHANGE-CAUSE\n");
    for (r, t) in &info {
        let cause = t.metadata.as_ref().and_then(|m| m.annotations.as_ref()).and_then(|a| a.get(CHANGE_CAUSE));
        table.push_str(&format!("{r}\t{}\n", cause.map_or("<none>", String::as_str)));
    }
    Ok(tabwrite(&table, 0, 2))
}

/// The ControllerRevisions `owner` controls, keyed by revision number.
fn controller_revisions(sim: &Sim, owner: &Object) -> BTreeMap<i64, ControllerRevision> {
    revision::history(sim.store(), owner).into_iter().map(|r| (r.revision.unwrap_or(0), r)).collect()
}

/// `printHistory` for daemon sets and stateful sets.
fn revision_history(sim: &Sim, owner: &Object, revision: i64) -> Result<String, String> {
    let info = controller_revisions(sim, owner);
    if info.is_empty() {
        return Ok("No rollout history found.".to_string());
    }
    if revision > 0 {
        return info.get(&revision).map(|r| print_template(&revision::template_of(r))).ok_or_else(|| "unable to find the specified revision".to_string());
    }
    let mut table = String::from("REVISION\tCHANGE-CAUSE\n");
    for (r, rev) in &info {
        let cause = rev.metadata.annotations.as_ref().and_then(|a| a.get(CHANGE_CAUSE)).filter(|c| !c.is_empty());
        table.push_str(&format!("{r}\t{}\n", cause.map_or("<none>", String::as_str)));
    }
    Ok(tabwrite(&table, 0, 2))
}

/// `DaemonSetRollbacker` / `StatefulSetRollbacker`: the revision's template back into the
/// owner (revision 0: the one before the newest).
fn rollback_controller(sim: &Sim, owner: &Object, to: i64, dry_run: DryRun) -> Result<Rollback, String> {
    let not_found = || format!("unable to find specified revision {to} in history");
    if to < 0 {
        return Err(not_found());
    }
    let info = controller_revisions(sim, owner);
    if to == 0 && info.len() <= 1 {
        return Err("no last revision to roll back to".to_string());
    }
    let target = if to == 0 { info.values().rev().nth(1) } else { info.get(&to) };
    let template = revision::template_of(target.ok_or_else(not_found)?);
    if dry_run == DryRun::Client {
        return Ok(Rollback::DryRun(print_template(&template)));
    }
    let mut updated = owner.clone();
    let current = match &mut updated {
        Object::DaemonSet(ds) => &mut ds.spec.template,
        Object::StatefulSet(sts) => &mut sts.spec.template,
        _ => return Err(not_found()),
    };
    if revision::template_patch(current) == revision::template_patch(&template) {
        return Ok(Rollback::Skipped(to));
    }
    *current = template;
    Ok(Rollback::Done(updated))
}

/// `kubectl rollout history (TYPE NAME | TYPE/NAME) [--revision=N]`
pub fn history(sim: &Sim, args: &Args, rest: &[String], files: &dyn Files) -> Output {
    if let Err(o) = require_resource(args, rest) {
        return o;
    }
    let revision = match revision_arg(args) {
        Ok(r) => r,
        Err(o) => return o,
    };
    if let Err(o) = check_output(args) {
        return o;
    }
    let (objects, mut errors) = match lookup_targets(sim, args, rest, files, true) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let mut stdout = String::new();
    for obj in &objects {
        let kind = obj.kind();
        let result = match obj {
            Object::Deployment(d) => deployment_history(sim, d, revision),
            Object::DaemonSet(_) | Object::StatefulSet(_) => revision_history(sim, obj, revision),
            _ if visitable(kind) => Err(format!("no history viewer has been implemented for \"{}\"", group_kind(kind))),
            _ => Err(format!(
                "error retrieving history for \"{}\", no visitor method exists for {}",
                group_kind(kind),
                group_kind_element(kind)
            )),
        };
        match result {
            Ok(text) => {
                let with = if revision > 0 { format!("with revision #{revision}") } else { String::new() };
                stdout.push_str(&print_result(args, obj, &format!("{with}\n{text}")));
            }
            Err(e) => errors.push(e),
        }
    }
    finish(stdout, &errors)
}

/// `deploymentRevision`: the replica set of `to` (0: the second-newest revision).
fn deployment_revision(sim: &Sim, d: &Deployment, to: i64) -> Result<ReplicaSet, String> {
    let mut latest: (i64, Option<ReplicaSet>) = (-1, None);
    let mut previous: (i64, Option<ReplicaSet>) = (-1, None);
    for rs in all_replica_sets(sim, d)? {
        let Some(v) = revision_of(&rs) else { continue };
        if to == 0 {
            if latest.0 < v {
                previous = std::mem::replace(&mut latest, (v, Some(rs)));
            } else if previous.0 < v {
                previous = (v, Some(rs));
            }
        } else if to == v {
            return Ok(rs);
        }
    }
    if to > 0 {
        return Err(format!("unable to find specified revision {to} in history"));
    }
    previous.1.ok_or_else(|| format!("no rollout history found for deployment \"{}\"", d.metadata.name.as_deref().unwrap_or_default()))
}

enum Rollback {
    Done(Object),
    Skipped(i64),
    DryRun(String),
}

fn rollback_deployment(sim: &Sim, d: &Deployment, to: i64, dry_run: DryRun) -> Result<Rollback, String> {
    if to < 0 {
        return Err(format!("unable to find specified revision {to} in history"));
    }
    let name = d.metadata.name.as_deref().unwrap_or_default();
    let rs = deployment_revision(sim, d, to)?;
    let template = template_of(&rs);
    if dry_run == DryRun::Client {
        return Ok(Rollback::DryRun(print_template(&template)));
    }
    if d.spec.paused.unwrap_or(false) {
        return Err(format!(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/{name}' and try again"
        ));
    }
    if equal_ignore_hash(&template, &d.spec.template) {
        return Ok(Rollback::Skipped(to));
    }
    let mut template = template;
    if let Some(meta) = template.metadata.as_mut() {
        if let Some(labels) = meta.labels.as_mut() {
            labels.remove(HASH_LABEL);
        }
        if meta.labels.as_ref().is_some_and(BTreeMap::is_empty) {
            meta.labels = None;
        }
    }
    let mut annotations = BTreeMap::new();
    let current = d.metadata.annotations.clone().unwrap_or_default();
    for k in ANNOTATIONS_TO_SKIP {
        if let Some(v) = current.get(*k) {
            annotations.insert(k.to_string(), v.clone());
        }
    }
    for (k, v) in rs.metadata.annotations.iter().flatten() {
        if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    let mut updated = d.clone();
    updated.spec.template = template;
    updated.metadata.annotations = (!annotations.is_empty()).then_some(annotations);
    Ok(Rollback::Done(updated.into()))
}

/// `kubectl rollout undo (TYPE NAME | TYPE/NAME) [--to-revision=N]`
pub fn undo(sim: &mut Sim, args: &Args, rest: &[String], files: &dyn Files) -> Output {
    if let Err(o) = require_resource(args, rest) {
        return o;
    }
    let to = match revision_flag(args, "to-revision") {
        Ok(r) => r,
        Err(o) => return o,
    };
    let (objects, mut errors, dry_run) = match write_targets(sim, args, rest, files) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let mut stdout = String::new();
    for obj in &objects {
        let kind = obj.kind();
        let result = match obj {
            Object::Deployment(d) => rollback_deployment(sim, d, to, dry_run),
            Object::DaemonSet(_) | Object::StatefulSet(_) => rollback_controller(sim, obj, to, dry_run),
            _ if visitable(kind) => Err(format!("no rollbacker has been implemented for \"{}\"", group_kind(kind))),
            _ => Err(format!(
                "error retrieving rollbacker for \"{}\", no visitor method exists for {}",
                group_kind(kind),
                group_kind_element(kind)
            )),
        };
        let suffix = dry_run.suffix();
        match result {
            Ok(Rollback::Skipped(r)) => stdout.push_str(&print_result(
                args,
                obj,
                &format!("skipped rollback (current template already matches revision {r}){suffix}"),
            )),
            Ok(Rollback::DryRun(text)) => stdout.push_str(&print_result(args, obj, &format!("{text}{suffix}"))),
            Ok(Rollback::Done(_)) if dry_run == DryRun::Server => {
                stdout.push_str(&print_result(args, obj, &format!("rolled back{suffix}")))
            }
            Ok(Rollback::Done(updated)) => {
                let summary = format!("kubectl rollout undo {}", rest.join(" "));
                match write_all(sim, summary, vec![updated]).pop() {
                    Some(Ok(_)) => stdout.push_str(&print_result(args, obj, "rolled back")),
                    Some(Err(e)) => errors.push(format!("failed restoring revision {to}: {e}")),
                    None => {}
                }
            }
            Err(e) => errors.push(e),
        }
    }
    finish(stdout, &errors)
}
