//! `kubectl describe statefulset` and `kubectl describe daemonset`: the controller's counts, the
//! phases of the pods it controls (`Pods Status:`, from [`DescribeContext::pods_status`]), its pod
//! template, a StatefulSet's volume claim templates, and events.

use k8s_openapi::api::apps::v1::{DaemonSet, StatefulSet};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::common::{annotations, events, labels, time_or_zero};
use super::containers::pod_template;
use super::writer::DescWriter;
use super::{DescribeContext, PodsStatus};
use crate::api::quantity::parse_quantity;
use crate::kubectl::printers::util::{format_labels, selector_string};

fn pods_status(w: &mut DescWriter, p: PodsStatus) {
    w.line(0, &format!("Pods Status:\t{} Running / {} Waiting / {} Succeeded / {} Failed", p.running, p.waiting, p.succeeded, p.failed));
}

/// `describeVolumeClaimTemplates`: each claim template's name, class, labels, annotations,
/// requested capacity and access modes (Go's `[ReadWriteOnce]`).
fn volume_claim_templates(w: &mut DescWriter, templates: &[PersistentVolumeClaim]) {
    if templates.is_empty() {
        w.line(0, "Volume Claims:\t<none>");
        return;
    }
    w.line(0, "Volume Claims:");
    for pvc in templates {
        let meta = &pvc.metadata;
        let spec = pvc.spec.clone().unwrap_or_default();
        w.line(1, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
        let class = meta
            .annotations
            .as_ref()
            .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class").cloned())
            .or_else(|| spec.storage_class_name.clone())
            .unwrap_or_default();
        w.line(1, &format!("StorageClass:\t{class}"));
        labels(w, "  ", "Labels", meta.labels.as_ref());
        labels(w, "  ", "Annotations", meta.annotations.as_ref());
        let capacity = spec.resources.as_ref().and_then(|r| r.requests.as_ref()).and_then(|r| r.get("storage"));
        let capacity = capacity.map_or_else(|| "<default>".to_string(), |q| parse_quantity(q).map_or_else(|_| q.0.clone(), |p| p.to_string()));
        w.line(1, &format!("Capacity:\t{capacity}"));
        w.line(1, &format!("Access Modes:\t[{}]", spec.access_modes.unwrap_or_default().join(" ")));
    }
}

pub fn describe_stateful_set(ss: &StatefulSet, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &ss.metadata;
    let spec = &ss.spec;
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    w.line(0, &format!("CreationTimestamp:\t{}", time_or_zero(meta.creation_timestamp.as_ref())));
    w.line(0, &format!("Selector:\t{}", selector_string(Some(&spec.selector))));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    let total = ss.status.as_ref().map_or(0, |s| s.replicas);
    w.line(0, &format!("Replicas:\t{} desired | {total} total", spec.replicas.unwrap_or(1)));
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    w.line(0, &format!("Update Strategy:\t{}", strategy.type_.as_deref().unwrap_or_default()));
    let rolling = strategy.rolling_update.unwrap_or_default();
    if let Some(partition) = rolling.partition {
        w.line(1, &format!("Partition:\t{partition}"));
        if let Some(mu) = &rolling.max_unavailable {
            let mu = match mu {
                IntOrString::Int(i) => i.to_string(),
                IntOrString::String(s) => s.clone(),
            };
            w.line(1, &format!("MaxUnavailable:\t{mu}"));
        }
    }
    pods_status(&mut w, ctx.pods_status);
    pod_template(&mut w, Some(&spec.template));
    volume_claim_templates(&mut w, spec.volume_claim_templates.as_deref().unwrap_or_default());
    events(&mut w, ctx.events.as_ref());
    w.finish()
}

pub fn describe_daemon_set(ds: &DaemonSet, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &ds.metadata;
    let spec = &ds.spec;
    let st = ds.status.clone().unwrap_or_default();
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    w.line(0, &format!("Selector:\t{}", selector_string(Some(&spec.selector))));
    let node_selector = spec.template.spec.as_ref().and_then(|s| s.node_selector.as_ref());
    w.line(0, &format!("Node-Selector:\t{}", format_labels(node_selector)));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    // kubectl writes these five with a plain space: they stay out of the tab alignment.
    w.line(0, &format!("Desired Number of Nodes Scheduled: {}", st.desired_number_scheduled));
    w.line(0, &format!("Current Number of Nodes Scheduled: {}", st.current_number_scheduled));
    w.line(0, &format!("Number of Nodes Scheduled with Up-to-date Pods: {}", st.updated_number_scheduled.unwrap_or(0)));
    w.line(0, &format!("Number of Nodes Scheduled with Available Pods: {}", st.number_available.unwrap_or(0)));
    w.line(0, &format!("Number of Nodes Misscheduled: {}", st.number_misscheduled));
    pods_status(&mut w, ctx.pods_status);
    pod_template(&mut w, Some(&spec.template));
    events(&mut w, ctx.events.as_ref());
    w.finish()
}
