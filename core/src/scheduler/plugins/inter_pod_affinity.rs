//! InterPodAffinity. PreFilter counts, per topology pair (topologyKey, node label value), the
//! bound pods that match the incoming pod's required affinity terms (a pod counts only if it
//! matches all of them) and anti-affinity terms, and the bound pods whose own required
//! anti-affinity terms match the incoming pod. Filter then checks the node's pairs, in the
//! plugin's order: affinity (UnschedulableAndUnresolvable), anti-affinity, existing pods'
//! anti-affinity (both Unschedulable).
//!
//! Score (kube-scheduler's `scoring.go`): per topology pair of a bound pod's node, the sum of
//! - the incoming pod's preferred affinity terms the bound pod matches: +weight;
//! - the incoming pod's preferred anti-affinity terms the bound pod matches: -weight;
//! - the bound pod's required affinity terms the incoming pod matches: +hardPodAffinityWeight (1);
//! - the bound pod's preferred affinity terms the incoming pod matches: +weight;
//! - the bound pod's preferred anti-affinity terms the incoming pod matches: -weight.
//!
//! A node scores the pairs its labels carry; NormalizeScore is min..max to 0..100. PreScore
//! skips when no term matched at all. The plugin arguments are the defaults
//! (`hardPodAffinityWeight: 1`, `ignorePreferredTermsOfExistingPods: false`); terms'
//! `matchLabelKeys`/`mismatchLabelKeys` are not read.
//!
//! Counting reads every bound pod, as the real PreFilter does, but only for pods that carry
//! affinity terms; existing pods' terms are read only from the pods that declare them (the
//! cache's `anti_affinity_pods` and `affinity_score_pods`), so a pod without affinity costs
//! nothing per node.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodAffinityTerm, WeightedPodAffinityTerm};

use crate::api::{Kind, Object};
use crate::scheduler::cache::{Cache, NodeInfo};
use crate::scheduler::framework::{PodCtx, Status};
use crate::store::selector::from_label_selector;
use crate::store::{ObjectRef, Store};

pub const ERR_AFFINITY: &str = "node(s) didn't match pod affinity rules";
pub const ERR_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
pub const ERR_EXISTING_ANTI_AFFINITY: &str = "node(s) didn't satisfy existing pods anti-affinity rules";

type Pair = (String, String);

#[derive(Debug, Clone, Default)]
pub struct State {
    affinity_terms: Vec<PodAffinityTerm>,
    anti_terms: Vec<PodAffinityTerm>,
    affinity: BTreeMap<Pair, i64>,
    anti: BTreeMap<Pair, i64>,
    existing_anti: BTreeMap<Pair, i64>,
    /// PreScore's score per topology pair; `None` when PreScore skips (no term matched).
    pub preferred: Option<BTreeMap<Pair, i64>>,
    self_matches_all: bool,
}

/// Whether `term` (declared by a pod in `owner_ns`) selects `target`.
fn term_matches(store: &Store, term: &PodAffinityTerm, owner_ns: &str, target: &Pod) -> bool {
    let target_ns = target.metadata.namespace.as_deref().unwrap_or("default");
    let names = term.namespaces.as_deref().unwrap_or(&[]);
    let ns_ok = if names.is_empty() && term.namespace_selector.is_none() {
        target_ns == owner_ns
    } else {
        names.iter().any(|n| n == target_ns)
            || term.namespace_selector.as_ref().is_some_and(|sel| {
                let Ok(sel) = from_label_selector(sel) else { return false };
                let ns = store.get(&ObjectRef::new(Kind::Namespace, None, target_ns));
                sel.matches(ns.and_then(|n| n.metadata().labels.as_ref()))
            })
    };
    if !ns_ok {
        return false;
    }
    let Some(sel) = term.label_selector.as_ref() else { return false };
    let Ok(sel) = from_label_selector(sel) else { return false };
    sel.matches(target.metadata.labels.as_ref())
}

fn bump(map: &mut BTreeMap<Pair, i64>, node: &NodeInfo, key: &str, by: i64) {
    if let Some(v) = node.label(key) {
        *map.entry((key.to_string(), v.to_string())).or_default() += by;
    }
}

pub fn pre_filter(cache: &Cache, store: &Store, pod: &Pod) -> State {
    let own_ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let affinity = pod.spec.as_ref().and_then(|s| s.affinity.as_ref());
    let pa = affinity.and_then(|a| a.pod_affinity.as_ref());
    let paa = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
    let mut st = State {
        affinity_terms: pa.and_then(|a| a.required_during_scheduling_ignored_during_execution.clone()).unwrap_or_default(),
        anti_terms: paa.and_then(|a| a.required_during_scheduling_ignored_during_execution.clone()).unwrap_or_default(),
        ..Default::default()
    };
    let pref_aff = pa.and_then(|a| a.preferred_during_scheduling_ignored_during_execution.as_deref()).unwrap_or(&[]);
    let pref_anti = paa.and_then(|a| a.preferred_during_scheduling_ignored_during_execution.as_deref()).unwrap_or(&[]);
    let has_preferred = !pref_aff.is_empty() || !pref_anti.is_empty();
    let mut scores = existing_terms_score(cache, store, pod);
    for key in &cache.anti_affinity_pods {
        let Some(info) = cache.bound_pod(key) else { continue };
        let (Some(existing), Some(node)) = (info.pod(), cache.node(&info.node)) else { continue };
        let ns = existing.metadata.namespace.as_deref().unwrap_or("default");
        let terms = existing
            .spec
            .as_ref()
            .and_then(|s| s.affinity.as_ref())
            .and_then(|a| a.pod_anti_affinity.as_ref())
            .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_deref())
            .unwrap_or(&[]);
        for t in terms.iter().filter(|t| term_matches(store, t, ns, pod)) {
            bump(&mut st.existing_anti, node, &t.topology_key, 1);
        }
    }
    if st.affinity_terms.is_empty() && st.anti_terms.is_empty() && !has_preferred {
        st.preferred = (!scores.is_empty()).then_some(scores);
        return st;
    }
    st.self_matches_all = !st.affinity_terms.is_empty() && st.affinity_terms.iter().all(|t| term_matches(store, t, own_ns, pod));
    for info in cache.bound_pods().values() {
        let (Some(existing), Some(node)) = (info.pod(), cache.node(&info.node)) else { continue };
        if !st.affinity_terms.is_empty() && st.affinity_terms.iter().all(|t| term_matches(store, t, own_ns, existing)) {
            for t in &st.affinity_terms {
                bump(&mut st.affinity, node, &t.topology_key, 1);
            }
        }
        for t in st.anti_terms.iter().filter(|t| term_matches(store, t, own_ns, existing)) {
            bump(&mut st.anti, node, &t.topology_key, 1);
        }
        weighted(&mut scores, store, pref_aff, own_ns, existing, node, 1);
        weighted(&mut scores, store, pref_anti, own_ns, existing, node, -1);
    }
    st.preferred = (!scores.is_empty()).then_some(scores);
    st
}

/// kube-scheduler's `hardPodAffinityWeight` (InterPodAffinityArgs default).
pub const HARD_POD_AFFINITY_WEIGHT: i64 = 1;

/// Whether a bound pod's own terms can score an incoming pod: required or preferred pod
/// affinity, or preferred pod anti-affinity.
pub fn scores_others(pod: &Pod) -> bool {
    let affinity = pod.spec.as_ref().and_then(|s| s.affinity.as_ref());
    let pa = affinity.and_then(|a| a.pod_affinity.as_ref());
    let paa = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
    pa.is_some_and(|a| {
        a.required_during_scheduling_ignored_during_execution.as_ref().is_some_and(|t| !t.is_empty())
            || a.preferred_during_scheduling_ignored_during_execution.as_ref().is_some_and(|t| !t.is_empty())
    }) || paa.is_some_and(|a| a.preferred_during_scheduling_ignored_during_execution.as_ref().is_some_and(|t| !t.is_empty()))
}

/// Adds `sign` × weight for each of `terms` (declared in `owner_ns`) that `target` matches, at
/// the pair of `node` (the bound pod's node).
fn weighted(scores: &mut BTreeMap<Pair, i64>, store: &Store, terms: &[WeightedPodAffinityTerm], owner_ns: &str, target: &Pod, node: &NodeInfo, sign: i64) {
    for w in terms.iter().filter(|w| term_matches(store, &w.pod_affinity_term, owner_ns, target)) {
        bump(scores, node, &w.pod_affinity_term.topology_key, sign * w.weight as i64);
    }
}

/// The bound pods' own terms that the incoming pod matches (`processExistingPod`, its second
/// half), per topology pair of each bound pod's node.
fn existing_terms_score(cache: &Cache, store: &Store, pod: &Pod) -> BTreeMap<Pair, i64> {
    let mut scores = BTreeMap::new();
    for key in &cache.affinity_score_pods {
        let Some(info) = cache.bound_pod(key) else { continue };
        let (Some(existing), Some(node)) = (info.pod(), cache.node(&info.node)) else { continue };
        let ns = existing.metadata.namespace.as_deref().unwrap_or("default");
        let affinity = existing.spec.as_ref().and_then(|s| s.affinity.as_ref());
        let pa = affinity.and_then(|a| a.pod_affinity.as_ref());
        let paa = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
        let required = pa.and_then(|a| a.required_during_scheduling_ignored_during_execution.as_deref()).unwrap_or(&[]);
        for t in required.iter().filter(|t| term_matches(store, t, ns, pod)) {
            bump(&mut scores, node, &t.topology_key, HARD_POD_AFFINITY_WEIGHT);
        }
        let pref_aff = pa.and_then(|a| a.preferred_during_scheduling_ignored_during_execution.as_deref()).unwrap_or(&[]);
        weighted(&mut scores, store, pref_aff, ns, pod, node, 1);
        let pref_anti = paa.and_then(|a| a.preferred_during_scheduling_ignored_during_execution.as_deref()).unwrap_or(&[]);
        weighted(&mut scores, store, pref_anti, ns, pod, node, -1);
    }
    scores
}

fn count(map: &BTreeMap<Pair, i64>, node: &NodeInfo, key: &str) -> Option<i64> {
    node.label(key).map(|v| map.get(&(key.to_string(), v.to_string())).copied().unwrap_or(0))
}

pub fn filter(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<Status> {
    let st = &pod.interpod;
    let mut pods_exist = true;
    for t in &st.affinity_terms {
        match count(&st.affinity, node, &t.topology_key) {
            None => return Some(Status::unresolvable(ERR_AFFINITY)),
            Some(n) if n <= 0 => pods_exist = false,
            Some(_) => {}
        }
    }
    // The first pod of a group that selects itself may go anywhere the keys exist.
    let first_of_group = st.affinity.is_empty() && st.self_matches_all;
    if !pods_exist && !first_of_group {
        return Some(Status::unresolvable(ERR_AFFINITY));
    }
    if st.anti_terms.iter().any(|t| count(&st.anti, node, &t.topology_key).is_some_and(|n| n > 0)) {
        return Some(Status::unschedulable(vec![ERR_ANTI_AFFINITY.to_string()]));
    }
    if !st.existing_anti.is_empty() {
        let hit = node.labels().into_iter().flatten().any(|(k, v)| st.existing_anti.get(&(k.clone(), v.clone())).is_some_and(|n| *n > 0));
        if hit {
            return Some(Status::unschedulable(vec![ERR_EXISTING_ANTI_AFFINITY.to_string()]));
        }
    }
    None
}

pub fn score(pod: &PodCtx<'_>, node: &NodeInfo) -> i64 {
    let Some(pref) = pod.interpod.preferred.as_ref() else { return 0 };
    pref.iter().filter(|((k, v), _)| node.label(k) == Some(v.as_str())).map(|(_, s)| *s).sum()
}

/// Whether a pod object is a Pod at all (helper for callers holding `Object`s).
pub fn as_pod(obj: &Object) -> Option<&Pod> {
    match obj {
        Object::Pod(p) => Some(p),
        _ => None,
    }
}
