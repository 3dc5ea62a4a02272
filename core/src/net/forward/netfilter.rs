//! The netfilter hooks on the data path: where the IP code (and, with br_netfilter, the bridge)
//! hands a packet to netfilter, and how the verdict and any NAT come back onto the packet.
//!
//! Only namespaces with rules (the nodes') run hooks; a pod's namespace has an empty ruleset
//! and an untouched conntrack table, so it is skipped.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::{Engine, Pkt};
use crate::net::netfilter::conntrack::Flags;
use crate::net::netfilter::{Hook, HookCtx, HookVerdict, L4};
use crate::net::netns::NsId;
use crate::net::trace::{Detail, NfDetail, Stage};
use crate::net::wire::icmp::IcmpMessage;
use crate::net::wire::packet::Layer;

/// Where the IPv4 header is in the stack (0 at the IP layer, 1 inside a bridged frame).
fn ip_index(pkt: &Pkt) -> Option<usize> {
    pkt.layers.iter().position(|l| matches!(l, Layer::Ipv4(_)))
}

fn l4_of(pkt: &Pkt, at: usize) -> Option<L4> {
    let Some(Layer::Ipv4(h)) = pkt.layers.get(at) else { return None };
    let mut l4 = L4 { src: h.src, dst: h.dst, proto: h.protocol, sport: 0, dport: 0, flags: Flags::default(), len: h.total_len };
    match pkt.layers.get(at + 1) {
        Some(Layer::Tcp(t)) => {
            (l4.sport, l4.dport) = (t.src_port, t.dst_port);
            use crate::net::wire::tcp::TcpFlags;
            let f = t.flags;
            l4.flags = Flags { syn: f.has(TcpFlags::SYN), ack: f.has(TcpFlags::ACK), fin: f.has(TcpFlags::FIN), rst: f.has(TcpFlags::RST) };
        }
        Some(Layer::Udp(u)) => (l4.sport, l4.dport) = (u.src_port, u.dst_port),
        Some(Layer::Icmp(i)) => match i.message {
            IcmpMessage::EchoRequest { ident, .. } => (l4.sport, l4.dport) = (ident, 8),
            IcmpMessage::EchoReply { ident, .. } => (l4.sport, l4.dport) = (ident, 0),
            _ => return None, // errors belong to the connection they quote; not tracked here
        },
        _ => {}
    }
    Some(l4)
}

/// Writes rewritten addresses and ports back into the headers, with fresh checksums.
fn apply(pkt: &mut Pkt, at: usize, l4: &L4) {
    let p = Arc::make_mut(pkt);
    let (layers, payload) = (&mut p.layers, &p.payload);
    if let Some(Layer::Ipv4(h)) = layers.get_mut(at) {
        h.src = l4.src;
        h.dst = l4.dst;
        h.fill_checksum();
    }
    match layers.get_mut(at + 1) {
        Some(Layer::Tcp(t)) => {
            (t.src_port, t.dst_port) = (l4.sport, l4.dport);
            t.fill_checksum(l4.src, l4.dst, payload);
        }
        Some(Layer::Udp(u)) => {
            (u.src_port, u.dst_port) = (l4.sport, l4.dport);
            u.fill_checksum(l4.src, l4.dst, payload);
        }
        _ => {}
    }
}

/// A connection IPVS scheduled: nf_nat does not rewrite its destination (IPVS does, at
/// LOCAL_IN, see `ipvs.rs`), and the source of its replies is put back by IPVS.
fn ipvs_owns_nat(r: &mut crate::net::netfilter::HookResult, l4: &mut L4) {
    use crate::net::netfilter::NatKind;
    let Some(n) = r.nat.as_mut() else { return };
    match (n.kind, n.reply) {
        (NatKind::Dst, false) => {
            (l4.dst, l4.dport) = n.from;
            r.nat = None;
        }
        (NatKind::Src, true) => n.by_rule = Some("IPVS"),
        _ => {}
    }
}

impl Engine<'_> {
    /// Runs `hook` in `ns` over the packet. Returns false when netfilter dropped or rejected
    /// it (the hop, and for REJECT the ICMP error, are recorded here).
    pub(super) fn nf_hook(&mut self, ns: NsId, hook: Hook, in_dev: Option<u32>, out_dev: Option<u32>, pkt: &mut Pkt) -> bool {
        if !self.net.filters.contains_key(&ns) {
            return true;
        }
        let Some(at) = ip_index(pkt) else { return true };
        let Some(mut l4) = l4_of(pkt, at) else { return true };
        let bridged = at > 0;
        let in_name = in_dev.map(|d| self.dev_arc(ns, d));
        let out_name = out_dev.map(|d| self.dev_arc(ns, d));
        let Some(space) = self.net.spaces.get(&ns) else { return true };
        let masq_addr = out_dev.and_then(|d| space.device(d)).and_then(|d| d.ipv4());
        let redirect_addr = match in_dev {
            Some(d) => space.device(d).and_then(|d| d.ipv4()),
            None => Some(Ipv4Addr::LOCALHOST),
        };
        let is_local = |a: Ipv4Addr| space.is_local(a);
        let sets = self.net.ipvs.get(&ns).map(|n| &n.sets);
        let in_set = |name: &str, dirs: &[crate::net::netfilter::rule::SetDir], t: &crate::net::netfilter::Tuple| sets.is_some_and(|s| s.contains(name, dirs, t));
        let rng = &mut *self.rng;
        let mut random = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let mut ctx = HookCtx {
            hook,
            in_iface: in_name.as_deref(),
            out_iface: out_name.as_deref(),
            is_local: &is_local,
            masq_addr,
            redirect_addr,
            in_set: &in_set,
            now: self.now,
            random: &mut random,
            trace: true,
        };
        let nf = self.net.filters.get_mut(&ns).expect("checked above");
        let mut skb = pkt.skb;
        let before = l4;
        let mut r = nf.hook(&mut ctx, &mut l4, &mut skb);
        if r.ct_id.is_some_and(|id| self.net.ipvs.get(&ns).is_some_and(|n| n.conns.contains(&id))) {
            ipvs_owns_nat(&mut r, &mut l4);
        }
        if skb != pkt.skb {
            Arc::make_mut(pkt).skb = skb;
        }
        if l4 != before {
            apply(pkt, at, &l4);
        }
        let verdict = r.verdict.clone();
        let new_conn = r.ct_state == crate::net::netfilter::rule::CtState::New;
        let show = !r.visits.is_empty() || r.nat.is_some() || verdict != HookVerdict::Accept;
        if show {
            let dev = if hook == Hook::Postrouting || hook == Hook::Output { out_dev } else { in_dev };
            let detail = NfDetail { hook, bridged, ct: r.ct_state, ct_new: r.ct_new, visits: r.visits, nat: r.nat, verdict: verdict.clone() };
            let stage = if verdict == HookVerdict::Accept { Stage::Netfilter } else { Stage::Drop };
            self.hop(ns, dev, stage, Detail::Netfilter(Box::new(detail)), pkt);
        }
        if verdict == HookVerdict::Accept && hook == Hook::Forward && new_conn {
            if let Some(check) = self.policy {
                let node = match self.net.netns(ns).map(|n| &n.owner) {
                    Some(crate::net::netns::Owner::Node(n)) => n.clone(),
                    _ => String::new(),
                };
                if let Some((allowed, why)) = check(&node, l4.src, l4.dst, l4.proto, l4.dport) {
                    let stage = if allowed { Stage::Netfilter } else { Stage::Drop };
                    self.hop(ns, in_dev, stage, why, pkt);
                    if !allowed {
                        return false;
                    }
                }
            }
        }
        match verdict {
            HookVerdict::Accept => true,
            HookVerdict::Drop => false,
            HookVerdict::Reject { .. } => {
                let ip_pkt: Pkt = if bridged { Arc::new(crate::net::wire::packet::Packet::new(pkt.layers[at..].to_vec(), pkt.payload.clone())) } else { pkt.clone() };
                // Every REJECT is answered with ICMP port unreachable (kube-proxy's choice);
                // `--reject-with tcp-reset` is not modelled.
                let code = crate::net::wire::icmp::unreachable::PORT;
                self.icmp_error(ns, &ip_pkt, IcmpMessage::DestUnreachable { code, next_hop_mtu: 0 });
                false
            }
        }
    }
}
