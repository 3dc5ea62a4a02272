//! A pod's quality-of-service class, as `GetPodQOS` (pkg/apis/core/v1/helper/qos) computes it:
//! requests and limits of cpu and memory, summed over containers and init containers, zero
//! values ignored.
//!
//! - BestEffort: no container requests or limits any cpu or memory.
//! - Guaranteed: every container has cpu and memory limits, and the summed requests equal the
//!   summed limits for both.
//! - Burstable: everything else.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodSpec, ResourceRequirements};

use super::quantity::{parse_quantity, Quantity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QosClass {
    Guaranteed,
    Burstable,
    BestEffort,
}

impl QosClass {
    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "Guaranteed",
            QosClass::Burstable => "Burstable",
            QosClass::BestEffort => "BestEffort",
        }
    }
}

const COMPUTE: [&str; 2] = ["cpu", "memory"];

/// The class recorded in `status.qosClass`, else computed from the spec.
pub fn pod_qos(pod: &Pod) -> QosClass {
    match pod.status.as_ref().and_then(|s| s.qos_class.as_deref()) {
        Some("Guaranteed") => QosClass::Guaranteed,
        Some("Burstable") => QosClass::Burstable,
        Some("BestEffort") => QosClass::BestEffort,
        _ => pod.spec.as_ref().map_or(QosClass::BestEffort, spec_qos),
    }
}

/// The class the pod's spec earns.
pub fn spec_qos(spec: &PodSpec) -> QosClass {
    // Pod-level resources, when set, decide alone.
    if let Some(r) = spec.resources.as_ref().filter(|r| sets_compute(r)) {
        let (requests, limits) = (positive(r.requests.as_ref()), positive(r.limits.as_ref()));
        return classify(&requests, &limits, COMPUTE.iter().all(|k| limits.contains_key(*k)));
    }
    let mut requests: BTreeMap<&str, Quantity> = BTreeMap::new();
    let mut limits: BTreeMap<&str, Quantity> = BTreeMap::new();
    let mut all_limited = true;
    let containers = spec.containers.iter().chain(spec.init_containers.iter().flatten());
    for r in containers.map(|c| c.resources.clone().unwrap_or_default()) {
        for (name, q) in positive(r.requests.as_ref()) {
            *requests.entry(name).or_default() += &q;
        }
        let found = positive(r.limits.as_ref());
        if !COMPUTE.iter().all(|k| found.contains_key(*k)) {
            all_limited = false;
        }
        for (name, q) in found {
            *limits.entry(name).or_default() += &q;
        }
    }
    classify(&requests, &limits, all_limited)
}

fn classify(requests: &BTreeMap<&str, Quantity>, limits: &BTreeMap<&str, Quantity>, all_limited: bool) -> QosClass {
    if requests.is_empty() && limits.is_empty() {
        return QosClass::BestEffort;
    }
    let matching = requests.iter().all(|(name, q)| limits.get(name) == Some(q));
    if all_limited && matching && requests.len() == limits.len() {
        QosClass::Guaranteed
    } else {
        QosClass::Burstable
    }
}

fn sets_compute(r: &ResourceRequirements) -> bool {
    let set = |l: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>| {
        l.is_some_and(|l| l.keys().any(|k| COMPUTE.contains(&k.as_str())))
    };
    set(r.requests.as_ref()) || set(r.limits.as_ref())
}

/// The positive cpu and memory quantities of a resource list (unparsable ones are ignored:
/// validation has refused them before a pod is stored).
fn positive(
    list: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> BTreeMap<&'static str, Quantity> {
    let mut out = BTreeMap::new();
    for name in COMPUTE {
        if let Some(q) = list.and_then(|l| l.get(name)).and_then(|q| parse_quantity(q).ok()) {
            if q.sign() > 0 {
                out.insert(name, q);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Container;
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

    fn container(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> Container {
        let list = |l: &[(&str, &str)]| {
            (!l.is_empty()).then(|| l.iter().map(|(k, v)| (k.to_string(), K8sQuantity(v.to_string()))).collect())
        };
        Container {
            name: "c".into(),
            resources: Some(ResourceRequirements { requests: list(requests), limits: list(limits), ..Default::default() }),
            ..Default::default()
        }
    }

    #[test]
    fn classes_follow_get_pod_qos() {
        let both = [("cpu", "500m"), ("memory", "128Mi")];
        for (containers, class) in [
            (vec![container(&[], &[])], QosClass::BestEffort),
            (vec![container(&[("ephemeral-storage", "1Gi")], &[])], QosClass::BestEffort),
            (vec![container(&[("cpu", "0")], &[])], QosClass::BestEffort),
            (vec![container(&both, &both)], QosClass::Guaranteed),
            // Equal quantities written differently are equal.
            (vec![container(&[("cpu", "1"), ("memory", "1Gi")], &[("cpu", "1000m"), ("memory", "1024Mi")])], QosClass::Guaranteed),
            (vec![container(&[("cpu", "250m"), ("memory", "128Mi")], &both)], QosClass::Burstable),
            (vec![container(&[], &[("cpu", "500m")])], QosClass::Burstable),
            (vec![container(&both, &both), container(&[], &[])], QosClass::Burstable),
            (vec![container(&both, &both), container(&both, &both)], QosClass::Guaranteed),
        ] {
            let spec = PodSpec { containers: containers.clone(), ..Default::default() };
            assert_eq!(spec_qos(&spec), class, "{containers:?}");
        }
    }
}
