//! host-local IPAM, as the CNI `host-local` plugin allocates from one node's pod subnet.
//!
//! The range is the subnet minus its network and broadcast addresses; the gateway (network + 1,
//! the address of `cni0`) is skipped when iterating. Allocation is round robin: it starts just
//! after the last reserved address (`last_reserved_ip.0` on disk) and walks upward, wrapping from
//! the range end to the range start, skipping the gateway and every address already held. A
//! released address is therefore not handed out again until the walk wraps around. After one
//! full loop without a free address the plugin fails with
//! `no IP addresses available in range set: <start>-<end>`.
//!
//! The on-disk store (`/var/lib/cni/networks/<network>/<ip>` holding `<containerID>\r\n<ifname>`)
//! is kept as a map from address to (container id, ifname).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use ipnet::Ipv4Net;

/// One address held by a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// Shared with the network's attachment of the same sandbox.
    pub container_id: Arc<str>,
    pub ifname: Box<str>,
}

/// The allocator of one node's pod subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLocal {
    subnet: Ipv4Net,
    gateway: Ipv4Addr,
    range_start: Ipv4Addr,
    range_end: Ipv4Addr,
    /// Addresses on disk, in address order.
    held: BTreeMap<Ipv4Addr, Reservation>,
    /// `last_reserved_ip.0`: the last address handed out.
    last_reserved: Option<Ipv4Addr>,
}

impl HostLocal {
    /// The allocator for `subnet` with host-local's defaults: gateway = network + 1,
    /// range = network + 1 … broadcast − 1. A /31 or /32, or a subnet with host bits set, is
    /// refused with the plugin's messages.
    pub fn new(subnet: Ipv4Net) -> Result<HostLocal, String> {
        if subnet.trunc() != subnet {
            return Err(format!("invalid CIDR {subnet}: host bits set (network address is {})", subnet.network()));
        }
        if subnet.prefix_len() >= 31 {
            return Err(format!("Network {subnet} too small to allocate from"));
        }
        let net = u32::from(subnet.network());
        let bcast = u32::from(subnet.broadcast());
        Ok(HostLocal {
            subnet,
            gateway: Ipv4Addr::from(net + 1),
            range_start: Ipv4Addr::from(net + 1),
            range_end: Ipv4Addr::from(bcast - 1),
            held: BTreeMap::new(),
            last_reserved: None,
        })
    }

    pub fn subnet(&self) -> Ipv4Net {
        self.subnet
    }

    pub fn gateway(&self) -> Ipv4Addr {
        self.gateway
    }

    /// The addresses on disk and who holds them.
    pub fn held(&self) -> &BTreeMap<Ipv4Addr, Reservation> {
        &self.held
    }

    pub fn last_reserved(&self) -> Option<Ipv4Addr> {
        self.last_reserved
    }

    /// Reserves the next free address for (`container_id`, `ifname`). A container that already
    /// holds an address on this interface gets the same one back (CNI ADD is idempotent).
    pub fn allocate(&mut self, container_id: &str, ifname: &str) -> Result<Ipv4Addr, String> {
        self.allocate_shared(&Arc::from(container_id), ifname)
    }

    /// [`HostLocal::allocate`] with the container id already shared.
    pub fn allocate_shared(&mut self, container_id: &Arc<str>, ifname: &str) -> Result<Ipv4Addr, String> {
        if let Some((ip, _)) = self.held.iter().find(|(_, r)| *r.container_id == **container_id && &*r.ifname == ifname) {
            return Ok(*ip);
        }
        let start = u32::from(self.range_start);
        let end = u32::from(self.range_end);
        let first = match self.last_reserved.map(u32::from) {
            Some(last) if (start..=end).contains(&last) => if last >= end { start } else { last + 1 },
            _ => start,
        };
        let size = end - start + 1;
        let mut candidate = first;
        for _ in 0..size {
            let ip = Ipv4Addr::from(candidate);
            if ip != self.gateway && !self.held.contains_key(&ip) {
                self.held.insert(ip, Reservation { container_id: container_id.clone(), ifname: ifname.into() });
                self.last_reserved = Some(ip);
                return Ok(ip);
            }
            candidate = if candidate >= end { start } else { candidate + 1 };
        }
        Err(format!("no IP addresses available in range set: {}-{}", self.range_start, self.range_end))
    }

    /// Releases whatever (`container_id`, `ifname`) holds; releasing nothing is not an error.
    /// Only the address file goes: `last_reserved_ip` stays, so the address is not reused at once.
    pub fn release(&mut self, container_id: &str, ifname: &str) -> Option<Ipv4Addr> {
        let ip = self.held.iter().find(|(_, r)| &*r.container_id == container_id && &*r.ifname == ifname).map(|(ip, _)| *ip)?;
        self.held.remove(&ip);
        Some(ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_skips_gateway_and_does_not_reuse_until_wrap() {
        let mut a = HostLocal::new("10.244.3.0/24".parse().unwrap()).unwrap();
        assert_eq!(a.allocate("c1", "eth0").unwrap(), Ipv4Addr::new(10, 244, 3, 2));
        assert_eq!(a.allocate("c2", "eth0").unwrap(), Ipv4Addr::new(10, 244, 3, 3));
        assert_eq!(a.allocate("c3", "eth0").unwrap(), Ipv4Addr::new(10, 244, 3, 4));
        assert_eq!(a.release("c2", "eth0"), Some(Ipv4Addr::new(10, 244, 3, 3)));
        assert_eq!(a.allocate("c4", "eth0").unwrap(), Ipv4Addr::new(10, 244, 3, 5));
        // Idempotent ADD.
        assert_eq!(a.allocate("c4", "eth0").unwrap(), Ipv4Addr::new(10, 244, 3, 5));
    }

    #[test]
    fn wraps_and_reports_exhaustion() {
        let mut a = HostLocal::new("10.0.0.0/29".parse().unwrap()).unwrap();
        // Range .1-.6, gateway .1: five addresses.
        let ips: Vec<_> = (0..5).map(|i| a.allocate(&format!("c{i}"), "eth0").unwrap()).collect();
        assert_eq!(ips.last(), Some(&Ipv4Addr::new(10, 0, 0, 6)));
        assert_eq!(a.allocate("x", "eth0").unwrap_err(), "no IP addresses available in range set: 10.0.0.1-10.0.0.6");
        a.release("c1", "eth0");
        assert_eq!(a.allocate("x", "eth0").unwrap(), Ipv4Addr::new(10, 0, 0, 3));
    }

    #[test]
    fn refuses_tiny_networks() {
        assert_eq!(HostLocal::new("10.0.0.0/31".parse().unwrap()).unwrap_err(), "Network 10.0.0.0/31 too small to allocate from");
    }
}
