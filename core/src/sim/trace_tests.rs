//! Scenario tests of packet traces: a 3-node cluster per backend, pods on one node and on two,
//! the hop sequence the forwarding code records, and the ways a trace ends badly.

use std::net::Ipv4Addr;

use crate::net::forward::Probe;
use crate::net::test_support;
use crate::net::trace::{Outcome, Stage, Trace};
use crate::net::Backend;
use crate::sim::trace::Endpoint;
use crate::sim::{Sim, Underlay};

fn cluster(backend: Backend, underlay: Underlay) -> Sim {
    let pods = [("a", "node-1", "nginx:1.27", false), ("b", "node-1", "nginx:1.27", false), ("c", "node-2", "nginx:1.27", false), ("d", "node-3", "busybox:1.36", false)];
    test_support::cluster(backend, underlay, &pods)
}

fn ip(sim: &Sim, pod: &str) -> Ipv4Addr {
    test_support::pod_ip(sim, pod)
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
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}\n{}", t.outcome, t.text());
    assert!(t.hops.iter().any(|h| h.stage == Stage::Encapsulate && &*h.place == "node-1"));
    assert!(t.hops.iter().any(|h| h.stage == Stage::Decapsulate && &*h.place == "node-2"));
}

#[test]
fn cross_node_udp_backend_goes_through_flanneld() {
    let mut sim = cluster(Backend::Udp, Underlay::SharedL2);
    let dst = ip(&sim, "c");
    let t = sim.trace(&pod("a"), dst, Probe::Icmp, None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}", t.outcome);
    assert!(t.outcome.text().contains("ttl=60"), "{:?}", t.outcome);
}

#[test]
fn host_gw_across_subnets_fails() {
    let mut sim = cluster(Backend::HostGw, Underlay::RoutedL3);
    let dst = ip(&sim, "c");
    let t = sim.trace(&pod("a"), dst, Probe::Icmp, None).unwrap();
    assert!(matches!(t.outcome, Outcome::Timeout(_)), "{:?}", t.outcome);
    let route = t.hops.iter().find(|h| &*h.place == "node-1" && h.stage == Stage::Route).unwrap();
    assert!(route.detail.to_string().starts_with("default via 192.168.56.1 dev eth0"), "{}", route.detail);
    assert!(route.detail.to_string().contains("network is unreachable"), "{}", route.detail);
    assert!(t.hops.iter().any(|h| &*h.place == "router" && h.stage == Stage::Drop && h.detail.to_string() == "no route to 10.244.1.2"));
    // The router's error cannot come back either: it has no route to the pod network.
    assert!(t.hops.iter().any(|h| &*h.place == "router" && h.stage == Stage::Drop && h.detail.to_string() == "no route to 10.244.0.2"));
}

/// `place device stage` of the hops up to the first delivery (the SYN's way there), on a
/// second, warm trace.
fn syn_path(backend: Backend) -> Vec<String> {
    let mut sim = cluster(backend, Underlay::SharedL2);
    let dst = ip(&sim, "c");
    sim.trace(&pod("a"), dst, Probe::Tcp(80), None).unwrap();
    let t = sim.trace(&pod("a"), dst, Probe::Tcp(80), None).unwrap();
    let end = t.hops.iter().position(|h| h.stage == Stage::Deliver).unwrap();
    t.hops[..=end]
        .iter()
        .filter(|h| !matches!(h.stage, Stage::Route | Stage::Neighbour | Stage::Send))
        .map(|h| format!("{} {} {}", h.place, h.device.as_deref().unwrap_or("-"), h.stage.name()))
        .collect()
}

/// The warm cross-node SYN's path per backend, hop by hop (veth names are random: `vethX`).
#[test]
fn cross_node_syn_path_per_backend() {
    // "netfilter" hops: PREROUTING and FORWARD on the way in, POSTROUTING on the way out; the
    // encapsulated packet is the node's own (OUTPUT, POSTROUTING) and arrives for it (INPUT).
    let common_start = [
        "node-1 pod default/a eth0 transmit",
        "node-1 vethX receive",
        "node-1 cni0 bridge",
        "node-1 cni0 receive",
        "node-1 cni0 netfilter",
        "node-1 cni0 forward",
        "node-1 cni0 netfilter",
    ];
    let common_end = [
        "node-2 cni0 netfilter",
        "node-2 cni0 transmit",
        "node-2 cni0 bridge",
        "node-2 vethX transmit",
        "node-2 pod default/c eth0 receive",
        "node-2 pod default/c eth0 deliver",
    ];
    let table: [(Backend, &[&str]); 3] = [
        (
            Backend::Vxlan,
            &[
                "node-1 flannel.1 netfilter",
                "node-1 flannel.1 transmit",
                "node-1 flannel.1 encapsulate",
                "node-1 - netfilter",
                "node-1 eth0 netfilter",
                "node-1 eth0 transmit",
                "node-1 eth0 underlay",
                "node-2 eth0 receive",
                "node-2 eth0 netfilter",
                "node-2 eth0 netfilter",
                "node-2 flannel.1 decapsulate",
                "node-2 flannel.1 receive",
                "node-2 flannel.1 netfilter",
                "node-2 flannel.1 forward",
                "node-2 flannel.1 netfilter",
            ],
        ),
        (
            Backend::Udp,
            &[
                "node-1 flannel0 netfilter",
                "node-1 flannel0 transmit",
                "node-1 flannel0 flanneld",
                // flanneld's socket pair 8285 ⇄ 8285 is one flow, already ESTABLISHED on this
                // warm trace: the nat table is not consulted, only mangle and filter show.
                "node-1 - netfilter",
                "node-1 eth0 netfilter",
                "node-1 eth0 transmit",
                "node-1 eth0 underlay",
                "node-2 eth0 receive",
                "node-2 eth0 netfilter",
                "node-2 eth0 netfilter",
                "node-2 flannel0 flanneld",
                "node-2 flannel0 receive",
                "node-2 flannel0 netfilter",
                "node-2 flannel0 forward",
                "node-2 flannel0 netfilter",
            ],
        ),
        (
            Backend::HostGw,
            &[
                "node-1 eth0 netfilter",
                "node-1 eth0 transmit",
                "node-1 eth0 underlay",
                "node-2 eth0 receive",
                "node-2 eth0 netfilter",
                "node-2 eth0 forward",
                "node-2 eth0 netfilter",
            ],
        ),
    ];
    for (backend, middle) in table {
        let want: Vec<&str> = common_start.iter().chain(middle).chain(common_end.iter()).copied().collect();
        let got: Vec<String> = syn_path(backend)
            .into_iter()
            .map(|h| h.split(' ').map(|w| if w.starts_with("veth") { "vethX" } else { w }).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(got, want, "{backend:?}");
    }
}

#[test]
fn ttl_and_mtu_per_backend() {
    // Each node's forwarding takes one off the TTL; flanneld in user space takes one more on
    // each side.
    for (backend, ttl) in [(Backend::Vxlan, 62), (Backend::Udp, 60), (Backend::HostGw, 62)] {
        let mut sim = cluster(backend, Underlay::SharedL2);
        let dst = ip(&sim, "c");
        let t = sim.trace(&pod("a"), dst, Probe::Icmp, None).unwrap();
        assert!(t.outcome.text().contains(&format!("ttl={ttl} ")), "{backend:?}: {:?}", t.outcome);
    }
    // The pod's eth0 has flannel's MTU: 1422 bytes of ping data fill a 1450-byte packet under
    // vxlan, one more does not fit.
    let mut sim = cluster(Backend::Vxlan, Underlay::SharedL2);
    let dst = ip(&sim, "c");
    let fits = sim.trace(&pod("a"), dst, Probe::Icmp, Some(1422)).unwrap();
    assert!(matches!(fits.outcome, Outcome::Delivered(_)), "{:?}", fits.outcome);
    let too_big = sim.trace(&pod("a"), dst, Probe::Icmp, Some(1423)).unwrap();
    assert_eq!(too_big.outcome, Outcome::Unreachable("ping: local error: message too long, mtu=1450".into()));
}

#[test]
fn bad_destinations_end_the_real_way() {
    let mut sim = cluster(Backend::Vxlan, Underlay::SharedL2);
    let b = ip(&sim, "b");
    // A port nobody listens on: RST.
    let t = sim.trace(&pod("a"), b, Probe::Tcp(81), None).unwrap();
    assert_eq!(t.outcome, Outcome::Refused(format!("connect to {b}:81: Connection refused")));
    // UDP to a closed port: ICMP port unreachable.
    let t = sim.trace(&pod("a"), b, Probe::Udp(53), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Refused(_)), "{:?}", t.outcome);
    assert!(t.hops.iter().any(|h| h.detail.to_string() == format!("ICMP port unreachable to {}", ip(&sim, "a"))));
    // An address in the pod subnet that nobody holds: ARP fails after three tries.
    let t = sim.trace(&pod("a"), "10.244.0.200".parse().unwrap(), Probe::Tcp(80), None).unwrap();
    assert_eq!(t.outcome, Outcome::Unreachable("connect: No route to host".into()));
    let last_drop = t.hops.iter().rev().find(|h| h.stage == Stage::Drop).unwrap();
    assert_eq!(last_drop.detail.to_string(), "no ARP reply for 10.244.0.200 after 3 tries: neighbour FAILED");
    assert!(last_drop.at.0 - t.started.0 >= 3_000_000);
    // A pod that does not exist, or a node.
    assert_eq!(sim.trace(&pod("gone"), b, Probe::Icmp, None).unwrap_err(), "Error from server (NotFound): pods \"gone\" not found");
    assert!(sim.trace(&Endpoint::Node("node-9".into()), b, Probe::Icmp, None).is_err());
}

#[test]
fn localhost_node_and_external_sources() {
    let mut sim = cluster(Backend::Vxlan, Underlay::SharedL2);
    // Containers of a pod share its namespace: localhost reaches nginx through lo.
    let t = sim.trace(&pod("a"), Ipv4Addr::LOCALHOST, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    assert!(t.hops.iter().all(|h| h.device.as_deref().is_none_or(|d| d == "lo")), "{}", t.text());
    // A node reaches a remote pod from flannel.1's address.
    let c = ip(&sim, "c");
    let t = sim.trace(&Endpoint::Node("node-1".into()), c, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    assert!(t.hops[0].detail.to_string().ends_with("from 10.244.0.0"), "{}", t.hops[0].detail);
    // A node's sshd answers on its underlay address.
    let t = sim.trace(&Endpoint::External, "192.168.56.12".parse().unwrap(), Probe::Tcp(22), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    // The internet knows nothing of the pod network: the first hop answers net unreachable.
    let t = sim.trace(&Endpoint::External, c, Probe::Icmp, None).unwrap();
    assert_eq!(t.outcome, Outcome::Unreachable("From 203.0.113.1 icmp_seq=1 Destination Net Unreachable".into()));
    assert_eq!(t.hops[0].place.as_ref(), "internet");
}

#[test]
fn host_gw_on_one_segment_routes_via_the_node() {
    let mut sim = cluster(Backend::HostGw, Underlay::SharedL2);
    let c = ip(&sim, "c");
    let t = sim.trace(&pod("a"), c, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    let route = t.hops.iter().find(|h| &*h.place == "node-1" && h.stage == Stage::Route).unwrap();
    assert_eq!(route.detail.to_string(), "10.244.1.0/24 via 192.168.56.12 dev eth0");
    assert!(!t.hops.iter().any(|h| matches!(h.stage, Stage::Encapsulate | Stage::Userspace)));
}

#[test]
fn traces_are_deterministic() {
    let run = || {
        let mut sim = cluster(Backend::Vxlan, Underlay::SharedL2);
        let c = ip(&sim, "c");
        sim.trace(&pod("a"), c, Probe::Tcp(80), None).unwrap().text()
    };
    assert_eq!(run(), run());
}

#[test]
fn switching_backends_keeps_old_pod_mtus() {
    // Pods created under udp have flannel's udp MTU (1472) on eth0. After a switch to vxlan
    // (MTU 1450) a full-size packet with DF leaves the pod and meets flannel.1 on the node,
    // which answers "fragmentation needed".
    let mut sim = cluster(Backend::Udp, Underlay::SharedL2);
    let c = ip(&sim, "c");
    sim.set_network_backend(Backend::Vxlan);
    let t = sim.trace(&pod("a"), c, Probe::Icmp, Some(1444)).unwrap();
    assert_eq!(t.outcome, Outcome::Unreachable("From 10.244.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1450)".into()), "{}", t.text());
    let drop = t.hops.iter().find(|h| h.stage == Stage::Drop && h.detail.to_string().starts_with("packet of")).unwrap();
    assert_eq!(drop.detail.to_string(), "packet of 1472 bytes exceeds the MTU of flannel.1 (1450) and DF is set");
    // Smaller packets go through the new backend.
    let t = sim.trace(&pod("a"), c, Probe::Icmp, None).unwrap();
    assert!(t.outcome.text().contains("ttl=62"), "{:?}", t.outcome);
    assert!(t.hops.iter().any(|h| h.stage == Stage::Encapsulate));
    // And back to udp: flanneld in user space again.
    sim.set_network_backend(Backend::Udp);
    let t = sim.trace(&pod("a"), c, Probe::Icmp, None).unwrap();
    assert!(t.outcome.text().contains("ttl=60"), "{:?}", t.outcome);
}
