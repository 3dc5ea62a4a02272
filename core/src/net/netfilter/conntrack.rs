//! Connection tracking: each connection's original and reply tuples, its state and its timeout
//! on the virtual clock. NAT is decided on a connection's first packet and stored here as the
//! reply tuple; every later packet, in either direction, is rewritten from it (the nat table
//! is not consulted again), which is why replies find their way back through a DNAT.
//!
//! Timeouts are the kernel's defaults (`nf_conntrack_tcp_timeout_*`, `udp_timeout` 30 s and
//! `udp_timeout_stream` 120 s, `icmp_timeout` 30 s).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::Ipv4Addr;

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

/// A namespace's conntrack table.
#[derive(Debug, Clone, Default)]
pub struct Conntrack {
    entries: BTreeMap<u64, Entry>,
    by_tuple: BTreeMap<Tuple, (u64, Dir)>,
    /// (expiry, id) of every entry, so expiring looks only at the ones due.
    by_expiry: std::collections::BTreeSet<(SimTime, u64)>,
    next_id: u64,
}

impl Conntrack {
    /// The live entry a packet with `t` belongs to.
    pub fn find(&self, t: &Tuple, now: SimTime) -> Option<(u64, Dir)> {
        let (id, d) = *self.by_tuple.get(t)?;
        (self.entries.get(&id)?.expires > now).then_some((id, d))
    }

    pub fn get(&self, id: u64) -> Option<&Entry> {
        self.entries.get(&id)
    }

    /// A new connection, its reply tuple not yet NATed.
    pub fn create(&mut self, orig: Tuple, now: SimTime) -> u64 {
        self.expire(now);
        self.next_id += 1;
        let id = self.next_id;
        let tcp = (orig.proto == 6).then_some(TcpState::SynSent);
        let secs = tcp.map_or(30, TcpState::timeout_secs);
        let e = Entry { orig, reply: orig.invert(), tcp, seen_reply: false, assured: false, created: now, expires: now + SimDuration::from_secs(secs), mark: 0, nat_done: [false; 2], confirmed: false };
        self.index(id, &e);
        self.by_expiry.insert((e.expires, id));
        self.entries.insert(id, e);
        id
    }

    fn index(&mut self, id: u64, e: &Entry) {
        self.by_tuple.insert(e.orig, (id, Dir::Original));
        self.by_tuple.insert(e.reply, (id, Dir::Reply));
    }

    /// Records the NAT decided for a new connection (`manip` 0: destination, 1: source): the
    /// reply tuple changes.
    pub fn set_reply(&mut self, id: u64, reply: Tuple, manip: usize) {
        let Some(e) = self.entries.get_mut(&id) else { return };
        e.nat_done[manip] = true;
        let old = e.reply;
        e.reply = reply;
        let e = e.clone();
        self.by_tuple.remove(&old);
        self.index(id, &e);
    }

    pub fn confirm(&mut self, id: u64) {
        if let Some(e) = self.entries.get_mut(&id) {
            e.confirmed = true;
        }
    }

    /// Removes an entry whose first packet was dropped (never confirmed).
    pub fn forget(&mut self, id: u64) {
        if let Some(e) = self.entries.remove(&id) {
            self.by_tuple.remove(&e.orig);
            self.by_tuple.remove(&e.reply);
            self.by_expiry.remove(&(e.expires, id));
        }
    }

    /// A packet of the connection went by: advance the state and refresh the timeout.
    pub fn seen(&mut self, id: u64, d: Dir, flags: Flags, now: SimTime) {
        let Some(e) = self.entries.get_mut(&id) else { return };
        self.by_expiry.remove(&(e.expires, id));
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
        self.by_expiry.insert((e.expires, id));
    }

    fn expire(&mut self, now: SimTime) {
        while let Some(&(at, id)) = self.by_expiry.first() {
            if at > now {
                break;
            }
            self.forget(id);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `conntrack -L`: one line per live entry, then the summary conntrack prints on stderr.
    pub fn list(&self, now: SimTime) -> (String, String) {
        let mut out = String::new();
        let mut n = 0;
        for e in self.entries.values().filter(|e| e.expires > now && e.confirmed) {
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
