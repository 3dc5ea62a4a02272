//! The neighbour (ARP) cache of a namespace, with the kernel's NUD states on the virtual clock.
//!
//! An entry is created INCOMPLETE when the stack needs a MAC it does not have and sends an ARP
//! request; the reply makes it REACHABLE. A REACHABLE entry turns STALE after the reachable
//! time; a STALE entry is still used (the kernel then moves it to DELAY and PROBE to confirm it;
//! that confirmation is not simulated: the next use refreshes it to REACHABLE). Entries an
//! agent installs (flanneld) are PERMANENT and never age.
//!
//! Simplification: the kernel draws each entry's reachable time uniformly between half and one
//! and a half times `base_reachable_time_ms` (30 s); here it is exactly 30 s.
//! `ip neigh` lists entries in the order they were created.

use std::fmt;
use std::net::Ipv4Addr;

use super::wire::ethernet::MacAddr;
use crate::time::{SimDuration, SimTime};

/// `net.ipv4.neigh.default.base_reachable_time_ms`.
pub const REACHABLE_TIME: SimDuration = SimDuration(30_000_000);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NudState {
    Incomplete,
    Reachable,
    Stale,
    Failed,
    Permanent,
}

impl NudState {
    pub fn name(self) -> &'static str {
        match self {
            NudState::Incomplete => "INCOMPLETE",
            NudState::Reachable => "REACHABLE",
            NudState::Stale => "STALE",
            NudState::Failed => "FAILED",
            NudState::Permanent => "PERMANENT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neigh {
    pub ip: Ipv4Addr,
    pub dev: u32,
    pub mac: Option<MacAddr>,
    state: NudState,
    /// When the entry was last confirmed.
    pub confirmed: SimTime,
}

impl Neigh {
    pub fn permanent(ip: Ipv4Addr, dev: u32, mac: MacAddr) -> Neigh {
        Neigh { ip, dev, mac: Some(mac), state: NudState::Permanent, confirmed: SimTime(0) }
    }

    /// The state at `now` (REACHABLE ages into STALE).
    pub fn state(&self, now: SimTime) -> NudState {
        match self.state {
            NudState::Reachable if now.since(self.confirmed) >= REACHABLE_TIME => NudState::Stale,
            s => s,
        }
    }

    /// `ip neigh` line: `10.244.1.1 dev eth0 lladdr 0a:58:0a:f4:01:01 REACHABLE`.
    pub fn display<'a>(&'a self, dev: &'a str, now: SimTime) -> impl fmt::Display + 'a {
        NeighText { n: self, dev, now }
    }
}

struct NeighText<'a> {
    n: &'a Neigh,
    dev: &'a str,
    now: SimTime,
}

impl fmt::Display for NeighText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} dev {}", self.n.ip, self.dev)?;
        if let Some(m) = self.n.mac {
            write!(f, " lladdr {m}")?;
        }
        write!(f, " {}", self.n.state(self.now).name())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeighTable {
    entries: Vec<Neigh>,
}

impl NeighTable {
    pub fn entries(&self) -> &[Neigh] {
        &self.entries
    }

    pub fn get(&self, ip: Ipv4Addr, dev: u32) -> Option<&Neigh> {
        self.entries.iter().find(|n| n.ip == ip && n.dev == dev)
    }

    /// The MAC to use for `ip` on `dev`, if the entry is usable (anything but INCOMPLETE or
    /// FAILED). Using a STALE entry confirms it again, standing in for the kernel's DELAY/PROBE
    /// round.
    pub fn resolve(&mut self, ip: Ipv4Addr, dev: u32, now: SimTime) -> Option<MacAddr> {
        let n = self.entries.iter_mut().find(|n| n.ip == ip && n.dev == dev)?;
        match n.state(now) {
            NudState::Incomplete | NudState::Failed => None,
            NudState::Stale => {
                n.state = NudState::Reachable;
                n.confirmed = now;
                n.mac
            }
            _ => n.mac,
        }
    }

    /// A request went out for `ip`: the entry exists INCOMPLETE until an answer comes.
    pub fn incomplete(&mut self, ip: Ipv4Addr, dev: u32, now: SimTime) {
        match self.entries.iter_mut().find(|n| n.ip == ip && n.dev == dev) {
            Some(n) if n.state != NudState::Permanent => {
                n.state = NudState::Incomplete;
                n.mac = None;
                n.confirmed = now;
            }
            Some(_) => {}
            None => self.entries.push(Neigh { ip, dev, mac: None, state: NudState::Incomplete, confirmed: now }),
        }
    }

    /// No answer came: the entry goes FAILED (`ip neigh` shows it without a lladdr).
    pub fn failed(&mut self, ip: Ipv4Addr, dev: u32, now: SimTime) {
        if let Some(n) = self.entries.iter_mut().find(|n| n.ip == ip && n.dev == dev && n.state != NudState::Permanent) {
            n.state = NudState::Failed;
            n.mac = None;
            n.confirmed = now;
        }
    }

    /// An ARP reply (or a request naming us, which also teaches the sender's address) confirms
    /// `ip` at `mac`. A request from an unknown sender creates a STALE entry, as the kernel does;
    /// a reply makes the entry REACHABLE.
    pub fn learn(&mut self, ip: Ipv4Addr, dev: u32, mac: MacAddr, now: SimTime, reply: bool) {
        let state = if reply { NudState::Reachable } else { NudState::Stale };
        match self.entries.iter_mut().find(|n| n.ip == ip && n.dev == dev) {
            Some(n) if n.state == NudState::Permanent => {}
            Some(n) => {
                if reply || n.mac != Some(mac) {
                    n.state = state;
                    n.confirmed = now;
                }
                n.mac = Some(mac);
            }
            None => self.entries.push(Neigh { ip, dev, mac: Some(mac), state, confirmed: now }),
        }
    }

    pub fn add_permanent(&mut self, n: Neigh) {
        self.entries.retain(|e| !(e.ip == n.ip && e.dev == n.dev));
        self.entries.push(n);
    }

    pub fn remove(&mut self, ip: Ipv4Addr, dev: u32) {
        self.entries.retain(|e| !(e.ip == ip && e.dev == dev));
    }

    pub fn forget_device(&mut self, dev: u32) {
        self.entries.retain(|e| e.dev != dev);
    }
}
