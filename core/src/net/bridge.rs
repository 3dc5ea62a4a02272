//! A Linux bridge's forwarding database (FDB) and forwarding decision.
//!
//! On every frame that enters a port the bridge learns "source MAC is behind this port"; a
//! learned entry ages out after `ageing_time` (300 s) without traffic. A frame to a MAC in the
//! FDB goes out of that one port — or is dropped when that is the port it came in on, unless
//! the port is in hairpin mode; a frame to an unknown or broadcast MAC is flooded to every
//! other port; a frame to the bridge's own MAC (or one of its ports') is delivered up to the
//! host's IP stack. The ports' own addresses are the `permanent` entries of `bridge fdb`.

use super::wire::ethernet::MacAddr;
use crate::time::{SimDuration, SimTime};

/// The default bridge `ageing_time` (300 s).
pub const AGEING_TIME: SimDuration = SimDuration(300_000_000);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdbEntry {
    pub mac: MacAddr,
    pub port: u32,
    pub updated: SimTime,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fdb {
    /// Learned entries in the order they were learned.
    pub learned: Vec<FdbEntry>,
}

/// Where the bridge sends a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Up to the host stack (the frame is for the bridge device itself).
    Local,
    /// Out of one port, found in the FDB.
    Forward(u32),
    /// Out of every other port (unknown unicast, broadcast).
    Flood(Vec<u32>),
    /// The FDB says the destination is behind the port the frame came in on.
    Filtered(u32),
}

impl Fdb {
    /// Learned entries still alive at `now`.
    pub fn live(&self, now: SimTime) -> impl Iterator<Item = &FdbEntry> {
        self.learned.iter().filter(move |e| now.since(e.updated) < AGEING_TIME)
    }

    pub fn lookup(&self, mac: MacAddr, now: SimTime) -> Option<u32> {
        self.live(now).find(|e| e.mac == mac).map(|e| e.port)
    }

    /// Learns `mac` behind `port`. Returns true when the entry is new or moved.
    pub fn learn(&mut self, mac: MacAddr, port: u32, now: SimTime) -> bool {
        if mac.is_broadcast() || mac.0[0] & 1 == 1 {
            return false;
        }
        self.learned.retain(|e| now.since(e.updated) < AGEING_TIME);
        match self.learned.iter_mut().find(|e| e.mac == mac) {
            Some(e) => {
                let moved = e.port != port;
                e.port = port;
                e.updated = now;
                moved
            }
            None => {
                self.learned.push(FdbEntry { mac, port, updated: now });
                true
            }
        }
    }

    pub fn forget_port(&mut self, port: u32) {
        self.learned.retain(|e| e.port != port);
    }
}

/// The forwarding decision for a frame to `dst` that entered on `in_port`. `bridge_macs` are
/// the bridge's own address and its ports' (local entries); `ports` are the bridge's ports with
/// their hairpin flag, in index order.
pub fn decide(fdb: &Fdb, dst: MacAddr, in_port: u32, bridge_macs: &[MacAddr], ports: &[(u32, bool)], now: SimTime) -> Decision {
    if bridge_macs.contains(&dst) {
        return Decision::Local;
    }
    let hairpin = |p: u32| ports.iter().any(|&(i, h)| i == p && h);
    if !dst.is_broadcast() && dst.0[0] & 1 == 0 {
        if let Some(port) = fdb.lookup(dst, now) {
            if port == in_port && !hairpin(port) {
                return Decision::Filtered(port);
            }
            return Decision::Forward(port);
        }
    }
    Decision::Flood(ports.iter().filter(|&&(i, _)| i != in_port).map(|&(i, _)| i).collect())
}
