//! # fishbowl-core
//!
//! A deterministic simulator of a Kubernetes cluster and the Linux data path beneath it.
//! It knows nothing of browsers: it builds and tests natively and for `wasm32-unknown-unknown`.
//!
//! ## Layers (dependencies point downwards)
//!
//! ```text
//! console, bin   one command line in, its output out (browser console and `fishbowl` CLI);
//!                trace_command: `trace` and `pcap`
//!                why_command: `why`, the scheduler's decision about a pod
//! kubectl        kubectl's commands, tables, describers and messages
//! shell          commands run on nodes and in containers (`node … --`, `kubectl exec`)
//! view           plain-data snapshots for the UI
//! controllers    level-triggered reconcilers woken by the watch log
//! scheduler      kube-scheduler's framework: cache, filter and score plugins, decisions
//! kubelet        one simulated kubelet per node: pod workers, image catalog, pod status
//! net            the data path: namespaces, devices, routes, ARP, bridge, flannel, traces
//! sim            Sim: clock, queue, RNG, bootstrap, the API server write path, apply, events
//! admission      LimitRange and ResourceQuota
//! store          versioned object store, the one mutation path, the ordered write (watch) log
//! api            kinds, manifests, decoding, defaulting, validation, quantities, diagnostics
//! time, rng      simulated time (integer µs) and the one seeded RNG
//! hashing        stable hashes for maps that are looked up, never iterated
//! ```
//!
//! ## Invariants
//! - Nothing reads a wall clock or OS randomness; same seed + same inputs ⇒ same outputs.
//! - Nothing iterates a hash map where the order could reach output.
//! - Bad user input becomes a [`api::Diagnostic`], never a panic.

pub mod admission;
pub mod api;
pub mod console;
pub mod controllers;
pub mod hashing;
pub mod kubectl;
pub mod kubelet;
pub mod net;
pub mod rng;
pub mod scheduler;
pub mod shell;
pub mod sim;
pub mod store;
pub mod time;
pub mod trace_command;
pub mod view;
pub mod why_command;
pub mod workload;
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
pub mod wasm_heap;

pub use sim::{ApplyOutcome, ApplyReport, ClusterConfig, Settled, Sim, Snapshot};
