//! tcpdump -n summaries of hand-built frames.

use std::net::Ipv4Addr;

use super::summary;
use crate::net::wire::icmp::unreachable;
use crate::net::wire::tests_packet::{garbage, vxlan_syn, NODE_A, NODE_B};
use crate::net::wire::*;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn eth() -> Layer {
    Layer::Ethernet(EthernetHeader::new(NODE_A, NODE_B, 0))
}

#[test]
fn tcp_syn_line() {
    let mut t = TcpHeader::new(45678, 80, 1000, 0, TcpFlags::SYN, 64240);
    t.options = vec![TcpOption::Mss(1460)].into();
    let mut p = Packet::new(
        vec![eth(), Layer::Ipv4(Ipv4Header::new(ip("10.244.1.2"), ip("10.244.2.3"), 0, 0)), Layer::Tcp(t)],
        vec![],
    );
    assert_eq!(
        summary(&p.finalize()),
        "IP 10.244.1.2.45678 > 10.244.2.3.80: Flags [S], seq 1000, win 64240, options [mss 1460], length 0"
    );
    let Layer::Tcp(t) = &mut p.layers[2] else { panic!() };
    // Port 9376 (no application decoder in tcpdump), data of 18 bytes.
    (t.flags, t.ack, t.seq, t.options) = (TcpFlags(TcpFlags::PSH | TcpFlags::ACK), 2001, 1001, Default::default());
    t.dst_port = 9376;
    t.options = vec![TcpOption::Nop, TcpOption::Nop, TcpOption::Timestamps { tsval: 5, tsecr: 6 }].into();
    p.payload = b"GET / HTTP/1.1\r\n\r\n".to_vec();
    assert_eq!(
        summary(&p.finalize()),
        "IP 10.244.1.2.45678 > 10.244.2.3.9376: Flags [P.], seq 1001:1019, ack 2001, win 64240, \
         options [nop,nop,TS val 5 ecr 6], length 18"
    );
    let Layer::Tcp(t) = &mut p.layers[2] else { panic!() };
    (t.flags, t.options) = (TcpFlags(TcpFlags::RST | TcpFlags::ACK), Default::default());
    p.payload.clear();
    assert_eq!(
        summary(&p.finalize()),
        "IP 10.244.1.2.45678 > 10.244.2.3.9376: Flags [R.], seq 1001, ack 2001, win 64240, length 0"
    );
}

#[test]
fn arp_lines() {
    let req = ArpPacket::request(NODE_A, ip("10.244.1.2"), ip("10.244.1.1"));
    let mut p = Packet::new(vec![eth(), Layer::Arp(req)], vec![]);
    assert_eq!(summary(&p.finalize()), "ARP, Request who-has 10.244.1.1 tell 10.244.1.2, length 28");
    p.trailer = vec![0; 18];
    assert_eq!(summary(&p.finalize()), "ARP, Request who-has 10.244.1.1 tell 10.244.1.2, length 46");
    let rep = ArpPacket::reply_to(&req, NODE_B);
    let mut p = Packet::new(vec![eth(), Layer::Arp(rep)], vec![]);
    assert_eq!(summary(&p.finalize()), "ARP, Reply 10.244.1.1 is-at 08:00:27:00:00:0c, length 28");
}

#[test]
fn icmp_lines() {
    let h = Ipv4Header::new(ip("10.244.1.2"), ip("10.244.2.3"), 0, 0);
    let echo = IcmpHeader::new(IcmpMessage::EchoRequest { ident: 1, seq: 1 });
    let mut p = Packet::new(vec![eth(), Layer::Ipv4(h), Layer::Icmp(echo)], vec![0; 56]);
    assert_eq!(summary(&p.finalize()), "IP 10.244.1.2 > 10.244.2.3: ICMP echo request, id 1, seq 1, length 64");

    // Need-to-frag from the node, quoting the too-big packet (header + 8 bytes).
    let quoted = Ipv4Header::new(ip("10.244.1.2"), ip("10.244.2.3"), 6, 1480).to_bytes();
    let mut q = quoted.clone();
    q.extend_from_slice(&[0xb2, 0x6e, 0, 80, 0, 0, 0, 1]);
    let m = IcmpMessage::DestUnreachable { code: unreachable::FRAG_NEEDED, next_hop_mtu: 1450 };
    let gw = Ipv4Header::new(ip("10.244.1.1"), ip("10.244.1.2"), 0, 0);
    let mut p = Packet::new(vec![eth(), Layer::Ipv4(gw), Layer::Icmp(IcmpHeader::new(m))], q.clone());
    assert_eq!(
        summary(&p.finalize()),
        "IP 10.244.1.1 > 10.244.1.2: ICMP 10.244.2.3 unreachable - need to frag (mtu 1450), length 36"
    );
    let m = IcmpMessage::DestUnreachable { code: unreachable::PORT, next_hop_mtu: 0 };
    let mut p = Packet::new(vec![eth(), Layer::Ipv4(gw), Layer::Icmp(IcmpHeader::new(m))], q.clone());
    assert_eq!(
        summary(&p.finalize()),
        "IP 10.244.1.1 > 10.244.1.2: ICMP 10.244.2.3 tcp port 80 unreachable, length 36"
    );
    let m = IcmpMessage::TimeExceeded { code: 0 };
    let mut p = Packet::new(vec![eth(), Layer::Ipv4(gw), Layer::Icmp(IcmpHeader::new(m))], q);
    assert_eq!(summary(&p.finalize()), "IP 10.244.1.1 > 10.244.1.2: ICMP time exceeded in-transit, length 36");
}

#[test]
fn vxlan_lines() {
    let frame = vxlan_syn(0).finalize();
    assert_eq!(
        summary(&frame),
        "IP 192.168.56.11.40000 > 192.168.56.12.8472: OTV, flags [I] (0x08), overlay 0, instance 1\n\
         IP 10.244.1.2.45678 > 10.244.2.3.80: Flags [S], seq 1000, win 64240, \
         options [mss 1410,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"
    );
    let mut p = vxlan_syn(0);
    let Layer::Udp(u) = &mut p.layers[2] else { panic!() };
    u.dst_port = vxlan::PORT_IANA;
    let text = summary(&p.finalize());
    assert!(text.starts_with("IP 192.168.56.11.40000 > 192.168.56.12.4789: VXLAN, flags [I] (0x08), vni 1\nIP "));
}

#[test]
fn udp_line_and_timestamps() {
    let h = Ipv4Header::new(ip("10.244.0.5"), ip("10.96.0.10"), 0, 0);
    let mut p = Packet::new(vec![eth(), Layer::Ipv4(h), Layer::Udp(UdpHeader::new(40000, 53, 0))], vec![0; 32]);
    let frame = p.finalize();
    assert_eq!(summary(&frame), "IP 10.244.0.5.40000 > 10.96.0.10.53: UDP, length 32");
    assert!(super::line_at(3_723_000_042, &frame).starts_with("01:02:03.000042 IP 10.244.0.5.40000"));
}

#[test]
fn bad_frames_print_a_truncation_mark() {
    let frame = vxlan_syn(0).finalize();
    assert_eq!(summary(&frame[..10]), "[|ether]");
    assert_eq!(summary(&frame[..30]), "[|ip]");
    for seed in 0..200u64 {
        let _ = summary(&garbage(seed, seed as usize % 120));
    }
    for n in 0..frame.len() {
        let _ = summary(&frame[..n]);
    }
}
