//! Synthetic workloads shared by the native benchmarks and their wasm twins, so that both run
//! exactly the same code and only the timing (done by the caller, never by the core) differs.

use crate::api::{Kind, Object};
use crate::sim::Sim;
use crate::store::{Cause, Component};

/// A small one-container Pod named `web-<i>` in `default`, as a ReplicaSet would create it.
pub fn pod(i: usize) -> Object {
    let v = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("web-{i}"),
            "namespace": "default",
            "labels": {"app": "web", "pod-template-hash": "6f55986f59"}
        },
        "spec": {
            "containers": [{
                "name": "nginx",
                "image": "nginx:1.27",
                "ports": [{"containerPort": 80}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}
            }]
        }
    });
    Object::from_value(Kind::Pod, v).expect("the synthetic pod is valid")
}

/// Creates every pod through the API server's write path while a watcher reads the log every
/// 64 writes. Returns how many watch events the watcher saw (equal to `pods.len()`).
pub fn write_pods(sim: &mut Sim, pods: Vec<Object>) -> usize {
    let by = Component::new("workload");
    let mut cursor = sim.store().resource_version();
    let mut watched = 0;
    for (i, p) in pods.into_iter().enumerate() {
        // A failed create is counted as not watched, which the callers' checks catch.
        let _ = sim.api().create(p, &by, Cause::Bootstrap);
        if i % 64 == 63 {
            watched += sim.store().events_since(cursor).len();
            cursor = sim.store().resource_version();
        }
    }
    watched + sim.store().events_since(cursor).len()
}

/// A cluster of `nodes` nodes for the scale benchmarks. The pod network is widened to
/// 10.128.0.0/9 (32,768 node /24s) because flannel's default 10.244.0.0/16 holds only 256
/// nodes; `controllers` chooses what runs (all of them, or the scheduler alone).
pub fn scale_config(nodes: usize, controllers: &[crate::controllers::Controller]) -> crate::ClusterConfig {
    crate::ClusterConfig {
        nodes,
        pod_cidr: "10.128.0.0/9".parse().expect("valid CIDR"),
        controllers: controllers.to_vec(),
        ..crate::ClusterConfig::bare()
    }
}

/// Deployment `web-<i>` in `default`: `replicas` nginx pods requesting 100m CPU and 128Mi.
pub fn deployment(i: usize, replicas: u32) -> Object {
    let name = format!("web-{i}");
    let v = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{
                    "name": "nginx",
                    "image": "nginx:1.27",
                    "ports": [{"containerPort": 80}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}
                }]}
            }
        }
    });
    Object::from_value(Kind::Deployment, v).expect("the synthetic deployment is valid")
}

/// Creates the objects as one user action and lets the controllers see them.
pub fn apply_all(sim: &mut Sim, objects: Vec<Object>) {
    let action = sim.begin_action("kubectl apply -f workload.yaml");
    let by = Component::new("kubectl");
    for obj in objects {
        let _ = sim.api().create(obj, &by, Cause::Action(action));
    }
    sim.after_action();
}

/// Pods whose phase is Running and whose Ready condition is True, and all pods.
pub fn running_ready(sim: &Sim) -> (usize, usize) {
    let mut ready = 0;
    let mut all = 0;
    for obj in sim.store().list(Kind::Pod, None) {
        all += 1;
        if let Object::Pod(p) = obj.as_ref() {
            let status = p.status.as_ref();
            let running = status.and_then(|s| s.phase.as_deref()) == Some("Running");
            let is_ready = status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
            ready += usize::from(running && is_ready);
        }
    }
    (ready, all)
}

/// Pods with a node, and all pods.
pub fn bound(sim: &Sim) -> (usize, usize) {
    let mut bound = 0;
    let mut all = 0;
    for obj in sim.store().list(Kind::Pod, None) {
        all += 1;
        if let Object::Pod(p) = obj.as_ref() {
            bound += usize::from(p.spec.as_ref().is_some_and(|s| s.node_name.is_some()));
        }
    }
    (bound, all)
}
