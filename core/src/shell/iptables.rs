//! `iptables-save`, `iptables -S` and `conntrack -L` on a node: the namespace's rules as
//! iptables 1.8.9 prints them, and its conntrack table as conntrack-tools 1.4.7 does.

use super::net::Reply;
use crate::net::netfilter::save::rule_text;
use crate::net::netfilter::{Netfilter, TableId};
use crate::time::SimTime;

fn table_arg(args: &[String], i: &mut usize, prog: &str) -> Result<TableId, Reply> {
    *i += 1;
    let name = args.get(*i).map(String::as_str).unwrap_or("");
    TableId::parse(name).ok_or_else(|| {
        Reply::fail(format!("{prog} v1.8.9 (nf_tables): table '{name}' does not exist\nPerhaps iptables or your kernel needs to be upgraded."), 1)
    })
}

/// `iptables-save [-c] [-t TABLE]`.
pub fn save(nf: Option<&Netfilter>, now: SimTime, args: &[String]) -> Reply {
    let (mut table, mut counters) = (None, false);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-t" | "--table" => match table_arg(args, &mut i, "iptables-save") {
                Ok(t) => table = Some(t),
                Err(r) => return r,
            },
            "-c" | "--counters" => counters = true,
            other => return Reply::fail(format!("Unknown arguments found on commandline\niptables-save: unrecognized option '{other}'"), 1),
        }
        i += 1;
    }
    match nf {
        Some(nf) => Reply::ok(nf.save(table, counters, now)),
        None => Reply::ok(""),
    }
}

/// `iptables [-t TABLE] -S [CHAIN]`: the rules as commands.
pub fn iptables(nf: Option<&Netfilter>, args: &[String]) -> Reply {
    let mut table = TableId::Filter;
    let mut list: Option<Option<String>> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-t" | "--table" => match table_arg(args, &mut i, "iptables") {
                Ok(t) => table = t,
                Err(r) => return r,
            },
            "-S" | "--list-rules" => {
                let chain = args.get(i + 1).filter(|a| !a.starts_with('-')).cloned();
                if chain.is_some() {
                    i += 1;
                }
                list = Some(chain);
            }
            "-L" | "--list" => return Reply::not_simulated("iptables -L (use iptables -S or iptables-save)"),
            "-n" | "-v" | "--line-numbers" => {}
            other if other.starts_with('-') => {
                return Reply::fail(format!("iptables v1.8.9 (nf_tables): unknown option \"{other}\"\nTry `iptables -h' or 'iptables --help' for more information."), 2)
            }
            _ => return Reply::not_simulated(format!("iptables {}", args.join(" "))),
        }
        i += 1;
    }
    let Some(chain) = list else {
        return Reply::fail("iptables v1.8.9 (nf_tables): no command specified\nTry `iptables -h' or 'iptables --help' for more information.", 2);
    };
    let empty = crate::net::netfilter::Tables::default();
    let tables = nf.map(|n| &*n.tables).unwrap_or(&empty);
    let t = tables.get(table);
    let mut out = String::new();
    let chains: Vec<_> = match &chain {
        Some(name) => match t.chain(name) {
            Some(c) => vec![c],
            None => return Reply::fail("iptables: No chain/target/match by that name.", 1),
        },
        None => t.chains.iter().collect(),
    };
    for c in &chains {
        match c.policy {
            Some(p) => out.push_str(&format!("-P {} {}\n", c.name, p.name())),
            None => out.push_str(&format!("-N {}\n", c.name)),
        }
    }
    for c in &chains {
        for r in &c.rules {
            out.push_str(&format!("-A {}{}\n", c.name, rule_text(r)));
        }
    }
    Reply::ok(out)
}

/// `conntrack -L`.
pub fn conntrack(nf: Option<&Netfilter>, now: SimTime, args: &[String]) -> Reply {
    match args.first().map(String::as_str) {
        Some("-L" | "--dump") if args.len() == 1 => {}
        _ => return Reply::not_simulated(format!("conntrack {}", args.join(" "))),
    }
    let (list, summary) = match nf {
        Some(nf) => nf.conntrack.list(now),
        None => (String::new(), "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n".to_string()),
    };
    Reply { stdout: list, stderr: summary, code: 0 }
}
