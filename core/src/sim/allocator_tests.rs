use std::net::Ipv4Addr;

use super::*;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// (CIDR, usable addresses, static band) — the band sizes of KEP-3070 for the ranges people use.
#[test]
fn ip_band_sizes() {
    type Case<'a> = (&'a str, usize, Option<(&'a str, &'a str)>);
    let cases: &[Case] = &[
        ("10.96.0.0/12", (1 << 20) - 2, Some(("10.96.0.1", "10.96.1.0"))),
        ("10.43.0.0/16", 65534, Some(("10.43.0.1", "10.43.1.0"))),
        ("10.0.0.0/24", 254, Some(("10.0.0.1", "10.0.0.16"))),
        ("192.168.100.0/22", 1022, Some(("192.168.100.1", "192.168.100.64"))),
        ("10.0.0.0/26", 62, Some(("10.0.0.1", "10.0.0.16"))),
        ("10.0.0.0/27", 30, Some(("10.0.0.1", "10.0.0.16"))),
        ("10.0.0.0/28", 14, None),
        ("10.0.0.0/30", 2, None),
        ("10.0.0.0/32", 0, None),
    ];
    for &(cidr, usable, band) in cases {
        let a = IpAllocator::new(cidr.parse().unwrap());
        assert_eq!(a.bits.max as usize, usable, "{cidr}");
        let want = band.map(|(lo, hi)| ip(lo)..=ip(hi));
        assert_eq!(a.band(), want, "{cidr}");
    }
    assert_eq!((ip_band(16), ip_band(17), ip_band(256), ip_band(1024), ip_band(1 << 20)), (0, 16, 16, 64, 256));
}

/// Automatic picks land above the band, anywhere up to the last address before broadcast.
#[test]
fn automatic_ip_picks_stay_above_the_band() {
    let cases = [
        ("10.96.0.0/12", "10.96.1.1", "10.111.255.254"),
        ("192.168.100.0/22", "192.168.100.65", "192.168.103.254"),
        ("10.0.0.0/28", "10.0.0.1", "10.0.0.14"),
    ];
    for (cidr, lo, hi) in cases {
        let mut a = IpAllocator::new(cidr.parse().unwrap());
        let mut rng = SimRng::seeded(7);
        for _ in 0..12 {
            let got = a.allocate_next(&mut rng).unwrap();
            assert!(got >= ip(lo) && got <= ip(hi), "{cidr}: {got}");
        }
    }
}

/// The band is used only once everything above it is taken; then the range is full.
#[test]
fn ip_picks_fall_back_into_the_band_then_run_out() {
    let mut a = IpAllocator::new("10.0.0.0/24".parse().unwrap());
    let mut rng = SimRng::seeded(1);
    let upper: Vec<Ipv4Addr> = (0..238).map(|_| a.allocate_next(&mut rng).unwrap()).collect();
    assert!(upper.iter().all(|x| *x >= ip("10.0.0.17")), "an automatic pick went into the band early");
    let band: Vec<Ipv4Addr> = (0..16).map(|_| a.allocate_next(&mut rng).unwrap()).collect();
    assert!(band.iter().all(|x| *x >= ip("10.0.0.1") && *x <= ip("10.0.0.16")), "{band:?}");
    assert_eq!(a.allocate_next(&mut rng), None);
    assert_eq!(a.used(), 254);
    a.release(ip("10.0.0.200"));
    assert_eq!(a.allocate_next(&mut rng), Some(ip("10.0.0.200")));
}

#[test]
fn requested_ips_anywhere_in_the_usable_range() {
    let mut a = IpAllocator::new("10.96.0.0/12".parse().unwrap());
    assert_eq!(a.first(), ip("10.96.0.1"));
    for ok in ["10.96.0.1", "10.96.0.10", "10.96.1.0", "10.100.7.7", "10.111.255.254"] {
        assert_eq!(a.allocate(ip(ok)), Ok(()), "{ok}");
    }
    assert_eq!(a.allocate(ip("10.96.0.10")), Err("provided IP is already allocated".into()));
    for edge in ["10.96.0.0", "10.111.255.255"] {
        assert_eq!(
            a.allocate(ip(edge)),
            Err(format!("the provided IP ({edge}) is not in the valid range. The range of valid IPs is 10.96.0.0/12")),
        );
    }
    for outside in ["1.2.3.4", "10.112.0.1"] {
        assert_eq!(a.allocate(ip(outside)), Err("the provided network does not match the current range".into()));
    }
    assert_eq!(a.used(), 5);
}

/// (range, static band) — 30000-32767 keeps 30000-30085 for chosen ports.
#[test]
fn node_port_band_sizes() {
    let cases: &[(RangeInclusive<u16>, Option<RangeInclusive<i32>>)] = &[
        (30000..=32767, Some(30000..=30085)),
        (20000..=20999, Some(20000..=20030)),
        (30000..=30099, Some(30000..=30015)),
        (30000..=30015, None),
        (30000..=30000, None),
    ];
    for (range, band) in cases {
        assert_eq!(&PortAllocator::new(range.clone()).band(), band, "{range:?}");
    }
    assert_eq!((port_band(16), port_band(17), port_band(2768), port_band(100_000)), (0, 16, 86, 128));
    assert_eq!(PortAllocator::new(30000..=32767).range_text(), "30000-32767");
}

#[test]
fn node_port_picks_errors_and_fallback() {
    let mut a = PortAllocator::new(30000..=32767);
    let mut rng = SimRng::seeded(3);
    for _ in 0..50 {
        let p = a.allocate_next(&mut rng).unwrap();
        assert!((30086..=32767).contains(&p), "{p}");
    }
    assert_eq!(a.allocate(30000), Ok(()));
    assert_eq!(a.allocate(30000), Err("provided port is already allocated".into()));
    for bad in [80, 29999, 32768, -1] {
        assert_eq!(
            a.allocate(bad),
            Err("provided port is not in the valid range. The range of valid ports is 30000-32767".into()),
        );
    }
    let mut small = PortAllocator::new(30000..=30099);
    let picks: Vec<i32> = (0..100).filter_map(|_| small.allocate_next(&mut rng)).collect();
    assert!(picks[..84].iter().all(|p| *p >= 30016) && picks[84..].iter().all(|p| *p < 30016), "{picks:?}");
    assert_eq!(small.allocate_next(&mut rng), None);
}

#[test]
fn same_seed_same_picks() {
    let run = |seed| {
        let mut a = Allocators::new("10.96.0.0/12".parse().unwrap(), 30000..=32767);
        let mut rng = SimRng::seeded(seed);
        let ips: Vec<_> = (0..5).map(|_| a.ips.allocate_next(&mut rng).unwrap()).collect();
        let ports: Vec<_> = (0..5).map(|_| a.node_ports.allocate_next(&mut rng).unwrap()).collect();
        (ips, ports)
    };
    assert_eq!(run(42), run(42));
    assert_ne!(run(42), run(43));
}

#[test]
fn a_transaction_is_undone_or_kept() {
    let mut a = Allocators::new("10.96.0.0/12".parse().unwrap(), 30000..=32767);
    a.ips.allocate(ip("10.96.5.5")).unwrap();
    a.node_ports.allocate(30500).unwrap();
    let txn = Txn {
        allocated_ips: vec![ip("10.96.5.5")],
        allocated_ports: vec![30500],
        released_ips: vec![ip("10.96.0.1")],
        released_ports: vec![31000],
    };
    a.ips.allocate(ip("10.96.0.1")).unwrap();
    a.node_ports.allocate(31000).unwrap();
    let mut reverted = a.clone();
    reverted.revert(&txn);
    assert!(!reverted.ips.is_allocated(ip("10.96.5.5")) && !reverted.node_ports.is_allocated(30500));
    assert!(reverted.ips.is_allocated(ip("10.96.0.1")) && reverted.node_ports.is_allocated(31000));
    a.commit(&txn);
    assert!(a.ips.is_allocated(ip("10.96.5.5")) && a.node_ports.is_allocated(30500));
    assert!(!a.ips.is_allocated(ip("10.96.0.1")) && !a.node_ports.is_allocated(31000));
}
