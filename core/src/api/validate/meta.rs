//! ObjectMeta (name rules per kind, labels, annotations), label selectors (validation and
//! matching), and the Go renderings of values that appear in messages.

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::names;
use super::path::Path;
use super::{go_quote, BadValue, FieldError};
use crate::api::kinds::Kind;

type Labels = BTreeMap<String, String>;

/// The name rule of each kind (its `Validate<Kind>Name`).
fn name_rule(kind: Kind) -> fn(&str) -> Vec<String> {
    match kind {
        Kind::Namespace | Kind::StatefulSet => names::dns1123_label,
        Kind::Service => names::dns1035_label,
        Kind::HorizontalPodAutoscaler | Kind::PersistentVolume | Kind::Event => names::path_segment,
        _ => names::dns1123_subdomain,
    }
}

pub(super) fn object_meta(meta: &ObjectMeta, kind: Kind) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let name = meta.name.as_deref().unwrap_or("");
    let generate_name = meta.generate_name.as_deref().unwrap_or("");
    if name.is_empty() {
        if generate_name.is_empty() {
            errs.push(FieldError::required("metadata.name", "name or generateName is required"));
        }
    } else {
        for msg in name_rule(kind)(name) {
            errs.push(FieldError::invalid("metadata.name", BadValue::Str(name.into()), msg));
        }
    }
    if kind.info().namespaced {
        if let Some(ns) = meta.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            for msg in names::dns1123_label(ns) {
                errs.push(FieldError::invalid("metadata.namespace", BadValue::Str(ns.into()), msg));
            }
        }
    }
    labels(meta.labels.as_ref(), &Path::new("metadata.labels"), &mut errs);
    annotations(meta.annotations.as_ref(), &Path::new("metadata.annotations"), &mut errs);
    errs
}

pub(super) fn labels(labels: Option<&Labels>, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    for (key, value) in labels.into_iter().flatten() {
        for msg in names::qualified_name(key) {
            errs.push(FieldError::invalid(path, BadValue::Str(key.clone()), msg));
        }
        for msg in names::label_value(value) {
            errs.push(FieldError::invalid(path, BadValue::Str(value.clone()), msg));
        }
    }
}

/// Annotation keys are checked lower-cased; the values together may hold at most 256 KiB.
pub(super) fn annotations(annotations: Option<&Labels>, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    let mut total = 0;
    for (key, value) in annotations.into_iter().flatten() {
        let lowered = if key.bytes().any(|c| c.is_ascii_uppercase()) { Cow::Owned(key.to_ascii_lowercase()) } else { Cow::Borrowed(key.as_str()) };
        for msg in names::qualified_name(&lowered) {
            errs.push(FieldError::invalid(path, BadValue::Str(key.clone()), msg));
        }
        total += key.len() + value.len();
    }
    if total > 256 * 1024 {
        errs.push(FieldError { path: path.into(), kind: super::FieldErrorKind::TooLong(256 * 1024), detail: String::new() });
    }
}

/// `ValidateLabelSelector`: matchLabels as labels, matchExpressions' operators and values.
pub(super) fn label_selector(sel: &LabelSelector, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    labels(sel.match_labels.as_ref(), &path.child("matchLabels"), errs);
    let expressions = path.child("matchExpressions");
    for (i, req) in sel.match_expressions.iter().flatten().enumerate() {
        let p = expressions.index(i);
        let has_values = req.values.as_ref().is_some_and(|v| !v.is_empty());
        match req.operator.as_str() {
            "In" | "NotIn" if !has_values => errs.push(FieldError::required(
                p.child("values"),
                "must be specified when `operator` is 'In' or 'NotIn'",
            )),
            "Exists" | "DoesNotExist" if has_values => errs.push(FieldError::forbidden(
                p.child("values"),
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            )),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            other => errs.push(FieldError::invalid(
                p.child("operator"),
                BadValue::Str(other.into()),
                "not a valid selector operator",
            )),
        }
        for msg in names::qualified_name(&req.key) {
            errs.push(FieldError::invalid(p.child("key"), BadValue::Str(req.key.clone()), msg));
        }
    }
}

pub(super) fn selector_is_empty(sel: &LabelSelector) -> bool {
    sel.match_labels.as_ref().is_none_or(BTreeMap::is_empty) && sel.match_expressions.as_ref().is_none_or(Vec::is_empty)
}

/// Whether `labels` satisfy `sel`. An invalid operator matches nothing.
pub(super) fn selector_matches(sel: &LabelSelector, labels: Option<&Labels>) -> bool {
    let empty = Labels::new();
    let labels = labels.unwrap_or(&empty);
    let match_labels = sel.match_labels.iter().flatten().all(|(k, v)| labels.get(k) == Some(v));
    let expressions = sel.match_expressions.iter().flatten().all(|req| {
        let values = req.values.as_deref().unwrap_or(&[]);
        let value = labels.get(&req.key);
        match req.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    });
    match_labels && expressions
}

/// Go's `%#v` of a `map[string]string`.
pub(super) fn go_map(m: Option<&Labels>) -> BadValue {
    BadValue::Raw(match m {
        None => "map[string]string(nil)".into(),
        Some(m) => {
            let items: Vec<String> = m.iter().map(|(k, v)| format!("{}:{}", go_quote(k), go_quote(v))).collect();
            format!("map[string]string{{{}}}", items.join(", "))
        }
    })
}

/// Go's `%#v` of a `v1.LabelSelector`.
pub(super) fn go_selector(sel: &LabelSelector) -> BadValue {
    let labels = match go_map(sel.match_labels.as_ref()) {
        BadValue::Raw(s) => s,
        other => other.to_string(),
    };
    let expressions = match &sel.match_expressions {
        None => "[]v1.LabelSelectorRequirement(nil)".to_string(),
        Some(reqs) => {
            let items: Vec<String> = reqs
                .iter()
                .map(|r| {
                    let values = match &r.values {
                        None => "[]string(nil)".to_string(),
                        Some(v) => format!("[]string{{{}}}", v.iter().map(|s| go_quote(s)).collect::<Vec<_>>().join(", ")),
                    };
                    format!("v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{values}}}", go_quote(&r.key), go_quote(&r.operator))
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
    };
    BadValue::Raw(format!("v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{expressions}}}"))
}

/// An IntOrString as its `String()` prints it (unquoted).
pub(super) fn int_or_string(v: &IntOrString) -> BadValue {
    BadValue::Raw(match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    })
}

/// `ValidateNonnegativeField`.
pub(super) fn non_negative(value: Option<i64>, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    if let Some(v) = value.filter(|v| *v < 0) {
        errs.push(FieldError::invalid(path, BadValue::Int(v), "must be greater than or equal to 0"));
    }
}

/// `ValidatePositiveIntOrPercent`.
pub(super) fn int_or_percent(v: &IntOrString, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    match v {
        IntOrString::String(s) => {
            for msg in names::percent(s) {
                errs.push(FieldError::invalid(path, int_or_string(v), msg));
            }
        }
        IntOrString::Int(i) => non_negative(Some(i64::from(*i)), path, errs),
    }
}

/// The integer an IntOrString stands for (a percent as its number), when it parses.
pub(super) fn int_or_percent_value(v: &IntOrString) -> Option<i64> {
    match v {
        IntOrString::Int(i) => Some(i64::from(*i)),
        IntOrString::String(s) => s.strip_suffix('%').and_then(|d| d.parse().ok()),
    }
}
