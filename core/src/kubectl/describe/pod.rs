//! `kubectl describe pod`.

use k8s_openapi::api::core::v1::Pod;

use super::common::{annotations, controlled_by, events, labels, resources, time_or_zero, tolerations};
use super::containers::{containers, volumes};
use super::writer::DescWriter;
use super::DescribeContext;
use crate::kubectl::printers::util::since;
use crate::time::SimTime;

/// The pod's QoS class: `status.qosClass`, or computed from requests and limits.
pub fn qos_class(pod: &Pod) -> String {
    crate::api::qos::pod_qos(pod).as_str().to_string()
}

pub fn describe_pod(pod: &Pod, ctx: &DescribeContext, now: SimTime) -> String {
    let mut w = DescWriter::new();
    let meta = &pod.metadata;
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    if let Some(p) = spec.priority {
        w.line(0, &format!("Priority:\t{p}"));
    }
    if let Some(pc) = spec.priority_class_name.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("Priority Class Name:\t{pc}"));
    }
    if let Some(rc) = spec.runtime_class_name.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("Runtime Class Name:\t{rc}"));
    }
    if let Some(sa) = spec.service_account_name.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("Service Account:\t{sa}"));
    }
    match spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        None => w.line(0, "Node:\t<none>"),
        Some(n) => w.line(0, &format!("Node:\t{n}/{}", status.host_ip.as_deref().unwrap_or_default())),
    }
    if let Some(t) = &status.start_time {
        w.line(0, &format!("Start Time:\t{}", time_or_zero(Some(t))));
    }
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    let phase = status.phase.clone().unwrap_or_default();
    match &meta.deletion_timestamp {
        Some(t) if phase != "Failed" && phase != "Succeeded" => {
            w.line(0, &format!("Status:\tTerminating (lasts {})", since(t, now)));
            let grace = meta.deletion_grace_period_seconds.unwrap_or(0);
            w.line(0, &format!("Termination Grace Period:\t{grace}s"));
        }
        _ => w.line(0, &format!("Status:\t{phase}")),
    }
    if let Some(r) = status.reason.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("Reason:\t{r}"));
    }
    if let Some(m) = status.message.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("Message:\t{m}"));
    }
    if let Some(sp) = spec.security_context.as_ref().and_then(|s| s.seccomp_profile.as_ref()) {
        w.line(0, &format!("SeccompProfile:\t{}", sp.type_));
        if sp.type_ == "Localhost" {
            w.line(0, &format!("LocalhostProfile:\t{}", sp.localhost_profile.as_deref().unwrap_or_default()));
        }
    }
    w.line(0, &format!("IP:\t{}", status.pod_ip.as_deref().unwrap_or_default()));
    match status.pod_ips.as_ref().filter(|ips| !ips.is_empty()) {
        None => w.line(0, "IPs:\t<none>"),
        Some(ips) => {
            w.line(0, "IPs:");
            for ip in ips {
                w.line(1, &format!("IP:\t{}", ip.ip));
            }
        }
    }
    if let Some(c) = controlled_by(meta) {
        w.line(0, &format!("Controlled By:\t{c}"));
    }
    if let Some(n) = status.nominated_node_name.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("NominatedNodeName:\t{n}"));
    }
    if spec.resources.is_some() {
        w.line(0, "Resources:");
        resources(&mut w, 1, spec.resources.as_ref());
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|i| !i.is_empty()) {
        let st = status.init_container_statuses.as_deref().unwrap_or_default();
        containers(&mut w, "Init Containers", init, st, Some(pod), "");
    }
    let st = status.container_statuses.as_deref().unwrap_or_default();
    containers(&mut w, "Containers", &spec.containers, st, Some(pod), "");
    let conditions = status.conditions.clone().unwrap_or_default();
    if let Some(gates) = spec.readiness_gates.as_ref().filter(|g| !g.is_empty()) {
        w.line(0, "Readiness Gates:");
        w.line(1, "Type\tStatus");
        for g in gates {
            let s = conditions
                .iter()
                .find(|c| c.type_ == g.condition_type)
                .map_or_else(|| "<none>".to_string(), |c| c.status.clone());
            w.line(1, &format!("{} \t{s} ", g.condition_type));
        }
    }
    if !conditions.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus");
        for c in &conditions {
            w.line(1, &format!("{} \t{} ", c.type_, c.status));
        }
    }
    volumes(&mut w, spec.volumes.as_deref().unwrap_or_default(), "");
    w.line(0, &format!("QoS Class:\t{}", qos_class(pod)));
    labels(&mut w, "", "Node-Selectors", spec.node_selector.as_ref());
    tolerations(&mut w, "", "Tolerations", spec.tolerations.as_ref());
    events(&mut w, ctx.events.as_ref());
    w.finish()
}
