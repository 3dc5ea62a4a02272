//! kube-proxy: programs netfilter (iptables mode), IPVS or its own proxy from Services and EndpointSlices.
//!
//! ```text
//! model.rs      ServicePort / Endpoint: what kube-proxy keeps of a Service and its slices;
//!               categorize(): the endpoints one node uses per traffic policy
//! cleanup.rs    what kube-proxy removes when it starts in another mode
//! hash.rs       chain names: KUBE-SVC/SVL/EXT/FW-<16> and KUBE-SEP-<16> (sha256, base32)
//! health.rs     the health check server on a Local Service's healthCheckNodePort
//! iptables.rs   the full-sync iptables-restore input, the hook jumps, probabilities
//! ipvs_mode.rs  IPVS mode: virtual servers, ipsets, iptables-restore input, kube-ipvs0 addresses
//! mode.rs       `--proxy-mode`
//! synthetic.rs  generated inputs for benchmarks
//! userspace.rs  userspace mode: the proxy's sockets, round robin, the portal rules
//! ```
//!
//! This module generates what a sync writes; the caller (`controllers::kube_proxy`) decides
//! when a node syncs and hands the result to the node's netfilter and IPVS tables.
//!
//! Where the model is simpler than kube-proxy:
//! - IPv4 only (no IPv6 proxier, no dual-stack meta-proxier).
//! - No topology-aware routing: zone and node hints and `trafficDistribution` are ignored;
//!   every ready endpoint is usable from every node.
//! - Every sync is a full sync; there are no partial syncs that skip unchanged services,
//!   and stale chains are deleted only when the caller says which exist.
//! - Node-port addresses are all local addresses; local traffic is detected by cluster CIDR.
//! - Rule order between service ports is fixed (service port name, then protocol), where
//!   kube-proxy's follows Go map iteration.

pub mod cleanup;
pub mod hash;
pub mod health;
pub mod iptables;
pub mod ipvs_mode;
pub mod mode;
pub mod model;
pub mod synthetic;
pub mod userspace;

#[cfg(test)]
mod hash_tests;
#[cfg(test)]
mod iptables_tests;
#[cfg(test)]
mod ipvs_mode_tests;
#[cfg(test)]
mod model_tests;

pub use hash::{ext_chain, fw_chain, sep_chain, spn, svc_chain, svl_chain};
pub use iptables::{hook_jumps, restore_input, write_restore_input, NodeContext};
pub use mode::ProxyMode;
pub use model::{categorize, service_ports, Endpoint, Proto, ServicePort};
