//! `ip route`, `ip route get` and `ip neigh` as iproute2 6.1 prints them:
//!
//! ```text
//! default via 192.168.56.1 dev eth0 
//! 10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1 
//! 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink 
//! 10.244.1.5 via 10.244.1.0 dev flannel.1 src 10.244.0.0 uid 0 
//!     cache 
//! 10.244.1.0 dev flannel.1 lladdr 6e:…:2a PERMANENT 
//! ```
//!
//! Each attribute is followed by a space, so lines end in one, as iproute2 writes them. Routes
//! are the main table in FIB order, with the routes flanneld programmed per remote lease
//! (`Network::routes_of`); neighbours include flannel's permanent entries
//! (`Network::neighbours_of`), with their state at the current simulated time. `ip route get`
//! runs the kernel's lookup: the local table first (`local … dev lo table local … cache <local>`),
//! then the main table; the source is the route's `src` or the outgoing device's first address.
//!
//! Simplified: the local and broadcast tables are not listed (`ip route show table local`); a
//! neighbour entry is never shown in DELAY or PROBE; `ip route get` prints no `mtu`/`expires`
//! cache details (there is no PMTU cache) and always `uid 0` (the tools run as root).

use std::net::Ipv4Addr;

use crate::net::route::{self, Lookup, Route};
use crate::net::{Network, NsId};
use crate::time::SimTime;

/// `ip route [show|list] [dev NAME]`.
pub fn show(net: &Network, ns: NsId, dev: Option<&str>) -> Result<String, String> {
    let space = net.netns(ns).ok_or("Cannot open netlink socket: No such file or directory")?;
    let filter = match dev {
        Some(name) => Some(space.device_named(name).ok_or_else(|| format!("Cannot find device \"{name}\""))?.ifindex),
        None => None,
    };
    let mut out = String::new();
    for r in net.routes_of(ns).iter().filter(|r| filter.is_none_or(|f| r.dev == f)) {
        let name = space.device(r.dev).map_or("?", |d| d.name.as_str());
        let mut line = r.display(name).to_string();
        if filter.is_some() {
            line = line.replacen(&format!(" dev {name}"), "", 1);
        }
        out.push_str(&line);
        out.push_str(" \n");
    }
    Ok(out)
}

/// `ip route get [to] ADDR`. The error is (stderr text, exit status).
pub fn get(net: &Network, ns: NsId, args: &[String]) -> Result<String, (String, i32)> {
    let args: Vec<&str> = args.iter().map(String::as_str).filter(|a| *a != "to").collect();
    let Some(arg) = args.first() else {
        return Err(("need at least a destination address".into(), 1));
    };
    if args.len() > 1 {
        return Err((format!("fishbowl: `ip route get {}`: only a destination address is simulated", args.join(" ")), 1));
    }
    let dst: Ipv4Addr = match arg.split_once('/').map_or(*arg, |(a, _)| a).parse() {
        Ok(ip) => ip,
        Err(_) => return Err((format!("Error: any valid prefix is expected rather than \"{arg}\"."), 1)),
    };
    let space = net.netns(ns).ok_or(("Cannot open netlink socket: No such file or directory".to_string(), 1))?;
    let routes = net.routes_of(ns);
    match lookup_all(space, &routes, dst) {
        Lookup::Local => Ok(format!("local {dst} dev lo table local src {dst} uid 0 \n    cache <local> \n")),
        Lookup::Route(r) => {
            let name = space.device(r.dev).map_or("?", |d| d.name.as_str());
            let src = route::source_for(space, &r).map(|s| format!("src {s} ")).unwrap_or_default();
            let via = r.gateway.map(|g| format!("via {g} ")).unwrap_or_default();
            Ok(format!("{dst} {via}dev {name} {src}uid 0 \n    cache \n"))
        }
        Lookup::Unreachable => Err(("RTNETLINK answers: Network is unreachable".into(), 2)),
    }
}

/// The lookup over every route `ip route` lists (the namespace's table plus the overlay's).
fn lookup_all(space: &crate::net::Netns, routes: &[Route], dst: Ipv4Addr) -> Lookup {
    if space.is_local(dst) {
        return Lookup::Local;
    }
    match route::best(routes.iter(), dst) {
        Some(r) => Lookup::Route(*r),
        None => Lookup::Unreachable,
    }
}

/// `ip neigh [show] [dev NAME]`.
pub fn neigh(net: &Network, ns: NsId, now: SimTime, dev: Option<&str>) -> Result<String, String> {
    let space = net.netns(ns).ok_or("Cannot open netlink socket: No such file or directory")?;
    let filter = match dev {
        Some(name) => Some(space.device_named(name).ok_or_else(|| format!("Cannot find device \"{name}\""))?.ifindex),
        None => None,
    };
    let mut out = String::new();
    for n in net.neighbours_of(ns).iter().filter(|n| filter.is_none_or(|f| n.dev == f)) {
        let name = space.device(n.dev).map_or("?", |d| d.name.as_str());
        let mut line = n.display(name, now).to_string();
        if filter.is_some() {
            line = line.replacen(&format!(" dev {name}"), "", 1);
        }
        out.push_str(&line);
        out.push_str(" \n");
    }
    Ok(out)
}
