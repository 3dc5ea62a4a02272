//! IPv4 routes and the kernel's route lookup.
//!
//! A lookup first asks the local table (is the destination one of this namespace's own
//! addresses, or loopback?) and then the main table: the longest matching prefix wins, then the
//! lowest metric, then the route listed first. `ip route` lists the main table in the kernel's
//! FIB walk order: by destination address, and for the same address the longer prefix first.

use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::netns::{Netns, Scope};

/// Who installed a route (`proto`). `Boot` is what `ip route add` uses and is not printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Boot,
    Kernel,
    Static,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub dst: Ipv4Net,
    pub gateway: Option<Ipv4Addr>,
    pub dev: u32,
    pub proto: Proto,
    pub scope: Scope,
    pub src: Option<Ipv4Addr>,
    pub metric: u32,
    pub onlink: bool,
}

impl Route {
    /// `<dst> dev <dev> proto kernel scope link src <src>`: the route the kernel adds with an
    /// address.
    pub fn connected(net: Ipv4Net, dev: u32, src: Ipv4Addr) -> Route {
        Route { dst: net.trunc(), gateway: None, dev, proto: Proto::Kernel, scope: Scope::Link, src: Some(src), metric: 0, onlink: false }
    }

    /// `<dst> via <gateway> dev <dev>` as `ip route add` installs it.
    pub fn via(dst: Ipv4Net, gateway: Ipv4Addr, dev: u32) -> Route {
        Route { dst: dst.trunc(), gateway: Some(gateway), dev, proto: Proto::Boot, scope: Scope::Global, src: None, metric: 0, onlink: false }
    }

    /// `<dst> dev <dev> scope link` (no gateway).
    pub fn direct(dst: Ipv4Net, dev: u32) -> Route {
        Route { dst: dst.trunc(), gateway: None, dev, proto: Proto::Boot, scope: Scope::Link, src: None, metric: 0, onlink: false }
    }

    /// The address the next hop is resolved for: the gateway, or the destination itself.
    pub fn next_hop(&self, dst: Ipv4Addr) -> Ipv4Addr {
        self.gateway.unwrap_or(dst)
    }

    /// The route as `ip route` prints it, with the device name.
    pub fn display<'a>(&'a self, dev_name: &'a str) -> RouteText<'a> {
        RouteText { route: self, dev: dev_name }
    }
}

pub struct RouteText<'a> {
    route: &'a Route,
    dev: &'a str,
}

impl fmt::Display for RouteText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.route;
        if r.dst.prefix_len() == 0 {
            f.write_str("default")?;
        } else if r.dst.prefix_len() == 32 {
            write!(f, "{}", r.dst.addr())?;
        } else {
            write!(f, "{}", r.dst)?;
        }
        if let Some(g) = r.gateway {
            write!(f, " via {g}")?;
        }
        write!(f, " dev {}", self.dev)?;
        match r.proto {
            Proto::Boot => {}
            Proto::Kernel => f.write_str(" proto kernel")?,
            Proto::Static => f.write_str(" proto static")?,
        }
        if r.scope != Scope::Global {
            write!(f, " scope {}", r.scope.name())?;
        }
        if let Some(s) = r.src {
            write!(f, " src {s}")?;
        }
        if r.metric != 0 {
            write!(f, " metric {}", r.metric)?;
        }
        if r.onlink {
            f.write_str(" onlink")?;
        }
        Ok(())
    }
}

/// What a lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The destination is an address of this namespace (local table).
    Local,
    /// A main-table route.
    Route(Route),
    /// No route (`RTN_UNREACHABLE`: the sender gets "Network is unreachable").
    Unreachable,
}

/// Orders routes as the kernel's FIB walk lists them.
pub fn fib_order(a: &Route, b: &Route) -> std::cmp::Ordering {
    (u32::from(a.dst.network()), std::cmp::Reverse(a.dst.prefix_len()), a.metric)
        .cmp(&(u32::from(b.dst.network()), std::cmp::Reverse(b.dst.prefix_len()), b.metric))
}

/// Inserts a route keeping the table in FIB order (a route to the same prefix and metric
/// replaces the old one, as `ip route replace` does).
pub fn insert(table: &mut Vec<Route>, route: Route) {
    if let Some(old) = table.iter_mut().find(|r| r.dst == route.dst && r.metric == route.metric) {
        *old = route;
        return;
    }
    let at = table.iter().position(|r| fib_order(&route, r).is_lt()).unwrap_or(table.len());
    table.insert(at, route);
}

/// The best route among `routes` for `dst`: longest prefix, then lowest metric, then first.
pub fn best<'a>(routes: impl IntoIterator<Item = &'a Route>, dst: Ipv4Addr) -> Option<&'a Route> {
    let mut found: Option<&Route> = None;
    for r in routes {
        if !r.dst.contains(&dst) {
            continue;
        }
        let better = match found {
            None => true,
            Some(f) => r.dst.prefix_len() > f.dst.prefix_len() || (r.dst.prefix_len() == f.dst.prefix_len() && r.metric < f.metric),
        };
        if better {
            found = Some(r);
        }
    }
    found
}

/// The kernel's lookup in `ns` for `dst`, with `extra` routes (the overlay routes flanneld
/// programmed, kept once per lease rather than once per node).
pub fn lookup(ns: &Netns, extra: &[Route], dst: Ipv4Addr) -> Lookup {
    if ns.is_local(dst) {
        return Lookup::Local;
    }
    match best(ns.routes.iter().chain(extra.iter()), dst) {
        Some(r) => Lookup::Route(*r),
        None => Lookup::Unreachable,
    }
}

/// The source address the kernel picks for a route: the route's `src`, or the first address of
/// the outgoing device.
pub fn source_for(ns: &Netns, route: &Route) -> Option<Ipv4Addr> {
    route.src.or_else(|| ns.device(route.dev).and_then(|d| d.ipv4()))
}
