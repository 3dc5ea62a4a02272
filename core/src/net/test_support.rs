//! A small cluster with pods pinned to nodes, for the data path's scenario tests.

use std::net::Ipv4Addr;

use crate::api::{Kind, Object};
use crate::net::Backend;
use crate::sim::{ClusterConfig, Sim, Underlay};
use crate::store::{Cause, Component, ObjectRef};
use crate::time::SimDuration;

/// A pod to place: name, node, image, hostNetwork. busybox pods sleep; other images run their
/// catalog program.
pub type PodSpec<'a> = (&'a str, &'a str, &'a str, bool);

/// A 3-node cluster with `backend` on `underlay`, `pods` created in `default` and run for 30 s.
pub fn cluster(backend: Backend, underlay: Underlay, pods: &[PodSpec<'_>]) -> Sim {
    let mut sim = Sim::new(ClusterConfig { network: backend, underlay, ..Default::default() });
    for &(name, node, image, host) in pods {
        let command = if image.starts_with("busybox") { serde_json::json!(["sleep", "3600"]) } else { serde_json::Value::Null };
        let v = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": node, "hostNetwork": host, "containers": [{"name": "c", "image": image, "command": command}]}
        });
        let obj = Object::from_value(Kind::Pod, v).expect("a valid pod");
        sim.api().create(obj, &Component::new("test"), Cause::Bootstrap).expect("the pod is created");
        sim.after_action();
    }
    sim.advance(SimDuration::from_secs(30));
    sim
}

/// The pod's IP in `default`.
pub fn pod_ip(sim: &Sim, pod: &str) -> Ipv4Addr {
    match sim.get(&ObjectRef::new(Kind::Pod, Some("default"), pod)) {
        Some(Object::Pod(p)) => p.status.as_ref().and_then(|s| s.pod_ip.as_deref()).and_then(|ip| ip.parse().ok()).expect("the pod has an IP"),
        _ => panic!("no pod {pod}"),
    }
}

/// The IPs of the pods in `namespace` whose names start with `prefix`.
pub fn pod_ips_with_prefix(sim: &Sim, namespace: &str, prefix: &str) -> Vec<Ipv4Addr> {
    sim.store()
        .list(Kind::Pod, Some(namespace))
        .filter_map(|o| match &**o {
            Object::Pod(p) if p.metadata.name.as_deref().is_some_and(|n| n.starts_with(prefix)) => p.status.as_ref()?.pod_ip.as_deref()?.parse().ok(),
            _ => None,
        })
        .collect()
}
