//! flannel: one subnet lease per node and the kernel state each backend programs for it.
//!
//! With `--kube-subnet-mgr` a node's lease is its `spec.podCIDR`. Every flanneld watches the
//! leases and, for each remote one, programs its own node:
//!
//! | backend | device | per remote lease |
//! |---|---|---|
//! | vxlan   | `flannel.1` (VNI 1, UDP 8472, MTU − 50, `<lease>.0/32`, nolearning) | neighbour `<subnet>.0 lladdr <VTEP MAC> PERMANENT`, FDB `<VTEP MAC> dst <node IP> self permanent`, route `<subnet> via <subnet>.0 dev flannel.1 onlink` |
//! | udp     | `flannel0` TUN (MTU − 28, `<lease>.0/32`), one route `<network> dev flannel0` | nothing in the kernel: flanneld's own table |
//! | host-gw | none | route `<subnet> via <node IP> dev eth0`, only possible when the node IP is on a directly connected subnet |
//!
//! These per-lease entries are kept once, in the lease list, and every node's tables show them
//! for every lease but its own; so the tables of a 5,000-node cluster cost one entry per node,
//! not 25 million. Simplification: every flanneld learns a lease at the instant it appears.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::neigh::Neigh;
use super::netns::Scope;
use super::route::Route;
use super::wire::ethernet::MacAddr;

/// The flannel backend carrying pod traffic between nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    #[default]
    Vxlan,
    Udp,
    HostGw,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Vxlan => "vxlan",
            Backend::Udp => "udp",
            Backend::HostGw => "host-gw",
        }
    }

    /// FLANNEL_MTU for an external interface of `mtu` bytes.
    pub fn mtu(self, mtu: u32) -> u32 {
        match self {
            Backend::Vxlan => mtu - 50,
            Backend::Udp => mtu - 28,
            Backend::HostGw => mtu,
        }
    }

    /// The overlay device's name, if the backend has one.
    pub fn device(self) -> Option<&'static str> {
        match self {
            Backend::Vxlan => Some(VXLAN_DEVICE),
            Backend::Udp => Some(TUN_DEVICE),
            Backend::HostGw => None,
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "vxlan" => Ok(Backend::Vxlan),
            "udp" => Ok(Backend::Udp),
            "host-gw" => Ok(Backend::HostGw),
            _ => Err(format!("unknown network backend \"{s}\": choose vxlan, udp or host-gw")),
        }
    }
}

pub const VXLAN_DEVICE: &str = "flannel.1";
pub const VNI: u32 = 1;
/// The Linux kernel's VXLAN port, which flannel uses when its `Port` is 0.
pub const VXLAN_PORT: u16 = 8472;
pub const TUN_DEVICE: &str = "flannel0";
/// flanneld's UDP backend port.
pub const UDP_PORT: u16 = 8285;

/// One node's subnet lease as every flanneld sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub subnet: Ipv4Net,
    pub node: String,
    /// The node's public IP (its InternalIP on eth0).
    pub public_ip: Ipv4Addr,
    /// The node's flannel.1 MAC (annotation `flannel.alpha.coreos.com/backend-data`).
    pub vtep_mac: MacAddr,
}

impl Lease {
    /// The lease's network address, which is also the remote VTEP's address.
    pub fn vtep_ip(&self) -> Ipv4Addr {
        self.subnet.network()
    }

    /// The route a node's flanneld installs for this (remote) lease, if the backend installs one
    /// per lease. `eth0` is the node's external interface; host-gw needs the lease's node IP to be
    /// inside one of `connected` (the node's directly connected subnets).
    pub fn route(&self, backend: Backend, vxlan_dev: u32, eth0: u32, connected: &[Ipv4Net]) -> Option<Route> {
        match backend {
            Backend::Vxlan => {
                let mut r = Route::via(self.subnet, self.vtep_ip(), vxlan_dev);
                r.onlink = true;
                Some(r)
            }
            Backend::HostGw if connected.iter().any(|n| n.contains(&self.public_ip)) => Some(Route::via(self.subnet, self.public_ip, eth0)),
            Backend::HostGw | Backend::Udp => None,
        }
    }

    /// The neighbour entry flanneld's vxlan backend installs for this lease.
    pub fn neighbour(&self, vxlan_dev: u32) -> Neigh {
        Neigh::permanent(self.vtep_ip(), vxlan_dev, self.vtep_mac)
    }

    /// Why host-gw cannot add this lease's route, as flanneld logs it.
    pub fn host_gw_error(&self, eth0: u32) -> String {
        format!(
            "Error adding route to {} via {} dev index {eth0}: network is unreachable",
            self.subnet, self.public_ip
        )
    }
}

/// `/run/flannel/subnet.env` for a node with `lease` in `network`.
pub fn subnet_env(network: Ipv4Net, lease: Ipv4Net, mtu: u32, ip_masq: bool) -> String {
    let gw = Ipv4Addr::from(u32::from(lease.network()) + 1);
    format!(
        "FLANNEL_NETWORK={network}\nFLANNEL_SUBNET={gw}/{}\nFLANNEL_MTU={mtu}\nFLANNEL_IPMASQ={ip_masq}\n",
        lease.prefix_len()
    )
}

/// The address flanneld puts on its device: the lease's network address as /32.
pub fn device_addr(lease: Ipv4Net) -> super::netns::IfAddr {
    super::netns::IfAddr { addr: lease.network(), prefix: 32, scope: Scope::Global, broadcast: false }
}

/// What flanneld's `--ip-masq` (on in kube-flannel.yml) and its forward rules program on a
/// node, as `iptables-restore` input: masquerade pod traffic leaving the cluster network and
/// host traffic entering it, never traffic kube-proxy marked for its own masquerade, and accept
/// forwarding to and from the cluster network.
pub fn iptables_rules(network: Ipv4Net, subnet: Ipv4Net) -> String {
    let (c, s) = (network, subnet);
    let masq = "-m comment --comment \"flanneld masq\"";
    let fwd = "-m comment --comment \"flanneld forward\"";
    format!(
        "*nat\n:FLANNEL-POSTRTG - [0:0]\n-A POSTROUTING {masq} -j FLANNEL-POSTRTG\n\
         -A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 {masq} -j RETURN\n\
         -A FLANNEL-POSTRTG -s {s} -d {c} {masq} -j RETURN\n\
         -A FLANNEL-POSTRTG -s {c} -d {s} {masq} -j RETURN\n\
         -A FLANNEL-POSTRTG ! -s {c} -d {s} {masq} -j RETURN\n\
         -A FLANNEL-POSTRTG -s {c} ! -d 224.0.0.0/4 {masq} -j MASQUERADE --random-fully\n\
         -A FLANNEL-POSTRTG ! -s {c} -d {c} {masq} -j MASQUERADE --random-fully\nCOMMIT\n\
         *filter\n:FLANNEL-FWD - [0:0]\n-A FORWARD {fwd} -j FLANNEL-FWD\n\
         -A FLANNEL-FWD -s {c} {fwd} -j ACCEPT\n-A FLANNEL-FWD -d {c} {fwd} -j ACCEPT\nCOMMIT\n"
    )
}
