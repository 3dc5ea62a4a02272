//! One netfilter hook for one packet: conntrack first (at PREROUTING and OUTPUT, where a
//! packet enters the stack), then the tables in priority order (raw, mangle, nat, filter).
//! The nat table runs only for a connection's first packet; its DNAT, SNAT, MASQUERADE or
//! REDIRECT becomes the connection's reply tuple, and every packet of the connection, in
//! either direction, is rewritten from that tuple at this hook's manipulation point
//! (destination at PREROUTING/OUTPUT, source at POSTROUTING/INPUT).

use std::net::Ipv4Addr;

use super::conntrack::{Dir, Flags, Tuple};
use super::eval::{self, Verdict, Visit};
use super::rule::{CtState, PacketInfo, SetDir};
use super::table::{Hook, TableId};
use super::Netfilter;
use crate::net::wire::packet::SkbMeta;
use crate::time::SimTime;

/// The header fields netfilter reads and rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L4 {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub proto: u8,
    /// TCP/UDP ports; for ICMP echo, `sport` is the id and `dport` the type.
    pub sport: u16,
    pub dport: u16,
    pub flags: Flags,
    pub len: u16,
}

impl L4 {
    pub fn tuple(&self) -> Tuple {
        Tuple { proto: self.proto, src: self.src, dst: self.dst, sport: self.sport, dport: self.dport }
    }
}

/// Where the packet is and what the namespace knows.
pub struct HookCtx<'a> {
    pub hook: Hook,
    pub in_iface: Option<&'a str>,
    pub out_iface: Option<&'a str>,
    pub is_local: &'a dyn Fn(Ipv4Addr) -> bool,
    /// MASQUERADE's new source: the outgoing interface's address.
    pub masq_addr: Option<Ipv4Addr>,
    /// REDIRECT's new destination: the incoming interface's address (127.0.0.1 from OUTPUT).
    pub redirect_addr: Option<Ipv4Addr>,
    /// ipset membership of the packet.
    pub in_set: &'a dyn Fn(&str, &[SetDir], &Tuple) -> bool,
    pub now: SimTime,
    pub random: &'a mut dyn FnMut() -> f64,
    /// Record the TRACE lines.
    pub trace: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookVerdict {
    Accept,
    Drop,
    Reject { with: String },
}

/// Which address a NAT rewrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatKind {
    /// The destination (DNAT, REDIRECT; on a reply: undoing SNAT/MASQUERADE).
    Dst,
    /// The source (SNAT, MASQUERADE; on a reply: undoing DNAT).
    Src,
}

/// A rewrite this hook made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatNote {
    pub kind: NatKind,
    /// The rule's target (`DNAT`, `MASQUERADE`, …) when a rule decided it now; None when
    /// conntrack applied a mapping decided on the connection's first packet.
    pub by_rule: Option<&'static str>,
    /// The packet goes in the reply direction (the rewrite undoes the original NAT).
    pub reply: bool,
    pub from: (Ipv4Addr, u16),
    pub to: (Ipv4Addr, u16),
}

#[derive(Debug, Clone, PartialEq)]
pub struct HookResult {
    pub verdict: HookVerdict,
    pub visits: Vec<Visit>,
    pub nat: Option<NatNote>,
    pub ct_state: CtState,
    /// This packet created the conntrack entry.
    pub ct_new: bool,
    pub ct_id: Option<u64>,
}

impl Netfilter {
    /// Runs hook `ctx.hook` over the packet, rewriting `pkt` and `skb` in place.
    pub fn hook(&mut self, ctx: &mut HookCtx<'_>, pkt: &mut L4, skb: &mut SkbMeta) -> HookResult {
        let hook = ctx.hook;
        let mut ct_new = false;
        if matches!(hook, Hook::Prerouting | Hook::Output) && skb.ct.is_none() {
            let t = pkt.tuple();
            match self.conntrack.find(&t, ctx.now) {
                Some((id, d)) => {
                    self.conntrack.seen(id, d, pkt.flags, ctx.now);
                    skb.ct = Some((id, d == Dir::Reply));
                }
                None => {
                    let id = self.conntrack.create(t, ctx.now);
                    ct_new = true;
                    skb.ct = Some((id, false));
                }
            }
        }
        let (ct_id, dir) = match skb.ct {
            Some((id, r)) => (Some(id), if r { Dir::Reply } else { Dir::Original }),
            None => (None, Dir::Original),
        };
        let entry = ct_id.and_then(|id| self.conntrack.get(id));
        let ct_state = match entry {
            _ if ct_new => CtState::New,
            Some(e) if dir == Dir::Original && !e.seen_reply => CtState::New,
            Some(_) => CtState::Established,
            None => CtState::Untracked,
        };
        let ct_dnat = entry.is_some_and(|e| e.dnat());
        let manip_dst = matches!(hook, Hook::Prerouting | Hook::Output);
        // The nat table has no FORWARD chain: NAT is decided at the other four hooks only.
        // IPVS steals its packets at LOCAL_IN before the nat table's INPUT chain.
        let nat_pending = hook != Hook::Forward
            && !(hook == Hook::Input && skb.ipvs)
            && entry.is_some_and(|e| dir == Dir::Original && !e.nat_done[usize::from(!manip_dst)]);

        let tables = &*self.tables;
        let counters = &mut self.counters;
        let mut visits = Vec::new();
        let mut decided: Option<(Verdict, &'static str)> = None;
        let recent = &self.recent;
        let now = ctx.now;
        let tuple = pkt.tuple();
        let in_set = |name: &str, dirs: &[SetDir]| (ctx.in_set)(name, dirs, &tuple);
        let recent_check = |name: &str, ip: Ipv4Addr, secs: Option<u32>| {
            recent.get(&(name.to_string(), ip)).is_some_and(|t| secs.is_none_or(|s| now.since(*t).as_secs() < u64::from(s)))
        };
        let mut info = PacketInfo {
            src: pkt.src,
            dst: pkt.dst,
            proto: pkt.proto,
            sport: pkt.sport,
            dport: pkt.dport,
            in_iface: ctx.in_iface,
            out_iface: ctx.out_iface,
            mark: skb.mark,
            ct_state,
            ct_dnat,
            len: pkt.len,
            is_local: ctx.is_local,
            in_set: &in_set,
            recent: &recent_check,
            random: ctx.random,
        };
        let mut sets = Vec::new();
        let mut verdict = HookVerdict::Accept;
        let bytes = u64::from(pkt.len);
        for table in hook.tables() {
            if (table == TableId::Nat && !nat_pending) || tables.get(table).is_pristine() {
                continue;
            }
            let run = eval::run_table(tables.get(table), hook, &mut info, ctx.trace, &mut visits, counters, bytes);
            info.mark = run.mark;
            sets.extend(run.recent_set);
            match run.verdict {
                Verdict::Accept => {}
                Verdict::Drop => {
                    verdict = HookVerdict::Drop;
                    break;
                }
                Verdict::Reject { with } => {
                    verdict = HookVerdict::Reject { with };
                    break;
                }
                v => {
                    let name = nat_name(&v);
                    decided = Some((v, name));
                }
            }
        }
        skb.mark = info.mark;
        for name in sets {
            self.recent.insert((name, pkt.src), ctx.now);
        }
        if verdict != HookVerdict::Accept {
            if let Some(id) = ct_id.filter(|id| self.conntrack.get(*id).is_some_and(|e| !e.confirmed)) {
                self.conntrack.forget(id);
                skb.ct = None;
            }
            return HookResult { verdict, visits, nat: None, ct_state, ct_new, ct_id };
        }
        let Some(id) = ct_id else { return HookResult { verdict, visits, nat: None, ct_state, ct_new, ct_id } };
        if nat_pending {
            self.bind(id, manip_dst, decided.as_ref().map(|d| &d.0), ctx);
        }
        let nat = self.rewrite(id, dir, manip_dst, pkt, decided.map(|d| d.1));
        if matches!(hook, Hook::Postrouting | Hook::Input) {
            self.conntrack.confirm(id);
        }
        HookResult { verdict, visits, nat, ct_state, ct_new, ct_id }
    }

    /// Decides the connection's mapping for one manipulation (the first packet's NAT).
    fn bind(&mut self, id: u64, manip_dst: bool, v: Option<&Verdict>, ctx: &mut HookCtx<'_>) {
        let Some(e) = self.conntrack.get(id) else { return };
        let mut reply = e.reply;
        match (manip_dst, v) {
            (true, Some(Verdict::Dnat { ip, port })) => {
                reply.src = *ip;
                if let Some(p) = port {
                    reply.sport = *p;
                }
            }
            (true, Some(Verdict::Redirect { port })) => {
                reply.src = ctx.redirect_addr.unwrap_or(Ipv4Addr::LOCALHOST);
                reply.sport = *port;
            }
            (false, Some(Verdict::Snat { ip })) => reply.dst = *ip,
            (false, Some(Verdict::Masquerade)) => {
                if let Some(a) = ctx.masq_addr {
                    reply.dst = a;
                    if reply.proto != 1 {
                        // --random-fully: a random source port from the ephemeral range.
                        reply.dport = 32768 + ((ctx.random)() * 28232.0) as u16;
                    }
                }
            }
            _ => {}
        }
        self.conntrack.set_reply(id, reply, usize::from(!manip_dst));
    }

    /// Rewrites the packet to what the connection's tuples say it must look like here.
    fn rewrite(&self, id: u64, dir: Dir, manip_dst: bool, pkt: &mut L4, by_rule: Option<&'static str>) -> Option<NatNote> {
        let e = self.conntrack.get(id)?;
        let other = match dir {
            Dir::Original => e.reply,
            Dir::Reply => e.orig,
        };
        let want = other.invert();
        let icmp = pkt.proto == 1;
        let (from, to) = if manip_dst {
            let from = (pkt.dst, pkt.dport);
            let to = (want.dst, if icmp { pkt.dport } else { want.dport });
            (from, to)
        } else {
            let from = (pkt.src, pkt.sport);
            let to = (want.src, if icmp { pkt.sport } else { want.sport });
            (from, to)
        };
        if from == to {
            return None;
        }
        if manip_dst {
            (pkt.dst, pkt.dport) = to;
        } else {
            (pkt.src, pkt.sport) = to;
        }
        let kind = if manip_dst { NatKind::Dst } else { NatKind::Src };
        Some(NatNote { kind, by_rule: by_rule.filter(|_| dir == Dir::Original), reply: dir == Dir::Reply, from, to })
    }
}

fn nat_name(v: &Verdict) -> &'static str {
    match v {
        Verdict::Dnat { .. } => "DNAT",
        Verdict::Snat { .. } => "SNAT",
        Verdict::Masquerade => "MASQUERADE",
        Verdict::Redirect { .. } => "REDIRECT",
        _ => "",
    }
}
