//! Devices: frames arriving on and leaving veth ends, the `cni0` bridge and its ports, the
//! underlay NICs; ARP requests and replies.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::{Engine, Pkt, Work, ARP_RETRANS_US, ARP_TRIES, VETH_US, WIRE_US};
use crate::net::bridge::{self, Decision};
use crate::net::netfilter::Hook;
use crate::net::netns::{DeviceKind, NsId};
use crate::net::trace::{Detail, Stage};
use crate::net::wire::ethernet::{ethertype, EthernetHeader, MacAddr};
use crate::net::wire::packet::{Layer, Packet};
use crate::net::wire::ArpPacket;

impl Engine<'_> {
    /// A frame arrives on `dev`.
    pub(super) fn receive(&mut self, ns: NsId, dev: u32, pkt: Pkt) {
        let Some(d) = self.net.netns(ns).and_then(|n| n.device(dev)) else {
            self.hop(ns, None, Stage::Drop, "the device is gone (the pod was deleted)", &pkt);
            return;
        };
        let (master, tun) = (d.master, matches!(d.kind, DeviceKind::Tun));
        self.hop(ns, Some(dev), Stage::Receive, Detail::None, &pkt);
        if let Some(br) = master {
            return self.bridge_input(ns, br, dev, pkt);
        }
        if tun {
            return self.ip_input(ns, dev, pkt);
        }
        self.l2_input(ns, dev, pkt);
    }

    /// A frame handed to the stack of the device it arrived on.
    pub(super) fn l2_input(&mut self, ns: NsId, dev: u32, mut pkt: Pkt) {
        let Some(Layer::Ethernet(eth)) = pkt.layers.first().cloned() else { return };
        let mac = self.net.netns(ns).and_then(|n| n.device(dev)).map(|d| d.mac).unwrap_or_default();
        if eth.dst != mac && !eth.dst.is_broadcast() {
            let why = format!("frame for {} is not for this interface ({}): ignored", eth.dst, mac);
            self.hop(ns, Some(dev), Stage::Drop, why, &pkt);
            return;
        }
        match pkt.layers.get(1).cloned() {
            Some(Layer::Arp(a)) => self.arp_input(ns, dev, a, pkt),
            Some(Layer::Ipv4(_)) => {
                Arc::make_mut(&mut pkt).layers.remove(0);
                self.ip_input(ns, dev, pkt)
            }
            _ => {}
        }
    }

    /// A frame leaves `dev`.
    pub(super) fn transmit(&mut self, ns: NsId, dev: u32, pkt: Pkt) {
        let Some(d) = self.net.netns(ns).and_then(|n| n.device(dev)) else { return };
        let kind = d.kind.clone();
        match kind {
            DeviceKind::Vxlan { .. } => return self.vxlan_xmit(ns, dev, pkt),
            DeviceKind::Tun => return self.tun_xmit(ns, dev, pkt),
            _ => {}
        }
        self.hop(ns, Some(dev), Stage::Transmit, Detail::None, &pkt);
        match kind {
            DeviceKind::Veth { peer_ns, peer_ifindex } => self.schedule(VETH_US, Work::Rx { ns: peer_ns, dev: peer_ifindex, pkt: scrubbed(pkt) }),
            DeviceKind::Bridge(_) => self.bridge_forward(ns, dev, None, pkt),
            DeviceKind::Ethernet => self.underlay(ns, dev, scrubbed(pkt)),
            DeviceKind::Loopback => self.schedule(VETH_US, Work::Rx { ns, dev, pkt }),
            // A dummy device swallows what is sent through it.
            DeviceKind::Vxlan { .. } | DeviceKind::Tun | DeviceKind::Dummy => {}
        }
    }

    /// A frame enters the bridge `br` from port `port`: learn its source, then forward.
    fn bridge_input(&mut self, ns: NsId, br: u32, port: u32, pkt: Pkt) {
        let Some(Layer::Ethernet(eth)) = pkt.layers.first().cloned() else { return };
        let now = self.now;
        let learned = self
            .net
            .netns_mut(ns)
            .and_then(|n| n.device_mut(br))
            .and_then(|d| d.fdb_mut())
            .is_some_and(|f| f.learn(eth.src, port, now));
        if learned {
            let port_name = self.dev_name(ns, port);
            self.hop(ns, Some(br), Stage::Bridge, format!("learned {} on port {port_name}", eth.src), &pkt);
        }
        self.bridge_forward(ns, br, Some(port), pkt);
    }

    /// The bridge's forwarding decision for a frame from `in_port` (None: sent by the host
    /// through the bridge device itself).
    fn bridge_forward(&mut self, ns: NsId, br: u32, in_port: Option<u32>, pkt: Pkt) {
        let Some(Layer::Ethernet(eth)) = pkt.layers.first().cloned() else { return };
        let Some(n) = self.net.netns(ns) else { return };
        let Some(bdev) = n.device(br) else { return };
        let port_devs = || n.devices.iter().filter(|d| d.master == Some(br));
        let own = eth.dst == bdev.mac || port_devs().any(|d| d.mac == eth.dst);
        let decision = if own {
            Decision::Local
        } else {
            let ports: Vec<(u32, bool)> = port_devs().map(|d| (d.ifindex, d.hairpin)).collect();
            let empty = crate::net::bridge::Fdb::default();
            bridge::decide(bdev.fdb().unwrap_or(&empty), eth.dst, in_port.unwrap_or(0), &[], &ports, self.now)
        };
        match decision {
            Decision::Local => {
                self.hop(ns, Some(br), Stage::Bridge, Detail::BridgeLocal { mac: eth.dst }, &pkt);
                // Up to the host through the bridge device: what `tcpdump -i cni0` sees.
                self.hop(ns, Some(br), Stage::Receive, Detail::None, &pkt);
                self.l2_input(ns, br, pkt);
            }
            Decision::Forward(p) => {
                let port = self.dev_arc(ns, p);
                self.hop(ns, Some(br), Stage::Bridge, Detail::FdbForward { mac: eth.dst, port }, &pkt);
                let mut pkt = pkt;
                // br_netfilter (bridge-nf-call-iptables = 1, which kubeadm requires): bridged
                // IPv4 frames pass the host's PREROUTING, FORWARD and POSTROUTING hooks, so
                // replies from a Service's pod on the same bridge are un-DNATed.
                for hook in [Hook::Prerouting, Hook::Forward, Hook::Postrouting] {
                    if in_port.is_some() && !self.nf_hook(ns, hook, Some(br), Some(br), &mut pkt) {
                        return;
                    }
                }
                self.transmit(ns, p, pkt);
            }
            Decision::Filtered(p) => {
                let name = self.dev_name(ns, p);
                self.hop(ns, Some(br), Stage::Drop, format!("fdb: {} is on {name}, the port it came in on: filtered", eth.dst), &pkt);
            }
            Decision::Flood(out) => {
                let what = if eth.dst.is_broadcast() { "broadcast" } else { "unknown destination" };
                let names: Vec<String> = out.iter().map(|&p| self.dev_name(ns, p)).collect();
                let to = if names.is_empty() { "no other port".to_string() } else { names.join(", ") };
                self.hop(ns, Some(br), Stage::Bridge, format!("{what} {}: flood to {to}", eth.dst), &pkt);
                for p in out {
                    self.transmit(ns, p, pkt.clone());
                }
                if eth.dst.is_broadcast() && in_port.is_some() {
                    self.hop(ns, Some(br), Stage::Receive, Detail::None, &pkt);
                    self.l2_input(ns, br, pkt);
                }
            }
        }
    }

    /// The underlay switch: deliver to the NIC with the destination MAC on the same segment.
    fn underlay(&mut self, ns: NsId, dev: u32, pkt: Pkt) {
        let Some(Layer::Ethernet(eth)) = pkt.layers.first().cloned() else { return };
        let segment = self.net.netns(ns).and_then(|n| n.device(dev)).and_then(|d| d.addrs.first()).map(|a| a.net());
        let target = if eth.dst.is_broadcast() {
            // Every host on the segment receives it; only the owner of the address answers.
            match pkt.layers.get(1) {
                Some(Layer::Arp(a)) => self.underlay_owner(a.target_ip),
                _ => None,
            }
        } else {
            self.net.segment_port(eth.dst)
        };
        let same = |e: &Self, (tns, tdev): (NsId, u32)| {
            let theirs = e.net.netns(tns).and_then(|n| n.device(tdev)).and_then(|d| d.addrs.first()).map(|a| a.net());
            theirs.is_some() && theirs == segment
        };
        match target {
            Some(t) if same(self, t) => {
                let to = self.place_arc(t.0);
                self.hop(ns, Some(dev), Stage::Underlay, Detail::Underlay { broadcast: eth.dst.is_broadcast(), to }, &pkt);
                self.schedule(WIRE_US, Work::Rx { ns: t.0, dev: t.1, pkt });
            }
            _ => {
                let why = format!("no host on this segment has {}", if eth.dst.is_broadcast() { "the address asked for".to_string() } else { eth.dst.to_string() });
                self.hop(ns, Some(dev), Stage::Drop, why, &pkt);
            }
        }
    }

    /// The underlay NIC that holds `ip`.
    fn underlay_owner(&self, ip: Ipv4Addr) -> Option<(NsId, u32)> {
        self.net.node_nic(ip).or_else(|| self.net.outside_nic_for(ip))
    }

    pub(super) fn dev_name(&self, ns: NsId, dev: u32) -> String {
        self.net.netns(ns).and_then(|n| n.device(dev)).map(|d| d.name.clone()).unwrap_or_default()
    }

    /// An ARP packet for this interface.
    fn arp_input(&mut self, ns: NsId, dev: u32, a: ArpPacket, pkt: Pkt) {
        let now = self.now;
        let Some(n) = self.net.netns(ns) else { return };
        let ours = n.devices.iter().any(|d| d.addrs.iter().any(|x| x.addr == a.target_ip));
        let mac = n.device(dev).map(|d| d.mac).unwrap_or_default();
        if a.operation == 1 {
            if !ours {
                let why = format!("ARP who-has {}: not an address here, ignored", a.target_ip);
                self.hop(ns, Some(dev), Stage::Drop, why, &pkt);
                return;
            }
            if let Some(n) = self.net.netns_mut(ns) {
                n.neigh.learn(a.sender_ip, dev, a.sender_mac, now, false);
            }
            let reply = ArpPacket::reply_to(&a, mac);
            let frame = Arc::new(Packet::new(vec![Layer::Ethernet(EthernetHeader::new(mac, a.sender_mac, ethertype::ARP)), Layer::Arp(reply)], Vec::new()));
            self.hop(ns, Some(dev), Stage::Arp, format!("{} is-at {mac}: reply", a.target_ip), &frame);
            self.transmit(ns, dev, frame);
            return;
        }
        if let Some(n) = self.net.netns_mut(ns) {
            n.neigh.learn(a.sender_ip, dev, a.sender_mac, now, true);
        }
        self.hop(ns, Some(dev), Stage::Neighbour, format!("{} is-at {}: entry REACHABLE", a.sender_ip, a.sender_mac), &pkt);
        let ready: Vec<_> = {
            let (keep, go): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting).into_iter().partition(|w| !(w.ns == ns && w.dev == dev && w.next_hop == a.sender_ip));
            self.waiting = keep;
            go
        };
        for w in ready {
            self.send_frame(w.ns, w.dev, a.sender_mac, w.pkt);
        }
    }

    /// Puts an Ethernet header from `dev` to `dst` on an IP packet and transmits it.
    pub(super) fn send_frame(&mut self, ns: NsId, dev: u32, dst: MacAddr, mut pkt: Pkt) {
        let src = self.net.netns(ns).and_then(|n| n.device(dev)).map(|d| d.mac).unwrap_or_default();
        Arc::make_mut(&mut pkt).layers.insert(0, Layer::Ethernet(EthernetHeader::new(src, dst, ethertype::IPV4)));
        self.transmit(ns, dev, pkt);
    }

    /// Broadcasts an ARP request for `ip` out of `dev` and starts the retransmit timer.
    pub(super) fn arp_request(&mut self, ns: NsId, dev: u32, ip: Ipv4Addr, src_ip: Ipv4Addr) {
        let now = self.now;
        let Some(n) = self.net.netns_mut(ns) else { return };
        n.neigh.incomplete(ip, dev, now);
        let mac = n.device(dev).map(|d| d.mac).unwrap_or_default();
        let req = ArpPacket::request(mac, src_ip, ip);
        let frame = Arc::new(Packet::new(vec![Layer::Ethernet(EthernetHeader::new(mac, MacAddr::BROADCAST, ethertype::ARP)), Layer::Arp(req)], Vec::new()));
        self.hop(ns, Some(dev), Stage::Arp, format!("who-has {ip} tell {src_ip}"), &frame);
        self.transmit(ns, dev, frame);
        self.schedule(ARP_RETRANS_US * ARP_TRIES, Work::ArpTimeout { ns, dev, ip });
    }
}

/// Leaving the namespace (`skb_scrub_packet`): the mark and the conntrack reference stay behind.
pub(super) fn scrubbed(mut pkt: Pkt) -> Pkt {
    if pkt.skb != Default::default() {
        std::sync::Arc::make_mut(&mut pkt).skb = Default::default();
    }
    pkt
}
