//! PodTopologySpread's PreScore, Score and NormalizeScore for the pod's own
//! `whenUnsatisfiable: ScheduleAnyway` constraints (the real plugin's `scoring.go`; the
//! system default constraints are in `topology_spread.rs`).
//!
//! PreScore: feasible nodes lacking any constraint's topology key are ignored (they score 0).
//! The others name the domains that matter: for each constraint the values of its key among
//! them, and a weight `ln(number of those domains + 2)` (for `kubernetes.io/hostname`, the
//! number of nodes not ignored). Then every node of the snapshot that carries all the keys
//! adds the pods it holds that a constraint selects to its domain, if that domain matters and
//! the node passes the constraint's inclusion policies.
//!
//! Score per node: Σ over constraints of `count × weight + (maxSkew − 1)`, where the count is
//! the node's own matching pods for hostname constraints and its domain's total otherwise;
//! rounded. NormalizeScore: `100 × (max + min − s) / max` over the nodes not ignored (100 for
//! all when max is 0); ignored nodes get 0.

use std::collections::BTreeMap;

use crate::scheduler::cache::{Cache, NodeInfo};
use crate::scheduler::framework::{PodCtx, MAX_NODE_SCORE};

use super::spread_constraints::{count_matching, has_all_keys, included, pod_constraints, Constraint, SCHEDULE_ANYWAY};
use super::topology_spread::LABEL_HOSTNAME;

/// What PreScore computed.
#[derive(Debug, Clone)]
pub struct State {
    constraints: Vec<Constraint>,
    namespace: String,
    /// Per constraint (hostname ones stay empty): matching pods per domain that matters.
    domains: Vec<BTreeMap<String, i64>>,
    weights: Vec<f64>,
}

/// `None` when the pod has no ScheduleAnyway constraint (the plugin is skipped).
pub fn pre_score(cache: &Cache, pod: &PodCtx<'_>, feasible: &[&NodeInfo]) -> Option<State> {
    let constraints = pod_constraints(pod.pod, SCHEDULE_ANYWAY);
    if constraints.is_empty() {
        return None;
    }
    let mut domains: Vec<BTreeMap<String, i64>> = vec![BTreeMap::new(); constraints.len()];
    let mut counted = 0usize;
    for node in feasible.iter().filter(|n| has_all_keys(n, &constraints)) {
        counted += 1;
        for (i, c) in constraints.iter().enumerate().filter(|(_, c)| c.topology_key != LABEL_HOSTNAME) {
            if let Some(v) = node.label(&c.topology_key) {
                domains[i].entry(v.to_string()).or_insert(0);
            }
        }
    }
    let weights = constraints
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let size = if c.topology_key == LABEL_HOSTNAME { counted } else { domains[i].len() };
            ((size + 2) as f64).ln()
        })
        .collect();
    let namespace = pod.pod.metadata.namespace.clone().unwrap_or_else(|| "default".into());
    for pos in 0..cache.num_nodes() {
        let node = cache.node_at(pos);
        if !has_all_keys(node, &constraints) {
            continue;
        }
        for (i, c) in constraints.iter().enumerate() {
            let Some(value) = node.label(&c.topology_key) else { continue };
            if !domains[i].contains_key(value) || !included(c, pod, node) {
                continue;
            }
            let n = count_matching(cache, node, &c.selector, &namespace);
            if let Some(total) = domains[i].get_mut(value) {
                *total += n;
            }
        }
    }
    Some(State { constraints, namespace, domains, weights })
}

/// Whether the node is left out of scoring (it lacks a topology key).
pub fn ignored(st: &State, node: &NodeInfo) -> bool {
    !has_all_keys(node, &st.constraints)
}

pub fn score(cache: &Cache, st: &State, node: &NodeInfo) -> i64 {
    if ignored(st, node) {
        return 0;
    }
    let mut score = 0.0;
    for (i, c) in st.constraints.iter().enumerate() {
        let Some(value) = node.label(&c.topology_key) else { continue };
        let count = if c.topology_key == LABEL_HOSTNAME {
            count_matching(cache, node, &c.selector, &st.namespace)
        } else {
            st.domains[i].get(value).copied().unwrap_or(0)
        };
        score += count as f64 * st.weights[i] + (c.max_skew - 1) as f64;
    }
    score.round() as i64
}

/// NormalizeScore with the ignored nodes left at 0.
pub fn normalize(scores: &mut [i64], ignored: &[bool]) {
    let live = || scores.iter().zip(ignored).filter(|(_, &ig)| !ig).map(|(s, _)| *s);
    let min = live().min().unwrap_or(0);
    let max = live().max().unwrap_or(0).max(0);
    for (s, &ig) in scores.iter_mut().zip(ignored) {
        *s = if ig {
            0
        } else if max == 0 {
            MAX_NODE_SCORE
        } else {
            MAX_NODE_SCORE * (max + min - *s) / max
        };
    }
}
