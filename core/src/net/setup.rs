//! Building the network: a node joining (its root namespace, eth0, flannel's device and
//! lease), CNI ADD/DEL for pod sandboxes (the bridge plugin's veth pair, `cni0`, host-local
//! IPAM, the pod's routes), and the per-node views of what flanneld programmed per lease.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::flannel::{self, Backend, Lease};
use super::neigh::Neigh;
use super::netns::{self, Device, DeviceKind, IfAddr, Netns, NsId, Owner, Scope};
use super::route::{self, Route};
use super::wire::ethernet::MacAddr;
use super::{Attachment, CniArgs, CniResult, HostLocal, Network, NodeNet, Placement, BRIDGE};
use crate::rng::SimRng;

/// eth0 is interface 2 in every root namespace; flannel's device, when there is one, is 3.
pub const ETH0: u32 = 2;

impl Network {
    pub(super) fn new_ns(&mut self, ns: Netns) -> NsId {
        let id = NsId(self.next_ns);
        self.next_ns += 1;
        self.spaces.insert(id, Box::new(ns));
        id
    }

    /// A node joins: its root namespace with `lo`, `eth0` at `placement`, the default route via
    /// the router, flannel's device for the backend, and its lease `pod_cidr`. Idempotent.
    pub fn configure_node(&mut self, node: &str, pod_cidr: Ipv4Net, placement: Placement, rng: &mut SimRng) -> Result<(), String> {
        if self.nodes.contains_key(node) {
            return Ok(());
        }
        let ipam = HostLocal::new(pod_cidr)?;
        self.ensure_external(rng);
        let mtu = self.config.mtu;
        let backend = self.config.backend;
        let mut ns = Netns::new(Owner::Node(node.to_string()));
        ns.forwarding = true;
        let eth0 = ns.take_ifindex();
        let mut dev = Device::new(eth0, "eth0", DeviceKind::Ethernet, netns::random_mac(rng), mtu);
        dev.addrs = vec![IfAddr { addr: placement.ip, prefix: placement.subnet.prefix_len(), scope: Scope::Global, broadcast: true }];
        let eth0_mac = dev.mac;
        ns.add_device(dev);
        route::insert(&mut ns.routes, Route::connected(placement.subnet, eth0, placement.ip));
        route::insert(&mut ns.routes, Route::via("0.0.0.0/0".parse().expect("valid"), placement.gateway, eth0));
        let (overlay_dev, vtep_mac) = self.add_overlay_device(&mut ns, backend, placement, pod_cidr, rng);
        let root = self.new_ns(ns);
        self.segment.insert(eth0_mac, (root, eth0));
        if backend == Backend::Vxlan {
            self.vteps.insert(vtep_mac, u32::from(pod_cidr.network()));
        }
        self.leases.insert(
            u32::from(pod_cidr.network()),
            Lease { subnet: pod_cidr, node: node.to_string(), public_ip: placement.ip, vtep_mac },
        );
        self.nodes.insert(node.to_string(), NodeNet { ipam, attachments: Default::default(), root, placement, overlay_dev });
        let mut rules = flannel::iptables_rules(self.config.network, pod_cidr);
        if !self.config.ip_masq {
            // Without --ip-masq flanneld programs only its forward rules.
            rules = rules.split_once("*filter").map(|(_, f)| format!("*filter{f}")).unwrap_or_default();
        }
        self.filters.entry(root).or_default().restore(&rules).expect("flannel's rules are well-formed");
        Ok(())
    }

    /// What flanneld creates for `backend` in a node's namespace: `flannel.1` (VXLAN, with a
    /// random VTEP MAC) or `flannel0` (TUN, with the route for the whole network), or nothing
    /// for host-gw. Returns the device's index and the VTEP MAC.
    fn add_overlay_device(&self, ns: &mut Netns, backend: Backend, placement: Placement, pod_cidr: Ipv4Net, rng: &mut SimRng) -> (Option<u32>, MacAddr) {
        let mtu = self.config.mtu;
        match backend {
            Backend::Vxlan => {
                let i = ns.take_ifindex();
                let kind = DeviceKind::Vxlan { vni: flannel::VNI, local: placement.ip, port: flannel::VXLAN_PORT, lower: ETH0 };
                let mut dev = Device::new(i, flannel::VXLAN_DEVICE, kind, netns::random_mac(rng), backend.mtu(mtu));
                dev.addrs = vec![flannel::device_addr(pod_cidr)];
                let mac = dev.mac;
                ns.add_device(dev);
                (Some(i), mac)
            }
            Backend::Udp => {
                let i = ns.take_ifindex();
                let mut dev = Device::new(i, flannel::TUN_DEVICE, DeviceKind::Tun, MacAddr::ZERO, backend.mtu(mtu));
                dev.addrs = vec![flannel::device_addr(pod_cidr)];
                ns.add_device(dev);
                // flanneld adds it with RT_SCOPE_UNIVERSE: `10.244.0.0/16 dev flannel0`.
                let mut r = Route::direct(self.config.network, i);
                r.scope = Scope::Global;
                route::insert(&mut ns.routes, r);
                (Some(i), MacAddr::ZERO)
            }
            Backend::HostGw => (None, MacAddr::ZERO),
        }
    }

    /// flanneld restarts on every node with another backend: the old device (and the routes
    /// through it) goes, the new one comes. The bridge, the veth pairs and the pods keep the MTU
    /// they were created with; only pods created afterwards get the new backend's MTU.
    pub fn set_backend(&mut self, backend: Backend, rng: &mut SimRng) {
        if backend == self.config.backend {
            return;
        }
        self.config.backend = backend;
        self.vteps.clear();
        let names: Vec<String> = self.nodes.keys().cloned().collect();
        for name in names {
            let n = &self.nodes[&name];
            let (root, placement, old, subnet) = (n.root, n.placement, n.overlay_dev, n.ipam.subnet());
            let Some(mut ns) = self.spaces.remove(&root) else { continue };
            if let Some(old) = old {
                ns.remove_device(old);
            }
            let (dev, mac) = self.add_overlay_device(&mut ns, backend, placement, subnet, rng);
            self.spaces.insert(root, ns);
            if let Some(n) = self.nodes.get_mut(&name) {
                n.overlay_dev = dev;
            }
            let key = u32::from(subnet.network());
            if let Some(l) = self.leases.get_mut(&key) {
                l.vtep_mac = mac;
            }
            if backend == Backend::Vxlan {
                self.vteps.insert(mac, key);
            }
        }
    }

    /// A node leaves: its lease goes (every flanneld removes its entries) and its namespaces
    /// with it.
    pub fn remove_node(&mut self, node: &str) {
        let Some(n) = self.nodes.remove(node) else { return };
        if let Some(l) = self.leases.remove(&u32::from(n.ipam.subnet().network())) {
            self.vteps.remove(&l.vtep_mac);
        }
        for a in n.attachments.values() {
            self.spaces.remove(&a.ns);
        }
        self.filters.remove(&n.root);
        self.ipvs.remove(&n.root);
        self.userspace.remove(&n.root);
        if let Some(ns) = self.spaces.remove(&n.root) {
            for d in &ns.devices {
                self.segment.remove(&d.mac);
            }
        }
    }

    /// The `cni0` bridge of a node's namespace, created by the first ADD (with the gateway
    /// address and the connected route, IP forwarding on).
    fn ensure_bridge(&mut self, node: &str, rng: &mut SimRng) -> Option<u32> {
        let n = self.nodes.get(node)?;
        let (root, subnet, gw) = (n.root, n.ipam.subnet(), n.ipam.gateway());
        let mtu = self.config.backend.mtu(self.config.mtu);
        let ns = self.spaces.get_mut(&root)?;
        if let Some(d) = ns.device_named(BRIDGE) {
            return Some(d.ifindex);
        }
        let i = ns.take_ifindex();
        let mut dev = Device::new(i, BRIDGE, DeviceKind::Bridge(Box::default()), netns::random_mac(rng), mtu);
        dev.addrs = vec![IfAddr { addr: gw, prefix: subnet.prefix_len(), scope: Scope::Global, broadcast: true }];
        ns.add_device(dev);
        route::insert(&mut ns.routes, Route::connected(subnet, i, gw));
        ns.forwarding = true;
        Some(i)
    }

    /// CNI ADD on `node`: reserve an address, create the pod's namespace with the veth pair
    /// (host end `veth<8 hex>` on `cni0`, hairpin on), address and routes.
    pub fn add(&mut self, node: &str, args: &CniArgs, rng: &mut SimRng) -> Result<CniResult, String> {
        if !self.nodes.contains_key(node) {
            return Err("loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory".into());
        }
        let bridge = self.ensure_bridge(node, rng).ok_or("failed to create bridge \"cni0\"")?;
        let mtu = self.config.backend.mtu(self.config.mtu);
        let network = self.config.network;
        let net = self.nodes.get_mut(node).expect("checked above");
        let id: std::sync::Arc<str> = args.container_id.as_str().into();
        let ip = net.ipam.allocate_shared(&id, &args.ifname)?;
        let (subnet, gw, root) = (net.ipam.subnet(), net.ipam.gateway(), net.root);
        let root_ns = self.spaces.get(&root).expect("node namespace");
        let mut host_name = netns::veth_name(rng);
        for _ in 0..10 {
            if root_ns.device_named(&host_name).is_none() {
                break;
            }
            host_name = netns::veth_name(rng);
        }
        let mut pod = Netns::new(Owner::Pod { node: node.to_string(), pod: args.pod.clone() });
        let pod_if = pod.take_ifindex();
        let pod_id = NsId(self.next_ns);
        let root_ns = self.spaces.get_mut(&root).expect("node namespace");
        let host_if = root_ns.take_ifindex();
        let mut host = Device::new(host_if, &host_name, DeviceKind::Veth { peer_ns: pod_id, peer_ifindex: pod_if }, netns::random_mac(rng), mtu);
        host.master = Some(bridge);
        host.hairpin = true;
        root_ns.add_device(host);
        let mut eth0 = Device::new(pod_if, &args.ifname, DeviceKind::Veth { peer_ns: root, peer_ifindex: host_if }, netns::random_mac(rng), mtu);
        eth0.addrs = vec![IfAddr { addr: ip, prefix: subnet.prefix_len(), scope: Scope::Global, broadcast: true }];
        pod.add_device(eth0);
        route::insert(&mut pod.routes, Route::connected(subnet, pod_if, ip));
        route::insert(&mut pod.routes, Route::via("0.0.0.0/0".parse().expect("valid"), gw, pod_if));
        route::insert(&mut pod.routes, Route::via(network, gw, pod_if));
        pod.devices.shrink_to_fit();
        pod.routes.shrink_to_fit();
        let container = id;
        let id = self.new_ns(pod);
        debug_assert_eq!(id, pod_id);
        let net = self.nodes.get_mut(node).expect("checked above");
        net.attachments.insert(container, Attachment { netns: args.netns.as_str().into(), ip, ns: id, host_ifindex: host_if });
        Ok(CniResult { ip, prefix: subnet.prefix_len(), gateway: gw, interface: args.ifname.clone(), sandbox: args.netns.clone() })
    }

    /// CNI DEL on `node`: release the address, delete the pod's namespace and with it the veth
    /// pair. Deleting what is not there succeeds, as the CNI spec asks of DEL.
    pub fn del(&mut self, node: &str, args: &CniArgs) {
        let Some(net) = self.nodes.get_mut(node) else { return };
        net.ipam.release(&args.container_id, &args.ifname);
        let Some(a) = net.attachments.remove(args.container_id.as_str()) else { return };
        let root = net.root;
        self.spaces.remove(&a.ns);
        if let Some(ns) = self.spaces.get_mut(&root) {
            let bridge = ns.device(a.host_ifindex).and_then(|d| d.master);
            ns.remove_device(a.host_ifindex);
            if let Some(fdb) = bridge.and_then(|b| ns.device_mut(b)).and_then(|d| d.fdb_mut()) {
                fdb.forget_port(a.host_ifindex);
            }
        }
    }

    /// The node NIC that holds underlay address `ip`.
    pub fn node_nic(&self, ip: Ipv4Addr) -> Option<(NsId, u32)> {
        self.nodes.values().find(|n| n.placement.ip == ip).map(|n| (n.root, ETH0))
    }

    /// The overlay route flanneld programmed on `node` that covers `dst` (one per remote lease).
    pub fn overlay_route(&self, node: &str, dst: Ipv4Addr) -> Option<Route> {
        let n = self.nodes.get(node)?;
        let lease = self.lease_for(dst)?;
        if lease.node == node {
            return None;
        }
        let connected = [n.placement.subnet];
        lease.route(self.config.backend, n.overlay_dev.unwrap_or(0), ETH0, &connected)
    }

    /// Every route of namespace `id` as `ip route` lists it: its own table plus, in a node's
    /// namespace, one route per remote lease.
    pub fn routes_of(&self, id: NsId) -> Vec<Route> {
        let Some(ns) = self.spaces.get(&id) else { return Vec::new() };
        let mut all = ns.routes.clone();
        if let Owner::Node(node) = &ns.owner {
            if let Some(n) = self.nodes.get(node) {
                let connected = [n.placement.subnet];
                for l in self.leases.values().filter(|l| &l.node != node) {
                    if let Some(r) = l.route(self.config.backend, n.overlay_dev.unwrap_or(0), ETH0, &connected) {
                        route::insert(&mut all, r);
                    }
                }
            }
        }
        all
    }

    /// Every neighbour entry of namespace `id`: its cache plus, on a vxlan node, the permanent
    /// entry per remote lease (those first, as flanneld added them before any traffic).
    pub fn neighbours_of(&self, id: NsId) -> Vec<Neigh> {
        let Some(ns) = self.spaces.get(&id) else { return Vec::new() };
        let mut all = Vec::new();
        if let (Owner::Node(node), Backend::Vxlan) = (&ns.owner, self.config.backend) {
            let dev = self.nodes.get(node).and_then(|n| n.overlay_dev).unwrap_or(0);
            all.extend(self.leases.values().filter(|l| &l.node != node).map(|l| l.neighbour(dev)));
        }
        all.extend_from_slice(ns.neigh.entries());
        all
    }

    /// flannel.1's FDB on `node`: remote VTEP MAC → remote node IP, one per remote lease.
    pub fn vxlan_fdb(&self, node: &str) -> Vec<(MacAddr, Ipv4Addr)> {
        if self.config.backend != Backend::Vxlan {
            return Vec::new();
        }
        self.leases.values().filter(|l| l.node != node).map(|l| (l.vtep_mac, l.public_ip)).collect()
    }

    /// flannel.1's FDB entry on `node` for `mac`: the remote node IP.
    pub fn vxlan_fdb_lookup(&self, node: &str, mac: MacAddr) -> Option<Ipv4Addr> {
        if self.config.backend != Backend::Vxlan {
            return None;
        }
        let key = self.vteps.get(&mac)?;
        self.leases.get(key).filter(|l| l.node != node).map(|l| l.public_ip)
    }

    /// flanneld's log lines on `node` about leases it could not program (host-gw across
    /// subnets).
    pub fn flanneld_errors(&self, node: &str) -> Vec<String> {
        let Some(n) = self.nodes.get(node) else { return Vec::new() };
        if self.config.backend != Backend::HostGw {
            return Vec::new();
        }
        self.leases
            .values()
            .filter(|l| l.node != node && !n.placement.subnet.contains(&l.public_ip))
            .map(|l| l.host_gw_error(ETH0))
            .collect()
    }
}
