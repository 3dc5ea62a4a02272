//! IPVS mode: what one kube-proxy sync programs on a node, from the service ports it knows.
//!
//! Follows pkg/proxy/ipvs/proxier.go of current releases (`syncProxyRules`,
//! `writeIptablesRules`, `acceptIPVSTraffic`, `createAndLinkKubeChain`, the `ipsetInfo` and
//! `ipsetWithIptablesChain` tables) and pkg/proxy/ipvs/ipset.go (set names and comments):
//!
//! - One virtual server per cluster IP, external IP and load-balancer IP (with the service
//!   port), and per node address with the node port. Real servers are the endpoints
//!   `categorize` gives the Cluster policy, or the Local policy's when the address's policy
//!   is Local and this node has local endpoints (kube-proxy falls back to the cluster
//!   endpoints otherwise). ClientIP affinity sets `persistent <timeout>`.
//! - The sets of `ipsetInfo`, created in that order, filled as `syncProxyRules` fills them.
//!   The sets carry no entry comments: kube-proxy uses each set's comment only in the
//!   iptables rule that matches the set.
//! - The `iptables-restore` input: `*nat` chains and rules, then `*filter` chains and rules,
//!   each ending in `COMMIT`, in kube-proxy's argument order. Recent releases have no
//!   KUBE-MARK-DROP chain (the 0x8000 drop mark went with the kubelet's iptables rules).
//! - `kube-ipvs0` holds every cluster IP, and every external and load-balancer IP that is
//!   not already a node address, as a /32; the same addresses fill KUBE-IPVS-IPS.
//!
//! Choices and simplifications:
//! - IPv4 only; `nodePortAddresses` is "all": node-port virtual servers are made for every
//!   address in `NodeContext::node_ips`, which must list the node's non-loopback local
//!   addresses other than those on kube-ipvs0 (eth0, cni0, flannel.1, …), as kube-proxy
//!   reads them from the kernel. Local traffic is detected by cluster CIDR.
//! - The SNAT rules for external IPs use `-m physdev ! --physdev-is-in` and the
//!   KUBE-IPVS-OUT-FILTER rules (load-balancer IPs the node may not reach) use `-m ipvs`;
//!   both are written as kube-proxy writes them, but the simulator's netfilter does not
//!   evaluate those two matches.
//! - The scheduler is always `rr`; there is no graceful termination of removed real servers
//!   (weight 0 until their connections end): a sync replaces the whole table.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::iptables::{NodeContext, MASQUERADE_MARK};
use super::model::{categorize, Proto, ServicePort};
use crate::net::ipvs::{IpSets, Ipvs, Member, RealServer, SetType, VirtualServer};

/// The dummy device that holds the service addresses.
pub const DUMMY_DEVICE: &str = "kube-ipvs0";

pub const LOOP_BACK: &str = "KUBE-LOOP-BACK";
pub const CLUSTER_IP: &str = "KUBE-CLUSTER-IP";
pub const EXTERNAL_IP: &str = "KUBE-EXTERNAL-IP";
pub const EXTERNAL_IP_LOCAL: &str = "KUBE-EXTERNAL-IP-LOCAL";
pub const LOAD_BALANCER: &str = "KUBE-LOAD-BALANCER";
pub const LOAD_BALANCER_FW: &str = "KUBE-LOAD-BALANCER-FW";
pub const LOAD_BALANCER_LOCAL: &str = "KUBE-LOAD-BALANCER-LOCAL";
pub const LOAD_BALANCER_SOURCE_IP: &str = "KUBE-LOAD-BALANCER-SOURCE-IP";
pub const LOAD_BALANCER_SOURCE_CIDR: &str = "KUBE-LOAD-BALANCER-SOURCE-CIDR";
pub const NODE_PORT_TCP: &str = "KUBE-NODE-PORT-TCP";
pub const NODE_PORT_LOCAL_TCP: &str = "KUBE-NODE-PORT-LOCAL-TCP";
pub const NODE_PORT_UDP: &str = "KUBE-NODE-PORT-UDP";
pub const NODE_PORT_LOCAL_UDP: &str = "KUBE-NODE-PORT-LOCAL-UDP";
pub const NODE_PORT_SCTP: &str = "KUBE-NODE-PORT-SCTP-HASH";
pub const NODE_PORT_LOCAL_SCTP: &str = "KUBE-NODE-PORT-LOCAL-SCTP-HASH";
pub const HEALTH_CHECK_NODE_PORT: &str = "KUBE-HEALTH-CHECK-NODE-PORT";
pub const IPVS_IPS: &str = "KUBE-IPVS-IPS";

/// `ipsetInfo`: every set kube-proxy creates, its type and the comment its rules carry.
pub const IPSETS: [(&str, SetType, &str); 17] = [
    (LOOP_BACK, SetType::HashIpPortIp, "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose"),
    (CLUSTER_IP, SetType::HashIpPort, "Kubernetes service cluster ip + port for masquerade purpose"),
    (EXTERNAL_IP, SetType::HashIpPort, "Kubernetes service external ip + port for masquerade and filter purpose"),
    (EXTERNAL_IP_LOCAL, SetType::HashIpPort, "Kubernetes service external ip + port with externalTrafficPolicy=local"),
    (LOAD_BALANCER, SetType::HashIpPort, "Kubernetes service lb portal"),
    (LOAD_BALANCER_FW, SetType::HashIpPort, "Kubernetes service load balancer ip + port for load balancer with sourceRange"),
    (LOAD_BALANCER_LOCAL, SetType::HashIpPort, "Kubernetes service load balancer ip + port with externalTrafficPolicy=local"),
    (LOAD_BALANCER_SOURCE_IP, SetType::HashIpPortIp, "Kubernetes service load balancer ip + port + source IP for packet filter purpose"),
    (LOAD_BALANCER_SOURCE_CIDR, SetType::HashIpPortNet, "Kubernetes service load balancer ip + port + source cidr for packet filter purpose"),
    (NODE_PORT_TCP, SetType::BitmapPort, "Kubernetes nodeport TCP port for masquerade purpose"),
    (NODE_PORT_LOCAL_TCP, SetType::BitmapPort, "Kubernetes nodeport TCP port with externalTrafficPolicy=local"),
    (NODE_PORT_UDP, SetType::BitmapPort, "Kubernetes nodeport UDP port for masquerade purpose"),
    (NODE_PORT_LOCAL_UDP, SetType::BitmapPort, "Kubernetes nodeport UDP port with externalTrafficPolicy=local"),
    (NODE_PORT_SCTP, SetType::HashIpPort, "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'"),
    (NODE_PORT_LOCAL_SCTP, SetType::HashIpPort, "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'"),
    (HEALTH_CHECK_NODE_PORT, SetType::BitmapPort, "Kubernetes health check node port"),
    (IPVS_IPS, SetType::HashIp, "Addresses on the ipvs interface"),
];

/// `ipsetWithIptablesChain`: (set, table, from chain, target, match directions, `-p`).
const SET_RULES: [(&str, &str, &str, &str, &str, &str); 12] = [
    (LOOP_BACK, "nat", "KUBE-POSTROUTING", "MASQUERADE", "dst,dst,src", ""),
    (LOAD_BALANCER, "nat", "KUBE-SERVICES", "KUBE-LOAD-BALANCER", "dst,dst", ""),
    (LOAD_BALANCER_LOCAL, "nat", "KUBE-LOAD-BALANCER", "RETURN", "dst,dst", ""),
    (NODE_PORT_LOCAL_TCP, "nat", "KUBE-NODE-PORT", "RETURN", "dst", "tcp"),
    (NODE_PORT_TCP, "nat", "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst", "tcp"),
    (NODE_PORT_LOCAL_UDP, "nat", "KUBE-NODE-PORT", "RETURN", "dst", "udp"),
    (NODE_PORT_UDP, "nat", "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst", "udp"),
    (NODE_PORT_LOCAL_SCTP, "nat", "KUBE-NODE-PORT", "RETURN", "dst,dst", "sctp"),
    (NODE_PORT_SCTP, "nat", "KUBE-NODE-PORT", "KUBE-MARK-MASQ", "dst,dst", "sctp"),
    (LOAD_BALANCER_FW, "filter", "KUBE-PROXY-FIREWALL", "KUBE-SOURCE-RANGES-FIREWALL", "dst,dst", ""),
    (LOAD_BALANCER_SOURCE_CIDR, "filter", "KUBE-SOURCE-RANGES-FIREWALL", "RETURN", "dst,dst,src", ""),
    (LOAD_BALANCER_SOURCE_IP, "filter", "KUBE-SOURCE-RANGES-FIREWALL", "RETURN", "dst,dst,src", ""),
];

const NAT_CHAINS: [&str; 5] = ["KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-NODE-PORT", "KUBE-LOAD-BALANCER", "KUBE-MARK-MASQ"];
const FILTER_CHAINS: [&str; 6] =
    ["KUBE-FORWARD", "KUBE-NODE-PORT", "KUBE-PROXY-FIREWALL", "KUBE-SOURCE-RANGES-FIREWALL", "KUBE-IPVS-FILTER", "KUBE-IPVS-OUT-FILTER"];

/// Everything one sync leaves on the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsState {
    pub ipvs: Ipvs,
    /// The sets with their members, and their references from `restore`.
    pub ipsets: IpSets,
    /// The `iptables-restore --noflush` input.
    pub restore: String,
    /// The addresses on `kube-ipvs0`, each a /32, in address order.
    pub dummy_addrs: Vec<Ipv4Net>,
}

/// `iptablesJumpChain`: the jumps kube-proxy ensures at the top of built-in chains
/// (`iptables -C`, then `-I <chain>` at position 1), in that order: `(table, chain, rule)`.
pub fn hook_jumps() -> Vec<(&'static str, &'static str, String)> {
    let jump = |comment: &str, to: &str| format!("-m comment --comment \"{comment}\" -j {to}");
    vec![
        ("nat", "OUTPUT", jump("kubernetes service portals", "KUBE-SERVICES")),
        ("nat", "PREROUTING", jump("kubernetes service portals", "KUBE-SERVICES")),
        ("nat", "POSTROUTING", jump("kubernetes postrouting rules", "KUBE-POSTROUTING")),
        ("filter", "FORWARD", jump("kubernetes forwarding rules", "KUBE-FORWARD")),
        ("filter", "INPUT", jump("kubernetes health check rules", "KUBE-NODE-PORT")),
        ("filter", "INPUT", jump("kube-proxy firewall rules", "KUBE-PROXY-FIREWALL")),
        ("filter", "FORWARD", jump("kube-proxy firewall rules", "KUBE-PROXY-FIREWALL")),
        ("filter", "INPUT", jump("kubernetes ipvs access filter", "KUBE-IPVS-FILTER")),
        ("filter", "OUTPUT", jump("kubernetes ipvs access filter", "KUBE-IPVS-OUT-FILTER")),
    ]
}

/// One full sync of these service ports on this node.
pub fn sync(ports: &[ServicePort], node: &NodeContext) -> IpvsState {
    let mut sets = IpSets::new();
    for (name, set_type, _) in IPSETS {
        // Names and types are fixed and distinct, so creation cannot fail.
        let _ = sets.create(name, set_type);
    }
    let mut ipvs = Ipvs::new();
    let mut bound: BTreeSet<Ipv4Addr> = BTreeSet::new();
    let mut no_node_access: Vec<(Ipv4Addr, Proto, u16)> = Vec::new();
    let node_ips: BTreeSet<Ipv4Addr> = node.node_ips.iter().copied().collect();
    let add = |sets: &mut IpSets, set: &str, m: Member| {
        if let Some(s) = sets.get_mut(set) {
            // Members are built to match their set's type.
            let _ = s.add(m, None);
        }
    };

    for sp in ports {
        let p = sp.protocol;
        let cat = categorize(sp, &node.node_name);
        let reals = |only_local: bool| -> Vec<RealServer> {
            let eps = if only_local && !cat.local.is_empty() { &cat.local } else { &cat.cluster };
            eps.iter().map(|e| RealServer::new(e.ip, e.port)).collect()
        };
        let mut put = |addr: Ipv4Addr, port: u16, only_local: bool| {
            let mut vs = VirtualServer::new(p, addr, port);
            vs.persistent = sp.affinity_timeout;
            vs.reals = reals(only_local);
            // Endpoint addresses are unique per port, so no duplicate destination arises.
            let _ = ipvs.set(vs);
        };

        for e in sp.endpoints.iter().filter(|e| e.is_local(&node.node_name)) {
            add(&mut sets, LOOP_BACK, Member::IpPortIp(e.ip, p, e.port, e.ip));
        }
        add(&mut sets, CLUSTER_IP, Member::IpPort(sp.cluster_ip, p, sp.port));
        put(sp.cluster_ip, sp.port, sp.internal_local);
        bound.insert(sp.cluster_ip);

        for &ip in &sp.external_ips {
            add(&mut sets, if sp.external_local { EXTERNAL_IP_LOCAL } else { EXTERNAL_IP }, Member::IpPort(ip, p, sp.port));
            put(ip, sp.port, sp.external_local);
            if !node_ips.contains(&ip) {
                bound.insert(ip);
            }
        }

        for &ip in &sp.load_balancer_ips {
            add(&mut sets, LOAD_BALANCER, Member::IpPort(ip, p, sp.port));
            if sp.external_local {
                add(&mut sets, LOAD_BALANCER_LOCAL, Member::IpPort(ip, p, sp.port));
            }
            if !sp.load_balancer_source_ranges.is_empty() {
                add(&mut sets, LOAD_BALANCER_FW, Member::IpPort(ip, p, sp.port));
                let mut allow_from_node = false;
                for &cidr in &sp.load_balancer_source_ranges {
                    add(&mut sets, LOAD_BALANCER_SOURCE_CIDR, Member::IpPortNet(ip, p, sp.port, cidr));
                    allow_from_node |= node.node_ips.first().is_some_and(|n| cidr.contains(n));
                }
                if allow_from_node {
                    add(&mut sets, LOAD_BALANCER_SOURCE_IP, Member::IpPortIp(ip, p, sp.port, ip));
                } else {
                    no_node_access.push((ip, p, sp.port));
                }
            }
            put(ip, sp.port, sp.external_local);
            if !node_ips.contains(&ip) {
                bound.insert(ip);
            }
        }

        if sp.node_port.is_some() && node_ips.is_empty() {
            // kube-proxy skips the rest of this port, the health check node port included.
            continue;
        }
        if let Some(np) = sp.node_port {
            let (set, local_set) = match p {
                Proto::Tcp => (NODE_PORT_TCP, NODE_PORT_LOCAL_TCP),
                Proto::Udp => (NODE_PORT_UDP, NODE_PORT_LOCAL_UDP),
                Proto::Sctp => (NODE_PORT_SCTP, NODE_PORT_LOCAL_SCTP),
            };
            let members: Vec<Member> =
                if p == Proto::Sctp { node_ips.iter().map(|&ip| Member::IpPort(ip, p, np)).collect() } else { vec![Member::Port(np)] };
            for &m in &members {
                add(&mut sets, set, m);
                if sp.external_local {
                    add(&mut sets, local_set, m);
                }
            }
            for &ip in &node_ips {
                put(ip, np, sp.external_local);
            }
        }

        if let Some(hc) = sp.health_check_node_port {
            add(&mut sets, HEALTH_CHECK_NODE_PORT, Member::Port(hc));
        }
    }
    for &ip in &bound {
        add(&mut sets, IPVS_IPS, Member::Ip(ip));
    }

    let restore = restore_input(&sets, node, &no_node_access);
    sets.count_references(&restore);
    let dummy_addrs = bound.iter().map(|&ip| Ipv4Net::from(ip)).collect();
    IpvsState { ipvs, ipsets: sets, restore, dummy_addrs }
}

fn comment_of(set: &str) -> &'static str {
    IPSETS.iter().find(|s| s.0 == set).map_or("", |s| s.2)
}

fn non_empty(sets: &IpSets, name: &str) -> bool {
    sets.get(name).is_some_and(|s| !s.is_empty())
}

/// `writeIptablesRules` with the chain lines `createAndLinkKubeChain` writes.
fn restore_input(sets: &IpSets, node: &NodeContext, no_node_access: &[(Ipv4Addr, Proto, u16)]) -> String {
    let (mut nat, mut filter) = (String::from("*nat\n"), String::from("*filter\n"));
    for c in NAT_CHAINS {
        let _ = writeln!(nat, ":{c} - [0:0]");
    }
    for c in FILTER_CHAINS {
        let _ = writeln!(filter, ":{c} - [0:0]");
    }
    let mut n = String::new();
    let mut f = String::new();
    n.push_str("-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN\n");

    for (set, table, from, to, dirs, proto) in SET_RULES {
        if !non_empty(sets, set) {
            continue;
        }
        let out = if table == "filter" { &mut f } else { &mut n };
        let _ = write!(out, "-A {from}");
        if !proto.is_empty() {
            let _ = write!(out, " -p {proto}");
        }
        let _ = writeln!(out, " -m comment --comment \"{}\" -m set --match-set {set} {dirs} -j {to}", comment_of(set));
    }

    let match_set = |set: &str| format!("-A KUBE-SERVICES -m comment --comment \"{}\" -m set --match-set {set} dst,dst", comment_of(set));
    if non_empty(sets, CLUSTER_IP) {
        let args = match_set(CLUSTER_IP);
        if node.masquerade_all {
            let _ = writeln!(n, "{args} -j KUBE-MARK-MASQ");
        } else {
            let _ = writeln!(n, "{args} ! -s {} -j KUBE-MARK-MASQ", node.cluster_cidr);
        }
    }
    let external_ip_rules = |n: &mut String, args: &str| {
        let _ = writeln!(n, "{args} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT");
        let _ = writeln!(n, "{args} -m addrtype --dst-type LOCAL -j ACCEPT");
    };
    if non_empty(sets, EXTERNAL_IP) {
        let args = match_set(EXTERNAL_IP);
        let _ = writeln!(n, "{args} -j KUBE-MARK-MASQ");
        external_ip_rules(&mut n, &args);
    }
    if non_empty(sets, EXTERNAL_IP_LOCAL) {
        external_ip_rules(&mut n, &match_set(EXTERNAL_IP_LOCAL));
    }
    n.push_str("-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT\n");
    n.push_str("-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ\n");
    f.push_str("-A KUBE-SOURCE-RANGES-FIREWALL -j DROP\n");
    for (ip, p, port) in no_node_access {
        let _ = writeln!(f, "-A KUBE-IPVS-OUT-FILTER -s {ip} -m ipvs --vaddr {ip} --vproto {} --vport {port} -j DROP", p.as_str());
    }
    for set in [CLUSTER_IP, LOAD_BALANCER] {
        if non_empty(sets, set) {
            let _ = writeln!(n, "-A KUBE-SERVICES -m set --match-set {set} dst,dst -j ACCEPT");
        }
    }
    let mark = format!("{MASQUERADE_MARK}/{MASQUERADE_MARK}");
    let _ = writeln!(f, "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark {mark} -j ACCEPT");
    f.push_str(
        "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n",
    );
    let hc = HEALTH_CHECK_NODE_PORT;
    let _ = writeln!(f, "-A KUBE-NODE-PORT -m comment --comment \"{}\" -m set --match-set {hc} dst -j ACCEPT", comment_of(hc));
    for (set, dirs) in [(LOAD_BALANCER, "dst,dst"), (CLUSTER_IP, "dst,dst"), (EXTERNAL_IP, "dst,dst"), (EXTERNAL_IP_LOCAL, "dst,dst"), (hc, "dst")] {
        let _ = writeln!(f, "-A KUBE-IPVS-FILTER -m set --match-set {set} {dirs} -j RETURN");
    }
    let _ = writeln!(f, "-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set {IPVS_IPS} dst -j REJECT");
    let _ = writeln!(n, "-A KUBE-POSTROUTING -m mark ! --mark {mark} -j RETURN");
    let _ = writeln!(n, "-A KUBE-POSTROUTING -j MARK --xor-mark {MASQUERADE_MARK}");
    n.push_str("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE");
    n.push_str(if node.random_fully { " --random-fully\n" } else { "\n" });
    let _ = writeln!(n, "-A KUBE-MARK-MASQ -j MARK --or-mark {MASQUERADE_MARK}");
    n.push_str("COMMIT\n");
    f.push_str("COMMIT\n");
    nat.push_str(&n);
    nat.push_str(&filter);
    nat.push_str(&f);
    nat
}
