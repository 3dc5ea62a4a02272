//! `cargo bench -p fishbowl-core --bench control_plane`: write throughput and memory of the
//! API path. Prints the figures; asserts nothing (speed is measured, not tested).
//!
//! - 150,000 Pods created through the API server's write path (defaulting, validation,
//!   admission, resourceVersion, the write log), with a watcher consuming every event.
//! - Peak and retained heap per Pod, from a counting allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use fishbowl_core::{workload, ClusterConfig, Sim};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const PODS: usize = 150_000;

fn main() {
    let mut sim = Sim::new(ClusterConfig::default());
    let pods: Vec<_> = (0..PODS).map(workload::pod).collect();
    let base_live = LIVE.load(Ordering::Relaxed);
    PEAK.store(base_live, Ordering::Relaxed);

    let start = Instant::now();
    let watched = workload::write_pods(&mut sim, pods);
    let elapsed = start.elapsed();
    assert_eq!(watched, PODS, "every write reached the watcher");

    let live = LIVE.load(Ordering::Relaxed) - base_live;
    let peak = PEAK.load(Ordering::Relaxed) - base_live;
    let rate = PODS as f64 / elapsed.as_secs_f64();
    println!("control-plane write path: {PODS} Pods created through the API with watch delivery");
    println!("  wall time          {:>10.3} s", elapsed.as_secs_f64());
    println!("  throughput         {:>10.0} writes/s (target >= 200000)", rate);
    println!("  retained per Pod   {:>10.0} bytes (store + write log; target <= 4096)", live as f64 / PODS as f64);
    println!("  peak per Pod       {:>10.0} bytes", peak as f64 / PODS as f64);
}
