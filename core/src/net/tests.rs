//! Table tests for the kernel rules the data path follows: longest-prefix match, FIB listing
//! order, neighbour states over time, bridge learning/forwarding, flannel's MTUs and subnet.env.

use std::net::Ipv4Addr;

use super::bridge::{self, Decision, Fdb, AGEING_TIME};
use super::flannel::{self, Backend};
use super::neigh::{NeighTable, NudState, REACHABLE_TIME};
use super::netns::{Netns, Owner};
use super::route::{self, Lookup, Route};
use super::wire::ethernet::MacAddr;
use crate::time::SimTime;

fn net(s: &str) -> ipnet::Ipv4Net {
    s.parse().unwrap()
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

#[test]
fn longest_prefix_then_metric_then_first() {
    let mut ns = Netns::new(Owner::Node("n".into()));
    for r in [
        Route::via(net("0.0.0.0/0"), ip("192.168.56.1"), 2),
        Route::connected(net("10.244.0.0/24"), 4, ip("10.244.0.1")),
        Route::direct(net("10.244.0.0/16"), 3),
        Route { metric: 100, ..Route::via(net("10.244.5.0/24"), ip("192.168.56.20"), 2) },
        Route { metric: 50, ..Route::via(net("10.244.5.0/24"), ip("192.168.56.30"), 2) },
    ] {
        route::insert(&mut ns.routes, r);
    }
    for (dst, want) in [
        ("10.244.0.9", Some("10.244.0.0/24")),
        ("10.244.7.1", Some("10.244.0.0/16")),
        ("8.8.8.8", Some("0.0.0.0/0")),
    ] {
        match route::lookup(&ns, &[], ip(dst)) {
            Lookup::Route(r) => assert_eq!(Some(r.dst.to_string().as_str()), want, "{dst}"),
            other => panic!("{dst}: {other:?}"),
        }
    }
    match route::lookup(&ns, &[], ip("10.244.5.3")) {
        Lookup::Route(r) => assert_eq!(r.gateway, Some(ip("192.168.56.30"))),
        other => panic!("{other:?}"),
    }
    assert_eq!(route::lookup(&ns, &[], ip("127.0.0.1")), Lookup::Local);
    // FIB order: by address, the longer prefix first for the same address, then metric.
    let listed: Vec<String> = ns.routes.iter().map(|r| format!("{}/{}", r.dst, r.metric)).collect();
    assert_eq!(listed, ["0.0.0.0/0/0", "10.244.0.0/24/0", "10.244.0.0/16/0", "10.244.5.0/24/50", "10.244.5.0/24/100"]);
    // No default route: unreachable.
    let bare = Netns::new(Owner::External);
    assert_eq!(route::lookup(&bare, &[], ip("10.0.0.1")), Lookup::Unreachable);
}

#[test]
fn routes_print_as_ip_route_does() {
    let mut onlink = Route::via(net("10.244.1.0/24"), ip("10.244.1.0"), 3);
    onlink.onlink = true;
    for (r, dev, text) in [
        (Route::via(net("0.0.0.0/0"), ip("10.244.0.1"), 2), "eth0", "default via 10.244.0.1 dev eth0"),
        (Route::connected(net("10.244.0.0/24"), 2, ip("10.244.0.5")), "eth0", "10.244.0.0/24 dev eth0 proto kernel scope link src 10.244.0.5"),
        (onlink, "flannel.1", "10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink"),
        (Route::direct(net("10.244.0.0/16"), 3), "flannel0", "10.244.0.0/16 dev flannel0 scope link"),
    ] {
        assert_eq!(r.display(dev).to_string(), text);
    }
}

#[test]
fn neighbour_states_follow_the_clock() {
    let mut t = NeighTable::default();
    let mac = MacAddr([2, 0, 0, 0, 0, 1]);
    t.incomplete(ip("10.0.0.1"), 2, SimTime(0));
    assert_eq!(t.resolve(ip("10.0.0.1"), 2, SimTime(0)), None);
    t.learn(ip("10.0.0.1"), 2, mac, SimTime(10), true);
    assert_eq!(t.get(ip("10.0.0.1"), 2).unwrap().state(SimTime(10)), NudState::Reachable);
    let later = SimTime(10 + REACHABLE_TIME.0);
    assert_eq!(t.get(ip("10.0.0.1"), 2).unwrap().state(later), NudState::Stale);
    assert_eq!(t.resolve(ip("10.0.0.1"), 2, later), Some(mac));
    assert_eq!(t.get(ip("10.0.0.1"), 2).unwrap().state(later), NudState::Reachable);
    t.incomplete(ip("10.0.0.9"), 2, SimTime(0));
    t.failed(ip("10.0.0.9"), 2, SimTime(3_000_000));
    assert_eq!(t.get(ip("10.0.0.9"), 2).unwrap().state(SimTime(3_000_000)), NudState::Failed);
    // A request from a stranger teaches it as STALE.
    t.learn(ip("10.0.0.7"), 2, mac, SimTime(0), false);
    assert_eq!(t.get(ip("10.0.0.7"), 2).unwrap().state(SimTime(0)), NudState::Stale);
}

#[test]
fn bridge_learns_forwards_floods_filters_and_ages() {
    let (a, b, c) = (MacAddr([2, 0, 0, 0, 0, 0xa]), MacAddr([2, 0, 0, 0, 0, 0xb]), MacAddr([2, 0, 0, 0, 0, 0xc]));
    let ports = [(5, true), (6, true), (7, false)];
    let mut fdb = Fdb::default();
    assert!(fdb.learn(a, 5, SimTime(0)));
    assert!(!fdb.learn(a, 5, SimTime(1)));
    assert!(!fdb.learn(MacAddr::BROADCAST, 6, SimTime(0)));
    assert_eq!(bridge::decide(&fdb, a, 6, &[c], &ports, SimTime(2)), Decision::Forward(5));
    assert_eq!(bridge::decide(&fdb, b, 5, &[c], &ports, SimTime(2)), Decision::Flood(vec![6, 7]));
    assert_eq!(bridge::decide(&fdb, MacAddr::BROADCAST, 7, &[c], &ports, SimTime(2)), Decision::Flood(vec![5, 6]));
    assert_eq!(bridge::decide(&fdb, c, 5, &[c], &ports, SimTime(2)), Decision::Local);
    // Hairpin on port 5: a frame may go back out where it came in.
    assert_eq!(bridge::decide(&fdb, a, 5, &[c], &ports, SimTime(2)), Decision::Forward(5));
    fdb.learn(b, 7, SimTime(2));
    assert_eq!(bridge::decide(&fdb, b, 7, &[c], &ports, SimTime(3)), Decision::Filtered(7));
    // After the ageing time the entry is gone and the frame floods.
    let old = SimTime(1 + AGEING_TIME.0);
    assert_eq!(bridge::decide(&fdb, a, 6, &[c], &ports, old), Decision::Flood(vec![5, 7]));
}

#[test]
fn flannel_mtus_and_subnet_env() {
    for (backend, mtu) in [(Backend::Vxlan, 1450), (Backend::Udp, 1472), (Backend::HostGw, 1500)] {
        assert_eq!(backend.mtu(1500), mtu, "{backend:?}");
    }
    assert_eq!(Backend::Vxlan.mtu(9001), 8951);
    assert_eq!(
        flannel::subnet_env(net("10.88.0.0/16"), net("10.88.4.0/24"), 8951, true),
        "FLANNEL_NETWORK=10.88.0.0/16\nFLANNEL_SUBNET=10.88.4.1/24\nFLANNEL_MTU=8951\nFLANNEL_IPMASQ=true\n"
    );
    assert_eq!("udp".parse::<Backend>(), Ok(Backend::Udp));
    assert!("gre".parse::<Backend>().unwrap_err().contains("choose vxlan, udp or host-gw"));
}
