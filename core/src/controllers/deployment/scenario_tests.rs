//! Deployments stepped through the simulation. Pods use `schedulerName: manual`, which no
//! scheduler serves, so they stay unbound and only the test's stand-in kubelet (`mark_ready`)
//! makes them Ready.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Pod, PodCondition};

use crate::api::{Kind, Object};
use crate::kubectl::test_support::{create, kubectl, obj};
use crate::sim::apiserver::{k8s_time, Propagation};
use crate::sim::{ClusterConfig, Sim};
use crate::store::{Cause, Component, ObjectRef};
use crate::time::SimDuration;

use super::util::{rs_replicas, REVISION, REVISION_HISTORY};

pub(crate) fn deployment_yaml(replicas: i32, strategy: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: default}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  strategy: {strategy}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{schedulerName: manual, containers: [{{name: web, image: \"{image}\"}}]}}\n"
    )
}

pub(crate) fn new_sim() -> Sim {
    Sim::new(ClusterConfig::default())
}

/// Lets the controllers react for a few simulated seconds (timers further out, such as the
/// progress deadline, do not fire).
pub(crate) fn settle(sim: &mut Sim) {
    sim.after_action();
    sim.advance(SimDuration::from_secs(5));
}

/// Runs one task at a time for up to two simulated seconds, calling `check` after each.
fn step_checked(sim: &mut Sim, check: impl Fn(&Sim)) {
    sim.after_action();
    let until = sim.now() + SimDuration::from_secs(2);
    while sim.now() < until && sim.step() {
        check(sim);
    }
}

pub(crate) fn pods(sim: &Sim) -> Vec<Pod> {
    sim.store()
        .list(Kind::Pod, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Pod(p) => Some(p.as_ref().clone()),
            _ => None,
        })
        .collect()
}

pub(crate) fn replica_sets(sim: &Sim) -> Vec<ReplicaSet> {
    let mut v: Vec<ReplicaSet> = sim
        .store()
        .list(Kind::ReplicaSet, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::ReplicaSet(r) => Some(r.as_ref().clone()),
            _ => None,
        })
        .collect();
    v.sort_by_key(super::util::revision);
    v
}

pub(crate) fn deployment(sim: &Sim) -> Deployment {
    match sim.get(&ObjectRef::new(Kind::Deployment, Some("default"), "web")) {
        Some(Object::Deployment(d)) => d.as_ref().clone(),
        _ => panic!("deployment web exists"),
    }
}

fn ready(p: &Pod) -> bool {
    super::super::owner::is_ready(p)
}

/// Stands in for the kubelet: pods matching `pick` become Running and Ready now.
pub(crate) fn mark_ready(sim: &mut Sim, pick: impl Fn(&Pod) -> bool) {
    let now = sim.now();
    for mut p in pods(sim).into_iter().filter(|p| !ready(p) && p.metadata.deletion_timestamp.is_none() && pick(p)) {
        let st = p.status.get_or_insert_with(Default::default);
        st.phase = Some("Running".into());
        st.conditions = Some(vec![PodCondition {
            type_: "Ready".into(),
            status: "True".into(),
            last_transition_time: Some(k8s_time(now)),
            ..Default::default()
        }]);
        p.metadata.resource_version = None;
        sim.api().update(p.into(), &Component::new("kubelet"), Cause::Bootstrap).expect("status update");
    }
    sim.after_action();
}

fn complete(sim: &Sim) -> bool {
    let d = deployment(sim);
    d.status.as_ref().is_some_and(|s| super::status::complete(&d, s))
}

/// Marks every pod ready until the rollout completes.
pub(crate) fn finish_rollout(sim: &mut Sim) {
    for _ in 0..50 {
        settle(sim);
        if complete(sim) {
            return;
        }
        mark_ready(sim, |_| true);
    }
    panic!("rollout did not complete");
}

fn sizes(sim: &Sim) -> Vec<i32> {
    replica_sets(sim).iter().map(rs_replicas).collect()
}

fn events(sim: &Sim, reason: &str) -> Vec<String> {
    sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.reason.as_deref() == Some(reason) => e.message.clone(),
            _ => None,
        })
        .collect()
}

fn is_hash(s: &str) -> bool {
    (1..=10).contains(&s.len()) && s.chars().all(|c| "456789bcdf".contains(c))
}

fn is_suffix(s: &str) -> bool {
    s.len() == 5 && s.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c))
}

#[test]
fn names_have_the_real_shapes() {
    let mut sim = new_sim();
    create(&mut sim, &deployment_yaml(3, "{}", "nginx:1.25"));
    settle(&mut sim);
    let rss = replica_sets(&sim);
    assert_eq!(rss.len(), 1);
    let rs_name = rss[0].metadata.name.clone().unwrap();
    let hash = rs_name.strip_prefix("web-").unwrap();
    assert!(is_hash(hash), "{rs_name}");
    assert_eq!(rss[0].metadata.labels.as_ref().unwrap()["pod-template-hash"], hash);
    assert_eq!(rss[0].spec.selector.match_labels.as_ref().unwrap()["pod-template-hash"], hash);
    let ps = pods(&sim);
    assert_eq!(ps.len(), 3);
    for p in &ps {
        let name = p.metadata.name.clone().unwrap();
        let (prefix, suffix) = name.rsplit_once('-').unwrap();
        assert_eq!(prefix, rs_name);
        assert!(is_suffix(suffix), "{name}");
        assert_eq!(p.metadata.labels.as_ref().unwrap()["pod-template-hash"], hash);
    }
    let d = deployment(&sim);
    assert_eq!(d.metadata.annotations.as_ref().unwrap()[REVISION], "1");
    let a = rss[0].metadata.annotations.clone().unwrap();
    assert_eq!((a[REVISION].as_str(), a["deployment.kubernetes.io/desired-replicas"].as_str(), a["deployment.kubernetes.io/max-replicas"].as_str()), ("1", "3", "4"));
    assert_eq!(events(&sim, "ScalingReplicaSet"), vec![format!("Scaled up replica set {rs_name} from 0 to 3")]);
    let conds = d.status.clone().unwrap().conditions.unwrap();
    let progressing = conds.iter().find(|c| c.type_.as_deref() == Some("Progressing")).unwrap();
    assert_eq!(progressing.reason.as_deref(), Some("ReplicaSetUpdated"));
    assert_eq!(progressing.message.clone().unwrap(), format!("ReplicaSet \"{rs_name}\" is progressing."));
    finish_rollout(&mut sim);
    let d = deployment(&sim);
    let conds = d.status.clone().unwrap().conditions.unwrap();
    let summary: Vec<(String, String, String)> =
        conds.iter().map(|c| (c.type_.clone().unwrap(), c.reason.clone().unwrap(), c.message.clone().unwrap())).collect();
    assert_eq!(
        summary,
        vec![
            ("Available".into(), "MinimumReplicasAvailable".into(), "Deployment has minimum availability.".into()),
            ("Progressing".into(), "NewReplicaSetAvailable".into(), format!("ReplicaSet \"{rs_name}\" has successfully progressed.")),
        ]
    );
    assert_eq!(kubectl(&mut sim, "rollout status deployment/web --watch=false").stdout, "deployment \"web\" successfully rolled out\n");
    let s = d.status.unwrap();
    assert_eq!((s.replicas, s.updated_replicas, s.ready_replicas, s.available_replicas, s.unavailable_replicas), (Some(3), Some(3), Some(3), Some(3), None));
}

#[test]
fn rolling_update_keeps_within_surge_and_unavailability_at_every_step() {
    let mut sim = new_sim();
    create(&mut sim, &deployment_yaml(10, "{rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}", "nginx:1.25").replace("spec:\n  replicas", "spec:\n  progressDeadlineSeconds: 2147483647\n  replicas"));
    finish_rollout(&mut sim);
    assert_eq!(sizes(&sim), vec![10]);
    kubectl(&mut sim, "set image deployment/web web=nginx:1.26");
    let check = |sim: &Sim| {
        let total: i32 = sizes(sim).iter().sum();
        assert!(total <= 13, "RS replicas {total} > 13");
        let live: Vec<Pod> = pods(sim).into_iter().filter(|p| p.metadata.deletion_timestamp.is_none()).collect();
        assert!(live.len() <= 13, "{} pods", live.len());
        let available = live.iter().filter(|p| ready(p)).count();
        assert!(available >= 8, "only {available} available");
    };
    // Sync 1: new RS created with 3, old 10 -> 8; sync 2: 11 < 13, new 3 -> 5; then the
    // unavailable new pods use up the scale-down budget (13 - 8 - 5 = 0).
    step_checked(&mut sim, check);
    assert_eq!(sizes(&sim), vec![8, 5]);
    // The 5 new pods become available: old 8 -> 3 (13 - 8 = 5 more may go), new 5 -> 10.
    mark_ready(&mut sim, |_| true);
    step_checked(&mut sim, check);
    assert_eq!(sizes(&sim), vec![3, 10]);
    for _ in 0..20 {
        mark_ready(&mut sim, |_| true);
        step_checked(&mut sim, check);
    }
    assert_eq!(sizes(&sim), vec![0, 10]);
    assert!(complete(&sim));
    let rss = replica_sets(&sim);
    let (old, new) = (rss[0].metadata.name.clone().unwrap(), rss[1].metadata.name.clone().unwrap());
    let scaling = events(&sim, "ScalingReplicaSet");
    for expected in [format!("Scaled up replica set {new} from 0 to 3"), format!("Scaled down replica set {old} from 10 to 8"), format!("Scaled up replica set {new} from 3 to 5")] {
        assert!(scaling.contains(&expected), "{expected} not in {scaling:?}");
    }
    assert!(scaling.iter().any(|m| m.starts_with(&format!("Scaled down replica set {old} from ")) && m.ends_with(" to 0")), "{scaling:?}");
    assert_eq!(deployment(&sim).metadata.annotations.unwrap()[REVISION], "2");
    assert_eq!(pods(&sim).len(), 10);
}

#[test]
fn recreate_removes_old_pods_before_creating_new_ones() {
    let mut sim = new_sim();
    create(&mut sim, &deployment_yaml(3, "{type: Recreate}", "nginx:1.25").replace("spec:\n  replicas", "spec:\n  progressDeadlineSeconds: 2147483647\n  replicas"));
    finish_rollout(&mut sim);
    let old_rs = replica_sets(&sim)[0].metadata.name.clone().unwrap();
    kubectl(&mut sim, "set image deployment/web web=nginx:1.26");
    step_checked(&mut sim, |sim| {
        let ps = pods(sim);
        let old = ps.iter().any(|p| p.metadata.name.as_ref().unwrap().starts_with(&format!("{old_rs}-")));
        let new = ps.iter().any(|p| !p.metadata.name.as_ref().unwrap().starts_with(&format!("{old_rs}-")));
        assert!(!(old && new), "old and new pods together");
    });
    assert_eq!(sizes(&sim), vec![0, 3]);
    finish_rollout(&mut sim);
    let scaling = events(&sim, "ScalingReplicaSet");
    assert!(scaling.contains(&format!("Scaled down replica set {old_rs} from 3 to 0")), "{scaling:?}");
}

#[test]
fn undo_raises_the_old_revision_and_history_lists_it() {
    let mut sim = new_sim();
    create(&mut sim, &deployment_yaml(2, "{}", "nginx:1.25"));
    finish_rollout(&mut sim);
    for image in ["nginx:1.26", "nginx:1.27"] {
        kubectl(&mut sim, &format!("set image deployment/web web={image}"));
        finish_rollout(&mut sim);
    }
    let revs: Vec<String> = replica_sets(&sim).iter().map(|r| r.metadata.annotations.clone().unwrap()[REVISION].clone()).collect();
    assert_eq!(revs, ["1", "2", "3"]);
    let out = kubectl(&mut sim, "rollout undo deployment/web");
    assert_eq!(out.stdout, "deployment.apps/web rolled back\n", "{}", out.stderr);
    finish_rollout(&mut sim);
    let rss = replica_sets(&sim);
    let back = rss.iter().find(|r| r.spec.template.as_ref().unwrap().spec.as_ref().unwrap().containers[0].image.as_deref() == Some("nginx:1.26")).unwrap();
    let a = back.metadata.annotations.clone().unwrap();
    assert_eq!((a[REVISION].as_str(), a[REVISION_HISTORY].as_str()), ("4", "2"));
    assert_eq!(rs_replicas(back), 2);
    assert_eq!(deployment(&sim).metadata.annotations.unwrap()[REVISION], "4");
    let history = kubectl(&mut sim, "rollout history deployment/web").stdout;
    let listed: Vec<&str> = history.lines().skip(2).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(listed, ["1", "3", "4"], "{history}");
}

#[test]
fn restart_and_history_limit() {
    let mut sim = new_sim();
    create(&mut sim, &deployment_yaml(1, "{}", "nginx:1.25").replace("spec:\n  replicas", "spec:\n  revisionHistoryLimit: 1\n  replicas"));
    finish_rollout(&mut sim);
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(kubectl(&mut sim, "rollout restart deployment/web").stdout, "deployment.apps/web restarted\n");
    finish_rollout(&mut sim);
    assert_eq!(replica_sets(&sim).len(), 2, "restart made a new replica set");
    for image in ["nginx:1.26", "nginx:1.27", "nginx:1.28"] {
        kubectl(&mut sim, &format!("set image deployment/web web={image}"));
        finish_rollout(&mut sim);
    }
    let revs: Vec<String> = replica_sets(&sim).iter().map(|r| r.metadata.annotations.clone().unwrap()[REVISION].clone()).collect();
    assert_eq!(revs, ["4", "5"], "one old replica set is kept");
    assert_eq!(sizes(&sim), vec![0, 1]);
}

#[test]
fn paused_deployments_do_not_roll_out() {
    let mut sim = new_sim();
    create(&mut sim, &deployment_yaml(2, "{}", "nginx:1.25"));
    finish_rollout(&mut sim);
    kubectl(&mut sim, "rollout pause deployment/web");
    kubectl(&mut sim, "set image deployment/web web=nginx:1.26");
    settle(&mut sim);
    assert_eq!(replica_sets(&sim).len(), 1);
    let progressing = |sim: &Sim| {
        let d = deployment(sim);
        let c = super::status::get_condition(d.status.as_ref(), "Progressing").cloned().unwrap();
        (c.status.unwrap(), c.reason.unwrap(), c.message.unwrap())
    };
    assert_eq!(progressing(&sim), ("Unknown".into(), "DeploymentPaused".into(), "Deployment is paused".into()));
    kubectl(&mut sim, "rollout resume deployment/web");
    settle(&mut sim);
    assert_eq!(replica_sets(&sim).len(), 2);
    finish_rollout(&mut sim);
    assert_eq!(progressing(&sim).1, "NewReplicaSetAvailable");
}

#[test]
fn progress_deadline_is_reported() {
    let mut sim = new_sim();
    let yaml = deployment_yaml(2, "{}", "nginx:1.25").replace("spec:\n  replicas", "spec:\n  progressDeadlineSeconds: 30\n  replicas");
    create(&mut sim, &yaml);
    sim.after_action();
    sim.advance(SimDuration::from_secs(29));
    let reason = |sim: &Sim| super::status::get_condition(deployment(sim).status.as_ref(), "Progressing").unwrap().reason.clone().unwrap();
    assert_eq!(reason(&sim), "ReplicaSetUpdated");
    sim.advance(SimDuration::from_secs(3));
    let d = deployment(&sim);
    let c = super::status::get_condition(d.status.as_ref(), "Progressing").unwrap();
    let rs = replica_sets(&sim)[0].metadata.name.clone().unwrap();
    assert_eq!((c.status.as_deref(), c.reason.as_deref()), (Some("False"), Some("ProgressDeadlineExceeded")));
    assert_eq!(c.message.clone().unwrap(), format!("ReplicaSet \"{rs}\" has timed out progressing."));
}

#[test]
fn scaling_mid_rollout_is_proportional() {
    let mut sim = new_sim();
    create(&mut sim, &deployment_yaml(10, "{}", "nginx:1.25"));
    finish_rollout(&mut sim);
    kubectl(&mut sim, "set image deployment/web web=nginx:1.26");
    settle(&mut sim);
    assert_eq!(sizes(&sim), vec![8, 5]);
    kubectl(&mut sim, "scale deployment/web --replicas=15");
    settle(&mut sim);
    // 13 at max-replicas 13 -> allowed 15 + 4 = 19, 6 to add: old 8 -> round(8*19/13) = 12,
    // new 5 -> round(5*19/13) = 7; the new pods are unavailable, so nothing more moves.
    assert_eq!(sizes(&sim), vec![12, 7]);
    for rs in replica_sets(&sim) {
        assert_eq!(rs.metadata.annotations.unwrap()["deployment.kubernetes.io/desired-replicas"], "15");
    }
}

fn delete_web(sim: &mut Sim, propagation: Propagation) {
    let key = ObjectRef::new(Kind::Deployment, Some("default"), "web");
    sim.api().delete(&key, propagation, &Component::new("kubectl"), Cause::Bootstrap).unwrap();
    settle(sim);
}

#[test]
fn garbage_collection_background_foreground_and_orphan() {
    for propagation in [Propagation::Background, Propagation::Foreground] {
        let mut sim = new_sim();
        create(&mut sim, &deployment_yaml(3, "{}", "nginx:1.25"));
        finish_rollout(&mut sim);
        delete_web(&mut sim, propagation);
        assert!(sim.get(&ObjectRef::new(Kind::Deployment, Some("default"), "web")).is_none());
        assert_eq!((replica_sets(&sim).len(), pods(&sim).len()), (0, 0), "{propagation:?}");
    }
    let mut sim = new_sim();
    create(&mut sim, &deployment_yaml(3, "{}", "nginx:1.25"));
    finish_rollout(&mut sim);
    delete_web(&mut sim, Propagation::Orphan);
    assert!(sim.get(&ObjectRef::new(Kind::Deployment, Some("default"), "web")).is_none());
    let rss = replica_sets(&sim);
    assert_eq!(rss.len(), 1);
    assert!(rss[0].metadata.owner_references.is_none());
    assert_eq!(pods(&sim).len(), 3, "the pods stay with their replica set");
    let _ = obj;
}
