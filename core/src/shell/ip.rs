//! The `ip` command line (iproute2 6.1): global options, objects and subcommands matched by
//! prefix as `ip` matches them (`ip a`, `ip r`, `ip n`, `ip li sh`), and its error texts.
//! The printing is in `ip_link.rs` (link, address) and `ip_route.rs` (route, neigh).
//!
//! Only looking is simulated: `add`, `del`, `set`, `flush` and the like answer that the
//! network is changed by the simulated components, not from the shell. Of the global options
//! `-d`/`-details` and `-br`/`-brief` (for `link` and `address`) are honoured; `-4`, `-c`
//! (colour) and `-r` (resolve) are accepted and change nothing here; the others (`-s`, `-j`, `-o`,
//! …) and the other objects (`rule`, `netns`, `tunnel`, …) say they are not simulated.

use super::ip_link::{self, Detail, View};
use super::ip_route;
use super::net::Reply;
use crate::net::{Network, NsId};
use crate::time::SimTime;

/// The objects `ip` knows, in the order it tries them for a prefix.
const OBJECTS: &[&str] = &[
    "address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable", "ntbl", "link", "l2tp", "fou",
    "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics", "tcp_metrics", "monitor", "xfrm", "mroute",
    "mrule", "netns", "netconf", "vrf", "sr", "nexthop", "mptcp", "ioam", "stats", "help",
];

/// Options in the order `ip` tries them for a prefix; the `bool` says whether it takes a value.
const OPTIONS: &[(&str, bool)] = &[
    ("-loops", true), ("-family", true), ("-4", false), ("-6", false), ("-0", false), ("-M", false), ("-B", false),
    ("-stats", false), ("-statistics", false), ("-details", false), ("-resolve", false), ("-oneline", false),
    ("-timestamp", false), ("-tshort", false), ("-Version", false), ("-force", false), ("-batch", true),
    ("-rcvbuf", true), ("-color", false), ("-help", false), ("-netns", true), ("-Numeric", false), ("-all", false),
    ("-json", false), ("-pretty", false), ("-brief", false),
];

const USAGE: &str = "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n       ip [ -force ] -batch filename\nwhere  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp | link |\n                   macsec | maddress | monitor | mptcp | mroute | mrule |\n                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n                   ntbl | route | rule | sr | tap | tcpmetrics |\n                   token | tunnel | tuntap | vrf | xfrm }\n";

/// Whether `word` is a prefix of `full` (iproute2's `matches`).
pub fn matches(word: &str, full: &str) -> bool {
    !word.is_empty() && full.starts_with(word)
}

/// Runs `ip ARGS` in namespace `ns`.
pub fn run(net: &Network, ns: NsId, now: SimTime, args: &[String]) -> Reply {
    let mut detail = Detail::Normal;
    let mut i = 0;
    while let Some(opt) = args.get(i).filter(|a| a.starts_with('-')) {
        if opt == "--" {
            i += 1;
            break;
        }
        let o = if opt.starts_with("--") { &opt[1..] } else { opt.as_str() };
        let Some(&(name, takes)) = OPTIONS.iter().find(|(n, _)| o.len() > 1 && matches(o, n)) else {
            return Reply::fail(format!("Option \"{opt}\" is unknown, try \"ip -help\"."), 255);
        };
        match name {
            "-details" => detail = Detail::Details,
            "-brief" => detail = Detail::Brief,
            "-4" | "-color" | "-resolve" => {}
            "-help" => return Reply::fail(USAGE, 255),
            _ => return Reply::not_simulated(format!("ip {name}")),
        }
        i += if takes { 2 } else { 1 };
    }
    let rest = &args[i.min(args.len())..];
    let Some(word) = rest.first() else { return Reply::fail(USAGE, 255) };
    let Some(object) = OBJECTS.iter().find(|o| matches(word, o)) else {
        return Reply::fail(format!("Object \"{word}\" is unknown, try \"ip help\"."), 255);
    };
    let sub = &rest[1..];
    match *object {
        "address" => addr_or_link(net, ns, View::Addr, detail, sub),
        "link" => addr_or_link(net, ns, View::Link, detail, sub),
        "route" => route(net, ns, sub),
        "neighbor" | "neighbour" => neigh(net, ns, now, sub),
        "help" => Reply::fail(USAGE, 255),
        other => Reply::not_simulated(format!("ip {other}")),
    }
}

/// Whether `word` is a show-like subcommand (`list`, `show`, `lst` by prefix).
fn is_show(word: &str) -> bool {
    matches(word, "list") || matches(word, "show") || matches(word, "lst")
}

/// A subcommand that changes the network (`command` is what follows the object).
fn changes(object: &str, command: &str) -> Reply {
    Reply::fail(
        format!("fishbowl: `ip {object} {command}` would change the network; here only the simulated components (the CNI plugins, flanneld) change it"),
        2,
    )
}

/// `[dev] NAME` after `show`.
fn device_arg<'a>(object: &str, args: &'a [String]) -> Result<Option<&'a str>, Reply> {
    match args {
        [] => Ok(None),
        [d, name] if d == "dev" => Ok(Some(name.as_str())),
        [name] if name != "dev" => Ok(Some(name.as_str())),
        _ => Err(Reply::not_simulated(format!("ip {object} show {}", args.join(" ")))),
    }
}

fn addr_or_link(net: &Network, ns: NsId, view: View, detail: Detail, sub: &[String]) -> Reply {
    let (object, help) = match view {
        View::Addr => ("address", "ip address help"),
        View::Link => ("link", "ip link help"),
    };
    // `ip link s` is `set`, as iproute2 tries `set` before `show`.
    let changing: &[&str] = match view {
        View::Addr => &["add", "change", "replace", "delete"],
        View::Link => &["add", "set", "change", "replace", "delete"],
    };
    let args = match sub.first() {
        None => &sub[0..0],
        Some(w) if changing.iter().any(|c| matches(w, c)) || w == "chg" => return changes(object, &sub.join(" ")),
        Some(w) if is_show(w) => &sub[1..],
        Some(w) if view == View::Addr && matches(w, "flush") => return changes(object, &sub.join(" ")),
        Some(w) => return Reply::fail(format!("Command \"{w}\" is unknown, try \"{help}\"."), 255),
    };
    let only = match device_arg(object, args) {
        Ok(d) => d,
        Err(r) => return r,
    };
    match ip_link::show(net, ns, view, detail, only) {
        Ok(s) => Reply::ok(s),
        Err(e) => Reply::fail(e, 1),
    }
}

fn route(net: &Network, ns: NsId, sub: &[String]) -> Reply {
    let args = match sub.first() {
        None => &sub[0..0],
        Some(w) if is_show(w) => &sub[1..],
        Some(w) if matches(w, "get") => {
            return match ip_route::get(net, ns, &sub[1..]) {
                Ok(s) => Reply::ok(s),
                Err((e, code)) => Reply::fail(e, code),
            }
        }
        Some(w) if ["add", "change", "replace", "prepend", "append", "delete", "flush", "test", "restore"].iter().any(|c| matches(w, c)) => {
            return changes("route", &sub.join(" "))
        }
        Some(w) => return Reply::fail(format!("Command \"{w}\" is unknown, try \"ip route help\"."), 255),
    };
    let dev = match args {
        [] => None,
        [d, name] if d == "dev" => Some(name.as_str()),
        [t, main] if t == "table" && main == "main" => None,
        _ => return Reply::not_simulated(format!("ip route show {}", args.join(" "))),
    };
    match ip_route::show(net, ns, dev) {
        Ok(s) => Reply::ok(s),
        Err(e) => Reply::fail(e, 1),
    }
}

fn neigh(net: &Network, ns: NsId, now: SimTime, sub: &[String]) -> Reply {
    let args = match sub.first() {
        None => &sub[0..0],
        Some(w) if is_show(w) => &sub[1..],
        Some(w) if ["add", "change", "replace", "delete", "flush"].iter().any(|c| matches(w, c)) => return changes("neigh", &sub.join(" ")),
        Some(w) => return Reply::fail(format!("Command \"{w}\" is unknown, try \"ip neigh help\"."), 255),
    };
    let dev = match args {
        [] => None,
        [d, name] if d == "dev" => Some(name.as_str()),
        _ => return Reply::not_simulated(format!("ip neigh show {}", args.join(" "))),
    };
    match ip_route::neigh(net, ns, now, dev) {
        Ok(s) => Reply::ok(s),
        Err(e) => Reply::fail(e, 1),
    }
}
