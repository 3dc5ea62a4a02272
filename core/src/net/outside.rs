//! Outside the cluster: the router on the underlay (the nodes' default gateway), the cloud's
//! load balancer behind it, and one host on the internet behind that.
//!
//! ```text
//!  nodes ── 192.168.56.0/24 ── router ── 169.254.255.0/30 ── cloud-lb ── 203.0.113.0/24 ── internet
//!           (eth0 .1)          (eth1 .1)                     (eth0 .2, eth1 .1)           (eth0 .10)
//! ```
//!
//! - The **internet host**, 203.0.113.10, stands for "a server on the internet" (it runs an
//!   HTTP echo server on TCP 80 and answers ping) and for the external clients `trace
//!   external` starts from. Its address is from TEST-NET-3 (RFC 5737, documentation), so it
//!   never impersonates a real host. Consequence: ip-masq-agent started with
//!   `--nomasq-all-reserved-ranges` lists 203.0.113.0/24 among its non-masquerade CIDRs and
//!   so does not masquerade pod traffic to it; with the agent's plain defaults (RFC 1918 only)
//!   it does. flanneld's `--ip-masq` masquerades pod traffic to it either way.
//! - The **cloud load balancer** (`cloud-lb`) sits on the path between the cluster and the
//!   internet, as a cloud's network load balancer is part of the provider's network fabric:
//!   every packet between the two passes it (it changes only those for a load-balancer
//!   address), so it sees the replies of the flows it balances and un-NATs them with its
//!   conntrack. Load-balancer addresses come from [`LB_POOL`] (TEST-NET-2, 198.51.100.0/24),
//!   routed to it by the internet host's default route. Its forwarding is netfilter rules
//!   written by the service controller (`cloud_lb.rs`): real cloud load balancers are not
//!   iptables, but the DNAT to a node port and the un-NAT of replies are what they do.
//! - The link between the router and the load balancer uses link-local addresses
//!   (169.254.255.0/30), as providers' transit links often do. The router routes the internet
//!   segment and the pool over it (no default route: what it cannot route, such as the pod
//!   network, it drops with "no route"), and the load balancer routes the underlay back
//!   through the router.
//!
//! Simplified: no NAT gateway (the nodes' addresses reach the internet host as they are), no
//! ICMP redirects, and the internet is this one host.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::netns::{self, Device, DeviceKind, IfAddr, Netns, NsId, Owner, Scope};
use super::route::{self, Route};
use super::Network;
use crate::rng::SimRng;

/// The internet host's address.
pub const INTERNET_HOST: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);
/// The internet segment; the load balancer is its `.1`.
pub const INTERNET_NET: &str = "203.0.113.0/24";
/// The transit link between the router (`.1`) and the load balancer (`.2`).
pub const TRANSIT_NET: &str = "169.254.255.0/30";
/// The addresses the cloud hands out to Services of type LoadBalancer.
pub const LB_POOL: &str = "198.51.100.0/24";

/// The load-balancer pool as a network.
pub fn lb_pool() -> Ipv4Net {
    LB_POOL.parse().expect("valid CIDR")
}

fn net(s: &str) -> Ipv4Net {
    s.parse().expect("valid CIDR")
}

fn host(n: Ipv4Net, i: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(n.network()) + i)
}

impl Network {
    /// Adds an Ethernet NIC named `name` at `addr` to `ns` (to join the segment once `ns` is
    /// `id`), with its connected route.
    fn outside_nic(&mut self, ns: &mut Netns, id: NsId, name: &str, addr: Ipv4Net, rng: &mut SimRng) -> u32 {
        let ifindex = ns.take_ifindex();
        let mut dev = Device::new(ifindex, name, DeviceKind::Ethernet, netns::random_mac(rng), self.config.mtu);
        dev.addrs = vec![IfAddr { addr: addr.addr(), prefix: addr.prefix_len(), scope: Scope::Global, broadcast: true }];
        route::insert(&mut ns.routes, Route::connected(addr.trunc(), ifindex, addr.addr()));
        self.segment.insert(dev.mac, (id, ifindex));
        ns.add_device(dev);
        ifindex
    }

    /// The router, the load balancer and the internet host, created with the first node.
    /// Returns the router.
    pub(super) fn ensure_external(&mut self, rng: &mut SimRng) -> NsId {
        if let Some(id) = self.external {
            return id;
        }
        let (transit, internet) = (net(TRANSIT_NET), net(INTERNET_NET));
        let underlay = self.config.underlay.router_addrs(self.config.large);
        let router_id = NsId(self.next_ns);
        let mut router = Netns::new(Owner::Router);
        router.forwarding = true;
        let mut first_mac = [0u8; 8];
        for (i, a) in underlay.iter().enumerate() {
            let dev = self.outside_nic(&mut router, router_id, &format!("eth{i}"), *a, rng);
            if i == 0 {
                first_mac[2..].copy_from_slice(&router.device(dev).map(|d| d.mac.0).unwrap_or_default());
            }
        }
        // The NICs beyond the underlay draw their MACs from their own generator, seeded from the
        // router's first MAC: the simulation's stream (names, uids, the nodes' MACs) stays as it
        // was without them.
        let rng = &mut SimRng::seeded(u64::from_be_bytes(first_mac));
        let up = self.outside_nic(&mut router, router_id, &format!("eth{}", underlay.len()), Ipv4Net::new(host(transit, 1), 30).expect("valid"), rng);
        for beyond in [internet, lb_pool()] {
            route::insert(&mut router.routes, Route::via(beyond, host(transit, 2), up));
        }
        let id = self.new_ns(router);
        debug_assert_eq!(id, router_id);
        self.external = Some(id);

        let lb_id = NsId(self.next_ns);
        let mut lb = Netns::new(Owner::CloudLb);
        lb.forwarding = true;
        let down = self.outside_nic(&mut lb, lb_id, "eth0", Ipv4Net::new(host(transit, 2), 30).expect("valid"), rng);
        self.outside_nic(&mut lb, lb_id, "eth1", Ipv4Net::new(host(internet, 1), 24).expect("valid"), rng);
        for a in &underlay {
            route::insert(&mut lb.routes, Route::via(a.trunc(), host(transit, 1), down));
        }
        self.new_ns(lb);
        self.filters.entry(lb_id).or_default();
        self.cloud_lb = Some(lb_id);

        let inet_id = NsId(self.next_ns);
        let mut inet = Netns::new(Owner::External);
        let eth0 = self.outside_nic(&mut inet, inet_id, "eth0", Ipv4Net::new(INTERNET_HOST, 24).expect("valid"), rng);
        route::insert(&mut inet.routes, Route::via(net("0.0.0.0/0"), host(internet, 1), eth0));
        self.new_ns(inet);
        self.internet = Some(inet_id);
        id
    }

    /// The cloud load balancer's namespace (created with the first node).
    pub fn cloud_lb(&self) -> Option<NsId> {
        self.cloud_lb
    }

    /// The internet host's namespace (created with the first node).
    pub fn internet(&self) -> Option<NsId> {
        self.internet
    }

    /// The NIC outside the cluster (router, load balancer, internet host) that holds `ip`.
    pub fn outside_nic_for(&self, ip: Ipv4Addr) -> Option<(NsId, u32)> {
        [self.external, self.cloud_lb, self.internet].into_iter().flatten().find_map(|id| {
            let n = self.netns(id)?;
            n.devices.iter().skip(1).find(|d| d.addrs.iter().any(|a| a.addr == ip)).map(|d| (id, d.ifindex))
        })
    }
}
