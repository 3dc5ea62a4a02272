//! PodTopologySpread with the system default constraints, which apply to pods that declare
//! none: `kubernetes.io/hostname` maxSkew 3 and `topology.kubernetes.io/zone` maxSkew 5, both
//! ScheduleAnyway, over the pods selected by the pod's "default selector": the selectors of
//! the Services that select it, ANDed with the selector of its controlling ReplicaSet,
//! ReplicationController or StatefulSet. No selector, no constraints: the plugin is skipped.
//!
//! Score per node: Σ over constraints whose key the node carries of
//! `matching pods in the node's domain × ln(domains + 2) + (maxSkew − 1)`, rounded; then
//! normalised so the emptiest domain scores 100: `100 × (max + min − s) / max`.
//!
//! A controller's own pods are what its selector matches (controllers adopt and release pods
//! to keep it so), so pods with a controller are counted from the cache's per-node and
//! per-zone tallies, kept by the number the cache gives each owner uid and zone value; only
//! pods selected by Services alone are matched by labels.
//!
//! A pod that declares constraints of its own is handled by `spread_filter.rs` (DoNotSchedule)
//! and `spread_score.rs` (ScheduleAnyway) instead.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::scheduler::cache::{Cache, NodeInfo};
use crate::scheduler::framework::MAX_NODE_SCORE;
use crate::store::selector::{from_map, Selector};
use crate::store::{ObjectRef, Store};

pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
const HOSTNAME_MAX_SKEW: i64 = 3;
const ZONE_MAX_SKEW: i64 = 5;

/// Which pods count as "the same group" as the incoming one.
#[derive(Debug, Clone)]
pub enum Group {
    /// Pods whose controlling owner has this uid.
    Owner(String),
    /// Pods in `namespace` matching the merged Service selectors.
    Labels { namespace: String, selector: Selector },
}

/// PreScore: the pod's group, or `None` when the default constraints do not apply.
pub fn group(store: &Store, pod: &Pod) -> Option<Group> {
    let spec = pod.spec.as_ref()?;
    if spec.topology_spread_constraints.as_ref().is_some_and(|c| !c.is_empty()) {
        return None;
    }
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    if let Some(owner) = pod.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true)) {
        let kind = match owner.kind.as_str() {
            "ReplicaSet" => Some(Kind::ReplicaSet),
            "ReplicationController" => Some(Kind::ReplicationController),
            "StatefulSet" => Some(Kind::StatefulSet),
            _ => None,
        };
        if let Some(kind) = kind {
            if store.get(&ObjectRef::new(kind, Some(ns), &owner.name)).is_some_and(|o| o.metadata().uid.as_deref() == Some(&owner.uid)) {
                return Some(Group::Owner(owner.uid.clone()));
            }
        }
    }
    let mut merged = BTreeMap::new();
    for svc in store.list(Kind::Service, Some(ns)) {
        let Object::Service(s) = svc.as_ref() else { continue };
        let Some(sel) = s.spec.as_ref().and_then(|s| s.selector.as_ref()) else { continue };
        if !sel.is_empty() && from_map(sel).matches(pod.metadata.labels.as_ref()) {
            merged.extend(sel.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    (!merged.is_empty()).then(|| Group::Labels { namespace: ns.to_string(), selector: from_map(&merged) })
}

/// What PreScore computes for the feasible nodes.
#[derive(Debug, Clone)]
pub struct State {
    group: Group,
    /// The owner's number in the cache (Owner groups; `None` while none of its pods is bound).
    owner: Option<u32>,
    host_weight: f64,
    zone_weight: f64,
    /// Pods of the group per zone number.
    zone_counts: Vec<i64>,
}

pub fn pre_score(cache: &Cache, group: Group, feasible: &[&NodeInfo]) -> State {
    // The distinct zone values (`""` for nodes without the label counts as one), by number.
    let mut seen = vec![false; cache.zone_ids()];
    let mut zones = 0;
    for n in feasible {
        if let Some(s) = seen.get_mut(n.zone_id as usize).filter(|s| !**s) {
            *s = true;
            zones += 1;
        }
    }
    let mut zone_counts = vec![0i64; cache.zone_ids()];
    let owner = match &group {
        Group::Owner(uid) => cache.owner_id(uid),
        Group::Labels { .. } => None,
    };
    match &group {
        Group::Owner(_) => {
            for (z, &c) in owner.map_or(&[][..], |o| cache.zone_owner_counts(o)).iter().enumerate() {
                zone_counts[z] = c as i64;
            }
        }
        Group::Labels { namespace, selector } => {
            for p in cache.bound_pods().values() {
                let Some(pod) = p.pod() else { continue };
                if pod.metadata.namespace.as_deref() == Some(namespace) && selector.matches(pod.metadata.labels.as_ref()) {
                    let zone = cache.node(&p.node).map_or(0, |n| n.zone_id);
                    zone_counts[zone as usize] += 1;
                }
            }
        }
    }
    State { group, owner, host_weight: ((feasible.len() + 2) as f64).ln(), zone_weight: ((zones + 2) as f64).ln(), zone_counts }
}

fn host_count(cache: &Cache, st: &State, node: &NodeInfo) -> i64 {
    match &st.group {
        Group::Owner(_) => st.owner.and_then(|o| node.owners.get(o)).unwrap_or(0) as i64,
        Group::Labels { namespace, selector } => node
            .pods
            .iter()
            .filter(|k| k.namespace.as_deref() == Some(namespace.as_str()))
            .filter_map(|k| cache.bound_pod(k).and_then(|p| p.pod()))
            .filter(|p| selector.matches(p.metadata.labels.as_ref()))
            .count() as i64,
    }
}

pub fn score(cache: &Cache, st: &State, node: &NodeInfo) -> i64 {
    let mut score = 0.0;
    if node.has_hostname {
        score += host_count(cache, st, node) as f64 * st.host_weight + (HOSTNAME_MAX_SKEW - 1) as f64;
    }
    if node.has_zone {
        let cnt = st.zone_counts.get(node.zone_id as usize).copied().unwrap_or(0);
        score += cnt as f64 * st.zone_weight + (ZONE_MAX_SKEW - 1) as f64;
    }
    score.round() as i64
}

/// NormalizeScore: the least crowded node gets the most.
pub fn normalize(scores: &mut [i64]) {
    let (min, max) = (scores.iter().copied().min().unwrap_or(0), scores.iter().copied().max().unwrap_or(0));
    for s in scores.iter_mut() {
        *s = if max == 0 { MAX_NODE_SCORE } else { MAX_NODE_SCORE * (max + min - *s) / max };
    }
}
