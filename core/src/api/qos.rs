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
        return classify(&requests, &limits, limits.iter().all(Option::is_some));
    }
    let mut requests: Sums = [None, None];
    let mut limits: Sums = [None, None];
    let mut all_limited = true;
    let containers = spec.containers.iter().chain(spec.init_containers.iter().flatten());
    for r in containers.map(|c| c.resources.as_ref()) {
        add(&mut requests, positive(r.and_then(|r| r.requests.as_ref())));
        let found = positive(r.and_then(|r| r.limits.as_ref()));
        all_limited &= found.iter().all(Option::is_some);
        add(&mut limits, found);
    }
    classify(&requests, &limits, all_limited)
}

/// cpu and memory, in the order of [`COMPUTE`]; `None` where nothing positive was set.
type Sums = [Option<Quantity>; 2];

fn add(sums: &mut Sums, more: Sums) {
    for (sum, q) in sums.iter_mut().zip(more) {
        if let Some(q) = q {
            *sum = Some(match sum.take() {
                Some(s) => s + q,
                None => q,
            });
        }
    }
}

fn classify(requests: &Sums, limits: &Sums, all_limited: bool) -> QosClass {
    if requests.iter().chain(limits).all(Option::is_none) {
        return QosClass::BestEffort;
    }
    // Every request has an equal limit, and as many limits as requests are set.
    let matching = requests.iter().zip(limits).all(|(r, l)| r.is_none() || r == l);
    let same_count = requests.iter().flatten().count() == limits.iter().flatten().count();
    if all_limited && matching && same_count {
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
fn positive(list: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>) -> Sums {
    COMPUTE.map(|name| list.and_then(|l| l.get(name)).and_then(|q| parse_quantity(q).ok()).filter(|q| q.sign() > 0))
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
