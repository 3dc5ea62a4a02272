//! The outside world in traces: pods reaching the internet host (flanneld's masquerade,
//! ip-masq-agent's RETURN and MASQUERADE), and clients on the internet reaching Services of
//! type LoadBalancer through the cloud load balancer.

use std::net::Ipv4Addr;

use crate::api::{Kind, Object};
use crate::net::forward::Probe;
use crate::net::http::{Reply, Request};
use crate::net::netfilter::{NatKind, TableId};
use crate::net::trace::{Detail, Outcome, Stage, Trace};
use crate::net::wire::packet::Layer;
use crate::net::INTERNET_HOST;
use crate::sim::trace::Endpoint;
use crate::sim::{ProxyMode, Sim};
use crate::store::ObjectRef;
use crate::time::SimDuration;

use super::service_test_support::{client, cluster_in, delivered_at, pod_ip};

const AGENT: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: ip-masq-agent-n1, namespace: kube-system}
spec:
  nodeName: node-1
  hostNetwork: true
  containers: [{name: ip-masq-agent, image: "registry.k8s.io/networking/ip-masq-agent:v2.12.0"}]
"#;

fn agent_config(cidrs: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ip-masq-agent, namespace: kube-system}}\ndata:\n  config: |\n    nonMasqueradeCIDRs: [{cidrs}]\n    resyncInterval: 10s\n")
}

fn cluster() -> Sim {
    cluster_in(ProxyMode::Iptables)
}

fn node_ip(sim: &Sim, node: &str) -> Ipv4Addr {
    sim.net().node(node).unwrap().placement.ip
}

/// Every netfilter visit of the trace as `place table:chain:rule:N target`.
fn visits(t: &Trace) -> Vec<String> {
    t.hops
        .iter()
        .filter_map(|h| match &h.detail {
            Detail::Netfilter(d) => Some(d.visits.iter().map(|v| format!("{} {} {}", h.place, v.trace_text(), v.target)).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// `(place, kind, reply, to)` of every NAT in the trace.
fn nats(t: &Trace) -> Vec<(String, NatKind, bool, String)> {
    t.hops
        .iter()
        .filter_map(|h| match &h.detail {
            Detail::Netfilter(d) => d.nat.as_ref().map(|n| (h.place.to_string(), n.kind, n.reply, format!("{}:{}", n.to.0, n.to.1))),
            _ => None,
        })
        .collect()
}

/// Empties flanneld's masquerade chain on every node: the path of flanneld run without
/// `--ip-masq`, which writes no nat rules.
fn flannel_without_ip_masq(sim: &mut Sim) {
    let roots: Vec<_> = sim.net.nodes().map(|(_, n)| n.root).collect();
    for r in roots {
        sim.net.netfilter_mut(r).unwrap().restore("*nat\n-F FLANNEL-POSTRTG\nCOMMIT\n").unwrap();
    }
}

#[test]
fn a_pod_reaches_the_internet_host_masqueraded_to_its_node() {
    let mut sim = cluster();
    let t = sim.trace(&client(), INTERNET_HOST, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    let node1 = node_ip(&sim, "node-1");
    assert_eq!(delivered_at(&t, "internet"), (node1, INTERNET_HOST));
    assert!(visits(&t).iter().any(|v| v.starts_with("node-1 nat:FLANNEL-POSTRTG:rule:5 -j MASQUERADE")), "{:?}", visits(&t));
    // The way out passes the router and the cloud's edge.
    let places: Vec<&str> = t.hops.iter().map(|h| h.place.as_ref()).collect();
    assert!(places.contains(&"router") && places.contains(&"cloud-lb"), "{places:?}");
    // The echo server names the address it saw.
    let url = crate::net::http::request::parse_url("http://203.0.113.10/").unwrap();
    let req = Request::curl(&url, "GET", &[]);
    let crate::net::http::Outcome::Connected { reply: Reply::Response(r), .. } = sim.http_fetch(&client(), &url, &req) else { panic!("no reply") };
    assert!(r.body.contains(&format!("RemoteAddr: {node1}:")), "{}", r.body);
    // It answers ping.
    let t = sim.trace(&client(), INTERNET_HOST, Probe::Icmp, None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    // Nothing listens on other ports: the connection is refused.
    let t = sim.trace(&client(), INTERNET_HOST, Probe::Tcp(443), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Refused(_)), "{}", t.text());
}

#[test]
fn flanneld_masquerades_before_ip_masq_agent_can_return() {
    let mut sim = cluster();
    sim.apply("cm.yaml", &agent_config("10.0.0.0/8, 203.0.113.0/24"));
    sim.apply("agent.yaml", AGENT);
    sim.advance(SimDuration::from_secs(5));
    let t = sim.trace(&client(), INTERNET_HOST, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    assert_eq!(delivered_at(&t, "internet").0, node_ip(&sim, "node-1"));
    // flanneld's rule comes first in POSTROUTING and decides; the agent's chain is never reached.
    assert!(!visits(&t).iter().any(|v| v.contains("IP-MASQ-AGENT")), "{:?}", visits(&t));
}

#[test]
fn ip_masq_agent_returns_for_its_cidrs_and_masquerades_the_rest() {
    let mut sim = cluster();
    flannel_without_ip_masq(&mut sim);
    sim.apply("cm.yaml", &agent_config("10.0.0.0/8, 203.0.113.0/24"));
    sim.apply("agent.yaml", AGENT);
    sim.advance(SimDuration::from_secs(5));
    let t = sim.trace(&client(), INTERNET_HOST, Probe::Tcp(80), None).unwrap();
    // 203.0.113.0/24 is the third RETURN (after link-local and 10.0.0.0/8): no NAT.
    let v = visits(&t);
    assert!(v.iter().any(|v| v.starts_with("node-1 nat:IP-MASQ-AGENT:rule:3 -j RETURN")), "{v:?}");
    assert_eq!(delivered_at(&t, "internet"), (pod_ip(&sim, "client"), INTERNET_HOST));
    // The pod address means nothing on the internet: the answer cannot come back.
    assert!(!matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    let drop = t.hops.iter().find(|h| h.stage == Stage::Drop).unwrap_or_else(|| panic!("{}", t.text()));
    assert_eq!((drop.place.as_ref(), drop.detail.to_string()), ("cloud-lb", format!("no route to {}", pod_ip(&sim, "client"))));
    // Without 203.0.113.0/24 in the config the agent's last rule masquerades, from the next resync.
    sim.apply("cm.yaml", &agent_config("10.0.0.0/8"));
    sim.advance(SimDuration::from_secs(11));
    let t = sim.trace(&client(), INTERNET_HOST, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    assert_eq!(delivered_at(&t, "internet").0, node_ip(&sim, "node-1"));
    assert!(visits(&t).iter().any(|v| v.starts_with("node-1 nat:IP-MASQ-AGENT:rule:3 -j MASQUERADE")), "{:?}", visits(&t));
}

#[test]
fn the_agents_rules_as_iptables_save_lists_them_and_bad_config_keeps_them() {
    let mut sim = cluster();
    sim.apply("agent.yaml", AGENT);
    sim.advance(SimDuration::from_secs(5));
    let root = sim.net.node("node-1").unwrap().root;
    let save = |sim: &Sim| sim.net.netfilter(root).unwrap().save(Some(TableId::Nat), false, sim.now()).lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    let rules = save(&sim);
    let want = "-A POSTROUTING -m comment --comment \"ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain\" -m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT\n\
                -A IP-MASQ-AGENT -d 169.254.0.0/16 -m comment --comment \"ip-masq-agent: local traffic is not subject to MASQUERADE\" -j RETURN\n\
                -A IP-MASQ-AGENT -d 10.0.0.0/8 -m comment --comment \"ip-masq-agent: local traffic is not subject to MASQUERADE\" -j RETURN\n\
                -A IP-MASQ-AGENT -d 172.16.0.0/12 -m comment --comment \"ip-masq-agent: local traffic is not subject to MASQUERADE\" -j RETURN\n\
                -A IP-MASQ-AGENT -d 192.168.0.0/16 -m comment --comment \"ip-masq-agent: local traffic is not subject to MASQUERADE\" -j RETURN\n\
                -A IP-MASQ-AGENT -m comment --comment \"ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)\" -j MASQUERADE";
    for line in want.lines() {
        assert!(rules.contains(line.trim_start()), "missing {line}\n{rules}");
    }
    // Other nodes run no agent.
    let root2 = sim.net.node("node-2").unwrap().root;
    assert!(!sim.net.netfilter(root2).unwrap().save(Some(TableId::Nat), false, sim.now()).contains("IP-MASQ-AGENT"));
    // A bad config is logged and the rules stay as they were.
    sim.apply("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ip-masq-agent, namespace: kube-system}\ndata:\n  config: |\n    nonMasqueradeCIDRs: [10.0.0.1/8]\n");
    sim.advance(SimDuration::from_secs(61));
    assert_eq!(save(&sim), rules);
    let logs = crate::console::run_line(&mut sim, "kubectl logs -n kube-system ip-masq-agent-n1", &crate::kubectl::NoFiles).stdout;
    assert!(logs.contains("ip-masq-agent.go:161] error syncing configuration: CIDR \"10.0.0.1/8\" is not aligned to a CIDR block, ip: \"10.0.0.1\" network: \"10.0.0.0/8\""), "{logs}");
    assert!(logs.starts_with("E0101 00:0"), "{logs}");
    // The agent never cleans up: its rules outlive its pod.
    crate::console::run_line(&mut sim, "kubectl delete pod -n kube-system ip-masq-agent-n1 --grace-period=0 --force", &crate::kubectl::NoFiles);
    sim.advance(SimDuration::from_secs(5));
    assert!(sim.get(&ObjectRef::new(Kind::Pod, Some("kube-system"), "ip-masq-agent-n1")).is_none());
    assert_eq!(save(&sim), rules);
}

const LB: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: web-lb}\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports: [{name: http, port: 80, nodePort: 30090}]\n";

fn lb_ip(sim: &Sim) -> Ipv4Addr {
    match sim.get(&ObjectRef::new(Kind::Service, Some("default"), "web-lb")) {
        Some(Object::Service(s)) => super::super::controllers::service_lb::ingress_ip(s).expect("an address"),
        _ => panic!("no service"),
    }
}

#[test]
fn a_load_balancer_with_cluster_policy_spreads_over_every_ready_node() {
    let mut sim = cluster();
    sim.apply("lb.yaml", LB);
    sim.advance(SimDuration::from_secs(2));
    let vip = lb_ip(&sim);
    assert_eq!(vip, "198.51.100.1".parse::<Ipv4Addr>().unwrap());
    let mut targets = std::collections::BTreeSet::new();
    let mut second_hop = false;
    for _ in 0..12 {
        let t = sim.trace(&Endpoint::External, vip, Probe::Tcp(80), None).unwrap();
        assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
        let n = nats(&t);
        // The cloud load balancer DNATs to a node port; the reply is un-DNATed there.
        let first = &n[0];
        assert_eq!((first.0.as_str(), first.1, first.2), ("cloud-lb", NatKind::Dst, false), "{n:?}");
        assert!(first.3.ends_with(":30090"), "{n:?}");
        assert!(n.iter().any(|x| x.0 == "cloud-lb" && x.2), "reply un-NATed at the load balancer: {n:?}");
        targets.insert(first.3.clone());
        if first.3.starts_with(&node_ip(&sim, "node-1").to_string()) {
            // node-1 runs no web pod: kube-proxy sends it on, masqueraded to node-1.
            assert!(n.iter().any(|x| x.0 == "node-1" && x.1 == NatKind::Src && !x.2), "{n:?}");
            second_hop = true;
        }
        let pod = t.hops.iter().find(|h| h.stage == Stage::Deliver && h.place.contains(" pod ")).unwrap();
        assert!(pod.place.contains("web-"), "{}", pod.place);
    }
    assert_eq!(targets.len(), 3, "{targets:?}");
    assert!(second_hop);
}

#[test]
fn a_load_balancer_with_local_policy_keeps_the_client_address_and_skips_unhealthy_nodes() {
    let mut sim = cluster();
    sim.apply("lb.yaml", &format!("{LB}  externalTrafficPolicy: Local\n"));
    sim.advance(SimDuration::from_secs(2));
    let vip = lb_ip(&sim);
    let node1 = node_ip(&sim, "node-1").to_string();
    for _ in 0..12 {
        let t = sim.trace(&Endpoint::External, vip, Probe::Tcp(80), None).unwrap();
        assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
        let n = nats(&t);
        assert!(!n[0].3.starts_with(&node1), "node-1 fails its health check: {n:?}");
        let pod = t.hops.iter().find(|h| h.stage == Stage::Deliver && h.place.contains(" pod ")).unwrap();
        let src = match pod.packet.layers.first() {
            Some(Layer::Ipv4(ip)) => ip.src,
            _ => panic!(),
        };
        assert_eq!(src, INTERNET_HOST, "{}", t.text());
    }
    let lb = sim.net.cloud_lb().unwrap();
    let rules = sim.net.netfilter(lb).unwrap().save(Some(TableId::Nat), false, sim.now());
    assert!(!rules.contains("target node-1"), "{rules}");
    assert!(rules.contains("-A PREROUTING -m comment --comment \"cloud load balancers\" -j CLOUD-LB-SERVICES"), "{rules}");
    // web-1 goes: node-2 has no local endpoint left and leaves the targets.
    crate::console::run_line(&mut sim, "kubectl delete pod web-1 --grace-period=0 --force", &crate::kubectl::NoFiles);
    sim.advance(SimDuration::from_secs(5));
    let rules = sim.net.netfilter(lb).unwrap().save(Some(TableId::Nat), false, sim.now());
    assert!(rules.contains("target node-3") && !rules.contains("target node-2"), "{rules}");
    // No node passes any more: the load balancer fails open to every ready node.
    crate::console::run_line(&mut sim, "kubectl delete pod web-2 --grace-period=0 --force", &crate::kubectl::NoFiles);
    sim.advance(SimDuration::from_secs(5));
    let rules = sim.net.netfilter(lb).unwrap().save(Some(TableId::Nat), false, sim.now());
    assert!(["node-1", "node-2", "node-3"].iter().all(|n| rules.contains(&format!("target {n}"))), "{rules}");
}
