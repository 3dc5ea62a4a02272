//! IPv4: local delivery or forwarding on input (TTL decrement, ICMP time exceeded), the route
//! lookup and next-hop resolution on output (ARP, or flannel's permanent entries), the MTU
//! check with DF (ICMP fragmentation needed), and ICMP errors back to the sender.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::{Engine, Pkt, Work, STACK_US, VETH_US};
use crate::net::netfilter::Hook;
use crate::net::netns::{DeviceKind, NsId, Owner};
use crate::net::route::{self, Lookup};
use crate::net::trace::{Detail, Outcome, Stage};
use crate::net::wire::icmp::{unreachable, IcmpHeader, IcmpMessage};
use crate::net::wire::ipv4::protocol;
use crate::net::wire::packet::{Layer, Packet};
use crate::net::wire::Ipv4Header;

/// Linux quotes the offending packet in an ICMP error up to 576 bytes in all.
const ICMP_QUOTE: usize = 576 - 20 - 8;

pub(super) fn ip_header(pkt: &Packet) -> Option<Ipv4Header> {
    match pkt.layers.first() {
        Some(Layer::Ipv4(h)) => Some(*h),
        _ => None,
    }
}

impl Engine<'_> {
    /// An IP packet received on `dev`: for us, or to forward.
    pub(super) fn ip_input(&mut self, ns: NsId, dev: u32, mut pkt: Pkt) {
        if !self.nf_hook(ns, Hook::Prerouting, Some(dev), None, &mut pkt) {
            return;
        }
        let Some(h) = ip_header(&pkt) else { return };
        let Some(n) = self.net.netns(ns) else { return };
        if n.is_local(h.dst) {
            let ipvs = self.ipvs_claims(ns, &pkt);
            if ipvs {
                Arc::make_mut(&mut pkt).skb.ipvs = true;
            }
            if !self.nf_hook(ns, Hook::Input, Some(dev), None, &mut pkt) {
                return;
            }
            if ipvs {
                let Some(p) = self.ipvs_in(ns, Some(dev), pkt) else { return };
                pkt = p;
            }
            return self.local_deliver(ns, dev, pkt);
        }
        if !n.forwarding {
            self.hop(ns, Some(dev), Stage::Drop, format!("{} is not an address here and IP forwarding is off", h.dst), &pkt);
            return;
        }
        // The route is looked up on input, before the TTL is touched.
        let extra: Option<route::Route> = match &n.owner {
            Owner::Node(node) => self.net.overlay_route(node, h.dst),
            _ => None,
        };
        let out_dev = match route::lookup(n, extra.as_slice(), h.dst) {
            Lookup::Unreachable => {
                self.hop(ns, Some(dev), Stage::Drop, format!("no route to {}", h.dst), &pkt);
                return self.icmp_error(ns, &pkt, IcmpMessage::DestUnreachable { code: unreachable::NET, next_hop_mtu: 0 });
            }
            Lookup::Route(r) => Some(r.dev),
            Lookup::Local => Some(1),
        };
        if h.ttl <= 1 {
            self.hop(ns, Some(dev), Stage::Drop, "TTL exceeded in transit", &pkt);
            return self.icmp_error(ns, &pkt, IcmpMessage::TimeExceeded { code: 0 });
        }
        if let Some(Layer::Ipv4(ip)) = Arc::make_mut(&mut pkt).layers.first_mut() {
            ip.ttl -= 1;
            ip.fill_checksum();
        }
        self.hop(ns, Some(dev), Stage::Forward, Detail::Forward { ttl: h.ttl }, &pkt);
        if !self.nf_hook(ns, Hook::Forward, Some(dev), out_dev, &mut pkt) {
            return;
        }
        self.ip_output(ns, pkt, true);
    }

    /// Routes an IP packet out of `ns`.
    pub(super) fn ip_output(&mut self, ns: NsId, mut pkt: Pkt, forwarded: bool) {
        if !forwarded && !self.nf_hook(ns, Hook::Output, None, None, &mut pkt) {
            return;
        }
        if !forwarded && !pkt.skb.ipvs && self.ipvs_claims(ns, &pkt) {
            let Some(p) = self.ipvs_in(ns, None, pkt) else { return };
            pkt = p;
        }
        let Some(h) = ip_header(&pkt) else { return };
        let Some(n) = self.net.netns(ns) else { return };
        let extra: Option<route::Route> = match &n.owner {
            Owner::Node(node) => self.net.overlay_route(node, h.dst),
            _ => None,
        };
        let found = route::lookup(n, extra.as_slice(), h.dst);
        let r = match found {
            Lookup::Local => {
                self.hop(ns, Some(1), Stage::Route, format!("{} is local: loopback", h.dst), &pkt);
                if !self.nf_hook(ns, Hook::Postrouting, None, Some(1), &mut pkt) {
                    return;
                }
                return self.schedule(VETH_US, Work::Rx { ns, dev: 1, pkt: with_loopback_frame(pkt) });
            }
            Lookup::Unreachable => {
                self.hop(ns, None, Stage::Drop, format!("no route to {}", h.dst), &pkt);
                if forwarded {
                    return self.icmp_error(ns, &pkt, IcmpMessage::DestUnreachable { code: unreachable::NET, next_hop_mtu: 0 });
                }
                if self.conv.client == Some(ns) {
                    self.finish(Outcome::Unreachable("connect: Network is unreachable".into()));
                }
                return;
            }
            Lookup::Route(r) => r,
        };
        let dev_name = self.dev_arc(ns, r.dev);
        let note = self.host_gw_note(ns, &r, h.dst);
        self.hop(ns, Some(r.dev), Stage::Route, Detail::Route { route: r, dev: dev_name.clone(), note }, &pkt);
        if !self.nf_hook(ns, Hook::Postrouting, None, Some(r.dev), &mut pkt) {
            return;
        }
        let Some(h) = ip_header(&pkt) else { return };
        let Some(d) = self.net.netns(ns).and_then(|n| n.device(r.dev)) else { return };
        let (mtu, kind) = (d.mtu, d.kind.clone());
        if usize::from(h.total_len) > mtu as usize && h.dont_frag {
            let why = format!("packet of {} bytes exceeds the MTU of {dev_name} ({mtu}) and DF is set", h.total_len);
            self.hop(ns, Some(r.dev), Stage::Drop, why, &pkt);
            if forwarded {
                let msg = IcmpMessage::DestUnreachable { code: unreachable::FRAG_NEEDED, next_hop_mtu: mtu.min(65535) as u16 };
                return self.icmp_error(ns, &pkt, msg);
            }
            if self.conv.client == Some(ns) {
                let text = match self.conv.probe {
                    Some(super::Probe::Icmp) => format!("ping: local error: message too long, mtu={mtu}"),
                    _ => "sendmsg: Message too long".to_string(),
                };
                self.finish(Outcome::Unreachable(text));
            }
            return;
        }
        if matches!(kind, DeviceKind::Tun) {
            return self.transmit(ns, r.dev, pkt);
        }
        let next_hop = r.next_hop(h.dst);
        self.resolve_and_send(ns, r.dev, next_hop, pkt, forwarded);
    }

    /// Finds the next hop's MAC (cache, flannel's permanent entry, or ARP) and sends the frame.
    fn resolve_and_send(&mut self, ns: NsId, dev: u32, next_hop: Ipv4Addr, pkt: Pkt, forwarded: bool) {
        let now = self.now;
        let vxlan = matches!(self.net.netns(ns).and_then(|n| n.device(dev)).map(|d| &d.kind), Some(DeviceKind::Vxlan { .. }));
        let permanent = if vxlan { self.net.lease_for(next_hop).filter(|l| l.vtep_ip() == next_hop).map(|l| l.vtep_mac) } else { None };
        let (mac, state) = match permanent {
            Some(m) => (Some(m), "PERMANENT"),
            None => {
                let n = self.net.netns_mut(ns).expect("namespace exists");
                let m = n.neigh.resolve(next_hop, dev, now);
                (m, "REACHABLE")
            }
        };
        let dev_name = self.dev_arc(ns, dev);
        if let Some(mac) = mac {
            self.hop(ns, Some(dev), Stage::Neighbour, Detail::Neighbour { ip: next_hop, dev: dev_name, mac, state }, &pkt);
            return self.send_frame(ns, dev, mac, pkt);
        }
        let pending = self.waiting.iter().any(|w| w.ns == ns && w.dev == dev && w.next_hop == next_hop);
        self.hop(ns, Some(dev), Stage::Neighbour, format!("no entry for {next_hop} on {dev_name}: ARP"), &pkt);
        self.waiting.push(super::Waiting { ns, dev, next_hop, pkt, forwarded });
        if !pending {
            let src = self.net.netns(ns).and_then(|n| n.device(dev)).and_then(|d| d.ipv4()).unwrap_or(Ipv4Addr::UNSPECIFIED);
            self.arp_request(ns, dev, next_hop, src);
        }
    }

    /// Nobody answered ARP for `ip`: the entry fails and the packets waiting on it get "host
    /// unreachable".
    pub(super) fn arp_timeout(&mut self, ns: NsId, dev: u32, ip: Ipv4Addr) {
        let (gone, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting).into_iter().partition(|w| w.ns == ns && w.dev == dev && w.next_hop == ip);
        self.waiting = keep;
        if gone.is_empty() {
            return;
        }
        let now = self.now;
        if let Some(n) = self.net.netns_mut(ns) {
            n.neigh.failed(ip, dev, now);
        }
        for w in gone {
            let why = format!("no ARP reply for {ip} after {} tries: neighbour FAILED", super::ARP_TRIES);
            self.hop(ns, Some(dev), Stage::Drop, why, &w.pkt);
            if w.forwarded {
                self.icmp_error(ns, &w.pkt, IcmpMessage::DestUnreachable { code: unreachable::HOST, next_hop_mtu: 0 });
            } else if self.conv.client == Some(ns) {
                self.finish(Outcome::Unreachable(self.conv.host_unreachable_text(None)));
            }
        }
    }

    /// Sends an ICMP error about `orig` back to its source, from this namespace.
    pub(super) fn icmp_error(&mut self, ns: NsId, orig: &Packet, message: IcmpMessage) {
        let Some(h) = ip_header(orig) else { return };
        if let Some(Layer::Icmp(i)) = orig.layers.get(1) {
            if !matches!(i.message, IcmpMessage::EchoRequest { .. } | IcmpMessage::EchoReply { .. }) {
                return; // never an error about an error
            }
        }
        let Some(n) = self.net.netns(ns) else { return };
        let src = match route::lookup(n, &[], h.src) {
            Lookup::Route(r) => route::source_for(n, &r),
            _ => None,
        }
        .or_else(|| n.devices.iter().skip(1).find_map(|d| d.ipv4()));
        let Some(src) = src else { return };
        let mut quoted = orig.emit();
        quoted.truncate(ICMP_QUOTE);
        let mut icmp = IcmpHeader::new(message);
        icmp.fill_checksum(&quoted);
        let mut ip = Ipv4Header::new(src, h.src, protocol::ICMP, IcmpHeader::LEN + quoted.len());
        ip.dont_frag = false;
        ip.ident = self.rng.next_u64() as u16;
        ip.fill_checksum();
        let pkt = Arc::new(Packet::new(vec![Layer::Ipv4(ip), Layer::Icmp(icmp)], quoted));
        let what = match message {
            IcmpMessage::TimeExceeded { .. } => "time exceeded".to_string(),
            IcmpMessage::DestUnreachable { code: unreachable::FRAG_NEEDED, next_hop_mtu } => format!("fragmentation needed (mtu {next_hop_mtu})"),
            IcmpMessage::DestUnreachable { code: unreachable::HOST, .. } => "host unreachable".to_string(),
            IcmpMessage::DestUnreachable { code: unreachable::PORT, .. } => "port unreachable".to_string(),
            IcmpMessage::DestUnreachable { code, .. } => format!("destination unreachable (code {code})"),
            _ => "error".to_string(),
        };
        self.hop(ns, None, Stage::Send, format!("ICMP {what} to {}", h.src), &pkt);
        self.schedule(STACK_US, Work::IpOut { ns, pkt, forwarded: false });
    }

    /// When host-gw could not install the route for `dst`'s lease, says so next to the route
    /// the packet took instead.
    fn host_gw_note(&self, ns: NsId, r: &route::Route, dst: Ipv4Addr) -> String {
        if r.dst.prefix_len() != 0 || self.net.config.backend != crate::net::Backend::HostGw {
            return String::new();
        }
        let Some(Owner::Node(node)) = self.net.netns(ns).map(|n| &n.owner) else { return String::new() };
        let Some(lease) = self.net.lease_for(dst) else { return String::new() };
        let errors = self.net.flanneld_errors(node);
        match errors.iter().find(|e| e.contains(&format!("route to {} ", lease.subnet))) {
            Some(e) => format!(" (flanneld host-gw: {e}; {} is not on this node's subnet)", lease.public_ip),
            None => String::new(),
        }
    }
}

/// Loopback frames carry a zero Ethernet header, as `tcpdump -i lo` shows them.
fn with_loopback_frame(mut pkt: Pkt) -> Pkt {
    use crate::net::wire::ethernet::{ethertype, EthernetHeader, MacAddr};
    Arc::make_mut(&mut pkt).layers.insert(0, Layer::Ethernet(EthernetHeader::new(MacAddr::ZERO, MacAddr::ZERO, ethertype::IPV4)));
    pkt
}
