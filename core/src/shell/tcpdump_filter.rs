//! The part of tcpdump's filter language (pcap-filter(7), libpcap 1.10) that `tcpdump_cmd.rs`
//! understands: primitives joined by `and` (or `&&`):
//!
//! ```text
//! ip  arp  icmp  udp  tcp
//! [src|dst] host ADDR      [src|dst] ADDR      (IPv4 source/destination; ARP sender/target)
//! [udp|tcp] [src|dst] port N                  (UDP or TCP, either direction unless src/dst)
//! ```
//!
//! As in libpcap the filter looks at the outermost headers: a VXLAN frame matches `udp port
//! 8472`, not `icmp`. `or`, `not`, parentheses and other primitives are not simulated; a word
//! that is not a primitive is a syntax error, as libpcap reports it.

use std::net::Ipv4Addr;

use crate::net::wire::packet::{Layer, Packet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Either,
    Src,
    Dst,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Prim {
    Ip,
    Arp,
    Icmp,
    Udp,
    Tcp,
    Host(Dir, Ipv4Addr),
    Port(Dir, Option<&'static str>, u16),
}

/// A parsed filter: every primitive must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter(Vec<Prim>);

/// Why a filter cannot be used: tcpdump's error, or a form not simulated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    Syntax,
    NotSimulated(String),
}

impl Filter {
    pub fn parse(words: &[String]) -> Result<Filter, FilterError> {
        let words: Vec<&str> = words.iter().flat_map(|w| w.split_whitespace()).collect();
        let mut prims = Vec::new();
        let mut i = 0;
        let mut expect_prim = true;
        while i < words.len() {
            let w = words[i];
            if matches!(w, "and" | "&&") {
                if expect_prim {
                    return Err(FilterError::Syntax);
                }
                expect_prim = true;
                i += 1;
                continue;
            }
            if matches!(w, "or" | "||" | "not" | "!" | "(" | ")") || w.starts_with('(') {
                return Err(FilterError::NotSimulated(w.to_string()));
            }
            if !expect_prim {
                return Err(FilterError::Syntax);
            }
            let word = |k: usize| words.get(k).copied();
            let mut k = i;
            let mut proto = None;
            if matches!(w, "udp" | "tcp") && matches!(word(k + 1), Some("port" | "src" | "dst")) {
                proto = Some(if w == "udp" { "udp" } else { "tcp" });
                k += 1;
            }
            let dir = match word(k) {
                Some("src") => Dir::Src,
                Some("dst") => Dir::Dst,
                _ => Dir::Either,
            };
            if dir != Dir::Either {
                k += 1;
            }
            let bare = proto.is_none() && dir == Dir::Either;
            let (prim, next) = match (word(k), word(k + 1)) {
                (Some("port"), Some(n)) => (Prim::Port(dir, proto, n.parse().map_err(|_| FilterError::Syntax)?), k + 2),
                (Some("host"), Some(a)) if proto.is_none() => (Prim::Host(dir, a.parse().map_err(|_| FilterError::Syntax)?), k + 2),
                (Some(a), _) if proto.is_none() && a.parse::<Ipv4Addr>().is_ok() => (Prim::Host(dir, a.parse().map_err(|_| FilterError::Syntax)?), k + 1),
                (Some("ip"), _) if bare => (Prim::Ip, k + 1),
                (Some("arp"), _) if bare => (Prim::Arp, k + 1),
                (Some("icmp"), _) if bare => (Prim::Icmp, k + 1),
                (Some("udp"), _) if bare => (Prim::Udp, k + 1),
                (Some("tcp"), _) if bare => (Prim::Tcp, k + 1),
                (Some(other), _) if other.starts_with(|c: char| c.is_ascii_alphabetic()) && !matches!(other, "host" | "port") => {
                    return Err(FilterError::NotSimulated(other.to_string()))
                }
                _ => return Err(FilterError::Syntax),
            };
            prims.push(prim);
            expect_prim = false;
            i = next;
        }
        if expect_prim && !prims.is_empty() {
            return Err(FilterError::Syntax);
        }
        Ok(Filter(prims))
    }

    /// Whether the frame (its outermost headers) passes.
    pub fn matches(&self, pkt: &Packet) -> bool {
        let layers: &[Layer] = match pkt.layers.first() {
            Some(Layer::Ethernet(_)) => &pkt.layers[1..],
            _ => &pkt.layers,
        };
        let ip = match layers.first() {
            Some(Layer::Ipv4(h)) => Some((h.src, h.dst)),
            _ => None,
        };
        let arp = match layers.first() {
            Some(Layer::Arp(a)) => Some((a.sender_ip, a.target_ip)),
            _ => None,
        };
        let l4 = layers.get(1);
        let ports = match l4 {
            Some(Layer::Udp(u)) => Some(("udp", u.src_port, u.dst_port)),
            Some(Layer::Tcp(t)) => Some(("tcp", t.src_port, t.dst_port)),
            _ => None,
        };
        let dir_match = |dir: Dir, (s, d): (u32, u32), want: u32| match dir {
            Dir::Src => s == want,
            Dir::Dst => d == want,
            Dir::Either => s == want || d == want,
        };
        self.0.iter().all(|p| match p {
            Prim::Ip => ip.is_some(),
            Prim::Arp => arp.is_some(),
            Prim::Icmp => ip.is_some() && matches!(l4, Some(Layer::Icmp(_))),
            Prim::Udp => ip.is_some() && matches!(l4, Some(Layer::Udp(_))),
            Prim::Tcp => ip.is_some() && matches!(l4, Some(Layer::Tcp(_))),
            Prim::Host(dir, a) => ip
                .or(arp)
                .is_some_and(|(s, d)| dir_match(*dir, (u32::from(s), u32::from(d)), u32::from(*a))),
            Prim::Port(dir, proto, n) => ports.is_some_and(|(pr, s, d)| {
                proto.is_none_or(|want| want == pr) && dir_match(*dir, (u32::from(s), u32::from(d)), u32::from(*n))
            }),
        })
    }
}
