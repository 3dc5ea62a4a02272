//! ReplicaSets stepped through the simulation (pods use `schedulerName: manual`, so only the
//! test marks them Ready).

use k8s_openapi::api::apps::v1::ReplicaSet;

use crate::api::{Kind, Object};
use crate::controllers::deployment::scenario_tests::{mark_ready, new_sim, pods, settle};
use crate::kubectl::test_support::{create, kubectl};
use crate::sim::Sim;
use crate::store::ObjectRef;
use crate::time::SimDuration;

fn rs_yaml(replicas: i32, extra: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: web, namespace: default}}\nspec:\n  replicas: {replicas}\n{extra}  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web, tier: front}}}}\n    spec: {{schedulerName: manual, containers: [{{name: web, image: nginx}}]}}\n"
    )
}

fn rs(sim: &Sim) -> ReplicaSet {
    match sim.get(&ObjectRef::new(Kind::ReplicaSet, Some("default"), "web")) {
        Some(Object::ReplicaSet(r)) => r.as_ref().clone(),
        _ => panic!("replica set web exists"),
    }
}

fn names(sim: &Sim) -> Vec<String> {
    pods(sim).into_iter().filter_map(|p| p.metadata.name).collect()
}

fn event_messages(sim: &Sim, reason: &str) -> Vec<String> {
    sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.reason.as_deref() == Some(reason) => e.message.clone(),
            _ => None,
        })
        .collect()
}

fn counts(sim: &Sim) -> (i32, Option<i32>, Option<i32>, Option<i32>) {
    let s = rs(sim).status.unwrap_or_default();
    (s.replicas, s.fully_labeled_replicas, s.ready_replicas, s.available_replicas)
}

#[test]
fn creates_pods_and_reports_status() {
    let mut sim = new_sim();
    create(&mut sim, &rs_yaml(3, ""));
    settle(&mut sim);
    let ns = names(&sim);
    assert_eq!(ns.len(), 3);
    for n in &ns {
        let suffix = n.strip_prefix("web-").unwrap();
        assert!(suffix.len() == 5 && suffix.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)), "{n}");
    }
    let mut created = event_messages(&sim, "SuccessfulCreate");
    created.sort();
    let mut expected: Vec<String> = ns.iter().map(|n| format!("Created pod: {n}")).collect();
    expected.sort();
    assert_eq!(created, expected);
    let p = &pods(&sim)[0];
    let owner = &p.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!((owner.kind.as_str(), owner.api_version.as_str(), owner.controller, owner.block_owner_deletion), ("ReplicaSet", "apps/v1", Some(true), Some(true)));
    assert_eq!(counts(&sim), (3, Some(3), None, None));
    mark_ready(&mut sim, |_| true);
    settle(&mut sim);
    assert_eq!(counts(&sim), (3, Some(3), Some(3), Some(3)));
    assert_eq!(rs(&sim).status.unwrap().observed_generation, Some(1));
}

#[test]
fn available_waits_for_min_ready_seconds() {
    let mut sim = new_sim();
    create(&mut sim, &rs_yaml(1, "  minReadySeconds: 10\n"));
    settle(&mut sim);
    mark_ready(&mut sim, |_| true);
    settle(&mut sim);
    assert_eq!(counts(&sim), (1, Some(1), Some(1), None));
    sim.advance(SimDuration::from_secs(6));
    assert_eq!(counts(&sim).3, Some(1));
}

#[test]
fn scale_down_deletes_unready_then_newest_pods_first() {
    let mut sim = new_sim();
    create(&mut sim, &rs_yaml(2, ""));
    settle(&mut sim);
    let first = names(&sim);
    sim.advance(SimDuration::from_secs(10));
    kubectl(&mut sim, "scale rs/web --replicas=5");
    settle(&mut sim);
    assert_eq!(names(&sim).len(), 5);
    // One of the newer pods becomes ready: it outranks the unready ones.
    let newer: Vec<String> = names(&sim).into_iter().filter(|n| !first.contains(n)).collect();
    let keep = newer[0].clone();
    mark_ready(&mut sim, |p| p.metadata.name.as_deref() == Some(keep.as_str()));
    settle(&mut sim);
    kubectl(&mut sim, "scale rs/web --replicas=3");
    settle(&mut sim);
    let mut left = names(&sim);
    left.sort();
    let mut expected = vec![keep.clone(), first[0].clone(), first[1].clone()];
    expected.sort();
    assert_eq!(left, expected, "the unready newer pods went first");
    let deleted = event_messages(&sim, "SuccessfulDelete");
    assert_eq!(deleted.len(), 2);
    assert!(deleted.iter().all(|m| m.starts_with("Deleted pod: web-")));
    kubectl(&mut sim, "scale rs/web --replicas=1");
    settle(&mut sim);
    assert_eq!(names(&sim), vec![keep], "ready pods stay longest");
}

#[test]
fn adopts_orphans_and_releases_pods_that_stop_matching() {
    let mut sim = new_sim();
    create(&mut sim, "apiVersion: v1\nkind: Pod\nmetadata: {name: stray, namespace: default, labels: {app: web}}\nspec: {schedulerName: manual, containers: [{name: c, image: nginx}]}\n");
    create(&mut sim, &rs_yaml(2, ""));
    settle(&mut sim);
    let ps = pods(&sim);
    assert_eq!(ps.len(), 2, "the orphan counts as one replica");
    let stray = ps.iter().find(|p| p.metadata.name.as_deref() == Some("stray")).unwrap();
    let owner = &stray.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!((owner.name.as_str(), owner.controller), ("web", Some(true)));
    assert_eq!(counts(&sim).1, Some(1), "the orphan lacks the template's tier label");

    // Relabelled: released, and replaced.
    kubectl(&mut sim, "label pod stray app=other --overwrite");
    settle(&mut sim);
    let ps = pods(&sim);
    assert_eq!(ps.len(), 3);
    let stray = ps.iter().find(|p| p.metadata.name.as_deref() == Some("stray")).unwrap();
    assert!(stray.metadata.owner_references.as_ref().is_none_or(|r| r.is_empty()));

    // A matching orphan appearing later is adopted, and the surplus deleted.
    kubectl(&mut sim, "label pod stray app=web --overwrite");
    settle(&mut sim);
    let ps = pods(&sim);
    assert_eq!(ps.len(), 2);
    assert!(ps.iter().all(|p| p.metadata.owner_references.as_ref().is_some_and(|r| r[0].name == "web")));
}

#[test]
fn deleting_a_replica_set_collects_its_pods() {
    let mut sim = new_sim();
    create(&mut sim, &rs_yaml(3, ""));
    settle(&mut sim);
    kubectl(&mut sim, "delete rs web");
    settle(&mut sim);
    assert!(pods(&sim).is_empty());
    // A pod deleted by hand is replaced.
    create(&mut sim, &rs_yaml(2, ""));
    settle(&mut sim);
    let victim = names(&sim)[0].clone();
    kubectl(&mut sim, &format!("delete pod {victim}"));
    settle(&mut sim);
    let now = names(&sim);
    assert_eq!(now.len(), 2);
    assert!(!now.contains(&victim));
}

#[test]
fn fully_labeled_counts_pods_with_every_template_label() {
    // The selector names every template label (as a Deployment's replica sets do): every owned
    // pod is fully labeled; with fewer terms, only the pods that kept the template's labels.
    for (selector, relabel, want) in [
        ("{app: web, tier: front}", "tier=back", (2, Some(2))),
        ("{app: web}", "tier=back", (2, Some(1))),
        ("{app: web}", "tier-", (2, Some(1))),
    ] {
        let mut sim = new_sim();
        create(&mut sim, &rs_yaml(2, "").replace("{matchLabels: {app: web}}", &format!("{{matchLabels: {selector}}}")));
        settle(&mut sim);
        let victim = names(&sim)[0].clone();
        kubectl(&mut sim, &format!("label pod {victim} {relabel} --overwrite"));
        settle(&mut sim);
        let (replicas, fully_labeled, _, _) = counts(&sim);
        assert_eq!((replicas, fully_labeled), want, "selector {selector}, label {relabel}");
    }
}
