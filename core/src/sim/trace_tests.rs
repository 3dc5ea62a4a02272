//! Scenario tests of packet traces: a 3-node cluster per backend, pods on one node and on two,
//! the hop sequence the forwarding code records, and the ways a trace ends badly.

use std::net::Ipv4Addr;

use crate::api::{Kind, Object};
use crate::net::forward::Probe;
use crate::net::trace::{Outcome, Stage, Trace};
use crate::net::Backend;
use crate::sim::trace::Endpoint;
use crate::sim::{ClusterConfig, Sim, Underlay};
use crate::store::{Cause, Component, ObjectRef};
use crate::time::SimDuration;

fn cluster(backend: Backend, underlay: Underlay) -> Sim {
    let mut sim = Sim::new(ClusterConfig { network: backend, underlay, ..Default::default() });
    for (name, node, image) in [("a", "node-1", "nginx:1.27"), ("b", "node-1", "nginx:1.27"), ("c", "node-2", "nginx:1.27"), ("d", "node-3", "busybox:1.36")] {
        let v = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": image, "command": if image.starts_with("busybox") { serde_json::json!(["sleep", "3600"]) } else { serde_json::Value::Null }}]}
        });
        let obj = Object::from_value(Kind::Pod, v).unwrap();
        sim.api().create(obj, &Component::new("test"), Cause::Bootstrap).unwrap();
        sim.after_action();
    }
    sim.advance(SimDuration::from_secs(30));
    sim
}

fn ip(sim: &Sim, pod: &str) -> Ipv4Addr {
    match sim.get(&ObjectRef::new(Kind::Pod, Some("default"), pod)) {
        Some(Object::Pod(p)) => p.status.as_ref().and_then(|s| s.pod_ip.as_deref()).unwrap().parse().unwrap(),
        _ => panic!("no pod {pod}"),
    }
}

fn pod(name: &str) -> Endpoint {
    Endpoint::Pod { namespace: "default".into(), name: name.into() }
}

/// `place device stage` for every hop, for sequence assertions.
fn steps(t: &Trace) -> Vec<String> {
    t.hops.iter().map(|h| format!("{} {} {}", h.place, h.device.as_deref().unwrap_or("-"), h.stage.name())).collect()
}

#[test]
fn same_node_tcp_goes_veth_bridge_veth_with_arp_first() {
    let mut sim = cluster(Backend::Vxlan, Underlay::SharedL2);
    let dst = ip(&sim, "b");
    let t = sim.trace(&pod("a"), dst, Probe::Tcp(80), None).unwrap();
    println!("{}", t.text());
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}", t.outcome);
    let s = steps(&t);
    assert!(s.iter().any(|x| x.contains("node-1 pod default/a eth0 arp")), "{s:#?}");
    assert!(s.iter().any(|x| x.starts_with("node-1 cni0 bridge")), "{s:#?}");
    assert!(!s.iter().any(|x| x.contains("flannel")), "{s:#?}");
    // A second trace finds the caches warm: no ARP.
    let t2 = sim.trace(&pod("a"), dst, Probe::Tcp(80), None).unwrap();
    assert!(!steps(&t2).iter().any(|x| x.ends_with(" arp")), "{}", t2.text());
}

#[test]
fn cross_node_vxlan_encapsulates_on_8472() {
    let mut sim = cluster(Backend::Vxlan, Underlay::SharedL2);
    let dst = ip(&sim, "c");
    let t = sim.trace(&pod("a"), dst, Probe::Tcp(80), None).unwrap();
    println!("{}", t.text());
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}", t.outcome);
    assert!(t.hops.iter().any(|h| h.stage == Stage::Encapsulate && &*h.place == "node-1"));
    assert!(t.hops.iter().any(|h| h.stage == Stage::Decapsulate && &*h.place == "node-2"));
}

#[test]
fn cross_node_udp_backend_goes_through_flanneld() {
    let mut sim = cluster(Backend::Udp, Underlay::SharedL2);
    let dst = ip(&sim, "c");
    let t = sim.trace(&pod("a"), dst, Probe::Icmp, None).unwrap();
    println!("{}", t.text());
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}", t.outcome);
    assert!(t.outcome.text().contains("ttl=60"), "{:?}", t.outcome);
}

#[test]
fn host_gw_across_subnets_fails() {
    let mut sim = cluster(Backend::HostGw, Underlay::RoutedL3);
    let dst = ip(&sim, "c");
    let t = sim.trace(&pod("a"), dst, Probe::Icmp, None).unwrap();
    println!("{}", t.text());
    assert!(matches!(t.outcome, Outcome::Timeout(_)), "{:?}", t.outcome);
    let route = t.hops.iter().find(|h| &*h.place == "node-1" && h.stage == Stage::Route).unwrap();
    assert!(route.detail.to_string().starts_with("default via 192.168.56.1 dev eth0"), "{}", route.detail);
    assert!(route.detail.to_string().contains("network is unreachable"), "{}", route.detail);
    assert!(t.hops.iter().any(|h| &*h.place == "router" && h.stage == Stage::Drop && h.detail.to_string() == "no route to 10.244.1.2"));
    // The router's error cannot come back either: it has no route to the pod network.
    assert!(t.hops.iter().any(|h| &*h.place == "router" && h.stage == Stage::Drop && h.detail.to_string() == "no route to 10.244.0.2"));
}
