//! The nginx locations ingress-nginx writes for an Ingress's paths, and refused configurations.

use k8s_openapi::api::networking::v1::Ingress;

use super::test_support::{default_backend, ingress, rule};
use super::{duplicate_locations, servers, LocationTarget};

/// The locations of server `name` as nginx.conf lists them, with what each proxies to.
fn locations(ings: &[Ingress], name: &str) -> Vec<String> {
    let refs: Vec<&Ingress> = ings.iter().collect();
    let all = servers(&refs);
    let server = all.iter().find(|s| s.name == name).expect("server");
    server
        .locations
        .iter()
        .map(|l| match &l.target {
            LocationTarget::ControllerDefault => format!("{} default", l.nginx()),
            LocationTarget::Service(b) => format!("{} {}", l.nginx(), b.service),
            LocationTarget::Status(status) => format!("{} {status}", l.nginx()),
        })
        .collect()
}

#[test]
fn locations_per_path_type() {
    let one = |path: &str, ty: &str| vec![rule(ingress("shop/web", 0), Some("h"), &[(path, ty, "s", 80)])];
    let cases: Vec<(Vec<Ingress>, Vec<&str>)> = vec![
        (one("/foo", "Prefix"), vec!["/foo/ s", "= /foo s", "/ default"]),
        (one("/foo/", "Prefix"), vec!["/foo/ s", "= /foo/ s", "/ default"]),
        (one("/foo", "ImplementationSpecific"), vec!["/foo/ s", "= /foo s", "/ default"]),
        (one("/foo", "Exact"), vec!["= /foo s", "/ default"]),
        (one("/", "Prefix"), vec!["/ s"]),
        (one("/", "Exact"), vec!["/ default", "= / s"]),
        (
            vec![rule(ingress("shop/web", 0), Some("h"), &[("/foo", "Prefix", "p", 80), ("/foo", "Exact", "e", 80)])],
            vec!["/foo/ p", "= /foo e", "/ default"],
        ),
        (
            vec![default_backend(rule(ingress("shop/web", 0), Some("h"), &[("/a/b", "Exact", "ab", 80)]), "dflt", 80)],
            vec!["= /a/b ab", "/ dflt"],
        ),
    ];
    for (ings, expect) in cases {
        assert_eq!(locations(&ings, "h"), expect);
    }
}

#[test]
fn servers_per_host() {
    let ings = [
        rule(ingress("shop/b", 1), Some("b.example"), &[("/", "Prefix", "b", 80)]),
        rule(ingress("shop/a", 0), Some("a.example"), &[("/", "Prefix", "a", 80)]),
        rule(ingress("shop/c", 2), None, &[("/c", "Exact", "c", 80)]),
        rule(ingress("shop/d", 3), Some("a.example"), &[("/d", "Exact", "d", 80)]),
    ];
    let refs: Vec<&Ingress> = ings.iter().collect();
    let names: Vec<String> = servers(&refs).into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["_", "a.example", "b.example"]);
    assert_eq!(locations(&ings, "a.example"), ["= /d d", "/ a"]);
    assert_eq!(locations(&ings, "_"), ["= /c c", "/ default", "/healthz 200", "/nginx_status 403"]);
}

#[test]
fn duplicate_locations_are_refused() {
    let cases: Vec<(Vec<Ingress>, Vec<&str>)> = vec![
        (vec![rule(ingress("shop/a", 0), Some("h"), &[("/foo", "Prefix", "a", 80)])], vec![]),
        (
            vec![
                rule(ingress("shop/a", 0), Some("h"), &[("/foo", "Prefix", "a", 80)]),
                rule(ingress("shop/b", 1), Some("h"), &[("/foo/", "Prefix", "b", 80)]),
            ],
            vec![r#"duplicate location "/foo/" in server h"#],
        ),
        // The same path and type twice is merged, not duplicated.
        (
            vec![
                rule(ingress("shop/a", 0), Some("h"), &[("/foo", "Prefix", "a", 80)]),
                rule(ingress("shop/b", 1), Some("h"), &[("/foo", "Prefix", "b", 80)]),
            ],
            vec![],
        ),
    ];
    for (ings, expect) in cases {
        let refs: Vec<&Ingress> = ings.iter().collect();
        assert_eq!(duplicate_locations(&servers(&refs)), expect);
    }
}
