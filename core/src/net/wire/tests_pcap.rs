//! The flannel VXLAN frame against bytes built independently by hand, and through a pcap file.

use super::tests_packet::vxlan_syn;
use super::*;
use crate::net::pcap::Pcap;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Outer Ethernet 08:00:27:00:00:0b > 08:00:27:00:00:0c; outer IPv4 192.168.56.11 >
/// 192.168.56.12, length 110, TTL 64, UDP, checksum 8917; UDP 40000 > 8472, length 90,
/// checksum 0; VXLAN VNI 1; inner Ethernet 0e:11:22:33:44:55 > 0e:aa:bb:cc:dd:ee; inner IPv4
/// 10.244.1.2 > 10.244.2.3, ID 5c3a, DF, TTL 63, checksum c695; TCP 45678 > 80 SYN seq 1000
/// win 64240 checksum 7dad, options mss 1410, sackOK, TS val 1 ecr 0, nop, wscale 7.
const VXLAN_SYN: &str = "
    08002700000c 08002700000b 0800
    4500 006e 0000 0000 4011 8917 c0a8380b c0a8380c
    9c40 2118 005a 0000
    08000000 00000100
    0eaabbccddee 0e1122334455 0800
    4500 003c 5c3a 4000 3f06 c695 0af40102 0af40203
    b26e 0050 000003e8 00000000 a002 faf0 7dad 0000
    020405820402080a000000010000000001030307";

#[test]
fn vxlan_syn_matches_hand_built_bytes() {
    assert_eq!(vxlan_syn(0).finalize(), hex(VXLAN_SYN));
}

#[test]
fn vxlan_syn_through_a_pcap_file() {
    let frame = hex(VXLAN_SYN);
    let mut pcap = Pcap::new();
    pcap.push(1_500_000, &frame);
    let bytes = pcap.to_bytes();
    assert_eq!(bytes.len(), 24 + 16 + 124);
    let back = Pcap::parse(&bytes).unwrap();
    assert_eq!(back.records[0].data, frame);
    assert_eq!((back.records[0].ts_sec, back.records[0].ts_usec), (1_704_067_201, 500_000));
    assert_eq!(Packet::parse(&back.records[0].data).unwrap().emit(), frame);
}

/// Writes the frame to a pcap and runs the tshark check of the fidelity notes; run with
/// `cargo test -p fishbowl-core --lib net::wire::tests_pcap -- --ignored` where `tshark` is
/// installed. Expected: `eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp|0x0800|1|1,1|3|1`
/// (UDP status 3: the outer checksum is zero, "not present").
#[test]
fn tshark_decodes_the_vxlan_syn() {
    let mut pcap = Pcap::new();
    pcap.push(0, &hex(VXLAN_SYN));
    let path = std::env::temp_dir().join("fishbowl-vxlan-syn.pcap");
    std::fs::write(&path, pcap.to_bytes()).unwrap();
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-d", "udp.port==8472,vxlan", "-o", "ip.check_checksum:TRUE"])
        .args(["-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T", "fields"])
        .args(["-E", "separator=|", "-e", "frame.protocols", "-e", "vxlan.flags", "-e", "vxlan.vni"])
        .args(["-e", "ip.checksum.status", "-e", "udp.checksum.status", "-e", "tcp.checksum.status"])
        .output()
        .expect("tshark runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.trim(), "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp|0x0800|1|1,1|3|1");
}
