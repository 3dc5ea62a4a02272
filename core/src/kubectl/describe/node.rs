//! `kubectl describe node`: conditions, addresses, capacity, system info, the non-terminated
//! pods and the allocated resources the caller computed.

use k8s_openapi::api::core::v1::{Node, Taint};

use super::common::{annotations, events, labels, time_or_zero};
use super::writer::DescWriter;
use super::DescribeContext;
use crate::kubectl::printers::util::node_roles;

fn taint_string(t: &Taint) -> String {
    let mut s = t.key.clone();
    if let Some(v) = t.value.as_deref().filter(|v| !v.is_empty()) {
        s.push('=');
        s.push_str(v);
    }
    s.push(':');
    s.push_str(&t.effect);
    s
}

pub fn describe_node(node: &Node, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &node.metadata;
    let spec = node.spec.clone().unwrap_or_default();
    let status = node.status.clone().unwrap_or_default();
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    let roles = node_roles(meta.labels.as_ref());
    w.line(0, &format!("Roles:\t{}", if roles.is_empty() { "<none>".to_string() } else { roles.join(",") }));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    w.line(0, &format!("CreationTimestamp:\t{}", time_or_zero(meta.creation_timestamp.as_ref())));
    let mut taints = spec.taints.clone().unwrap_or_default();
    if taints.is_empty() {
        w.line(0, "Taints:\t<none>");
    } else {
        taints.sort_by(|a, b| (&a.effect, &a.key).cmp(&(&b.effect, &b.key)));
        for (i, t) in taints.iter().enumerate() {
            let title = if i == 0 { "Taints:" } else { "" };
            w.line(0, &format!("{title}\t{}", taint_string(t)));
        }
    }
    w.line(0, &format!("Unschedulable:\t{}", spec.unschedulable.unwrap_or(false)));
    let lease = ctx.node_lease.clone().unwrap_or_default();
    w.line(0, "Lease:");
    w.line(1, &format!("HolderIdentity:\t{}", lease.holder_identity.as_deref().unwrap_or("<unset>")));
    let t = |t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
        t.map_or_else(|| "<unset>".to_string(), |t| time_or_zero(Some(t)))
    };
    w.line(1, &format!("AcquireTime:\t{}", t(lease.acquire_time.as_ref())));
    w.line(1, &format!("RenewTime:\t{}", t(lease.renew_time.as_ref())));
    let conditions = status.conditions.clone().unwrap_or_default();
    if !conditions.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage");
        w.line(1, "----\t------\t-----------------\t------------------\t------\t-------");
        for c in &conditions {
            w.line(
                1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}",
                    c.type_,
                    c.status,
                    time_or_zero(c.last_heartbeat_time.as_ref()),
                    time_or_zero(c.last_transition_time.as_ref()),
                    c.reason.as_deref().unwrap_or_default(),
                    c.message.as_deref().unwrap_or_default()
                ),
            );
        }
    }
    w.line(0, "Addresses:");
    for a in status.addresses.iter().flatten() {
        w.line(1, &format!("{}:\t{}", a.type_, a.address));
    }
    for (title, list) in [("Capacity", &status.capacity), ("Allocatable", &status.allocatable)] {
        if let Some(list) = list.as_ref().filter(|l| !l.is_empty()) {
            w.line(0, &format!("{title}:"));
            for (name, q) in list {
                w.line(1, &format!("{name}:\t{}", q.0));
            }
        }
    }
    let info = status.node_info.clone().unwrap_or_default();
    w.line(0, "System Info:");
    for (k, v) in [
        ("Machine ID", &info.machine_id),
        ("System UUID", &info.system_uuid),
        ("Boot ID", &info.boot_id),
        ("Kernel Version", &info.kernel_version),
        ("OS Image", &info.os_image),
        ("Operating System", &info.operating_system),
        ("Architecture", &info.architecture),
        ("Container Runtime Version", &info.container_runtime_version),
        ("Kubelet Version", &info.kubelet_version),
    ] {
        w.line(1, &format!("{k}:\t{v}"));
    }
    w.line(1, &format!("Kube-Proxy Version:\t{}", info.kube_proxy_version));
    if let Some(c) = spec.pod_cidr.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("PodCIDR:\t{c}"));
    }
    if let Some(c) = spec.pod_cidrs.as_ref().filter(|c| !c.is_empty()) {
        w.line(0, &format!("PodCIDRs:\t{}", c.join(",")));
    }
    if let Some(p) = spec.provider_id.as_deref().filter(|s| !s.is_empty()) {
        w.line(0, &format!("ProviderID:\t{p}"));
    }
    w.line(0, &format!("Non-terminated Pods:\t({} in total)", ctx.node_pods.len()));
    w.line(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge");
    w.line(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---");
    for p in &ctx.node_pods {
        w.line(
            1,
            &format!(
                "{}\t{}\t\t{}\t{}\t{}\t{}\t{}",
                p.namespace, p.name, p.cpu_requests, p.cpu_limits, p.memory_requests, p.memory_limits, p.age
            ),
        );
    }
    w.line(0, "Allocated resources:");
    w.line(0, "  (Total limits may be over 100 percent, i.e., overcommitted.)");
    w.line(1, "Resource\tRequests\tLimits");
    w.line(1, "--------\t--------\t------");
    if ctx.allocated.is_empty() {
        for r in ["cpu", "memory", "ephemeral-storage"] {
            w.line(1, &format!("{r}\t0 (0%)\t0 (0%)"));
        }
    }
    for a in &ctx.allocated {
        w.line(1, &format!("{}\t{}\t{}", a.resource, a.requests, a.limits));
    }
    events(&mut w, ctx.events.as_ref());
    w.finish()
}
