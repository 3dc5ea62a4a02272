//! flannel's two encapsulating backends.
//!
//! vxlan: a frame routed to `flannel.1` (inner Ethernet from flannel.1's MAC to the remote
//! VTEP MAC flanneld put in the neighbour table) is looked up in flannel.1's FDB, which gives
//! the remote node's IP; the kernel wraps it in VXLAN (VNI 1) / UDP (to 8472, from a port
//! hashed from the inner flow) / IPv4 (node IP to node IP) and routes that out of eth0. On the
//! far side the kernel's VXLAN socket on 8472 strips the outer headers and the inner frame
//! arrives on the remote `flannel.1`. The outer UDP checksum is 0, as Linux sends by default.
//!
//! udp: a packet routed to the `flannel0` TUN is read by flanneld, which decrements its TTL,
//! finds the lease for the destination and sends the raw IP packet as the payload of a UDP
//! datagram from :8285 to the remote node's :8285; the remote flanneld decrements the TTL
//! again and writes it to its own `flannel0`.
//!
//! Simplification: the kernel derives the VXLAN source port from a keyed flow hash; here it is
//! an FNV hash of the inner addresses and ports, in 32768–60999 like the kernel's, so it is
//! fixed per flow but not the value a real kernel would pick.

use std::sync::Arc;

use super::{Engine, Pkt, Work, USERSPACE_US, VETH_US};
use crate::net::flannel::{UDP_PORT, VXLAN_PORT};
use crate::net::netns::{DeviceKind, NsId};
use crate::net::trace::{Detail, Stage};
use crate::net::wire::icmp::{unreachable, IcmpMessage};
use crate::net::wire::ipv4::protocol;
use crate::net::wire::packet::{Layer, Packet};
use crate::net::wire::{Ipv4Header, UdpHeader, VxlanHeader};

impl Engine<'_> {
    /// A frame sent out of the VXLAN device: FDB lookup and encapsulation.
    pub(super) fn vxlan_xmit(&mut self, ns: NsId, dev: u32, frame: Pkt) {
        let Some(Layer::Ethernet(eth)) = frame.layers.first().cloned() else { return };
        let Some(DeviceKind::Vxlan { vni, local, port, .. }) = self.net.netns(ns).and_then(|n| n.device(dev)).map(|d| d.kind.clone()) else { return };
        self.hop(ns, Some(dev), Stage::Transmit, Detail::None, &frame);
        let node = self.net.netns(ns).and_then(|n| n.node()).unwrap_or_default();
        let Some(remote) = self.net.vxlan_fdb_lookup(node, eth.dst) else {
            let why = format!("flannel.1 has no FDB entry for {} (learning is off): dropped", eth.dst);
            self.hop(ns, Some(dev), Stage::Drop, why, &frame);
            return;
        };
        let inner_len = frame_len(&frame);
        let mut udp = UdpHeader::new(flow_port(&frame), port, VxlanHeader::LEN + inner_len);
        udp.checksum = 0;
        let mut ip = Ipv4Header::new(local, remote, protocol::UDP, UdpHeader::LEN + VxlanHeader::LEN + inner_len);
        ip.dont_frag = false;
        ip.ident = self.rng.next_u64() as u16;
        ip.fill_checksum();
        let mut layers = Vec::with_capacity(frame.layers.len() + 3);
        layers.push(Layer::Ipv4(ip));
        layers.push(Layer::Udp(udp));
        layers.push(Layer::Vxlan(VxlanHeader::new(vni)));
        layers.extend(frame.layers.iter().cloned());
        let pkt = Arc::new(Packet::new(layers, frame.payload.clone()));
        self.hop(ns, Some(dev), Stage::Encapsulate, Detail::Encapsulate { mac: eth.dst, remote, vni, local, port }, &pkt);
        self.schedule(VETH_US, Work::IpOut { ns, pkt, forwarded: false });
    }

    /// The kernel's VXLAN socket on 8472 received `pkt`: strip the outer headers and hand the
    /// inner frame to flannel.1. False when this namespace has no VXLAN device for it.
    pub(super) fn vxlan_rcv(&mut self, ns: NsId, pkt: &Packet) -> bool {
        let Some(Layer::Vxlan(v)) = pkt.layers.get(2) else { return false };
        let dev = self.net.netns(ns).and_then(|n| {
            n.devices.iter().find(|d| matches!(d.kind, DeviceKind::Vxlan { vni, port, .. } if vni == v.vni && port == VXLAN_PORT)).map(|d| d.ifindex)
        });
        let Some(dev) = dev else { return false };
        let inner = Packet { layers: pkt.layers[3..].to_vec(), payload: pkt.payload.clone(), trailer: pkt.trailer.clone(), skb: Default::default() };
        let inner = Arc::new(inner);
        let name = self.dev_arc(ns, dev);
        self.hop(ns, Some(dev), Stage::Decapsulate, Detail::Decapsulate { vni: v.vni, dev: name }, &inner);
        self.schedule(VETH_US, Work::Rx { ns, dev, pkt: inner });
        true
    }

    /// A packet routed to the TUN device: flanneld reads it and sends it to the remote node.
    pub(super) fn tun_xmit(&mut self, ns: NsId, dev: u32, mut pkt: Pkt) {
        self.hop(ns, Some(dev), Stage::Transmit, Detail::None, &pkt);
        let Some(Layer::Ipv4(h)) = pkt.layers.first().cloned() else { return };
        if h.ttl <= 1 {
            self.hop(ns, Some(dev), Stage::Drop, "flanneld: TTL reached 0", &pkt);
            return;
        }
        dec_ttl(Arc::make_mut(&mut pkt));
        let node = self.net.netns(ns).and_then(|n| n.node()).unwrap_or_default().to_string();
        let lease = self.net.lease_for(h.dst).filter(|l| l.node != node).cloned();
        let Some(lease) = lease else {
            self.hop(ns, Some(dev), Stage::Userspace, format!("no lease holds {}: network unreachable", h.dst), &pkt);
            return self.icmp_error(ns, &pkt, IcmpMessage::DestUnreachable { code: unreachable::NET, next_hop_mtu: 0 });
        };
        let local = self.net.node(&node).map(|n| n.placement.ip).unwrap_or(h.src);
        let inner = pkt.emit();
        let mut udp = UdpHeader::new(UDP_PORT, UDP_PORT, inner.len());
        udp.fill_checksum(local, lease.public_ip, &inner);
        let mut ip = Ipv4Header::new(local, lease.public_ip, protocol::UDP, UdpHeader::LEN + inner.len());
        ip.ident = self.rng.next_u64() as u16;
        ip.fill_checksum();
        let mut layers = vec![Layer::Ipv4(ip), Layer::Udp(udp)];
        layers.extend(pkt.layers.iter().cloned());
        let out = Arc::new(Packet::new(layers, pkt.payload.clone()));
        let detail = format!(
            "flanneld reads from flannel0 (TTL {} → {}), lease {} is {}: sends to {}:{UDP_PORT}",
            h.ttl,
            h.ttl - 1,
            lease.subnet,
            lease.node,
            lease.public_ip
        );
        self.hop(ns, Some(dev), Stage::Userspace, detail, &out);
        self.schedule(USERSPACE_US, Work::IpOut { ns, pkt: out, forwarded: false });
    }

    /// flanneld's socket on 8285 received `pkt`: unwrap and write to flannel0. False when this
    /// namespace has no flannel0.
    pub(super) fn flanneld_rcv(&mut self, ns: NsId, pkt: &Packet) -> bool {
        let dev = self.net.netns(ns).and_then(|n| n.devices.iter().find(|d| matches!(d.kind, DeviceKind::Tun)).map(|d| d.ifindex));
        let Some(dev) = dev else { return false };
        let mut inner = Packet::clone(pkt);
        inner.layers.drain(..2);
        inner.skb = Default::default();
        let Some(Layer::Ipv4(h)) = inner.layers.first().cloned() else { return false };
        if h.ttl <= 1 {
            self.hop(ns, Some(dev), Stage::Drop, "flanneld: TTL reached 0", &Arc::new(inner));
            return true;
        }
        dec_ttl(&mut inner);
        let inner = Arc::new(inner);
        let detail = format!("flanneld receives on :{UDP_PORT}, writes to flannel0 (TTL {} → {})", h.ttl, h.ttl - 1);
        self.hop(ns, Some(dev), Stage::Userspace, detail, &inner);
        self.schedule(USERSPACE_US, Work::Rx { ns, dev, pkt: inner });
        true
    }
}

fn dec_ttl(pkt: &mut Packet) {
    if let Some(Layer::Ipv4(ip)) = pkt.layers.first_mut() {
        ip.ttl -= 1;
        ip.fill_checksum();
    }
}

/// The length of a frame (Ethernet header plus the IP packet's total length).
fn frame_len(frame: &Packet) -> usize {
    match frame.layers.get(1) {
        Some(Layer::Ipv4(h)) => 14 + usize::from(h.total_len),
        _ => frame.emit().len(),
    }
}

/// The outer UDP source port for a flow: a hash of the inner addresses and ports into the
/// local port range (32768–60999).
fn flow_port(frame: &Packet) -> u16 {
    // Addresses, protocol and ports: 13 bytes for one IPv4 header and one transport header.
    let mut key = [0u8; 64];
    let mut n = 0;
    let mut put = |bytes: &[u8]| {
        if let Some(to) = key.get_mut(n..n + bytes.len()) {
            to.copy_from_slice(bytes);
            n += bytes.len();
        }
    };
    for l in &frame.layers {
        match l {
            Layer::Ipv4(h) => {
                put(&h.src.octets());
                put(&h.dst.octets());
                put(&[h.protocol]);
            }
            Layer::Tcp(t) => {
                put(&t.src_port.to_be_bytes());
                put(&t.dst_port.to_be_bytes());
            }
            Layer::Udp(u) => {
                put(&u.src_port.to_be_bytes());
                put(&u.dst_port.to_be_bytes());
            }
            _ => {}
        }
    }
    let h = crate::controllers::revision::fnv32a(&key[..n], None);
    (32768 + h % (60999 - 32768 + 1)) as u16
}
