//! The building blocks, rule by rule: policyTypes defaults, pod selection with matchLabels and
//! matchExpressions, peers, ipBlocks and port entries.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use k8s_openapi::api::networking::v1::{IPBlock, NetworkPolicyPeer, NetworkPolicyPort};

use super::peer::{ip_block_contains, peer_matches, port_matches};
use super::test_support::{namespaces, pods, policies};
use super::{labels_from_map, namespace_labels, policy_directions, selects, Peer, Proto};

#[test]
fn policy_types_default() {
    let cases = [
        ("{podSelector: {}}", (true, false)),
        ("{podSelector: {}, ingress: [{}]}", (true, false)),
        ("{podSelector: {}, egress: []}", (true, false)),
        ("{podSelector: {}, egress: [{}]}", (true, true)),
        ("{podSelector: {}, policyTypes: [Egress]}", (false, true)),
        ("{podSelector: {}, policyTypes: [Egress], ingress: [{}]}", (false, true)),
        ("{podSelector: {}, policyTypes: [Ingress, Egress]}", (true, true)),
        ("{podSelector: {}, policyTypes: []}", (true, false)),
    ];
    for (spec, want) in cases {
        let p = &policies(&format!("metadata: {{name: p, namespace: x}}\nspec: {spec}"))[0];
        assert_eq!(policy_directions(p), want, "{spec}");
    }
}

#[test]
fn pod_selectors() {
    // Pods: x/a x/b x/c y/a y/b; labels app=<name>. The policy lives in x.
    let cases = [
        ("{}", "111--"),
        ("{matchLabels: {app: a}}", "100--"),
        ("{matchExpressions: [{key: app, operator: In, values: [a, c]}]}", "101--"),
        ("{matchExpressions: [{key: app, operator: NotIn, values: [a]}]}", "011--"),
        ("{matchExpressions: [{key: app, operator: Exists}]}", "111--"),
        ("{matchExpressions: [{key: tier, operator: DoesNotExist}]}", "111--"),
        ("{matchExpressions: [{key: tier, operator: Exists}]}", "000--"),
        ("{matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}", "111--"),
        ("{matchLabels: {app: a}, matchExpressions: [{key: app, operator: In, values: [b]}]}", "000--"),
        // An operator the API does not know converts to nothing, so it selects nothing.
        ("{matchExpressions: [{key: app, operator: Equals, values: [a]}]}", "000--"),
    ];
    for (sel, want) in cases {
        let p = &policies(&format!("metadata: {{name: p, namespace: x}}\nspec: {{podSelector: {sel}}}"))[0];
        let got: String = pods()
            .iter()
            .map(|pod| match (pod.namespace, selects(p, &pod.info())) {
                ("y", _) => '-',
                (_, true) => '1',
                (_, false) => '0',
            })
            .collect();
        assert_eq!(got, want, "{sel}");
    }
}

fn peer(yaml: &str) -> NetworkPolicyPeer {
    serde_norway::from_str(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"))
}

#[test]
fn peers() {
    // The rule is in a policy of namespace x; columns x/a x/b x/c y/a y/b, then 192.168.1.1.
    let cases = [
        ("{podSelector: {}}", "111000"),
        ("{podSelector: {matchLabels: {app: b}}}", "010000"),
        ("{namespaceSelector: {}}", "111110"),
        ("{namespaceSelector: {matchLabels: {team: y}}}", "000110"),
        ("{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: x}}}", "111000"),
        ("{namespaceSelector: {matchLabels: {team: y}}, podSelector: {matchLabels: {app: b}}}", "000010"),
        ("{namespaceSelector: {}, podSelector: {matchLabels: {app: a}}}", "100100"),
        ("{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.1.0/24]}}", "000110"),
        ("{ipBlock: {cidr: 192.168.1.1/32}}", "000001"),
        ("{ipBlock: {cidr: 0.0.0.0/0, except: [10.244.1.2/32, 10.244.2.0/24]}}", "101001"),
        ("{}", "000000"),
    ];
    let ns = namespaces();
    let lookup = labels_from_map(&ns);
    for (yaml, want) in cases {
        let entry = peer(yaml);
        let pods = pods();
        let mut peers: Vec<Peer> = pods.iter().map(|p| Peer::Pod(p.info())).collect();
        peers.push(Peer::External(Ipv4Addr::new(192, 168, 1, 1)));
        let got: String = peers.iter().map(|p| if peer_matches(&entry, "x", p, &lookup) { '1' } else { '0' }).collect();
        assert_eq!(got, want, "{yaml}");
    }
}

#[test]
fn namespace_name_label_is_supplied() {
    let none = |_: &str| None;
    let want = BTreeMap::from([("kubernetes.io/metadata.name".to_string(), "shop".to_string())]);
    assert_eq!(namespace_labels(&none, "shop"), want);
    let ns = namespaces();
    let got = namespace_labels(&labels_from_map(&ns), "y");
    assert_eq!(got.get("team").map(String::as_str), Some("y"));
    assert_eq!(got.get("kubernetes.io/metadata.name").map(String::as_str), Some("y"));
}

#[test]
fn ip_blocks() {
    let cases = [
        ("10.0.0.0/8", &[][..], "10.1.2.3", true),
        ("10.0.0.0/8", &[][..], "11.0.0.1", false),
        ("10.0.0.0/8", &["10.1.0.0/16"][..], "10.1.2.3", false),
        ("10.0.0.0/8", &["10.1.0.0/16"][..], "10.2.0.1", true),
        ("10.1.2.3/8", &[][..], "10.200.0.1", true),
        ("0.0.0.0/0", &[][..], "203.0.113.9", true),
        ("not-a-cidr", &[][..], "10.0.0.1", false),
        ("fd00::/8", &[][..], "10.0.0.1", false),
    ];
    for (cidr, except, ip, want) in cases {
        let block = IPBlock { cidr: cidr.to_string(), except: Some(except.iter().map(|s| s.to_string()).collect()) };
        let ip: Ipv4Addr = ip.parse().expect("test IP");
        assert_eq!(ip_block_contains(&block, ip), want, "{cidr} except {except:?} ∋ {ip}");
    }
}

#[test]
fn port_entries() {
    let pods = pods();
    let pod = Peer::Pod(pods[0].info());
    let outside = Peer::External(Ipv4Addr::new(8, 8, 8, 8));
    let cases: Vec<(&str, Proto, u16, bool, bool)> = vec![
        // entry, proto, port, matches against the pod, against an outside address
        ("{port: 80}", Proto::Tcp, 80, true, true),
        ("{port: 80}", Proto::Udp, 80, false, false),
        ("{protocol: UDP, port: 53}", Proto::Udp, 53, true, true),
        ("{protocol: SCTP}", Proto::Sctp, 9999, true, true),
        ("{protocol: TCP}", Proto::Udp, 53, false, false),
        ("{}", Proto::Tcp, 1, true, true),
        ("{port: 32000, endPort: 32768}", Proto::Tcp, 32768, true, true),
        ("{port: 32000, endPort: 32768}", Proto::Tcp, 31999, false, false),
        ("{port: serve-80-tcp}", Proto::Tcp, 80, true, false),
        ("{port: serve-80-tcp}", Proto::Tcp, 81, false, false),
        ("{protocol: UDP, port: serve-53-udp}", Proto::Udp, 53, true, false),
        ("{port: serve-53-udp}", Proto::Tcp, 53, false, false),
        ("{protocol: UDP, port: serve-80-tcp}", Proto::Udp, 80, false, false),
        ("{port: no-such-port}", Proto::Tcp, 80, false, false),
    ];
    for (yaml, proto, port, on_pod, on_outside) in cases {
        let entry: NetworkPolicyPort = serde_norway::from_str(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
        assert_eq!(port_matches(&entry, proto, port, &pod), on_pod, "{yaml} {proto}/{port} to a pod");
        assert_eq!(port_matches(&entry, proto, port, &outside), on_outside, "{yaml} {proto}/{port} outside");
    }
}
