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

/// What kube-proxy's IPVS mode keeps in one node's kernel besides iptables rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeIpvs {
    pub table: Ipvs,
    pub sets: IpSets,
    /// The conntrack entries of connections IPVS scheduled (`net.ipv4.vs.conntrack=1`, as
    /// kube-proxy sets it): their replies are rewritten by IPVS, not by nf_nat.
    pub conns: std::collections::BTreeSet<u64>,
}

impl NodeIpvs {
    /// Takes a sync's tables: services are replaced one by one, so round-robin positions and
    /// persistence templates of unchanged services survive, as in the kernel.
    pub fn update(&mut self, table: Ipvs, sets: IpSets) {
        let gone: Vec<VsKey> = self.table.services().map(VirtualServer::key).filter(|k| table.get(*k).is_none()).collect();
        for k in gone {
            self.table.remove(k);
        }
        for vs in table.services() {
            // Each came out of a valid table, so it has no duplicate destination.
            let _ = self.table.set(vs.clone());
        }
        self.sets = sets;
    }
}
