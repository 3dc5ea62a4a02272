//! Header round trips, hand-built byte vectors and checksums.

use std::net::Ipv4Addr;

use super::checksum::{self, ChecksumStatus};
use super::icmp::{time_exceeded, unreachable};
use super::*;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

const MAC_A: MacAddr = MacAddr([0x0e, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
const MAC_B: MacAddr = MacAddr([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);

#[test]
fn rfc1071_checksum_vectors() {
    // The IPv4 header example (Wikipedia "IPv4 header checksum"): checksum b861.
    let mut h = hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
    assert_eq!(checksum::checksum(&h), 0xb861);
    h[10..12].copy_from_slice(&[0xb8, 0x61]);
    assert!(checksum::verify(&h));
    // RFC 1071 §3: 0001 f203 f4f5 f6f7 sums to 2ddf0, folds to ddf2, complement 220d.
    let b = hex("0001 f203 f4f5 f6f7");
    assert_eq!(checksum::sum(&b, 0), 0x2ddf0);
    assert_eq!(checksum::fold(0x2ddf0), 0xddf2);
    assert_eq!(checksum::checksum(&b), 0x220d);
    // An odd trailing byte is padded on the right.
    assert_eq!(checksum::checksum(&[0x01]), 0xfeff);
    assert_eq!(checksum::checksum(&[]), 0xffff);
}

#[test]
fn ipv4_known_bytes() {
    // 10.244.0.5 -> 10.96.0.10, UDP, TTL 64, ID 1, DF, total length 60: checksum 254e.
    let want = hex("45 00 00 3c 00 01 40 00 40 11 25 4e 0a f4 00 05 0a 60 00 0a");
    let mut h = Ipv4Header::new(ip("10.244.0.5"), ip("10.96.0.10"), 17, 40);
    h.ident = 1;
    h.fill_checksum();
    assert_eq!(h.checksum, 0x254e);
    assert_eq!(h.to_bytes(), want);
    let mut frame = want.clone();
    frame.extend_from_slice(&[0; 40]);
    let (p, payload) = Ipv4Header::parse(&frame).unwrap();
    assert_eq!((p, payload.len()), (h, 40));
    assert!(p.checksum_ok());
    let mut bad = p;
    bad.ttl = 63;
    assert!(!bad.checksum_ok());
}

#[test]
fn tcp_linux_syn_known_bytes() {
    let (src, dst) = (ip("10.244.1.2"), ip("10.244.2.3"));
    let mut t = TcpHeader::new(45678, 80, 1000, 0, TcpFlags::SYN, 64240);
    t.options = TcpOption::linux_syn(1460, 1, 0);
    t.fill_checksum(src, dst, &[]);
    assert_eq!(t.checksum, 0x7d7b);
    let want = hex(
        "b26e 0050 000003e8 00000000 a002 faf0 7d7b 0000
         020405b4 0402 080a 00000001 00000000 01 030307",
    );
    assert_eq!(t.to_bytes(), want);
    assert_eq!(t.header_len(), 40);
    let (back, data) = TcpHeader::parse(&want).unwrap();
    assert_eq!(back, t);
    assert!(data.is_empty());
    assert!(back.checksum_ok(src, dst, &[]));
    assert!(!back.checksum_ok(dst, ip("10.244.2.4"), &[]));
}

#[test]
fn udp_and_icmp_checksums() {
    let (src, dst) = (ip("10.244.0.5"), ip("10.96.0.10"));
    let payload = b"hello dns!";
    let mut u = UdpHeader::new(40000, 53, payload.len());
    assert_eq!(u.checksum_status(src, dst, payload), ChecksumStatus::Absent);
    u.fill_checksum(src, dst, payload);
    assert_eq!(u.checksum, 0x3270);
    assert_eq!(u.checksum_status(src, dst, payload), ChecksumStatus::Good);
    assert_eq!(u.checksum_status(src, dst, b"hello dns?"), ChecksumStatus::Bad);

    let data: Vec<u8> = (0..56).collect();
    let mut i = IcmpHeader::new(IcmpMessage::EchoRequest { ident: 1, seq: 1 });
    i.fill_checksum(&data);
    assert_eq!(i.checksum, 0x00eb);
    assert_eq!(i.to_bytes(), hex("08 00 00 eb 00 01 00 01"));
    assert!(i.checksum_ok(&data));
    assert!(!i.checksum_ok(&data[1..]));
}

#[test]
fn udp_computed_zero_is_sent_as_ffff() {
    // Find a payload whose checksum computes to 0, deterministically: choose the last two
    // bytes so that the sum folds to 0xFFFF.
    let (src, dst) = (ip("10.0.0.1"), ip("10.0.0.2"));
    let mut payload = vec![0u8, 0];
    let u = UdpHeader::new(1, 2, 2);
    let c = u.compute_checksum(src, dst, &payload);
    // Adding c to the sum makes it 0xFFFF, whose complement is 0.
    payload.copy_from_slice(&c.to_be_bytes());
    assert_eq!(u.compute_checksum(src, dst, &payload), 0xFFFF);
}

fn tcp_case(flags: u16, options: impl Into<std::sync::Arc<[TcpOption]>>) -> TcpHeader {
    let mut t = TcpHeader::new(1, 65535, 0xdead_beef, 7, flags, 502);
    t.urgent = 3;
    t.checksum = 0x1234;
    t.options = options.into();
    t
}

#[test]
fn round_trip_every_header() {
    let eth = [
        EthernetHeader::new(MAC_A, MAC_B, ethernet::ethertype::IPV4),
        EthernetHeader::new(MAC_B, MacAddr::BROADCAST, ethernet::ethertype::ARP),
        EthernetHeader::new(MAC_A, MAC_B, 0x86dd),
    ];
    for h in eth {
        assert_eq!(EthernetHeader::parse(&h.to_bytes()).unwrap(), (h, &[][..]));
    }
    let req = ArpPacket::request(MAC_A, ip("10.244.1.2"), ip("10.244.1.1"));
    for a in [req, ArpPacket::reply_to(&req, MAC_B)] {
        assert_eq!(ArpPacket::parse(&a.to_bytes()).unwrap(), (a, &[][..]));
    }
    let mut frag = Ipv4Header::new(ip("1.2.3.4"), ip("5.6.7.8"), 17, 0);
    (frag.dont_frag, frag.more_frags, frag.frag_offset, frag.dscp, frag.ecn) = (false, true, 185, 46, 2);
    for h in [Ipv4Header::new(ip("10.244.1.2"), ip("10.244.2.3"), 6, 0), frag] {
        assert_eq!(Ipv4Header::parse(&h.to_bytes()).unwrap(), (h, &[][..]));
    }
    let icmps = [
        IcmpMessage::EchoRequest { ident: 7, seq: 65535 },
        IcmpMessage::EchoReply { ident: 0, seq: 1 },
        IcmpMessage::DestUnreachable { code: unreachable::FRAG_NEEDED, next_hop_mtu: 1450 },
        IcmpMessage::DestUnreachable { code: unreachable::PORT, next_hop_mtu: 0 },
        IcmpMessage::TimeExceeded { code: time_exceeded::TTL },
        IcmpMessage::TimeExceeded { code: time_exceeded::REASSEMBLY },
        IcmpMessage::Other { ty: 5, code: 1, rest: 0x0a000001 },
    ];
    for m in icmps {
        let h = IcmpHeader { message: m, checksum: 0xbeef };
        assert_eq!(IcmpHeader::parse(&h.to_bytes()).unwrap(), (h, &[][..]));
    }
    let u = UdpHeader { src_port: 40000, dst_port: 8472, length: 8, checksum: 0 };
    assert_eq!(UdpHeader::parse(&u.to_bytes()).unwrap(), (u, &[][..]));
    let tcps = [
        tcp_case(TcpFlags::SYN, TcpOption::linux_syn(1460, 12345, 0)),
        tcp_case(TcpFlags::SYN | TcpFlags::ACK | TcpFlags::ECE, TcpOption::linux_syn(1410, 9, 12345)),
        tcp_case(TcpFlags::ACK | TcpFlags::PSH, vec![]),
        tcp_case(0x0FFF, vec![TcpOption::Nop, TcpOption::Nop, TcpOption::Sack(vec![(1, 2), (3, 4)])]),
        tcp_case(TcpFlags::FIN, vec![TcpOption::Mss(536), TcpOption::Eol]),
        tcp_case(TcpFlags::RST, vec![TcpOption::Unknown { kind: 30, data: vec![1, 2] }]),
        tcp_case(TcpFlags::URG | TcpFlags::CWR, vec![TcpOption::Nop, TcpOption::Nop, TcpOption::Timestamps { tsval: 1, tsecr: 2 }]),
    ];
    for t in tcps {
        let b = t.to_bytes();
        assert_eq!(b.len() % 4, 0);
        assert_eq!(TcpHeader::parse(&b).unwrap(), (t, &[][..]));
    }
    for v in [VxlanHeader::new(1), VxlanHeader::new(0xFF_FFFF), VxlanHeader { flags: 0, vni: 0, reserved: [1, 2, 3, 4] }] {
        assert_eq!(VxlanHeader::parse(&v.to_bytes()).unwrap(), (v, &[][..]));
    }
}

#[test]
fn vxlan_known_bytes() {
    assert_eq!(VxlanHeader::new(1).to_bytes(), hex("08 00 00 00 00 00 01 00"));
    // Reserved bits do not change the VNI; they are kept.
    let bytes = hex("08 ff ff ff 00 01 02 ff aa");
    let (v, rest) = VxlanHeader::parse(&bytes).unwrap();
    assert_eq!((v, rest), (VxlanHeader { flags: 8, vni: 0x102, reserved: [0xff; 4] }, &[0xaa][..]));
    assert_eq!(VxlanHeader::new(0x1_000_001).vni, 1);
    assert_eq!(VxlanHeader::parse(&bytes).unwrap().0.to_bytes(), bytes[..8]);
}

#[test]
fn arp_known_bytes_and_padding() {
    let a = ArpPacket::request(MAC_A, ip("10.244.1.2"), ip("10.244.1.1"));
    let want = hex("0001 0800 06 04 0001 0eaabbccddee 0af40102 000000000000 0af40101");
    assert_eq!(a.to_bytes(), want);
    let mut padded = want.clone();
    padded.extend_from_slice(&[0; 18]);
    assert_eq!(ArpPacket::parse(&padded).unwrap().1.len(), 18);
}

#[test]
fn parse_errors_say_what_and_where() {
    let mut b = Ipv4Header::new(ip("1.1.1.1"), ip("2.2.2.2"), 6, 0).to_bytes();
    b[0] = 0x46;
    b.extend_from_slice(&[0; 4]);
    let e = Ipv4Header::parse(&b).unwrap_err();
    assert_eq!(e.to_string(), "IPv4 at byte 20: IPv4 options (IHL > 5) not supported (6)");
    b[0] = 0x65;
    assert_eq!(Ipv4Header::parse(&b).unwrap_err().to_string(), "IPv4 at byte 0: bad version 6 (expected 4)");
    let e = Ipv4Header::parse(&b[..7]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Truncated { need: 20, have: 7 });
    let e = UdpHeader::parse(&hex("0001 0002 0004 0000")).unwrap_err();
    assert_eq!(e.to_string(), "UDP at byte 4: bad length 4 (expected >= 8)");
    let mut t = tcp_case(TcpFlags::SYN, vec![TcpOption::Mss(1460)]).to_bytes();
    t[21] = 3;
    assert_eq!(
        TcpHeader::parse(&t).unwrap_err().to_string(),
        "TCP at byte 21: bad option length 3 (expected 4 for MSS)"
    );
    t[21] = 9;
    assert!(matches!(TcpHeader::parse(&t).unwrap_err().kind, ErrorKind::BadField { .. }));
    let mut a = ArpPacket::request(MAC_A, ip("1.1.1.1"), ip("1.1.1.2")).to_bytes();
    a[1] = 6;
    assert!(matches!(ArpPacket::parse(&a).unwrap_err().kind, ErrorKind::Unsupported { .. }));
}
