//! `ping -c N [-s SIZE] [-q] ADDRESS`: N ICMP echo traces through the simulated data path
//! (`Sim::trace` with `Probe::Icmp`), printed as iputils ping (20221126, Debian bookworm)
//! prints them, or as busybox ping (1.36) in a busybox image:
//!
//! ```text
//! PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.          PING 10.244.1.2 (10.244.1.2): 56 data bytes
//! 64 bytes from 10.244.1.2: icmp_seq=1 ttl=62 time=0.412 ms    64 bytes from 10.244.1.2: seq=0 ttl=62 time=0.412 ms
//!
//! --- 10.244.1.2 ping statistics ---                           --- 10.244.1.2 ping statistics ---
//! 1 packets transmitted, 1 received, 0% packet loss, time 0ms  1 packets transmitted, 1 packets received, 0% packet loss
//! rtt min/avg/max/mdev = 0.412/0.412/0.412/0.000 ms            round-trip min/avg/max = 0.412/0.412/0.412 ms
//! ```
//!
//! Round-trip times are the simulated ones (the first echo usually pays for ARP); iputils'
//! precision rules apply (three decimals under 1 ms, two under 10 ms, …) and `mdev` is its
//! integer-microsecond standard deviation. An ICMP error prints `From <router> icmp_seq=N
//! Destination Host Unreachable` and counts as an error, as does an echo larger than the
//! route's MTU (`ping: local error: message too long, mtu=1450`; busybox stops with
//! `ping: sendto: Message too long`); no route prints `ping: connect: Network is unreachable`
//! (exit 2).
//!
//! Simplified: the echoes are sent at the same simulated instant rather than a second apart
//! (the clock does not move; `time` in the summary is what the real run would take, N−1
//! seconds plus the last round trip), and every echo request carries sequence number 1 on the
//! wire (tcpdump shows `seq 1`); names are not resolved (no DNS); `ping` without `-c` would run
//! until interrupted and is refused.

use std::net::Ipv4Addr;

use super::net::{At, Reply};
use crate::net::forward::Probe;
use crate::net::trace::{Outcome, Stage, Trace};
use crate::net::wire::icmp::IcmpMessage;
use crate::net::wire::packet::Layer;
use crate::sim::Sim;

/// The most echoes one command sends.
const MAX_COUNT: u32 = 100;

/// One echo's result.
enum Echo {
    Reply { ttl: u8, rtt_us: u64 },
    Error(String),
    Lost,
}

pub fn run(sim: &mut Sim, at: &At, args: &[String]) -> Reply {
    let (mut count, mut size, mut quiet, mut dest) = (None, 56usize, false, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" | "-s" | "-W" | "-w" | "-i" | "-t" | "-I" => {
                let Some(v) = it.next() else {
                    return usage(at, &format!("option requires an argument -- '{}'", &a[1..]));
                };
                let Ok(n) = v.parse::<u32>() else {
                    return if at.busybox { Reply::fail(format!("ping: invalid number '{v}'"), 1) } else { Reply::fail(format!("ping: invalid argument: '{v}'"), 1) };
                };
                match a.as_str() {
                    "-c" => count = Some(n),
                    "-s" => size = n as usize,
                    _ => {}
                }
            }
            "-q" => quiet = true,
            "-n" | "-4" => {}
            s if s.starts_with('-') && s.len() > 1 => return usage(at, &format!("invalid option -- '{}'", &s[1..])),
            s => dest = Some(s.to_string()),
        }
    }
    let Some(dest) = dest else {
        return if at.busybox { Reply::fail("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: ping [OPTIONS] HOST", 1) } else { Reply::fail("ping: usage error: Destination address required", 1) };
    };
    let Ok(dst) = dest.parse::<Ipv4Addr>() else {
        return if at.busybox { Reply::fail(format!("ping: bad address '{dest}'"), 1) } else { Reply::fail(format!("ping: {dest}: Name or service not known"), 2) };
    };
    let Some(count) = count else {
        return Reply::fail("fishbowl: ping without -c runs until interrupted; give a count, e.g. `ping -c 3 ADDRESS`", 1);
    };
    if count == 0 || count > MAX_COUNT {
        return Reply::fail(format!("fishbowl: ping -c takes a count from 1 to {MAX_COUNT} here"), 1);
    }
    let mut echoes = Vec::new();
    for _ in 0..count {
        let trace = match sim.trace(&at.endpoint, dst, Probe::Icmp, Some(size)) {
            Ok(t) => t,
            Err(e) => return Reply::fail(format!("fishbowl: {e}"), 1),
        };
        match echo(&trace) {
            Some(Echo::Error(text)) if at.busybox && text.starts_with("ping: local error") => {
                let mut r = Reply::ok(format!("PING {dst} ({dst}): {size} data bytes\n"));
                r.stderr = "ping: sendto: Message too long\n".into();
                r.code = 1;
                return r;
            }
            Some(e) => echoes.push(e),
            None if at.busybox => {
                let mut r = Reply::ok(format!("PING {dst} ({dst}): {size} data bytes\n"));
                r.stderr = "ping: sendto: Network is unreachable\n".into();
                r.code = 1;
                return r;
            }
            None => return Reply::fail("ping: connect: Network is unreachable", 2),
        }
    }
    if at.busybox {
        busybox(dst, size, quiet, &echoes)
    } else {
        iputils(dst, size, quiet, &echoes)
    }
}

fn usage(at: &At, msg: &str) -> Reply {
    if at.busybox {
        Reply::fail(format!("ping: {msg}\nBusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: ping [OPTIONS] HOST"), 1)
    } else {
        Reply::fail(format!("ping: {msg}\n\nUsage\n  ping [options] <destination>"), 2)
    }
}

/// What one trace came to; `None` when there was no route at all.
fn echo(t: &Trace) -> Option<Echo> {
    match &t.outcome {
        Outcome::Delivered(_) => {
            let reply = t.hops.iter().rev().filter(|h| h.stage == Stage::Deliver).find_map(|h| {
                let ttl = h.packet.layers.iter().find_map(|l| if let Layer::Ipv4(ip) = l { Some(ip.ttl) } else { None })?;
                let is_reply = h.packet.layers.iter().any(|l| matches!(l, Layer::Icmp(i) if matches!(i.message, IcmpMessage::EchoReply { .. })));
                is_reply.then(|| (ttl, h.at.0.saturating_sub(t.started.0)))
            });
            Some(match reply {
                Some((ttl, rtt_us)) => Echo::Reply { ttl, rtt_us },
                None => Echo::Lost,
            })
        }
        Outcome::Unreachable(text) if text.starts_with("From ") || text.starts_with("ping: local error") => Some(Echo::Error(text.clone())),
        Outcome::Unreachable(_) => None,
        Outcome::Refused(text) => Some(Echo::Error(text.clone())),
        Outcome::Timeout(_) => Some(Echo::Lost),
    }
}

/// iputils' round-trip text: fewer decimals as the time grows.
fn iputils_time(us: u64) -> String {
    if us >= 100_000 - 50 {
        format!("{}", (us + 500) / 1000)
    } else if us >= 10_000 - 5 {
        format!("{}.{:01}", (us + 50) / 1000, ((us + 50) % 1000) / 100)
    } else if us >= 1000 {
        format!("{}.{:02}", (us + 5) / 1000, ((us + 5) % 1000) / 10)
    } else {
        format!("{}.{:03}", us / 1000, us % 1000)
    }
}

fn ms3(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// `%g` of a percentage.
fn percent(lost: usize, sent: usize) -> String {
    let v = lost as f64 * 100.0 / sent as f64;
    if v.fract() == 0.0 {
        format!("{v}")
    } else {
        let digits = 6usize.saturating_sub(v.abs().log10().floor() as usize + 1);
        let s = format!("{v:.digits$}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn iputils(dst: Ipv4Addr, size: usize, quiet: bool, echoes: &[Echo]) -> Reply {
    let mut out = format!("PING {dst} ({dst}) {size}({}) bytes of data.\n", size + 28);
    let mut rtts = Vec::new();
    let mut errors = 0;
    for (i, e) in echoes.iter().enumerate() {
        let seq = i + 1;
        match e {
            Echo::Reply { ttl, rtt_us } => {
                rtts.push(*rtt_us);
                if !quiet {
                    out += &format!("{} bytes from {dst}: icmp_seq={seq} ttl={ttl} time={} ms\n", size + 8, iputils_time(*rtt_us));
                }
            }
            Echo::Error(text) => {
                errors += 1;
                if !quiet {
                    out += &format!("{}\n", text.replacen("icmp_seq=1", &format!("icmp_seq={seq}"), 1));
                }
            }
            Echo::Lost => {}
        }
    }
    let (n, r) = (echoes.len(), rtts.len());
    let last = rtts.last().copied().unwrap_or(0);
    let time = (n as u64 - 1) * 1000 + (last + 500) / 1000;
    out += &format!("\n--- {dst} ping statistics ---\n{n} packets transmitted, {r} received, ");
    if errors > 0 {
        out += &format!("+{errors} errors, ");
    }
    out += &format!("{}% packet loss, time {time}ms\n", percent(n - r, n));
    if r > 0 {
        let (min, max) = (rtts.iter().min().copied().unwrap_or(0), rtts.iter().max().copied().unwrap_or(0));
        let sum: u64 = rtts.iter().sum();
        let sum2: u64 = rtts.iter().map(|x| x * x).sum();
        let avg = sum / r as u64;
        let var = (sum2 / r as u64).saturating_sub(avg * avg);
        let mdev = (var as f64).sqrt() as u64;
        out += &format!("rtt min/avg/max/mdev = {}/{}/{}/{} ms\n", ms3(min), ms3(avg), ms3(max), ms3(mdev));
    }
    Reply { stdout: out, stderr: String::new(), code: i32::from(r == 0) }
}

fn busybox(dst: Ipv4Addr, size: usize, quiet: bool, echoes: &[Echo]) -> Reply {
    let mut out = format!("PING {dst} ({dst}): {size} data bytes\n");
    let mut rtts = Vec::new();
    for (seq, e) in echoes.iter().enumerate() {
        match e {
            Echo::Reply { ttl, rtt_us } => {
                rtts.push(*rtt_us);
                if !quiet {
                    out += &format!("{} bytes from {dst}: seq={seq} ttl={ttl} time={} ms\n", size + 8, ms3(*rtt_us));
                }
            }
            Echo::Error(_) => out += "ping: warning: got ICMP 3 (Destination Unreachable)\n",
            Echo::Lost => {}
        }
    }
    let (n, r) = (echoes.len(), rtts.len());
    out += &format!("\n--- {dst} ping statistics ---\n{n} packets transmitted, {r} packets received, {}% packet loss\n", (n - r) * 100 / n);
    if r > 0 {
        let (min, max) = (rtts.iter().min().copied().unwrap_or(0), rtts.iter().max().copied().unwrap_or(0));
        let avg = rtts.iter().sum::<u64>() / r as u64;
        out += &format!("round-trip min/avg/max = {}/{}/{} ms\n", ms3(min), ms3(avg), ms3(max));
    }
    Reply { stdout: out, stderr: String::new(), code: i32::from(r == 0) }
}
