//! `kubectl describe` of resource quotas, limit ranges and namespaces (which list both).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota};

use super::common::{annotations, labels, time_or_zero};
use super::writer::DescWriter;
use super::DescribeContext;

fn scope_help(scope: &str) -> &'static str {
    match scope {
        "Terminating" => "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.",
        "NotTerminating" => "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.",
        "BestEffort" => "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.",
        "NotBestEffort" => "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.",
        _ => "",
    }
}

fn quota_rows(w: &mut DescWriter, level: usize, q: &ResourceQuota, dashes: &str) {
    w.line(level, "Resource\tUsed\tHard");
    w.line(level, &format!("--------\t{dashes}\t{dashes}"));
    let status = q.status.clone().unwrap_or_default();
    let used = status.used.unwrap_or_default();
    for (name, hard) in status.hard.iter().flatten() {
        let u = used.get(name).map_or_else(|| "0".to_string(), |q| q.0.clone());
        w.line(level, &format!("{name}\t{u}\t{}", hard.0));
    }
}

fn sorted_scopes(q: &ResourceQuota) -> Vec<String> {
    let mut scopes = q.spec.as_ref().and_then(|s| s.scopes.clone()).unwrap_or_default();
    scopes.sort();
    scopes
}

pub fn describe_quota(q: &ResourceQuota) -> String {
    let mut w = DescWriter::new();
    w.line(0, &format!("Name:\t{}", q.metadata.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", q.metadata.namespace.as_deref().unwrap_or_default()));
    let scopes = sorted_scopes(q);
    if !scopes.is_empty() {
        w.line(0, &format!("Scopes:\t{}", scopes.join(", ")));
        for s in &scopes {
            let help = scope_help(s);
            if !help.is_empty() {
                w.line(0, &format!(" * {help}"));
            }
        }
    }
    quota_rows(&mut w, 0, q, "----");
    w.finish()
}

fn limit_rows(w: &mut DescWriter, prefix: &str, lr: &LimitRange) {
    for item in lr.spec.iter().flat_map(|s| s.limits.iter()) {
        let maps = [&item.min, &item.max, &item.default_request, &item.default, &item.max_limit_request_ratio];
        let names: BTreeSet<&String> = maps.iter().flat_map(|m| m.iter().flat_map(|m| m.keys())).collect();
        for name in names {
            let cell = |m: &Option<std::collections::BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>| {
                m.as_ref().and_then(|m| m.get(name)).map_or_else(|| "-".to_string(), |q| q.0.clone())
            };
            w.line(
                0,
                &format!(
                    "{prefix}{}\t{name}\t{}\t{}\t{}\t{}\t{}",
                    item.type_,
                    cell(&item.min),
                    cell(&item.max),
                    cell(&item.default_request),
                    cell(&item.default),
                    cell(&item.max_limit_request_ratio)
                ),
            );
        }
    }
}

const LIMIT_HEADER: &str = "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio";
const LIMIT_DASHES: &str = "----\t--------\t---\t---\t---------------\t-------------\t-----------------------";

pub fn describe_limit_range(lr: &LimitRange) -> String {
    let mut w = DescWriter::new();
    w.line(0, &format!("Name:\t{}", lr.metadata.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", lr.metadata.namespace.as_deref().unwrap_or_default()));
    w.line(0, LIMIT_HEADER);
    w.line(0, LIMIT_DASHES);
    limit_rows(&mut w, "", lr);
    w.finish()
}

pub fn describe_namespace(ns: &Namespace, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    w.line(0, &format!("Name:\t{}", ns.metadata.name.as_deref().unwrap_or_default()));
    labels(&mut w, "", "Labels", ns.metadata.labels.as_ref());
    annotations(&mut w, "Annotations", ns.metadata.annotations.as_ref());
    let status = ns.status.clone().unwrap_or_default();
    w.line(0, &format!("Status:\t{}", status.phase.as_deref().unwrap_or_default()));
    let conditions = status.conditions.unwrap_or_default();
    if !conditions.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage");
        w.line(1, "----\t------\t------------------\t------\t-------");
        for c in &conditions {
            w.line(
                1,
                &format!(
                    "{}\t{}\t{}\t{}\t{}",
                    c.type_,
                    c.status,
                    time_or_zero(c.last_transition_time.as_ref()),
                    c.reason.as_deref().unwrap_or_default(),
                    c.message.as_deref().unwrap_or_default()
                ),
            );
        }
    }
    w.line(0, "");
    let mut quotas: Vec<&ResourceQuota> = ctx.resource_quotas.iter().collect();
    if quotas.is_empty() {
        w.line(0, "No resource quota.");
    } else {
        quotas.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        w.line(0, "Resource Quotas");
        for q in quotas {
            w.line(1, &format!("Name:\t{}", q.metadata.name.as_deref().unwrap_or_default()));
            let scopes = sorted_scopes(q);
            if !scopes.is_empty() {
                w.line(1, &format!("Scopes:\t{}", scopes.join(", ")));
                for s in &scopes {
                    let help = scope_help(s);
                    if !help.is_empty() {
                        w.line(1, &format!("* {help}"));
                    }
                }
            }
            quota_rows(&mut w, 1, q, "---");
        }
    }
    w.line(0, "");
    if ctx.limit_ranges.is_empty() {
        w.line(0, "No LimitRange resource.");
    } else {
        w.line(0, "Resource Limits");
        w.line(0, &format!(" {LIMIT_HEADER}"));
        w.line(0, &format!(" {LIMIT_DASHES}"));
        for lr in &ctx.limit_ranges {
            limit_rows(&mut w, " ", lr);
        }
    }
    w.finish()
}
