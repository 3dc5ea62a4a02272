//! Tests of IPVS mode: virtual servers, ipsets and the iptables-restore input of one sync.

use std::net::Ipv4Addr;

use super::iptables::NodeContext;
use super::ipvs_mode::{hook_jumps, sync, IpvsState};
use super::model::{Endpoint, Proto, ServicePort};
use crate::net::netfilter::rule::SetDir::{Dst, Src};
use crate::net::netfilter::{parse, Netfilter, TableId, Tables, Tuple};

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn ep(addr: &str, port: u16, node: &str) -> Endpoint {
    Endpoint::ready(ip(addr), port, Some(node))
}

fn node_1() -> NodeContext {
    NodeContext::new("node-1", vec![ip("192.168.56.11")], "10.244.0.0/16".parse().unwrap())
}

fn port(ns: &str, name: &str, port_name: &str, vip: &str, p: u16, eps: Vec<Endpoint>) -> ServicePort {
    let mut sp = ServicePort::cluster_ip(ns, name, port_name, ip(vip), p);
    sp.endpoints = eps;
    sp
}

/// ClusterIP with two endpoints, a NodePort, one without endpoints, one with ClientIP
/// affinity, and cluster DNS over UDP.
fn services() -> Vec<ServicePort> {
    let cart = port("shop", "cart", "http", "10.96.0.20", 80, vec![ep("10.244.1.7", 8080, "node-1"), ep("10.244.2.9", 8080, "node-2")]);
    let mut web = port("shop", "web", "", "10.96.0.30", 80, vec![ep("10.244.2.4", 8080, "node-2")]);
    web.node_port = Some(30080);
    let empty = port("shop", "empty", "", "10.96.0.40", 80, vec![]);
    let mut sticky = port("shop", "sticky", "", "10.96.0.50", 80, vec![ep("10.244.1.8", 8080, "node-1")]);
    sticky.affinity_timeout = Some(10800);
    let mut dns = port("kube-system", "kube-dns", "dns", "10.96.0.10", 53, vec![ep("10.244.0.2", 53, "node-0")]);
    dns.protocol = Proto::Udp;
    vec![cart, web, empty, sticky, dns]
}

const PAD: &str = "Masq    1      0          0         ";

#[test]
fn ipvsadm_for_the_constructed_services() {
    let st = sync(&services(), &node_1());
    let want = format!(
        "IP Virtual Server version 1.2.1 (size=4096)\n\
Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n\
TCP  10.96.0.20:80 rr\n  -> 10.244.1.7:8080              {PAD}\n  -> 10.244.2.9:8080              {PAD}\n\
TCP  10.96.0.30:80 rr\n  -> 10.244.2.4:8080              {PAD}\n\
TCP  10.96.0.40:80 rr\n\
TCP  10.96.0.50:80 rr persistent 10800\n  -> 10.244.1.8:8080              {PAD}\n\
TCP  192.168.56.11:30080 rr\n  -> 10.244.2.4:8080              {PAD}\n\
UDP  10.96.0.10:53 rr\n  -> 10.244.0.2:53                {PAD}\n"
    );
    assert_eq!(st.ipvs.list(), want);
    let addrs: Vec<String> = st.dummy_addrs.iter().map(|n| n.to_string()).collect();
    assert_eq!(addrs, ["10.96.0.10/32", "10.96.0.20/32", "10.96.0.30/32", "10.96.0.40/32", "10.96.0.50/32"]);
}

#[test]
fn ipset_list_for_the_constructed_services() {
    let st = sync(&services(), &node_1());
    let cases = [
        (
            "KUBE-CLUSTER-IP",
            "Name: KUBE-CLUSTER-IP\nType: hash:ip,port\nRevision: 6\nHeader: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xbd6fca37\nSize in memory: 440\nReferences: 3\nNumber of entries: 5\nMembers:\n10.96.0.10,udp:53\n10.96.0.20,tcp:80\n10.96.0.30,tcp:80\n10.96.0.40,tcp:80\n10.96.0.50,tcp:80\n",
        ),
        (
            "KUBE-LOOP-BACK",
            "Name: KUBE-LOOP-BACK\nType: hash:ip,port,ip\nRevision: 6\nHeader: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x22988fb3\nSize in memory: 320\nReferences: 1\nNumber of entries: 2\nMembers:\n10.244.1.7,tcp:8080,10.244.1.7\n10.244.1.8,tcp:8080,10.244.1.8\n",
        ),
        (
            "KUBE-NODE-PORT-TCP",
            "Name: KUBE-NODE-PORT-TCP\nType: bitmap:port\nRevision: 3\nHeader: range 0-65535\nSize in memory: 8264\nReferences: 1\nNumber of entries: 1\nMembers:\n30080\n",
        ),
        (
            "KUBE-IPVS-IPS",
            "Name: KUBE-IPVS-IPS\nType: hash:ip\nRevision: 6\nHeader: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x9593f48a\nSize in memory: 400\nReferences: 1\nNumber of entries: 5\nMembers:\n10.96.0.10\n10.96.0.20\n10.96.0.30\n10.96.0.40\n10.96.0.50\n",
        ),
    ];
    for (name, want) in cases {
        assert_eq!(st.ipsets.list(Some(name)).unwrap(), want);
    }
    let names: Vec<&str> = st.ipsets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 17);
    assert_eq!((names[0], names[16]), ("KUBE-LOOP-BACK", "KUBE-IPVS-IPS"));
    // Empty sets that only KUBE-IPVS-FILTER names are still referenced once.
    assert_eq!((st.ipsets.references("KUBE-EXTERNAL-IP"), st.ipsets.references("KUBE-LOAD-BALANCER-FW")), (1, 0));
}

const RESTORE: &str = r#"*nat
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-LOAD-BALANCER - [0:0]
:KUBE-MARK-MASQ - [0:0]
-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN
-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE
-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x00004000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000
COMMIT
*filter
:KUBE-FORWARD - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SOURCE-RANGES-FIREWALL - [0:0]
:KUBE-IPVS-FILTER - [0:0]
:KUBE-IPVS-OUT-FILTER - [0:0]
-A KUBE-SOURCE-RANGES-FIREWALL -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x00004000/0x00004000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT
-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN
-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT
COMMIT
"#;

#[test]
fn iptables_restore_input_and_it_loads() {
    let st = sync(&services(), &node_1());
    for (i, (got, want)) in st.restore.lines().zip(RESTORE.lines()).enumerate() {
        assert_eq!(got, want, "line {}", i + 1);
    }
    assert_eq!(st.restore, RESTORE);

    let mut tables = Tables::default();
    parse::restore(&mut tables, &st.restore).expect("the input parses");
    assert_eq!(tables.get(TableId::Nat).chain("KUBE-SERVICES").map(|c| c.rules.len()), Some(4));
    assert_eq!(tables.get(TableId::Filter).chain("KUBE-IPVS-FILTER").map(|c| c.rules.len()), Some(6));

    let mut nf = Netfilter::default();
    nf.restore(&st.restore).unwrap();
    for (table, chain, spec) in hook_jumps() {
        let t = TableId::parse(table).unwrap();
        nf.ensure_first(t, chain, &spec).unwrap();
        nf.ensure_first(t, chain, &spec).unwrap();
    }
    let input = &nf.tables.get(TableId::Filter).chain("INPUT").unwrap().rules;
    let comments: Vec<Option<&str>> = input.iter().map(|r| r.comment()).collect();
    assert_eq!(comments, [Some("kubernetes ipvs access filter"), Some("kube-proxy firewall rules"), Some("kubernetes health check rules")]);
}

fn members(st: &IpvsState, set: &str) -> Vec<String> {
    st.ipsets.get(set).unwrap().members().map(|m| m.to_string()).collect()
}

fn summary(st: &IpvsState) -> Vec<String> {
    st.ipvs
        .services()
        .map(|v| {
            let reals: Vec<String> = v.reals.iter().map(|r| format!("{}:{}", r.addr, r.port)).collect();
            format!("{} {}:{} [{}]", v.proto.as_str(), v.addr, v.port, reals.join(" "))
        })
        .collect()
}

/// Syncs one service port on node-1 and compares the virtual servers, the non-empty sets
/// (except KUBE-IPVS-IPS) and the kube-ipvs0 addresses.
fn check(sp: ServicePort, node: NodeContext, vs: &[&str], sets: &[(&str, &[&str])], dummy: &[&str]) {
    let st = sync(&[sp], &node);
    assert_eq!(summary(&st), vs);
    let got: Vec<(String, Vec<String>)> =
        st.ipsets.iter().filter(|s| !s.is_empty() && s.name != "KUBE-IPVS-IPS").map(|s| (s.name.clone(), members(&st, &s.name))).collect();
    let want: Vec<(String, Vec<String>)> = sets.iter().map(|(n, m)| (n.to_string(), m.iter().map(|s| s.to_string()).collect())).collect();
    assert_eq!(got, want);
    let addrs: Vec<String> = st.dummy_addrs.iter().map(|n| n.addr().to_string()).collect();
    assert_eq!(addrs, dummy);
    assert_eq!(members(&st, "KUBE-IPVS-IPS"), dummy);
}

#[test]
fn policies_and_address_kinds() {
    let two = || vec![ep("10.244.1.7", 8080, "node-1"), ep("10.244.2.9", 8080, "node-2")];
    let base = || port("shop", "web", "", "10.96.0.30", 80, two());
    let two_nodes = NodeContext::new("node-1", vec![ip("192.168.56.11"), ip("10.244.1.0")], "10.244.0.0/16".parse().unwrap());

    // NodePort with externalTrafficPolicy: Local: node-port servers use the local endpoint.
    let mut local = base();
    local.node_port = Some(30080);
    local.external_local = true;
    check(
        local,
        two_nodes.clone(),
        &[
            "tcp 10.96.0.30:80 [10.244.1.7:8080 10.244.2.9:8080]",
            "tcp 10.244.1.0:30080 [10.244.1.7:8080]",
            "tcp 192.168.56.11:30080 [10.244.1.7:8080]",
        ],
        &[
            ("KUBE-LOOP-BACK", &["10.244.1.7,tcp:8080,10.244.1.7"]),
            ("KUBE-CLUSTER-IP", &["10.96.0.30,tcp:80"]),
            ("KUBE-NODE-PORT-TCP", &["30080"]),
            ("KUBE-NODE-PORT-LOCAL-TCP", &["30080"]),
        ],
        &["10.96.0.30"],
    );

    // Local policy without a local endpoint falls back to every cluster endpoint.
    let mut remote = base();
    remote.endpoints = vec![ep("10.244.2.9", 8080, "node-2")];
    remote.node_port = Some(30080);
    remote.external_local = true;
    remote.protocol = Proto::Udp;
    check(
        remote,
        node_1(),
        &["udp 10.96.0.30:80 [10.244.2.9:8080]", "udp 192.168.56.11:30080 [10.244.2.9:8080]"],
        &[("KUBE-CLUSTER-IP", &["10.96.0.30,udp:80"]), ("KUBE-NODE-PORT-UDP", &["30080"]), ("KUBE-NODE-PORT-LOCAL-UDP", &["30080"])],
        &["10.96.0.30"],
    );

    // SCTP node ports are hash:ip,port entries, one per node address.
    let mut sctp = base();
    sctp.protocol = Proto::Sctp;
    sctp.node_port = Some(30500);
    check(
        sctp,
        two_nodes,
        &[
            "sctp 10.96.0.30:80 [10.244.1.7:8080 10.244.2.9:8080]",
            "sctp 10.244.1.0:30500 [10.244.1.7:8080 10.244.2.9:8080]",
            "sctp 192.168.56.11:30500 [10.244.1.7:8080 10.244.2.9:8080]",
        ],
        &[
            ("KUBE-LOOP-BACK", &["10.244.1.7,sctp:8080,10.244.1.7"]),
            ("KUBE-CLUSTER-IP", &["10.96.0.30,sctp:80"]),
            ("KUBE-NODE-PORT-SCTP-HASH", &["10.244.1.0,sctp:30500", "192.168.56.11,sctp:30500"]),
        ],
        &["10.96.0.30"],
    );

    // External IPs: a node's own address is not bound to kube-ipvs0.
    let mut ext = base();
    ext.external_ips = vec![ip("203.0.113.7"), ip("192.168.56.11")];
    check(
        ext,
        node_1(),
        &[
            "tcp 10.96.0.30:80 [10.244.1.7:8080 10.244.2.9:8080]",
            "tcp 192.168.56.11:80 [10.244.1.7:8080 10.244.2.9:8080]",
            "tcp 203.0.113.7:80 [10.244.1.7:8080 10.244.2.9:8080]",
        ],
        &[
            ("KUBE-LOOP-BACK", &["10.244.1.7,tcp:8080,10.244.1.7"]),
            ("KUBE-CLUSTER-IP", &["10.96.0.30,tcp:80"]),
            ("KUBE-EXTERNAL-IP", &["192.168.56.11,tcp:80", "203.0.113.7,tcp:80"]),
        ],
        &["10.96.0.30", "203.0.113.7"],
    );

    // A LoadBalancer with Local policy, source ranges and a health check port.
    let mut lb = base();
    lb.load_balancer_ips = vec![ip("198.51.100.5")];
    lb.load_balancer_source_ranges = vec!["192.168.56.0/24".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
    lb.external_local = true;
    lb.health_check_node_port = Some(32000);
    check(
        lb,
        node_1(),
        &["tcp 10.96.0.30:80 [10.244.1.7:8080 10.244.2.9:8080]", "tcp 198.51.100.5:80 [10.244.1.7:8080]"],
        &[
            ("KUBE-LOOP-BACK", &["10.244.1.7,tcp:8080,10.244.1.7"]),
            ("KUBE-CLUSTER-IP", &["10.96.0.30,tcp:80"]),
            ("KUBE-LOAD-BALANCER", &["198.51.100.5,tcp:80"]),
            ("KUBE-LOAD-BALANCER-FW", &["198.51.100.5,tcp:80"]),
            ("KUBE-LOAD-BALANCER-LOCAL", &["198.51.100.5,tcp:80"]),
            ("KUBE-LOAD-BALANCER-SOURCE-IP", &["198.51.100.5,tcp:80,198.51.100.5"]),
            ("KUBE-LOAD-BALANCER-SOURCE-CIDR", &["198.51.100.5,tcp:80,10.0.0.0/8", "198.51.100.5,tcp:80,192.168.56.0/24"]),
            ("KUBE-HEALTH-CHECK-NODE-PORT", &["32000"]),
        ],
        &["10.96.0.30", "198.51.100.5"],
    );

    // internalTrafficPolicy: Local: the cluster IP only reaches this node's endpoints.
    let mut internal = base();
    internal.internal_local = true;
    check(
        internal,
        node_1(),
        &["tcp 10.96.0.30:80 [10.244.1.7:8080]"],
        &[("KUBE-LOOP-BACK", &["10.244.1.7,tcp:8080,10.244.1.7"]), ("KUBE-CLUSTER-IP", &["10.96.0.30,tcp:80"])],
        &["10.96.0.30"],
    );

    // No node addresses: no node-port servers or sets, and (as kube-proxy skips the rest
    // of the port) no health check port either.
    let mut np = base();
    np.node_port = Some(30080);
    np.health_check_node_port = Some(32000);
    check(
        np,
        NodeContext::new("node-1", vec![], "10.244.0.0/16".parse().unwrap()),
        &["tcp 10.96.0.30:80 [10.244.1.7:8080 10.244.2.9:8080]"],
        &[("KUBE-LOOP-BACK", &["10.244.1.7,tcp:8080,10.244.1.7"]), ("KUBE-CLUSTER-IP", &["10.96.0.30,tcp:80"])],
        &["10.96.0.30"],
    );
}

#[test]
fn load_balancer_the_node_may_not_reach_and_external_ip_rules() {
    let mut sp = port("shop", "web", "", "10.96.0.30", 80, vec![ep("10.244.2.9", 8080, "node-2")]);
    sp.load_balancer_ips = vec![ip("198.51.100.5")];
    sp.load_balancer_source_ranges = vec!["10.0.0.0/8".parse().unwrap()];
    sp.external_ips = vec![ip("203.0.113.7")];
    let mut node = node_1();
    node.masquerade_all = true;
    node.random_fully = false;
    let st = sync(&[sp], &node);
    let chain = |prefix: &str| -> Vec<String> { st.restore.lines().filter(|l| l.starts_with(prefix)).map(str::to_string).collect() };
    let comment = |set: &str| super::ipvs_mode::IPSETS.iter().find(|s| s.0 == set).unwrap().2;
    let (lb, cip, ext) = (comment("KUBE-LOAD-BALANCER"), comment("KUBE-CLUSTER-IP"), comment("KUBE-EXTERNAL-IP"));
    let services = [
        "-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN".to_string(),
        format!("-A KUBE-SERVICES -m comment --comment \"{lb}\" -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER"),
        format!("-A KUBE-SERVICES -m comment --comment \"{cip}\" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ"),
        format!("-A KUBE-SERVICES -m comment --comment \"{ext}\" -m set --match-set KUBE-EXTERNAL-IP dst,dst -j KUBE-MARK-MASQ"),
        format!("-A KUBE-SERVICES -m comment --comment \"{ext}\" -m set --match-set KUBE-EXTERNAL-IP dst,dst -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT"),
        format!("-A KUBE-SERVICES -m comment --comment \"{ext}\" -m set --match-set KUBE-EXTERNAL-IP dst,dst -m addrtype --dst-type LOCAL -j ACCEPT"),
        "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT".to_string(),
        "-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT".to_string(),
        "-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER dst,dst -j ACCEPT".to_string(),
    ];
    assert_eq!(chain("-A KUBE-SERVICES "), services);
    let fw = [
        "-A KUBE-PROXY-FIREWALL -m comment --comment \"Kubernetes service load balancer ip + port for load balancer with sourceRange\" -m set --match-set KUBE-LOAD-BALANCER-FW dst,dst -j KUBE-SOURCE-RANGES-FIREWALL",
        "-A KUBE-SOURCE-RANGES-FIREWALL -m comment --comment \"Kubernetes service load balancer ip + port + source cidr for packet filter purpose\" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src -j RETURN",
        "-A KUBE-SOURCE-RANGES-FIREWALL -j DROP",
        "-A KUBE-IPVS-OUT-FILTER -s 198.51.100.5 -m ipvs --vaddr 198.51.100.5 --vproto tcp --vport 80 -j DROP",
    ];
    let got: Vec<String> = st
        .restore
        .lines()
        .filter(|l| ["-A KUBE-PROXY", "-A KUBE-SOURCE", "-A KUBE-IPVS-OUT"].iter().any(|p| l.starts_with(p)))
        .map(str::to_string)
        .collect();
    assert_eq!(got, fw);
    assert_eq!(
        chain("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic"),
        ["-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE"]
    );
    assert!(chain("-A KUBE-POSTROUTING -m comment --comment \"Kubernetes endpoints").is_empty(), "no local endpoint, no hairpin rule");
    assert!(members(&st, "KUBE-LOAD-BALANCER-SOURCE-IP").is_empty(), "the node is outside 10.0.0.0/8");
    assert_eq!((st.ipsets.references("KUBE-LOAD-BALANCER"), st.ipsets.references("KUBE-EXTERNAL-IP")), (3, 4));
}

#[test]
fn the_sets_answer_the_rules_membership_questions() {
    let st = sync(&services(), &node_1());
    let t = |proto: u8, src: &str, dst: &str, dport: u16| Tuple { proto, src: ip(src), dst: ip(dst), sport: 40000, dport };
    let cases = [
        ("KUBE-CLUSTER-IP", &[Dst, Dst][..], t(6, "10.244.1.5", "10.96.0.20", 80), true),
        ("KUBE-CLUSTER-IP", &[Dst, Dst][..], t(17, "10.244.1.5", "10.96.0.10", 53), true),
        ("KUBE-CLUSTER-IP", &[Dst, Dst][..], t(6, "10.244.1.5", "10.96.0.10", 53), false),
        ("KUBE-LOOP-BACK", &[Dst, Dst, Src][..], t(6, "10.244.1.7", "10.244.1.7", 8080), true),
        ("KUBE-LOOP-BACK", &[Dst, Dst, Src][..], t(6, "10.244.1.5", "10.244.1.7", 8080), false),
        ("KUBE-NODE-PORT-TCP", &[Dst][..], t(6, "192.168.56.1", "192.168.56.11", 30080), true),
        ("KUBE-IPVS-IPS", &[Dst][..], t(6, "192.168.56.1", "10.96.0.40", 22), true),
        ("KUBE-EXTERNAL-IP", &[Dst, Dst][..], t(6, "192.168.56.1", "10.96.0.40", 80), false),
    ];
    for (set, dirs, tuple, want) in cases {
        assert_eq!(st.ipsets.contains(set, dirs, &tuple), want, "{set} {tuple:?}");
    }
}
