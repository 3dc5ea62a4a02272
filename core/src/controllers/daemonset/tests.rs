//! DaemonSets in a running simulation: one pod per eligible node, following nodes as they
//! join, leave and change.

use k8s_openapi::api::core::v1::{Node, Pod, Taint};
use serde_json::json;

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::sim::{ClusterConfig, Sim};
use crate::store::{Cause, Component, ObjectRef};
use crate::time::SimDuration;

use super::target_of;

fn kubectl() -> Component {
    Component::new("kubectl")
}

fn ds_object(node_selector: Option<serde_json::Value>) -> Object {
    let mut spec = json!({"containers": [{"name": "agent", "image": "nginx"}]});
    if let Some(sel) = node_selector {
        spec["nodeSelector"] = sel;
    }
    let v = json!({
        "metadata": {"name": "fluentd", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "fluentd"}},
            "template": {"metadata": {"labels": {"app": "fluentd"}}, "spec": spec}
        }
    });
    Object::from_value(Kind::DaemonSet, v).unwrap()
}

fn write(sim: &mut Sim, f: impl FnOnce(&mut Sim, Cause)) {
    let action = sim.begin_action("test");
    f(sim, Cause::Action(action));
    sim.after_action();
    sim.settle(100_000);
}

fn create(sim: &mut Sim, obj: Object) {
    write(sim, |sim, cause| {
        sim.api().create(obj, &kubectl(), cause).unwrap();
    });
}

fn node(sim: &Sim, name: &str) -> Node {
    match sim.get(&ObjectRef::new(Kind::Node, None, name)) {
        Some(Object::Node(n)) => (**n).clone(),
        _ => panic!("no node {name}"),
    }
}

fn update_node(sim: &mut Sim, name: &str, f: impl FnOnce(&mut Node)) {
    let mut n = node(sim, name);
    f(&mut n);
    n.metadata.resource_version = None;
    write(sim, |sim, cause| {
        sim.api().update(n.into(), &kubectl(), cause).unwrap();
    });
}

/// The live daemon pods, by target node.
fn daemon_pods(sim: &Sim) -> Vec<(String, Pod)> {
    let mut v: Vec<(String, Pod)> = sim
        .store()
        .list(Kind::Pod, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Pod(p) if p.metadata.deletion_timestamp.is_none() => Some((target_of(p.spec.as_ref()).unwrap_or_default(), (**p).clone())),
            _ => None,
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn targets(sim: &Sim) -> Vec<String> {
    daemon_pods(sim).into_iter().map(|(n, _)| n).collect()
}

fn messages(sim: &Sim) -> Vec<String> {
    sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.kind.as_deref() == Some("DaemonSet") => e.message.clone(),
            _ => None,
        })
        .collect()
}

#[test]
fn daemonset_runs_one_pod_per_node_with_node_affinity() {
    let mut sim = Sim::new(ClusterConfig::default());
    create(&mut sim, ds_object(None));
    let pods = daemon_pods(&sim);
    assert_eq!(targets(&sim), vec!["node-1", "node-2", "node-3"]);
    let msgs = messages(&sim);
    for (node, p) in &pods {
        let name = p.metadata.name.clone().unwrap();
        let suffix = name.strip_prefix("fluentd-").expect("generateName fluentd-");
        assert!(suffix.len() == 5 && suffix.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)), "{name}");
        assert!(msgs.contains(&format!("Created pod: {name}")), "{msgs:?}");
        let spec = p.spec.as_ref().unwrap();
        let required = spec.affinity.as_ref().unwrap().node_affinity.as_ref().unwrap().required_during_scheduling_ignored_during_execution.as_ref().unwrap();
        let field = &required.node_selector_terms[0].match_fields.as_ref().unwrap()[0];
        assert_eq!((field.key.as_str(), field.operator.as_str(), field.values.clone()), ("metadata.name", "In", Some(vec![node.clone()])));
        let tolerations = spec.tolerations.as_ref().unwrap();
        let keys: Vec<&str> = tolerations.iter().filter_map(|t| t.key.as_deref()).collect();
        assert_eq!(keys, vec![
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
            "node.kubernetes.io/disk-pressure",
            "node.kubernetes.io/memory-pressure",
            "node.kubernetes.io/pid-pressure",
            "node.kubernetes.io/unschedulable",
        ]);
        let labels = p.metadata.labels.as_ref().unwrap();
        assert_eq!(labels.get("pod-template-generation").map(String::as_str), Some("1"));
        let hash = labels.get("controller-revision-hash").unwrap();
        assert!(hash.chars().all(|c| "456789bcdf".contains(c)), "{hash}");
        let rev = ObjectRef::new(Kind::ControllerRevision, Some("default"), &format!("fluentd-{hash}"));
        assert!(matches!(sim.get(&rev), Some(Object::ControllerRevision(r)) if r.revision == Some(1)));
    }
    let ds = match sim.get(&ObjectRef::new(Kind::DaemonSet, Some("default"), "fluentd")) {
        Some(Object::DaemonSet(d)) => (**d).clone(),
        _ => panic!(),
    };
    let st = ds.status.unwrap();
    assert_eq!((st.desired_number_scheduled, st.current_number_scheduled, st.number_misscheduled), (3, 3, 0));
    assert_eq!(st.updated_number_scheduled, Some(3));
    assert_eq!(st.observed_generation, Some(1));
}

#[test]
fn daemonset_skips_an_untolerated_noschedule_taint() {
    let mut sim = Sim::new(ClusterConfig::default());
    update_node(&mut sim, "node-2", |n| {
        n.spec.get_or_insert_with(Default::default).taints =
            Some(vec![Taint { key: "dedicated".into(), value: Some("db".into()), effect: "NoSchedule".into(), ..Default::default() }]);
    });
    create(&mut sim, ds_object(None));
    assert_eq!(targets(&sim), vec!["node-1", "node-3"]);
}

#[test]
fn daemonset_follows_nodes_joining_and_leaving() {
    let mut sim = Sim::new(ClusterConfig::default());
    create(&mut sim, ds_object(None));
    let mut extra = node(&sim, "node-1");
    extra.metadata = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        name: Some("node-9".into()),
        labels: Some([("kubernetes.io/hostname".to_string(), "node-9".to_string())].into()),
        ..Default::default()
    };
    extra.spec.get_or_insert_with(Default::default).pod_cidr = None;
    extra.spec.get_or_insert_with(Default::default).pod_cidrs = None;
    create(&mut sim, extra.into());
    assert_eq!(targets(&sim), vec!["node-1", "node-2", "node-3", "node-9"]);

    write(&mut sim, |sim, cause| {
        let key = ObjectRef::new(Kind::Node, None, "node-2");
        sim.api().delete(&key, Propagation::Background, &kubectl(), cause).unwrap();
    });
    sim.advance(SimDuration::from_secs(120));
    assert_eq!(targets(&sim), vec!["node-1", "node-3", "node-9"]);
}

#[test]
fn daemonset_honours_node_selector_and_label_changes() {
    let mut sim = Sim::new(ClusterConfig::default());
    update_node(&mut sim, "node-3", |n| {
        n.metadata.labels.get_or_insert_with(Default::default).insert("disk".into(), "ssd".into());
    });
    create(&mut sim, ds_object(Some(json!({"disk": "ssd"}))));
    assert_eq!(targets(&sim), vec!["node-3"]);
    update_node(&mut sim, "node-3", |n| {
        n.metadata.labels.get_or_insert_with(Default::default).remove("disk");
    });
    sim.advance(SimDuration::from_secs(60));
    assert!(targets(&sim).is_empty(), "{:?}", targets(&sim));
    let msgs = messages(&sim);
    assert!(msgs.iter().any(|m| m.starts_with("Deleted pod: fluentd-")), "{msgs:?}");
}

#[test]
fn daemonset_revisions_show_in_rollout_history() {
    use crate::kubectl::test_support::kubectl as run;
    let mut sim = Sim::new(ClusterConfig::default());
    create(&mut sim, ds_object(None));
    let out = run(&mut sim, "rollout history daemonset/fluentd");
    assert_eq!(out.stdout, "daemonset.apps/fluentd \nREVISION  CHANGE-CAUSE\n1         <none>\n\n", "{}", out.stderr);
    let mut ds = match sim.get(&ObjectRef::new(Kind::DaemonSet, Some("default"), "fluentd")) {
        Some(Object::DaemonSet(d)) => (**d).clone(),
        _ => panic!(),
    };
    ds.spec.template.spec.as_mut().unwrap().containers[0].image = Some("nginx:1.27".into());
    ds.metadata.resource_version = None;
    write(&mut sim, |sim, cause| {
        sim.api().update(ds.into(), &kubectl(), cause).unwrap();
    });
    sim.advance(SimDuration::from_secs(120));
    let out = run(&mut sim, "rollout history daemonset/fluentd");
    assert_eq!(out.stdout, "daemonset.apps/fluentd \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n", "{}", out.stderr);
    let out = run(&mut sim, "get controllerrevisions");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME") && lines[0].contains("CONTROLLER") && lines[0].contains("REVISION"), "{}", out.stdout);
    assert!(lines[1].contains("daemonset.apps/fluentd"), "{}", out.stdout);
    // Every pod was replaced node by node with the new template.
    let images: Vec<String> = daemon_pods(&sim).into_iter().map(|(_, p)| p.spec.unwrap().containers[0].image.clone().unwrap()).collect();
    assert_eq!(images, vec!["nginx:1.27"; 3]);
}

#[test]
fn a_failed_daemon_pod_is_killed_with_the_event_and_replaced() {
    // Pods for a scheduler nobody runs: no kubelet reports on them, the test does.
    let mut sim = Sim::new(ClusterConfig::default());
    let Object::DaemonSet(mut ds) = ds_object(None) else { unreachable!() };
    ds.spec.template.spec.as_mut().unwrap().scheduler_name = Some("manual".into());
    create(&mut sim, Object::DaemonSet(ds));
    let (node, mut p) = daemon_pods(&sim).into_iter().find(|(n, _)| n == "node-2").expect("a pod on node-2");
    let name = p.metadata.name.clone().unwrap();
    let mut status = p.status.take().unwrap_or_default();
    status.phase = Some("Failed".into());
    let key = ObjectRef::new(Kind::Pod, Some("default"), &name);
    write(&mut sim, |sim, cause| {
        sim.api().update_pod_status(&key, status, &kubectl(), cause).unwrap();
    });
    let m = messages(&sim);
    assert!(m.contains(&format!("Found failed daemon pod default/{name} on node {node}, will try to kill it")), "{m:?}");
    let pods: Vec<(String, Option<String>, bool)> = sim
        .store()
        .list(Kind::Pod, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Pod(p) => Some((p.metadata.name.clone().unwrap_or_default(), p.status.as_ref().and_then(|s| s.phase.clone()), p.metadata.deletion_timestamp.is_some())),
            _ => None,
        })
        .collect();
    assert!(daemon_pods(&sim).iter().any(|(n, p)| n == "node-2" && p.metadata.name.as_deref() != Some(name.as_str())), "replaced: {pods:?}");
}
