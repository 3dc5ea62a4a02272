//! The order of names glibc and musl try.

use super::resolv_conf::ResolvConf;
use super::search::{candidates, candidates_musl, ndots};

fn conf(ndots: &str) -> ResolvConf {
    let mut text = "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\n".to_string();
    if !ndots.is_empty() {
        text.push_str(&format!("options {ndots}\n"));
    }
    ResolvConf::parse(&text).expect("resolv.conf")
}

const ALL: [&str; 4] = ["shop.svc.cluster.local.", "svc.cluster.local.", "cluster.local.", "corp.example."];

fn expanded(name: &str) -> Vec<String> {
    ALL.iter().map(|d| format!("{name}.{d}")).collect()
}

fn check(name: &str, options: &str, glibc: Vec<String>, musl: Vec<String>) {
    assert_eq!(candidates(name, &conf(options)), glibc, "glibc {name} {options}");
    assert_eq!(candidates_musl(name, &conf(options)), musl, "musl {name} {options}");
}

#[test]
fn fidelity_example_cart_web() {
    assert_eq!(
        candidates("cart.web", &conf("ndots:5")),
        vec!["cart.web.shop.svc.cluster.local.", "cart.web.svc.cluster.local.", "cart.web.cluster.local.", "cart.web.corp.example.", "cart.web.",]
    );
}

#[test]
fn order_follows_ndots() {
    let with_bare_last = |n: &str| [expanded(n), vec![format!("{n}.")]].concat();
    let with_bare_first = |n: &str| [vec![format!("{n}.")], expanded(n)].concat();
    let cases = [
        // Fewer dots than ndots: search list first, bare name last (both libraries).
        ("web", "ndots:5", with_bare_last("web"), with_bare_last("web")),
        ("web.shop.svc", "ndots:5", with_bare_last("web.shop.svc"), with_bare_last("web.shop.svc")),
        // At least ndots dots: glibc tries the name first then the list; musl only the name.
        ("a.b.c.d.e", "ndots:5", with_bare_last("a.b.c.d.e"), with_bare_last("a.b.c.d.e")),
        ("a.b.c.d.e.f", "ndots:5", with_bare_first("a.b.c.d.e.f"), vec!["a.b.c.d.e.f.".to_string()]),
        ("example.com", "ndots:1", with_bare_first("example.com"), vec!["example.com.".to_string()]),
        ("www.example.com", "ndots:2", with_bare_first("www.example.com"), vec!["www.example.com.".to_string()]),
        // Default ndots is 1.
        ("web", "", with_bare_last("web"), with_bare_last("web")),
        ("web.shop", "", with_bare_first("web.shop"), vec!["web.shop.".to_string()]),
        // ndots:0: every name goes as-is first.
        ("web", "ndots:0", with_bare_first("web"), vec!["web.".to_string()]),
        // Absolute names are tried alone.
        ("web.", "ndots:5", vec!["web.".to_string()], vec!["web.".to_string()]),
        (
            "kubernetes.default.svc.cluster.local.",
            "ndots:5",
            vec!["kubernetes.default.svc.cluster.local.".to_string()],
            vec!["kubernetes.default.svc.cluster.local.".to_string()],
        ),
    ];
    for (name, options, glibc, musl) in cases {
        check(name, options, glibc, musl);
    }
}

#[test]
fn ndots_is_capped_at_15_and_defaults_to_1() {
    let cases = [("", 1), ("ndots:5", 5), ("ndots:15", 15), ("ndots:16", 15), ("ndots:100", 15), ("ndots:x", 1)];
    for (options, expect) in cases {
        assert_eq!(ndots(&conf(options)), expect, "{options}");
    }
    let fifteen = "a.".repeat(15) + "b";
    assert_eq!(candidates(&fifteen, &conf("ndots:30"))[0], format!("{fifteen}."));
}

#[test]
fn a_root_entry_in_the_search_list_stands_for_the_bare_name() {
    let conf = ResolvConf { search: vec!["a.example".into(), ".".into(), "b.example".into()], ..ResolvConf::default() };
    assert_eq!(candidates("web", &conf), vec!["web.a.example.", "web.", "web.b.example."]);
    assert!(candidates("", &conf).is_empty());
    assert!(candidates_musl("", &conf).is_empty());
}
