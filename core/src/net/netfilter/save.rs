//! `iptables-save`: the rules as iptables 1.8 prints them back (addresses with a prefix, `-p`
//! before the matches, probabilities with 11 decimals, MARK as `--set-xmark`, REJECT with its
//! `--reject-with`). `iptables-save -c` adds `[packets:bytes]` before each rule.

use std::fmt::Write;

use super::parse::protocol_name;
use super::rule::{Match, Rule, SetDir, Target};
use super::table::{Table, TableId, Tables};
use super::Counters;
use crate::time::SimTime;

/// The version line `iptables-save` prints (Debian bookworm's iptables on nf_tables).
pub const VERSION: &str = "iptables-save v1.8.9 (nf_tables)";

/// Quotes a word as `xtables_save_string` does: bare unless it holds a space or a quote.
pub fn quote(s: &str) -> String {
    if !s.is_empty() && !s.contains([' ', '"', '\'', '\\', '\t']) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The date as C's `ctime` prints it: `Sat Dec  5 13:20:47 2026`.
pub fn ctime(t: SimTime) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = crate::time::unix_secs(t);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(days);
    let wd = DAYS[(days + 4).rem_euclid(7) as usize];
    format!("{wd} {} {d:>2} {:02}:{:02}:{:02} {y}", MONTHS[(m - 1) as usize], rem / 3600, rem % 3600 / 60, rem % 60)
}

fn ip_net(n: &ipnet::Ipv4Net) -> String {
    format!("{}/{}", n.addr(), n.prefix_len())
}

fn neg(b: bool) -> &'static str {
    if b {
        "! "
    } else {
        ""
    }
}

/// One rule as `iptables-save` prints it after `-A CHAIN`.
pub fn rule_text(r: &Rule) -> String {
    let mut s = String::new();
    if let Some((n, ng)) = &r.src {
        let _ = write!(s, " {}-s {}", neg(*ng), ip_net(n));
    }
    if let Some((n, ng)) = &r.dst {
        let _ = write!(s, " {}-d {}", neg(*ng), ip_net(n));
    }
    if let Some((i, ng)) = &r.in_iface {
        let _ = write!(s, " {}-i {i}", neg(*ng));
    }
    if let Some((o, ng)) = &r.out_iface {
        let _ = write!(s, " {}-o {o}", neg(*ng));
    }
    if let Some((p, ng)) = r.proto {
        let _ = write!(s, " {}-p {}", neg(ng), protocol_name(p));
    }
    for m in &r.matches {
        match m {
            Match::Comment(c) => {
                let _ = write!(s, " -m comment --comment {}", quote(c));
            }
            Match::L4(name) => {
                let _ = write!(s, " -m {name}");
                if let Some((p, ng)) = r.sport {
                    let _ = write!(s, " {}--sport {}", neg(ng), ports_text(p));
                }
                if let Some((p, ng)) = r.dport {
                    let _ = write!(s, " {}--dport {}", neg(ng), ports_text(p));
                }
            }
            Match::Mark { value, mask, neg: ng } => {
                let _ = write!(s, " -m mark {}--mark {value:#x}/{mask:#x}", neg(*ng));
            }
            Match::CtState { states, dnat, neg: ng } => {
                let mut names: Vec<&str> = states.iter().map(|c| c.name()).collect();
                if *dnat {
                    names.push("DNAT");
                }
                let _ = write!(s, " -m conntrack {}--ctstate {}", neg(*ng), names.join(","));
            }
            Match::AddrType { src, neg: ng } => {
                let _ = write!(s, " -m addrtype {}--{}-type LOCAL", neg(*ng), if *src { "src" } else { "dst" });
            }
            Match::Random { fixed } => {
                let _ = write!(s, " -m statistic --mode random --probability {:.11}", f64::from(*fixed) / 2_147_483_648.0);
            }
            Match::Recent(super::rule::Recent { name, set, seconds, reap }) => {
                s.push_str(if *set { " -m recent --set" } else { " -m recent --rcheck" });
                if let Some(secs) = seconds {
                    let _ = write!(s, " --seconds {secs}");
                }
                if *reap {
                    s.push_str(" --reap");
                }
                let _ = write!(s, " --name {name} --mask 255.255.255.255 --rsource");
            }
            Match::Set { name, dirs, neg: ng } => {
                let d: Vec<&str> = dirs.iter().map(|d| if *d == SetDir::Src { "src" } else { "dst" }).collect();
                let _ = write!(s, " -m set {}--match-set {name} {}", neg(*ng), d.join(","));
            }
            Match::Nfacct(name) => {
                let _ = write!(s, " -m nfacct --nfacct-name {name}");
            }
            Match::MultiPort { ports, dst } => {
                let list: Vec<String> = ports.iter().map(|p| ports_text(*p)).collect();
                let _ = write!(s, " -m multiport --{} {}", if *dst { "dports" } else { "sports" }, list.join(","));
            }
        }
    }
    s.push_str(&target_text(&r.target));
    s
}

fn ports_text(p: super::rule::Ports) -> String {
    if p.lo == p.hi {
        p.lo.to_string()
    } else {
        format!("{}:{}", p.lo, p.hi)
    }
}

/// The target as `iptables-save` prints it (with its leading space), or nothing.
pub fn target_text(t: &Target) -> String {
    match t {
        Target::Accept => " -j ACCEPT".into(),
        Target::Drop => " -j DROP".into(),
        Target::Return => " -j RETURN".into(),
        Target::Jump(c) => format!(" -j {c}"),
        Target::Goto(c) => format!(" -g {c}"),
        Target::Reject { with } => format!(" -j REJECT --reject-with {with}"),
        Target::Dnat { ip, port: Some(p) } => format!(" -j DNAT --to-destination {ip}:{p}"),
        Target::Dnat { ip, port: None } => format!(" -j DNAT --to-destination {ip}"),
        Target::Snat { ip } => format!(" -j SNAT --to-source {ip}"),
        Target::Masquerade { random_fully } => format!(" -j MASQUERADE{}", if *random_fully { " --random-fully" } else { "" }),
        Target::Redirect { port } => format!(" -j REDIRECT --to-ports {port}"),
        Target::Mark { value, mask } => format!(" -j MARK --set-xmark {value:#x}/{mask:#x}"),
        Target::Continue(name) => format!(" -j {name}"),
        Target::None => String::new(),
    }
}

/// The tables `iptables-save` lists: those that hold a user chain, a rule or a DROP policy,
/// in the order kube-proxy first loads them on a node (mangle, filter, nat), raw last.
fn listed(tables: &Tables, only: Option<TableId>) -> Vec<&Table> {
    [TableId::Mangle, TableId::Filter, TableId::Nat, TableId::Raw]
        .into_iter()
        .filter(|id| only.is_none_or(|o| o == *id))
        .map(|id| tables.get(id))
        .filter(|t| only.is_some() || !t.is_pristine())
        .collect()
}

/// `iptables-save [-c] [-t TABLE]` at simulated time `now`.
pub fn save(tables: &Tables, counters: &Counters, only: Option<TableId>, with_counters: bool, now: SimTime) -> String {
    let mut out = String::new();
    let when = ctime(now);
    for t in listed(tables, only) {
        let _ = writeln!(out, "# Generated by {VERSION} on {when}");
        let _ = writeln!(out, "*{}", t.id.name());
        for c in &t.chains {
            let (p, b) = counters.policy(t.id, &c.name);
            match c.policy {
                Some(pol) => {
                    let _ = writeln!(out, ":{} {} [{p}:{b}]", c.name, pol.name());
                }
                None => {
                    let _ = writeln!(out, ":{} - [0:0]", c.name);
                }
            }
        }
        for c in &t.chains {
            for (i, r) in c.rules.iter().enumerate() {
                if with_counters {
                    let (p, b) = counters.rule(t.id, &c.name, i + 1);
                    let _ = write!(out, "[{p}:{b}] ");
                }
                let _ = writeln!(out, "-A {}{}", c.name, rule_text(r));
            }
        }
        let _ = writeln!(out, "COMMIT");
        let _ = writeln!(out, "# Completed on {when}");
    }
    out
}
