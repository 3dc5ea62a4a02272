//! Traces through Services: kube-proxy's rules (iptables mode) DNAT the first packet, conntrack
//! rewrites the replies, KUBE-MARK-MASQ / KUBE-POSTROUTING masquerade what needs it, and a
//! Service without endpoints is rejected.

use std::net::Ipv4Addr;

use crate::net::forward::Probe;
use crate::net::netfilter::NatKind;
use crate::net::trace::{Detail, Outcome, Stage, Trace};
use crate::sim::trace::Endpoint;
use crate::sim::{ClusterConfig, ProxyMode, Sim};
use crate::time::SimDuration;

use super::service_test_support::{client, cluster_in, cluster_ip, delivered_at, pod_ip, APP};

fn cluster() -> Sim {
    cluster_in(ProxyMode::Iptables)
}

/// The NAT rewrites in the trace, in order: (machine, kind, reply, from, to).
fn nats(t: &Trace) -> Vec<(String, NatKind, bool, String, String)> {
    t.hops
        .iter()
        .filter_map(|h| match &h.detail {
            Detail::Netfilter(d) => d.nat.as_ref().map(|n| (h.place.to_string(), n.kind, n.reply, format!("{}:{}", n.from.0, n.from.1), format!("{}:{}", n.to.0, n.to.1))),
            _ => None,
        })
        .collect()
}


#[test]
fn a_cluster_ip_is_dnated_on_the_clients_node_and_the_reply_comes_from_the_service() {
    let mut sim = cluster();
    let vip = cluster_ip(&sim, "web");
    let client_ip = pod_ip(&sim, "client");
    let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}\n{}", t.outcome, t.text());
    let n = nats(&t);
    let backends = [format!("{}:80", pod_ip(&sim, "web-1")), format!("{}:80", pod_ip(&sim, "web-2"))];
    let (place, kind, reply, from, to) = &n[0];
    assert_eq!((place.as_str(), *kind, *reply, from.clone()), ("node-1", NatKind::Dst, false, format!("{vip}:80")));
    assert!(backends.contains(to), "{to}");
    // The chosen pod sees the client's own address (no masquerade from a pod).
    let server = if to == &backends[0] { "node-2 pod default/web-1" } else { "node-3 pod default/web-2" };
    assert_eq!(delivered_at(&t, server).0, client_ip);
    // The SYN-ACK is rewritten back on node-1: it reaches the client from the Service.
    assert!(n.iter().any(|(p, k, r, _, to)| p == "node-1" && *k == NatKind::Src && *r && to == &format!("{vip}:80")), "{n:?}");
    assert_eq!(delivered_at(&t, "node-1 pod default/client"), (vip, client_ip));
    // The rules the SYN matched, as TRACE names them.
    let first = t.hops.iter().find_map(|h| match &h.detail {
        Detail::Netfilter(d) if d.nat.is_some() => Some(d.visits.iter().map(|v| v.trace_text()).collect::<Vec<_>>()),
        _ => None,
    });
    let first = first.unwrap();
    assert!(first.iter().any(|v| v == "nat:PREROUTING:rule:1"), "{first:?}");
    assert!(first.iter().any(|v| v.starts_with("nat:KUBE-SVC-")), "{first:?}");
    assert!(first.iter().any(|v| v.starts_with("nat:KUBE-SEP-") && v.ends_with(":rule:2")), "{first:?}");
}

#[test]
fn a_service_without_endpoints_is_rejected_by_the_filter_table() {
    let mut sim = cluster();
    let vip = cluster_ip(&sim, "nobody");
    let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
    assert!(matches!(&t.outcome, Outcome::Refused(s) if s.contains("connection refused")), "{:?}\n{}", t.outcome, t.text());
    let drop = t.hops.iter().find(|h| h.stage == Stage::Drop).unwrap();
    let text = drop.detail.to_string();
    assert!(text.contains("filter:KUBE-SERVICES:rule:") && text.contains("REJECT"), "{text}");
}

#[test]
fn a_node_port_from_outside_is_masqueraded_to_the_node() {
    let mut sim = cluster();
    // Node 1 runs no web pod: the connection takes a second hop and is SNATed to node-1.
    let node1 = sim.net().node("node-1").unwrap().placement.ip;
    sim.advance(SimDuration::from_secs(1));
    let t = sim.trace(&Endpoint::External, node1, Probe::Tcp(30080), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}\n{}", t.outcome, t.text());
    let n = nats(&t);
    assert_eq!((n[0].0.as_str(), n[0].1, n[0].3.clone()), ("node-1", NatKind::Dst, format!("{node1}:30080")));
    let masq = n.iter().find(|x| x.0 == "node-1" && x.1 == NatKind::Src && !x.2).unwrap_or_else(|| panic!("{n:?}"));
    // MASQUERADE takes the address of the interface the packet leaves by: flannel.1's.
    assert!(masq.4.starts_with("10.244.0.0:"), "{masq:?}");
    let server = if n[0].4.starts_with(&pod_ip(&sim, "web-1").to_string()) { "node-2 pod" } else { "node-3 pod" };
    assert_eq!(delivered_at(&t, server).0, "10.244.0.0".parse::<Ipv4Addr>().unwrap());
}

#[test]
fn kube_proxy_programs_the_rules_a_second_after_the_change() {
    let mut sim = Sim::new(ClusterConfig::bare());
    sim.apply("app.yaml", APP);
    sim.settle(100_000);
    let save = |sim: &mut Sim| crate::console::run_line(sim, "node node-1 -- iptables-save -t nat", &crate::kubectl::NoFiles).stdout;
    let spn = "default/web:http";
    let svc = crate::net::kube_proxy::svc_chain(spn, crate::net::kube_proxy::Proto::Tcp);
    sim.advance(SimDuration::from_secs(30));
    let rules = save(&mut sim);
    assert!(rules.contains(&format!(":{svc} - [0:0]")), "{rules}");
    assert!(rules.contains(&format!("-A KUBE-NODEPORTS -p tcp -m comment --comment {spn} -m tcp --dport 30080 -j KUBE-EXT-")), "{rules}");
    // Deleting the Service removes its chains at the next sync.
    crate::console::run_line(&mut sim, "kubectl delete service web", &crate::kubectl::NoFiles);
    sim.advance(SimDuration::from_secs(2));
    let rules = save(&mut sim);
    assert!(!rules.contains(&svc), "{rules}");
}


#[test]
fn client_ip_affinity_sends_a_client_back_to_the_same_pod() {
    let mut sim = cluster();
    let sticky = "apiVersion: v1\nkind: Service\nmetadata: {name: sticky}\nspec:\n  selector: {app: web}\n  sessionAffinity: ClientIP\n  ports: [{port: 80}]\n";
    sim.apply("sticky.yaml", sticky);
    sim.advance(SimDuration::from_secs(2));
    let vip = cluster_ip(&sim, "sticky");
    let mut backends = std::collections::BTreeSet::new();
    for _ in 0..6 {
        let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
        backends.insert(nats(&t)[0].4.clone());
    }
    assert_eq!(backends.len(), 1, "{backends:?}");
    // The plain Service spreads the same client over both pods.
    let vip = cluster_ip(&sim, "web");
    let mut spread = std::collections::BTreeSet::new();
    for _ in 0..6 {
        let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
        spread.insert(nats(&t)[0].4.clone());
    }
    assert_eq!(spread.len(), 2, "{spread:?}");
}

#[test]
fn external_traffic_policy_local_keeps_the_client_address_and_drops_on_nodes_without_a_pod() {
    let mut sim = cluster();
    let local = "apiVersion: v1\nkind: Service\nmetadata: {name: local}\nspec:\n  type: NodePort\n  externalTrafficPolicy: Local\n  selector: {app: web}\n  ports: [{port: 80, nodePort: 30081}]\n";
    sim.apply("local.yaml", local);
    sim.advance(SimDuration::from_secs(2));
    let client = crate::net::INTERNET_HOST;
    // node-2 runs web-1: the client's own address reaches the pod.
    let node2 = sim.net().node("node-2").unwrap().placement.ip;
    let t = sim.trace(&Endpoint::External, node2, Probe::Tcp(30081), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    assert_eq!(delivered_at(&t, "node-2 pod default/web-1").0, client);
    assert!(!nats(&t).iter().any(|n| n.1 == NatKind::Src && !n.2), "no masquerade: {:?}", nats(&t));
    // node-1 runs no web pod: the filter table drops it there.
    let node1 = sim.net().node("node-1").unwrap().placement.ip;
    let t = sim.trace(&Endpoint::External, node1, Probe::Tcp(30081), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Timeout(_)), "{}", t.text());
    let drop = t.hops.iter().find(|h| h.stage == Stage::Drop).unwrap_or_else(|| panic!("{}", t.text()));
    let text = drop.detail.to_string();
    assert!(text.contains("DROP") && text.contains("filter:KUBE-EXTERNAL-SERVICES:rule:"), "{text}");
    assert_eq!(drop.place.as_ref(), "node-1");
}
