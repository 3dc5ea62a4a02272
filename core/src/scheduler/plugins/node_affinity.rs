//! NodeAffinity. Filter: `spec.nodeSelector` (every pair must be a node label) and
//! `requiredDuringSchedulingIgnoredDuringExecution` (terms ORed, a term's requirements ANDed;
//! an empty term matches nothing). Score: the sum of the weights of the matching
//! `preferredDuringSchedulingIgnoredDuringExecution` terms, normalised to 0..100.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{NodeSelectorRequirement, NodeSelectorTerm};

use crate::scheduler::cache::NodeInfo;
use crate::scheduler::framework::{PodCtx, Status};

pub const ERR_POD: &str = "node(s) didn't match Pod's node affinity/selector";
/// `errReasonConflict`: every required term names nodes by `metadata.name`, and no node is in
/// all of them.
pub const ERR_CONFLICT: &str = "pod affinity terms conflict";

/// PreFilter: when every required term names nodes with `metadata.name In`, the nodes they
/// name (terms ORed, a term's name requirements intersected): the only ones Filter runs on,
/// as a DaemonSet's pods name their node. `Ok(None)`: every node stays a candidate;
/// `Err`: the terms conflict.
pub fn pre_filter(spec: &k8s_openapi::api::core::v1::PodSpec) -> Result<Option<std::collections::BTreeSet<String>>, Status> {
    use std::collections::BTreeSet;
    let terms = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref())
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or(&[]);
    if terms.is_empty() {
        return Ok(None);
    }
    let mut names: BTreeSet<String> = BTreeSet::new();
    for t in terms {
        let mut term_names: Option<BTreeSet<String>> = None;
        for r in t.match_fields.iter().flatten().filter(|r| r.key == "metadata.name" && r.operator == "In") {
            let s: BTreeSet<String> = r.values.iter().flatten().cloned().collect();
            term_names = Some(match term_names {
                None => s,
                Some(prev) => prev.intersection(&s).cloned().collect(),
            });
        }
        // A term without a name requirement leaves every node eligible (terms are ORed).
        let Some(term_names) = term_names else { return Ok(None) };
        names.extend(term_names);
    }
    if names.is_empty() {
        return Err(Status::unresolvable(ERR_CONFLICT));
    }
    Ok(Some(names))
}

/// The status of the nodes a PreFilter result leaves out.
pub fn absent_reason() -> String {
    "node(s) didn't satisfy plugin(s) [NodeAffinity]".to_string()
}

/// One label requirement: In, NotIn, Exists, DoesNotExist, Gt, Lt (`nodeSelectorRequirement`).
fn label_requirement(r: &NodeSelectorRequirement, labels: Option<&BTreeMap<String, String>>) -> bool {
    let value = labels.and_then(|l| l.get(&r.key));
    let values = r.values.as_deref().unwrap_or(&[]);
    let int = |s: &str| s.parse::<i64>().ok();
    match r.operator.as_str() {
        "In" => value.is_some_and(|v| values.contains(v)),
        "NotIn" => value.is_none_or(|v| !values.contains(v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(v), [bound]) = (value.and_then(|v| int(v)), values) else { return false };
            let Some(bound) = int(bound) else { return false };
            if r.operator == "Gt" {
                v > bound
            } else {
                v < bound
            }
        }
        _ => false,
    }
}

/// A field requirement: only `metadata.name` with In / NotIn (one value) is served.
fn field_requirement(r: &NodeSelectorRequirement, node_name: &str) -> bool {
    if r.key != "metadata.name" {
        return false;
    }
    let values = r.values.as_deref().unwrap_or(&[]);
    match r.operator.as_str() {
        "In" => values.iter().any(|v| v == node_name),
        "NotIn" => !values.iter().any(|v| v == node_name),
        _ => false,
    }
}

pub fn term_matches(term: &NodeSelectorTerm, node: &NodeInfo) -> bool {
    term_matches_node(term, node.name(), node.labels())
}

/// A node selector term against a node's name and labels (also what the DaemonSet controller
/// uses to decide where its pods should run): requirements ANDed; an empty term matches
/// nothing.
pub fn term_matches_node(term: &NodeSelectorTerm, name: &str, labels: Option<&BTreeMap<String, String>>) -> bool {
    let exprs = term.match_expressions.as_deref().unwrap_or(&[]);
    let fields = term.match_fields.as_deref().unwrap_or(&[]);
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    exprs.iter().all(|r| label_requirement(r, labels)) && fields.iter().all(|r| field_requirement(r, name))
}

/// Whether `node` satisfies the pod's nodeSelector and required node affinity.
pub fn matches(pod: &PodCtx<'_>, node: &NodeInfo) -> bool {
    if let Some(sel) = pod.spec.node_selector.as_ref() {
        let labels = node.labels();
        if !sel.iter().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v)) {
            return false;
        }
    }
    let required = pod
        .spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref());
    match required {
        Some(sel) => sel.node_selector_terms.iter().any(|t| term_matches(t, node)),
        None => true,
    }
}

pub fn filter(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<Status> {
    (!matches(pod, node)).then(|| Status::unresolvable(ERR_POD))
}

/// Whether the pod has preferred terms (PreScore skips the plugin otherwise).
pub fn has_preferred(pod: &PodCtx<'_>) -> bool {
    pod.spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| a.preferred_during_scheduling_ignored_during_execution.as_ref())
        .is_some_and(|p| !p.is_empty())
}

pub fn score(pod: &PodCtx<'_>, node: &NodeInfo) -> i64 {
    let preferred = pod
        .spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| a.preferred_during_scheduling_ignored_during_execution.as_deref())
        .unwrap_or(&[]);
    preferred.iter().filter(|p| p.weight != 0 && term_matches(&p.preference, node)).map(|p| p.weight as i64).sum()
}
