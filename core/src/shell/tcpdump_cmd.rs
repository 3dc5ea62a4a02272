//! `tcpdump [-i DEV] [-c N] [-n|-nn] [-e] [FILTER]`: the frames the last trace (or ping) put on device
//! DEV of this namespace, as tcpdump 4.99 prints them (`net::tcpdump` makes each line):
//!
//! ```text
//! tcpdump: verbose output suppressed, use -v[v]... for full protocol decode
//! listening on cni0, link-type EN10MB (Ethernet), snapshot length 262144 bytes
//! 00:00:30.000006 IP 10.244.0.2 > 10.244.1.2: ICMP echo request, id 4660, seq 1, length 64
//! 1 packet captured
//! 1 packet received by filter
//! 0 packets dropped by kernel
//! ```
//!
//! With `-e` each frame starts with its MAC addresses, EtherType and length, and the protocol
//! word that follows is dropped (`IP `, `ARP, `), as tcpdump does; an encapsulated frame's inner
//! Ethernet header gets the same treatment. The TUN device `flannel0` has no Ethernet header:
//! its link type is `RAW (Raw IP)`, and `-e` marks its frames `ip: `. Times are the simulated time of day (UTC).
//!
//! Simplified: the capture is of the past (the last trace), not live: without `-c` it shows every
//! frame the trace put on the device and stops; with `-c N` at most N (tcpdump would wait for
//! more). tcpdump writes its header and trailer to stderr; here they are in stdout, in the order
//! a terminal shows them. Addresses and ports are always numeric (as with `-nn`); with `-e` and
//! without `-n` the broadcast MAC prints as `Broadcast`. Filters are the subset in
//! `tcpdump_filter.rs`; `-v`, `-w`, `-r` and `-i any` are not simulated.

use super::net::Reply;
use super::tcpdump_filter::{Filter, FilterError};
use crate::net::tcpdump::line_at;
use crate::net::wire::packet::{Layer, Packet};
use crate::net::{netns::DeviceKind, NsId};
use crate::sim::Sim;

pub fn run(sim: &Sim, ns: NsId, args: &[String]) -> Reply {
    let (mut dev, mut count, mut numeric, mut ether) = (None, None, false, false);
    let mut expr = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) else {
            expr.push(a.clone());
            continue;
        };
        // Clustered short options, as getopt reads them: `-nni eth0`, `-c5`.
        for (k, c) in flags.char_indices() {
            match c {
                'n' => numeric = true,
                'e' => ether = true,
                'l' | 'S' | 'p' => {}
                'i' | 'c' => {
                    let rest = &flags[k + 1..];
                    let value = if rest.is_empty() {
                        match it.next() {
                            Some(v) => v.clone(),
                            None => return Reply::fail(format!("tcpdump: option requires an argument -- '{c}'"), 1),
                        }
                    } else {
                        rest.to_string()
                    };
                    if c == 'i' {
                        dev = Some(value);
                    } else {
                        match value.parse::<usize>() {
                            Ok(n) if n > 0 => count = Some(n),
                            _ => return Reply::fail(format!("tcpdump: invalid packet count {value}"), 1),
                        }
                    }
                    break;
                }
                _ => return Reply::not_simulated(format!("tcpdump -{c}")),
            }
        }
    }
    let filter = match Filter::parse(&expr) {
        Ok(f) => f,
        Err(FilterError::Syntax) => return Reply::fail("tcpdump: syntax error in filter expression: syntax error", 1),
        Err(FilterError::NotSimulated(w)) => {
            return Reply::fail(format!("fishbowl: `{w}` in a tcpdump filter is not simulated; filters here are ip, arp, icmp, udp, tcp, [src|dst] host, [udp|tcp] [src|dst] port, joined by `and`"), 1)
        }
    };
    let Some(space) = sim.net().netns(ns) else { return Reply::fail("tcpdump: no interfaces", 1) };
    let dev = match dev {
        Some(d) if d == "any" => return Reply::not_simulated("tcpdump -i any"),
        Some(d) => d,
        None => match space.devices.iter().find(|d| d.kind != DeviceKind::Loopback) {
            Some(d) => d.name.clone(),
            None => "lo".to_string(),
        },
    };
    let Some(device) = space.device_named(&dev) else {
        return Reply::fail(format!("tcpdump: {dev}: No such device exists\n(SIOCGIFHWADDR: No such device)"), 1);
    };
    let raw = device.kind == DeviceKind::Tun;
    let link = if raw { "RAW (Raw IP)" } else { "EN10MB (Ethernet)" };
    let mut out = format!(
        "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on {dev}, link-type {link}, snapshot length 262144 bytes\n"
    );
    let frames = sim.last_trace().map(|t| t.frames(Some((ns, dev.as_str())))).unwrap_or_default();
    let shown: Vec<_> = frames.iter().filter(|(_, p)| filter.matches(p)).take(count.unwrap_or(usize::MAX)).collect();
    for (at, pkt) in &shown {
        out += &frame_line(at.0, pkt, raw, ether, numeric);
        out.push('\n');
    }
    let n = shown.len();
    let s = if n == 1 { "" } else { "s" };
    out += &format!("{n} packet{s} captured\n{n} packet{s} received by filter\n0 packets dropped by kernel\n");
    let mut reply = Reply::ok(out);
    if sim.last_trace().is_none() {
        reply.stderr = "fishbowl: tcpdump shows the frames of the last trace or ping, and none has run yet\n".into();
    }
    reply
}

/// One captured frame: tcpdump's line(s) for it.
fn frame_line(at_us: u64, pkt: &Packet, raw: bool, ether: bool, numeric: bool) -> String {
    let bytes = pkt.emit();
    if raw {
        // Give the summary an Ethernet header to read past; raw IP prints the same without -e.
        let mut framed = vec![0u8; 12];
        framed.extend_from_slice(&[0x08, 0x00]);
        framed.extend_from_slice(&bytes);
        let line = line_at(at_us, &framed);
        return if ether { line.replacen(" IP ", " ip: ", 1) } else { line };
    }
    let line = line_at(at_us, &bytes);
    if !ether {
        return line;
    }
    let eths: Vec<_> = pkt.layers.iter().filter_map(|l| if let Layer::Ethernet(e) = l { Some(e) } else { None }).collect();
    let mac = |m: crate::net::wire::ethernet::MacAddr| if m.is_broadcast() && !numeric { "Broadcast".to_string() } else { m.to_string() };
    let mut out = Vec::new();
    for (i, l) in line.split('\n').enumerate() {
        let Some(e) = eths.get(i) else {
            out.push(l.to_string());
            continue;
        };
        let len = bytes.len().saturating_sub(50 * i);
        let name = match e.ethertype {
            0x0800 => "IPv4",
            0x0806 => "ARP",
            0x86DD => "IPv6",
            _ => "Unknown",
        };
        let head = format!("{} > {}, ethertype {name} (0x{:04x}), length {len}: ", mac(e.src), mac(e.dst), e.ethertype);
        let (stamp, body) = if i == 0 { l.split_at(l.find(' ').map_or(0, |p| p + 1)) } else { ("", l) };
        let body = body.strip_prefix("IP ").or_else(|| body.strip_prefix("ARP, ")).unwrap_or(body);
        out.push(format!("{stamp}{head}{body}"));
    }
    out.join("\n")
}
