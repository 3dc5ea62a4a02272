//! Whole frames: the flannel VXLAN layout, finalize, parse-all, truncation and garbage.

use std::net::Ipv4Addr;

use super::checksum::ChecksumStatus;
use super::ethernet::ethertype;
use super::*;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

pub(crate) const NODE_A: MacAddr = MacAddr([0x08, 0x00, 0x27, 0x00, 0x00, 0x0b]);
pub(crate) const NODE_B: MacAddr = MacAddr([0x08, 0x00, 0x27, 0x00, 0x00, 0x0c]);
pub(crate) const VTEP_A: MacAddr = MacAddr([0x0e, 0x11, 0x22, 0x33, 0x44, 0x55]);
pub(crate) const VTEP_B: MacAddr = MacAddr([0x0e, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);

/// A pod-to-pod TCP SYN from node A's pod to node B's pod through flannel.1.
pub(crate) fn vxlan_syn(inner_data: usize) -> Packet {
    let mut inner_ip = Ipv4Header::new(ip("10.244.1.2"), ip("10.244.2.3"), 0, 0);
    inner_ip.ttl = 63; // forwarded once by node A
    inner_ip.ident = 0x5c3a;
    let mut syn = TcpHeader::new(45678, 80, 1000, 0, TcpFlags::SYN, 64240);
    syn.options = TcpOption::linux_syn(1410, 1, 0);
    let mut outer_ip = Ipv4Header::new(ip("192.168.56.11"), ip("192.168.56.12"), 0, 0);
    outer_ip.dont_frag = false;
    let layers = vec![
        Layer::Ethernet(EthernetHeader::new(NODE_A, NODE_B, 0)),
        Layer::Ipv4(outer_ip),
        Layer::Udp(UdpHeader::new(40000, vxlan::PORT_LINUX, 0)),
        Layer::Vxlan(VxlanHeader::new(1)),
        Layer::Ethernet(EthernetHeader::new(VTEP_A, VTEP_B, 0)),
        Layer::Ipv4(inner_ip),
        Layer::Tcp(syn),
    ];
    Packet::new(layers, vec![0x61; inner_data])
}

fn ips(p: &Packet) -> Vec<Ipv4Header> {
    p.layers.iter().filter_map(|l| if let Layer::Ipv4(h) = l { Some(*h) } else { None }).collect()
}

#[test]
fn flannel_vxlan_frame_round_trips_and_checksums_verify() {
    let mut p = vxlan_syn(0);
    let frame = p.finalize();
    // 14 + 20 + 8 + 8 + 14 + 20 + 40 (TCP with the 20 option bytes of a Linux SYN).
    assert_eq!(frame.len(), 124);
    assert_eq!(&frame[12..14], &[0x08, 0x00]);
    assert_eq!(frame[23], 17);
    assert_eq!(&frame[16..18], &110u16.to_be_bytes()); // inner IP 60 + 50
    assert_eq!(&frame[34..42], &[0x9c, 0x40, 0x21, 0x18, 0x00, 0x5a, 0x00, 0x00]); // 40000 > 8472, len 90, csum 0
    assert_eq!(&frame[42..50], &[0x08, 0, 0, 0, 0, 0, 0x01, 0]);
    assert_eq!(&frame[62..64], &[0x08, 0x00]);

    let back = Packet::parse(&frame).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.emit(), frame);
    assert!(back.trailer.is_empty() && back.payload.is_empty());
    let [outer, inner] = ips(&back)[..] else { panic!("two IPv4 headers") };
    assert!(outer.checksum_ok() && inner.checksum_ok());
    assert_eq!((inner.total_len, inner.protocol), (60, 6));
    let Layer::Udp(u) = &back.layers[2] else { panic!() };
    assert_eq!(u.checksum_status(outer.src, outer.dst, &frame[42..]), ChecksumStatus::Absent);
    let Layer::Tcp(t) = &back.layers[6] else { panic!() };
    assert!(t.checksum_ok(inner.src, inner.dst, &[]));
    assert_eq!(back.layers.len(), 7);
}

#[test]
fn vxlan_mtu_arithmetic() {
    // A 1450-byte inner packet (flannel.1's MTU) fills a 1500-byte outer packet.
    let mut p = vxlan_syn(1450 - 60);
    let frame = p.finalize();
    assert_eq!(frame.len(), 1514);
    let back = Packet::parse(&frame).unwrap();
    let [outer, inner] = ips(&back)[..] else { panic!() };
    assert_eq!((outer.total_len, inner.total_len), (1500, 1450));
    let Layer::Udp(u) = &back.layers[2] else { panic!() };
    assert_eq!(u.length, 1480);
    let Layer::Tcp(t) = &back.layers[6] else { panic!() };
    assert!(t.checksum_ok(inner.src, inner.dst, &back.payload));
}

#[test]
fn every_truncation_is_an_error() {
    let frame = vxlan_syn(5).finalize();
    for n in 0..frame.len() {
        let e = Packet::parse(&frame[..n]).expect_err(&format!("prefix {n} parsed"));
        assert!(e.offset <= n, "prefix {n}: {e}");
    }
    let arp = Packet::new(
        vec![
            Layer::Ethernet(EthernetHeader::new(NODE_A, MacAddr::BROADCAST, 0)),
            Layer::Arp(ArpPacket::request(NODE_A, ip("192.168.56.11"), ip("192.168.56.12"))),
        ],
        vec![],
    )
    .finalize();
    assert_eq!(arp.len(), 42);
    for n in 0..arp.len() {
        assert!(Packet::parse(&arp[..n]).is_err(), "prefix {n}");
    }
}

#[test]
fn ethernet_padding_is_the_trailer() {
    let mut p = Packet::new(
        vec![
            Layer::Ethernet(EthernetHeader::new(NODE_B, NODE_A, 0)),
            Layer::Arp(ArpPacket::request(NODE_B, ip("192.168.56.12"), ip("192.168.56.11"))),
        ],
        vec![],
    );
    p.trailer = vec![0; 18];
    let frame = p.finalize();
    assert_eq!(frame.len(), EthernetHeader::MIN_FRAME);
    assert_eq!(&frame[12..14], &ethertype::ARP.to_be_bytes());
    assert_eq!(Packet::parse(&frame).unwrap(), p);

    let mut ping = Packet::new(
        vec![
            Layer::Ethernet(EthernetHeader::new(NODE_A, NODE_B, 0)),
            Layer::Ipv4(Ipv4Header::new(ip("10.0.0.1"), ip("10.0.0.2"), 0, 0)),
            Layer::Icmp(IcmpHeader::new(IcmpMessage::EchoRequest { ident: 1, seq: 1 })),
        ],
        vec![],
    );
    ping.trailer = vec![0; 18];
    let frame = ping.finalize();
    assert_eq!(frame.len(), 60);
    let back = Packet::parse(&frame).unwrap();
    assert_eq!(back, ping);
    let Layer::Icmp(i) = &back.layers[2] else { panic!() };
    assert!(i.checksum_ok(&back.payload));
}

#[test]
fn inner_surplus_and_fragments() {
    let mut frame = vxlan_syn(0).finalize();
    // Claim 4 bytes less for the inner IPv4 packet: 4 unexplained bytes inside the tunnel.
    frame[64 + 3] -= 4;
    let e = Packet::parse(&frame).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Unsupported { .. }), "{e}");

    // A later fragment carries no transport header: the rest is payload.
    let mut h = Ipv4Header::new(ip("10.0.0.1"), ip("10.0.0.2"), 17, 0);
    h.frag_offset = 185;
    let mut p = Packet::new(
        vec![Layer::Ethernet(EthernetHeader::new(NODE_A, NODE_B, 0)), Layer::Ipv4(h)],
        vec![1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    let frame = p.finalize();
    let back = Packet::parse(&frame).unwrap();
    assert_eq!(back.layers.len(), 2);
    assert_eq!(back, p);
}

/// A small deterministic generator for garbage input (xorshift64).
pub(crate) fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn garbage_and_mutations_never_panic() {
    for seed in 0..300u64 {
        let g = garbage(seed, (seed as usize * 7) % 200);
        let _ = Packet::parse(&g);
    }
    let mut frames = vec![vxlan_syn(3).finalize()];
    let q = Ipv4Header::new(ip("10.0.0.2"), ip("10.0.0.3"), 17, 8).to_bytes();
    let m = IcmpMessage::DestUnreachable { code: icmp::unreachable::PORT, next_hop_mtu: 0 };
    let mut p = Packet::new(
        vec![
            Layer::Ethernet(EthernetHeader::new(NODE_A, NODE_B, 0)),
            Layer::Ipv4(Ipv4Header::new(ip("10.0.0.1"), ip("10.0.0.2"), 0, 0)),
            Layer::Icmp(IcmpHeader::new(m)),
        ],
        [q, vec![0x9c, 0x40, 0, 53, 0, 8, 0, 0]].concat(),
    );
    frames.push(p.finalize());
    let mut t = TcpHeader::new(1, 2, 3, 4, TcpFlags::ACK, 5);
    t.options = vec![TcpOption::Nop, TcpOption::Nop, TcpOption::Mss(1), TcpOption::Eol].into();
    let mut p = Packet::new(
        vec![
            Layer::Ethernet(EthernetHeader::new(NODE_A, NODE_B, 0)),
            Layer::Ipv4(Ipv4Header::new(ip("10.0.0.1"), ip("10.0.0.2"), 0, 0)),
            Layer::Tcp(t),
        ],
        vec![],
    );
    p.trailer = vec![0; 6];
    frames.push(p.finalize());
    for frame in frames {
        for i in 0..frame.len() {
            for v in [0x00, 0x01, 0x05, 0x0f, 0x45, 0x80, 0xff] {
                let mut m = frame.clone();
                m[i] = v;
                if let Ok(p) = Packet::parse(&m) {
                    assert_eq!(p.emit(), m, "byte {i} = {v:#x}");
                }
            }
        }
    }
}
