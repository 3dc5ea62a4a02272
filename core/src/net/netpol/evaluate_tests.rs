//! `evaluate` beyond the truth tables: the verdicts' details, the sentences, peers that are not
//! pods, and which policies isolate a pod.

use std::net::Ipv4Addr;

use super::test_support::{decide, pods, policies};
use super::{isolating, Decision, Direction, Peer, Proto, RuleMatch, Verdict};

const SHOP: &str = "
    metadata: {name: default-deny, namespace: x}
    spec: {podSelector: {}, policyTypes: [Ingress]}
    ---
    metadata: {name: db-allow, namespace: x}
    spec:
      podSelector: {matchLabels: {app: a}}
      ingress:
      - from: [{podSelector: {matchLabels: {app: c}}}]
        ports: [{port: 443}]
      - from:
        - ipBlock: {cidr: 192.168.0.0/16}
        - podSelector: {matchLabels: {app: b}}
        ports: [{port: 8080}, {protocol: TCP, port: 80}]
    ---
    metadata: {name: dns, namespace: y}
    spec:
      podSelector: {}
      policyTypes: [Egress]
      egress: [{ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: serve-80-tcp}]}]
";

fn ext(ip: [u8; 4]) -> Peer<'static> {
    Peer::External(Ipv4Addr::from(ip))
}

#[test]
fn verdicts_name_the_rule_peer_and_port() {
    let pols = policies(SHOP);
    let pods = pods();
    let (xa, xb, xc, ya) = (pods[0].info(), pods[1].info(), pods[2].info(), pods[3].info());
    let rule = |rule, peer, port| {
        Verdict::Allowed(RuleMatch { policy: "x/db-allow".into(), direction: Direction::Ingress, rule, peer, port })
    };
    let denied = |by: &[&str]| Verdict::Denied { isolated_by: by.iter().map(|s| s.to_string()).collect() };
    let cases: Vec<(Peer, Peer, Proto, u16, Verdict, Verdict)> = vec![
        (Peer::Pod(xb), Peer::Pod(xa), Proto::Tcp, 80, Verdict::NotIsolated, rule(1, Some(1), Some(1))),
        (Peer::Pod(xc), Peer::Pod(xa), Proto::Tcp, 443, Verdict::NotIsolated, rule(0, Some(0), Some(0))),
        (Peer::Pod(xc), Peer::Pod(xa), Proto::Tcp, 80, Verdict::NotIsolated, denied(&["x/db-allow", "x/default-deny"])),
        (ext([192, 168, 7, 1]), Peer::Pod(xa), Proto::Tcp, 8080, Verdict::NotAPod, rule(1, Some(0), Some(0))),
        (
            ext([192, 169, 7, 1]),
            Peer::Pod(xa),
            Proto::Tcp,
            8080,
            Verdict::NotAPod,
            denied(&["x/db-allow", "x/default-deny"]),
        ),
        (ext([192, 168, 7, 1]), Peer::Pod(xb), Proto::Tcp, 8080, Verdict::NotAPod, denied(&["x/default-deny"])),
        (Peer::Pod(xa), ext([8, 8, 8, 8]), Proto::Tcp, 80, Verdict::NotIsolated, Verdict::NotAPod),
        (Peer::Pod(xa), Peer::Pod(xa), Proto::Tcp, 9, Verdict::SamePod, Verdict::SamePod),
        // Egress from y: UDP 53 anywhere; TCP serve-80-tcp only to pods that name it.
        (Peer::Pod(ya), ext([10, 96, 0, 10]), Proto::Udp, 53, egress_rule(Some(0)), Verdict::NotAPod),
        (Peer::Pod(ya), Peer::Pod(xb), Proto::Tcp, 80, egress_rule(Some(1)), denied(&["x/default-deny"])),
        (Peer::Pod(ya), ext([1, 1, 1, 1]), Proto::Tcp, 80, denied(&["y/dns"]), Verdict::NotAPod),
        (Peer::Pod(ya), ext([10, 96, 0, 10]), Proto::Tcp, 53, denied(&["y/dns"]), Verdict::NotAPod),
    ];
    for (src, dst, proto, port, egress, ingress) in cases {
        let d = decide(&pols, &src, &dst, proto, port);
        assert_eq!((&d.egress, &d.ingress), (&egress, &ingress), "{} → {} {proto}/{port}", src.ip(), dst.ip());
        assert_eq!(d.allowed(), egress.allowed() && ingress.allowed());
    }
}

fn egress_rule(port: Option<usize>) -> Verdict {
    Verdict::Allowed(RuleMatch { policy: "y/dns".into(), direction: Direction::Egress, rule: 0, peer: None, port })
}

#[test]
fn decision_texts() {
    let pols = policies(SHOP);
    let pods = pods();
    let (xa, xb, xc, ya) = (pods[0].info(), pods[1].info(), pods[2].info(), pods[3].info());
    let text = |src: Peer, dst: Peer, proto, port| decide(&pols, &src, &dst, proto, port).text();
    let cases: Vec<(String, &str)> = vec![
        (
            text(Peer::Pod(xb), Peer::Pod(xa), Proto::Tcp, 80),
            "no NetworkPolicy isolates pod x/b for egress; NetworkPolicy x/db-allow ingress rule 2 allows 10.244.1.2 → TCP/80",
        ),
        (
            text(Peer::Pod(xc), Peer::Pod(xa), Proto::Tcp, 80),
            "pod x/a is isolated for ingress by NetworkPolicies x/db-allow, x/default-deny; \
             no rule allows 10.244.1.3 → TCP/80",
        ),
        (
            text(ext([192, 168, 7, 1]), Peer::Pod(xb), Proto::Tcp, 5432),
            "pod x/b is isolated for ingress by NetworkPolicy x/default-deny; no rule allows 192.168.7.1 → TCP/5432",
        ),
        (
            text(Peer::Pod(ya), ext([10, 96, 0, 10]), Proto::Udp, 53),
            "NetworkPolicy y/dns egress rule 1 allows → 10.96.0.10 UDP/53",
        ),
        (
            text(Peer::Pod(ya), ext([1, 1, 1, 1]), Proto::Tcp, 443),
            "pod y/a is isolated for egress by NetworkPolicy y/dns; no rule allows → 1.1.1.1 TCP/443",
        ),
        (
            text(Peer::Pod(xa), Peer::Pod(xa), Proto::Tcp, 80),
            "pod x/a sends to its own IP; the packet stays on its lo and no NetworkPolicy applies",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
    // Egress is named first when both ends deny.
    let both = decide(&pols, &Peer::Pod(ya), &Peer::Pod(xc), Proto::Tcp, 22);
    assert!(!both.egress.allowed() && !both.ingress.allowed());
    assert!(both.text().starts_with("pod y/a is isolated for egress"), "{}", both.text());
    assert_eq!(
        both.direction_text(Direction::Ingress).as_deref(),
        Some("pod x/c is isolated for ingress by NetworkPolicy x/default-deny; no rule allows 10.244.2.1 → TCP/22")
    );
}

#[test]
fn isolating_lists_sorted_policy_names() {
    let pols = policies(SHOP);
    let refs: Vec<_> = pols.iter().collect();
    let pods = pods();
    let cases: Vec<(usize, Direction, Vec<&str>)> = vec![
        (0, Direction::Ingress, vec!["x/db-allow", "x/default-deny"]),
        (0, Direction::Egress, vec![]),
        (1, Direction::Ingress, vec!["x/default-deny"]),
        (3, Direction::Ingress, vec![]),
        (3, Direction::Egress, vec!["y/dns"]),
        (4, Direction::Egress, vec!["y/dns"]),
    ];
    for (pod, direction, want) in cases {
        assert_eq!(isolating(&refs, &pods[pod].info(), direction), want, "{} {direction:?}", pods[pod].info().key());
    }
}

#[test]
fn policies_in_other_namespaces_do_not_apply() {
    // A policy in y with an empty podSelector says nothing about x's pods.
    let pols = policies("metadata: {name: deny, namespace: y}\nspec: {podSelector: {}}");
    let pods = pods();
    let d: Decision = decide(&pols, &Peer::Pod(pods[3].info()), &Peer::Pod(pods[0].info()), Proto::Tcp, 80);
    assert_eq!(d.ingress, Verdict::NotIsolated);
    let d = decide(&pols, &Peer::Pod(pods[0].info()), &Peer::Pod(pods[3].info()), Proto::Tcp, 80);
    assert_eq!(d.ingress, Verdict::Denied { isolated_by: vec!["y/deny".into()] });
}
