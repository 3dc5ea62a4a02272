//! PodTopologySpread's PreFilter and Filter for the pod's `whenUnsatisfiable: DoNotSchedule`
//! constraints (the real plugin's `filtering.go`).
//!
//! PreFilter walks every node of the snapshot. A node that lacks any constraint's topology key
//! is left out; otherwise, for each constraint whose inclusion policies it passes, the pods on
//! it that the constraint selects are added to its domain (the node's value of the key).
//! The domains so found are the eligible ones; the global minimum is the smallest count among
//! them, or 0 when there are fewer than `minDomains`.
//!
//! Filter, constraint by constraint: a node without the topology key fails as
//! UnschedulableAndUnresolvable with the `(missing required label)` reason; a node where
//! `count in its domain + (1 if the pod selects itself) − global minimum > maxSkew` fails as
//! Unschedulable. A pod without such constraints skips the plugin.

use std::collections::BTreeMap;

use crate::scheduler::cache::{Cache, NodeInfo};
use crate::scheduler::framework::{PodCtx, Status};

use super::spread_constraints::{count_matching, has_all_keys, included, pod_constraints, self_match, Constraint, DO_NOT_SCHEDULE};

pub const ERR_CONSTRAINTS_NOT_MATCH: &str = "node(s) didn't match pod topology spread constraints";
pub const ERR_NODE_LABEL_NOT_MATCH: &str = "node(s) didn't match pod topology spread constraints (missing required label)";

/// What PreFilter computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub constraints: Vec<Constraint>,
    /// Per constraint: matching pods per eligible domain (topology value).
    pub domains: Vec<BTreeMap<String, i64>>,
    /// Per constraint: whether the incoming pod matches its selector.
    pub self_match: Vec<bool>,
}

impl State {
    /// The global minimum of constraint `i` with `minDomains` applied.
    pub fn min_match(&self, i: usize) -> i64 {
        let domains = &self.domains[i];
        if (domains.len() as i64) < self.constraints[i].min_domains {
            return 0;
        }
        domains.values().copied().min().unwrap_or(i32::MAX as i64)
    }

    /// The skew the pod would make in `value`'s domain of constraint `i`.
    pub fn skew(&self, i: usize, value: &str) -> i64 {
        let count = self.domains[i].get(value).copied().unwrap_or(0);
        count + i64::from(self.self_match[i]) - self.min_match(i)
    }
}

/// PreFilter: `None` when the pod has no DoNotSchedule constraint (the plugin is skipped).
pub fn pre_filter(cache: &Cache, pod: &PodCtx<'_>) -> Option<State> {
    let constraints = pod_constraints(pod.pod, DO_NOT_SCHEDULE);
    if constraints.is_empty() {
        return None;
    }
    let ns = pod.pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut domains = vec![BTreeMap::new(); constraints.len()];
    for pos in 0..cache.num_nodes() {
        let node = cache.node_at(pos);
        if !has_all_keys(node, &constraints) {
            continue;
        }
        for (i, c) in constraints.iter().enumerate() {
            if !included(c, pod, node) {
                continue;
            }
            let Some(value) = node.label(&c.topology_key) else { continue };
            let n = count_matching(cache, node, &c.selector, ns);
            *domains[i].entry(value.to_string()).or_insert(0) += n;
        }
    }
    let self_match = constraints.iter().map(|c| self_match(c, pod.pod)).collect();
    Some(State { constraints, domains, self_match })
}

pub fn filter(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<Status> {
    let st = pod.spread.as_ref()?;
    for (i, c) in st.constraints.iter().enumerate() {
        let Some(value) = node.label(&c.topology_key) else {
            return Some(Status::unresolvable(ERR_NODE_LABEL_NOT_MATCH));
        };
        if st.skew(i, value) > c.max_skew {
            return Some(Status::unschedulable(vec![ERR_CONSTRAINTS_NOT_MATCH.to_string()]));
        }
    }
    None
}
