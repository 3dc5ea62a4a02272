//! Truth tables in the style of the upstream e2e tests: every pod to every pod over one port, for
//! one policy set at a time. Rows are sources, columns destinations, in the order
//! `x/a x/b x/c y/a y/b`; `1` allowed, `0` denied. A pod always reaches itself (loopback).

use super::test_support::{matrix, policies};
use super::Proto;

const ALL: [&str; 5] = ["x/a: 11111", "x/b: 11111", "x/c: 11111", "y/a: 11111", "y/b: 11111"];
/// Only `x/a` is protected and everyone but itself is denied.
const ONLY_XA_DENIED: [&str; 5] = ["x/a: 11111", "x/b: 01111", "x/c: 01111", "y/a: 01111", "y/b: 01111"];

const DENY_INGRESS_X: &str = "
    metadata: {name: default-deny-ingress, namespace: x}
    spec: {podSelector: {}}
";
const DENY_EGRESS_X: &str = "
    metadata: {name: default-deny-egress, namespace: x}
    spec: {podSelector: {}, policyTypes: [Egress]}
";
const ALLOW_FROM_B: &str = "
    metadata: {name: allow-from-b, namespace: x}
    spec:
      podSelector: {matchLabels: {app: a}}
      ingress: [{from: [{podSelector: {matchLabels: {app: b}}}]}]
";
const NS_AND_POD: &str = "
    metadata: {name: ns-and-pod, namespace: x}
    spec:
      podSelector: {matchLabels: {app: a}}
      ingress:
      - from:
        - namespaceSelector:
            matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [y]}]
          podSelector: {matchLabels: {app: b}}
";
const NS_OR_POD: &str = "
    metadata: {name: ns-or-pod, namespace: x}
    spec:
      podSelector: {matchLabels: {app: a}}
      ingress:
      - from:
        - namespaceSelector:
            matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [y]}]
        - podSelector: {matchLabels: {app: b}}
";
const IP_BLOCK: &str = "
    metadata: {name: ip-block, namespace: x}
    spec:
      podSelector: {matchLabels: {app: a}}
      ingress: [{from: [{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.2.0/24]}}]}]
";
const NAMED_PORT: &str = "
    metadata: {name: named-port, namespace: x}
    spec:
      podSelector: {matchLabels: {app: a}}
      ingress: [{ports: [{port: serve-81-tcp}]}]
";
const PORT_RANGE: &str = "
    metadata: {name: port-range, namespace: x}
    spec:
      podSelector: {matchLabels: {app: a}}
      ingress: [{ports: [{protocol: TCP, port: 80, endPort: 81}]}]
";
const DNS_ONLY_X: &str = "
    metadata: {name: dns-only, namespace: x}
    spec:
      podSelector: {}
      policyTypes: [Egress]
      egress: [{ports: [{protocol: UDP, port: 53}]}]
";
const DNS_TO_Y_ONLY_X: &str = "
    metadata: {name: dns-to-y, namespace: x}
    spec:
      podSelector: {}
      policyTypes: [Egress]
      egress:
      - to: [{namespaceSelector: {matchLabels: {team: y}}}]
        ports: [{protocol: UDP, port: 53}]
";
const ALLOW_FROM_TEAM_Y: &str = "
    metadata: {name: allow-from-team-y, namespace: x}
    spec:
      podSelector: {matchLabels: {app: a}}
      ingress: [{from: [{namespaceSelector: {matchLabels: {team: y}}}]}]
";
const X_FROM_Y: &str = "
    metadata: {name: from-y, namespace: x}
    spec:
      podSelector: {}
      ingress: [{from: [{namespaceSelector: {matchLabels: {team: y}}}]}]
";
const YB_EGRESS_TO_A: &str = "
    metadata: {name: b-to-a, namespace: y}
    spec:
      podSelector: {matchLabels: {app: b}}
      policyTypes: [Egress]
      egress: [{to: [{podSelector: {matchLabels: {app: a}}}]}]
";

/// Joins policy texts into one multi-document text.
fn docs(parts: &[&str]) -> String {
    parts.join("\n---\n")
}

#[track_caller]
fn check(yaml: &str, proto: Proto, port: u16, expect: &[&str]) {
    let got = matrix(&policies(yaml), proto, port);
    assert_eq!(got, expect, "{proto}/{port} under:\n{yaml}");
}

#[test]
fn truth_tables() {
    let cases: Vec<(String, Proto, u16, [&str; 5])> = vec![
        // No policies: everything is allowed.
        (String::new(), Proto::Tcp, 80, ALL),
        // Default deny ingress in x: nothing reaches x's pods (except each itself).
        (DENY_INGRESS_X.into(), Proto::Tcp, 80, ["x/a: 10011", "x/b: 01011", "x/c: 00111", "y/a: 00011", "y/b: 00011"]),
        (DENY_INGRESS_X.into(), Proto::Udp, 53, ["x/a: 10011", "x/b: 01011", "x/c: 00111", "y/a: 00011", "y/b: 00011"]),
        // Default deny egress in x: x's pods reach nothing; others are unaffected.
        (DENY_EGRESS_X.into(), Proto::Tcp, 80, ["x/a: 10000", "x/b: 01000", "x/c: 00100", "y/a: 11111", "y/b: 11111"]),
        // podSelector only: pods of the policy's namespace. y/b has app=b but is elsewhere.
        (
            docs(&[DENY_INGRESS_X, ALLOW_FROM_B]),
            Proto::Tcp,
            80,
            ["x/a: 10011", "x/b: 11011", "x/c: 00111", "y/a: 00011", "y/b: 00011"],
        ),
        // namespaceSelector AND podSelector in one peer: only y/b reaches x/a.
        (NS_AND_POD.into(), Proto::Tcp, 80, ["x/a: 11111", "x/b: 01111", "x/c: 01111", "y/a: 01111", "y/b: 11111"]),
        // The same selectors as two peers (OR): all of y, and x/b, reach x/a; x/c does not.
        (NS_OR_POD.into(), Proto::Tcp, 80, ["x/a: 11111", "x/b: 11111", "x/c: 01111", "y/a: 11111", "y/b: 11111"]),
        // ipBlock 10.244.0.0/16 except 10.244.2.0/24: x's pods yes, y's pods (10.244.2.x) no.
        (IP_BLOCK.into(), Proto::Tcp, 80, ["x/a: 11111", "x/b: 11111", "x/c: 11111", "y/a: 01111", "y/b: 01111"]),
        // A named port resolves to x/a's 81/TCP only.
        (NAMED_PORT.into(), Proto::Tcp, 81, ALL),
        (NAMED_PORT.into(), Proto::Tcp, 80, ONLY_XA_DENIED),
        (NAMED_PORT.into(), Proto::Udp, 81, ONLY_XA_DENIED),
        // endPort: 80-81/TCP inclusive.
        (PORT_RANGE.into(), Proto::Tcp, 80, ALL),
        (PORT_RANGE.into(), Proto::Tcp, 81, ALL),
        (PORT_RANGE.into(), Proto::Tcp, 79, ONLY_XA_DENIED),
        (PORT_RANGE.into(), Proto::Tcp, 82, ONLY_XA_DENIED),
        (PORT_RANGE.into(), Proto::Udp, 80, ONLY_XA_DENIED),
        // Egress only to UDP 53 (anywhere): DNS works, nothing else does.
        (DNS_ONLY_X.into(), Proto::Udp, 53, ALL),
        (DNS_ONLY_X.into(), Proto::Tcp, 53, ["x/a: 10000", "x/b: 01000", "x/c: 00100", "y/a: 11111", "y/b: 11111"]),
        (DNS_ONLY_X.into(), Proto::Tcp, 80, ["x/a: 10000", "x/b: 01000", "x/c: 00100", "y/a: 11111", "y/b: 11111"]),
        // Egress to UDP 53 in namespaces labelled team=y only.
        (
            DNS_TO_Y_ONLY_X.into(),
            Proto::Udp,
            53,
            ["x/a: 10011", "x/b: 01011", "x/c: 00111", "y/a: 11111", "y/b: 11111"],
        ),
        // Policies add up: deny all, allow from x/b, allow from team=y.
        (
            docs(&[DENY_INGRESS_X, ALLOW_FROM_B, ALLOW_FROM_TEAM_Y]),
            Proto::Tcp,
            80,
            ["x/a: 10011", "x/b: 11011", "x/c: 00111", "y/a: 10011", "y/b: 10011"],
        ),
        // Both ends must agree: x accepts y, but y/b may only send to app=a pods of y.
        (
            docs(&[X_FROM_Y, YB_EGRESS_TO_A]),
            Proto::Tcp,
            80,
            ["x/a: 10011", "x/b: 01011", "x/c: 00111", "y/a: 11111", "y/b: 00011"],
        ),
    ];
    for (yaml, proto, port, expect) in &cases {
        check(yaml, *proto, *port, expect);
    }
}
