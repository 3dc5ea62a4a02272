//! `bridge fdb [show] [dev NAME | br NAME]` as iproute2 6.1's `bridge` prints a namespace's
//! forwarding databases:
//!
//! ```text
//! 6e:…:2a dev flannel.1 dst 192.168.56.12 self permanent
//! 0a:…:01 dev cni0 vlan 1 master cni0 permanent
//! 0a:…:01 dev cni0 master cni0 permanent
//! 3e:…:7b dev veth1a2b3c4d master cni0 
//! 52:…:9c dev veth1a2b3c4d vlan 1 master cni0 permanent
//! 52:…:9c dev veth1a2b3c4d master cni0 permanent
//! ```
//!
//! The kernel dumps device by device in index order. For a bridge port it asks the bridge for
//! the entries behind that port, newest first: the MACs learned there (state REACHABLE, which
//! prints as nothing, so the line ends in `master cni0 `), then the port's own address as a
//! `permanent` entry for VLAN 1 (the default PVID every port and the bridge get, even with
//! VLAN filtering off) and for no VLAN. The bridge device shows its own address the same way.
//! flannel.1 shows the entries flanneld added, `<remote VTEP MAC> dst <remote node IP> self
//! permanent`. With `dev NAME` only that device's entries are listed, without `dev NAME`.
//!
//! Simplified: the `self permanent` entries of each device's multicast addresses
//! (`01:00:5e:00:00:01`, and `33:33:…` for IPv6) are not listed, since multicast and IPv6 are
//! not simulated; the order and the VLAN 1 entries follow the kernel's `br_fdb_dump` and
//! bridge VLAN defaults as read from its source, not a captured dump.

use std::fmt::Write as _;

use super::net::Reply;
use crate::net::netns::{Device, DeviceKind, Netns};
use crate::net::{Network, NsId};
use crate::time::SimTime;

const USAGE: &str = "Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }\n       bridge [ -force ] -batch filename\nwhere  OBJECT := { link | fdb | mdb | vlan | vni | monitor }\n       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] |\n                    -o[neline] | -t[imestamp] | -n[etns] name |\n                    -com[pressvlans] -c[olor] -p[retty] -j[son] }\n";

/// Runs `bridge ARGS` in namespace `ns`.
pub fn run(net: &Network, ns: NsId, now: SimTime, args: &[String]) -> Reply {
    let Some(object) = args.first() else { return Reply::fail(USAGE, 255) };
    if !super::ip::matches(object, "fdb") {
        if ["link", "mdb", "vlan", "vni", "monitor"].iter().any(|o| super::ip::matches(object, o)) {
            return Reply::not_simulated(format!("bridge {object}"));
        }
        return Reply::fail(format!("Object \"{object}\" is unknown, try \"bridge help\"."), 255);
    }
    let mut rest = &args[1..];
    if let Some(w) = rest.first() {
        if ["show", "lst", "list"].iter().any(|c| super::ip::matches(w, c)) {
            rest = &rest[1..];
        } else if ["add", "append", "replace", "delete", "flush"].iter().any(|c| super::ip::matches(w, c)) {
            return Reply::fail(
                format!("fishbowl: `bridge fdb {w}` would change the network; here only the simulated components change it"),
                255,
            );
        } else {
            return Reply::fail(format!("Command \"{w}\" is unknown, try \"bridge fdb help\"."), 255);
        }
    }
    let Some(space) = net.netns(ns) else { return Reply::fail("Cannot open netlink socket", 1) };
    let (mut dev, mut br) = (None, None);
    let mut it = rest.iter();
    while let Some(w) = it.next() {
        let slot = match w.as_str() {
            "dev" | "brport" => &mut dev,
            "br" => &mut br,
            _ => return Reply::not_simulated(format!("bridge fdb show {}", rest.join(" "))),
        };
        match it.next() {
            Some(v) => *slot = Some(v.as_str()),
            None => return Reply::fail("Command line is not complete. Try option \"help\"", 255),
        }
    }
    let find = |name: &str| space.device_named(name).map(|d| d.ifindex);
    let br_index = match br {
        Some(b) => match find(b) {
            Some(i) => Some(i),
            None => return Reply::fail(format!("Cannot find bridge device \"{b}\""), 255),
        },
        None => None,
    };
    let dev_index = match dev {
        Some(d) => match find(d) {
            Some(i) => Some(i),
            None => return Reply::fail(format!("Cannot find device \"{d}\""), 255),
        },
        None => None,
    };
    Reply::ok(show(net, space, now, dev_index, br_index))
}

fn show(net: &Network, space: &Netns, now: SimTime, only: Option<u32>, br: Option<u32>) -> String {
    let mut devs: Vec<&Device> = space.devices.iter().collect();
    devs.sort_by_key(|d| d.ifindex);
    let mut out = String::new();
    for d in devs {
        if only.is_some_and(|o| o != d.ifindex) {
            continue;
        }
        let dev = if only.is_some() { String::new() } else { format!("dev {} ", d.name) };
        // The bridge this device's entries come from: its master, or itself.
        let bridge = match (&d.kind, d.master) {
            (DeviceKind::Bridge(_), _) => Some(d),
            (_, Some(m)) => space.device(m),
            _ => None,
        };
        if let Some(bridge) = bridge.filter(|b| br.is_none_or(|x| x == b.ifindex)) {
            if let Some(fdb) = bridge.fdb() {
                let learned: Vec<_> = fdb.live(now).filter(|e| e.port == d.ifindex).collect();
                for e in learned.iter().rev() {
                    let _ = writeln!(out, "{} {dev}master {} ", e.mac, bridge.name);
                }
            }
            let _ = writeln!(out, "{} {dev}vlan 1 master {} permanent", d.mac, bridge.name);
            let _ = writeln!(out, "{} {dev}master {} permanent", d.mac, bridge.name);
        }
        if let (DeviceKind::Vxlan { .. }, None) = (&d.kind, br) {
            let node = space.node().unwrap_or("");
            for (mac, ip) in net.vxlan_fdb(node) {
                let _ = writeln!(out, "{mac} {dev}dst {ip} self permanent");
            }
        }
    }
    out
}
