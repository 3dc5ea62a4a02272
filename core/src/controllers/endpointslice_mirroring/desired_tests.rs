//! The conversion rules: Endpoints subsets to desired slices.

use k8s_openapi::api::core::v1::Endpoints;
use serde_json::json;

use super::*;

fn endpoints_of(subsets: serde_json::Value) -> Endpoints {
    serde_json::from_value(json!({"metadata": {"name": "db", "namespace": "default"}, "subsets": subsets})).expect("an Endpoints")
}

/// Each non-empty set as `family ports | endpoints`.
fn summary(d: &Desired) -> Vec<String> {
    d.sets
        .iter()
        .filter(|(_, s)| !s.endpoints().is_empty())
        .map(|((family, _), s)| {
            let ports: Vec<String> = s
                .ports
                .iter()
                .map(|p| {
                    let app = p.app_protocol.as_deref().map(|a| format!("({a})")).unwrap_or_default();
                    format!("{}:{}/{}{app}", p.name.as_deref().unwrap_or("?"), p.port.unwrap_or(0), p.protocol.as_deref().unwrap_or("?"))
                })
                .collect();
            let eps: Vec<String> = s
                .endpoints()
                .iter()
                .map(|e| {
                    let mut t = format!("{} {}", e.addresses.join(","), if e.conditions.as_ref().and_then(|c| c.ready) == Some(true) { "ready" } else { "not-ready" });
                    if let Some(h) = &e.hostname {
                        t += &format!(" host={h}");
                    }
                    if let Some(n) = &e.node_name {
                        t += &format!(" node={n}");
                    }
                    if let Some(r) = &e.target_ref {
                        t += &format!(" ref={}/{}/{}", r.kind.as_deref().unwrap_or(""), r.name.as_deref().unwrap_or(""), r.uid.as_deref().unwrap_or(""));
                    }
                    t
                })
                .collect();
            format!("{family} {} | {}", ports.join(","), eps.join("; "))
        })
        .collect()
}

#[test]
fn endpoints_convert_to_one_set_per_port_set_and_family() {
    let p5432 = json!([{"port": 5432, "protocol": "TCP"}]);
    let cases: Vec<(&str, serde_json::Value, Vec<&str>, usize)> = vec![
        (
            "ready and not ready",
            json!([{"addresses": [{"ip": "10.0.0.2"}], "notReadyAddresses": [{"ip": "10.0.0.3"}], "ports": p5432}]),
            vec!["IPv4 :5432/TCP | 10.0.0.2 ready; 10.0.0.3 not-ready"],
            0,
        ),
        (
            "hostname, nodeName and targetRef are kept",
            json!([{"addresses": [{"ip": "10.0.0.2", "hostname": "db-0", "nodeName": "node-1", "targetRef": {"kind": "Pod", "name": "db-0", "uid": "u-1"}}], "ports": p5432}]),
            vec!["IPv4 :5432/TCP | 10.0.0.2 ready host=db-0 node=node-1 ref=Pod/db-0/u-1"],
            0,
        ),
        (
            "subsets with the same ports merge",
            json!([{"addresses": [{"ip": "10.0.0.3"}], "ports": p5432}, {"addresses": [{"ip": "10.0.0.2"}], "ports": p5432}]),
            vec!["IPv4 :5432/TCP | 10.0.0.2 ready; 10.0.0.3 ready"],
            0,
        ),
        (
            "subsets with different ports stay apart; names, UDP and appProtocol mirrored",
            json!([
                {"addresses": [{"ip": "10.0.0.2"}], "ports": [{"name": "sql", "port": 5432, "protocol": "TCP", "appProtocol": "postgresql"}]},
                {"addresses": [{"ip": "10.0.0.3"}], "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]}
            ]),
            vec!["IPv4 dns:53/UDP | 10.0.0.3 ready", "IPv4 sql:5432/TCP(postgresql) | 10.0.0.2 ready"],
            0,
        ),
        (
            "not ready for one subset is not ready",
            json!([{"addresses": [{"ip": "10.0.0.2"}], "ports": p5432}, {"notReadyAddresses": [{"ip": "10.0.0.2"}], "ports": p5432}]),
            vec!["IPv4 :5432/TCP | 10.0.0.2 not-ready"],
            0,
        ),
        (
            "IPv6 addresses go to an IPv6 set, IPv4-mapped ones to IPv4",
            json!([{"addresses": [{"ip": "fd00::0a"}, {"ip": "::ffff:10.0.0.9"}, {"ip": "10.0.0.2"}], "ports": p5432}]),
            vec!["IPv4 :5432/TCP | 10.0.0.2 ready; 10.0.0.9 ready", "IPv6 :5432/TCP | fd00::a ready"],
            0,
        ),
        (
            "leading zeros are read as decimal; what is no IP is skipped",
            json!([{"addresses": [{"ip": "010.000.000.020"}, {"ip": "db.example.com"}], "ports": p5432}]),
            vec!["IPv4 :5432/TCP | 10.0.0.20 ready"],
            1,
        ),
        ("a subset without ports mirrors without ports", json!([{"addresses": [{"ip": "10.0.0.2"}]}]), vec!["IPv4  | 10.0.0.2 ready"], 0),
        ("no subsets, no sets", json!([]), vec![], 0),
    ];
    for (name, subsets, want, invalid) in cases {
        let d = desired(&endpoints_of(subsets));
        assert_eq!(summary(&d), want, "{name}");
        assert_eq!((d.invalid, d.skipped), (invalid, invalid), "{name}");
    }
}

#[test]
fn at_most_a_thousand_addresses_a_subset_ready_ones_first() {
    let ip = |i: usize| json!({"ip": format!("10.1.{}.{}", i / 200, i % 200 + 1)});
    let ready: Vec<_> = (0..990).map(ip).collect();
    let not_ready: Vec<_> = (990..1010).map(ip).collect();
    let other: Vec<_> = (2000..2005).map(ip).collect();
    let d = desired(&endpoints_of(json!([
        {"addresses": ready, "notReadyAddresses": not_ready, "ports": [{"port": 80, "protocol": "TCP"}]},
        {"addresses": other, "ports": [{"port": 81, "protocol": "TCP"}]}
    ])));
    let sizes: Vec<(usize, usize)> = d
        .sets
        .values()
        .filter(|s| !s.endpoints().is_empty())
        .map(|s| {
            let eps = s.endpoints();
            (eps.len(), eps.iter().filter(|e| e.conditions.as_ref().and_then(|c| c.ready) == Some(true)).count())
        })
        .collect();
    assert_eq!(sizes, [(1000, 990), (5, 5)]);
    assert_eq!((d.invalid, d.skipped), (0, 10));
}
