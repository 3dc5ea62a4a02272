//! `kubectl describe horizontalpodautoscaler` (the autoscaling/v2 layout): reference, each
//! metric as `current / target`, replica bounds, behavior, the target's pod counts, conditions
//! and events.
//!
//! Quantities print in canonical form (`250m`, `0`); an unset quantity prints as Go prints a nil
//! `*Quantity`, `<nil>`.

use k8s_openapi::api::autoscaling::v2::{HPAScalingRules, HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget, MetricValueStatus};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::common::{annotations, events, labels, time_or_zero};
use super::writer::DescWriter;
use super::DescribeContext;
use crate::api::quantity::parse_quantity;

const UNKNOWN: &str = "<unknown>";

/// `Quantity.String()`: the canonical form, `<nil>` for an unset pointer.
fn quantity(q: Option<&Quantity>) -> String {
    match q {
        Some(q) => parse_quantity(q).map_or_else(|_| q.0.clone(), |p| p.to_string()),
        None => "<nil>".to_string(),
    }
}

/// Go's `%q` of a metric name.
fn quoted(s: &str) -> String {
    format!("{s:?}")
}

/// `current / target` of an average value or of a value, and the words kubectl names it by.
fn value_cells(average: bool, target: &MetricTarget, current: Option<&MetricValueStatus>) -> (&'static str, String) {
    let pick = |v: &MetricValueStatus| if average { v.average_value.clone() } else { v.value.clone() };
    let cur = current.map_or_else(|| UNKNOWN.to_string(), |c| quantity(pick(c).as_ref()));
    let tgt = if average { target.average_value.as_ref() } else { target.value.as_ref() };
    let kind = if average { "target average value" } else { "target value" };
    (kind, format!("{cur} / {}", quantity(tgt)))
}

/// The `as a percentage of request` cell: `12% (60m) / 50%`.
fn utilization(target: &MetricTarget, current: Option<&MetricValueStatus>) -> String {
    let cur = current
        .and_then(|c| c.average_utilization.map(|u| format!("{u}% ({})", quantity(c.average_value.as_ref()))))
        .unwrap_or_else(|| UNKNOWN.to_string());
    let tgt = target.average_utilization.map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
    format!("{cur} / {tgt}")
}

fn unknown(w: &mut DescWriter, m: &MetricSpec) {
    w.line(1, &format!("<unknown metric type {}>", quoted(&m.type_)));
}

fn metric(w: &mut DescWriter, m: &MetricSpec, status: Option<&MetricStatus>) {
    match m.type_.as_str() {
        "External" => {
            let Some(ext) = &m.external else { return unknown(w, m) };
            let cur = status.and_then(|s| s.external.as_ref()).map(|e| &e.current);
            // kubectl reads the average value only when the status has one.
            let cur = if ext.target.average_value.is_some() { cur.filter(|c| c.average_value.is_some()) } else { cur };
            let (kind, cells) = value_cells(ext.target.average_value.is_some(), &ext.target, cur);
            w.line(1, &format!("{} ({kind}):\t{cells}", quoted(&ext.metric.name)));
        }
        "Pods" => {
            let Some(pods) = &m.pods else { return unknown(w, m) };
            let cur = status.and_then(|s| s.pods.as_ref()).map_or_else(|| UNKNOWN.to_string(), |p| quantity(p.current.average_value.as_ref()));
            w.line(1, &format!("{} on pods:\t{cur} / {}", quoted(&pods.metric.name), quantity(pods.target.average_value.as_ref())));
        }
        "Object" => {
            let Some(obj) = &m.object else { return unknown(w, m) };
            w.write(1, &format!("\"{}\" on {}/{} ", obj.metric.name, obj.described_object.kind, obj.described_object.name));
            let cur = status.and_then(|s| s.object.as_ref()).map(|o| &o.current);
            let (kind, cells) = value_cells(obj.target.type_ == "AverageValue", &obj.target, cur);
            w.line(0, &format!("({kind}):\t{cells}"));
        }
        "Resource" => {
            let Some(r) = &m.resource else { return unknown(w, m) };
            w.write(1, &format!("resource {} on pods", r.name));
            let cur = status.and_then(|s| s.resource.as_ref()).map(|s| &s.current);
            resource_target(w, &r.target, cur);
        }
        "ContainerResource" => {
            let Some(r) = &m.container_resource else { return unknown(w, m) };
            w.write(1, &format!("resource {} of container \"{}\" on pods", r.name, r.container));
            let cur = status.and_then(|s| s.container_resource.as_ref()).map(|s| &s.current);
            resource_target(w, &r.target, cur);
        }
        _ => unknown(w, m),
    }
}

/// The rest of a resource metric line: `:  250m / 500m` for an average value, else the
/// utilization written at level 1 (hence kubectl's two spaces before the parenthesis).
fn resource_target(w: &mut DescWriter, target: &MetricTarget, cur: Option<&MetricValueStatus>) {
    if target.average_value.is_some() {
        let c = cur.map_or_else(|| UNKNOWN.to_string(), |c| quantity(c.average_value.as_ref()));
        w.line(0, &format!(":\t{c} / {}", quantity(target.average_value.as_ref())));
    } else {
        w.line(1, &format!("(as a percentage of request):\t{}", utilization(target, cur)));
    }
}

fn direction(w: &mut DescWriter, title: &str, rules: Option<&HPAScalingRules>) {
    let Some(rules) = rules else { return };
    w.line(1, &format!("{title}:"));
    if let Some(s) = rules.stabilization_window_seconds {
        w.line(2, &format!("Stabilization Window: {s} seconds"));
    }
    let policies = rules.policies.as_deref().unwrap_or_default();
    if !policies.is_empty() {
        w.line(2, &format!("Select Policy: {}", rules.select_policy.as_deref().unwrap_or("Max")));
        w.line(2, "Policies:");
        for p in policies {
            w.line(3, &format!("- Type: {}\tValue: {}\tPeriod: {} seconds", p.type_, p.value, p.period_seconds));
        }
    }
}

pub fn describe_hpa(hpa: &HorizontalPodAutoscaler, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &hpa.metadata;
    let spec = &hpa.spec;
    let status = hpa.status.clone().unwrap_or_default();
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    w.line(0, &format!("CreationTimestamp:\t{}", time_or_zero(meta.creation_timestamp.as_ref())));
    let target = &spec.scale_target_ref;
    w.line(0, &format!("Reference:\t{}/{}", target.kind, target.name));
    w.line(0, "Metrics:\t( current / target )");
    let current = status.current_metrics.as_deref().unwrap_or_default();
    for (i, m) in spec.metrics.iter().flatten().enumerate() {
        metric(&mut w, m, current.get(i));
    }
    w.line(0, &format!("Min replicas:\t{}", spec.min_replicas.map_or_else(|| "<unset>".to_string(), |m| m.to_string())));
    w.line(0, &format!("Max replicas:\t{}", spec.max_replicas));
    if let Some(b) = &spec.behavior {
        w.line(0, "Behavior:");
        direction(&mut w, "Scale Up", b.scale_up.as_ref());
        direction(&mut w, "Scale Down", b.scale_down.as_ref());
    }
    w.line(0, &format!("{} pods:\t{} current / {} desired", target.kind, status.current_replicas.unwrap_or(0), status.desired_replicas));
    let conditions = status.conditions.unwrap_or_default();
    if !conditions.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus\tReason\tMessage");
        w.line(1, "----\t------\t------\t-------");
        for c in &conditions {
            w.line(1, &format!("{}\t{}\t{}\t{}", c.type_, c.status, c.reason.as_deref().unwrap_or_default(), c.message.as_deref().unwrap_or_default()));
        }
    }
    events(&mut w, ctx.events.as_ref());
    w.finish()
}
