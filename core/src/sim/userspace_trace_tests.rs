//! Traces through Services with kube-proxy in userspace mode: the portal rules REDIRECT the
//! connection to kube-proxy's own socket on the client's node, and kube-proxy opens a second
//! connection to a backend, round robin, from the node: the backend sees the node's address.

use std::net::Ipv4Addr;

use crate::net::forward::Probe;
use crate::net::kube_proxy::Proto;
use crate::net::netfilter::NatKind;
use crate::net::trace::{Detail, Outcome, Stage, Trace};
use crate::net::wire::packet::Layer;
use crate::sim::trace::Endpoint;
use crate::sim::{ClusterConfig, ProxyMode, Sim};
use crate::time::SimDuration;

use super::service_test_support::{client, cluster_in, cluster_ip, pod_ip, APP};

fn cluster() -> Sim {
    cluster_in(ProxyMode::Userspace)
}

fn proxy_port(sim: &Sim, node: &str, spn: &str) -> u16 {
    let root = sim.net().node(node).unwrap().root;
    sim.net().userspace(root).unwrap().port_of(spn, Proto::Tcp).unwrap()
}

/// (place, source, destination) of every packet delivered to a listening socket's SYN.
fn accepted(t: &Trace) -> Vec<(String, Ipv4Addr, Ipv4Addr)> {
    t.hops
        .iter()
        .filter(|h| h.stage == Stage::Deliver && h.detail.to_string().starts_with("SYN for the socket"))
        .filter_map(|h| match h.packet.layers.first() {
            Some(Layer::Ipv4(ip)) => Some((h.place.to_string(), ip.src, ip.dst)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_proxy_accepts_on_the_node_and_the_backend_sees_the_node() {
    let mut sim = cluster();
    let vip = cluster_ip(&sim, "web");
    let port = proxy_port(&sim, "node-1", "default/web:http");
    assert!((32768..=60999).contains(&port), "{port}");
    let mut backends = Vec::new();
    for _ in 0..4 {
        let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
        assert!(matches!(&t.outcome, Outcome::Delivered(s) if s.starts_with("kube-proxy (userspace) on node-1 relays default/web:http")), "{:?}\n{}", t.outcome, t.text());
        // REDIRECT at PREROUTING: to cni0's address and the proxy port.
        let redirect = t.hops.iter().find_map(|h| match &h.detail {
            Detail::Netfilter(d) => d.nat.as_ref().filter(|n| n.kind == NatKind::Dst && !n.reply && n.by_rule == Some("REDIRECT")).map(|n| n.to),
            _ => None,
        });
        assert_eq!(redirect, Some(("10.244.0.1".parse().unwrap(), port)), "{}", t.text());
        let acc = accepted(&t);
        assert_eq!(acc.len(), 2, "{acc:?}");
        assert_eq!((acc[0].0.as_str(), acc[0].1, acc[0].2), ("node-1", pod_ip(&sim, "client"), "10.244.0.1".parse().unwrap()));
        // The second connection comes from the node (flannel.1's address towards another node).
        assert_eq!(acc[1].1, "10.244.0.0".parse::<Ipv4Addr>().unwrap(), "{acc:?}");
        backends.push(acc[1].2);
    }
    // Round robin over the two pods.
    assert_ne!(backends[0], backends[1]);
    assert_eq!(backends[0], backends[2]);
    let rules = crate::console::run_line(&mut sim, "node node-1 -- iptables-save -t nat", &crate::kubectl::NoFiles).stdout;
    assert!(rules.contains(&format!("-A KUBE-PORTALS-CONTAINER -d {vip}/32 -p tcp -m comment --comment default/web:http -m tcp --dport 80 -j REDIRECT --to-ports {port}\n")), "{rules}");
    assert!(rules.contains(&format!("-A KUBE-PORTALS-HOST -d {vip}/32 -p tcp -m comment --comment default/web:http -m tcp --dport 80 -j DNAT --to-destination 192.168.56.11:{port}\n")), "{rules}");
    assert!(rules.contains("-A PREROUTING -m comment --comment \"handle ClusterIPs; NOTE: this must be before the NodePort rules\" -j KUBE-PORTALS-CONTAINER\n-A PREROUTING -m addrtype --dst-type LOCAL"), "{rules}");
}

#[test]
fn a_node_port_is_redirected_to_the_proxy_and_relayed() {
    let mut sim = cluster();
    let node1 = sim.net().node("node-1").unwrap().placement.ip;
    let t = sim.trace(&Endpoint::External, node1, Probe::Tcp(30080), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}\n{}", t.outcome, t.text());
    let acc = accepted(&t);
    let port = proxy_port(&sim, "node-1", "default/web:http");
    assert_eq!((acc[0].0.as_str(), acc[0].2), ("node-1", node1));
    let seen = t.hops.iter().find(|h| h.stage == Stage::Deliver && h.place == acc[0].0.as_str().into()).unwrap();
    assert!(seen.detail.to_string().contains(&format!(":{port}")), "{}", seen.detail);
    assert!(acc[1].0.contains(" pod default/web-"), "{acc:?}");
}

#[test]
fn a_service_without_endpoints_is_accepted_then_closed() {
    let mut sim = cluster();
    let vip = cluster_ip(&sim, "nobody");
    let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
    assert!(matches!(&t.outcome, Outcome::Refused(s) if s.contains("has no endpoint")), "{:?}\n{}", t.outcome, t.text());
}

#[test]
fn cluster_dns_answers_through_the_userspace_proxy() {
    let mut sim = Sim::new(ClusterConfig { proxy_mode: ProxyMode::Userspace, ..ClusterConfig::default() });
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(30));
    let vip = cluster_ip(&sim, "web");
    let out = crate::kubectl::test_support::sh(&mut sim, "kubectl exec client -- nslookup web");
    assert_eq!(out, format!("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tweb.default.svc.cluster.local\nAddress: {vip}\n\n"));
}
