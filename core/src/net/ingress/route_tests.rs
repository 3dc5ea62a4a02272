//! Routing: the path-matching examples of the Kubernetes Ingress concept page, hosts and
//! wildcards, default backends and conflicts between Ingresses.

use super::test_support::{default_backend, ingress, outcome, route, rule};
use super::{Backend, PathType, PortRef, Route};

/// `(path, pathType, service)` entries of one rule.
type Paths = &'static [(&'static str, &'static str, &'static str)];

/// One Ingress `shop/web` for host `foo.bar.com` with `paths` of `(path, pathType, service)`
/// (all on port 80); the request for `path` ends in `expect`.
fn check(paths: &[(&str, &str, &str)], path: &str, expect: &str) {
    let entries: Vec<(&str, &str, &str, i32)> = paths.iter().map(|(p, t, s)| (*p, *t, *s, 80)).collect();
    let ing = rule(ingress("shop/web", 0), Some("foo.bar.com"), &entries);
    let got = route(&[ing], "foo.bar.com", path);
    assert_eq!(outcome(&got), expect, "paths {paths:?}, request {path}: {}", got.explain());
}

#[test]
fn kubernetes_docs_examples() {
    // Every row of the "Examples" table of the Ingress concept page. ingress-nginx answers the
    // rows "Prefix /foo/, request /foo" and "Prefix /aaa/bbb/, request /aaa/bbb" with a 301 to
    // the path with its slash, which then matches; the same redirect turns the row "Exact /foo/,
    // request /foo: No" into a 301 to /foo/, which the Exact path then serves.
    let cases: &[(Paths, &str, &str)] = &[
        (&[("/", "Prefix", "root")], "/", "root:80"),
        (&[("/", "Prefix", "root")], "/foo", "root:80"),
        (&[("/", "Prefix", "root")], "/aaa/bbb/ccc", "root:80"),
        (&[("/foo", "Exact", "foo")], "/foo", "foo:80"),
        (&[("/foo", "Exact", "foo")], "/bar", "404"),
        (&[("/foo", "Exact", "foo")], "/foo/", "404"),
        (&[("/foo/", "Exact", "foo")], "/foo", "301 /foo/"),
        (&[("/foo", "Prefix", "foo")], "/foo", "foo:80"),
        (&[("/foo", "Prefix", "foo")], "/foo/", "foo:80"),
        (&[("/foo/", "Prefix", "foo")], "/foo", "301 /foo/"),
        (&[("/foo/", "Prefix", "foo")], "/foo/", "foo:80"),
        (&[("/aaa/bb", "Prefix", "bb")], "/aaa/bbb", "404"),
        (&[("/aaa/bbb", "Prefix", "bbb")], "/aaa/bbb", "bbb:80"),
        (&[("/aaa/bbb/", "Prefix", "bbb")], "/aaa/bbb", "301 /aaa/bbb/"),
        (&[("/aaa/bbb", "Prefix", "bbb")], "/aaa/bbb/", "bbb:80"),
        (&[("/aaa/bbb", "Prefix", "bbb")], "/aaa/bbb/ccc", "bbb:80"),
        (&[("/aaa/bbb", "Prefix", "bbb")], "/aaa/bbbxyz", "404"),
        (&[("/", "Prefix", "root"), ("/aaa", "Prefix", "aaa")], "/aaa/ccc", "aaa:80"),
        (&[("/", "Prefix", "root"), ("/aaa", "Prefix", "aaa"), ("/aaa/bbb", "Prefix", "bbb")], "/aaa/bbb", "bbb:80"),
        (&[("/", "Prefix", "root"), ("/aaa", "Prefix", "aaa"), ("/aaa/bbb", "Prefix", "bbb")], "/ccc", "root:80"),
        (&[("/aaa", "Prefix", "aaa")], "/ccc", "404"),
        (&[("/foo", "Prefix", "prefix"), ("/foo", "Exact", "exact")], "/foo", "exact:80"),
    ];
    for (paths, path, expect) in cases {
        check(paths, path, expect);
    }
}

#[test]
fn path_details() {
    let cases: &[(Paths, &str, &str)] = &[
        // ImplementationSpecific is Prefix in ingress-nginx: element-wise, not a string prefix.
        (&[("/foo", "ImplementationSpecific", "foo")], "/foo/bar", "foo:80"),
        (&[("/foo", "ImplementationSpecific", "foo")], "/foobar", "404"),
        (&[("/foo", "ImplementationSpecific", "foo")], "/foo", "foo:80"),
        // An empty path is `/`.
        (&[("", "ImplementationSpecific", "all")], "/anything", "all:80"),
        // The query is not part of the match, and is kept in a redirect.
        (&[("/foo", "Exact", "foo")], "/foo?a=1", "foo:80"),
        (&[("/foo/", "Prefix", "foo")], "/foo?a=1", "301 /foo/?a=1"),
        // merge_slashes.
        (&[("/foo/bar", "Exact", "fb")], "//foo///bar", "fb:80"),
        // Matching is case-sensitive.
        (&[("/foo", "Prefix", "foo")], "/FOO", "404"),
        // The longest of overlapping prefixes wins, whatever their order.
        (&[("/a/b", "Prefix", "ab"), ("/a", "Prefix", "a")], "/a/b/c", "ab:80"),
        (&[("/a", "Prefix", "a"), ("/a/b", "Prefix", "ab")], "/a/bc", "a:80"),
        // The redirect's target is served; below it an Exact path matches nothing.
        (&[("/foo/", "Exact", "foo")], "/foo/", "foo:80"),
        (&[("/foo/", "Exact", "foo")], "/foo/x", "404"),
        // An Exact `/` only matches `/`; other paths fall to the server's default root.
        (&[("/", "Exact", "slash")], "/", "slash:80"),
        (&[("/", "Exact", "slash")], "/x", "404"),
        // A Prefix path next to an Exact one of the same path keeps the subpaths.
        (&[("/foo", "Prefix", "prefix"), ("/foo", "Exact", "exact")], "/foo/x", "prefix:80"),
        // Not a path at all.
        (&[("/", "Prefix", "root")], "foo", "400"),
    ];
    for (paths, path, expect) in cases {
        check(paths, path, expect);
    }
}

#[test]
fn hosts_and_wildcards() {
    let ings = [
        rule(ingress("shop/exact", 0), Some("foo.bar.com"), &[("/", "Prefix", "exact", 80)]),
        rule(ingress("shop/wild", 1), Some("*.foo.com"), &[("/", "Prefix", "wild", 80)]),
        rule(ingress("shop/any", 2), None, &[("/", "Prefix", "any", 80)]),
        rule(ingress("shop/star", 3), Some("a.foo.com"), &[("/", "Prefix", "a", 80)]),
    ];
    let cases = [
        // The wildcard table of the Ingress concept page.
        ("bar.foo.com", "wild:80"),
        ("baz.bar.foo.com", "any:80"),
        ("foo.com", "any:80"),
        // An exact name beats a wildcard that also matches.
        ("a.foo.com", "a:80"),
        // Case, port and one trailing dot do not matter.
        ("FOO.Bar.COM", "exact:80"),
        ("foo.bar.com:8080", "exact:80"),
        ("foo.bar.com.", "exact:80"),
        ("x_y-z.foo.com", "wild:80"),
        // Anything else lands in the catch-all server, where the host-less rule is.
        ("10.0.0.1", "any:80"),
        ("other.example", "any:80"),
        // Invalid Host headers.
        ("", "400"),
        ("foo..bar.com", "400"),
        ("foo/bar", "400"),
        (":80", "400"),
    ];
    for (host, expect) in cases {
        let got = route(&ings, host, "/");
        assert_eq!(outcome(&got), expect, "host {host}: {}", got.explain());
    }
}

#[test]
fn host_less_rules_do_not_reach_named_servers() {
    let ings = [
        rule(ingress("shop/named", 0), Some("shop.example"), &[("/api", "Prefix", "api", 80)]),
        rule(ingress("shop/any", 1), None, &[("/web", "Prefix", "web", 80)]),
    ];
    let cases = [
        ("shop.example", "/api", "api:80"),
        ("shop.example", "/web", "404"),
        ("other.example", "/web", "web:80"),
        ("other.example", "/api", "404"),
    ];
    for (host, path, expect) in cases {
        assert_eq!(outcome(&route(&ings, host, path)), expect, "{host}{path}");
    }
}

#[test]
fn catch_all_server_locations() {
    let any = rule(ingress("shop/any", 0), None, &[("/", "Prefix", "any", 80)]);
    let named = rule(ingress("shop/named", 1), Some("x.example"), &[("/", "Prefix", "named", 80)]);
    let cases = [
        ("other.example", "/healthz", "nginx 200"),
        ("other.example", "/healthzz", "nginx 200"),
        ("other.example", "/nginx_status", "nginx 403"),
        ("other.example", "/health", "any:80"),
        // Only the catch-all server has them.
        ("x.example", "/healthz", "named:80"),
    ];
    for (host, path, expect) in cases {
        assert_eq!(outcome(&route(&[any.clone(), named.clone()], host, path)), expect, "{host}{path}");
    }
    assert_eq!(outcome(&route(&[], "h", "/healthz")), "nginx 200");
}

#[test]
fn default_backends() {
    let catch_all = default_backend(ingress("shop/fallback", 0), "fallback", 8080);
    let later_catch_all = default_backend(ingress("shop/later", 5), "later", 80);
    let with_rules = default_backend(
        rule(ingress("shop/site", 1), Some("site.example"), &[("/api", "Prefix", "api", 80)]),
        "site-default",
        80,
    );
    let other = rule(ingress("shop/other", 2), Some("other.example"), &[("/x", "Prefix", "x", 80)]);
    let late_root = rule(ingress("shop/root", 3), Some("site.example"), &[("/", "Prefix", "root", 80)]);

    // (ingresses, host, path, expect)
    let cases: Vec<(Vec<_>, &str, &str, &str)> = vec![
        // No Ingress at all: the controller's default backend.
        (vec![], "any.example", "/", "404"),
        // A defaultBackend without rules is the catch-all server's root.
        (vec![catch_all.clone()], "any.example", "/deep/path", "fallback:8080"),
        // ... but not the root of servers other Ingresses create.
        (vec![catch_all.clone(), other.clone()], "other.example", "/y", "404"),
        (vec![catch_all.clone(), other.clone()], "other.example", "/x", "x:80"),
        // The oldest rule-less defaultBackend wins the catch-all.
        (vec![later_catch_all.clone(), catch_all.clone()], "any.example", "/", "fallback:8080"),
        // A defaultBackend next to rules is the root of that Ingress's own hosts only.
        (vec![with_rules.clone()], "site.example", "/nothing", "site-default:80"),
        (vec![with_rules.clone()], "site.example", "/api/v1", "api:80"),
        (vec![with_rules.clone()], "any.example", "/", "404"),
        (vec![with_rules.clone(), other.clone()], "other.example", "/y", "404"),
        // An explicit `/` Prefix path from a later Ingress replaces that root.
        (vec![with_rules.clone(), late_root.clone()], "site.example", "/nothing", "root:80"),
    ];
    for (ings, host, path, expect) in cases {
        let got = route(&ings, host, path);
        assert_eq!(outcome(&got), expect, "{host}{path}: {}", got.explain());
    }
}

#[test]
fn conflicts_oldest_ingress_wins() {
    let a = |t| rule(ingress("shop/a", t), Some("x.example"), &[("/api", "Prefix", "a", 80)]);
    let b = |t| rule(ingress("shop/b", t), Some("x.example"), &[("/api", "Prefix", "b", 80)]);
    let b_exact = rule(ingress("shop/b", 9), Some("x.example"), &[("/api", "Exact", "b", 80)]);
    let cases: Vec<(Vec<_>, &str, &str)> = vec![
        (vec![a(0), b(1)], "/api", "a:80"),
        (vec![a(1), b(0)], "/api", "b:80"),
        (vec![b(1), a(0)], "/api/x", "a:80"),
        // Equal creationTimestamps: the greater namespace/name comes first.
        (vec![a(0), b(0)], "/api", "b:80"),
        // Same path, different pathType: both are kept.
        (vec![a(0), b_exact.clone()], "/api", "b:80"),
        (vec![a(0), b_exact], "/api/x", "a:80"),
    ];
    for (ings, path, expect) in cases {
        let got = route(&ings, "x.example", path);
        assert_eq!(outcome(&got), expect, "{path}: {}", got.explain());
    }
}

#[test]
fn route_names_the_ingress_entry() {
    let ing =
        rule(ingress("shop/web", 0), Some("shop.example"), &[("/", "Prefix", "web", 80), ("/api", "Prefix", "api", 0)]);
    let got = route(&[ing], "shop.example", "/api/orders");
    let expect = Route::Backend {
        server: "shop.example".to_string(),
        location: "/api/".to_string(),
        backend: Backend {
            ingress: "shop/web".to_string(),
            rule: Some(0),
            path: Some("/api".to_string()),
            path_type: Some(PathType::Prefix),
            service: "api".to_string(),
            namespace: "shop".to_string(),
            port: PortRef::Name("http".to_string()),
        },
    };
    assert_eq!(got, expect);
    let cases = [
        (got, "server shop.example, location /api/: Ingress shop/web rule 0, path /api (Prefix) → service api:http"),
        (
            Route::Redirect { server: "_".into(), location: "/a/".into(), target: "/a/".into() },
            "server _, location /a/: 301 Moved Permanently to /a/",
        ),
        (
            Route::DefaultBackend { server: "_".into(), location: "/".into() },
            "server _, location /: no Ingress path matches, the controller's default backend answers 404 Not Found",
        ),
    ];
    for (route, text) in cases {
        assert_eq!(route.explain(), text);
    }
    let fallback = default_backend(ingress("shop/fb", 0), "fb", 8080);
    let Route::Backend { backend, .. } = route(&[fallback], "x", "/") else { panic!("expected a backend") };
    assert_eq!(backend.explain(), "Ingress shop/fb defaultBackend → service fb:8080");
}
