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
