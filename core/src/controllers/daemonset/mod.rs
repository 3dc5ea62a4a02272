//! The DaemonSet controller (`daemonset-controller`): one pod per eligible node.
//!
//! Each sync records the template as a ControllerRevision (pods carry its hash in
//! `controller-revision-hash`, plus `pod-template-generation`), then, node by node in name
//! order: creates a pod where one should run and none exists (generateName `<ds>-`, the daemon
//! tolerations, and a required node affinity `metadata.name In [<node>]` so that the default
//! scheduler binds it there), deletes failed pods, duplicates (all but the oldest) and pods on
//! nodes that no longer qualify (labels changed, an untolerated NoExecute taint). Pods that
//! were never bound and target a node that is gone are deleted here; pods bound to a deleted
//! node are left to the pod garbage collector, as in a real cluster. With the RollingUpdate
//! strategy (maxSurge 0) old-revision pods are deleted within the maxUnavailable budget and
//! recreated from the new template once they are gone.
//!
//! Node events: a watch event carries only the node, so `keys_for` returns the node's own key,
//! and reconciling a Node key syncs every DaemonSet (in the store's order, namespace then
//! name). A new node, a deleted one, or changed labels and taints are seen that way.

mod nodes;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetStatus};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::sim::events::{self, EventType};
use crate::store::{selector, ObjectRef, WatchEvent, WatchEventType};
use crate::time::SimDuration;

use super::owner::{availability, controlled_by, controller_key, is_ready};
use super::replicaset::{earliest, pod_from_template};
use super::revision::{self, POD_REVISION_LABEL};
use super::{Ctx, Requeue};

pub use nodes::{add_daemon_tolerations, should_run, target_node, target_of};

/// The label recording the DaemonSet generation a pod was made from.
pub const TEMPLATE_GENERATION_LABEL: &str = "pod-template-generation";

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match event.key.kind {
        Kind::DaemonSet if event.event_type != WatchEventType::Deleted => vec![event.key.clone()],
        Kind::Pod => controller_key(event.object.metadata(), Kind::DaemonSet).into_iter().collect(),
        Kind::Node => vec![event.key.clone()],
        // Pod creations refused for a missing ServiceAccount are retried once it exists.
        Kind::ServiceAccount if event.event_type == WatchEventType::Added => vec![event.key.clone()],
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    match key.kind {
        Kind::DaemonSet => sync(ctx, key),
        Kind::Node => {
            let all: Vec<ObjectRef> = ctx.api.store.list(Kind::DaemonSet, None).map(|o| ObjectRef::of(o)).collect();
            all.iter().fold(Requeue::Done, |r, ds| earliest(r, sync(ctx, ds)))
        }
        Kind::ServiceAccount => {
            let sets = super::owner::running_as(ctx.api.store, Kind::DaemonSet, key.namespace.as_deref(), &key.name);
            sets.iter().fold(Requeue::Done, |r, ds| earliest(r, sync(ctx, ds)))
        }
        _ => Requeue::Done,
    }
}

fn pod_of(o: &Arc<Object>) -> Option<&Pod> {
    match o.as_ref() {
        Object::Pod(p) => Some(p),
        _ => None,
    }
}

fn revision_hash(p: &Pod) -> Option<&str> {
    p.metadata.labels.as_ref().and_then(|l| l.get(POD_REVISION_LABEL)).map(String::as_str)
}

/// The DaemonSet's pods by the node they are for (pods with no target under "").
fn pods_by_node(ctx: &Ctx<'_, '_>, ds: &DaemonSet) -> BTreeMap<String, Vec<Arc<Object>>> {
    let uid = ds.metadata.uid.as_deref().unwrap_or("");
    let mut map: BTreeMap<String, Vec<Arc<Object>>> = BTreeMap::new();
    for o in ctx.api.store.list(Kind::Pod, ds.metadata.namespace.as_deref()) {
        let Some(p) = pod_of(o) else { continue };
        if controlled_by(&p.metadata, uid) {
            map.entry(target_of(p.spec.as_ref()).unwrap_or_default()).or_default().push(o.clone());
        }
    }
    for pods in map.values_mut() {
        pods.sort_by_key(|o| o.metadata().creation_timestamp.as_ref().map(|t| t.0));
    }
    map
}

fn sync(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(obj) = ctx.api.store.get(key).cloned() else { return Requeue::Done };
    let Object::DaemonSet(ds) = obj.as_ref() else { return Requeue::Done };
    if ds.metadata.deletion_timestamp.is_some() {
        return Requeue::Done;
    }
    match selector::from_label_selector(&ds.spec.selector) {
        Ok(sel) if !sel.is_empty() => {}
        _ => return Requeue::Done,
    }
    let old_status = ds.status.clone().unwrap_or_default();
    let mut history = revision::history(ctx.api.store, &obj);
    let spec = revision::Spec { owner: &obj, template: &ds.spec.template, collision_count: old_status.collision_count, daemon: true };
    let Some((current, collision)) = revision::ensure(ctx, &spec, &mut history) else { return Requeue::Done };
    let hash = current.metadata.labels.as_ref().and_then(|l| l.get(POD_REVISION_LABEL)).cloned().unwrap_or_default();
    let nodes: Vec<Arc<Object>> = ctx.api.store.list(Kind::Node, None).cloned().collect();
    let by_node = pods_by_node(ctx, ds);
    let template_spec = ds.spec.template.spec.clone().unwrap_or_default();

    let (mut create, mut delete) = (Vec::new(), Vec::new());
    for n in &nodes {
        let Object::Node(node) = n.as_ref() else { continue };
        let name = node.metadata.name.clone().unwrap_or_default();
        let (run, keep) = should_run(&template_spec, node);
        let pods = by_node.get(&name).map(Vec::as_slice).unwrap_or(&[]);
        let live: Vec<&Pod> = pods.iter().filter_map(pod_of).filter(|p| p.metadata.deletion_timestamp.is_none()).collect();
        if run && pods.is_empty() {
            create.push(name);
        } else if keep {
            let failed = |p: &&Pod| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Failed");
            for p in live.iter().filter(|p| failed(p)) {
                let ns = p.metadata.namespace.as_deref().unwrap_or("default");
                let msg = format!("Found failed daemon pod {ns}/{} on node {name}, will try to kill it", name_of(p));
                events::record(ctx.api, &obj, EventType::Warning, "FailedDaemonPod", &msg, &ctx.by, None, ctx.cause);
            }
            delete.extend(live.iter().filter(|p| failed(p)).map(name_of));
            delete.extend(live.iter().filter(|p| !failed(p)).skip(1).map(name_of));
        } else {
            delete.extend(live.iter().map(name_of));
        }
    }
    // Never-bound pods aimed at a node that no longer exists.
    let node_names: BTreeSet<&str> = nodes.iter().map(|n| n.name()).collect();
    for (node, pods) in &by_node {
        if node_names.contains(node.as_str()) {
            continue;
        }
        let unbound = pods.iter().filter_map(pod_of).filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_none_or(str::is_empty));
        delete.extend(unbound.filter(|p| p.metadata.deletion_timestamp.is_none()).map(|p| name_of(&p)));
    }
    if create.is_empty() && delete.is_empty() && is_rolling(ds) {
        delete = rolling_update(ctx, ds, &nodes, &by_node, &hash, &template_spec);
    }
    for node in &create {
        create_pod(ctx, &obj, ds, node, &hash);
    }
    for name in &delete {
        delete_pod(ctx, &obj, name);
    }

    let by_node = pods_by_node(ctx, ds);
    let live: BTreeSet<String> = by_node.values().flatten().filter_map(|o| pod_of(o).and_then(revision_hash)).map(|h| revision::revision_name(key.name.as_str(), h)).chain([current.metadata.name.clone().unwrap_or_default()]).collect();
    revision::truncate(ctx, &history, &live, ds.spec.revision_history_limit.unwrap_or(10));
    let (status, wait) = status_of(ctx, ds, &nodes, &by_node, &hash, collision, &template_spec);
    if ds.status.as_ref() != Some(&status) {
        let mut updated = ds.as_ref().clone();
        updated.status = Some(status);
        updated.metadata.resource_version = None;
        let _ = ctx.api.update(updated.into(), &ctx.by, ctx.cause);
    }
    wait.map_or(Requeue::Done, Requeue::After)
}

fn name_of(p: &&Pod) -> String {
    p.metadata.name.clone().unwrap_or_default()
}

fn is_rolling(ds: &DaemonSet) -> bool {
    ds.spec.update_strategy.as_ref().and_then(|s| s.type_.as_deref()).unwrap_or("RollingUpdate") == "RollingUpdate"
}

/// `rollingUpdate` without surge: on each eligible node holding only an old-revision pod,
/// an unavailable one is replaced at once; available ones as long as fewer than maxUnavailable
/// nodes are without an available pod of the new revision. Returns the pods to delete.
fn rolling_update(ctx: &Ctx<'_, '_>, ds: &DaemonSet, nodes: &[Arc<Object>], by_node: &BTreeMap<String, Vec<Arc<Object>>>, hash: &str, spec: &k8s_openapi::api::core::v1::PodSpec) -> Vec<String> {
    let min_ready = ds.spec.min_ready_seconds.unwrap_or(0);
    let available = |p: &Pod| matches!(availability(p, min_ready, ctx.api.now), Ok(true));
    let eligible: Vec<&str> = nodes.iter().filter_map(|n| match n.as_ref() {
        Object::Node(node) if should_run(spec, node).0 => node.metadata.name.as_deref(),
        _ => None,
    }).collect();
    let desired = eligible.len() as i32;
    let max_unavailable = ds.spec.update_strategy.as_ref().and_then(|s| s.rolling_update.as_ref()).and_then(|r| r.max_unavailable.as_ref()).map_or(1, |v| scaled(v, desired));
    let (mut unavailable, mut replace, mut candidates) = (0, Vec::new(), Vec::new());
    for node in eligible {
        let live: Vec<&Pod> = by_node.get(node).into_iter().flatten().filter_map(pod_of).filter(|p| p.metadata.deletion_timestamp.is_none()).collect();
        let new = live.iter().find(|p| revision_hash(p) == Some(hash));
        let old = live.iter().find(|p| revision_hash(p) != Some(hash));
        match (new, old) {
            (None, None) | (Some(_), Some(_)) => unavailable += 1,
            (Some(n), None) => unavailable += i32::from(!available(n)),
            (None, Some(o)) if !available(o) => replace.push(name_of(o)),
            (None, Some(o)) => candidates.push(name_of(o)),
        }
    }
    let budget = (max_unavailable - unavailable).max(0) as usize;
    replace.extend(candidates.into_iter().take(budget));
    replace
}

/// An IntOrString against `total`, percentages rounded up (as the DaemonSet controller does).
fn scaled(v: &IntOrString, total: i32) -> i32 {
    match v {
        IntOrString::Int(i) => *i,
        IntOrString::String(s) => s.strip_suffix('%').and_then(|n| n.parse::<i64>().ok()).map_or(1, |p| ((p * i64::from(total) + 99) / 100) as i32),
    }
}

fn create_pod(ctx: &mut Ctx<'_, '_>, owner: &Arc<Object>, ds: &DaemonSet, node: &str, hash: &str) {
    let mut template = ds.spec.template.clone();
    let labels = template.metadata.get_or_insert_with(Default::default).labels.get_or_insert_with(BTreeMap::new);
    labels.insert(TEMPLATE_GENERATION_LABEL.into(), ds.metadata.generation.unwrap_or(1).to_string());
    labels.insert(POD_REVISION_LABEL.into(), hash.to_string());
    let spec = template.spec.get_or_insert_with(Default::default);
    add_daemon_tolerations(spec);
    spec.affinity = Some(target_node(spec.affinity.take(), node));
    let pod = pod_from_template(owner, ds.metadata.name.as_deref().unwrap_or(""), &template);
    super::replicaset::create_pod_reporting(ctx, owner, pod);
}

fn delete_pod(ctx: &mut Ctx<'_, '_>, owner: &Arc<Object>, name: &str) {
    let key = ObjectRef::new(Kind::Pod, owner.namespace(), name);
    match ctx.api.delete(&key, Propagation::Background, &ctx.by, ctx.cause) {
        Ok(_) => {
            let msg = format!("Deleted pod: {name}");
            events::record(ctx.api, owner, EventType::Normal, "SuccessfulDelete", &msg, &ctx.by, None, ctx.cause);
        }
        Err(e) => {
            let msg = format!("Error deleting: {}", e.message());
            events::record(ctx.api, owner, EventType::Warning, "FailedDelete", &msg, &ctx.by, None, ctx.cause);
        }
    }
}

/// `updateDaemonSetStatus`; also how long until a Ready pod becomes available.
fn status_of(ctx: &Ctx<'_, '_>, ds: &DaemonSet, nodes: &[Arc<Object>], by_node: &BTreeMap<String, Vec<Arc<Object>>>, hash: &str, collision: Option<i32>, spec: &k8s_openapi::api::core::v1::PodSpec) -> (DaemonSetStatus, Option<SimDuration>) {
    let min_ready = ds.spec.min_ready_seconds.unwrap_or(0);
    let mut st = DaemonSetStatus { collision_count: collision, observed_generation: ds.metadata.generation, ..Default::default() };
    let (mut available, mut updated) = (0, 0);
    let mut wait: Option<SimDuration> = None;
    for n in nodes {
        let Object::Node(node) = n.as_ref() else { continue };
        let pods = by_node.get(node.metadata.name.as_deref().unwrap_or("")).map(Vec::as_slice).unwrap_or(&[]);
        let (run, _) = should_run(spec, node);
        if !run {
            st.number_misscheduled += i32::from(!pods.is_empty());
            continue;
        }
        st.desired_number_scheduled += 1;
        let Some(p) = pods.first().and_then(pod_of) else { continue };
        st.current_number_scheduled += 1;
        if is_ready(p) {
            st.number_ready += 1;
            match availability(p, min_ready, ctx.api.now) {
                Ok(true) => available += 1,
                Ok(false) => {}
                Err(d) => wait = Some(wait.map_or(d, |w| w.min(d))),
            }
        }
        if revision_hash(p) == Some(hash) {
            updated += 1;
        }
    }
    // Zero counts are omitted from the status, as Go's omitempty does.
    let nz = |n: i32| (n != 0).then_some(n);
    st.number_available = nz(available);
    st.updated_number_scheduled = nz(updated);
    st.number_unavailable = nz(st.desired_number_scheduled - available);
    st.conditions = ds.status.as_ref().and_then(|s| s.conditions.clone());
    (st, wait)
}
