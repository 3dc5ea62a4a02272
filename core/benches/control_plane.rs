//! `cargo bench -p fishbowl-core --bench control_plane`: write throughput and memory of the
//! API path. Prints the figures; asserts nothing (speed is measured, not tested).
//!
//! - 150,000 Pods created through the API server's write path (defaulting, validation,
//!   admission, resourceVersion, the write log), with a watcher consuming every event.
//! - Throughput is timed with allocation counting off: cold (the process's first run, paying
//!   for fresh pages), then warm (memory reused; the median of several runs). A last run
//!   counts allocations and reports peak and retained heap per Pod.
//! - Taking and restoring a snapshot of the cluster at that size.

mod common;

use std::sync::atomic::Ordering;
use std::time::Instant;

use common::{Counting, ALLOCS, COUNTING, LIVE, PEAK};
use fishbowl_core::{workload, ClusterConfig, Sim};

#[global_allocator]
static GLOBAL: Counting = Counting;

const PODS: usize = 150_000;
/// Warm runs timed; the median is reported (the machines this runs on are noisy).
const WARM_RUNS: usize = 5;

/// One timed run on a fresh cluster (the cluster is freed after the clock stops).
fn timed_run() -> f64 {
    let mut sim = Sim::new(ClusterConfig::default());
    let pods: Vec<_> = (0..PODS).map(workload::pod).collect();
    let start = Instant::now();
    let watched = workload::write_pods(&mut sim, pods);
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(watched, PODS, "every write reached the watcher");
    drop(sim);
    elapsed
}

fn main() {
    // Throughput, counting off: the first run in the process (the allocator must fault in
    // fresh pages) and a second one reusing the memory the first freed.
    let cold = timed_run();
    let mut warm_runs: Vec<f64> = (0..WARM_RUNS).map(|_| timed_run()).collect();
    warm_runs.sort_by(f64::total_cmp);
    let warm = warm_runs[WARM_RUNS / 2];
    let best = warm_runs[0];

    // Snapshots of the full cluster: what going back in time costs at this size.
    let mut sim = Sim::new(ClusterConfig::default());
    workload::write_pods(&mut sim, (0..PODS).map(workload::pod).collect());
    let mut snap_times: Vec<f64> = (0..WARM_RUNS)
        .map(|_| {
            let start = Instant::now();
            let snapshot = sim.snapshot();
            let elapsed = start.elapsed().as_secs_f64();
            drop(snapshot);
            elapsed
        })
        .collect();
    snap_times.sort_by(f64::total_cmp);
    let start = Instant::now();
    let snapshot = sim.snapshot();
    sim.restore(&snapshot);
    let restore = start.elapsed().as_secs_f64() - snap_times[WARM_RUNS / 2];
    drop((sim, snapshot));

    // Memory: the same workload again, counting every allocation it makes.
    COUNTING.store(true, Ordering::Relaxed);
    let mut sim = Sim::new(ClusterConfig::default());
    let pods: Vec<_> = (0..PODS).map(workload::pod).collect();
    let base_live = LIVE.load(Ordering::Relaxed);
    PEAK.store(base_live, Ordering::Relaxed);
    let base_allocs = ALLOCS.load(Ordering::Relaxed);
    let counted_start = Instant::now();
    let watched = workload::write_pods(&mut sim, pods);
    let counted_elapsed = counted_start.elapsed();
    COUNTING.store(false, Ordering::Relaxed);
    assert_eq!(watched, PODS, "every write reached the watcher");

    let live = LIVE.load(Ordering::Relaxed) - base_live;
    let peak = PEAK.load(Ordering::Relaxed) - base_live;
    let allocs = ALLOCS.load(Ordering::Relaxed) - base_allocs;
    let per_pod = |bytes: isize| bytes as f64 / PODS as f64;
    println!("control-plane write path: {PODS} Pods created through the API with watch delivery");
    println!("  wall time, cold    {cold:>10.3} s   (first run: fresh memory)");
    println!("  wall time, warm    {warm:>10.3} s   (median of {WARM_RUNS} later runs; best {best:.3} s)");
    println!("  throughput, cold   {:>10.0} writes/s", PODS as f64 / cold);
    println!("  throughput, warm   {:>10.0} writes/s (median; target >= 200000)", PODS as f64 / warm);
    println!("snapshots of the cluster holding those {PODS} Pods:");
    println!("  snapshot           {:>10.2} ms (median of {WARM_RUNS})", snap_times[WARM_RUNS / 2] * 1e3);
    println!("  restore            {:>10.2} ms", restore.max(0.0) * 1e3);
    println!("memory (a last run, with a counting allocator, {:.3} s):", counted_elapsed.as_secs_f64());
    println!("  retained per Pod   {:>10.0} bytes (store + write log; target <= 4096)", per_pod(live));
    println!("  peak per Pod       {:>10.0} bytes", per_pod(peak));
    println!("  allocations / Pod  {:>10.1}", allocs as f64 / PODS as f64);
}
