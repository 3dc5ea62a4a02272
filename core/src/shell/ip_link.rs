//! `ip link` and `ip addr` as iproute2 6.1 prints them for a namespace's devices:
//!
//! ```text
//! 5: veth1a2b3c4d@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default 
//!     link/ether 6e:01:02:03:04:05 brd ff:ff:ff:ff:ff:ff link-netns cni-0a1b2c3d-…
//! 4: cni0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000
//!     link/ether 0a:…:01 brd ff:ff:ff:ff:ff:ff
//!     inet 10.244.0.1/24 brd 10.244.0.255 scope global cni0
//!        valid_lft forever preferred_lft forever
//! ```
//!
//! Trailing spaces are kept where iproute2 writes them (after `group default` when no `qlen`
//! follows, after `link/none`, after each `-d` attribute). Flags, qdisc, state and qlen follow
//! the device type: loopback `<LOOPBACK,UP,LOWER_UP>` `state UNKNOWN` `qlen 1000`; the NIC
//! `fq_codel` `qlen 1000`; veth, bridge and vxlan `noqueue` (the bridge with `qlen 1000`, and
//! `NO-CARRIER` / `state DOWN` while it has no port); vxlan `state UNKNOWN`; the TUN device
//! `<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP>`, `fq_codel`, `state UNKNOWN`, `qlen 500`,
//! `link/none`. A veth shows its peer's index (`@if2`) and namespace: `link-netns cni-…` on the
//! node (containerd names the sandbox's namespace), `link-netnsid 0` inside the pod.
//!
//! `-br` prints one line per device: the name padded to 16 columns, the state to 14, then the
//! MAC and flags (`ip -br link`) or the addresses (`ip -br addr`), each followed by a space.
//!
//! With `-d` flannel's device shows `vxlan id 1 local <node IP> dev eth0 srcport 0 0 dstport
//! 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx`: the words and
//! their order are iproute2's `vxlan_print_opt`; the values are what the kernel reports for a
//! device created as flanneld creates it (VNI, local address, lower device and learning off set;
//! TTL, TOS, source ports, ageing and the UDP checksum left to the kernel's defaults: `ttl auto`
//! for TTL 0, no `tos`, `srcport 0 0`, 300 s, checksums on). Those defaults are read from the
//! kernel and netlink-library sources, not from a captured `ip -d link` of a flannel node.
//!
//! Simplified: IPv6 is not simulated, so there are no `inet6` lines; the NIC's qdisc is
//! `fq_codel` (systemd's default; other distributions show `pfifo_fast` or `mq`); with `-d`,
//! other kinds print only the kind's name (`veth`, `bridge`, `tun`), not their options nor the
//! `bridge_slave` line of a port, every device has `minmtu 68 maxmtu 65535` (`0 0` for `lo`;
//! a real NIC's limits depend on its driver), and the tail (`addrgenmode eui64 numtxqueues 1 …
//! gro_max_size 65536`) is the same for every device.

use std::fmt::Write as _;

use crate::net::netns::{Device, DeviceKind, Netns, Owner};
use crate::net::{Network, NsId};

/// What `ip link` / `ip addr` show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Link,
    Addr,
}

/// How much `ip` prints per device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Normal,
    /// `-d`: the link's kind and its options.
    Details,
    /// `-br`: one line per device.
    Brief,
}

/// The devices of `ns` (all, or the one named `only`) in index order.
pub fn show(net: &Network, ns: NsId, view: View, detail: Detail, only: Option<&str>) -> Result<String, String> {
    let Some(space) = net.netns(ns) else { return Err("Cannot open netlink socket: No such file or directory".into()) };
    if let Some(name) = only {
        if space.device_named(name).is_none() {
            return Err(format!("Device \"{name}\" does not exist."));
        }
    }
    let mut devs: Vec<&Device> = space.devices.iter().filter(|d| only.is_none_or(|n| d.name == n)).collect();
    devs.sort_by_key(|d| d.ifindex);
    let mut out = String::new();
    for d in devs {
        if detail == Detail::Brief {
            brief(&mut out, space, d, view);
        } else {
            device(&mut out, net, space, d, view, detail == Detail::Details);
        }
    }
    Ok(out)
}

/// A device's flags and operational state: `(flags, state)`.
fn flags_and_state(space: &Netns, d: &Device) -> (&'static str, &'static str) {
    let carrier = match d.kind {
        DeviceKind::Bridge(_) => space.devices.iter().any(|p| p.master == Some(d.ifindex)),
        _ => true,
    };
    match (&d.kind, carrier) {
        (DeviceKind::Loopback, _) => ("LOOPBACK,UP,LOWER_UP", "UNKNOWN"),
        (DeviceKind::Tun, _) => ("POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP", "UNKNOWN"),
        (DeviceKind::Vxlan { .. }, _) => ("BROADCAST,MULTICAST,UP,LOWER_UP", "UNKNOWN"),
        // kube-proxy creates kube-ipvs0 and never sets it up.
        (DeviceKind::Dummy, _) => ("BROADCAST,NOARP", "DOWN"),
        (_, false) => ("NO-CARRIER,BROADCAST,MULTICAST,UP", "DOWN"),
        _ => ("BROADCAST,MULTICAST,UP,LOWER_UP", "UP"),
    }
}

/// The name `ip` shows: a veth with its peer's index (`veth1a2b3c4d@if2`).
fn shown_name(d: &Device) -> String {
    match d.kind {
        DeviceKind::Veth { peer_ifindex, .. } => format!("{}@if{peer_ifindex}", d.name),
        _ => d.name.clone(),
    }
}

/// `ip -br link` / `ip -br addr`: name, state, then the MAC and flags or the addresses.
fn brief(out: &mut String, space: &Netns, d: &Device, view: View) {
    let (flags, state) = flags_and_state(space, d);
    let _ = write!(out, "{:<16} {state:<14} ", shown_name(d));
    match view {
        View::Link => {
            if !matches!(d.kind, DeviceKind::Tun) {
                let _ = write!(out, "{} ", d.mac);
            }
            let _ = write!(out, "<{flags}> ");
        }
        View::Addr => {
            for a in &d.addrs {
                let _ = write!(out, "{}/{} ", a.addr, a.prefix);
            }
        }
    }
    out.push('\n');
}

fn device(out: &mut String, net: &Network, space: &Netns, d: &Device, view: View, details: bool) {
    let (flags, state) = flags_and_state(space, d);
    let qdisc = match d.kind {
        DeviceKind::Ethernet | DeviceKind::Tun => "fq_codel",
        DeviceKind::Dummy => "noop",
        _ => "noqueue",
    };
    let qlen = match d.kind {
        DeviceKind::Loopback | DeviceKind::Ethernet | DeviceKind::Bridge(_) | DeviceKind::Dummy => Some(1000),
        DeviceKind::Tun => Some(500),
        _ => None,
    };
    let _ = write!(out, "{}: {}: <{flags}> mtu {} qdisc {qdisc} ", d.ifindex, shown_name(d), d.mtu);
    if let Some(m) = d.master.and_then(|m| space.device(m)) {
        let _ = write!(out, "master {} ", m.name);
    }
    let _ = write!(out, "state {state} ");
    if view == View::Link {
        out.push_str("mode DEFAULT ");
    }
    out.push_str("group default ");
    if let Some(q) = qlen {
        let _ = write!(out, "qlen {q}");
    }
    out.push('\n');
    match &d.kind {
        DeviceKind::Loopback => out.push_str("    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"),
        DeviceKind::Tun => out.push_str("    link/none "),
        _ => {
            let _ = write!(out, "    link/ether {} brd ff:ff:ff:ff:ff:ff", d.mac);
        }
    }
    if let DeviceKind::Veth { peer_ns, .. } = d.kind {
        match &space.owner {
            Owner::Node(node) => match netns_name(net, node, peer_ns) {
                Some(n) => {
                    let _ = write!(out, " link-netns {n}");
                }
                None => out.push_str(" link-netnsid 0"),
            },
            _ => out.push_str(" link-netnsid 0"),
        }
    }
    if details {
        let promisc = u32::from(d.master.is_some());
        let (min, max) = if d.kind == DeviceKind::Loopback { (0, 0) } else { (68, 65535) };
        let _ = write!(out, " promiscuity {promisc} minmtu {min} maxmtu {max} ");
        match &d.kind {
            DeviceKind::Vxlan { vni, local, port, lower } => {
                let lower = space.device(*lower).map_or("eth0", |l| l.name.as_str());
                let _ = write!(
                    out,
                    "\n    vxlan id {vni} local {local} dev {lower} srcport 0 0 dstport {port} nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx "
                );
            }
            DeviceKind::Veth { .. } => out.push_str("\n    veth "),
            DeviceKind::Bridge(_) => out.push_str("\n    bridge "),
            DeviceKind::Tun => out.push_str("\n    tun "),
            DeviceKind::Dummy => out.push_str("\n    dummy "),
            DeviceKind::Loopback | DeviceKind::Ethernet => {}
        }
        if view == View::Link {
            out.push_str("addrgenmode eui64 ");
        }
        out.push_str("numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 65536 tso_max_segs 65535 gro_max_size 65536 ");
    }
    out.push('\n');
    if view == View::Addr {
        for a in &d.addrs {
            let _ = write!(out, "    inet {}/{} ", a.addr, a.prefix);
            if a.broadcast {
                let _ = write!(out, "brd {} ", a.net().broadcast());
            }
            let _ = writeln!(out, "scope {} {}", a.scope.name(), d.name);
            out.push_str("       valid_lft forever preferred_lft forever\n");
        }
    }
}

/// The name containerd gave the sandbox namespace `pod_ns` on `node` (`cni-<uuid>`).
fn netns_name(net: &Network, node: &str, pod_ns: NsId) -> Option<String> {
    let a = net.node(node)?.attachments.values().find(|a| a.ns == pod_ns)?;
    Some(a.netns.rsplit('/').next().unwrap_or(&a.netns).to_string())
}
