//! The pod's own `topologySpreadConstraints` as PodTopologySpread reads them
//! (`filterTopologySpreadConstraints` in the real plugin's `common.go`): only those with the
//! `whenUnsatisfiable` action asked for; the label selector parsed, with `matchLabelKeys`
//! turned into `key=value` requirements on the incoming pod's own values (keys it lacks are
//! left out); `minDomains` 1, `nodeAffinityPolicy` Honor and `nodeTaintsPolicy` Ignore when
//! unset. A node takes part in the counting only if it carries every constraint's topology
//! key, and for one constraint only if it passes that constraint's inclusion policies.
//! Matching pods are counted per node: same namespace as the incoming pod, not terminating,
//! selected by the constraint's selector.

use k8s_openapi::api::core::v1::Pod;

use crate::scheduler::cache::{Cache, NodeInfo};
use crate::scheduler::framework::PodCtx;
use crate::scheduler::plugins::{node_affinity, taint_toleration};
use crate::store::selector::{from_label_selector, Operator, Requirement, Selector};

pub const DO_NOT_SCHEDULE: &str = "DoNotSchedule";
pub const SCHEDULE_ANYWAY: &str = "ScheduleAnyway";

/// One constraint, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub max_skew: i64,
    pub topology_key: String,
    pub selector: Selector,
    pub min_domains: i64,
    /// `nodeAffinityPolicy: Honor`: only nodes matching the pod's nodeSelector and required
    /// node affinity count.
    pub honor_node_affinity: bool,
    /// `nodeTaintsPolicy: Honor`: nodes with a NoSchedule/NoExecute taint the pod does not
    /// tolerate do not count.
    pub honor_node_taints: bool,
}

/// The pod's constraints whose `whenUnsatisfiable` is `action`, in declaration order. A
/// selector that does not parse selects nothing.
pub fn pod_constraints(pod: &Pod, action: &str) -> Vec<Constraint> {
    let declared = pod.spec.as_ref().and_then(|s| s.topology_spread_constraints.as_deref()).unwrap_or(&[]);
    let labels = pod.metadata.labels.as_ref();
    let mut out = Vec::new();
    for c in declared.iter().filter(|c| c.when_unsatisfiable == action) {
        let mut selector = match c.label_selector.as_ref() {
            Some(sel) => from_label_selector(sel).unwrap_or_else(|_| Selector::nothing()),
            // A nil selector is `labels.Nothing()`.
            None => Selector::nothing(),
        };
        for key in c.match_label_keys.iter().flatten() {
            let Some(value) = labels.and_then(|l| l.get(key)) else { continue };
            if let Ok(r) = Requirement::new(key, Operator::Equals, std::slice::from_ref(value)) {
                selector = selector.with_requirement(r);
            }
        }
        out.push(Constraint {
            max_skew: c.max_skew as i64,
            topology_key: c.topology_key.clone(),
            selector,
            min_domains: c.min_domains.map_or(1, |m| m as i64),
            honor_node_affinity: c.node_affinity_policy.as_deref() != Some("Ignore"),
            honor_node_taints: c.node_taints_policy.as_deref() == Some("Honor"),
        });
    }
    out
}

/// `nodeLabelsMatchSpreadConstraints`: the node carries every constraint's topology key.
pub fn has_all_keys(node: &NodeInfo, constraints: &[Constraint]) -> bool {
    let Some(labels) = node.labels() else { return constraints.is_empty() };
    constraints.iter().all(|c| labels.contains_key(&c.topology_key))
}

/// `matchNodeInclusionPolicies`.
pub fn included(c: &Constraint, pod: &PodCtx<'_>, node: &NodeInfo) -> bool {
    if c.honor_node_affinity && !node_affinity::matches(pod, node) {
        return false;
    }
    if c.honor_node_taints && taint_toleration::filter(pod, node).is_some() {
        return false;
    }
    true
}

/// `countPodsMatchSelector` over the pods bound to `node`.
pub fn count_matching(cache: &Cache, node: &NodeInfo, selector: &Selector, namespace: &str) -> i64 {
    node.pods
        .iter()
        .filter(|k| k.namespace.as_deref() == Some(namespace))
        .filter_map(|k| cache.bound_pod(k).and_then(|p| p.pod()))
        .filter(|p| p.metadata.deletion_timestamp.is_none() && selector.matches(p.metadata.labels.as_ref()))
        .count() as i64
}

/// Whether the incoming pod is selected by the constraint itself (it then counts as one more
/// in the domain it lands in).
pub fn self_match(c: &Constraint, pod: &Pod) -> bool {
    c.selector.matches(pod.metadata.labels.as_ref())
}
