//! The benchmark workloads of `core/benches/` exported to JavaScript. Preparation and the timed
//! part are separate calls, so the harness times exactly what the native benchmark times.

use std::cell::RefCell;

use fishbowl_core::api::Object;
use fishbowl_core::{workload, ClusterConfig, Sim};
use wasm_bindgen::prelude::wasm_bindgen;

thread_local! {
    static PREPARED: RefCell<Option<(Sim, Vec<Object>)>> = const { RefCell::new(None) };
}

/// Builds a fresh cluster and `n` pods to write (not timed).
#[wasm_bindgen]
pub fn prepare_write_pods(n: u32) {
    let sim = Sim::new(ClusterConfig::default());
    let pods = (0..n as usize).map(workload::pod).collect();
    PREPARED.with(|p| *p.borrow_mut() = Some((sim, pods)));
}

/// Writes the prepared pods through the API path (timed); returns the watch events seen. The
/// cluster is kept until [`finish`], so freeing it is not timed (nor is it natively).
#[wasm_bindgen]
pub fn run_write_pods() -> u32 {
    PREPARED.with(|p| match p.borrow_mut().as_mut() {
        Some((sim, pods)) => workload::write_pods(sim, std::mem::take(pods)) as u32,
        None => 0,
    })
}

/// Frees the cluster (not timed).
#[wasm_bindgen]
pub fn finish() {
    PREPARED.with(|p| p.borrow_mut().take());
}

// The same allocator as the shipped app.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: fishbowl_core::wasm_heap::WasmHeap = fishbowl_core::wasm_heap::allocator();

thread_local! {
    static CLUSTER: RefCell<Option<(Sim, Vec<Object>)>> = const { RefCell::new(None) };
}

/// The whole-cluster benchmark of `core/benches/cluster.rs`: a cluster of `nodes` nodes and
/// `deployments` Deployments of `replicas` pods to apply (not timed).
#[wasm_bindgen]
pub fn prepare_cluster(nodes: u32, deployments: u32, replicas: u32) {
    use fishbowl_core::controllers::Controller;
    let sim = Sim::new(workload::scale_config(nodes as usize, Controller::ALL));
    let objects = (0..deployments as usize).map(|i| workload::deployment(i, replicas)).collect();
    CLUSTER.with(|c| *c.borrow_mut() = Some((sim, objects)));
}

/// Applies the Deployments and settles (timed); returns the pods Running and Ready.
#[wasm_bindgen]
pub fn run_cluster() -> u32 {
    CLUSTER.with(|c| match c.borrow_mut().as_mut() {
        Some((sim, objects)) => {
            workload::apply_all(sim, std::mem::take(objects));
            sim.settle(u64::MAX);
            workload::running_ready(sim).0 as u32
        }
        None => 0,
    })
}

/// Frees the cluster (not timed).
#[wasm_bindgen]
pub fn finish_cluster() {
    CLUSTER.with(|c| c.borrow_mut().take());
}
