//! The underlay: the machines' own network, which the nodes' `eth0` sit on.
//!
//! By default every node is on one L2 segment, 192.168.56.0/24 (a host-only network; a cluster
//! of more than 200 nodes uses 192.168.0.0/16 so that every node fits), with the router at
//! 192.168.56.1 as the nodes' default gateway; beyond the router are the cloud load balancer and
//! the internet host (`external` in traces; see `outside.rs`). With `RoutedL3` the nodes alternate between two subnets,
//! 192.168.56.0/24 and 192.168.57.0/24, joined by the router (`.1` in each): nodes in different
//! subnets reach each other only through it, which is what host-gw cannot work with.
//!
//! The segment itself is a switch that always knows where each MAC is (no flooding on the
//! underlay is simulated).

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Underlay {
    #[default]
    SharedL2,
    RoutedL3,
}

impl std::str::FromStr for Underlay {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "l2" => Ok(Underlay::SharedL2),
            "l3" => Ok(Underlay::RoutedL3),
            _ => Err(format!("unknown underlay \"{s}\": choose l2 (one segment) or l3 (two subnets behind a router)")),
        }
    }
}

/// Where one node sits on the underlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub ip: Ipv4Addr,
    pub subnet: Ipv4Net,
    pub gateway: Ipv4Addr,
}

impl Underlay {
    /// The `index`-th node's (0-based) address: 192.168.56.11, .12, … (alternating with
    /// 192.168.57.x under `RoutedL3`). `large` picks the /16 segment. None when the subnet has
    /// no address left.
    pub fn place(self, index: usize, large: bool) -> Option<Placement> {
        let host = 11 + index as u32;
        let (base, prefix) = match self {
            Underlay::SharedL2 if large => (Ipv4Addr::new(192, 168, 56, 0), 16),
            Underlay::SharedL2 => (Ipv4Addr::new(192, 168, 56, 0), 24),
            Underlay::RoutedL3 => (Ipv4Addr::new(192, 168, 56 + (index % 2) as u8, 0), 24),
        };
        let ip = Ipv4Addr::from(u32::from(base) + host);
        let subnet = Ipv4Net::new(base, prefix).ok()?.trunc();
        if !subnet.contains(&ip) || ip == subnet.broadcast() {
            return None;
        }
        Some(Placement { ip, subnet, gateway: Ipv4Addr::from(u32::from(subnet.network()) + 1) })
    }

    /// Where a node with address `ip` sits (for nodes registered by hand).
    pub fn placement_for(self, ip: Ipv4Addr, large: bool) -> Placement {
        let prefix = if large && self == Underlay::SharedL2 { 16 } else { 24 };
        let subnet = Ipv4Net::new(ip, prefix).expect("prefix <= 32").trunc();
        Placement { ip, subnet, gateway: Ipv4Addr::from(u32::from(subnet.network()) + 1) }
    }

    /// The router's addresses, one per subnet.
    pub fn router_addrs(self, large: bool) -> Vec<Ipv4Net> {
        match self {
            Underlay::SharedL2 if large => vec!["192.168.0.1/16".parse().expect("valid")],
            Underlay::SharedL2 => vec!["192.168.56.1/24".parse().expect("valid")],
            Underlay::RoutedL3 => vec!["192.168.56.1/24".parse().expect("valid"), "192.168.57.1/24".parse().expect("valid")],
        }
    }
}
