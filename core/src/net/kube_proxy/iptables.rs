//! iptables mode: the text kube-proxy hands `iptables-restore --noflush` on a full sync, and
//! the jump rules it keeps at the top of the built-in chains.
//!
//! Follows pkg/proxy/iptables/proxier.go (`syncProxyRules`, `writeServiceToEndpointRules`)
//! of current releases: rules in kube-proxy's own argument order and quoting, written into
//! four buffers (filter chains, filter rules, nat chains, nat rules) and joined as
//! `*filter … COMMIT` then `*nat … COMMIT`. Rules of different chains interleave the way
//! kube-proxy writes them: the fixed KUBE-POSTROUTING / KUBE-MARK-MASQ rules, then per
//! service port its KUBE-SERVICES / KUBE-NODEPORTS entries followed by its own chains
//! (masquerade rule of the internal chain, EXT, FW, SVC, SVL, SEP), then the
//! "must be the last rule" jump to KUBE-NODEPORTS; in the filter table the per-port
//! REJECT/DROP/ACCEPT rules, then KUBE-FORWARD.
//!
//! Choices and simplifications:
//! - IPv4 only; node-port addresses are "all local addresses" (the default
//!   `nodePortAddresses`), so the last nat KUBE-SERVICES rule matches `--dst-type LOCAL`.
//! - Local traffic is detected by cluster CIDR (`--detect-local-mode ClusterCIDR`):
//!   `! -s <cidr>` / `-s <cidr>`.
//! - Service ports are written in the order of their service port name, then protocol
//!   (kube-proxy walks a Go map); endpoints in `ip:port` text order (as kube-proxy sorts them).
//! - Always a full sync: every service's chains are written. Stale per-service chains are
//!   only deleted (`-X`) when the caller passes the chains that exist
//!   ([`write_restore_input`]); kube-proxy learns them from `iptables-save`.
//! - The masquerade mark is the text kube-proxy really writes, `fmt.Sprintf("%#08x", 1<<14)`
//!   = `0x00004000` (upstream golden tests show `0x4000` because their fake proxier sets the
//!   mark string by hand; `iptables-save` prints `0x4000/0x4000` style values either way).
//! - "Large cluster mode" (more than 1000 endpoints in total) drops the comments of SVC→SEP
//!   and SEP rules, as kube-proxy does.
//! - `conntrack --ctstate INVALID` packets are dropped in KUBE-FORWARD
//!   (`nf_conntrack_tcp_be_liberal` is taken to be 0).

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::hash::{port_proto_digest, push_port_chain, push_sep_chain, EXT_PREFIX, FW_PREFIX, SVC_PREFIX, SVL_PREFIX};
use super::model::{categorize, cmp_addr, Endpoint, ServicePort};

/// The masquerade mark as kube-proxy writes it (`--iptables-masquerade-bit` 14).
pub const MASQUERADE_MARK: &str = "0x00004000";
/// Total endpoints above which kube-proxy drops per-endpoint comments.
pub const LARGE_CLUSTER_ENDPOINTS_THRESHOLD: usize = 1000;

const KUBE_SERVICES: &str = "KUBE-SERVICES";
const KUBE_EXTERNAL_SERVICES: &str = "KUBE-EXTERNAL-SERVICES";
const KUBE_NODEPORTS: &str = "KUBE-NODEPORTS";
const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";
const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
const KUBE_FORWARD: &str = "KUBE-FORWARD";
const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
const KUBE_FIREWALL: &str = "KUBE-FIREWALL";
const KUBE_PROXY_CANARY: &str = "KUBE-PROXY-CANARY";

/// The node a kube-proxy runs on, and its settings that change the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeContext {
    pub node_name: String,
    /// The node's addresses; the first is kube-proxy's `nodeIP` (a loadBalancerSourceRanges
    /// entry containing it lets the node reach the load-balancer IP itself).
    pub node_ips: Vec<Ipv4Addr>,
    /// The cluster's pod CIDR (`--cluster-cidr`), used to tell pod traffic from the rest.
    pub cluster_cidr: Ipv4Net,
    /// `--masquerade-all`: every packet to a cluster IP is marked for SNAT.
    pub masquerade_all: bool,
    /// `iptables.localhostNodePorts` (default true): NodePorts answer on 127.0.0.0/8, with
    /// the KUBE-FIREWALL rule against martian localnet traffic. When false, the last nat
    /// KUBE-SERVICES rule excludes `127.0.0.0/8`.
    pub localhost_node_ports: bool,
    /// Whether the kernel has nfacct, so kube-proxy's counters exist: `-m nfacct` on the
    /// INVALID drop and on localhost NodePort rules (the latter only then).
    pub nfacct: bool,
    /// Whether the iptables binary supports `MASQUERADE --random-fully`.
    pub random_fully: bool,
}

impl NodeContext {
    /// A node with kube-proxy's defaults on a current kernel and iptables: localhost
    /// NodePorts on, nfacct counters and `--random-fully` available, no masquerade-all.
    pub fn new(node_name: &str, node_ips: Vec<Ipv4Addr>, cluster_cidr: Ipv4Net) -> NodeContext {
        NodeContext {
            node_name: node_name.to_string(),
            node_ips,
            cluster_cidr,
            masquerade_all: false,
            localhost_node_ports: true,
            nfacct: true,
            random_fully: true,
        }
    }
}

/// The jump rules kube-proxy ensures at the top of built-in chains on a full sync, in the
/// order it inserts them: `(table, built-in chain, rule spec)`. Each is checked (`-C`) and,
/// if missing, inserted at position 1 (`-I <chain>`), so in a chain that had none of them the
/// later ones end up first. The last two are the KUBE-FIREWALL jumps kube-proxy shares with
/// the kubelet (no comment). Every target chain is created first if it does not exist.
pub fn hook_jumps() -> Vec<(&'static str, &'static str, String)> {
    const NEW: &str = "-m conntrack --ctstate NEW ";
    let jump = |extra: &str, comment: &str, target: &str| {
        if comment.is_empty() {
            format!("{extra}-j {target}")
        } else {
            format!("{extra}-m comment --comment \"{comment}\" -j {target}")
        }
    };
    vec![
        ("filter", "INPUT", jump(NEW, "kubernetes externally-visible service portals", KUBE_EXTERNAL_SERVICES)),
        ("filter", "FORWARD", jump(NEW, "kubernetes externally-visible service portals", KUBE_EXTERNAL_SERVICES)),
        ("filter", "INPUT", jump("", "kubernetes health check service ports", KUBE_NODEPORTS)),
        ("filter", "FORWARD", jump(NEW, "kubernetes service portals", KUBE_SERVICES)),
        ("filter", "OUTPUT", jump(NEW, "kubernetes service portals", KUBE_SERVICES)),
        ("filter", "FORWARD", jump("", "kubernetes forwarding rules", KUBE_FORWARD)),
        ("filter", "INPUT", jump(NEW, "kubernetes load balancer firewall", KUBE_PROXY_FIREWALL)),
        ("filter", "OUTPUT", jump(NEW, "kubernetes load balancer firewall", KUBE_PROXY_FIREWALL)),
        ("filter", "FORWARD", jump(NEW, "kubernetes load balancer firewall", KUBE_PROXY_FIREWALL)),
        ("nat", "OUTPUT", jump("", "kubernetes service portals", KUBE_SERVICES)),
        ("nat", "PREROUTING", jump("", "kubernetes service portals", KUBE_SERVICES)),
        ("nat", "POSTROUTING", jump("", "kubernetes postrouting rules", KUBE_POSTROUTING)),
        ("filter", "INPUT", jump("", "", KUBE_FIREWALL)),
        ("filter", "OUTPUT", jump("", "", KUBE_FIREWALL)),
    ]
}

/// The empty KUBE-PROXY-CANARY chains kube-proxy keeps (and watches) to notice that someone
/// flushed the tables: `(table, chain)`.
pub fn canary_chains() -> [(&'static str, &'static str); 3] {
    [("mangle", KUBE_PROXY_CANARY), ("nat", KUBE_PROXY_CANARY), ("filter", KUBE_PROXY_CANARY)]
}

/// Go's `fmt.Sprintf("%0.10f", 1.0/float64(n))`: the probability of the rule that still has
/// `n` endpoints to choose from. Both Go and Rust round the exact binary value, ties to even.
pub fn probability(n: usize) -> String {
    format!("{:.10}", 1.0 / n as f64)
}

/// The full-sync `iptables-restore` input for these service ports on this node.
pub fn restore_input(ports: &[ServicePort], node: &NodeContext) -> String {
    let mut out = String::new();
    write_restore_input(&mut out, ports, node, &[]);
    out
}

/// Appends the full-sync input to `out`. `existing_nat_chains` are the nat chains that exist
/// before the sync (as `iptables-save` lists them); per-service chains among them that this
/// sync does not write are flushed and deleted (`:X - [0:0]` and `-X X`), in name order.
pub fn write_restore_input(out: &mut String, ports: &[ServicePort], node: &NodeContext, existing_nat_chains: &[&str]) {
    let mut w = Writer::new(ports, node, !existing_nat_chains.is_empty());
    w.header();
    let mut order: Vec<(String, usize)> = ports.iter().enumerate().map(|(i, p)| (p.spn(), i)).collect();
    order.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| ports[a.1].protocol.as_str().cmp(ports[b.1].protocol.as_str())));
    for (spn, i) in &order {
        w.service_port(spn, &ports[*i]);
    }
    if !existing_nat_chains.is_empty() {
        w.delete_stale(existing_nat_chains);
    }
    w.trailer();
    out.reserve(w.filter_chains.len() + w.filter_rules.len() + w.nat_chains.len() + w.nat_rules.len() + 32);
    out.push_str("*filter\n");
    out.push_str(&w.filter_chains);
    out.push_str(&w.filter_rules);
    out.push_str("COMMIT\n*nat\n");
    out.push_str(&w.nat_chains);
    out.push_str(&w.nat_rules);
    out.push_str("COMMIT\n");
}

// ---------------------------------------------------------------------------------------------
// Text helpers: everything is pushed into the four buffers, nothing is allocated per rule.

fn push_u32(s: &mut String, n: u32) {
    if n >= 10 {
        push_u32(s, n / 10);
    }
    s.push(char::from(b'0' + (n % 10) as u8));
}

fn push_ip(s: &mut String, ip: Ipv4Addr) {
    let [a, b, c, d] = ip.octets();
    push_u32(s, a as u32);
    s.push('.');
    push_u32(s, b as u32);
    s.push('.');
    push_u32(s, c as u32);
    s.push('.');
    push_u32(s, d as u32);
}

fn push_net(s: &mut String, net: Ipv4Net) {
    push_ip(s, net.addr());
    s.push('/');
    push_u32(s, net.prefix_len() as u32);
}

fn chain_line(s: &mut String, chain: &str) {
    s.push(':');
    s.push_str(chain);
    s.push_str(" - [0:0]\n");
}

/// Declares a per-service nat chain, remembering it when stale chains are to be found.
fn declare(nat_chains: &mut String, active: &mut Option<Vec<String>>, chain: &str) {
    chain_line(nat_chains, chain);
    if let Some(active) = active.as_mut() {
        active.push(chain.to_string());
    }
}

/// One rule line under construction: `-A <chain>` then arguments, each preceded by a space.
/// `-A CHAIN -m comment --comment "<spn><after>" -m P -p P -d IP --dport PORT -j TARGET`: a
/// rule about one address of a Service port, the shape most of KUBE-SERVICES takes.
#[allow(clippy::too_many_arguments)]
fn service_port_rule(out: &mut String, chain: &str, spn: &str, after: &str, proto: &str, ip: Ipv4Addr, port: u32, target: &str) {
    Rule::new(out, chain).comment_q("", spn, after).proto(proto).dst_port(ip, port).j(target).end();
}

struct Rule<'a>(&'a mut String);

impl<'a> Rule<'a> {
    fn new(s: &'a mut String, chain: &str) -> Rule<'a> {
        s.push_str("-A ");
        s.push_str(chain);
        Rule(s)
    }
    /// `-d IP --dport PORT`, the destination of a Service port.
    fn dst_port(self, ip: Ipv4Addr, port: u32) -> Self {
        self.a("-d").ip(ip).a("--dport").num(port)
    }

    fn a(self, arg: &str) -> Self {
        self.0.push(' ');
        self.0.push_str(arg);
        self
    }
    fn ip(self, ip: Ipv4Addr) -> Self {
        self.0.push(' ');
        push_ip(self.0, ip);
        self
    }
    fn net(self, net: Ipv4Net) -> Self {
        self.0.push(' ');
        push_net(self.0, net);
        self
    }
    fn num(self, n: u32) -> Self {
        self.0.push(' ');
        push_u32(self.0, n);
        self
    }
    /// `-m comment --comment "<parts…>"`.
    fn comment(self, parts: &[&str]) -> Self {
        let s = self.0;
        s.push_str(" -m comment --comment \"");
        for p in parts {
            s.push_str(p);
        }
        s.push('"');
        Rule(s)
    }
    /// `-m comment --comment "<before><spn><after>"`.
    fn comment_q(self, before: &str, spn: &str, after: &str) -> Self {
        self.comment(&[before, spn, after])
    }
    /// `-m comment --comment "<spn> -> <ip>:<port>"`.
    fn comment_ep(self, spn: &str, ep: &Endpoint) -> Self {
        let s = self.0;
        s.push_str(" -m comment --comment \"");
        s.push_str(spn);
        s.push_str(" -> ");
        push_ip(s, ep.ip);
        s.push(':');
        push_u32(s, ep.port as u32);
        s.push('"');
        Rule(s)
    }
    /// ` 0x00004000/0x00004000`: the mark with itself as mask.
    fn mark_mask(self) -> Self {
        let s = self.0;
        s.push(' ');
        s.push_str(MASQUERADE_MARK);
        s.push('/');
        s.push_str(MASQUERADE_MARK);
        Rule(s)
    }
    /// `-m <proto> -p <proto>`.
    fn proto(self, proto: &str) -> Self {
        self.a("-m").a(proto).a("-p").a(proto)
    }
    fn j(self, target: &str) -> Self {
        self.a("-j").a(target)
    }
    fn end(self) {
        self.0.push('\n');
    }
}

/// Where a port's chain names sit in [`Writer::names`]: SVC, SVL, EXT, FW, then one SEP per
/// reachable endpoint.
const SVC_AT: std::ops::Range<usize> = 0..25;
const SVL_AT: std::ops::Range<usize> = 25..50;
const EXT_AT: std::ops::Range<usize> = 50..75;
const FW_AT: std::ops::Range<usize> = 75..99;
fn sep_at(i: usize) -> std::ops::Range<usize> {
    99 + 25 * i..124 + 25 * i
}

struct Writer<'n> {
    node: &'n NodeContext,
    filter_chains: String,
    filter_rules: String,
    nat_chains: String,
    nat_rules: String,
    large_cluster: bool,
    /// `probabilities[n]` = [`probability`]`(n)`, computed once per `n`.
    probabilities: Vec<String>,
    /// The current port's chain names, laid out as [`SVC_AT`] … [`sep_at`] say.
    names: String,
    /// Every per-service nat chain written, when stale chains have to be found.
    active: Option<Vec<String>>,
}

impl<'n> Writer<'n> {
    fn new(ports: &[ServicePort], node: &'n NodeContext, track_active: bool) -> Writer<'n> {
        let total_endpoints: usize = ports.iter().map(|p| p.endpoints.len()).sum();
        let large_cluster = total_endpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
        let spn_bytes: usize = ports.iter().map(|p| p.namespace.len() + p.name.len() + p.port_name.len() + 2).sum();
        // Per port: the KUBE-SERVICES and masquerade rules; per endpoint: the SVC jump and
        // the two SEP rules (each with two comments unless the cluster is large).
        let per_endpoint = if large_cluster { 270 } else { 330 };
        let comments = if large_cluster { 0 } else { 3 * spn_bytes };
        Writer {
            node,
            filter_chains: String::with_capacity(256),
            filter_rules: String::with_capacity(1024),
            nat_chains: String::with_capacity(256 + 40 * (ports.len() + total_endpoints)),
            nat_rules: String::with_capacity(1024 + 320 * ports.len() + 2 * spn_bytes + comments + per_endpoint * total_endpoints),
            large_cluster,
            probabilities: Vec::new(),
            names: String::with_capacity(256),
            active: track_active.then(Vec::new),
        }
    }

    /// Makes sure `probabilities[1..=n]` are computed (kube-proxy precomputes them too).
    fn probabilities_up_to(&mut self, n: usize) {
        for i in self.probabilities.len()..=n {
            self.probabilities.push(if i == 0 { String::new() } else { probability(i) });
        }
    }

    fn header(&mut self) {
        for c in [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL] {
            chain_line(&mut self.filter_chains, c);
        }
        for c in [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ] {
            chain_line(&mut self.nat_chains, c);
        }
        let r = &mut self.nat_rules;
        Rule::new(r, KUBE_POSTROUTING).a("-m mark ! --mark").mark_mask().j("RETURN").end();
        Rule::new(r, KUBE_POSTROUTING).a("-j MARK --xor-mark").a(MASQUERADE_MARK).end();
        let masq = Rule::new(r, KUBE_POSTROUTING).a("-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE");
        if self.node.random_fully {
            masq.a("--random-fully").end();
        } else {
            masq.end();
        }
        Rule::new(r, KUBE_MARK_MASQ).a("-j MARK --or-mark").a(MASQUERADE_MARK).end();
        if self.node.localhost_node_ports {
            chain_line(&mut self.filter_chains, KUBE_FIREWALL);
            Rule::new(&mut self.filter_rules, KUBE_FIREWALL)
                .a("-m comment --comment \"block incoming localnet connections\" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP")
                .end();
        }
    }

    /// Everything one service port contributes, in the order `syncProxyRules` writes it.
    fn service_port(&mut self, spn: &str, sp: &ServicePort) {
        let mut cat = categorize(sp, &self.node.node_name);
        if !sp.endpoints.is_sorted_by(|a, b| cmp_addr(a, b).is_le()) {
            for list in [&mut cat.cluster, &mut cat.local, &mut cat.reachable] {
                list.sort_by(|a, b| cmp_addr(a, b));
            }
        }
        self.probabilities_up_to(cat.cluster.len().max(cat.local.len()));
        let Writer { node, filter_rules, nat_chains, nat_rules, large_cluster, probabilities, names, active, .. } = self;
        let (node, large_cluster) = (*node, *large_cluster);
        let proto = sp.protocol.as_str();

        // Chain names: SVC, SVL, EXT, FW, then the reachable endpoints' SEPs.
        names.clear();
        let port_digest = port_proto_digest(spn, sp.protocol);
        for prefix in [SVC_PREFIX, SVL_PREFIX, EXT_PREFIX, FW_PREFIX] {
            push_port_chain(names, prefix, &port_digest);
        }
        for ep in &cat.reachable {
            push_sep_chain(names, spn, sp.protocol, ep.ip, ep.port);
        }
        let names = names.as_str();
        let (cluster_chain, local_chain, ext_chain, fw_chain) = (&names[SVC_AT], &names[SVL_AT], &names[EXT_AT], &names[FW_AT]);

        let has_endpoints = cat.has_any;
        let uses_cluster_chain = !cat.cluster.is_empty() && sp.uses_cluster_endpoints();
        let uses_local_chain = !cat.local.is_empty() && sp.uses_local_endpoints();
        let (internal_chain, has_internal) =
            if sp.internal_local { (local_chain, has_endpoints && !cat.local.is_empty()) } else { (cluster_chain, has_endpoints) };
        let (external_policy_chain, has_external) =
            if sp.external_local { (local_chain, has_endpoints && !cat.local.is_empty()) } else { (cluster_chain, has_endpoints) };
        let uses_ext_chain = has_endpoints && sp.externally_accessible();
        let uses_fw_chain = has_endpoints && !sp.load_balancer_ips.is_empty() && !sp.load_balancer_source_ranges.is_empty();
        let lb_chain = if uses_fw_chain { fw_chain } else { ext_chain };
        // What the filter table does with traffic that has nowhere to go: REJECT when the
        // port has no endpoints at all, DROP when the Local policy finds none on this node.
        let (filter_target, filter_comment) = if has_endpoints { ("DROP", " has no local endpoints") } else { ("REJECT", " has no endpoints") };
        let port = sp.port as u32;

        // Cluster IP.
        if has_internal {
            service_port_rule(nat_rules, KUBE_SERVICES, spn, " cluster IP", proto, sp.cluster_ip, port, internal_chain);
        } else {
            service_port_rule(filter_rules, KUBE_SERVICES, spn, filter_comment, proto, sp.cluster_ip, port, filter_target);
        }

        // External IPs.
        for &ip in &sp.external_ips {
            if has_endpoints {
                service_port_rule(nat_rules, KUBE_SERVICES, spn, " external IP", proto, ip, port, ext_chain);
            }
            if !has_external {
                service_port_rule(filter_rules, KUBE_EXTERNAL_SERVICES, spn, filter_comment, proto, ip, port, filter_target);
            }
        }

        // Load-balancer ingress IPs.
        for &ip in &sp.load_balancer_ips {
            if has_endpoints {
                service_port_rule(nat_rules, KUBE_SERVICES, spn, " loadbalancer IP", proto, ip, port, lb_chain);
            }
            if uses_fw_chain {
                Rule::new(filter_rules, KUBE_PROXY_FIREWALL)
                    .comment(&[spn, " traffic not accepted by ", fw_chain])
                    .proto(proto)
                    .dst_port(ip, port)
                    .j("DROP")
                    .end();
            }
        }
        if !has_external {
            for &ip in &sp.load_balancer_ips {
                service_port_rule(filter_rules, KUBE_EXTERNAL_SERVICES, spn, filter_comment, proto, ip, port, filter_target);
            }
        }

        // NodePort.
        if let Some(np) = sp.node_port {
            if has_endpoints {
                if node.localhost_node_ports && node.nfacct {
                    Rule::new(nat_rules, KUBE_NODEPORTS)
                        .a("-m comment --comment")
                        .a(spn)
                        .proto(proto)
                        .a("-d 127.0.0.0/8 --dport")
                        .num(np as u32)
                        .a("-m nfacct --nfacct-name localhost_nps_accepted_pkts")
                        .j(ext_chain)
                        .end();
                }
                Rule::new(nat_rules, KUBE_NODEPORTS).a("-m comment --comment").a(spn).proto(proto).a("--dport").num(np as u32).j(ext_chain).end();
            }
            if !has_external {
                Rule::new(filter_rules, KUBE_EXTERNAL_SERVICES)
                    .comment_q("", spn, filter_comment)
                    .a("-m addrtype --dst-type LOCAL")
                    .proto(proto)
                    .a("--dport")
                    .num(np as u32)
                    .j(filter_target)
                    .end();
            }
        }

        // Health-check node port: accepted whether or not this node has endpoints.
        if let Some(hc) = sp.health_check_node_port {
            Rule::new(filter_rules, KUBE_NODEPORTS)
                .comment_q("", spn, " health check node port")
                .a("-m tcp -p tcp --dport")
                .num(hc as u32)
                .j("ACCEPT")
                .end();
        }

        // Internal traffic: mark what does not come from a pod (or everything).
        if has_internal {
            let r = Rule::new(nat_rules, internal_chain).comment_q("", spn, " cluster IP").proto(proto).dst_port(sp.cluster_ip, port);
            if node.masquerade_all {
                r.j(KUBE_MARK_MASQ).end();
            } else {
                r.a("! -s").net(node.cluster_cidr).j(KUBE_MARK_MASQ).end();
            }
        }

        // External traffic: the EXT chain.
        if uses_ext_chain {
            declare(nat_chains, active, ext_chain);
            if !sp.external_local {
                Rule::new(nat_rules, ext_chain).comment_q("masquerade traffic for ", spn, " external destinations").j(KUBE_MARK_MASQ).end();
            } else {
                Rule::new(nat_rules, ext_chain)
                    .comment_q("pod traffic for ", spn, " external destinations")
                    .a("-s")
                    .net(node.cluster_cidr)
                    .j(cluster_chain)
                    .end();
                Rule::new(nat_rules, ext_chain)
                    .comment_q("masquerade LOCAL traffic for ", spn, " external destinations")
                    .a("-m addrtype --src-type LOCAL")
                    .j(KUBE_MARK_MASQ)
                    .end();
                Rule::new(nat_rules, ext_chain)
                    .comment_q("route LOCAL traffic for ", spn, " external destinations")
                    .a("-m addrtype --src-type LOCAL")
                    .j(cluster_chain)
                    .end();
            }
            if has_external {
                Rule::new(nat_rules, ext_chain).j(external_policy_chain).end();
            }
        }

        // loadBalancerSourceRanges: the FW chain.
        if uses_fw_chain {
            declare(nat_chains, active, fw_chain);
            let mut allow_from_node = false;
            for &cidr in &sp.load_balancer_source_ranges {
                Rule::new(nat_rules, fw_chain).comment_q("", spn, " loadbalancer IP").a("-s").net(cidr).j(ext_chain).end();
                allow_from_node |= node.node_ips.first().is_some_and(|ip| cidr.contains(ip));
            }
            if allow_from_node {
                for &ip in &sp.load_balancer_ips {
                    Rule::new(nat_rules, fw_chain).comment_q("", spn, " loadbalancer IP").a("-s").ip(ip).j(ext_chain).end();
                }
            }
            Rule::new(nat_rules, fw_chain).comment_q("other traffic to ", spn, " will be dropped by KUBE-PROXY-FIREWALL").end();
        }

        let jumps = Jumps { spn, affinity: sp.affinity_timeout, large_cluster, probabilities, names, reachable: &cat.reachable };
        if uses_cluster_chain {
            declare(nat_chains, active, cluster_chain);
            jumps.write(nat_rules, cluster_chain, &cat.cluster);
        }
        if uses_local_chain {
            declare(nat_chains, active, local_chain);
            jumps.write(nat_rules, local_chain, &cat.local);
        }

        // One chain per endpoint: hairpin masquerade, then DNAT.
        for (i, ep) in cat.reachable.iter().enumerate() {
            let sep = &names[sep_at(i)];
            declare(nat_chains, active, sep);
            let mut rule = Rule::new(nat_rules, sep);
            if !large_cluster {
                rule = rule.a("-m comment --comment").a(spn);
            }
            rule.a("-s").ip(ep.ip).j(KUBE_MARK_MASQ).end();
            let mut rule = Rule::new(nat_rules, sep);
            if !large_cluster {
                rule = rule.a("-m comment --comment").a(spn);
            }
            if sp.affinity_timeout.is_some() {
                rule = rule.a("-m recent --name").a(sep).a("--set");
            }
            let rule = rule.proto(proto).a("-j DNAT --to-destination").ip(ep.ip);
            rule.0.push(':');
            push_u32(rule.0, ep.port as u32);
            rule.end();
        }
    }

    fn delete_stale(&mut self, existing: &[&str]) {
        let mut active = self.active.take().unwrap_or_default();
        active.sort_unstable();
        let mut stale: Vec<&str> = existing
            .iter()
            .copied()
            .filter(|c| super::hash::is_service_chain(c) && active.binary_search_by(|a| a.as_str().cmp(c)).is_err())
            .collect();
        stale.sort_unstable();
        stale.dedup();
        for c in stale {
            chain_line(&mut self.nat_chains, c);
            self.nat_rules.push_str("-X ");
            self.nat_rules.push_str(c);
            self.nat_rules.push('\n');
        }
    }

    fn trailer(&mut self) {
        let r = Rule::new(&mut self.nat_rules, KUBE_SERVICES)
            .a("-m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL");
        if self.node.localhost_node_ports {
            r.j(KUBE_NODEPORTS).end();
        } else {
            r.a("! -d 127.0.0.0/8").j(KUBE_NODEPORTS).end();
        }
        let f = &mut self.filter_rules;
        if self.node.nfacct {
            Rule::new(f, KUBE_FORWARD).a("-m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP").end();
        } else {
            Rule::new(f, KUBE_FORWARD).a("-m conntrack --ctstate INVALID -j DROP").end();
        }
        Rule::new(f, KUBE_FORWARD).a("-m comment --comment \"kubernetes forwarding rules\" -m mark --mark").mark_mask().j("ACCEPT").end();
        Rule::new(f, KUBE_FORWARD)
            .a("-m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
            .end();
    }
}

/// What `writeServiceToEndpointRules` needs to fill a SVC or SVL chain.
struct Jumps<'a> {
    spn: &'a str,
    affinity: Option<u32>,
    large_cluster: bool,
    probabilities: &'a [String],
    names: &'a str,
    reachable: &'a [&'a Endpoint],
}

impl Jumps<'_> {
    /// The SEP chain names of `endpoints`, a subsequence of the reachable endpoints.
    fn seps<'e>(&'e self, endpoints: &'e [&'e Endpoint]) -> impl Iterator<Item = &'e str> + 'e {
        let mut cursor = 0;
        endpoints.iter().map(move |ep| {
            while cursor < self.reachable.len() && !std::ptr::eq(self.reachable[cursor], *ep) {
                cursor += 1;
            }
            let i = if cursor < self.reachable.len() {
                cursor
            } else {
                self.reachable.iter().position(|r| std::ptr::eq(*r, *ep)).expect("endpoint is reachable")
            };
            &self.names[sep_at(i)]
        })
    }

    /// Affinity checks first, then the probability ladder.
    fn write(&self, r: &mut String, chain: &str, endpoints: &[&Endpoint]) {
        if let Some(timeout) = self.affinity {
            for (ep, sep) in endpoints.iter().zip(self.seps(endpoints)) {
                let mut rule = Rule::new(r, chain);
                if !self.large_cluster {
                    rule = rule.comment_ep(self.spn, ep);
                }
                rule.a("-m recent --name").a(sep).a("--rcheck --seconds").num(timeout).a("--reap").j(sep).end();
            }
        }
        let n = endpoints.len();
        for (i, (ep, sep)) in endpoints.iter().zip(self.seps(endpoints)).enumerate() {
            let mut rule = Rule::new(r, chain);
            if !self.large_cluster {
                rule = rule.comment_ep(self.spn, ep);
            }
            if i + 1 < n {
                rule = rule.a("-m statistic --mode random --probability").a(&self.probabilities[n - i]);
            }
            rule.j(sep).end();
        }
    }
}
