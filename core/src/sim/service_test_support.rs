//! What the Service trace tests share: an app of two web pods on node-2 and node-3, a client
//! on node-1, a NodePort Service `web` and a Service `nobody` without endpoints; and helpers
//! to read a trace.

use std::net::Ipv4Addr;

use crate::api::{Kind, Object};
use crate::net::trace::{Stage, Trace};
use crate::net::wire::packet::Layer;
use crate::sim::trace::Endpoint;
use crate::sim::{ClusterConfig, ProxyMode, Sim};
use crate::store::ObjectRef;
use crate::time::SimDuration;

pub(super) const APP: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec: {nodeName: node-2, containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, labels: {app: web}}
spec: {nodeName: node-3, containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {nodeName: node-1, containers: [{name: c, image: "busybox:1.36", command: [sleep, "3600"]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 80, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody}
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
"#;

/// The app on a bare cluster whose kube-proxy runs in `mode`, 30 s after it was applied.
pub(super) fn cluster_in(mode: ProxyMode) -> Sim {
    let mut sim = Sim::new(ClusterConfig { proxy_mode: mode, ..ClusterConfig::bare() });
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(30));
    sim
}

pub(super) fn cluster_ip(sim: &Sim, name: &str) -> Ipv4Addr {
    match sim.get(&ObjectRef::new(Kind::Service, Some("default"), name)) {
        Some(Object::Service(s)) => s.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()).and_then(|ip| ip.parse().ok()).unwrap(),
        _ => panic!("no service {name}"),
    }
}

pub(super) fn pod_ip(sim: &Sim, name: &str) -> Ipv4Addr {
    crate::net::test_support::pod_ip(sim, name)
}

pub(super) fn client() -> Endpoint {
    Endpoint::Pod { namespace: "default".into(), name: "client".into() }
}

/// Source and destination of the first packet delivered to a socket at `place`.
pub(super) fn delivered_at(t: &Trace, place: &str) -> (Ipv4Addr, Ipv4Addr) {
    let h = t.hops.iter().find(|h| h.stage == Stage::Deliver && h.place.starts_with(place)).unwrap_or_else(|| panic!("nothing delivered at {place}\n{}", t.text()));
    match h.packet.layers.first() {
        Some(Layer::Ipv4(ip)) => (ip.src, ip.dst),
        _ => panic!("not IP"),
    }
}
