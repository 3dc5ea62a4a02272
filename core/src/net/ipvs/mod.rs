//! IPVS and IP sets: the kernel state kube-proxy's IPVS mode programs on a node.
//!
//! ```text
//! table.rs   virtual and real servers, round robin, ClientIP persistence, `ipvsadm -Ln`
//! ipset.rs   hash:ip / hash:ip,port / hash:ip,port,ip / hash:ip,port,net / bitmap:port
//!            sets, packet membership for `-m set`, `ipset list`
//! ```
//!
//! What a kube-proxy sync puts here is built in `kube_proxy::ipvs_mode`. The IPVS
//! connection table is not modelled beyond round-robin choice and persistence templates:
//! there are no connection entries, timeouts per TCP state, or `ipvsadm -Lnc` listing.

pub mod ipset;
pub mod table;

#[cfg(test)]
mod ipset_tests;
#[cfg(test)]
mod table_tests;

pub use ipset::{IpSet, IpSets, Member, SetType};
pub use table::{Ipvs, RealServer, VirtualServer, VsKey};
