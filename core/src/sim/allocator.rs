//! The API server's Service allocators: ClusterIPs out of the service CIDR and node ports out
//! of the node-port range.
//!
//! Both reserve a static band at the bottom of their range (KEP-3070): automatic picks start at
//! a random point above the band and probe upward (wrapping within the upper part), and fall
//! back into the band only when everything above it is taken. Explicitly requested values are
//! accepted anywhere in the range. Errors carry the allocators' own texts (`range is full`,
//! `provided IP is already allocated`, …), which the service registry wraps.
//!
//! Allocation is transactional, as in the registry: a [`Txn`] records what a write allocated
//! (undone if the write fails) and what it will release (freed only once the write succeeded).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::ops::RangeInclusive;

use ipnet::Ipv4Net;

use crate::rng::SimRng;

/// `range is full`: the sentinel both allocators return when nothing is free.
pub const RANGE_FULL: &str = "range is full";

/// Offsets `0..max` of a range, the used ones, and the size of the static band at the bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bitmap {
    max: u64,
    band: u64,
    used: BTreeSet<u64>,
}

impl Bitmap {
    fn new(max: u64, band: u64) -> Bitmap {
        Bitmap { max, band: band.min(max), used: BTreeSet::new() }
    }

    /// Marks `offset` used; false if it already was.
    fn take(&mut self, offset: u64) -> bool {
        offset < self.max && self.used.insert(offset)
    }

    fn release(&mut self, offset: u64) {
        self.used.remove(&offset);
    }

    /// `randomScanStrategyWithOffset`: a random start in the upper part, probing upward with
    /// wrap-around; then the same within the band.
    fn take_next(&mut self, rng: &mut SimRng) -> Option<u64> {
        if self.used.len() as u64 >= self.max {
            return None;
        }
        let upper = self.max - self.band;
        let found = (upper > 0)
            .then(|| self.scan(self.band, upper, rng.below(upper)))
            .flatten()
            .or_else(|| (self.band > 0).then(|| self.scan(0, self.band, rng.below(self.band))).flatten())?;
        self.used.insert(found);
        Some(found)
    }

    /// The first free offset of `lo..lo+len`, starting at `lo+start` and wrapping to `lo`.
    fn scan(&self, lo: u64, len: u64, start: u64) -> Option<u64> {
        let (from, end) = (lo + start, lo + len);
        self.first_free(from, end).or_else(|| self.first_free(lo, from))
    }

    fn first_free(&self, from: u64, to: u64) -> Option<u64> {
        let mut candidate = from;
        for &u in self.used.range(from..to) {
            if u != candidate {
                break;
            }
            candidate += 1;
        }
        (candidate < to).then_some(candidate)
    }
}

/// `calculateRangeOffset` of the ClusterIP allocator: none for ranges of up to 16 addresses,
/// else total/16 clamped to 16..=256.
pub fn ip_band(total: u64) -> u64 {
    if total <= 16 {
        0
    } else {
        (total / 16).clamp(16, 256)
    }
}

/// `calculateRangeOffset` of the node-port allocator: none for ranges of up to 16 ports, else
/// size/32 clamped to 16..=128.
pub fn port_band(size: u64) -> u64 {
    if size <= 16 {
        0
    } else {
        (size / 32).clamp(16, 128)
    }
}

/// The ClusterIP range: the CIDR without its network and broadcast addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpAllocator {
    cidr: Ipv4Net,
    bits: Bitmap,
}

impl IpAllocator {
    pub fn new(cidr: Ipv4Net) -> IpAllocator {
        let cidr = cidr.trunc();
        let total = 1u64 << (32 - u32::from(cidr.prefix_len()));
        IpAllocator { cidr, bits: Bitmap::new(total.saturating_sub(2), ip_band(total)) }
    }

    /// The first usable address (network + 1), which `kubernetes.default` gets.
    pub fn first(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.cidr.network()).wrapping_add(1))
    }

    /// The static band's addresses, `first..=last`; None when there is no band.
    pub fn band(&self) -> Option<RangeInclusive<Ipv4Addr>> {
        (self.bits.band > 0).then(|| self.first()..=self.at(self.bits.band - 1))
    }

    fn at(&self, offset: u64) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.first()).wrapping_add(offset as u32))
    }

    fn offset(&self, ip: Ipv4Addr) -> Option<u64> {
        let off = u64::from(u32::from(ip)).checked_sub(u64::from(u32::from(self.first())))?;
        (off < self.bits.max).then_some(off)
    }

    /// `Allocate(ip)`, with the error texts of the multi-CIDR allocator (on and locked in
    /// 1.34): an address outside every service CIDR does not match; the network and broadcast
    /// addresses of the CIDR are not in its valid range.
    pub fn allocate(&mut self, ip: Ipv4Addr) -> Result<(), String> {
        if !self.cidr.contains(&ip) {
            return Err("the provided network does not match the current range".into());
        }
        let Some(off) = self.offset(ip) else {
            return Err(format!(
                "the provided IP ({ip}) is not in the valid range. The range of valid IPs is {}",
                self.cidr
            ));
        };
        if self.bits.take(off) {
            Ok(())
        } else {
            Err("provided IP is already allocated".into())
        }
    }

    /// `AllocateNext()`; None when the range is full.
    pub fn allocate_next(&mut self, rng: &mut SimRng) -> Option<Ipv4Addr> {
        self.bits.take_next(rng).map(|off| self.at(off))
    }

    pub fn release(&mut self, ip: Ipv4Addr) {
        if let Some(off) = self.offset(ip) {
            self.bits.release(off);
        }
    }

    pub fn is_allocated(&self, ip: Ipv4Addr) -> bool {
        self.offset(ip).is_some_and(|off| self.bits.used.contains(&off))
    }

    pub fn used(&self) -> usize {
        self.bits.used.len()
    }
}

/// The node-port range, `base..=base+size-1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortAllocator {
    base: u64,
    bits: Bitmap,
}

impl PortAllocator {
    pub fn new(range: RangeInclusive<u16>) -> PortAllocator {
        let (base, last) = (u64::from(*range.start()), u64::from(*range.end()));
        let size = if last >= base { last - base + 1 } else { 0 };
        PortAllocator { base, bits: Bitmap::new(size, port_band(size)) }
    }

    /// `30000-32767`: the range as the allocator's errors name it.
    pub fn range_text(&self) -> String {
        format!("{}-{}", self.base, (self.base + self.bits.max).saturating_sub(1))
    }

    /// The static band's ports; None when there is no band.
    pub fn band(&self) -> Option<RangeInclusive<i32>> {
        (self.bits.band > 0).then(|| self.base as i32..=(self.base + self.bits.band - 1) as i32)
    }

    fn offset(&self, port: i32) -> Option<u64> {
        let off = u64::try_from(port).ok()?.checked_sub(self.base)?;
        (off < self.bits.max).then_some(off)
    }

    /// `Allocate(port)`, with the allocator's error text.
    pub fn allocate(&mut self, port: i32) -> Result<(), String> {
        let Some(off) = self.offset(port) else {
            return Err(format!(
                "provided port is not in the valid range. The range of valid ports is {}",
                self.range_text()
            ));
        };
        if self.bits.take(off) {
            Ok(())
        } else {
            Err("provided port is already allocated".into())
        }
    }

    /// `AllocateNext()`; None when the range is full.
    pub fn allocate_next(&mut self, rng: &mut SimRng) -> Option<i32> {
        self.bits.take_next(rng).map(|off| (self.base + off) as i32)
    }

    pub fn release(&mut self, port: i32) {
        if let Some(off) = self.offset(port) {
            self.bits.release(off);
        }
    }

    pub fn is_allocated(&self, port: i32) -> bool {
        self.offset(port).is_some_and(|off| self.bits.used.contains(&off))
    }

    pub fn used(&self) -> usize {
        self.bits.used.len()
    }
}

/// Both allocators, as the API server holds them; part of the simulation's state, so snapshots
/// carry them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocators {
    pub ips: IpAllocator,
    pub node_ports: PortAllocator,
}

impl Allocators {
    pub fn new(service_cidr: Ipv4Net, node_ports: RangeInclusive<u16>) -> Allocators {
        Allocators { ips: IpAllocator::new(service_cidr), node_ports: PortAllocator::new(node_ports) }
    }

    /// Frees what `txn` allocated: the write it belonged to failed.
    pub fn revert(&mut self, txn: &Txn) {
        for &ip in &txn.allocated_ips {
            self.ips.release(ip);
        }
        for &port in &txn.allocated_ports {
            self.node_ports.release(port);
        }
    }

    /// Frees what `txn` gave up: the write it belonged to succeeded.
    pub fn commit(&mut self, txn: &Txn) {
        for &ip in &txn.released_ips {
            self.ips.release(ip);
        }
        for &port in &txn.released_ports {
            self.node_ports.release(port);
        }
    }
}

/// What one write allocated and what it gives up once it succeeds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Txn {
    pub allocated_ips: Vec<Ipv4Addr>,
    pub allocated_ports: Vec<i32>,
    pub released_ips: Vec<Ipv4Addr>,
    pub released_ports: Vec<i32>,
}

#[cfg(test)]
#[path = "allocator_tests.rs"]
mod tests;
