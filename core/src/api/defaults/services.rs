//! Defaults of the non-workload kinds: Service (with the single-stack IPv4 family the service
//! registry assigns), Endpoints, EndpointSlice, NetworkPolicy, IngressClass, PV, PVC,
//! StorageClass, Namespace, Secret, HPA (autoscaling/v2) and LimitRange.

use k8s_openapi::api::autoscaling::v2::{
    HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscaler, MetricSpec, MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Endpoints, LimitRange, Namespace, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec, Secret,
    Service,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{IngressClass, NetworkPolicy};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{or_set, or_set_str};

pub(super) fn service(s: &mut Service) {
    let spec = s.spec.get_or_insert_with(Default::default);
    or_set_str(&mut spec.session_affinity, "None");
    if spec.session_affinity.as_deref() == Some("None") {
        spec.session_affinity_config = None;
    }
    if spec.session_affinity.as_deref() == Some("ClientIP") {
        let config = spec.session_affinity_config.get_or_insert_with(Default::default);
        let client_ip = config.client_ip.get_or_insert_with(Default::default);
        or_set(&mut client_ip.timeout_seconds, 10800);
    }
    or_set_str(&mut spec.type_, "ClusterIP");
    for port in spec.ports.iter_mut().flatten() {
        or_set_str(&mut port.protocol, "TCP");
        let unset = match &port.target_port {
            None => true,
            Some(IntOrString::Int(0)) => true,
            Some(IntOrString::String(s)) => s.is_empty(),
            Some(IntOrString::Int(_)) => false,
        };
        if unset {
            port.target_port = Some(IntOrString::Int(port.port));
        }
    }
    let service_type = spec.type_.clone().unwrap_or_default();
    let external = matches!(service_type.as_str(), "NodePort" | "LoadBalancer")
        || spec.external_ips.as_ref().is_some_and(|ips| !ips.is_empty());
    if external {
        or_set_str(&mut spec.external_traffic_policy, "Cluster");
    }
    if matches!(service_type.as_str(), "ClusterIP" | "NodePort" | "LoadBalancer") {
        or_set_str(&mut spec.internal_traffic_policy, "Cluster");
        // The service registry (not SetDefaults) assigns families; the simulated cluster is
        // single-stack IPv4.
        or_set_str(&mut spec.ip_family_policy, "SingleStack");
        if spec.ip_families.as_ref().is_none_or(Vec::is_empty) {
            spec.ip_families = Some(vec!["IPv4".into()]);
        }
    }
    if service_type == "LoadBalancer" {
        or_set(&mut spec.allocate_load_balancer_node_ports, true);
    }
}

pub(super) fn endpoints(e: &mut Endpoints) {
    for subset in e.subsets.iter_mut().flatten() {
        for port in subset.ports.iter_mut().flatten() {
            or_set_str(&mut port.protocol, "TCP");
        }
    }
}

pub(super) fn endpoint_slice(e: &mut EndpointSlice) {
    for port in e.ports.iter_mut().flatten() {
        or_set(&mut port.name, String::new());
        or_set_str(&mut port.protocol, "TCP");
    }
}

/// A policy that names no policyTypes is an Ingress policy, plus Egress when it has egress rules.
pub(super) fn network_policy(n: &mut NetworkPolicy) {
    let spec = n.spec.get_or_insert_with(Default::default);
    let rule_ports = spec
        .ingress
        .iter_mut()
        .flatten()
        .flat_map(|r| r.ports.iter_mut().flatten())
        .chain(spec.egress.iter_mut().flatten().flat_map(|r| r.ports.iter_mut().flatten()));
    for port in rule_ports {
        or_set_str(&mut port.protocol, "TCP");
    }
    if spec.policy_types.as_ref().is_none_or(Vec::is_empty) {
        let mut types = vec!["Ingress".to_string()];
        if spec.egress.as_ref().is_some_and(|e| !e.is_empty()) {
            types.push("Egress".into());
        }
        spec.policy_types = Some(types);
    }
}

pub(super) fn ingress_class(i: &mut IngressClass) {
    if let Some(parameters) = i.spec.as_mut().and_then(|s| s.parameters.as_mut()) {
        or_set_str(&mut parameters.scope, "Cluster");
    }
}

pub(super) fn persistent_volume(pv: &mut PersistentVolume) {
    let spec = pv.spec.get_or_insert_with(Default::default);
    or_set_str(&mut spec.persistent_volume_reclaim_policy, "Retain");
    or_set_str(&mut spec.volume_mode, "Filesystem");
    let status = pv.status.get_or_insert_with(Default::default);
    or_set_str(&mut status.phase, "Pending");
}

pub(super) fn persistent_volume_claim(pvc: &mut PersistentVolumeClaim) {
    claim_spec(pvc.spec.get_or_insert_with(Default::default));
    let status = pvc.status.get_or_insert_with(Default::default);
    or_set_str(&mut status.phase, "Pending");
}

/// `SetDefaults_PersistentVolumeClaimSpec`, also used for StatefulSet claim templates.
pub(super) fn claim_spec(spec: &mut PersistentVolumeClaimSpec) {
    or_set_str(&mut spec.volume_mode, "Filesystem");
}

pub(super) fn storage_class(sc: &mut StorageClass) {
    or_set_str(&mut sc.reclaim_policy, "Delete");
    or_set_str(&mut sc.volume_binding_mode, "Immediate");
}

/// The `kubernetes.io/metadata.name` label; the `kubernetes` finalizer the namespace registry
/// adds on create; phase Active.
pub(super) fn namespace(ns: &mut Namespace) {
    let Some(name) = ns.metadata.name.clone().filter(|n| !n.is_empty()) else { return };
    ns.metadata.labels.get_or_insert_with(Default::default).insert("kubernetes.io/metadata.name".into(), name);
    let spec = ns.spec.get_or_insert_with(Default::default);
    if spec.finalizers.as_ref().is_none_or(Vec::is_empty) {
        spec.finalizers = Some(vec!["kubernetes".into()]);
    }
    let status = ns.status.get_or_insert_with(Default::default);
    or_set_str(&mut status.phase, "Active");
}

pub(super) fn secret(s: &mut Secret) {
    or_set_str(&mut s.type_, "Opaque");
}

/// minReplicas 1; no metrics ⇒ 80% average cpu utilisation; a `behavior` gets every unset rule
/// filled in (scale up: 0s window, max of 4 pods / 100% per 15s; scale down: 100% per 15s).
pub(super) fn horizontal_pod_autoscaler(h: &mut HorizontalPodAutoscaler) {
    let spec = &mut h.spec;
    or_set(&mut spec.min_replicas, 1);
    if spec.metrics.as_ref().is_none_or(Vec::is_empty) {
        spec.metrics = Some(vec![MetricSpec {
            type_: "Resource".into(),
            resource: Some(ResourceMetricSource {
                name: "cpu".into(),
                target: MetricTarget { type_: "Utilization".into(), average_utilization: Some(80), ..Default::default() },
            }),
            ..Default::default()
        }]);
    }
    if let Some(behavior) = &mut spec.behavior {
        let policy = |type_: &str, value| HPAScalingPolicy { type_: type_.into(), value, period_seconds: 15 };
        let up = behavior.scale_up.get_or_insert_with(HPAScalingRules::default);
        or_set(&mut up.stabilization_window_seconds, 0);
        or_set_str(&mut up.select_policy, "Max");
        or_set(&mut up.policies, vec![policy("Pods", 4), policy("Percent", 100)]);
        let down = behavior.scale_down.get_or_insert_with(HPAScalingRules::default);
        or_set_str(&mut down.select_policy, "Max");
        or_set(&mut down.policies, vec![policy("Percent", 100)]);
    }
}

/// Container limits: default ← max, defaultRequest ← default, then ← min.
pub(super) fn limit_range(l: &mut LimitRange) {
    for item in l.spec.iter_mut().flat_map(|s| s.limits.iter_mut()) {
        if item.type_ != "Container" {
            continue;
        }
        let default = item.default.get_or_insert_with(Default::default);
        for (name, q) in item.max.iter().flatten() {
            default.entry(name.clone()).or_insert_with(|| q.clone());
        }
        let default = default.clone();
        let request = item.default_request.get_or_insert_with(Default::default);
        for (name, q) in default.iter().chain(item.min.iter().flatten()) {
            request.entry(name.clone()).or_insert_with(|| q.clone());
        }
        // Go omits empty maps when it serialises.
        if item.default.as_ref().is_some_and(|m| m.is_empty()) {
            item.default = None;
        }
        if item.default_request.as_ref().is_some_and(|m| m.is_empty()) {
            item.default_request = None;
        }
    }
}
