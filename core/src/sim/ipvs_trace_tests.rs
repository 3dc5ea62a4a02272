//! Traces through Services with kube-proxy in IPVS mode: the service addresses are local (on
//! kube-ipvs0), IPVS takes the packet at LOCAL_IN and schedules a real server round robin,
//! replies get the virtual server back as their source, KUBE-POSTROUTING masquerades what
//! KUBE-SERVICES marked, and a virtual server without real servers answers port unreachable.

use std::net::Ipv4Addr;

use crate::net::forward::Probe;
use crate::net::netfilter::NatKind;
use crate::net::trace::{Detail, IpvsDetail, Outcome, Stage, Trace};
use crate::sim::trace::Endpoint;
use crate::sim::{ClusterConfig, ProxyMode, Sim};
use crate::time::SimDuration;

use super::service_test_support::{client, cluster_in, cluster_ip, delivered_at, pod_ip, APP};

fn cluster() -> Sim {
    cluster_in(ProxyMode::Ipvs)
}

fn sh(sim: &mut Sim, line: &str) -> String {
    let out = crate::console::run_line(sim, line, &crate::kubectl::NoFiles);
    assert_eq!(out.status, 0, "{line}: {}", out.stderr);
    out.stdout
}

/// The IPVS hops: (machine, detail).
fn ipvs_hops(t: &Trace) -> Vec<(String, IpvsDetail)> {
    t.hops
        .iter()
        .filter_map(|h| match &h.detail {
            Detail::Ipvs(d) => Some((h.place.to_string(), (**d).clone())),
            _ => None,
        })
        .collect()
}

/// The netfilter NAT rewrites: (machine, kind, reply, by, to).
fn nats(t: &Trace) -> Vec<(String, NatKind, bool, Option<&'static str>, String)> {
    t.hops
        .iter()
        .filter_map(|h| match &h.detail {
            Detail::Netfilter(d) => d.nat.as_ref().map(|n| (h.place.to_string(), n.kind, n.reply, n.by_rule, format!("{}:{}", n.to.0, n.to.1))),
            _ => None,
        })
        .collect()
}


#[test]
fn ipvs_schedules_a_cluster_ip_round_robin_and_the_reply_comes_from_the_virtual_server() {
    let mut sim = cluster();
    let vip = cluster_ip(&sim, "web");
    let client_ip = pod_ip(&sim, "client");
    let backends = [(pod_ip(&sim, "web-1"), 80), (pod_ip(&sim, "web-2"), 80)];
    let mut chosen = Vec::new();
    for _ in 0..4 {
        let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
        assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}\n{}", t.outcome, t.text());
        let hops = ipvs_hops(&t);
        // The SYN is scheduled on the client's node; the handshake's ACK follows the connection.
        let (place, first) = &hops[0];
        assert_eq!(place, "node-1");
        assert!(first.scheduled && first.vip == (vip, 80) && first.scheduler == "rr", "{first:?}");
        let real = first.real.unwrap();
        assert!(backends.contains(&real), "{real:?}");
        assert!(hops[1..].iter().all(|(_, d)| !d.scheduled && d.real == Some(real)), "{hops:?}");
        chosen.push(real);
        // nf_nat rewrites no destination: IPVS does. The reply's source is put back by IPVS.
        let n = nats(&t);
        assert!(!n.iter().any(|x| x.1 == NatKind::Dst && !x.2), "{n:?}");
        assert!(n.iter().any(|x| x.0 == "node-1" && x.1 == NatKind::Src && x.2 && x.3 == Some("IPVS") && x.4 == format!("{vip}:80")), "{n:?}");
        // The pod sees the client's own address; the client sees the Service answer.
        let server = if real == backends[0] { "node-2 pod default/web-1" } else { "node-3 pod default/web-2" };
        assert_eq!(delivered_at(&t, server).0, client_ip);
        assert_eq!(delivered_at(&t, "node-1 pod default/client"), (vip, client_ip));
        assert!(t.text().contains("IPVS TCP"), "{}", t.text());
    }
    // rr alternates between the two real servers.
    assert_ne!(chosen[0], chosen[1]);
    assert_eq!(chosen[0], chosen[2]);
    assert_eq!(chosen[1], chosen[3]);
}

#[test]
fn a_node_port_from_outside_is_masqueraded_by_kube_postrouting() {
    let mut sim = cluster();
    let node1 = sim.net().node("node-1").unwrap().placement.ip;
    let t = sim.trace(&Endpoint::External, node1, Probe::Tcp(30080), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}\n{}", t.outcome, t.text());
    let hops = ipvs_hops(&t);
    assert_eq!(hops[0].1.vip, (node1, 30080));
    // KUBE-NODE-PORT marked it; KUBE-POSTROUTING masquerades on the way out (flannel.1's address).
    let masq = nats(&t).into_iter().find(|x| x.0 == "node-1" && x.1 == NatKind::Src && !x.2).unwrap_or_else(|| panic!("{}", t.text()));
    assert_eq!(masq.3, Some("MASQUERADE"));
    let text = t.text();
    assert!(text.contains("nat:KUBE-POSTROUTING:rule:"), "{text}");
    let real = hops[0].1.real.unwrap();
    let server = if real.0 == pod_ip(&sim, "web-1") { "node-2 pod" } else { "node-3 pod" };
    assert_eq!(delivered_at(&t, server).0, "10.244.0.0".parse::<Ipv4Addr>().unwrap());
}

#[test]
fn a_virtual_server_without_real_servers_answers_port_unreachable() {
    let mut sim = cluster();
    let vip = cluster_ip(&sim, "nobody");
    let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
    assert!(matches!(&t.outcome, Outcome::Refused(s) if s.contains("connection refused")), "{:?}\n{}", t.outcome, t.text());
    let drop = t.hops.iter().find(|h| h.stage == Stage::Drop).unwrap();
    assert!(drop.detail.to_string().contains("no destination available"), "{}", drop.detail);
}

#[test]
fn a_port_the_service_does_not_have_is_rejected_by_kube_ipvs_filter() {
    let mut sim = cluster();
    let vip = cluster_ip(&sim, "web");
    let t = sim.trace(&client(), vip, Probe::Tcp(8080), None).unwrap();
    assert!(matches!(&t.outcome, Outcome::Refused(_)), "{:?}\n{}", t.outcome, t.text());
    let drop = t.hops.iter().find(|h| h.stage == Stage::Drop).unwrap_or_else(|| panic!("{}", t.text()));
    let text = drop.detail.to_string();
    assert!(text.contains("filter:KUBE-IPVS-FILTER:rule:") && text.contains("REJECT"), "{text}");
}

#[test]
fn the_node_shows_its_virtual_servers_sets_and_dummy_addresses() {
    let mut sim = cluster();
    let vip = cluster_ip(&sim, "web");
    let (w1, w2) = (pod_ip(&sim, "web-1"), pod_ip(&sim, "web-2"));
    let ipvs = sh(&mut sim, &format!("node node-1 -- ipvsadm -Ln -t {vip}:80"));
    let (lo, hi) = if w1 < w2 { (w1, w2) } else { (w2, w1) };
    let want = format!(
        "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  {vip}:80 rr\n  -> {:<28} Masq    1      0          0         \n  -> {:<28} Masq    1      0          0         \n",
        format!("{lo}:80"),
        format!("{hi}:80")
    );
    assert_eq!(ipvs, want);
    let all = sh(&mut sim, "node node-1 -- ipvsadm -Ln");
    let node1 = sim.net().node("node-1").unwrap().placement.ip;
    assert!(all.contains(&format!("TCP  {node1}:30080 rr\n")), "{all}");
    let addr = sh(&mut sim, "node node-1 -- ip addr show kube-ipvs0");
    assert!(addr.contains("kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default qlen 1000"), "{addr}");
    assert!(addr.contains(&format!("    inet {vip}/32 scope global kube-ipvs0\n")), "{addr}");
    let set = sh(&mut sim, "node node-1 -- ipset list KUBE-CLUSTER-IP");
    assert!(set.starts_with("Name: KUBE-CLUSTER-IP\nType: hash:ip,port\n"), "{set}");
    assert!(set.contains(&format!("\n{vip},tcp:80\n")), "{set}");
    // `ip route get` of a service address: it is local.
    let route = sh(&mut sim, &format!("node node-1 -- ip route get {vip}"));
    assert!(route.starts_with(&format!("local {vip} dev lo")), "{route}");
}

#[test]
fn client_ip_affinity_is_a_persistent_virtual_server() {
    let mut sim = cluster();
    let sticky = "apiVersion: v1\nkind: Service\nmetadata: {name: sticky}\nspec:\n  selector: {app: web}\n  sessionAffinity: ClientIP\n  ports: [{port: 80}]\n";
    sim.apply("sticky.yaml", sticky);
    sim.advance(SimDuration::from_secs(2));
    let vip = cluster_ip(&sim, "sticky");
    let list = sh(&mut sim, &format!("node node-1 -- ipvsadm -Ln -t {vip}:80"));
    assert!(list.contains(&format!("TCP  {vip}:80 rr persistent 10800\n")), "{list}");
    let mut reals = std::collections::BTreeSet::new();
    for _ in 0..4 {
        let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
        reals.insert(ipvs_hops(&t)[0].1.real.unwrap());
    }
    assert_eq!(reals.len(), 1, "{reals:?}");
}

#[test]
fn iptables_mode_nodes_have_no_ipvs_state() {
    let mut sim = Sim::new(ClusterConfig::bare());
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(30));
    assert_eq!(sh(&mut sim, "node node-1 -- ipvsadm -Ln"), "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
    let out = crate::console::run_line(&mut sim, "node node-1 -- ip addr show kube-ipvs0", &crate::kubectl::NoFiles);
    assert_ne!(out.status, 0);
}

#[test]
fn the_node_itself_connects_from_the_service_address_and_is_masqueraded() {
    let mut sim = cluster();
    let vip = cluster_ip(&sim, "web");
    let t = sim.trace(&Endpoint::Node("node-1".into()), vip, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}\n{}", t.outcome, t.text());
    // The route to a local address gives that address as the source.
    let first = t.hops.first().unwrap();
    assert!(first.detail.to_string().ends_with(&format!("from {vip}")), "{}", first.detail);
    // IPVS takes it at LOCAL_OUT, before it loops back through lo.
    assert!(!t.hops.iter().any(|h| h.device.as_deref() == Some("lo")), "{}", t.text());
    let real = ipvs_hops(&t)[0].1.real.unwrap();
    let server = if real.0 == pod_ip(&sim, "web-1") { "node-2 pod" } else { "node-3 pod" };
    assert_eq!(delivered_at(&t, server).0, "10.244.0.0".parse::<Ipv4Addr>().unwrap());
}

#[test]
fn cluster_dns_answers_through_ipvs() {
    let mut sim = Sim::new(ClusterConfig { proxy_mode: ProxyMode::Ipvs, ..ClusterConfig::default() });
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(30));
    let vip = cluster_ip(&sim, "web");
    let out = crate::kubectl::test_support::sh(&mut sim, "kubectl exec client -- nslookup web");
    assert_eq!(out, format!("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tweb.default.svc.cluster.local\nAddress: {vip}\n\n"));
    let t = sim.last_trace().unwrap();
    assert!(ipvs_hops(t).iter().any(|(_, d)| d.vip == ("10.96.0.10".parse().unwrap(), 53) && d.proto == "UDP"), "{}", t.text());
}

#[test]
fn switching_proxy_mode_replaces_the_rules_and_keeps_the_others() {
    let mut sim = Sim::new(ClusterConfig::bare());
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(30));
    let vip = cluster_ip(&sim, "web");
    let out = sh(&mut sim, "network proxy-mode ipvs");
    assert!(out.contains("kube-proxy mode ipvs"), "{out}");
    sim.advance(SimDuration::from_secs(1));
    let nat = sh(&mut sim, "node node-1 -- iptables-save -t nat");
    assert!(!nat.contains("KUBE-SVC-") && !nat.contains("KUBE-NODEPORTS"), "{nat}");
    assert!(nat.contains("--match-set KUBE-CLUSTER-IP dst,dst") && nat.contains("FLANNEL-POSTRTG"), "{nat}");
    let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)) && !ipvs_hops(&t).is_empty(), "{}", t.text());
    // And to userspace: kube-ipvs0 and the virtual servers go.
    sh(&mut sim, "network proxy-mode userspace");
    sim.advance(SimDuration::from_secs(1));
    assert!(!sh(&mut sim, "node node-1 -- ip -br addr").contains("kube-ipvs0"));
    assert!(!sh(&mut sim, "node node-1 -- ipvsadm -Ln").contains("TCP"));
    let nat = sh(&mut sim, "node node-1 -- iptables-save -t nat");
    assert!(!nat.contains("match-set") && nat.contains("KUBE-PORTALS-CONTAINER"), "{nat}");
    let t = sim.trace(&client(), vip, Probe::Tcp(80), None).unwrap();
    assert!(matches!(&t.outcome, Outcome::Delivered(s) if s.contains("userspace")), "{}", t.text());
    assert!(crate::console::run_line(&mut sim, "network proxy-mode nftables", &crate::kubectl::NoFiles).status != 0);
}
