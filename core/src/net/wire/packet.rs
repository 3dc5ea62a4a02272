//! A header stack: the layers of one frame, outermost first, plus the innermost payload.
//!
//! Parsing starts at Ethernet and follows the demultiplexing fields: EtherType 0x0800 → IPv4,
//! 0x0806 → ARP; IP protocol 1 → ICMP, 6 → TCP, 17 → UDP (first fragments only; later
//! fragments carry no transport header); UDP port 8472 or 4789 (either side) → VXLAN → inner
//! Ethernet. Whatever follows the last header it understands is the payload.
//!
//! A flannel cross-node frame is
//! `Ethernet | IPv4 (17) | UDP → 8472 | VXLAN VNI 1 | Ethernet | IPv4 | TCP | data`.
//!
//! Bytes after the outermost length-bounded layer (the IPv4 total length, the 28 ARP bytes) are
//! Ethernet padding and kept in `trailer`; surplus bytes inside an inner layer are reported as
//! unsupported rather than dropped.

use super::ethernet::ethertype;
use super::ipv4::protocol;
use super::{vxlan, ArpPacket, EthernetHeader, IcmpHeader, Ipv4Header, Result, TcpHeader};
use super::{UdpHeader, VxlanHeader, WireError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    Ethernet(EthernetHeader),
    Arp(ArpPacket),
    Ipv4(Ipv4Header),
    Icmp(IcmpHeader),
    Udp(UdpHeader),
    Tcp(TcpHeader),
    Vxlan(VxlanHeader),
}

impl Layer {
    pub fn emit(&self, out: &mut Vec<u8>) {
        match self {
            Layer::Ethernet(h) => h.emit(out),
            Layer::Arp(h) => h.emit(out),
            Layer::Ipv4(h) => h.emit(out),
            Layer::Icmp(h) => h.emit(out),
            Layer::Udp(h) => h.emit(out),
            Layer::Tcp(h) => h.emit(out),
            Layer::Vxlan(h) => h.emit(out),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Packet {
    pub layers: Vec<Layer>,
    /// The bytes after the innermost header.
    pub payload: Vec<u8>,
    /// Ethernet padding after the outermost packet.
    pub trailer: Vec<u8>,
    /// What the kernel keeps with the packet but never sends: its mark and its conntrack
    /// entry. Cleared when the packet leaves a network namespace.
    pub skb: SkbMeta,
}

/// The `sk_buff` fields netfilter reads and writes (`skb->mark`, `skb->_nfct`,
/// `skb->ipvs_property`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SkbMeta {
    pub mark: u32,
    /// The conntrack entry and whether the packet goes in the reply direction.
    pub ct: Option<(u64, bool)>,
    /// IPVS takes this packet at LOCAL_IN (its hook runs before the nat table's INPUT
    /// chain, which then never sees it).
    pub ipvs: bool,
}

#[derive(Clone, Copy)]
enum Next {
    Ethernet,
    Arp,
    Ipv4,
    Icmp,
    Tcp,
    Udp,
    Vxlan,
    Payload,
}

/// True when UDP `h` carries VXLAN (tcpdump and Wireshark match either port).
pub fn is_vxlan(h: &UdpHeader) -> bool {
    [vxlan::PORT_LINUX, vxlan::PORT_IANA].iter().any(|p| h.src_port == *p || h.dst_port == *p)
}

impl Packet {
    pub fn new(layers: Vec<Layer>, payload: Vec<u8>) -> Self {
        Packet { layers, payload, trailer: Vec::new(), skb: SkbMeta::default() }
    }

    /// Parses a whole Ethernet frame. Error offsets are from the start of the frame.
    pub fn parse(frame: &[u8]) -> Result<Packet> {
        let mut p = Packet::default();
        let mut rest = frame;
        let mut next = Next::Ethernet;
        let mut bounded = false;
        loop {
            let at = frame.len() - rest.len();
            let err = |e: WireError| e.at(at);
            let (layer, inner, then): (Layer, &[u8], Next) = match next {
                Next::Payload => break,
                Next::Ethernet => {
                    let (h, r) = EthernetHeader::parse(rest).map_err(err)?;
                    let then = match h.ethertype {
                        ethertype::IPV4 => Next::Ipv4,
                        ethertype::ARP => Next::Arp,
                        _ => Next::Payload,
                    };
                    (Layer::Ethernet(h), r, then)
                }
                Next::Arp => {
                    let (h, r) = ArpPacket::parse(rest).map_err(err)?;
                    surplus(&mut p, &mut bounded, r, at + ArpPacket::LEN)?;
                    (Layer::Arp(h), &r[..0], Next::Payload)
                }
                Next::Ipv4 => {
                    let (h, r) = Ipv4Header::parse(rest).map_err(err)?;
                    let then = match h.protocol {
                        _ if h.is_later_fragment() => Next::Payload,
                        protocol::ICMP => Next::Icmp,
                        protocol::TCP => Next::Tcp,
                        protocol::UDP => Next::Udp,
                        _ => Next::Payload,
                    };
                    let end = usize::from(h.total_len);
                    surplus(&mut p, &mut bounded, &rest[end..], at + end)?;
                    (Layer::Ipv4(h), r, then)
                }
                Next::Icmp => {
                    let (h, r) = IcmpHeader::parse(rest).map_err(err)?;
                    (Layer::Icmp(h), r, Next::Payload)
                }
                Next::Tcp => {
                    let (h, r) = TcpHeader::parse(rest).map_err(err)?;
                    (Layer::Tcp(h), r, Next::Payload)
                }
                Next::Udp => {
                    let (h, r) = UdpHeader::parse(rest).map_err(err)?;
                    let then = if is_vxlan(&h) { Next::Vxlan } else { Next::Payload };
                    let end = usize::from(h.length);
                    surplus(&mut p, &mut bounded, &rest[end..], at + end)?;
                    (Layer::Udp(h), r, then)
                }
                Next::Vxlan => {
                    let (h, r) = VxlanHeader::parse(rest).map_err(err)?;
                    (Layer::Vxlan(h), r, Next::Ethernet)
                }
            };
            p.layers.push(layer);
            rest = inner;
            next = then;
        }
        p.payload = rest.to_vec();
        Ok(p)
    }

    /// The frame exactly as the fields say (lengths and checksums are not recomputed).
    pub fn emit(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for l in &self.layers {
            l.emit(&mut out);
        }
        out.extend_from_slice(&self.payload);
        out.extend_from_slice(&self.trailer);
        out
    }

    /// Fills in what the sender's stack computes, innermost first: EtherTypes and IP protocols
    /// from the next layer, IPv4 total length and header checksum, UDP length and checksum,
    /// TCP and ICMP checksums. A UDP header carrying VXLAN keeps checksum 0, as the Linux VXLAN
    /// driver sends over IPv4 by default. Returns the finished frame.
    pub fn finalize(&mut self) -> Vec<u8> {
        let mut tail = self.payload.clone();
        for i in (0..self.layers.len()).rev() {
            let (before, from) = self.layers.split_at_mut(i);
            let (cur, after) = from.split_at_mut(1);
            let ip = before.iter().rev().find_map(|l| match l {
                Layer::Ipv4(h) => Some((h.src, h.dst)),
                _ => None,
            });
            let next = after.first();
            match &mut cur[0] {
                Layer::Ethernet(h) => match next {
                    Some(Layer::Ipv4(_)) => h.ethertype = ethertype::IPV4,
                    Some(Layer::Arp(_)) => h.ethertype = ethertype::ARP,
                    _ => {}
                },
                Layer::Ipv4(h) => {
                    match next {
                        Some(Layer::Icmp(_)) => h.protocol = protocol::ICMP,
                        Some(Layer::Tcp(_)) => h.protocol = protocol::TCP,
                        Some(Layer::Udp(_)) => h.protocol = protocol::UDP,
                        _ => {}
                    }
                    h.total_len = (Ipv4Header::LEN + tail.len()).min(0xFFFF) as u16;
                    h.fill_checksum();
                }
                Layer::Icmp(h) => h.fill_checksum(&tail),
                Layer::Udp(h) => {
                    h.length = (UdpHeader::LEN + tail.len()).min(0xFFFF) as u16;
                    h.checksum = 0;
                    if let (Some((src, dst)), false) = (ip, matches!(next, Some(Layer::Vxlan(_)))) {
                        h.fill_checksum(src, dst, &tail);
                    }
                }
                Layer::Tcp(h) => {
                    if let Some((src, dst)) = ip {
                        h.fill_checksum(src, dst, &tail);
                    }
                }
                Layer::Arp(_) | Layer::Vxlan(_) => {}
            }
            let mut bytes = Vec::with_capacity(64 + tail.len());
            cur[0].emit(&mut bytes);
            bytes.extend_from_slice(&tail);
            tail = bytes;
        }
        tail.extend_from_slice(&self.trailer);
        tail
    }
}

/// Bytes after a length-bounded layer: the first such layer's are the frame's Ethernet
/// padding; an inner layer's are reported.
fn surplus(p: &mut Packet, bounded: &mut bool, extra: &[u8], at: usize) -> Result<()> {
    if !*bounded {
        *bounded = true;
        p.trailer = extra.to_vec();
        return Ok(());
    }
    if extra.is_empty() {
        return Ok(());
    }
    Err(WireError::unsupported("Packet", at, "bytes after an inner packet", extra.len() as u64))
}
