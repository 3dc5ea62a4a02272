//! One-line summaries of frames as `tcpdump -n` (4.99) prints them for an Ethernet capture,
//! without the timestamp (see [`line_at`] for that) and without `-e` (no MAC addresses):
//!
//! ```text
//! IP 10.244.1.2.45678 > 10.244.2.3.80: Flags [S], seq 1000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0
//! ARP, Request who-has 10.244.1.1 tell 10.244.1.2, length 28
//! IP 10.244.1.2 > 10.244.2.3: ICMP echo request, id 1, seq 1, length 64
//! IP 192.168.56.11.40000 > 192.168.56.12.8472: OTV, flags [I] (0x08), overlay 0, instance 1
//! IP 10.244.1.2.45678 > 10.244.2.3.80: Flags [S], seq 1000, ...
//! ```
//!
//! tcpdump decodes UDP port 8472 as Cisco OTV, whose header matches VXLAN's layout but splits
//! it differently: bytes 1-3 print as the "overlay" (VXLAN's reserved bytes, 0) and bytes 4-6 as
//! the "instance" (the VNI). Port 4789 prints as `VXLAN, flags [I] (0x08), vni 1`. Either way the
//! inner frame follows on the next line, printed like a top-level one (no MACs without `-e`).
//! ARP's length is the Ethernet payload, so a padded 60-byte frame off the wire says length 46.
//!
//! Simplified: sequence numbers are absolute (as with `-S`; tcpdump prints them relative to
//! the first SYN of a connection it has seen); application protocols are not decoded (tcpdump
//! adds e.g. `: HTTP: GET / HTTP/1.1` after TCP data on port 80 or 8080, and decodes DNS on
//! port 53), UDP prints `UDP, length N`; only ICMP echo, destination unreachable and time exceeded
//! are spelled out (other types print `type-#N`, without tcpdump's names for them); bad
//! checksums are not flagged (tcpdump does so only with `-v`); IPv6 and other EtherTypes print
//! as `ethertype NAME (0x....), length N` (tcpdump decodes IPv6 as `IP6 ...` and shows MAC
//! addresses and a hex dump for an unknown EtherType); other IP protocols print as
//! `ip-proto-N`; a frame that does not parse prints tcpdump's truncation mark for the layer,
//! e.g. `[|tcp]`, where tcpdump would print the headers it could read first.

use std::net::Ipv4Addr;

use super::wire::icmp::{self, time_exceeded, unreachable};
use super::wire::ipv4::protocol;
use super::wire::{arp, vxlan, IcmpHeader, IcmpMessage, Ipv4Header, Layer, Packet, TcpFlags};
use super::wire::{TcpHeader, TcpOption};

/// The summary of one Ethernet frame (several lines for an encapsulated one).
pub fn summary(frame: &[u8]) -> String {
    match Packet::parse(frame) {
        Ok(p) => ether(&p.layers, frame.len(), &p),
        Err(e) => {
            let name = match e.layer {
                "Ethernet" => "ether",
                "ARP" => "arp",
                "ICMP" => "icmp",
                "TCP" => "tcp",
                "UDP" => "udp",
                "VXLAN" => "vxlan",
                _ => "ip",
            };
            format!("[|{name}]")
        }
    }
}

/// `HH:MM:SS.uuuuuu ` + the summary, the time of day of `at_micros` after the simulation
/// epoch (midnight UTC), as tcpdump prints it with `TZ=UTC`.
pub fn line_at(at_micros: u64, frame: &[u8]) -> String {
    let secs = at_micros / 1_000_000;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    format!("{h:02}:{m:02}:{s:02}.{:06} {}", at_micros % 1_000_000, summary(frame))
}

fn ether(layers: &[Layer], len: usize, p: &Packet) -> String {
    let Some(Layer::Ethernet(e)) = layers.first() else {
        return "[|ether]".into();
    };
    match layers.get(1) {
        Some(Layer::Arp(a)) => arp_line(a, len.saturating_sub(14)),
        Some(Layer::Ipv4(ip)) => ipv4(ip, &layers[2..], p),
        _ => {
            let name = match e.ethertype {
                0x86DD => "IPv6",
                0x8100 => "802.1Q",
                0x0800 => "IPv4",
                0x0806 => "ARP",
                _ => "Unknown",
            };
            format!("ethertype {name} (0x{:04x}), length {len}", e.ethertype)
        }
    }
}

fn arp_line(a: &arp::ArpPacket, len: usize) -> String {
    match a.operation {
        arp::OP_REQUEST => {
            let tmac =
                if a.target_mac.is_zero() { String::new() } else { format!(" ({})", a.target_mac) };
            format!("ARP, Request who-has {}{tmac} tell {}, length {len}", a.target_ip, a.sender_ip)
        }
        arp::OP_REPLY => format!("ARP, Reply {} is-at {}, length {len}", a.sender_ip, a.sender_mac),
        op => format!("ARP, Unknown ({op}), length {len}"),
    }
}

fn ipv4(ip: &Ipv4Header, rest: &[Layer], p: &Packet) -> String {
    let (s, d) = (ip.src, ip.dst);
    let plen = ip.payload_len();
    match rest.first() {
        Some(Layer::Tcp(t)) => {
            let len = plen.saturating_sub(t.header_len());
            format!("IP {s}.{} > {d}.{}: {}", t.src_port, t.dst_port, tcp(t, len))
        }
        Some(Layer::Udp(u)) => {
            let head = format!("IP {s}.{} > {d}.{}: ", u.src_port, u.dst_port);
            match rest.get(1) {
                Some(Layer::Vxlan(v)) => {
                    let otv = u.src_port == vxlan::PORT_LINUX || u.dst_port == vxlan::PORT_LINUX;
                    let flags = format!("flags [{}] (0x{:02x})", if v.flags & 0x08 != 0 { "I" } else { "." }, v.flags);
                    let encap = if otv {
                        let r = v.reserved;
                        let overlay = u32::from_be_bytes([0, r[0], r[1], r[2]]);
                        format!("OTV, {flags}, overlay {overlay}, instance {}", v.vni)
                    } else {
                        format!("VXLAN, {flags}, vni {}", v.vni)
                    };
                    let inner_len = usize::from(u.length).saturating_sub(16);
                    format!("{head}{encap}\n{}", ether(&rest[2..], inner_len, p))
                }
                _ => format!("{head}UDP, length {}", usize::from(u.length).saturating_sub(8)),
            }
        }
        Some(Layer::Icmp(i)) => format!("IP {s} > {d}: ICMP {}, length {plen}", icmp(i, &p.payload)),
        _ if ip.is_later_fragment() => format!("IP {s} > {d}: ip-proto-{}", ip.protocol),
        _ => format!("IP {s} > {d}:  ip-proto-{} {plen}", ip.protocol),
    }
}

fn tcp(t: &TcpHeader, len: usize) -> String {
    let f = t.flags;
    let mut flags: String = [
        (TcpFlags::FIN, 'F'),
        (TcpFlags::SYN, 'S'),
        (TcpFlags::RST, 'R'),
        (TcpFlags::PSH, 'P'),
        (TcpFlags::ACK, '.'),
        (TcpFlags::URG, 'U'),
        (TcpFlags::ECE, 'E'),
        (TcpFlags::CWR, 'W'),
    ]
    .iter()
    .filter(|(b, _)| f.has(*b))
    .map(|(_, c)| *c)
    .collect();
    if flags.is_empty() {
        flags = "none".into();
    }
    let mut out = format!("Flags [{flags}]");
    if len > 0 || f.has(TcpFlags::SYN | TcpFlags::FIN | TcpFlags::RST) {
        out += &format!(", seq {}", t.seq);
        if len > 0 {
            out += &format!(":{}", t.seq.wrapping_add(len as u32));
        }
    }
    if f.has(TcpFlags::ACK) {
        out += &format!(", ack {}", t.ack);
    }
    out += &format!(", win {}", t.window);
    if f.has(TcpFlags::URG) {
        out += &format!(", urg {}", t.urgent);
    }
    if !t.options.is_empty() {
        let opts: Vec<String> = t.options.iter().filter_map(tcp_option).collect();
        out += &format!(", options [{}]", opts.join(","));
    }
    out + &format!(", length {len}")
}

fn tcp_option(o: &TcpOption) -> Option<String> {
    Some(match o {
        TcpOption::Eol => "eol".into(),
        TcpOption::Nop => "nop".into(),
        TcpOption::Mss(m) => format!("mss {m}"),
        TcpOption::WindowScale(s) => format!("wscale {s}"),
        TcpOption::SackPermitted => "sackOK".into(),
        TcpOption::Sack(b) => {
            let edges: String = b.iter().map(|(l, r)| format!("{{{l}:{r}}}")).collect();
            format!("sack {} {edges}", b.len())
        }
        TcpOption::Timestamps { tsval, tsecr } => format!("TS val {tsval} ecr {tsecr}"),
        TcpOption::Unknown { kind, data } => {
            let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
            if hex.is_empty() {
                format!("unknown-{kind}")
            } else {
                format!("unknown-{kind} 0x{hex}")
            }
        }
        TcpOption::AfterEol(_) => return None,
    })
}

fn icmp(i: &IcmpHeader, data: &[u8]) -> String {
    match i.message {
        IcmpMessage::EchoRequest { ident, seq } => format!("echo request, id {ident}, seq {seq}"),
        IcmpMessage::EchoReply { ident, seq } => format!("echo reply, id {ident}, seq {seq}"),
        IcmpMessage::TimeExceeded { code: time_exceeded::TTL } => "time exceeded in-transit".into(),
        IcmpMessage::TimeExceeded { code: time_exceeded::REASSEMBLY } => "ip reassembly time exceeded".into(),
        IcmpMessage::TimeExceeded { code } => format!("time exceeded-#{code}"),
        IcmpMessage::DestUnreachable { code, next_hop_mtu } => unreachable_text(code, next_hop_mtu, data),
        IcmpMessage::Other { ty: icmp::TYPE_DEST_UNREACHABLE, code, rest } => {
            unreachable_text(code, rest as u16, data)
        }
        IcmpMessage::Other { ty: icmp::TYPE_TIME_EXCEEDED, code, .. } => {
            icmp(&IcmpHeader::new(IcmpMessage::TimeExceeded { code }), data)
        }
        IcmpMessage::Other { ty: icmp::TYPE_ECHO_REQUEST | icmp::TYPE_ECHO_REPLY, rest, .. } => {
            let kind = if i.ty() == icmp::TYPE_ECHO_REQUEST { "request" } else { "reply" };
            format!("echo {kind}, id {}, seq {}", rest >> 16, rest & 0xFFFF)
        }
        IcmpMessage::Other { ty, .. } => format!("type-#{ty}"),
    }
}

/// The quoted packet's destination, protocol and destination port (leniently: a quote may be
/// cut short of its own total length).
fn quoted(data: &[u8]) -> Option<(Ipv4Addr, u8, Option<u16>)> {
    let h = data.get(..20)?;
    let dst = Ipv4Addr::new(h[16], h[17], h[18], h[19]);
    let ihl = usize::from(h[0] & 0x0F) * 4;
    let port = data.get(ihl + 2..ihl + 4).map(|p| u16::from_be_bytes([p[0], p[1]]));
    Some((dst, h[9], port))
}

fn unreachable_text(code: u8, mtu: u16, data: &[u8]) -> String {
    let Some((dst, proto, port)) = quoted(data) else {
        return "[|icmp]".into();
    };
    match code {
        unreachable::PROTOCOL => format!("{dst} protocol {proto} unreachable"),
        unreachable::PORT => match (proto, port) {
            (protocol::TCP, Some(p)) => format!("{dst} tcp port {p} unreachable"),
            (protocol::UDP, Some(p)) => format!("{dst} udp port {p} unreachable"),
            (_, Some(p)) => format!("{dst} protocol {proto} port {p} unreachable"),
            (_, None) => "[|icmp]".into(),
        },
        unreachable::FRAG_NEEDED if mtu != 0 => format!("{dst} unreachable - need to frag (mtu {mtu})"),
        unreachable::FRAG_NEEDED => format!("{dst} unreachable - need to frag"),
        unreachable::NET => format!("net {dst} unreachable"),
        unreachable::HOST => format!("host {dst} unreachable"),
        unreachable::SOURCE_ROUTE_FAILED => format!("{dst} unreachable - source route failed"),
        unreachable::NET_UNKNOWN => format!("net {dst} unreachable - unknown"),
        unreachable::HOST_UNKNOWN => format!("host {dst} unreachable - unknown"),
        unreachable::HOST_ISOLATED => format!("{dst} unreachable - source host isolated"),
        unreachable::NET_PROHIBITED => format!("net {dst} unreachable - admin prohibited"),
        unreachable::HOST_PROHIBITED => format!("host {dst} unreachable - admin prohibited"),
        unreachable::NET_TOS => format!("net {dst} unreachable - tos prohibited"),
        unreachable::HOST_TOS => format!("host {dst} unreachable - tos prohibited"),
        unreachable::ADMIN_PROHIBITED => format!("host {dst} unreachable - admin prohibited filter"),
        unreachable::HOST_PRECEDENCE => format!("host {dst} unreachable - host precedence violation"),
        unreachable::PRECEDENCE_CUTOFF => format!("host {dst} unreachable - precedence cutoff"),
        c => format!("{dst} unreachable - #{c}"),
    }
}

#[cfg(test)]
#[path = "wire/tests_tcpdump.rs"]
mod tests;
