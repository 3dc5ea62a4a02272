//! kubelet's resolv.conf for each dnsPolicy, dnsConfig merging, limits and their warnings.

use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use super::resolv_conf::{for_pod, ResolvConf};

const DNS: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 10);

fn node() -> ResolvConf {
    ResolvConf::parse("nameserver 192.168.1.1\nsearch corp.example\noptions edns0\n").expect("node file")
}

fn pod(spec: serde_json::Value) -> Pod {
    let mut spec = spec;
    spec["containers"] = json!([{"name": "app", "image": "nginx"}]);
    serde_json::from_value(json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": spec})).expect("pod")
}

fn check(spec: serde_json::Value, expect: &str) {
    let (conf, warnings) = for_pod(&pod(spec.clone()), "cluster.local", &[DNS], &node());
    assert_eq!(conf.text(), expect, "spec {spec}");
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn each_policy_gives_the_file_kubelet_decides() {
    let cluster = "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n";
    let host = "search corp.example\nnameserver 192.168.1.1\noptions edns0\n";
    let cases = [
        (json!({}), cluster),
        (json!({"dnsPolicy": "ClusterFirst"}), cluster),
        (json!({"dnsPolicy": "ClusterFirst", "hostNetwork": true}), host),
        (json!({"dnsPolicy": "ClusterFirstWithHostNet", "hostNetwork": true}), cluster),
        (json!({"dnsPolicy": "ClusterFirstWithHostNet"}), cluster),
        (json!({"dnsPolicy": "Default"}), host),
        (json!({"dnsPolicy": "None", "dnsConfig": {"nameservers": ["1.1.1.1"]}}), "nameserver 1.1.1.1\n"),
        (
            json!({"dnsPolicy": "None", "dnsConfig": {"nameservers": ["1.1.1.1", "1.1.1.1"], "searches": ["a.example", "a.example"], "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]}}),
            "search a.example\nnameserver 1.1.1.1\noptions edns0 ndots:2\n",
        ),
        (
            json!({"dnsConfig": {"nameservers": ["10.96.0.10", "8.8.8.8"], "searches": ["corp.example", "extra.example"], "options": [{"name": "ndots", "value": "2"}, {"name": "single-request-reopen"}]}}),
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example extra.example\nnameserver 10.96.0.10\nnameserver 8.8.8.8\noptions ndots:2 single-request-reopen\n",
        ),
        (
            json!({"dnsPolicy": "Default", "dnsConfig": {"options": [{"name": "edns0"}, {"name": "timeout", "value": "1"}]}}),
            "search corp.example\nnameserver 192.168.1.1\noptions edns0 timeout:1\n",
        ),
    ];
    for (spec, expect) in cases {
        check(spec, expect);
    }
}

#[test]
fn fidelity_example_is_exact() {
    let node = ResolvConf::parse("search corp.example\nnameserver 192.168.1.1\n").unwrap();
    let (conf, _) = for_pod(&pod(json!({})), "cluster.local", &[DNS], &node);
    assert_eq!(conf.text(), "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n");
}

#[test]
fn empty_cluster_domain_uses_only_the_node_search_list_and_no_cluster_dns_falls_back() {
    let (conf, _) = for_pod(&pod(json!({})), "", &[DNS], &node());
    assert_eq!(conf.search, vec!["corp.example"]);
    assert_eq!(conf.nameservers, vec![DNS]);
    let (conf, _) = for_pod(&pod(json!({})), "cluster.local", &[], &node());
    assert_eq!(conf, node());
}

#[test]
fn duplicates_between_cluster_and_node_search_are_removed() {
    let node = ResolvConf::parse("search cluster.local corp.example.\nnameserver 192.168.1.1\n").unwrap();
    let (conf, _) = for_pod(&pod(json!({})), "cluster.local", &[DNS], &node);
    assert_eq!(conf.search, vec!["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"]);
}

#[test]
fn too_many_nameservers_are_cut_with_the_kubelet_warning() {
    let spec = json!({"dnsConfig": {"nameservers": ["1.1.1.1", "8.8.8.8", "9.9.9.9"]}});
    let (conf, warnings) = for_pod(&pod(spec), "cluster.local", &[DNS], &node());
    assert_eq!(conf.nameservers.len(), 3);
    assert_eq!(
        warnings,
        vec!["Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 1.1.1.1 8.8.8.8"]
    );
}

#[test]
fn search_limits_cut_entries_and_characters_with_the_kubelet_warning() {
    let many: Vec<String> = (0..40).map(|i| format!("d{i}.example")).collect();
    let (conf, warnings) = for_pod(&pod(json!({"dnsPolicy": "None", "dnsConfig": {"searches": many}})), "cluster.local", &[DNS], &node());
    assert_eq!(conf.search.len(), 32);
    assert_eq!(conf.search.last().map(String::as_str), Some("d31.example"));
    let line = conf.search.join(" ");
    assert_eq!(warnings, vec![format!("Search Line limits were exceeded, some search paths have been omitted, the applied search line is: {line}")]);

    // 10 domains of 250 characters: 2510 characters; cutting from the end until ≤ 2048 keeps 8.
    let long: Vec<String> = (0..10).map(|i| format!("{i}{}", "a".repeat(249))).collect();
    let (conf, warnings) = for_pod(&pod(json!({"dnsPolicy": "None", "dnsConfig": {"searches": long}})), "cluster.local", &[DNS], &node());
    assert_eq!(conf.search.len(), 8);
    assert_eq!(warnings.len(), 1);

    // A domain over 253 characters is dropped.
    let (conf, warnings) =
        for_pod(&pod(json!({"dnsPolicy": "None", "dnsConfig": {"searches": ["a".repeat(254), "ok.example"]}})), "cluster.local", &[DNS], &node());
    assert_eq!(conf.search, vec!["ok.example"]);
    assert!(warnings[0].ends_with("the applied search line is: ok.example"), "{warnings:?}");
}

#[test]
fn parse_reads_what_kubelet_reads() {
    let cases = [
        ("nameserver 1.1.1.1\nnameserver 2.2.2.2\n", vec![], vec!["1.1.1.1", "2.2.2.2"], vec![]),
        ("# comment\nsearch a.example b.example.\nsearch c.example .\n", vec!["c.example"], vec![], vec![]),
        ("nameserver ::1\nnameserver 8.8.8.8 ; local\n", vec![], vec!["8.8.8.8"], vec![]),
        ("options ndots:2 edns0\noptions ndots:3\n", vec![], vec![], vec!["edns0", "ndots:3"]),
        ("domain corp.example\n", vec![], vec![], vec![]),
    ];
    for (text, search, servers, options) in cases {
        let conf = ResolvConf::parse(text).unwrap();
        assert_eq!(conf.search, search, "{text:?}");
        let servers: Vec<Ipv4Addr> = servers.iter().map(|s| s.parse().unwrap()).collect();
        assert_eq!(conf.nameservers, servers, "{text:?}");
        assert_eq!(conf.options, options, "{text:?}");
    }
    assert_eq!(ResolvConf::parse("nameserver\n").unwrap_err(), "line 1: nameserver without an address");
    assert_eq!(ResolvConf::parse("nameserver dns.example\n").unwrap_err(), "line 1: invalid nameserver address \"dns.example\"");
}

#[test]
fn text_and_parse_round_trip() {
    let conf =
        ResolvConf { search: vec!["a.example".into(), "b.example".into()], nameservers: vec![DNS, Ipv4Addr::new(8, 8, 8, 8)], options: vec!["ndots:5".into()] };
    assert_eq!(conf.text(), "search a.example b.example\nnameserver 10.96.0.10\nnameserver 8.8.8.8\noptions ndots:5\n");
    assert_eq!(ResolvConf::parse(&conf.text()).unwrap(), conf);
    assert_eq!(ResolvConf::default().text(), "");
}
