//! `cat /etc/resolv.conf`, `nslookup` and `dig`: the resolver's file as kubelet wrote it, and
//! lookups whose every query is a traced packet to the nameserver (see `sim::dns`).
//!
//! `nslookup` is bind's (as in the dnsutils image Kubernetes' DNS debugging guide uses), with
//! the search list; busybox's applet prints a shorter form that is not modelled. `dig` asks
//! exactly the name given (no search list, as dig's default `+nosearch`), with EDNS and a
//! cookie.

use std::net::Ipv4Addr;

use super::net::{At, Reply};
use crate::net::dns::message::rtype;
use crate::sim::Sim;

pub const RESOLV_CONF: &str = "/etc/resolv.conf";

pub fn cat_resolv_conf(sim: &Sim, at: &At) -> Reply {
    match sim.resolv_conf(&at.endpoint) {
        Ok(conf) => Reply::ok(conf.text()),
        Err(e) => Reply::fail(format!("fishbowl: {e}"), 1),
    }
}

/// `nslookup NAME [SERVER]`.
pub fn nslookup(sim: &mut Sim, at: &At, args: &[String]) -> Reply {
    let (name, server) = match args {
        [name] if !name.starts_with('-') => (name, None),
        [name, server] if !name.starts_with('-') => match server.parse::<Ipv4Addr>() {
            Ok(s) => (name, Some(s)),
            Err(_) => return Reply::not_simulated(format!("nslookup {}", args.join(" "))),
        },
        _ => return Reply::not_simulated(format!("nslookup {}", args.join(" "))),
    };
    if server.is_some() {
        return Reply::not_simulated("nslookup NAME SERVER (ask the nameserver in /etc/resolv.conf)");
    }
    match sim.resolve(&at.endpoint, name, true) {
        Err(e) => Reply::fail(format!("fishbowl: {e}"), 1),
        Ok(r) => {
            let responses: Vec<_> = r.queries.iter().filter_map(|(_, m)| m.clone()).collect();
            if responses.is_empty() {
                return Reply { stdout: ";; connection timed out; no servers could be reached\n\n".into(), code: 1, ..Default::default() };
            }
            let out = crate::net::dns::nslookup::output(r.server, name, false, &responses);
            let failed = r.addr.is_none();
            Reply { stdout: out, code: i32::from(failed), ..Default::default() }
        }
    }
}

/// `dig [@SERVER] NAME [A|SRV|PTR|TXT|CNAME|SOA|NS]`.
pub fn dig(sim: &mut Sim, at: &At, args: &[String]) -> Reply {
    let (mut server, mut name, mut qtype) = (None, None, rtype::A);
    for a in args {
        if let Some(s) = a.strip_prefix('@') {
            match s.parse::<Ipv4Addr>() {
                Ok(ip) => server = Some(ip),
                Err(_) => return Reply::fail(format!("dig: couldn't get address for '{s}': not found"), 10),
            }
        } else if let Some(t) = type_code(a) {
            qtype = t;
        } else if a.starts_with('+') || a.starts_with('-') {
            return Reply::not_simulated(format!("dig {a}"));
        } else {
            name = Some(a.clone());
        }
    }
    let name = name.unwrap_or_else(|| ".".to_string());
    let server = match server {
        Some(s) => s,
        None => match sim.resolv_conf(&at.endpoint).map(|c| c.nameservers.first().copied()) {
            Ok(Some(s)) => s,
            Ok(None) => return Reply::fail(";; no servers could be reached\n", 9),
            Err(e) => return Reply::fail(format!("fishbowl: {e}"), 1),
        },
    };
    let mut cookie = [0u8; 8];
    for b in cookie.iter_mut() {
        *b = sim.random_u64() as u8;
    }
    let id = sim.random_u64() as u16;
    let query = crate::net::dns::dig::query(id, &name, qtype, cookie);
    let now = sim.now();
    match sim.dns_query(&at.endpoint, server, &query, now) {
        Err(e) => Reply::fail(format!("fishbowl: {e}"), 1),
        Ok((trace, _)) => {
            sim.set_last_trace(trace.clone());
            let Some(bytes) = trace.reply.as_deref() else {
                let text = format!(";; communications error to {server}#53: timed out\n;; communications error to {server}#53: timed out\n;; communications error to {server}#53: timed out\n\n; <<>> DiG {} <<>> {}\n;; global options: +cmd\n;; no servers could be reached\n", crate::net::dns::dig::DIG_VERSION, args.join(" "));
                return Reply { stdout: text, code: 9, ..Default::default() };
            };
            let ms = trace.hops.last().map_or(0, |h| h.at.since(trace.started).as_micros() / 1000);
            match crate::net::dns::dig::output(&args.join(" "), server, bytes, ms, now) {
                Ok(out) => Reply::ok(out),
                Err(e) => Reply::fail(format!(";; Got bad packet: {e}"), 9),
            }
        }
    }
}

fn type_code(s: &str) -> Option<u16> {
    Some(match s.to_ascii_uppercase().as_str() {
        "A" => rtype::A,
        "SRV" => rtype::SRV,
        "PTR" => rtype::PTR,
        "TXT" => rtype::TXT,
        "CNAME" => rtype::CNAME,
        "SOA" => rtype::SOA,
        "NS" => rtype::NS,
        "AAAA" => rtype::AAAA,
        _ => return None,
    })
}
