//! `cargo bench -p fishbowl-core --bench network`: the data path.
//!
//! - Trace: a cross-node pod-to-pod TCP handshake (SYN, SYN-ACK, ACK through veth, cni0,
//!   flannel.1 VXLAN encapsulation, the underlay and back) on a 3-node cluster with warm ARP
//!   caches, repeated; wall time per trace (target <= 20 µs).
//! - Network state at scale: 5,000 nodes joining (root namespace, eth0, flannel.1, lease) and
//!   150,000 CNI ADDs (namespace, veth pair, address, routes); set-up time and the heap the
//!   network keeps per pod (target <= 1 KiB).
//!
//! `FISHBOWL_BENCH_SCALE=0.1` shrinks the scale part.

mod common;

use std::net::Ipv4Addr;
use std::time::Instant;

use common::Counting;
use fishbowl_core::net::forward::{Probe, TraceRequest};
use fishbowl_core::net::{CniArgs, NetConfig, Network, Placement};
use fishbowl_core::rng::SimRng;
use fishbowl_core::time::SimTime;

#[global_allocator]
static GLOBAL: Counting = Counting;

fn scale() -> f64 {
    std::env::var("FISHBOWL_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0)
}

fn placement(i: usize, large: bool) -> Placement {
    fishbowl_core::net::Underlay::SharedL2.place(i, large).expect("address on the underlay")
}

fn args(i: usize) -> CniArgs {
    CniArgs {
        container_id: format!("{i:064x}"),
        netns: format!("/var/run/netns/cni-{i:08x}-0000-4000-8000-000000000000"),
        ifname: "eth0".into(),
        pod: format!("default/pod-{i}"),
    }
}

/// A network of `nodes` nodes with `pods` pods spread round robin.
fn build(nodes: usize, pods: usize, rng: &mut SimRng) -> Network {
    let large = nodes > 200;
    let mut net = Network::new(NetConfig { large, ..Default::default() });
    let cidr: ipnet::Ipv4Net = if large { "10.0.0.0/8".parse().unwrap() } else { "10.244.0.0/16".parse().unwrap() };
    net.config.network = cidr;
    for (i, subnet) in cidr.subnets(24).unwrap().take(nodes).enumerate() {
        net.configure_node(&format!("node-{}", i + 1), subnet, placement(i, large), rng).unwrap();
    }
    for p in 0..pods {
        net.add(&format!("node-{}", p % nodes + 1), &args(p), rng).unwrap();
    }
    net
}

fn main() {
    // Trace: pod 0 on node-1 to pod 1 on node-2, port 80 listening everywhere.
    let mut rng = SimRng::seeded(1);
    let mut net = build(3, 3, &mut rng);
    let from = net.sandbox("node-1", &args(0).container_id).unwrap();
    let dst: Ipv4Addr = "10.244.1.2".parse().unwrap();
    let req = TraceRequest { from, dst, probe: Probe::Tcp(80), size: None };
    let listening = |_: &fishbowl_core::net::Owner, _: u8, port: u16| port == 80;
    let warm = net.trace(&req, SimTime(0), &mut rng, &listening);
    assert!(warm.outcome.text().contains("handshake complete"), "{}", warm.text());
    let runs = 20_000;
    let start = Instant::now();
    let mut hops = 0;
    for i in 0..runs {
        let t = net.trace(&req, SimTime(1_000 + i as u64), &mut rng, &listening);
        hops += t.hops.len();
    }
    let per = start.elapsed().as_secs_f64() / runs as f64;
    println!("trace: cross-node TCP handshake over vxlan, warm caches ({} hops)", hops / runs);
    println!("  per trace          {:>10.2} µs (target <= 20)", per * 1e6);

    let nodes = ((5_000.0 * scale()).round() as usize).max(3);
    let pods = ((150_000.0 * scale()).round() as usize).max(3);
    let base = common::start_counting();
    let start = Instant::now();
    let net = build(nodes, pods, &mut rng);
    let secs = start.elapsed().as_secs_f64();
    let (live, peak, allocs) = common::stop_counting(base);
    println!("network state: {nodes} nodes, {pods} pods");
    println!("  set-up             {secs:>10.3} s");
    println!("  retained heap      {:>10.1} MiB ({:.0} bytes per pod, target <= 1024)", live as f64 / (1 << 20) as f64, live as f64 / pods as f64);
    println!("  peak heap          {:>10.1} MiB", peak as f64 / (1 << 20) as f64);
    println!("  allocations        {:>10.1} per pod", allocs as f64 / pods as f64);
    drop(net);
}
