//! The rollout arithmetic on plain numbers and objects.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::util::*;

fn pct(s: &str) -> IntOrString {
    IntOrString::String(s.into())
}

#[test]
fn fenceposts_resolve_ints_and_percentages() {
    let int = IntOrString::Int;
    assert_eq!(resolve_fenceposts(Some(&int(3)), Some(&int(2)), 10), (3, 2));
    assert_eq!(resolve_fenceposts(Some(&pct("25%")), Some(&pct("25%")), 10), (3, 2), "surge rounds up, unavailable down");
    assert_eq!(resolve_fenceposts(Some(&pct("25%")), Some(&pct("25%")), 3), (1, 0));
    assert_eq!(resolve_fenceposts(Some(&pct("10%")), Some(&pct("10%")), 5), (1, 0));
    assert_eq!(resolve_fenceposts(Some(&int(0)), Some(&int(0)), 10), (0, 1), "0/0 lets one pod go");
    assert_eq!(resolve_fenceposts(Some(&pct("0%")), Some(&pct("0%")), 10), (0, 1));
    assert_eq!(resolve_fenceposts(None, None, 4), (0, 1));
    assert!(scaled_value(&IntOrString::String("25".into()), 10, true).is_err());
}

fn deployment(yaml: &str) -> Deployment {
    let mut o = crate::kubectl::test_support::obj(yaml);
    crate::api::defaults::apply_defaults(&mut o);
    match o {
        crate::api::Object::Deployment(d) => *d,
        _ => panic!("a deployment"),
    }
}

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: REPLICAS\n  selector: {matchLabels: {app: web}}\n  STRATEGY\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n";

fn web(replicas: i32, strategy: &str) -> Deployment {
    deployment(&WEB.replace("REPLICAS", &replicas.to_string()).replace("STRATEGY", strategy))
}

#[test]
fn max_surge_and_max_unavailable_follow_the_strategy() {
    let d = web(10, "strategy: {}");
    assert_eq!((max_surge(&d), max_unavailable(&d)), (3, 2), "defaults 25%/25%");
    let d = web(10, "strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 20}}");
    assert_eq!((max_surge(&d), max_unavailable(&d)), (0, 10), "unavailable is capped at replicas");
    let d = web(10, "strategy: {type: Recreate}");
    assert_eq!((max_surge(&d), max_unavailable(&d)), (0, 0));
    let d = web(0, "strategy: {}");
    assert_eq!(max_unavailable(&d), 0);
}

#[test]
fn new_replica_set_grows_within_max_surge() {
    assert_eq!(new_rs_target(10, 3, 10, 0), 3);
    assert_eq!(new_rs_target(10, 3, 11, 3), 5);
    assert_eq!(new_rs_target(10, 3, 13, 5), 5, "at replicas + surge nothing grows");
    assert_eq!(new_rs_target(10, 3, 17, 9), 9);
    assert_eq!(new_rs_target(10, 3, 10, 9), 10, "never past replicas");
    assert_eq!(new_rs_target(3, 0, 3, 0), 0);
}

/// The worked example: replicas 10, maxSurge 3, maxUnavailable 2, old RS with 10 available.
#[test]
fn worked_example_sync_by_sync() {
    // Sync 1: the new RS is created with min(13-10, 10-0) = 3; old scaled 10 -> 8 (13-8-3 = 2).
    let new = new_rs_target(10, 3, 10, 0);
    assert_eq!(new, 3);
    assert_eq!(plan_old_scale_down(10, 2, (3, 0), &[(10, 10)]), vec![(0, 10, 8)]);
    // Sync 2: the 3 new pods are available; 11 < 13, the new RS grows by min(2, 7) = 2.
    assert_eq!(new_rs_target(10, 3, 11, 3), 5);
    // Sync 3: budget 13-8-(5-3) = 3; available 11-8 = 3 more go from the old RS.
    assert_eq!(plan_old_scale_down(10, 2, (5, 3), &[(8, 8)]), vec![(0, 8, 5)]);
}

#[test]
fn old_replica_sets_lose_unhealthy_pods_first_and_freeze_behind_a_broken_new_one() {
    // 2 of the old RS's 5 pods are unavailable: they go first; then availability is at 8.
    assert_eq!(plan_old_scale_down(10, 2, (5, 5), &[(5, 3)]), vec![(0, 5, 3)]);
    // A new RS whose pods never become available uses up the budget: nothing scales down.
    assert_eq!(plan_old_scale_down(10, 2, (3, 0), &[(8, 8)]), vec![]);
    // Oldest first across several old replica sets.
    assert_eq!(plan_old_scale_down(10, 2, (2, 2), &[(3, 3), (7, 7)]), vec![(0, 3, 0), (1, 7, 6)]);
    assert_eq!(plan_old_scale_down(10, 2, (10, 10), &[]), vec![]);
}

fn rs(name: &str, replicas: i32, max: i32, created: i64) -> ReplicaSet {
    let mut rs = ReplicaSet::default();
    rs.metadata.name = Some(name.into());
    rs.metadata.annotations = Some(BTreeMap::from([(MAX_REPLICAS.to_string(), max.to_string())]));
    rs.metadata.creation_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        k8s_openapi::jiff::Timestamp::from_second(created).unwrap(),
    ));
    rs.spec.replicas = Some(replicas);
    rs
}

#[test]
fn proportional_scaling_splits_new_replicas_by_size() {
    // old 8 + new 5 at max-replicas 13; replicas 10 -> 15 with 25% surge: allowed 19, +6.
    let d = web(15, "strategy: {}");
    let old = rs("web-old", 8, 13, 1_000);
    let new = rs("web-new", 5, 13, 2_000);
    let plan = plan_proportional(&d, &[&old, &new]);
    assert_eq!(plan, vec![(0, 12), (1, 7)], "old +4, new +2");
    // Shrinking back: 10 + 3 = 13 allowed from 19.
    let d = web(10, "strategy: {}");
    let old = rs("web-old", 12, 19, 1_000);
    let new = rs("web-new", 7, 19, 2_000);
    let plan = plan_proportional(&d, &[&old, &new]);
    let total: i32 = plan.iter().map(|p| p.1).sum();
    assert_eq!(total, 13);
    assert_eq!(plan, vec![(0, 8), (1, 5)]);
}

#[test]
fn hash_uses_the_safe_encoding() {
    assert_eq!(safe_encode("2911542915"), "6f55986f59");
    assert_eq!(safe_encode("0123456789"), "456789bcdf");
    let d = web(1, "strategy: {}");
    let h = pod_template_hash(&d.spec.template, None);
    assert!((1..=10).contains(&h.len()) && h.chars().all(|c| "456789bcdf".contains(c)), "{h}");
    assert_eq!(h, pod_template_hash(&d.spec.template, None), "stable");
    assert_ne!(h, pod_template_hash(&d.spec.template, Some(1)), "collisionCount changes it");
    let mut labelled = d.spec.template.clone();
    labelled.metadata.as_mut().unwrap().labels.as_mut().unwrap().insert(HASH_LABEL.into(), h.clone());
    assert_eq!(h, pod_template_hash(&labelled, None), "the hash label is ignored");
    assert!(equal_ignore_hash(&labelled, &d.spec.template));
}

/// `EqualIgnoreHash`: only the hash label is ignored; an empty map equals an absent one;
/// anything else in the metadata counts.
#[test]
fn equal_ignore_hash_cases() {
    use k8s_openapi::api::core::v1::PodTemplateSpec;
    let base = web(1, "strategy: {}").spec.template;
    let with = |f: &dyn Fn(&mut ObjectMeta)| {
        let mut t: PodTemplateSpec = base.clone();
        f(t.metadata.get_or_insert_with(Default::default));
        t
    };
    let labels = |m: &mut ObjectMeta| m.labels.get_or_insert_with(Default::default).clone();
    let cases: Vec<(&str, PodTemplateSpec, bool)> = vec![
        ("same", base.clone(), true),
        ("hash label added", with(&|m| drop(m.labels.get_or_insert_with(Default::default).insert(HASH_LABEL.into(), "x".into()))), true),
        ("another label", with(&|m| drop(m.labels.get_or_insert_with(Default::default).insert("tier".into(), "web".into()))), false),
        ("label value changed", with(&|m| drop(m.labels.get_or_insert_with(Default::default).insert("app".into(), "other".into()))), false),
        ("empty annotations", with(&|m| m.annotations = Some(Default::default())), true),
        ("an annotation", with(&|m| drop(m.annotations.get_or_insert_with(Default::default).insert("a".into(), "1".into()))), false),
        ("a name", with(&|m| m.name = Some("x".into())), false),
        ("labels emptied", with(&|m| m.labels = Some(Default::default())), labels(&mut base.metadata.clone().unwrap_or_default()).is_empty()),
    ];
    for (what, t, equal) in cases {
        assert_eq!(equal_ignore_hash(&t, &base), equal, "{what}");
        assert_eq!(equal_ignore_hash(&base, &t), equal, "{what} (reversed)");
    }
    let mut hashed = with(&|m| drop(m.labels.get_or_insert_with(Default::default).insert(HASH_LABEL.into(), "x".into())));
    hashed.metadata.as_mut().unwrap().name = Some("n".into());
    let named = with(&|m| m.name = Some("n".into()));
    assert!(equal_ignore_hash(&hashed, &named), "the hash label is ignored when other fields are set too");
}

#[test]
fn rollback_raises_the_revision_and_records_history() {
    let d = web(3, "strategy: {}");
    let mut r = rs("web-a", 0, 4, 0);
    r.metadata.annotations.as_mut().unwrap().insert(REVISION.into(), "2".into());
    assert!(set_new_rs_annotations(&d, &mut r, 4, true));
    let a = r.metadata.annotations.clone().unwrap();
    assert_eq!((a[REVISION].as_str(), a[REVISION_HISTORY].as_str()), ("4", "2"));
    assert!(set_new_rs_annotations(&d, &mut r, 6, true));
    assert_eq!(r.metadata.annotations.as_ref().unwrap()[REVISION_HISTORY], "2,4");
    assert!(!set_new_rs_annotations(&d, &mut r, 6, true), "an equal revision changes nothing");
}
