//! The scheduler inside a running simulation: pods created through the API server are bound,
//! or left Pending with the event and condition kube-scheduler writes.

use k8s_openapi::api::core::v1::{Event, Node, Pod};

use crate::api::{Kind, Object};
use crate::sim::{ClusterConfig, Sim};
use crate::store::{Cause, Component, ObjectRef};

pub(super) fn pod_object(name: &str, cpu: &str, extra: serde_json::Value) -> Object {
    let mut v = serde_json::json!({
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": cpu}}}]}
    });
    if let (Some(spec), Some(extra)) = (v["spec"].as_object_mut(), extra.as_object()) {
        spec.extend(extra.clone());
    }
    Object::from_value(Kind::Pod, v).unwrap()
}

pub(super) fn create(sim: &mut Sim, obj: Object) {
    let action = sim.begin_action("kubectl create");
    sim.api().create(obj, &Component::new("kubectl"), Cause::Action(action)).unwrap();
    sim.after_action();
    sim.settle(10_000);
}

pub(super) fn key(name: &str) -> ObjectRef {
    ObjectRef::new(Kind::Pod, Some("default"), name)
}

pub(super) fn get_pod(sim: &Sim, name: &str) -> Pod {
    match sim.get(&key(name)) {
        Some(Object::Pod(p)) => (**p).clone(),
        _ => panic!("no pod {name}"),
    }
}

pub(super) fn node_of(sim: &Sim, name: &str) -> Option<String> {
    get_pod(sim, name).spec.and_then(|s| s.node_name)
}

pub(super) fn events_for(sim: &Sim, name: &str) -> Vec<Event> {
    sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some(name) => Some((**e).clone()),
            _ => None,
        })
        .collect()
}

pub(super) fn scheduled_condition(sim: &Sim, name: &str) -> Option<(String, Option<String>, Option<String>)> {
    let pod = get_pod(sim, name);
    let c = pod.status?.conditions?.into_iter().find(|c| c.type_ == "PodScheduled")?;
    Some((c.status, c.reason, c.message))
}

#[test]
fn pods_are_bound_with_an_event_and_a_condition() {
    let mut sim = Sim::new(ClusterConfig::default());
    for i in 0..5 {
        create(&mut sim, pod_object(&format!("web-{i}"), "500m", serde_json::json!({})));
    }
    for i in 0..5 {
        let name = format!("web-{i}");
        let node = node_of(&sim, &name).expect("bound");
        assert_eq!(scheduled_condition(&sim, &name), Some(("True".into(), None, None)));
        let events = events_for(&sim, &name);
        let scheduled = events.iter().find(|e| e.reason.as_deref() == Some("Scheduled")).expect("Scheduled event");
        assert_eq!(scheduled.message.as_deref(), Some(format!("Successfully assigned default/{name} to {node}").as_str()));
        assert_eq!(scheduled.type_.as_deref(), Some("Normal"));
        assert_eq!(scheduled.source.as_ref().and_then(|s| s.component.as_deref()), Some("default-scheduler"));
        let decision = sim.scheduling_decision(&key(&name)).expect("decision kept");
        assert_eq!(decision.nodes.len(), 3, "every node filtered in a small cluster");
        assert_eq!(decision.selected.as_deref(), Some(node.as_str()));
    }
    // Spreading: five equal pods over three equal nodes use every node.
    let mut used: Vec<String> = (0..5).filter_map(|i| node_of(&sim, &format!("web-{i}"))).collect();
    used.sort();
    used.dedup();
    assert_eq!(used.len(), 3);
}

#[test]
fn a_pod_too_big_for_any_node_stays_pending() {
    let mut sim = Sim::new(ClusterConfig::default());
    create(&mut sim, pod_object("big", "5", serde_json::json!({})));
    let want = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..";
    assert_eq!(node_of(&sim, "big"), None);
    assert_eq!(scheduled_condition(&sim, "big"), Some(("False".into(), Some("Unschedulable".into()), Some(want.into()))));
    let events = events_for(&sim, "big");
    let failed: Vec<&Event> = events.iter().filter(|e| e.reason.as_deref() == Some("FailedScheduling")).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].message.as_deref(), Some(want));
    assert_eq!(failed[0].type_.as_deref(), Some("Warning"));
    let d = sim.scheduling_decision(&key("big")).expect("decision");
    assert!(d.nodes.iter().all(|n| n.failed.as_ref().is_some_and(|(p, _)| *p == "NodeResourcesFit")));
    // A node with room joining makes the pod schedulable.
    let mut node: Node = match sim.get(&ObjectRef::new(Kind::Node, None, "node-1")) {
        Some(Object::Node(n)) => (**n).clone(),
        _ => panic!("node-1"),
    };
    node.metadata = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta { name: Some("node-big".into()), ..Default::default() };
    let alloc = node.status.as_mut().and_then(|s| s.allocatable.as_mut()).unwrap();
    alloc.insert("cpu".into(), k8s_openapi::apimachinery::pkg::api::resource::Quantity("8".into()));
    create(&mut sim, node.into());
    assert_eq!(node_of(&sim, "big").as_deref(), Some("node-big"));
}

#[test]
fn cordoned_nodes_are_skipped() {
    let mut sim = Sim::new(ClusterConfig::default());
    let action = sim.begin_action("kubectl cordon");
    for n in ["node-1", "node-3"] {
        let Some(Object::Node(node)) = sim.get(&ObjectRef::new(Kind::Node, None, n)).cloned() else { panic!() };
        let mut node = (*node).clone();
        node.spec.get_or_insert_with(Default::default).unschedulable = Some(true);
        node.metadata.resource_version = None;
        sim.api().update(node.into(), &Component::new("kubectl"), Cause::Action(action)).unwrap();
    }
    sim.after_action();
    sim.settle(10_000);
    for i in 0..3 {
        create(&mut sim, pod_object(&format!("p{i}"), "100m", serde_json::json!({})));
        assert_eq!(node_of(&sim, &format!("p{i}")).as_deref(), Some("node-2"));
    }
    let d = sim.scheduling_decision(&key("p0")).unwrap();
    let n1 = d.nodes.iter().find(|n| n.node == "node-1").unwrap();
    assert_eq!(n1.failed.as_ref().map(|(p, s)| (*p, s.reasons[0].as_str())), Some(("NodeUnschedulable", "node(s) were unschedulable")));
}

#[test]
fn pods_for_another_scheduler_are_left_alone() {
    let mut sim = Sim::new(ClusterConfig::default());
    create(&mut sim, pod_object("custom", "100m", serde_json::json!({"schedulerName": "my-scheduler"})));
    assert_eq!(node_of(&sim, "custom"), None);
    assert_eq!(scheduled_condition(&sim, "custom"), None);
    assert!(events_for(&sim, "custom").is_empty());
    assert!(sim.scheduling_decision(&key("custom")).is_none());
}

#[test]
fn a_missing_claim_fails_at_prefilter() {
    let mut sim = Sim::new(ClusterConfig::default());
    let volumes = serde_json::json!({"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]});
    create(&mut sim, pod_object("db", "100m", volumes));
    let want = "0/3 nodes are available: persistentvolumeclaim \"data\" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..";
    let events = events_for(&sim, "db");
    assert_eq!(events.iter().find(|e| e.reason.as_deref() == Some("FailedScheduling")).and_then(|e| e.message.as_deref()), Some(want));
}

#[test]
fn a_node_joining_during_back_off_is_used_when_it_ends() {
    let mut sim = Sim::new(ClusterConfig::default());
    let action = sim.begin_action("kubectl create");
    sim.api().create(pod_object("big", "6", serde_json::json!({})), &Component::new("kubectl"), Cause::Action(action)).unwrap();
    sim.after_action();
    // The first attempt fails; its back-off (1 s) has not ended when the node joins.
    while sim.scheduling_decision(&key("big")).is_none() {
        assert!(sim.step());
    }
    assert_eq!(node_of(&sim, "big"), None);
    let Some(Object::Node(node)) = sim.get(&ObjectRef::new(Kind::Node, None, "node-1")).cloned() else { panic!() };
    let mut node = (*node).clone();
    node.metadata = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta { name: Some("node-big".into()), ..Default::default() };
    let alloc = node.status.as_mut().and_then(|s| s.allocatable.as_mut()).unwrap();
    alloc.insert("cpu".into(), k8s_openapi::apimachinery::pkg::api::resource::Quantity("8".into()));
    let before = sim.now();
    create(&mut sim, node.into());
    assert_eq!(node_of(&sim, "big").as_deref(), Some("node-big"));
    assert!(sim.now().since(before) >= crate::time::SimDuration::from_millis(900));
    assert_eq!(sim.scheduling_decision(&key("big")).map(|d| d.attempt), Some(2));
}

#[test]
fn an_unschedulable_pod_is_retried_after_five_minutes() {
    let mut sim = Sim::new(ClusterConfig::default());
    create(&mut sim, pod_object("big", "5", serde_json::json!({})));
    let failed = |sim: &Sim| -> Vec<(i32, Option<String>)> {
        events_for(sim, "big")
            .into_iter()
            .filter(|e| e.reason.as_deref() == Some("FailedScheduling"))
            .map(|e| (e.count.unwrap_or(1), e.message))
            .collect()
    };
    let first = sim.scheduling_decision(&key("big")).map(|d| d.at).expect("attempted");
    assert_eq!(failed(&sim).len(), 1);
    assert_eq!(failed(&sim)[0].0, 1);
    // Nothing changes in the cluster: no retry before 5 minutes have passed.
    sim.advance(crate::time::SimDuration::from_secs(290));
    assert_eq!(sim.scheduling_decision(&key("big")).map(|d| d.attempt), Some(1));
    assert_eq!(failed(&sim)[0].0, 1);
    // The leftover flush (every 30 s) retries it at its first tick more than 5 minutes later.
    sim.advance(crate::time::SimDuration::from_secs(60));
    let d = sim.scheduling_decision(&key("big")).expect("decision");
    assert_eq!(d.attempt, 2);
    assert_eq!(d.at, crate::controllers::scheduler::leftover_retry(first));
    assert!(d.at.since(first) > crate::time::SimDuration::from_secs(300));
    assert!(d.at.since(first) <= crate::time::SimDuration::from_secs(330));
    let events = failed(&sim);
    assert_eq!(events.len(), 1, "the same message is aggregated into the existing event");
    assert_eq!(events[0].0, 2);
    assert_eq!(node_of(&sim, "big"), None);
    // And again five minutes later.
    sim.advance(crate::time::SimDuration::from_secs(330));
    assert_eq!(failed(&sim)[0].0, 3);
}

#[test]
fn leftover_retries_fall_on_the_thirty_second_ticks() {
    use crate::controllers::scheduler::leftover_retry;
    use crate::time::SimTime;
    let s = |secs: u64| SimTime(secs * 1_000_000);
    assert_eq!(leftover_retry(s(0)), s(330), "at 300 s exactly, 300 s have not yet been exceeded");
    assert_eq!(leftover_retry(s(1)), s(330));
    assert_eq!(leftover_retry(s(29)), s(330));
    assert_eq!(leftover_retry(s(30)), s(360));
    assert_eq!(leftover_retry(SimTime(12_500_000)), s(330));
}

#[test]
fn the_cache_follows_the_watch_without_a_scheduling_cycle() {
    let mut sim = Sim::new(ClusterConfig { nodes: 1, controllers: vec![crate::controllers::Controller::Scheduler], ..ClusterConfig::bare() });
    create(&mut sim, pod_object("a", "100m", serde_json::json!({})));
    let mut pod = get_pod(&sim, "a");
    pod.metadata.resource_version = None;
    pod.status.get_or_insert_with(Default::default).phase = Some("Running".into());
    sim.api().update(Object::Pod(Box::new(pod)), &Component::new("kubelet"), Cause::Bootstrap).unwrap();
    sim.after_action();
    let cached = sim.controller_state().scheduler.bound_pod(&key("a")).map(|p| p.pod.clone());
    let stored = sim.store().get(&key("a")).cloned();
    assert!(cached.zip(stored).is_some_and(|(c, s)| std::sync::Arc::ptr_eq(&c, &s)));
}

fn node_images(sim: &Sim, node: &str) -> Vec<(Vec<String>, i64)> {
    match sim.get(&ObjectRef::new(Kind::Node, None, node)) {
        Some(Object::Node(n)) => n
            .status
            .as_ref()
            .and_then(|s| s.images.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.names.unwrap_or_default(), i.size_bytes.unwrap_or_default()))
            .collect(),
        _ => panic!("no node {node}"),
    }
}

fn image_locality(sim: &Sim, pod: &str) -> Vec<(String, i64)> {
    let d = sim.scheduling_decision(&key(pod)).expect("a decision");
    let p = super::framework::SCORE_PLUGINS.iter().position(|(n, _)| *n == "ImageLocality").unwrap();
    let mut out: Vec<(String, i64)> = d.nodes.iter().filter_map(|n| Some((n.node.to_string(), n.scores[p]?.normalized))).collect();
    out.sort();
    out
}

#[test]
fn image_locality_favours_the_node_that_pulled_the_image_named_as_it_lists_it() {
    let mut sim = Sim::new(ClusterConfig::default());
    let nodes: Vec<String> = sim.store().list(Kind::Node, None).map(|n| n.name().to_string()).collect();
    let first = nodes[0].clone();
    let image = "docker.io/library/mysql:8.0";
    let pinned = serde_json::json!({"nodeName": first, "containers": [{"name": "db", "image": image, "env": [{"name": "MYSQL_ROOT_PASSWORD", "value": "x"}]}]});
    create(&mut sim, pod_object("db-0", "100m", pinned));
    // The pull completes, then the next node status sync (every 10 s) lists the image.
    sim.advance(crate::time::SimDuration::from_secs(30));
    let listed = node_images(&sim, &first);
    let (names, size) = listed.iter().find(|(names, _)| names.iter().any(|n| n == image)).expect("mysql listed").clone();
    assert!(names[0].starts_with("docker.io/library/mysql@sha256:"), "{names:?}");
    assert_eq!(names[1..], [image.to_string()]);
    let sizes: Vec<i64> = listed.iter().map(|i| i.1).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first: {listed:?}");
    for other in &nodes[1..] {
        assert!(node_images(&sim, other).iter().all(|(names, _)| !names.iter().any(|n| n == image)), "{other}");
    }

    // Named exactly as the node lists it: the node scores size × 1/N, the others 0.
    let same = serde_json::json!({"containers": [{"name": "db", "image": image}]});
    create(&mut sim, pod_object("db-1", "100m", same));
    let want = super::plugins::image_locality::calculate_priority((size as f64 / nodes.len() as f64) as i64, 1);
    assert!(want > 0, "{size} bytes over {} nodes", nodes.len());
    for (node, score) in image_locality(&sim, "db-1") {
        assert_eq!(score, if node == first { want } else { 0 }, "{node}");
    }

    // The short name `mysql:8.0` is not normalised to the listed name: 0 everywhere.
    let short = serde_json::json!({"containers": [{"name": "db", "image": "mysql:8.0"}]});
    create(&mut sim, pod_object("db-2", "100m", short));
    assert!(image_locality(&sim, "db-2").iter().all(|(_, s)| *s == 0));
}

#[test]
fn a_pod_naming_its_node_is_filtered_there_only() {
    let mut sim = Sim::new(ClusterConfig::default());
    let on = |node: &str, extra_term: &str, cpu: &str| {
        serde_json::from_str::<serde_json::Value>(&format!(
            r#"{{"affinity": {{"nodeAffinity": {{"requiredDuringSchedulingIgnoredDuringExecution": {{"nodeSelectorTerms": [
                {{"matchFields": [{{"key": "metadata.name", "operator": "In", "values": ["{node}"]}}{extra_term}]}}]}}}}}},
              "containers": [{{"name": "c", "image": "nginx", "resources": {{"requests": {{"cpu": "{cpu}"}}}}}}]}}"#
        ))
        .unwrap()
    };
    create(&mut sim, pod_object("fits", "100m", on("node-2", "", "100m")));
    assert_eq!(node_of(&sim, "fits").as_deref(), Some("node-2"));
    let d = sim.scheduling_decision(&key("fits")).unwrap();
    assert_eq!((d.absent, d.nodes.len()), (2, 1));

    create(&mut sim, pod_object("too-big", "64", on("node-2", "", "64")));
    let (_, reason, message) = scheduled_condition(&sim, "too-big").unwrap();
    assert_eq!(reason.as_deref(), Some("Unschedulable"));
    assert_eq!(
        message.as_deref(),
        Some("0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..")
    );

    let conflict = r#", {"key": "metadata.name", "operator": "In", "values": ["node-3"]}"#;
    create(&mut sim, pod_object("torn", "100m", on("node-2", conflict, "100m")));
    let (_, _, message) = scheduled_condition(&sim, "torn").unwrap();
    assert_eq!(
        message.as_deref(),
        Some("0/3 nodes are available: pod affinity terms conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..")
    );
}
