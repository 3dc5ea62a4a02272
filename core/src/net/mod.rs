//! The simulated network of the nodes.
//!
//! ```text
//! mod.rs   Network: per-node state the kubelet's CNI calls change; the CNI ADD/DEL surface
//! ipam.rs  host-local IPAM over the node's podCIDR (round robin, last_reserved_ip)
//! ```
//!
//! The kubelet (through the container runtime) calls the network plugin once per pod sandbox:
//! `ADD` with the sandbox's container id, its network namespace (`/var/run/netns/cni-<uuid>`)
//! and the interface name `eth0`; `DEL` with the same arguments when the sandbox is torn down.
//! The plugin chain is flannel → bridge (`cni0`, gateway = first address of the node subnet)
//! → host-local IPAM; the result is the pod's address, prefix and gateway.

pub mod ipam;
pub mod pcap;
pub mod tcpdump;
pub mod wire;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

pub use ipam::HostLocal;

/// The network name in flannel's `10-flannel.conflist` (the directory host-local keeps its
/// reservations in: `/var/lib/cni/networks/cbr0`).
pub const NETWORK_NAME: &str = "cbr0";
/// The bridge the bridge plugin creates on each node.
pub const BRIDGE: &str = "cni0";

/// What the runtime passes to a CNI plugin (`CNI_CONTAINERID`, `CNI_NETNS`, `CNI_IFNAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CniArgs {
    pub container_id: String,
    pub netns: String,
    pub ifname: String,
}

/// What ADD returns (the `ips` entry of the CNI result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CniResult {
    pub ip: Ipv4Addr,
    pub prefix: u8,
    pub gateway: Ipv4Addr,
    pub interface: String,
    pub sandbox: String,
}

/// A pod interface the plugin has set up on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub args: CniArgs,
    pub ip: Ipv4Addr,
}

/// One node's network: the bridge's subnet, the IPAM store, and the attached sandboxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeNet {
    pub ipam: HostLocal,
    /// Attached sandboxes by container id.
    pub attachments: BTreeMap<String, Attachment>,
}

/// Per-node network state. Part of the `Sim`, so snapshots carry it.
#[derive(Debug, Clone, Default)]
pub struct Network {
    nodes: BTreeMap<String, NodeNet>,
}

impl Network {
    /// Sets up a node's bridge network over its podCIDR (what flannel's subnet lease and the
    /// bridge plugin's first run do). Idempotent: a node already configured keeps its state.
    pub fn configure_node(&mut self, node: &str, pod_cidr: Ipv4Net) -> Result<(), String> {
        if self.nodes.contains_key(node) {
            return Ok(());
        }
        let ipam = HostLocal::new(pod_cidr)?;
        self.nodes.insert(node.to_string(), NodeNet { ipam, attachments: BTreeMap::new() });
        Ok(())
    }

    pub fn node(&self, node: &str) -> Option<&NodeNet> {
        self.nodes.get(node)
    }

    pub fn nodes(&self) -> impl Iterator<Item = (&String, &NodeNet)> {
        self.nodes.iter()
    }

    /// CNI ADD on `node`: reserve an address and attach the sandbox.
    pub fn add(&mut self, node: &str, args: &CniArgs) -> Result<CniResult, String> {
        let Some(net) = self.nodes.get_mut(node) else {
            return Err("loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory".into());
        };
        let ip = net.ipam.allocate(&args.container_id, &args.ifname)?;
        net.attachments.insert(args.container_id.clone(), Attachment { args: args.clone(), ip });
        Ok(CniResult {
            ip,
            prefix: net.ipam.subnet().prefix_len(),
            gateway: net.ipam.gateway(),
            interface: args.ifname.clone(),
            sandbox: args.netns.clone(),
        })
    }

    /// CNI DEL on `node`: release the address and detach. Deleting what is not there succeeds,
    /// as the CNI spec asks of DEL.
    pub fn del(&mut self, node: &str, args: &CniArgs) {
        if let Some(net) = self.nodes.get_mut(node) {
            net.ipam.release(&args.container_id, &args.ifname);
            net.attachments.remove(&args.container_id);
        }
    }
}
