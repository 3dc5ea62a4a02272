//! The simulated network: namespaces, devices, routes, neighbours, bridges, the flannel
//! overlay, and the forwarding code that moves packets through them and records every hop.
//!
//! ```text
//! mod.rs       Network: the namespaces of every node and pod, leases, lookups
//! setup.rs     a node joining or leaving, CNI ADD/DEL, switching backends, per-node views
//! netns.rs     a namespace and its devices (lo, eth0, veth, cni0, flannel.1, flannel0)
//! route.rs     routes, longest-prefix lookup, `ip route` text
//! neigh.rs     the ARP cache with NUD states on the virtual clock
//! bridge.rs    a bridge's FDB: learning, ageing, forward/flood/filter
//! flannel.rs   leases and what each backend programs per remote lease; subnet.env
//! underlay.rs  the nodes' own network and the router outside the cluster
//! outside.rs   the router, the cloud load balancer and the internet host beyond it
//! cloud_lb.rs  the load balancer's forwarding rules; masq_agent.rs  ip-masq-agent's config and rules
//! ipam.rs      host-local IPAM over the node's podCIDR (round robin, last_reserved_ip)
//! forward/     the data path: frames through devices, bridge, routing, ARP, encapsulation
//! trace.rs     the hops the forwarding code records, and their text form
//! wire/        packet headers with parse/emit to bytes
//! pcap.rs      classic libpcap files; tcpdump.rs  tcpdump's one-line summaries
//! ```
//!
//! The kubelet (through the container runtime) calls the network plugin once per pod sandbox:
//! `ADD` with the sandbox's container id, its network namespace (`/var/run/netns/cni-<uuid>`)
//! and the interface name `eth0`; `DEL` with the same arguments when the sandbox is torn down.
//! The plugin chain is flannel → bridge (`cni0`, gateway = first address of the node subnet)
//! → host-local IPAM; the result is the pod's address, prefix and gateway.

pub mod bridge;
pub mod dns;
pub mod flannel;
pub mod forward;
pub mod http;
pub mod ingress;
pub mod ipvs;
pub mod ipam;
pub mod kube_proxy;
pub mod masq_agent;
pub mod cloud_lb;
pub mod neigh;
pub mod netfilter;
pub mod netns;
pub mod netpol;
pub mod pcap;
pub mod route;
pub mod tcpdump;
pub mod trace;
pub mod underlay;
pub mod wire;

mod outside;
mod setup;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod masq_agent_tests;
#[cfg(test)]
mod cloud_lb_tests;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

pub use flannel::{Backend, Lease};
pub use ipam::HostLocal;
pub use netns::{NsId, Netns, Owner};
pub use outside::{lb_pool, INTERNET_HOST, LB_POOL};
pub use underlay::{Placement, Underlay};

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
    /// `K8S_POD_NAMESPACE/K8S_POD_NAME` from `CNI_ARGS`.
    pub pod: String,
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
    /// The sandbox's netns path (`/var/run/netns/cni-<uuid>`).
    pub netns: Box<str>,
    pub ip: Ipv4Addr,
    /// The sandbox's namespace.
    pub ns: NsId,
    /// The host end of its veth pair in the node's namespace.
    pub host_ifindex: u32,
}

/// One node's network: the IPAM store, the attached sandboxes and its root namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeNet {
    pub ipam: HostLocal,
    /// Attached sandboxes by container id (shared with the IPAM reservation).
    pub attachments: BTreeMap<std::sync::Arc<str>, Attachment>,
    pub root: NsId,
    pub placement: Placement,
    /// flannel's device in the root namespace (`flannel.1` or `flannel0`), if the backend has one.
    pub overlay_dev: Option<u32>,
}

/// What the network is built from (the cluster config's network part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetConfig {
    pub backend: Backend,
    /// flannel's `Network` (the cluster CIDR).
    pub network: Ipv4Net,
    pub underlay: Underlay,
    /// Whether the underlay is the /16 segment of a large cluster.
    pub large: bool,
    /// The nodes' eth0 MTU.
    pub mtu: u32,
    /// flanneld's `--ip-masq` (kube-flannel.yml passes it).
    pub ip_masq: bool,
    /// kube-proxy's `--proxy-mode` on every node.
    pub proxy_mode: kube_proxy::ProxyMode,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            backend: Backend::default(),
            network: "10.244.0.0/16".parse().expect("valid CIDR"),
            underlay: Underlay::default(),
            large: false,
            mtu: 1500,
            ip_masq: true,
            proxy_mode: kube_proxy::ProxyMode::default(),
        }
    }
}

/// The whole simulated network. Part of the `Sim`, so snapshots carry it.
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub config: NetConfig,
    nodes: BTreeMap<String, NodeNet>,
    /// Boxed: the map's nodes then hold pointers, not the namespaces themselves.
    spaces: BTreeMap<NsId, Box<Netns>>,
    next_ns: u32,
    /// Every node's lease, by the lease's network address.
    leases: BTreeMap<u32, Lease>,
    /// Lease keys by VTEP MAC (flannel.1's FDB, indexed).
    vteps: BTreeMap<wire::ethernet::MacAddr, u32>,
    /// The router outside the cluster (created with the first node).
    external: Option<NsId>,
    /// The cloud load balancer between the router and the internet.
    cloud_lb: Option<NsId>,
    /// The host on the internet.
    internet: Option<NsId>,
    /// Underlay NICs by MAC: the segment's switching table.
    segment: BTreeMap<wire::ethernet::MacAddr, (NsId, u32)>,
    /// Netfilter state of the namespaces that have rules (the nodes').
    pub(crate) filters: BTreeMap<NsId, netfilter::Netfilter>,
    /// IPVS virtual servers and ipsets of the nodes whose kube-proxy runs in IPVS mode.
    pub(crate) ipvs: BTreeMap<NsId, ipvs::NodeIpvs>,
    /// kube-proxy's own sockets on the nodes whose proxy runs in userspace mode.
    pub(crate) userspace: BTreeMap<NsId, kube_proxy::userspace::UserspaceProxy>,
}

impl Network {
    pub fn new(config: NetConfig) -> Network {
        Network { config, ..Default::default() }
    }

    pub fn node(&self, node: &str) -> Option<&NodeNet> {
        self.nodes.get(node)
    }

    pub fn nodes(&self) -> impl Iterator<Item = (&String, &NodeNet)> {
        self.nodes.iter()
    }

    /// The netfilter state (rules, counters, conntrack) of a namespace that has rules.
    pub fn netfilter(&self, id: NsId) -> Option<&netfilter::Netfilter> {
        self.filters.get(&id)
    }

    pub fn netfilter_mut(&mut self, id: NsId) -> Option<&mut netfilter::Netfilter> {
        self.filters.get_mut(&id)
    }

    /// The IPVS table and ipsets of a node's namespace (IPVS mode only).
    pub fn ipvs(&self, id: NsId) -> Option<&ipvs::NodeIpvs> {
        self.ipvs.get(&id)
    }

    /// The userspace proxy of a node's namespace (userspace mode only).
    pub fn userspace(&self, id: NsId) -> Option<&kube_proxy::userspace::UserspaceProxy> {
        self.userspace.get(&id)
    }

    pub(crate) fn userspace_mut(&mut self, id: NsId) -> &mut kube_proxy::userspace::UserspaceProxy {
        self.userspace.entry(id).or_default()
    }

    /// Forgets kube-proxy's IPVS and userspace state in `id` and removes its dummy device `dev`.
    pub(crate) fn clear_kube_proxy(&mut self, id: NsId, dev: &str) {
        self.ipvs.remove(&id);
        self.userspace.remove(&id);
        if let Some(space) = self.spaces.get_mut(&id) {
            if let Some(i) = space.device_named(dev).map(|d| d.ifindex) {
                space.remove_device(i);
            }
        }
    }

    /// Updates what IPVS mode keeps in `id`'s kernel, and sets the addresses of its dummy
    /// device `dev` (created, down, on first use) to `addrs`, each a /32.
    pub fn set_ipvs(&mut self, id: NsId, table: ipvs::Ipvs, sets: ipvs::IpSets, dev: &str, addrs: &[Ipv4Addr], rng: &mut crate::rng::SimRng) {
        self.ipvs.entry(id).or_default().update(table, sets);
        let Some(space) = self.spaces.get_mut(&id) else { return };
        let index = match space.device_named(dev) {
            Some(d) => d.ifindex,
            None => {
                let i = space.take_ifindex();
                space.add_device(netns::Device::new(i, dev, netns::DeviceKind::Dummy, netns::random_mac(rng), 1500))
            }
        };
        let Some(d) = space.device_mut(index) else { return };
        let mut sorted = addrs.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        d.addrs = sorted.into_iter().map(|addr| netns::IfAddr { addr, prefix: 32, scope: netns::Scope::Global, broadcast: false }).collect();
    }

    pub fn netns(&self, id: NsId) -> Option<&Netns> {
        self.spaces.get(&id).map(|n| &**n)
    }

    pub(crate) fn netns_mut(&mut self, id: NsId) -> Option<&mut Netns> {
        self.spaces.get_mut(&id).map(|n| &mut **n)
    }

    pub fn namespaces(&self) -> impl Iterator<Item = (&NsId, &Netns)> {
        self.spaces.iter().map(|(k, v)| (k, &**v))
    }

    pub fn external(&self) -> Option<NsId> {
        self.external
    }

    pub fn leases(&self) -> impl Iterator<Item = &Lease> {
        self.leases.values()
    }

    /// The lease whose subnet holds `ip`.
    pub fn lease_for(&self, ip: Ipv4Addr) -> Option<&Lease> {
        let (_, l) = self.leases.range(..=u32::from(ip)).next_back()?;
        l.subnet.contains(&ip).then_some(l)
    }

    /// The lease of `node`.
    pub fn lease_of(&self, node: &str) -> Option<&Lease> {
        let n = self.nodes.get(node)?;
        self.leases.get(&u32::from(n.ipam.subnet().network()))
    }

    /// The namespace of the sandbox `container_id` on `node`.
    pub fn sandbox(&self, node: &str, container_id: &str) -> Option<NsId> {
        self.nodes.get(node)?.attachments.get(container_id).map(|a| a.ns)
    }

    /// The NIC on the underlay with `mac`.
    pub(crate) fn segment_port(&self, mac: wire::ethernet::MacAddr) -> Option<(NsId, u32)> {
        self.segment.get(&mac).copied()
    }

    /// `/run/flannel/subnet.env` on `node`.
    pub fn subnet_env(&self, node: &str) -> Option<String> {
        let n = self.nodes.get(node)?;
        Some(flannel::subnet_env(self.config.network, n.ipam.subnet(), self.config.backend.mtu(self.config.mtu), self.config.ip_masq))
    }
}
