//! `iptables-save`, `iptables -S` and `conntrack -L` on a node of a 3-node vxlan cluster.

use crate::kubectl::test_support::sh;
use crate::net::Backend;
use crate::sim::{Sim, Underlay};

fn cluster() -> Sim {
    let pods = [("a", "node-1", "nginx:1.27", false), ("c", "node-2", "nginx:1.27", false)];
    crate::net::test_support::cluster(Backend::Vxlan, Underlay::SharedL2, &pods)
}

#[test]
fn a_node_shows_flannels_rules_as_iptables_prints_them() {
    let mut sim = cluster();
    // kube-proxy inserts its jump at the top; flanneld appended its own.
    let post = sh(&mut sim, "node node-1 -- iptables -t nat -S POSTROUTING");
    assert_eq!(
        post,
        "-P POSTROUTING ACCEPT\n-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n\
-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG\n"
    );
    let nat = sh(&mut sim, "node node-1 -- iptables -t nat -S FLANNEL-POSTRTG");
    let want = "-N FLANNEL-POSTRTG\n\
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment \"flanneld masq\" -j RETURN\n\
-A FLANNEL-POSTRTG -s 10.244.0.0/24 -d 10.244.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN\n\
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment \"flanneld masq\" -j RETURN\n\
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment \"flanneld masq\" -j RETURN\n\
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully\n\
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully\n";
    assert_eq!(nat, want);
    let save = sh(&mut sim, "node node-2 -- iptables-save");
    let tables: Vec<&str> = save.lines().filter(|l| l.starts_with('*')).collect();
    assert_eq!(tables, ["*mangle", "*filter", "*nat"], "raw holds nothing, so it is not loaded:\n{save}");
    assert!(save.contains("*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:KUBE-PROXY-CANARY - [0:0]\nCOMMIT\n"), "{save}");
    // kube-proxy's chains for the DNS Service carry the names every cluster has.
    for chain in ["KUBE-SVC-TCOU7JCQXEZGVUNU", "KUBE-SVC-ERIFXISQEP7F7OF4", "KUBE-SVC-JD5MR3NA4I4DYORP", "KUBE-SVC-NPX46M4PTMTKRN6Y"] {
        assert!(save.contains(&format!(":{chain} - [0:0]")), "{chain}");
    }
    assert!(save.contains("-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN\n"));
    assert_eq!(
        sh(&mut sim, "node node-1 -- iptables -S FLANNEL-FWD"),
        "-N FLANNEL-FWD\n-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT\n\
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT\n"
    );
}

#[test]
fn conntrack_lists_the_connections_a_trace_made() {
    let mut sim = cluster();
    assert_eq!(sh(&mut sim, "node node-1 -- conntrack -L"), "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n");
    let c = crate::net::test_support::pod_ip(&sim, "c");
    sh(&mut sim, &format!("trace pod/a {c}:80"));
    let out = sh(&mut sim, "node node-1 -- conntrack -L");
    let a = crate::net::test_support::pod_ip(&sim, "a");
    let tcp = out.lines().find(|l| l.starts_with("tcp ")).unwrap_or_else(|| panic!("{out}"));
    let sport = tcp.split("sport=").nth(1).and_then(|s| s.split(' ').next()).unwrap();
    // The clock stands still during a trace, so the 5-day timeout shows whole.
    assert_eq!(
        tcp,
        format!("tcp      6 432000 ESTABLISHED src={a} dst={c} sport={sport} dport=80 src={c} dst={a} sport=80 dport={sport} [ASSURED] mark=0 use=1")
    );
    // The VXLAN packets are the node's own UDP flows to the other node.
    assert!(out.lines().any(|l| l.starts_with("udp      17 ") && l.contains("dport=8472")), "{out}");
    assert!(out.ends_with(" flow entries have been shown.\n"));
}

#[test]
fn the_tools_errors() {
    let mut sim = cluster();
    for (line, want) in [
        ("node node-1 -- iptables-save -t natty", "iptables-save v1.8.9 (nf_tables): table 'natty' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n"),
        ("node node-1 -- iptables -S NOPE", "iptables: No chain/target/match by that name.\n"),
        ("node node-1 -- iptables -t nat", "iptables v1.8.9 (nf_tables): no command specified\nTry `iptables -h' or 'iptables --help' for more information.\n"),
    ] {
        assert_eq!(sh(&mut sim, line), want, "{line}");
    }
    let out = sh(&mut sim, "kubectl exec a -- iptables-save");
    assert!(out.contains("exec: \"iptables-save\": executable file not found in $PATH"), "{out}");
}
