//! `cargo bench -p fishbowl-core --bench cluster`: the whole control plane at scale. Prints the
//! figures; asserts only that the work was done (speed is measured, not tested).
//!
//! - Scheduler alone: 5,000 nodes, 150,000 unbound Pods, only `default-scheduler` running;
//!   pods bound per second of wall time.
//! - Everything: 5,000 nodes, 1,500 Deployments × 100 replicas applied as one action, then
//!   settled until every Pod is Running and Ready (Deployment → ReplicaSet → Pods → scheduler →
//!   kubelets → endpoints). Wall time, then a second run with allocation counting for the
//!   peak heap.
//!
//! `FISHBOWL_BENCH_SCALE=0.1` shrinks every count (for a quick look).

mod common;

use std::time::Instant;

use common::Counting;
use fishbowl_core::controllers::Controller;
use fishbowl_core::{workload, Settled, Sim};

#[global_allocator]
static GLOBAL: Counting = Counting;

fn scale() -> f64 {
    std::env::var("FISHBOWL_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0)
}

fn scaled(n: usize) -> usize {
    ((n as f64 * scale()).round() as usize).max(1)
}

fn scheduler_alone(nodes: usize, pods: usize) -> (f64, usize) {
    let mut sim = Sim::new(workload::scale_config(nodes, &[Controller::Scheduler]));
    workload::write_pods(&mut sim, (0..pods).map(workload::pod).collect());
    let start = Instant::now();
    sim.after_action();
    let settled = sim.settle(u64::MAX);
    let elapsed = start.elapsed().as_secs_f64();
    assert!(matches!(settled, Settled::Quiescent { .. }));
    let (bound, _) = workload::bound(&sim);
    (elapsed, bound)
}

/// Builds the cluster (not timed), then applies and settles (timed).
fn everything(nodes: usize, deployments: usize, replicas: u32) -> (f64, f64, usize, usize, Sim) {
    let start = Instant::now();
    let mut sim = Sim::new(workload::scale_config(nodes, Controller::ALL));
    let bootstrap = start.elapsed().as_secs_f64();
    let objects = (0..deployments).map(|i| workload::deployment(i, replicas)).collect();
    let start = Instant::now();
    workload::apply_all(&mut sim, objects);
    let settled = sim.settle(u64::MAX);
    let elapsed = start.elapsed().as_secs_f64();
    assert!(matches!(settled, Settled::Quiescent { .. }));
    let (ready, all) = workload::running_ready(&sim);
    (bootstrap, elapsed, ready, all, sim)
}

fn main() {
    let nodes = scaled(5_000);
    let pods = scaled(150_000);
    let deployments = scaled(1_500);

    let (secs, bound) = scheduler_alone(nodes, pods);
    println!("scheduler alone: {pods} pods onto {nodes} nodes");
    println!("  wall time          {secs:>10.3} s   ({bound} bound)");
    println!("  throughput         {:>10.0} pods/s (target >= 7000)", bound as f64 / secs);

    let (boot, secs, ready, all, sim) = everything(nodes, deployments, 100);
    drop(sim);
    println!("whole cluster: {deployments} Deployments x 100 replicas on {nodes} nodes");
    println!("  bootstrap          {boot:>10.3} s   (nodes registered)");
    println!("  apply + settle     {secs:>10.3} s   (target <= 10 s; {ready}/{all} pods Running and Ready)");

    let base = common::start_counting();
    let (_, _, _, _, sim) = everything(nodes, deployments, 100);
    let (live, peak, allocs) = common::stop_counting(base);
    println!("memory (a second run, counting allocations):");
    println!("  peak heap          {:>10.1} MiB (target <= 1024)", peak as f64 / (1 << 20) as f64);
    println!("  retained heap      {:>10.1} MiB ({:.0} bytes per pod)", live as f64 / (1 << 20) as f64, live as f64 / all.max(1) as f64);
    println!("  allocations        {:>10.1} per pod", allocs as f64 / all.max(1) as f64);
    let (pod_widths, event_widths) = struct_widths(&sim);
    println!("  k8s-openapi widths {:>10.0} bytes per pod ({pod_widths:.0} in the Pod, {event_widths:.0} in Events;", pod_widths + event_widths);
    println!("                     the fixed struct sizes alone, before any string, map or index)");
    let (pod_json, event_json, decode_us) = encoded(&sim, 10_000);
    println!("  encoded as JSON    {:>10.0} bytes per pod ({pod_json:.0} the Pod, {event_json:.0} its Events);", pod_json + event_json);
    println!("                     decoding one Pod takes {decode_us:.1} us (what storing objects encoded would cost per read)");
    drop(sim);
}

/// What keeping objects encoded instead would cost and save, over the first `sample` Pods:
/// JSON bytes per Pod, JSON bytes of Events per Pod (all Events), and microseconds to decode
/// one Pod back into its k8s-openapi value.
fn encoded(sim: &Sim, sample: usize) -> (f64, f64, f64) {
    use fishbowl_core::api::{Kind, Object};
    use k8s_openapi::api::core::v1 as core;
    let docs: Vec<Vec<u8>> = sim
        .store()
        .list(Kind::Pod, None)
        .filter_map(|o| match o.as_ref() {
            Object::Pod(p) => serde_json::to_vec(p.as_ref()).ok(),
            _ => None,
        })
        .take(sample)
        .collect();
    let pods = sim.store().list(Kind::Pod, None).count().max(1) as f64;
    let event_bytes: usize = sim
        .store()
        .list(Kind::Event, None)
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) => serde_json::to_vec(e.as_ref()).ok().map(|v| v.len()),
            _ => None,
        })
        .sum();
    let start = Instant::now();
    let decoded = docs.iter().filter(|d| serde_json::from_slice::<core::Pod>(d).is_ok()).count();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(decoded, docs.len());
    let n = docs.len().max(1) as f64;
    (docs.iter().map(Vec::len).sum::<usize>() as f64 / n, event_bytes as f64 / pods, secs * 1e6 / n)
}

/// The bytes per pod that the stored k8s-openapi values occupy by their fixed struct sizes
/// alone (each `Option` field takes its full width whether set or not): the Pods with their
/// nested lists, and the Events. Strings, maps, indexes and allocator overhead come on top.
fn struct_widths(sim: &Sim) -> (f64, f64) {
    use fishbowl_core::api::{Kind, Object};
    use k8s_openapi::api::core::v1 as core;
    use std::mem::size_of;
    let (mut pods, mut pod_bytes) = (0usize, 0usize);
    for obj in sim.store().list(Kind::Pod, None) {
        let Object::Pod(p) = obj.as_ref() else { continue };
        pods += 1;
        pod_bytes += size_of::<core::Pod>();
        let meta = &p.metadata;
        pod_bytes += meta.owner_references.as_ref().map_or(0, |o| o.len() * size_of::<k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference>());
        if let Some(spec) = &p.spec {
            let containers = spec.containers.iter().chain(spec.init_containers.iter().flatten());
            for c in containers {
                pod_bytes += size_of::<core::Container>();
                pod_bytes += c.ports.as_ref().map_or(0, |v| v.len() * size_of::<core::ContainerPort>());
                pod_bytes += c.volume_mounts.as_ref().map_or(0, |v| v.len() * size_of::<core::VolumeMount>());
                pod_bytes += c.env.as_ref().map_or(0, |v| v.len() * size_of::<core::EnvVar>());
            }
            for v in spec.volumes.iter().flatten() {
                pod_bytes += size_of::<core::Volume>();
                pod_bytes += v.projected.as_ref().and_then(|p| p.sources.as_ref()).map_or(0, |s| s.len() * size_of::<core::VolumeProjection>());
            }
            pod_bytes += spec.tolerations.as_ref().map_or(0, |v| v.len() * size_of::<core::Toleration>());
        }
        if let Some(status) = &p.status {
            pod_bytes += status.conditions.as_ref().map_or(0, |v| v.len() * size_of::<core::PodCondition>());
            pod_bytes += status.container_statuses.as_ref().map_or(0, |v| v.len() * size_of::<core::ContainerStatus>());
            pod_bytes += status.pod_ips.as_ref().map_or(0, |v| v.len() * size_of::<core::PodIP>());
            pod_bytes += status.host_ips.as_ref().map_or(0, |v| v.len() * size_of::<core::HostIP>());
        }
    }
    let events = sim.store().list(Kind::Event, None).count();
    let pods = pods.max(1) as f64;
    (pod_bytes as f64 / pods, (events * size_of::<core::Event>()) as f64 / pods)
}
