//! Which Ingresses ingress-nginx watches: explicit classes, the default class, other
//! controllers' classes and the legacy annotation.

use k8s_openapi::api::networking::v1::{Ingress, IngressClass};

use super::test_support::{annotate, class, class_name, ingress, nginx_class, outcome, rule};
use super::{default_class, select, watch, Watch, ANNOTATION_CLASS, CLASS_NAME, CONTROLLER};

const NOT_VALID: &str = "ingress does not contain a valid IngressClass";
const ANNOTATION_MISMATCH: &str = "ingress class annotation is not equal to the expected by Ingress Controller";

fn check(ing: Ingress, classes: &[IngressClass], expect: Watch) {
    let refs: Vec<&IngressClass> = classes.iter().collect();
    assert_eq!(watch(&ing, &refs, CONTROLLER, CLASS_NAME), expect, "{:?}", ing.metadata.name);
}

fn ignored(why: &str) -> Watch {
    Watch::Ignored(why.to_string())
}

#[test]
fn class_selection() {
    let base = || ingress("shop/web", 0);
    let bare = || class_name(base(), None);
    let traefik = class("traefik", "traefik.io/ingress-controller", false, 0);
    let traefik_default = class("traefik", "traefik.io/ingress-controller", true, 0);
    let nginx_default = class(CLASS_NAME, CONTROLLER, true, 0);
    let cases: Vec<(Ingress, Vec<IngressClass>, Watch)> = vec![
        // ingressClassName naming the controller's class.
        (base(), vec![nginx_class()], Watch::ClassName("nginx".into())),
        // ... a class of another controller, or no such class.
        (
            class_name(base(), Some("traefik")),
            vec![nginx_class(), traefik.clone()],
            ignored(r#"no object matching key "traefik" in local store"#),
        ),
        (base(), vec![], ignored(r#"no object matching key "nginx" in local store"#)),
        // ingressClassName is looked at before the annotation.
        (annotate(base(), ANNOTATION_CLASS, "traefik"), vec![nginx_class()], Watch::ClassName("nginx".into())),
        (
            annotate(class_name(base(), Some("traefik")), ANNOTATION_CLASS, "nginx"),
            vec![nginx_class(), traefik.clone()],
            ignored(r#"no object matching key "traefik" in local store"#),
        ),
        // The legacy annotation, with no IngressClass needed.
        (annotate(bare(), ANNOTATION_CLASS, "nginx"), vec![], Watch::Annotation("nginx".into())),
        (annotate(bare(), ANNOTATION_CLASS, "traefik"), vec![nginx_class()], ignored(ANNOTATION_MISMATCH)),
        (annotate(bare(), ANNOTATION_CLASS, ""), vec![nginx_default.clone()], ignored(ANNOTATION_MISMATCH)),
        // No class: the default class, if it is the controller's.
        (bare(), vec![nginx_default.clone()], Watch::DefaultClass("nginx".into())),
        (bare(), vec![nginx_class()], ignored(NOT_VALID)),
        (bare(), vec![], ignored(NOT_VALID)),
        (
            bare(),
            vec![nginx_class(), traefik_default.clone()],
            ignored(r#"no object matching key "traefik" in local store"#),
        ),
    ];
    for (ing, classes, expect) in cases {
        check(ing, &classes, expect);
    }
}

#[test]
fn default_class_is_the_newest_marked_one() {
    let cases: Vec<(Vec<IngressClass>, Option<&str>)> = vec![
        (vec![], None),
        (vec![class("a", CONTROLLER, false, 0)], None),
        (vec![class("a", CONTROLLER, true, 0)], Some("a")),
        (vec![class("a", CONTROLLER, true, 5), class("b", CONTROLLER, true, 1)], Some("a")),
        (vec![class("a", CONTROLLER, true, 1), class("b", CONTROLLER, true, 5)], Some("b")),
        (vec![class("b", CONTROLLER, true, 1), class("a", CONTROLLER, true, 1)], Some("a")),
    ];
    for (classes, expect) in cases {
        let refs: Vec<&IngressClass> = classes.iter().collect();
        assert_eq!(default_class(&refs).and_then(|c| c.metadata.name.as_deref()), expect);
    }
    // A marker other than "true" does not count.
    let mut c = class("a", CONTROLLER, true, 0);
    c.metadata.annotations.as_mut().expect("annotations").insert(super::ANNOTATION_DEFAULT_CLASS.into(), "True".into());
    assert_eq!(default_class(&[&c]), None);
}

#[test]
fn ignored_ingresses_do_not_route() {
    let ours = rule(ingress("shop/ours", 1), Some("x.example"), &[("/", "Prefix", "ours", 80)]);
    let theirs = rule(
        class_name(ingress("shop/theirs", 0), Some("traefik")),
        Some("x.example"),
        &[("/t", "Prefix", "theirs", 80)],
    );
    let classes = [nginx_class(), class("traefik", "traefik.io/ingress-controller", false, 0)];
    let refs: Vec<&IngressClass> = classes.iter().collect();
    let ings = [&ours, &theirs];
    let got = select(&ings, &refs, CONTROLLER, CLASS_NAME, "x.example", "/t");
    assert_eq!(outcome(&got), "ours:80");
    let got = select(&[&theirs], &refs, CONTROLLER, CLASS_NAME, "x.example", "/t");
    assert_eq!(outcome(&got), "404");
}
