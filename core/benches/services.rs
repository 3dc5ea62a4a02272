//! `cargo bench -p fishbowl-core --bench services`: Services as kube-proxy programs them.
//!
//! iptables mode, with 10,000 ClusterIP Services of 2 endpoints each:
//! - Full sync: generating kube-proxy's `iptables-restore` input and applying it to a node's
//!   netfilter (`Netfilter::full_sync`); median wall time of several syncs (target <= 100 ms),
//!   each part on its own, and the rules and chains it leaves.
//! - Trace: a cross-node pod → ClusterIP → pod TCP handshake on a 3-node vxlan cluster with
//!   warm ARP caches, every node programmed with the 10,000 Services plus the hook jumps; the
//!   traced Service is the last one in nat KUBE-SERVICES, so every new connection scans all
//!   the other Services' rules first (the worst case for a linear scan). Wall time per trace
//!   (target <= 100 µs), and the same trace with that one Service alone for contrast. Each
//!   trace is a new connection: the nodes' conntrack tables are emptied between traces (not
//!   timed), as a new client would come from a new source port.
//! - Heap: the bytes one node's netfilter holds with the 10,000 Services.
//!
//! - IPVS mode: the same cluster with the Services as IPVS virtual servers (and ipsets, the
//!   mode's fixed rules, the addresses on `kube-ipvs0`): the sync per node, and the same trace
//!   with 10,000 Services and with one (the contrast with iptables mode is the point).
//!
//! Sections print in order: iptables mode, then IPVS mode.

mod common;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use common::Counting;
use fishbowl_core::net::forward::{Probe, TraceRequest};
use fishbowl_core::net::kube_proxy::hash::is_service_chain;
use fishbowl_core::net::kube_proxy::iptables::canary_chains;
use fishbowl_core::net::kube_proxy::model::{cmp_addr, sort_ports};
use fishbowl_core::net::kube_proxy::{hook_jumps, ipvs_mode, restore_input, spn, svc_chain, synthetic, Endpoint, NodeContext, Proto, ServicePort};
use fishbowl_core::net::netfilter::rule::Target;
use fishbowl_core::net::netfilter::{Netfilter, TableId};
use fishbowl_core::net::trace::Outcome;
use fishbowl_core::net::{CniArgs, NetConfig, Network, NsId, Placement};
use fishbowl_core::rng::SimRng;
use fishbowl_core::time::SimTime;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Services in the scale runs.
const SERVICES: usize = 10_000;
/// Endpoints per synthetic Service.
const ENDPOINTS: usize = 2;
/// Full syncs timed; the median is reported.
const SYNC_RUNS: usize = 7;
/// The traced Service: `default/web` port `http` 80 → 8080. Its name sorts after every
/// synthetic `bench-<i>/svc`, so its rule is the last Service rule in KUBE-SERVICES.
const WEB_IP: Ipv4Addr = Ipv4Addr::new(10, 96, 128, 10);
const WEB_PORT: u16 = 80;
const WEB_TARGET_PORT: u16 = 8080;
const NODES: usize = 3;

fn main() {
    // iptables mode. The heap is measured first, in a fresh process: rules other sections made
    // and dropped would otherwise be freed while it counts (netfilter's shared-rule map keeps
    // their memory until it prunes), making the figure look smaller than it is.
    let heap = heap();
    full_sync();
    trace(SERVICES - 1, 2_000);
    trace(0, 20_000);
    print!("{heap}");
    // IPVS mode: the same traces; the Service lookup is a hash, so the 10,000 cost about what one does.
    trace_ipvs(SERVICES - 1, 2_000);
    trace_ipvs(0, 20_000);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn owned(chain: &str) -> bool {
    is_service_chain(chain)
}

fn full_sync() {
    let (ports, node) = synthetic::cluster(SERVICES, ENDPOINTS);
    let mut nf = Netfilter::default();
    let (mut generate, mut restore, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut input_len = 0;
    for _ in 0..SYNC_RUNS {
        let start = Instant::now();
        let input = restore_input(&ports, &node);
        let generated = Instant::now();
        nf.full_sync(&input, owned).expect("kube-proxy's own input restores");
        let done = Instant::now();
        generate.push(generated - start);
        restore.push(done - generated);
        total.push(done - start);
        input_len = input.len();
    }
    let first = total[0];
    let nat = nf.tables.get(TableId::Nat);
    let filter = nf.tables.get(TableId::Filter);
    println!("iptables full sync: {SERVICES} Services x {ENDPOINTS} endpoints ({SYNC_RUNS} syncs, the first into empty tables)");
    println!("  per sync           {:>10.2} ms median (target <= 100)", ms(median(total)));
    println!("  generate           {:>10.2} ms median", ms(median(generate)));
    println!("  restore            {:>10.2} ms median", ms(median(restore)));
    println!("  first sync         {:>10.2} ms", ms(first));
    println!("  restore input      {:>10.1} MiB", input_len as f64 / (1 << 20) as f64);
    println!("  rules              {:>10} ({} nat, {} filter)", nf.tables.rule_count(), nat.rule_count(), filter.rule_count());
    println!("  chains             {:>10} ({} nat, {} filter)", nat.chains.len() + filter.chains.len(), nat.chains.len(), filter.chains.len());
}

fn placement(i: usize) -> Placement {
    fishbowl_core::net::Underlay::SharedL2.place(i, false).expect("address on the underlay")
}

fn args(i: usize) -> CniArgs {
    CniArgs {
        container_id: format!("{i:064x}"),
        netns: format!("/var/run/netns/cni-{i:08x}-0000-4000-8000-000000000000"),
        ifname: "eth0".into(),
        pod: format!("default/pod-{i}"),
    }
}

/// A 3-node vxlan cluster with one pod per node, and the service ports: `synthetic` Services
/// plus `default/web`, whose endpoints are the pods on node-2 and node-3, in kube-proxy's order.
fn nodes_and_ports(synthetic: usize, rng: &mut SimRng) -> (Network, Vec<String>, Vec<ServicePort>) {
    let mut net = Network::new(NetConfig::default());
    let cidr = net.config.network;
    let names: Vec<String> = (1..=NODES).map(|i| format!("node-{i}")).collect();
    for (i, subnet) in cidr.subnets(24).expect("a /16 holds /24s").take(NODES).enumerate() {
        net.configure_node(&names[i], subnet, placement(i), rng).expect("node joins");
    }
    let pods: Vec<Ipv4Addr> = (0..NODES).map(|p| net.add(&names[p], &args(p), rng).expect("CNI ADD").ip).collect();
    let (mut ports, _) = synthetic::cluster(synthetic, ENDPOINTS);
    let mut web = ServicePort::cluster_ip("default", "web", "http", WEB_IP, WEB_PORT);
    web.endpoints = vec![Endpoint::ready(pods[1], WEB_TARGET_PORT, Some(&names[1])), Endpoint::ready(pods[2], WEB_TARGET_PORT, Some(&names[2]))];
    web.endpoints.sort_by(cmp_addr);
    ports.push(web);
    sort_ports(&mut ports);
    assert_eq!(ports.len(), synthetic + 1);
    (net, names, ports)
}

/// The cluster of [`nodes_and_ports`] in iptables mode: every node programmed with `synthetic`
/// Services plus `default/web`, whose endpoints are the pods on node-2 and node-3. Returns
/// the network, the nodes' root namespaces and the request from the pod on node-1.
fn cluster(synthetic: usize, rng: &mut SimRng) -> (Network, Vec<NsId>, TraceRequest) {
    let (mut net, names, ports) = nodes_and_ports(synthetic, rng);
    let cidr = net.config.network;

    let mut roots = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let root = net.node(name).expect("node exists").root;
        let input = restore_input(&ports, &NodeContext::new(name, vec![placement(i).ip], cidr));
        let nf = net.netfilter_mut(root).expect("the node has netfilter state");
        for (table, chain) in canary_chains() {
            nf.restore(&format!("*{table}\n:{chain} - [0:0]\nCOMMIT\n")).expect("canary chain");
        }
        nf.full_sync(&input, owned).expect("kube-proxy's own input restores");
        for (table, chain, spec) in hook_jumps() {
            let t = TableId::parse(table).expect("known table");
            nf.ensure_first(t, chain, &spec).expect("hook jump");
        }
        roots.push(root);
    }

    // The traced Service's rule is the last Service rule of nat KUBE-SERVICES.
    let web_chain = svc_chain(&spn("default", "web", "http"), Proto::Tcp);
    let nf = net.netfilter(roots[0]).expect("node-1 has netfilter state");
    let services = nf.tables.get(TableId::Nat).chain("KUBE-SERVICES").expect("KUBE-SERVICES exists");
    let svc_jumps: Vec<&str> = services
        .rules
        .iter()
        .filter_map(|r| match &r.target {
            Target::Jump(to) if to.starts_with("KUBE-SVC-") => Some(to.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(svc_jumps.len(), synthetic + 1, "one KUBE-SERVICES rule per Service");
    assert_eq!(svc_jumps.last().copied(), Some(web_chain.as_str()), "default/web is the last Service rule");

    let from = net.sandbox(&names[0], &args(0).container_id).expect("pod on node-1");
    (net, roots, TraceRequest { from, dst: WEB_IP, probe: Probe::Tcp(WEB_PORT), size: None })
}

/// Times `runs` traces through `default/web` with `synthetic` other Services programmed.
/// `runs` traces of `req`, each a new connection (the nodes' conntrack tables are emptied
/// between traces, untimed), and the wall time of each.
fn timed_traces(net: &mut Network, roots: &[NsId], req: &TraceRequest, rng: &mut SimRng, runs: usize) -> Vec<Duration> {
    let listening = |_: &fishbowl_core::net::Owner, _: u8, port: u16| port == WEB_TARGET_PORT;
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        for &root in roots {
            net.netfilter_mut(root).expect("node netfilter").conntrack = Default::default();
        }
        let start = Instant::now();
        let t = net.trace(req, SimTime(1_000 + i as u64), rng, &listening);
        times.push(start.elapsed());
        assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    }
    times
}

fn trace(synthetic: usize, runs: usize) {
    let mut rng = SimRng::seeded(1);
    let (mut net, roots, req) = cluster(synthetic, &mut rng);
    let listening = |_: &fishbowl_core::net::Owner, _: u8, port: u16| port == WEB_TARGET_PORT;
    let warm = net.trace(&req, SimTime(0), &mut rng, &listening);
    assert!(matches!(warm.outcome, Outcome::Delivered(_)), "{}", warm.text());
    assert!(warm.text().contains("flannel.1"), "the handshake crosses nodes over vxlan:\n{}", warm.text());
    let hops = warm.hops.len();
    let times = timed_traces(&mut net, &roots, &req, &mut rng, runs);
    let mean = times.iter().sum::<Duration>().as_secs_f64() / runs as f64;
    let services = synthetic + 1;
    println!("iptables trace: pod -> ClusterIP -> pod TCP handshake across nodes over vxlan, warm caches ({hops} hops)");
    println!("  Services programmed {services:>9} on each of {NODES} nodes (the traced one last in KUBE-SERVICES)");
    println!("  per trace          {:>10.2} µs mean, {:.2} µs median ({runs} traces, target <= 100)", mean * 1e6, median(times).as_secs_f64() * 1e6);
}

/// The heap section's text.
fn heap() -> String {
    let (ports, node) = synthetic::cluster(SERVICES, ENDPOINTS);
    let input = restore_input(&ports, &node);
    let base = common::start_counting();
    let mut nf = Netfilter::default();
    nf.full_sync(&input, owned).expect("kube-proxy's own input restores");
    for (table, chain, spec) in hook_jumps() {
        nf.ensure_first(TableId::parse(table).expect("known table"), chain, &spec).expect("hook jump");
    }
    let (live, peak, allocs) = common::stop_counting(base);
    let rules = nf.tables.rule_count();
    drop(nf);
    let mut out = format!("iptables netfilter heap: one node, {SERVICES} Services x {ENDPOINTS} endpoints ({rules} rules)\n");
    out += &format!("  retained heap      {:>10} bytes ({:.1} MiB, {:.0} bytes per rule)\n", live, live as f64 / (1 << 20) as f64, live as f64 / rules as f64);
    out += &format!("  peak during sync   {:>10.1} MiB\n", peak as f64 / (1 << 20) as f64);
    out += &format!("  allocations        {:>10}\n", allocs);
    out
}

/// The same cluster in IPVS mode: every node holds the 10,000 Services as virtual servers
/// (plus ipsets and the mode's fixed rules), the service addresses on `kube-ipvs0`.
fn cluster_ipvs(synthetic: usize, rng: &mut SimRng) -> (Network, Vec<NsId>, TraceRequest, Duration) {
    let (mut net, names, ports) = nodes_and_ports(synthetic, rng);
    let cidr = net.config.network;

    let mut roots = Vec::new();
    let mut syncs = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let root = net.node(name).expect("node exists").root;
        let start = Instant::now();
        let node_ips = vec![placement(i).ip];
        let state = ipvs_mode::sync(&ports, &NodeContext::new(name, node_ips, cidr));
        let addrs: Vec<Ipv4Addr> = state.dummy_addrs.iter().map(|n| n.addr()).collect();
        let nf = net.netfilter_mut(root).expect("the node has netfilter state");
        nf.full_sync(&state.restore, |_| false).expect("kube-proxy's own input restores");
        for (table, chain, spec) in ipvs_mode::hook_jumps() {
            nf.ensure_first(TableId::parse(table).expect("known table"), chain, &spec).expect("hook jump");
        }
        net.set_ipvs(root, state.ipvs, state.ipsets, ipvs_mode::DUMMY_DEVICE, &addrs, rng);
        syncs.push(start.elapsed());
        roots.push(root);
    }
    let from = net.sandbox(&names[0], &args(0).container_id).expect("pod on node-1");
    (net, roots, TraceRequest { from, dst: WEB_IP, probe: Probe::Tcp(WEB_PORT), size: None }, median(syncs))
}

fn trace_ipvs(synthetic: usize, runs: usize) {
    let mut rng = SimRng::seeded(1);
    let (mut net, roots, req, sync) = cluster_ipvs(synthetic, &mut rng);
    let listening = |_: &fishbowl_core::net::Owner, _: u8, port: u16| port == WEB_TARGET_PORT;
    let warm = net.trace(&req, SimTime(0), &mut rng, &listening);
    assert!(matches!(warm.outcome, Outcome::Delivered(_)), "{}", warm.text());
    assert!(warm.text().contains("IPVS TCP 10.96.128.10:80 rr: new connection"), "IPVS schedules the connection:\n{}", warm.text());
    let hops = warm.hops.len();
    let times = timed_traces(&mut net, &roots, &req, &mut rng, runs);
    let mean = times.iter().sum::<Duration>().as_secs_f64() / runs as f64;
    let services = synthetic + 1;
    println!("IPVS trace: pod -> ClusterIP -> pod TCP handshake across nodes over vxlan, warm caches ({hops} hops)");
    println!("  Services programmed {services:>9} on each of {NODES} nodes (virtual servers, ipsets, kube-ipvs0 addresses)");
    println!("  sync per node      {:>10.2} ms median (virtual servers, ipsets, rules, kube-ipvs0)", ms(sync));
    println!("  per trace          {:>10.2} µs mean, {:.2} µs median ({runs} traces, target <= 100)", mean * 1e6, median(times).as_secs_f64() * 1e6);
}
