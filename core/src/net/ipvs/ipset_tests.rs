//! Tests of IP sets: member text, packet membership, `ipset list` text, references.

use std::net::Ipv4Addr;

use super::ipset::{IpSet, IpSets, Member, SetType};
use crate::net::kube_proxy::Proto;
use crate::net::netfilter::rule::SetDir::{self, Dst, Src};
use crate::net::netfilter::Tuple;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

#[test]
fn member_text() {
    let cases = [
        (Member::Ip(ip("10.96.0.1")), "10.96.0.1", SetType::HashIp),
        (Member::IpPort(ip("10.96.0.10"), Proto::Udp, 53), "10.96.0.10,udp:53", SetType::HashIpPort),
        (Member::IpPortIp(ip("10.244.1.7"), Proto::Tcp, 8080, ip("10.244.1.7")), "10.244.1.7,tcp:8080,10.244.1.7", SetType::HashIpPortIp),
        (
            Member::IpPortNet(ip("203.0.113.9"), Proto::Sctp, 80, "10.0.0.0/8".parse().unwrap()),
            "203.0.113.9,sctp:80,10.0.0.0/8",
            SetType::HashIpPortNet,
        ),
        (Member::Port(30080), "30080", SetType::BitmapPort),
    ];
    for (m, text, set_type) in cases {
        assert_eq!((m.to_string().as_str(), m.set_type()), (text, set_type));
    }
}

fn tuple(proto: u8, src: &str, sport: u16, dst: &str, dport: u16) -> Tuple {
    Tuple { proto, src: ip(src), dst: ip(dst), sport, dport }
}

/// Whether a packet matches a set of `members` with the match directions `dirs`.
fn check(set_type: SetType, members: &[Member], dirs: &[SetDir], t: Tuple, expect: bool) {
    let mut s = IpSet::new("S", set_type);
    for &m in members {
        s.add(m, None).unwrap();
    }
    assert_eq!(s.test(dirs, &t), expect, "{members:?} {dirs:?} {t:?}");
}

#[test]
fn packet_membership() {
    let cip = [Member::IpPort(ip("10.96.0.10"), Proto::Udp, 53), Member::IpPort(ip("10.96.0.1"), Proto::Tcp, 443)];
    let lb = [Member::IpPortIp(ip("10.244.1.7"), Proto::Tcp, 8080, ip("10.244.1.7"))];
    let net = [Member::IpPortNet(ip("203.0.113.9"), Proto::Tcp, 80, "198.51.100.0/24".parse().unwrap())];
    let ports = [Member::Port(30080)];
    let cases = [
        // KUBE-CLUSTER-IP dst,dst: destination address and port, with the protocol.
        (SetType::HashIpPort, &cip[..], &[Dst, Dst][..], tuple(17, "10.244.1.5", 40000, "10.96.0.10", 53), true),
        (SetType::HashIpPort, &cip[..], &[Dst, Dst][..], tuple(6, "10.244.1.5", 40000, "10.96.0.10", 53), false),
        (SetType::HashIpPort, &cip[..], &[Dst, Dst][..], tuple(6, "10.244.1.5", 40000, "10.96.0.1", 443), true),
        (SetType::HashIpPort, &cip[..], &[Dst, Dst][..], tuple(6, "10.244.1.5", 40000, "10.96.0.1", 80), false),
        (SetType::HashIpPort, &cip[..], &[Src, Dst][..], tuple(6, "10.96.0.1", 40000, "10.96.0.2", 443), true),
        (SetType::HashIpPort, &cip[..], &[Dst][..], tuple(6, "10.244.1.5", 40000, "10.96.0.1", 443), false),
        // KUBE-LOOP-BACK dst,dst,src: a pod reaching itself through its service.
        (SetType::HashIpPortIp, &lb[..], &[Dst, Dst, Src][..], tuple(6, "10.244.1.7", 40000, "10.244.1.7", 8080), true),
        (SetType::HashIpPortIp, &lb[..], &[Dst, Dst, Src][..], tuple(6, "10.244.1.8", 40000, "10.244.1.7", 8080), false),
        (SetType::HashIpPortIp, &lb[..], &[Dst, Dst, Src][..], tuple(17, "10.244.1.7", 40000, "10.244.1.7", 8080), false),
        // Source CIDRs: the third dimension is a network.
        (SetType::HashIpPortNet, &net[..], &[Dst, Dst, Src][..], tuple(6, "198.51.100.77", 1234, "203.0.113.9", 80), true),
        (SetType::HashIpPortNet, &net[..], &[Dst, Dst, Src][..], tuple(6, "198.51.101.77", 1234, "203.0.113.9", 80), false),
        // bitmap:port dst: any address, TCP/UDP/SCTP only.
        (SetType::BitmapPort, &ports[..], &[Dst][..], tuple(6, "1.2.3.4", 1234, "192.168.56.11", 30080), true),
        (SetType::BitmapPort, &ports[..], &[Dst][..], tuple(17, "1.2.3.4", 1234, "192.168.56.12", 30080), true),
        (SetType::BitmapPort, &ports[..], &[Src][..], tuple(6, "1.2.3.4", 1234, "192.168.56.11", 30080), false),
        (SetType::BitmapPort, &ports[..], &[Dst][..], tuple(1, "1.2.3.4", 0, "192.168.56.11", 30080), false),
        (SetType::HashIp, &[Member::Ip(ip("10.96.0.1"))][..], &[Dst][..], tuple(6, "1.2.3.4", 1, "10.96.0.1", 22), true),
        (SetType::HashIp, &[Member::Ip(ip("10.96.0.1"))][..], &[Src][..], tuple(6, "1.2.3.4", 1, "10.96.0.1", 22), false),
    ];
    for (set_type, members, dirs, t, expect) in cases {
        check(set_type, members, dirs, t, expect);
    }
}

#[test]
fn adding_checks_the_member() {
    let mut s = IpSet::new("KUBE-NODE-PORT-TCP", SetType::BitmapPort);
    let cases: [(Member, Option<&str>, Result<(), &str>); 4] = [
        (Member::Port(30080), None, Ok(())),
        (Member::Port(30080), None, Ok(())),
        (Member::IpPort(ip("10.96.0.1"), Proto::Tcp, 443), None, Err("ipset v7.17: Syntax error: the element does not match the set type")),
        (Member::Port(30081), Some("x"), Err("ipset v7.17: Kernel error received: ipset protocol error")),
    ];
    for (m, comment, want) in cases {
        assert_eq!(s.add(m, comment), want.map_err(str::to_string), "{m:?}");
    }
    assert_eq!(s.len(), 1);
    s.range = (30000, 32767);
    assert_eq!(s.add(Member::Port(80), None), Err("ipset v7.17: Element is out of the range of the set".to_string()));
    assert!(s.del(&Member::Port(30080)));
    assert!(!s.del(&Member::Port(30080)));
    assert!(s.is_empty());
}

#[test]
fn list_text() {
    let mut cip = IpSet::new("KUBE-CLUSTER-IP", SetType::HashIpPort);
    for m in [
        Member::IpPort(ip("10.96.0.10"), Proto::Udp, 53),
        Member::IpPort(ip("10.96.0.1"), Proto::Tcp, 443),
        Member::IpPort(ip("10.96.0.10"), Proto::Tcp, 53),
        Member::IpPort(ip("10.96.0.10"), Proto::Tcp, 9153),
    ] {
        cip.add(m, None).unwrap();
    }
    let mut np = IpSet::new("KUBE-NODE-PORT-TCP", SetType::BitmapPort);
    np.add(Member::Port(30080), None).unwrap();
    let mut commented = IpSet::new("test", SetType::HashIp);
    commented.with_comments = true;
    commented.add(Member::Ip(ip("10.0.0.1")), Some("web")).unwrap();
    let cases = [
        (
            cip,
            2,
            "Name: KUBE-CLUSTER-IP\nType: hash:ip,port\nRevision: 6\nHeader: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xbd6fca37\nSize in memory: 392\nReferences: 2\nNumber of entries: 4\nMembers:\n10.96.0.1,tcp:443\n10.96.0.10,tcp:53\n10.96.0.10,tcp:9153\n10.96.0.10,udp:53\n",
        ),
        (
            np,
            1,
            "Name: KUBE-NODE-PORT-TCP\nType: bitmap:port\nRevision: 3\nHeader: range 0-65535\nSize in memory: 8264\nReferences: 1\nNumber of entries: 1\nMembers:\n30080\n",
        ),
        (
            IpSet::new("KUBE-LOAD-BALANCER-SOURCE-CIDR", SetType::HashIpPortNet),
            0,
            "Name: KUBE-LOAD-BALANCER-SOURCE-CIDR\nType: hash:ip,port,net\nRevision: 8\nHeader: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x640dddaf\nSize in memory: 464\nReferences: 0\nNumber of entries: 0\nMembers:\n",
        ),
        (
            commented,
            0,
            "Name: test\nType: hash:ip\nRevision: 6\nHeader: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xafd071e5 comment\nSize in memory: 240\nReferences: 0\nNumber of entries: 1\nMembers:\n10.0.0.1 comment \"web\"\n",
        ),
    ];
    for (set, refs, want) in cases {
        assert_eq!(set.list(refs), want);
    }
}

#[test]
fn sets_of_a_node() {
    let mut sets = IpSets::new();
    sets.create("KUBE-LOOP-BACK", SetType::HashIpPortIp).unwrap();
    sets.create("KUBE-IPVS-IPS", SetType::HashIp).unwrap().add(Member::Ip(ip("10.96.0.1")), None).unwrap();
    assert!(sets.create("KUBE-IPVS-IPS", SetType::HashIp).is_ok(), "-exist");
    assert_eq!(
        sets.create("KUBE-IPVS-IPS", SetType::BitmapPort).err().as_deref(),
        Some("ipset v7.17: Set cannot be created: set with the same name already exists")
    );
    sets.count_references(
        "*filter\n-A KUBE-IPVS-FILTER -m set --match-set KUBE-IPVS-IPS dst -j REJECT\n-A X -m set --match-set KUBE-IPVS-IPSX dst -j RETURN\n# --match-set KUBE-IPVS-IPS\nCOMMIT\n",
    );
    assert_eq!((sets.references("KUBE-IPVS-IPS"), sets.references("KUBE-LOOP-BACK")), (1, 0));
    let t = Tuple { proto: 6, src: ip("10.244.1.5"), dst: ip("10.96.0.1"), sport: 1, dport: 22 };
    assert!(sets.contains("KUBE-IPVS-IPS", &[Dst], &t));
    assert!(!sets.contains("KUBE-NOPE", &[Dst], &t));
    let all = sets.list(None).unwrap();
    assert!(all.starts_with("Name: KUBE-LOOP-BACK\n"), "{all}");
    assert!(all.contains("Members:\n\nName: KUBE-IPVS-IPS\n"), "a blank line between sets: {all}");
    assert!(all.ends_with("References: 1\nNumber of entries: 1\nMembers:\n10.96.0.1\n"), "{all}");
    assert_eq!(sets.list(Some("KUBE-NOPE")), Err("ipset v7.17: The set with the given name does not exist".to_string()));
}
