//! Rules as the kernel's x_tables hold them: a list of matches, a target, and the chain they
//! live in. Matching is `Rule::matches(&PacketInfo) → bool`; what the target does with the
//! packet is decided by the traversal in `eval.rs`.
//!
//! The common matches (`-s`, `-d`, `-p`, `-i`, `-o`, `--dport`) sit in plain fields so the
//! long KUBE-SERVICES chain is scanned with a few comparisons per rule, as the kernel's
//! `ipt_do_table` checks the fixed `ipt_ip` part of each entry before any extension match.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// The fields of a packet the matches read, and the state of its connection.
pub struct PacketInfo<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP, 132 SCTP).
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
    pub in_iface: Option<&'a str>,
    pub out_iface: Option<&'a str>,
    pub mark: u32,
    pub ct_state: CtState,
    /// Whether conntrack has rewritten this connection's destination (`--ctstate DNAT`).
    pub ct_dnat: bool,
    pub len: u16,
    /// Addresses local to this namespace (`-m addrtype --dst-type LOCAL`).
    pub is_local: &'a dyn Fn(Ipv4Addr) -> bool,
    /// `-m set --match-set`: whether (set, packet) match.
    pub in_set: &'a dyn Fn(&str, &[SetDir]) -> bool,
    /// `-m recent --rcheck`: whether `src` was `--set` in list `name` within `seconds`.
    pub recent: &'a dyn Fn(&str, Ipv4Addr, Option<u32>) -> bool,
    /// A number in [0, 1) for `-m statistic --mode random`, drawn only when a rule asks.
    pub random: &'a mut dyn FnMut() -> f64,
}

/// Conntrack states as `-m conntrack --ctstate` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CtState {
    New,
    Established,
    Related,
    Invalid,
    Untracked,
}

impl CtState {
    pub fn name(self) -> &'static str {
        match self {
            CtState::New => "NEW",
            CtState::Established => "ESTABLISHED",
            CtState::Related => "RELATED",
            CtState::Invalid => "INVALID",
            CtState::Untracked => "UNTRACKED",
        }
    }

    pub fn parse(s: &str) -> Option<CtState> {
        Some(match s {
            "NEW" => CtState::New,
            "ESTABLISHED" => CtState::Established,
            "RELATED" => CtState::Related,
            "INVALID" => CtState::Invalid,
            "UNTRACKED" => CtState::Untracked,
            _ => return None,
        })
    }
}

/// `src` or `dst` in an ipset match's direction list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetDir {
    Src,
    Dst,
}

/// A port range (`--dport 80`, `--dport 30000:32767`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    pub lo: u16,
    pub hi: u16,
}

impl Ports {
    pub fn contains(self, p: u16) -> bool {
        (self.lo..=self.hi).contains(&p)
    }
}

/// The extension matches (`-m NAME ...`) other than the common fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Match {
    /// `-m comment --comment TEXT` (never fails).
    Comment(std::sync::Arc<str>),
    /// `-m mark [!] --mark VALUE/MASK`.
    Mark { value: u32, mask: u32, neg: bool },
    /// `-m conntrack [!] --ctstate A,B`; DNAT is the pseudo-state "connection was DNAT'd".
    CtState { states: Vec<CtState>, dnat: bool, neg: bool },
    /// `-m addrtype [!] --src-type LOCAL` / `--dst-type LOCAL`.
    AddrType { src: bool, neg: bool },
    /// `-m statistic --mode random --probability P`, P as the kernel stores it: round(P × 2³¹).
    Random { fixed: u32 },
    /// `-m recent --name N --rcheck --seconds S --reap` or `--set`.
    Recent(Recent),
    /// `-m set [!] --match-set NAME dst,dst`.
    Set { name: String, dirs: Vec<SetDir>, neg: bool },
    /// `-m multiport --dports A,B:C`.
    MultiPort { ports: Vec<Ports>, dst: bool },
    /// `-m tcp` / `-m udp`: where the protocol's port match sits among the matches. The ports
    /// themselves are the rule's `sport`/`dport` fields.
    L4(String),
    /// `-m nfacct --nfacct-name NAME`: counts into a named accounting object; always matches.
    Nfacct(String),
}

/// The `recent` match's options.
#[derive(Debug, Clone, PartialEq)]
pub struct Recent {
    pub name: String,
    /// `--set` (add the source; always matches) rather than `--rcheck`.
    pub set: bool,
    pub seconds: Option<u32>,
    pub reap: bool,
}

/// What a rule does when it matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Accept,
    Drop,
    Return,
    /// `-j CHAIN`: continue in a user chain, come back after it.
    Jump(String),
    /// `-g CHAIN`: continue in a user chain, never come back.
    Goto(String),
    /// `-j REJECT --reject-with icmp-port-unreachable` (or tcp-reset).
    Reject { with: String },
    /// `-j DNAT --to-destination IP[:PORT]`.
    Dnat { ip: Ipv4Addr, port: Option<u16> },
    /// `-j SNAT --to-source IP`.
    Snat { ip: Ipv4Addr },
    /// `-j MASQUERADE [--random-fully]`.
    Masquerade { random_fully: bool },
    /// `-j REDIRECT --to-ports PORT`.
    Redirect { port: u16 },
    /// `-j MARK --set-xmark VALUE/MASK` (`--or-mark V` is `V/V`, `--xor-mark V` is `V/0`).
    Mark { value: u32, mask: u32 },
    /// `-j LOG`/`-j TRACE` and other targets that let the packet go on.
    Continue(String),
    /// No `-j`: the rule only counts packets.
    None,
}

/// One rule. The bools beside `src`, `dst`, `proto`, … are the `!` before them.
#[derive(Debug, Clone)]
pub struct Rule {
    pub src: Option<(Ipv4Net, bool)>,
    pub dst: Option<(Ipv4Net, bool)>,
    pub proto: Option<(u8, bool)>,
    pub in_iface: Option<(String, bool)>,
    pub out_iface: Option<(String, bool)>,
    pub sport: Option<(Ports, bool)>,
    pub dport: Option<(Ports, bool)>,
    pub matches: Vec<Match>,
    pub target: Target,
    /// The target as `iptables-save` prints it, made on first use (traces show it).
    target_text: std::sync::OnceLock<std::sync::Arc<str>>,
    /// [`super::restore::text_hash`] of the text the rule was restored from (0: not restored).
    pub(super) source: u64,
}

impl PartialEq for Rule {
    fn eq(&self, o: &Rule) -> bool {
        (&self.src, &self.dst, &self.proto, &self.in_iface, &self.out_iface, &self.sport, &self.dport, &self.matches, &self.target)
            == (&o.src, &o.dst, &o.proto, &o.in_iface, &o.out_iface, &o.sport, &o.dport, &o.matches, &o.target)
    }
}

impl Rule {
    pub fn new(target: Target) -> Rule {
        Rule { src: None, dst: None, proto: None, in_iface: None, out_iface: None, sport: None, dport: None, matches: Vec::new(), target, target_text: Default::default(), source: 0 }
    }

    /// `-j KUBE-SVC-…` (without the leading space), shared by every trace that shows it.
    pub fn target_text(&self) -> std::sync::Arc<str> {
        self.target_text.get_or_init(|| super::save::target_text(&self.target).trim_start().into()).clone()
    }

    pub fn comment_arc(&self) -> Option<std::sync::Arc<str>> {
        self.matches.iter().find_map(|m| match m {
            Match::Comment(c) => Some(c.clone()),
            _ => None,
        })
    }

    pub fn comment(&self) -> Option<&str> {
        self.matches.iter().find_map(|m| match m {
            Match::Comment(c) => Some(&**c),
            _ => None,
        })
    }

    /// Whether the packet matches every match of the rule. Draws a random number only when a
    /// statistic match is reached (the fixed fields matched first), as the kernel does.
    pub fn matches(&self, p: &mut PacketInfo<'_>) -> bool {
        if let Some((net, neg)) = self.dst {
            if net.contains(&p.dst) == neg {
                return false;
            }
        }
        if let Some((net, neg)) = self.src {
            if net.contains(&p.src) == neg {
                return false;
            }
        }
        if let Some((proto, neg)) = self.proto {
            if (proto == p.proto) == neg {
                return false;
            }
        }
        if let Some((ports, neg)) = self.dport {
            if ports.contains(p.dport) == neg {
                return false;
            }
        }
        if let Some((ports, neg)) = self.sport {
            if ports.contains(p.sport) == neg {
                return false;
            }
        }
        if let Some((name, neg)) = &self.in_iface {
            if iface_matches(name, p.in_iface) == *neg {
                return false;
            }
        }
        if let Some((name, neg)) = &self.out_iface {
            if iface_matches(name, p.out_iface) == *neg {
                return false;
            }
        }
        self.matches.iter().all(|m| match_one(m, p))
    }
}

/// `-i cni+` matches every name starting with `cni`.
fn iface_matches(pattern: &str, name: Option<&str>) -> bool {
    let Some(name) = name else { return false };
    match pattern.strip_suffix('+') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

fn match_one(m: &Match, p: &mut PacketInfo<'_>) -> bool {
    match m {
        Match::Comment(_) => true,
        Match::Mark { value, mask, neg } => ((p.mark & mask) == *value) != *neg,
        Match::CtState { states, dnat, neg } => {
            let hit = states.contains(&p.ct_state) || (*dnat && p.ct_dnat);
            hit != *neg
        }
        Match::AddrType { src, neg } => {
            let ip = if *src { p.src } else { p.dst };
            (p.is_local)(ip) != *neg
        }
        Match::Random { fixed } => {
            let draw = (p.random)();
            // The kernel compares a 31-bit random number with the stored value.
            ((draw * 2_147_483_648.0) as u64) < u64::from(*fixed)
        }
        Match::Recent(r) => r.set || (p.recent)(&r.name, p.src, r.seconds),
        Match::Set { name, dirs, neg } => (p.in_set)(name, dirs) != *neg,
        Match::MultiPort { ports, dst } => {
            let port = if *dst { p.dport } else { p.sport };
            ports.iter().any(|r| r.contains(port))
        }
        Match::L4(_) | Match::Nfacct(_) => true,
    }
}

/// `-m statistic --probability P` as the kernel stores it: `P × 2³¹` rounded to nearest
/// (`xt_statistic` keeps a u32 it compares with `prandom_u32() & 0x7FFFFFFF`).
pub fn probability_fixed(p: f64) -> u32 {
    (p * 2_147_483_648.0).round().clamp(0.0, 2_147_483_648.0) as u32
}
