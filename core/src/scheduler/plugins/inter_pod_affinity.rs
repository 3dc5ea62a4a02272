//! InterPodAffinity. PreFilter counts, per topology pair (topologyKey, node label value), the
//! bound pods that match the incoming pod's required affinity terms (a pod counts only if it
//! matches all of them) and anti-affinity terms, and the bound pods whose own required
//! anti-affinity terms match the incoming pod. Filter then checks the node's pairs, in the
//! plugin's order: affinity (UnschedulableAndUnresolvable), anti-affinity, existing pods'
//! anti-affinity (both Unschedulable). Score: preferred terms add (affinity) or subtract
//! (anti-affinity) their weight per matching bound pod's topology pair; normalised min..max.
//!
//! Counting reads every bound pod, as the real PreFilter does, but only for pods that carry
//! affinity terms; existing anti-affinity reads only the pods that declare it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodAffinityTerm};

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
    /// Preferred-term scores per topology pair; `None` when the pod has no preferred terms.
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
    if !pref_aff.is_empty() || !pref_anti.is_empty() {
        st.preferred = Some(BTreeMap::new());
    }
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
    if st.affinity_terms.is_empty() && st.anti_terms.is_empty() && st.preferred.is_none() {
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
        if let Some(pref) = st.preferred.as_mut() {
            for w in pref_aff.iter().filter(|w| term_matches(store, &w.pod_affinity_term, own_ns, existing)) {
                bump(pref, node, &w.pod_affinity_term.topology_key, w.weight as i64);
            }
            for w in pref_anti.iter().filter(|w| term_matches(store, &w.pod_affinity_term, own_ns, existing)) {
                bump(pref, node, &w.pod_affinity_term.topology_key, -(w.weight as i64));
            }
        }
    }
    st
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
