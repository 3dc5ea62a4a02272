//! `topologySpreadConstraints` of a PodSpec (`validateTopologySpreadConstraints` in
//! pkg/apis/core/validation): maxSkew above zero, a topologyKey, whenUnsatisfiable
//! DoNotSchedule or ScheduleAnyway, one constraint per {topologyKey, whenUnsatisfiable} pair,
//! minDomains above zero and only with DoNotSchedule, the node inclusion policies, matchLabelKeys
//! (label names, a labelSelector to go with them, no key in both) and the labelSelector itself.
//!
//! Simplified: the merge of matchLabelKeys into the pod's labelSelector on create
//! (MatchLabelKeysInPodTopologySpreadSelectorMerge) is not done, so the keys are checked against
//! the selector as written.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::TopologySpreadConstraint;

use super::path::Path;
use super::{meta, names, BadValue, FieldError};

const NOT_POSITIVE: &str = "must be greater than zero";
const ACTIONS: &[&str] = &["DoNotSchedule", "ScheduleAnyway"];
const NODE_POLICIES: &[&str] = &["Honor", "Ignore"];

pub(super) fn topology_spread_constraints(constraints: &[TopologySpreadConstraint], path: &Path<'_>, errs: &mut Vec<FieldError>) {
    for (i, c) in constraints.iter().enumerate() {
        let p = path.index(i);
        if c.max_skew <= 0 {
            errs.push(FieldError::invalid(p.child("maxSkew"), BadValue::Int(c.max_skew.into()), NOT_POSITIVE));
        }
        if c.topology_key.is_empty() {
            errs.push(FieldError::required(p.child("topologyKey"), "can not be empty"));
        }
        if !ACTIONS.contains(&c.when_unsatisfiable.as_str()) {
            errs.push(FieldError::unsupported(p.child("whenUnsatisfiable"), BadValue::Str(c.when_unsatisfiable.clone()), ACTIONS));
        }
        let repeated = constraints[i + 1..].iter().any(|r| r.topology_key == c.topology_key && r.when_unsatisfiable == c.when_unsatisfiable);
        if repeated {
            let pair = format!("{{{}, {}}}", c.topology_key, c.when_unsatisfiable);
            errs.push(FieldError::duplicate(p.child("{topologyKey, whenUnsatisfiable}"), BadValue::Str(pair)));
        }
        if let Some(min) = c.min_domains {
            let mp = p.child("minDomains");
            if min <= 0 {
                errs.push(FieldError::invalid(mp, BadValue::Int(min.into()), NOT_POSITIVE));
            }
            if c.when_unsatisfiable != "DoNotSchedule" {
                let detail = format!("can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {}", c.when_unsatisfiable);
                errs.push(FieldError::invalid(mp, BadValue::Int(min.into()), detail));
            }
        }
        for (field, policy) in [("nodeAffinityPolicy", &c.node_affinity_policy), ("nodeTaintsPolicy", &c.node_taints_policy)] {
            if let Some(policy) = policy.as_deref().filter(|v| !NODE_POLICIES.contains(v)) {
                errs.push(FieldError::unsupported(p.child(field), BadValue::Str(policy.into()), NODE_POLICIES));
            }
        }
        match_label_keys(c, &p.child("matchLabelKeys"), errs);
        if let Some(sel) = &c.label_selector {
            meta::label_selector(sel, &p.child("labelSelector"), errs);
        }
    }
}

/// `validateMatchLabelKeysInTopologySpread`.
fn match_label_keys(c: &TopologySpreadConstraint, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    let keys = c.match_label_keys.as_deref().unwrap_or(&[]);
    if keys.is_empty() {
        return;
    }
    let mut selector_keys = BTreeSet::new();
    match &c.label_selector {
        Some(sel) => {
            selector_keys.extend(sel.match_labels.iter().flatten().map(|(k, _)| k.as_str()));
            selector_keys.extend(sel.match_expressions.iter().flatten().map(|e| e.key.as_str()));
        }
        None => errs.push(FieldError::forbidden(path, "must not be specified when labelSelector is not set")),
    }
    for (i, key) in keys.iter().enumerate() {
        let p = path.index(i);
        for msg in names::qualified_name(key) {
            errs.push(FieldError::invalid(p, BadValue::Str(key.clone()), msg));
        }
        if selector_keys.contains(key.as_str()) {
            errs.push(FieldError::invalid(p, BadValue::Str(key.clone()), "exists in both matchLabelKeys and labelSelector"));
        }
    }
}
