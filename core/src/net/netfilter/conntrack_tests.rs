use std::net::Ipv4Addr;

use super::conntrack::{Dir, Flags, TcpState};
use super::{Conntrack, Tuple};
use crate::time::SimTime;

const SEC: u64 = 1_000_000;

fn tcp(sport: u16) -> Tuple {
    Tuple { proto: 6, src: Ipv4Addr::new(10, 244, 0, 2), dst: Ipv4Addr::new(10, 244, 1, 2), sport, dport: 80 }
}

fn flags(syn: bool, ack: bool, fin: bool) -> Flags {
    Flags { syn, ack, fin, rst: false }
}

/// A confirmed, established connection from `sport` at `at` seconds.
fn established(ct: &mut Conntrack, sport: u16, at: u64) -> u64 {
    let id = ct.create(tcp(sport), SimTime(at * SEC));
    ct.confirm(id);
    ct.seen(id, Dir::Reply, flags(true, true, false), SimTime(at * SEC));
    ct.seen(id, Dir::Original, flags(false, true, false), SimTime(at * SEC));
    id
}

#[test]
fn entries_expire_at_their_latest_timeout_and_not_before() {
    // (what happens to connection 1 after it is established at 0 s, when a new connection
    // comes at 200 s, whether connection 1 is still listed then)
    let cases: [(&str, Option<Flags>, bool); 3] = [
        ("established: 5 days", None, true),
        ("FIN: 120 s from the FIN at 1 s", Some(flags(false, true, true)), false),
        ("an ACK at 1 s keeps it established", Some(flags(false, true, false)), true),
    ];
    for (what, packet, alive) in cases {
        let mut ct = Conntrack::default();
        let id = established(&mut ct, 40000, 0);
        assert_eq!(ct.get(id).unwrap().tcp, Some(TcpState::Established), "{what}");
        if let Some(f) = packet {
            ct.seen(id, Dir::Original, f, SimTime(SEC));
        }
        ct.create(tcp(40001), SimTime(200 * SEC));
        assert_eq!(ct.get(id).is_some(), alive, "{what}");
        assert_eq!(ct.find(&tcp(40000), SimTime(200 * SEC)).is_some(), alive, "{what}");
        assert_eq!(ct.len(), if alive { 2 } else { 1 }, "{what}");
    }
}

#[test]
fn a_refreshed_entry_outlives_its_first_timeout_and_the_list_keeps_id_order() {
    let mut ct = Conntrack::default();
    let a = ct.create(Tuple { proto: 17, ..tcp(5353) }, SimTime(0));
    ct.confirm(a);
    let b = established(&mut ct, 40000, 1);
    // UDP: 30 s; a packet at 25 s moves it to 55 s.
    ct.seen(a, Dir::Original, Flags::default(), SimTime(25 * SEC));
    ct.create(tcp(40002), SimTime(40 * SEC));
    assert!(ct.get(a).is_some());
    let (list, _) = ct.list(SimTime(40 * SEC));
    let protos: Vec<&str> = list.lines().map(|l| &l[..3]).collect();
    assert_eq!(protos, ["udp", "tcp"]);
    ct.create(tcp(40003), SimTime(56 * SEC));
    assert!(ct.get(a).is_none() && ct.get(b).is_some());
    ct.forget(b);
    assert!(ct.find(&tcp(40000), SimTime(56 * SEC)).is_none());
    assert_eq!(ct.len(), 2);
}
