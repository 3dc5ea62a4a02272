//! The cloud load balancer's rules and the health check that picks Local targets.

use std::net::Ipv4Addr;

use super::cloud_lb::{chain_name, restore_input, sync, Listener};
use super::kube_proxy::health;
use super::kube_proxy::{Endpoint, Proto, ServicePort};
use super::netfilter::{Netfilter, TableId};

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn listener(targets: &[(&str, &str)]) -> Listener {
    Listener {
        spn: "default/web:http".into(),
        protocol: Proto::Tcp,
        lb_ip: ip("198.51.100.1"),
        port: 80,
        node_port: 30080,
        targets: targets.iter().map(|(n, a)| (n.to_string(), ip(a))).collect(),
    }
}

#[test]
fn the_rules_pick_a_target_at_random_and_dnat_to_its_node_port() {
    let l = listener(&[("node-1", "192.168.56.11"), ("node-2", "192.168.56.12"), ("node-3", "192.168.56.13")]);
    let c = chain_name("default/web:http", Proto::Tcp);
    assert!(c.starts_with("CLOUD-LB-") && c.len() == 25, "{c}");
    let want = format!(
        "*nat\n:CLOUD-LB-SERVICES - [0:0]\n:{c} - [0:0]\n\
         -A CLOUD-LB-SERVICES -d 198.51.100.1/32 -p tcp -m comment --comment \"default/web:http load balancer\" -m tcp --dport 80 -j {c}\n\
         -A {c} -m comment --comment \"default/web:http target node-1\" -m statistic --mode random --probability 0.3333333333 -j DNAT --to-destination 192.168.56.11:30080\n\
         -A {c} -m comment --comment \"default/web:http target node-2\" -m statistic --mode random --probability 0.5000000000 -j DNAT --to-destination 192.168.56.12:30080\n\
         -A {c} -m comment --comment \"default/web:http target node-3\" -j DNAT --to-destination 192.168.56.13:30080\n\
         COMMIT\n"
    );
    assert_eq!(restore_input(&[l]), want);
    // A listener without targets writes nothing.
    assert_eq!(restore_input(&[listener(&[])]), "*nat\n:CLOUD-LB-SERVICES - [0:0]\nCOMMIT\n");
}

#[test]
fn a_sync_replaces_the_listeners_and_deletes_stale_chains() {
    let mut nf = Netfilter::default();
    sync(&mut nf, &[listener(&[("node-1", "192.168.56.11")])]).unwrap();
    sync(&mut nf, &[listener(&[("node-1", "192.168.56.11")])]).unwrap();
    let nat = nf.tables.get(TableId::Nat);
    assert_eq!(nat.chain("PREROUTING").unwrap().rules.len(), 1, "the jump is ensured once");
    assert!(nat.chain(&chain_name("default/web:http", Proto::Tcp)).is_some());
    sync(&mut nf, &[]).unwrap();
    let nat = nf.tables.get(TableId::Nat);
    assert!(nat.chain(&chain_name("default/web:http", Proto::Tcp)).is_none());
    assert!(nat.chain("CLOUD-LB-SERVICES").unwrap().rules.is_empty());
}

#[test]
fn the_health_check_counts_local_ready_endpoints() {
    let mut port = ServicePort::cluster_ip("default", "web", "http", ip("10.96.0.20"), 80);
    let mut terminating = Endpoint::ready(ip("10.244.2.5"), 80, Some("node-3"));
    terminating.ready = false;
    terminating.terminating = true;
    port.endpoints = vec![Endpoint::ready(ip("10.244.1.5"), 80, Some("node-2")), Endpoint::ready(ip("10.244.1.6"), 80, Some("node-2")), terminating];
    let ports = [port];
    // (node, local ready endpoints, HTTP status)
    let cases = [("node-1", 0, 503), ("node-2", 2, 200), ("node-3", 0, 503), ("", 0, 503)];
    for (node, count, status) in cases {
        let n = health::local_endpoints(&ports, node);
        assert_eq!((n, health::response("default", "web", n, crate::time::SimTime(0)).status), (count, status), "{node}");
    }
}
