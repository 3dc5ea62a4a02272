//! Simulated resource metrics: what metrics-server would serve to `kubectl top`.
//!
//! Usage is set per container (CPU in millicores, memory in bytes) by whatever drives the
//! workload — kubelets, lessons, tests — and keyed by pod uid, so a recreated pod has no
//! metrics until someone reports them, as with a real metrics-server scrape.
//!
//! Node usage is derived, not stored: the sum of the usage of the pods bound to the node plus a
//! fixed allowance for the node's own processes (kubelet, container runtime, the OS), which a
//! real node reports as part of its usage. The fixed allowance is a simplification: a real
//! node's system usage varies.

use std::collections::BTreeMap;

use crate::api::{Kind, Object};
use k8s_openapi::api::core::v1::Pod;

use crate::store::{ObjectRef, Store};

use super::Sim;

/// CPU a node's own processes use, in millicores (simplification: fixed).
pub const NODE_SYSTEM_CPU_MILLIS: u64 = 100;
/// Memory a node's own processes use, in bytes (simplification: fixed).
pub const NODE_SYSTEM_MEMORY_BYTES: u64 = 600 << 20;

/// CPU and memory usage of a container, pod or node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub cpu_millis: u64,
    pub memory_bytes: u64,
}

impl Usage {
    pub fn new(cpu_millis: u64, memory_bytes: u64) -> Usage {
        Usage { cpu_millis, memory_bytes }
    }
}

impl std::ops::Add for Usage {
    type Output = Usage;

    /// Saturating sums of both resources.
    fn add(self, other: Usage) -> Usage {
        Usage {
            cpu_millis: self.cpu_millis.saturating_add(other.cpu_millis),
            memory_bytes: self.memory_bytes.saturating_add(other.memory_bytes),
        }
    }
}

/// The metrics source: container usage by pod uid, and whether the Metrics API is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metrics {
    api_available: bool,
    pods: BTreeMap<String, BTreeMap<String, Usage>>,
    /// CPU per pod a user or lesson put on a Deployment's pods (`load deployment/web 300`),
    /// by (namespace, Deployment name).
    loads: BTreeMap<(String, String), u64>,
}

impl Default for Metrics {
    /// The Metrics API is served (metrics-server is installed); no pod has metrics yet.
    fn default() -> Self {
        Metrics { api_available: true, pods: BTreeMap::new(), loads: BTreeMap::new() }
    }
}

impl Metrics {
    /// Is the `metrics.k8s.io` API served? Without it `kubectl top` fails with
    /// `error: Metrics API not available`.
    pub fn api_available(&self) -> bool {
        self.api_available
    }

    pub fn set_api_available(&mut self, available: bool) {
        self.api_available = available;
    }

    /// Reports a container's current usage.
    pub fn set_container(&mut self, pod_uid: &str, container: &str, usage: Usage) {
        self.pods.entry(pod_uid.to_string()).or_default().insert(container.to_string(), usage);
    }

    /// Drops a pod's metrics (it was deleted, or stopped running).
    pub fn remove_pod(&mut self, pod_uid: &str) {
        self.pods.remove(pod_uid);
    }

    /// Per-container usage of a pod, by container name; `None` if the pod has no metrics.
    pub fn pod(&self, pod_uid: &str) -> Option<&BTreeMap<String, Usage>> {
        self.pods.get(pod_uid).filter(|c| !c.is_empty())
    }

    /// The sum over a pod's containers.
    pub fn pod_total(&self, pod_uid: &str) -> Option<Usage> {
        self.pod(pod_uid).map(|c| c.values().fold(Usage::default(), |a, u| a + *u))
    }

    /// Puts `cpu_millis` of CPU load on every running pod of a Deployment, now and later
    /// (pods created afterwards get it too); `None` takes the load away.
    pub fn set_load(&mut self, namespace: &str, deployment: &str, cpu_millis: Option<u64>) {
        let key = (namespace.to_string(), deployment.to_string());
        match cpu_millis {
            Some(m) => {
                self.loads.insert(key, m);
            }
            None => {
                self.loads.remove(&key);
            }
        }
    }

    /// The loads set with [`Metrics::set_load`], by (namespace, Deployment).
    pub fn loads(&self) -> &BTreeMap<(String, String), u64> {
        &self.loads
    }

    /// What metrics-server reports for a pod: the usage its containers reported, with the CPU
    /// replaced by the load of a Deployment selecting the pod (split evenly over the
    /// containers, the remainder to the first). `None` while no container reports usage.
    pub fn pod_usage(&self, store: &Store, pod: &Pod) -> Option<BTreeMap<String, Usage>> {
        let uid = pod.metadata.uid.as_deref()?;
        let mut usage = self.pod(uid)?.clone();
        let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
        let load = self.loads.iter().find_map(|((lns, name), m)| {
            if lns != ns {
                return None;
            }
            let key = ObjectRef::new(Kind::Deployment, Some(ns), name);
            let Some(Object::Deployment(d)) = store.get(&key).map(|o| o.as_ref()) else { return None };
            let sel = crate::store::selector::from_label_selector(&d.spec.selector).ok()?;
            sel.matches(pod.metadata.labels.as_ref()).then_some(*m)
        });
        if let Some(total) = load {
            let n = usage.len() as u64;
            for (i, u) in usage.values_mut().enumerate() {
                u.cpu_millis = total / n + if i == 0 { total % n } else { 0 };
            }
        }
        Some(usage)
    }

    /// The sum of [`Metrics::pod_usage`] over the containers.
    pub fn pod_usage_total(&self, store: &Store, pod: &Pod) -> Option<Usage> {
        self.pod_usage(store, pod).map(|c| c.values().fold(Usage::default(), |a, u| a + *u))
    }

    /// A node's usage: its pods with metrics plus the fixed system allowance.
    pub fn node_usage(&self, store: &Store, node: &str) -> Usage {
        let system = Usage::new(NODE_SYSTEM_CPU_MILLIS, NODE_SYSTEM_MEMORY_BYTES);
        store
            .list(Kind::Pod, None)
            .filter_map(|o| match o.as_ref() {
                Object::Pod(p) if p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node) => {
                    self.pod_usage_total(store, p)
                }
                _ => None,
            })
            .fold(system, |a, u| a + u)
    }
}

impl Sim {
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The metrics source, for whatever reports usage (kubelets, lessons, tests).
    pub fn metrics_mut(&mut self) -> &mut Metrics {
        &mut self.metrics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Cause, Component};

    #[test]
    fn node_usage_is_its_pods_plus_system_overhead() {
        let mut sim = Sim::new(Default::default());
        let pod = |name: &str, node: &str| {
            let v = serde_json::json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "default"},
                "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx"}]}
            });
            Object::from_value(Kind::Pod, v).unwrap()
        };
        let by = Component::new("test");
        let a = sim.api().create(pod("a", "node-1"), &by, Cause::Bootstrap).unwrap();
        let b = sim.api().create(pod("b", "node-2"), &by, Cause::Bootstrap).unwrap();
        let uid = |o: &Object| o.metadata().uid.clone().unwrap();
        sim.metrics_mut().set_container(&uid(&a), "app", Usage::new(250, 100 << 20));
        sim.metrics_mut().set_container(&uid(&a), "sidecar", Usage::new(5, 10 << 20));
        sim.metrics_mut().set_container(&uid(&b), "app", Usage::new(7, 1 << 20));
        let n1 = sim.metrics().node_usage(sim.store(), "node-1");
        assert_eq!(n1, Usage::new(355, (110 << 20) + NODE_SYSTEM_MEMORY_BYTES));
        let n3 = sim.metrics().node_usage(sim.store(), "node-3");
        assert_eq!(n3, Usage::new(NODE_SYSTEM_CPU_MILLIS, NODE_SYSTEM_MEMORY_BYTES));
        sim.metrics_mut().remove_pod(&uid(&a));
        assert_eq!(sim.metrics().pod_total(&uid(&a)), None);
    }
}
