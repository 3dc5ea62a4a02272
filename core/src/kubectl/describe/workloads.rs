//! `kubectl describe deployment` and `kubectl describe replicaset`.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::common::{annotations, controlled_by, events, labels, time_or_zero};
use super::containers::pod_template;
use super::writer::DescWriter;
use super::{DescribeContext, ReplicaSetSummary};
use crate::kubectl::printers::util::{format_label_selector, selector_string};

fn int_or_percent(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(i)) => i.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => "25%".to_string(),
    }
}

fn replica_sets(list: &[ReplicaSetSummary]) -> String {
    if list.is_empty() {
        return "<none>".to_string();
    }
    list.iter()
        .map(|rs| format!("{} ({}/{} replicas created)", rs.name, rs.replicas, rs.desired))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn describe_deployment(d: &Deployment, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &d.metadata;
    let spec = &d.spec;
    let st = d.status.clone().unwrap_or_default();
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    w.line(0, &format!("CreationTimestamp:\t{}", time_or_zero(meta.creation_timestamp.as_ref())));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    w.line(0, &format!("Selector:\t{}", selector_string(Some(&spec.selector))));
    w.line(
        0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable",
            spec.replicas.unwrap_or(1),
            st.updated_replicas.unwrap_or(0),
            st.replicas.unwrap_or(0),
            st.available_replicas.unwrap_or(0),
            st.unavailable_replicas.unwrap_or(0)
        ),
    );
    let strategy = spec.strategy.clone().unwrap_or_default();
    let strategy_type = strategy.type_.clone().unwrap_or_else(|| "RollingUpdate".to_string());
    w.line(0, &format!("StrategyType:\t{strategy_type}"));
    w.line(0, &format!("MinReadySeconds:\t{}", spec.min_ready_seconds.unwrap_or(0)));
    if strategy_type == "RollingUpdate" {
        let ru = strategy.rolling_update.unwrap_or_default();
        w.line(
            0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge",
                int_or_percent(ru.max_unavailable.as_ref()),
                int_or_percent(ru.max_surge.as_ref())
            ),
        );
    }
    pod_template(&mut w, Some(&spec.template));
    let conditions = st.conditions.unwrap_or_default();
    if !conditions.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus\tReason");
        w.line(1, "----\t------\t------");
        for c in &conditions {
            w.line(1, &format!("{} \t{}\t{}", c.type_.as_deref().unwrap_or_default(), c.status.as_deref().unwrap_or_default(), c.reason.as_deref().unwrap_or_default()));
        }
    }
    if !ctx.old_replica_sets.is_empty() || ctx.new_replica_set.is_some() {
        w.line(0, &format!("OldReplicaSets:\t{}", replica_sets(&ctx.old_replica_sets)));
        let new: Vec<ReplicaSetSummary> = ctx.new_replica_set.iter().cloned().collect();
        w.line(0, &format!("NewReplicaSet:\t{}", replica_sets(&new)));
    }
    events(&mut w, ctx.events.as_ref());
    w.finish()
}

pub fn describe_replica_set(rs: &ReplicaSet, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &rs.metadata;
    let spec = &rs.spec;
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    w.line(0, &format!("Selector:\t{}", format_label_selector(Some(&spec.selector))));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    if let Some(c) = controlled_by(meta) {
        w.line(0, &format!("Controlled By:\t{c}"));
    }
    let current = rs.status.as_ref().map_or(0, |s| s.replicas);
    w.line(0, &format!("Replicas:\t{current} current / {} desired", spec.replicas.unwrap_or(1)));
    let p = ctx.pods_status;
    w.line(
        0,
        &format!(
            "Pods Status:\t{} Running / {} Waiting / {} Succeeded / {} Failed",
            p.running, p.waiting, p.succeeded, p.failed
        ),
    );
    pod_template(&mut w, spec.template.as_ref());
    let conditions = rs.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default();
    if !conditions.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus\tReason");
        w.line(1, "----\t------\t------");
        for c in &conditions {
            w.line(1, &format!("{} \t{}\t{}", c.type_.as_deref().unwrap_or_default(), c.status.as_deref().unwrap_or_default(), c.reason.as_deref().unwrap_or_default()));
        }
    }
    events(&mut w, ctx.events.as_ref());
    w.finish()
}
