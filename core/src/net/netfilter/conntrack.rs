//! Connection tracking: each connection's original and reply tuples, its state and its timeout
//! on the virtual clock. NAT is decided on a connection's first packet and stored here as the
//! reply tuple; every later packet, in either direction, is rewritten from it (the nat table
//! is not consulted again), which is why replies find their way back through a DNAT.
//!
//! Timeouts are the kernel's defaults (`nf_conntrack_tcp_timeout_*`, `udp_timeout` 30 s and
//! `udp_timeout_stream` 120 s, `icmp_timeout` 30 s).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt::Write;
use std::hash::BuildHasherDefault;
use std::net::Ipv4Addr;

use super::tuple_hash::{key, TupleHasher};
use crate::time::{SimDuration, SimTime};

/// One direction of a connection. For ICMP echo, `sport` is the echo id and `dport` the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tuple {
    pub proto: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub sport: u16,
    pub dport: u16,
}

impl Tuple {
    /// The tuple a reply to this one carries, before any NAT.
    pub fn invert(self) -> Tuple {
        if self.proto == 1 {
            // ICMP echo request (8) ⇄ reply (0); the id stays.
            let t = if self.dport == 8 { 0 } else { 8 };
            return Tuple { proto: 1, src: self.dst, dst: self.src, sport: self.sport, dport: t };
        }
        Tuple { proto: self.proto, src: self.dst, dst: self.src, sport: self.dport, dport: self.sport }
    }
}

/// Which way a packet goes relative to the connection's first packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Original,
    Reply,
}

/// conntrack's TCP states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpState {
    SynSent,
    SynRecv,
    Established,
    FinWait,
    CloseWait,
    LastAck,
    TimeWait,
    Close,
}

impl TcpState {
    pub fn name(self) -> &'static str {
        match self {
            TcpState::SynSent => "SYN_SENT",
            TcpState::SynRecv => "SYN_RECV",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait => "FIN_WAIT",
            TcpState::CloseWait => "CLOSE_WAIT",
            TcpState::LastAck => "LAST_ACK",
            TcpState::TimeWait => "TIME_WAIT",
            TcpState::Close => "CLOSE",
        }
    }

    fn timeout_secs(self) -> u64 {
        match self {
            TcpState::SynSent => 120,
            TcpState::SynRecv => 60,
            TcpState::Established => 432_000,
            TcpState::FinWait => 120,
            TcpState::CloseWait => 60,
            TcpState::LastAck => 30,
            TcpState::TimeWait => 120,
            TcpState::Close => 10,
        }
    }
}

/// TCP flags conntrack's state machine reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub orig: Tuple,
    /// What replies look like: NAT shows here (`src` = the real server after DNAT, `dst` =
    /// the masquerade address after SNAT).
    pub reply: Tuple,
    pub tcp: Option<TcpState>,
    pub seen_reply: bool,
    pub assured: bool,
    pub created: SimTime,
    pub expires: SimTime,
    pub mark: u32,
    /// Whether the destination (0) and source (1) mappings were decided.
    pub nat_done: [bool; 2],
    /// The first packet left the stack (end of POSTROUTING or INPUT); until then a drop
    /// destroys the entry.
    pub confirmed: bool,
}

impl Entry {
    pub fn dnat(&self) -> bool {
        self.reply.src != self.orig.dst || self.reply.sport != self.orig.dport
    }

    pub fn snat(&self) -> bool {
        self.reply.dst != self.orig.src || self.reply.dport != self.orig.sport
    }

    pub fn tuple(&self, d: Dir) -> Tuple {
        match d {
            Dir::Original => self.orig,
            Dir::Reply => self.reply,
        }
    }
}

/// A namespace's conntrack table, made on its first connection (most namespaces see none).
#[derive(Debug, Clone, Default)]
pub struct Conntrack {
    state: Option<Box<State>>,
}

/// The entries. Ids are handed out in order, so entries sit in a deque indexed by `id - base`
/// (a removed entry leaves an empty slot until the ones before it go); tuples are found
/// through a hash index, which is only ever looked up, never listed.
#[derive(Debug, Clone, Default)]
struct State {
    slots: VecDeque<Option<Slot>>,
    /// The id of `slots[0]`.
    base: u64,
    live: usize,
    by_tuple: HashMap<u128, (u64, Dir), BuildHasherDefault<TupleHasher>>,
    /// (time, id), one per entry: when to look at the entry again, so expiring looks only at
    /// the ones due. The time is never later than the entry's expiry; a packet that pushes the
    /// expiry further leaves it as it is (the entry is looked at then and queued again).
    by_expiry: BTreeSet<(SimTime, u64)>,
    next_id: u64,
}

/// An entry and the time it is queued at in `by_expiry`.
#[derive(Debug, Clone)]
struct Slot {
    entry: Entry,
    queued: SimTime,
}

impl Conntrack {
    /// The live entry a packet with `t` belongs to.
    pub fn find(&self, t: &Tuple, now: SimTime) -> Option<(u64, Dir)> {
        self.state.as_ref()?.find(t, now)
    }

    pub fn get(&self, id: u64) -> Option<&Entry> {
        self.state.as_ref()?.get(id)
    }

    /// A new connection, its reply tuple not yet NATed.
    pub fn create(&mut self, orig: Tuple, now: SimTime) -> u64 {
        self.state.get_or_insert_with(Default::default).create(orig, now)
    }

    /// Records the NAT decided for a new connection (`manip` 0: destination, 1: source): the
    /// reply tuple changes.
    pub fn set_reply(&mut self, id: u64, reply: Tuple, manip: usize) {
        if let Some(s) = self.state.as_mut() {
            s.set_reply(id, reply, manip);
        }
    }

    pub fn confirm(&mut self, id: u64) {
        if let Some(e) = self.state.as_mut().and_then(|s| s.get_mut(id)) {
            e.confirmed = true;
        }
    }

    /// Removes an entry whose first packet was dropped (never confirmed).
    pub fn forget(&mut self, id: u64) {
        if let Some(s) = self.state.as_mut() {
            s.forget(id);
        }
    }

    /// A packet of the connection went by: advance the state and refresh the timeout.
    pub fn seen(&mut self, id: u64, d: Dir, flags: Flags, now: SimTime) {
        if let Some(s) = self.state.as_mut() {
            s.seen(id, d, flags, now);
        }
    }

    pub fn len(&self) -> usize {
        self.state.as_ref().map_or(0, |s| s.live)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `conntrack -L`: one line per live entry, then the summary conntrack prints on stderr.
    pub fn list(&self, now: SimTime) -> (String, String) {
        let mut out = String::new();
        let mut n = 0;
        let entries = self.state.iter().flat_map(|s| s.slots.iter().flatten().map(|s| &s.entry));
        for e in entries.filter(|e| e.expires > now && e.confirmed) {
            n += 1;
            let left = (e.expires.0 - now.0) / 1_000_000;
            let name = match e.orig.proto {
                6 => "tcp",
                17 => "udp",
                1 => "icmp",
                132 => "sctp",
                _ => "unknown",
            };
            let _ = write!(out, "{name:<8} {} {left} ", e.orig.proto);
            if let Some(s) = e.tcp {
                let _ = write!(out, "{} ", s.name());
            }
            tuple_text(&mut out, &e.orig);
            if !e.seen_reply {
                out.push_str("[UNREPLIED] ");
            }
            tuple_text(&mut out, &e.reply);
            if e.assured {
                out.push_str("[ASSURED] ");
            }
            let _ = writeln!(out, "mark={} use=1", e.mark);
        }
        (out, format!("conntrack v1.4.7 (conntrack-tools): {n} flow entries have been shown.\n"))
    }
}

impl State {
    fn find(&self, t: &Tuple, now: SimTime) -> Option<(u64, Dir)> {
        let (id, d) = *self.by_tuple.get(&key(t))?;
        (self.get(id)?.expires > now).then_some((id, d))
    }

    fn get(&self, id: u64) -> Option<&Entry> {
        let i = usize::try_from(id.checked_sub(self.base)?).ok()?;
        self.slots.get(i)?.as_ref().map(|s| &s.entry)
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut Entry> {
        let i = usize::try_from(id.checked_sub(self.base)?).ok()?;
        self.slots.get_mut(i)?.as_mut().map(|s| &mut s.entry)
    }

    /// A new connection, its reply tuple not yet NATed.
    fn create(&mut self, orig: Tuple, now: SimTime) -> u64 {
        self.expire(now);
        self.next_id += 1;
        let id = self.next_id;
        let tcp = (orig.proto == 6).then_some(TcpState::SynSent);
        let secs = tcp.map_or(30, TcpState::timeout_secs);
        let e = Entry { orig, reply: orig.invert(), tcp, seen_reply: false, assured: false, created: now, expires: now + SimDuration::from_secs(secs), mark: 0, nat_done: [false; 2], confirmed: false };
        self.by_tuple.insert(key(&e.orig), (id, Dir::Original));
        self.by_tuple.insert(key(&e.reply), (id, Dir::Reply));
        self.by_expiry.insert((e.expires, id));
        if self.slots.is_empty() {
            self.base = id;
        }
        let queued = e.expires;
        self.slots.push_back(Some(Slot { entry: e, queued }));
        self.live += 1;
        id
    }

    /// Records the NAT decided for a new connection (`manip` 0: destination, 1: source): the
    /// reply tuple changes.
    fn set_reply(&mut self, id: u64, reply: Tuple, manip: usize) {
        let Some(e) = self.get_mut(id) else { return };
        e.nat_done[manip] = true;
        let old = e.reply;
        e.reply = reply;
        self.by_tuple.remove(&key(&old));
        self.by_tuple.insert(key(&reply), (id, Dir::Reply));
    }

    /// Removes an entry whose first packet was dropped (never confirmed).
    fn forget(&mut self, id: u64) {
        let Some(i) = id.checked_sub(self.base).and_then(|i| usize::try_from(i).ok()) else { return };
        let Some(Slot { entry: e, queued }) = self.slots.get_mut(i).and_then(Option::take) else { return };
        self.live -= 1;
        self.by_tuple.remove(&key(&e.orig));
        self.by_tuple.remove(&key(&e.reply));
        self.by_expiry.remove(&(queued, id));
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.base += 1;
        }
    }

    /// A packet of the connection went by: advance the state and refresh the timeout.
    fn seen(&mut self, id: u64, d: Dir, flags: Flags, now: SimTime) {
        let Some(i) = id.checked_sub(self.base).and_then(|i| usize::try_from(i).ok()) else { return };
        let Some(Some(Slot { entry: e, queued })) = self.slots.get_mut(i) else { return };
        if d == Dir::Reply {
            e.seen_reply = true;
        }
        let secs = match e.tcp {
            Some(s) => {
                let next = tcp_next(s, d, flags);
                if next == TcpState::Established && d == Dir::Original && s == TcpState::SynRecv {
                    e.assured = true;
                }
                e.tcp = Some(next);
                next.timeout_secs()
            }
            None if e.orig.proto == 17 && e.seen_reply && now.since(e.created) > SimDuration::from_secs(2) => {
                e.assured = true;
                120
            }
            None => 30,
        };
        e.expires = now + SimDuration::from_secs(secs);
        if e.expires < *queued {
            self.by_expiry.remove(&(*queued, id));
            *queued = e.expires;
            self.by_expiry.insert((e.expires, id));
        }
    }

    fn expire(&mut self, now: SimTime) {
        while let Some(&(at, id)) = self.by_expiry.first() {
            if at > now {
                break;
            }
            self.by_expiry.pop_first();
            let Some(i) = id.checked_sub(self.base).and_then(|i| usize::try_from(i).ok()) else { continue };
            let Some(Some(slot)) = self.slots.get_mut(i) else { continue };
            if slot.entry.expires > now {
                // Refreshed since it was queued: look again at its expiry.
                slot.queued = slot.entry.expires;
                self.by_expiry.insert((slot.queued, id));
            } else {
                self.forget(id);
            }
        }
    }

}

fn tuple_text(out: &mut String, t: &Tuple) {
    if t.proto == 1 {
        let _ = write!(out, "src={} dst={} type={} code=0 id={} ", t.src, t.dst, t.dport, t.sport);
    } else {
        let _ = write!(out, "src={} dst={} sport={} dport={} ", t.src, t.dst, t.sport, t.dport);
    }
}

/// The part of `nf_conntrack_proto_tcp`'s state table the simulated exchanges reach.
fn tcp_next(s: TcpState, d: Dir, f: Flags) -> TcpState {
    use TcpState::*;
    if f.rst {
        return Close;
    }
    match (s, d) {
        (SynSent, Dir::Reply) if f.syn && f.ack => SynRecv,
        (SynRecv, Dir::Original) if f.ack && !f.syn => Established,
        (Established, _) if f.fin => FinWait,
        (FinWait, _) if f.fin => LastAck,
        (LastAck, _) if f.ack => TimeWait,
        (FinWait, Dir::Reply) if f.ack => CloseWait,
        (s, _) => s,
    }
}
