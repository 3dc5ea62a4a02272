//! The simulated network of the nodes.
//!
//! ```text
//! mod.rs   Network: per-node state the kubelet's CNI calls change
//! ```

/// Per-node network state. Part of the `Sim`, so snapshots carry it.
#[derive(Debug, Clone, Default)]
pub struct Network {}
