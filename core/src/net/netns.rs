//! Network namespaces and the devices in them.
//!
//! Each node has a root namespace (`lo`, `eth0` on the underlay, the overlay device of the
//! flannel backend, the `cni0` bridge once the first pod starts, and one `veth…` per pod).
//! Each pod sandbox has its own namespace (`lo`, `eth0`), created with the pause container and
//! shared by the pod's containers; hostNetwork pods use the node's. Interface indexes count up
//! per namespace from 1 (`lo`), as the kernel hands them out, and are never reused.
//!
//! Devices keep what `ip link` and `ip addr` show (name, index, MAC, MTU, master, peer,
//! addresses); the forwarding code in `forward/` gives them behaviour.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::bridge::Fdb;
use super::neigh::NeighTable;
use super::route::Route;
use super::wire::ethernet::MacAddr;
use crate::rng::SimRng;

/// A namespace's handle in the [`super::Network`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NsId(pub u32);

/// Who a namespace belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A node's root namespace.
    Node(String),
    /// A pod sandbox on `node`; `pod` is `namespace/name`.
    Pod { node: String, pod: String },
    /// The host outside the cluster that stands for "the internet" and external clients.
    External,
    /// The router on the underlay, the nodes' default gateway.
    Router,
    /// The cloud's load balancer, between the router and the internet.
    CloudLb,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceKind {
    Loopback,
    /// A NIC on the underlay segment.
    Ethernet,
    /// One end of a veth pair; the other end is `peer_ifindex` in `peer_ns`.
    Veth { peer_ns: NsId, peer_ifindex: u32 },
    /// A Linux bridge with its forwarding database.
    Bridge(Box<Fdb>),
    /// A VXLAN device (`flannel.<vni>`): learning off, encapsulating to the FDB's `dst`.
    Vxlan { vni: u32, local: Ipv4Addr, port: u16, lower: u32 },
    /// A TUN device (`flannel0`) read and written by flanneld in user space.
    Tun,
    /// A dummy device (`kube-ipvs0`): down, it only holds addresses, which then count as
    /// local. Its addresses are kept sorted, as there may be thousands.
    Dummy,
}

/// An IPv4 address on a device (`inet <addr>/<prefix> [brd <b>] scope <scope> <dev>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfAddr {
    pub addr: Ipv4Addr,
    pub prefix: u8,
    pub scope: Scope,
    /// Whether a broadcast address is set (`brd`): `ip addr add … brd +` or the bridge plugin.
    pub broadcast: bool,
}

impl IfAddr {
    pub fn net(&self) -> Ipv4Net {
        Ipv4Net::new(self.addr, self.prefix).expect("prefix <= 32").trunc()
    }
}

/// Route and address scopes (`ip` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Link,
    Host,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Link => "link",
            Scope::Host => "host",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub ifindex: u32,
    pub name: String,
    pub kind: DeviceKind,
    pub mac: MacAddr,
    pub mtu: u32,
    /// The bridge this device is a port of (`master cni0`).
    pub master: Option<u32>,
    pub addrs: Vec<IfAddr>,
    /// Hairpin mode on the bridge port (the bridge plugin's `hairpinMode`).
    pub hairpin: bool,
}

impl Device {
    pub fn new(ifindex: u32, name: &str, kind: DeviceKind, mac: MacAddr, mtu: u32) -> Device {
        Device { ifindex, name: name.to_string(), kind, mac, mtu, master: None, addrs: Vec::new(), hairpin: false }
    }

    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        self.addrs.first().map(|a| a.addr)
    }

    pub fn fdb(&self) -> Option<&Fdb> {
        match &self.kind {
            DeviceKind::Bridge(f) => Some(f),
            _ => None,
        }
    }

    pub fn fdb_mut(&mut self) -> Option<&mut Fdb> {
        match &mut self.kind {
            DeviceKind::Bridge(f) => Some(f),
            _ => None,
        }
    }
}

/// One network namespace: its devices, main routing table and neighbour cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Netns {
    pub owner: Owner,
    pub devices: Vec<Device>,
    /// The main table's routes, in the order `ip route` lists them.
    pub routes: Vec<Route>,
    pub neigh: NeighTable,
    /// `net.ipv4.ip_forward`.
    pub forwarding: bool,
    next_ifindex: u32,
}

impl Netns {
    /// A namespace holding only `lo` (index 1, 127.0.0.1/8, scope host).
    pub fn new(owner: Owner) -> Netns {
        let mut lo = Device::new(1, "lo", DeviceKind::Loopback, MacAddr::ZERO, 65536);
        lo.addrs = vec![IfAddr { addr: Ipv4Addr::LOCALHOST, prefix: 8, scope: Scope::Host, broadcast: false }];
        let mut devices = Vec::with_capacity(2);
        devices.push(lo);
        Netns { owner, devices, routes: Vec::with_capacity(3), neigh: NeighTable::default(), forwarding: false, next_ifindex: 2 }
    }

    /// The next interface index the kernel would hand out here.
    pub fn take_ifindex(&mut self) -> u32 {
        let i = self.next_ifindex;
        self.next_ifindex += 1;
        i
    }

    /// Adds `dev`. A node's namespace gains one device per pod, so the list grows by a few
    /// slots at a time rather than doubling: its spare capacity stays small at any pod count.
    pub fn add_device(&mut self, dev: Device) -> u32 {
        let i = dev.ifindex;
        if self.devices.len() == self.devices.capacity() {
            self.devices.reserve_exact((self.devices.len() / 8).max(4));
        }
        self.devices.push(dev);
        i
    }

    pub fn device(&self, ifindex: u32) -> Option<&Device> {
        self.devices.iter().find(|d| d.ifindex == ifindex)
    }

    pub fn device_mut(&mut self, ifindex: u32) -> Option<&mut Device> {
        self.devices.iter_mut().find(|d| d.ifindex == ifindex)
    }

    pub fn device_named(&self, name: &str) -> Option<&Device> {
        self.devices.iter().find(|d| d.name == name)
    }

    pub fn remove_device(&mut self, ifindex: u32) -> Option<Device> {
        let at = self.devices.iter().position(|d| d.ifindex == ifindex)?;
        self.routes.retain(|r| r.dev != ifindex);
        self.neigh.forget_device(ifindex);
        Some(self.devices.remove(at))
    }

    /// Whether `ip` is an address of this namespace (the local table's `local` routes).
    pub fn is_local(&self, ip: Ipv4Addr) -> bool {
        ip.is_loopback()
            || self.devices.iter().any(|d| match d.kind {
                DeviceKind::Dummy => d.addrs.binary_search_by_key(&ip, |a| a.addr).is_ok(),
                _ => d.addrs.iter().any(|a| a.addr == ip),
            })
    }

    /// Where this namespace is, for traces: `node-1`, `node-1 pod default/web-0`, `router`,
    /// `cloud-lb`, `internet`.
    pub fn place(&self) -> String {
        match &self.owner {
            Owner::Node(n) => n.clone(),
            Owner::Pod { node, pod } => format!("{node} pod {pod}"),
            Owner::External => "internet".to_string(),
            Owner::Router => "router".to_string(),
            Owner::CloudLb => "cloud-lb".to_string(),
        }
    }

    /// The node this namespace lives on (None outside the cluster).
    pub fn node(&self) -> Option<&str> {
        match &self.owner {
            Owner::Node(n) | Owner::Pod { node: n, .. } => Some(n),
            Owner::External | Owner::Router | Owner::CloudLb => None,
        }
    }
}

/// A random unicast, locally administered MAC, as the kernel gives devices created without one
/// (`eth_random_addr`).
pub fn random_mac(rng: &mut SimRng) -> MacAddr {
    let b = rng.next_u64().to_be_bytes();
    let mut m = [b[0], b[1], b[2], b[3], b[4], b[5]];
    m[0] = (m[0] & 0xfe) | 0x02;
    MacAddr(m)
}

/// The host end of a pod's veth pair as the bridge plugin names it: `veth` and eight hex
/// digits from four random bytes.
pub fn veth_name(rng: &mut SimRng) -> String {
    format!("veth{:08x}", rng.next_u64() as u32)
}
