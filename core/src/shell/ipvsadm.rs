//! `ipvsadm -Ln` and `ipset list` on a node: the IPVS table and the ipsets kube-proxy's IPVS
//! mode programs. On a node whose kube-proxy runs in iptables mode both are empty, as on a
//! real node with the modules loaded and nothing configured.

use super::net::Reply;
use crate::net::ipvs::{Ipvs, NodeIpvs};

/// `ipvsadm ARGS`.
pub fn ipvsadm(state: Option<&NodeIpvs>, args: &[String]) -> Reply {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let empty = Ipvs::new();
    let table = state.map_or(&empty, |s| &s.table);
    match table.command(&args) {
        Ok(text) => Reply::ok(text),
        Err(e) if e.starts_with("ipvsadm: only") => Reply::not_simulated(format!("ipvsadm {}", args.join(" "))),
        Err(e) => Reply::fail(e, 2),
    }
}

/// `ipset list [NAME]` (also `ipset -L`, `ipset -n list` for names only).
pub fn ipset(state: Option<&NodeIpvs>, args: &[String]) -> Reply {
    let mut names_only = false;
    let mut list = false;
    let mut name = None;
    for a in args {
        match a.as_str() {
            "list" | "-L" | "-list" => list = true,
            "-n" | "-name" => names_only = true,
            other if other.starts_with('-') => return Reply::not_simulated(format!("ipset {}", args.join(" "))),
            other if list && name.is_none() => name = Some(other),
            _ => return Reply::not_simulated(format!("ipset {}", args.join(" "))),
        }
    }
    if !list {
        return Reply::not_simulated(format!("ipset {}", args.join(" ")));
    }
    let Some(state) = state else {
        return match name {
            Some(_) => Reply::fail(format!("ipset {}: The set with the given name does not exist", crate::net::ipvs::ipset::IPSET_VERSION), 1),
            None => Reply::ok(""),
        };
    };
    if names_only {
        let mut out = String::new();
        for s in state.sets.iter().filter(|s| name.is_none_or(|n| n == s.name)) {
            out.push_str(&s.name);
            out.push('\n');
        }
        return Reply::ok(out);
    }
    match state.sets.list(name) {
        Ok(text) => Reply::ok(text),
        Err(e) => Reply::fail(e, 1),
    }
}
