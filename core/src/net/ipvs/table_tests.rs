//! Tests of the IPVS table: `ipvsadm` text, round robin, persistence.

use std::net::Ipv4Addr;

use super::table::{Ipvs, RealServer, VirtualServer, VsKey};
use crate::net::kube_proxy::Proto;
use crate::time::{SimDuration, SimTime};

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn vs(proto: Proto, addr: &str, port: u16, reals: &[(&str, u16)], persistent: Option<u32>) -> VirtualServer {
    let mut v = VirtualServer::new(proto, ip(addr), port);
    v.persistent = persistent;
    v.reals = reals.iter().map(|&(a, p)| RealServer::new(ip(a), p)).collect();
    v
}

fn table(services: Vec<VirtualServer>) -> Ipvs {
    let mut t = Ipvs::new();
    for s in services {
        t.set(s).unwrap();
    }
    t
}

/// Runs `ipvsadm <args>` on `t` and compares the whole output (or error).
fn check(t: &Ipvs, args: &str, expect: Result<&str, &str>) {
    let args: Vec<&str> = args.split_whitespace().collect();
    let got = t.command(&args);
    assert_eq!(got.as_deref(), expect.map_err(|e| e.to_string()).as_deref(), "ipvsadm {args:?}");
}

const HEADER: &str = "IP Virtual Server version 1.2.1 (size=4096)\n";
const TITLE: &str = "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";

#[test]
fn listings() {
    let t = table(vec![
        vs(Proto::Udp, "10.96.0.10", 53, &[("10.244.1.3", 53), ("10.244.0.2", 53)], None),
        vs(Proto::Tcp, "10.96.0.10", 53, &[("10.244.0.2", 53)], None),
        vs(Proto::Tcp, "10.96.0.1", 443, &[("192.168.56.10", 6443)], None),
        vs(Proto::Tcp, "10.96.100.7", 80, &[], Some(10800)),
        vs(Proto::Sctp, "10.96.5.5", 9999, &[("10.244.2.4", 9999)], None),
    ]);
    let all = format!(
        "{HEADER}{TITLE}\
TCP  10.96.0.1:443 rr\n  -> 192.168.56.10:6443           Masq    1      0          0         \n\
TCP  10.96.0.10:53 rr\n  -> 10.244.0.2:53                Masq    1      0          0         \n\
TCP  10.96.100.7:80 rr persistent 10800\n\
UDP  10.96.0.10:53 rr\n  -> 10.244.0.2:53                Masq    1      0          0         \n  -> 10.244.1.3:53                Masq    1      0          0         \n\
SCTP 10.96.5.5:9999 rr\n  -> 10.244.2.4:9999              Masq    1      0          0         \n"
    );
    let one = format!("{TITLE}UDP  10.96.0.10:53 rr\n  -> 10.244.0.2:53                Masq    1      0          0         \n  -> 10.244.1.3:53                Masq    1      0          0         \n");
    let cases: Vec<(&str, Result<&str, &str>)> = vec![
        ("-Ln", Ok(&all)),
        ("-L -n", Ok(&all)),
        ("--list --numeric", Ok(&all)),
        ("-Ln -u 10.96.0.10:53", Ok(&one)),
        ("-Ln -t 10.96.0.99:53", Err("No such service")),
        ("-Ln -t 10.96.0.99", Err("Illegal virtual server address[:port] specified: 10.96.0.99")),
        ("-A -t 10.96.0.99:80", Err("ipvsadm: invalid option -- 'A'")),
        ("-n", Err("ipvsadm: only listing (-L) is modelled")),
    ];
    for (args, expect) in cases {
        check(&t, args, expect);
    }
}

#[test]
fn empty_table_lists_only_the_header() {
    check(&Ipvs::new(), "-Ln", Ok(&format!("{HEADER}{TITLE}")));
}

#[test]
fn counters_and_weights_are_padded_in_their_columns() {
    let mut t = table(vec![vs(Proto::Tcp, "10.96.0.1", 443, &[("192.168.56.10", 6443)], None)]);
    let r = &mut t.get_mut((Proto::Tcp, ip("10.96.0.1"), 443)).unwrap().reals[0];
    (r.weight, r.active_conn, r.inact_conn) = (0, 12, 345);
    let want = format!("{TITLE}TCP  10.96.0.1:443 rr\n  -> 192.168.56.10:6443           Masq    0      12         345       \n");
    check(&t, "-Ln -t 10.96.0.1:443", Ok(&want));
}

/// (destinations, indexes whose weight is set to 0, the picks wanted)
type RrCase<'a> = (&'a [(&'a str, u16)], Vec<usize>, Vec<&'a str>);

const KEY: fn() -> VsKey = || (Proto::Tcp, ip("10.96.0.20"), 80);

#[test]
fn round_robin_order() {
    let three = [("10.244.2.9", 8080), ("10.244.1.7", 8080), ("10.244.1.10", 8080)];
    let cases: Vec<RrCase> = vec![
        (&three, vec![], vec!["10.244.1.7", "10.244.1.10", "10.244.2.9", "10.244.1.7", "10.244.1.10"]),
        (&three, vec![1], vec!["10.244.1.7", "10.244.2.9", "10.244.1.7"]),
        (&three[..1], vec![], vec!["10.244.2.9", "10.244.2.9"]),
    ];
    for (reals, zero, want) in cases {
        let mut t = table(vec![vs(Proto::Tcp, "10.96.0.20", 80, reals, None)]);
        for i in zero {
            t.get_mut(KEY()).unwrap().reals[i].weight = 0;
        }
        let got: Vec<String> = (0..want.len()).map(|_| t.pick(KEY()).unwrap().0.to_string()).collect();
        assert_eq!(got, want, "{reals:?}");
    }
}

#[test]
fn no_usable_destination_picks_nothing() {
    let mut t = table(vec![vs(Proto::Tcp, "10.96.0.20", 80, &[], None)]);
    assert_eq!(t.pick(KEY()), None);
    assert_eq!(t.pick((Proto::Udp, ip("10.96.0.20"), 80)), None);
    t.set(vs(Proto::Tcp, "10.96.0.20", 80, &[("10.244.1.7", 8080)], None)).unwrap();
    t.get_mut(KEY()).unwrap().reals[0].weight = 0;
    assert_eq!(t.pick(KEY()), None);
}

#[test]
fn resync_keeps_the_position_only_when_destinations_are_unchanged() {
    let reals = [("10.244.1.7", 8080), ("10.244.2.9", 8080)];
    let mut t = table(vec![vs(Proto::Tcp, "10.96.0.20", 80, &reals, None)]);
    assert_eq!(t.pick(KEY()), Some((ip("10.244.1.7"), 8080)));
    t.set(vs(Proto::Tcp, "10.96.0.20", 80, &reals, None)).unwrap();
    assert_eq!(t.pick(KEY()), Some((ip("10.244.2.9"), 8080)));
    t.set(vs(Proto::Tcp, "10.96.0.20", 80, &[("10.244.3.3", 8080), ("10.244.2.9", 8080)], None)).unwrap();
    assert_eq!(t.pick(KEY()), Some((ip("10.244.2.9"), 8080)));
    assert!(t.remove(KEY()));
    assert!(!t.remove(KEY()));
    assert!(t.is_empty());
}

#[test]
fn duplicate_destinations_are_refused() {
    let mut t = Ipvs::new();
    let dup = vs(Proto::Tcp, "10.96.0.20", 80, &[("10.244.1.7", 8080), ("10.244.1.7", 8080)], None);
    assert_eq!(t.set(dup), Err("Destination already exists".to_string()));
}

#[test]
fn persistence_keeps_a_client_on_its_destination_until_the_timeout() {
    let reals = [("10.244.1.7", 8080), ("10.244.2.9", 8080)];
    let mut t = table(vec![vs(Proto::Tcp, "10.96.0.20", 80, &reals, Some(60))]);
    let s = SimTime::ZERO + SimDuration::from_secs(1);
    let at = |secs: u64| s + SimDuration::from_secs(secs);
    let (a, b) = (ip("10.244.0.5"), ip("10.244.0.6"));
    // (client, seconds after start, destination wanted)
    let cases =
        [(a, 0, "10.244.1.7"), (b, 1, "10.244.2.9"), (a, 30, "10.244.1.7"), (a, 89, "10.244.1.7"), (b, 61, "10.244.1.7"), (a, 150, "10.244.2.9")];
    for (client, secs, want) in cases {
        assert_eq!(t.pick_for(KEY(), client, at(secs)).map(|d| d.0), Some(ip(want)), "{client} at +{secs}s");
    }
    // A template whose destination lost its weight is not used.
    t.get_mut(KEY()).unwrap().reals[1].weight = 0;
    assert_eq!(t.pick_for(KEY(), a, at(151)), Some((ip("10.244.1.7"), 8080)));
}

#[test]
fn without_persistence_every_pick_is_round_robin() {
    let mut t = table(vec![vs(Proto::Tcp, "10.96.0.20", 80, &[("10.244.1.7", 8080), ("10.244.2.9", 8080)], None)]);
    let c = ip("10.244.0.5");
    let got: Vec<Ipv4Addr> = (0..3).map(|i| t.pick_for(KEY(), c, SimTime::ZERO + SimDuration::from_secs(i)).unwrap().0).collect();
    assert_eq!(got, vec![ip("10.244.1.7"), ip("10.244.2.9"), ip("10.244.1.7")]);
}
