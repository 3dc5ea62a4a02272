use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::sim::{ClusterConfig, Propagation, Sim};
use crate::store::{Cause, Component, ObjectRef};
use crate::time::SimDuration;

fn pod_obj(name: &str, node: &str, containers: serde_json::Value, extra: serde_json::Value) -> Object {
    let mut v = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"nodeName": node, "containers": containers}
    });
    if let (Some(spec), Some(extra)) = (v["spec"].as_object_mut(), extra.as_object()) {
        for (k, x) in extra {
            spec.insert(k.clone(), x.clone());
        }
    }
    Object::from_value(Kind::Pod, v).unwrap()
}

fn create(sim: &mut Sim, obj: Object) {
    sim.api().create(obj, &Component::new("test"), Cause::Bootstrap).unwrap();
    sim.after_action();
}

fn nginx(sim: &mut Sim, name: &str, node: &str) {
    create(sim, pod_obj(name, node, serde_json::json!([{"name": "nginx", "image": "nginx:1.27"}]), serde_json::json!({})));
}

fn key(name: &str) -> ObjectRef {
    ObjectRef::new(Kind::Pod, Some("default"), name)
}

fn pod(sim: &Sim, name: &str) -> Pod {
    match sim.get(&key(name)) {
        Some(Object::Pod(p)) => p.as_ref().clone(),
        other => panic!("no pod {name}: {other:?}"),
    }
}

fn phase(sim: &Sim, name: &str) -> String {
    pod(sim, name).status.and_then(|s| s.phase).unwrap_or_default()
}

fn summary(sim: &Sim, name: &str) -> String {
    crate::kubectl::printers::pods::summarize(&pod(sim, name)).reason
}

fn condition(sim: &Sim, name: &str, t: &str) -> String {
    pod(sim, name)
        .status
        .and_then(|s| s.conditions)
        .and_then(|cs| cs.into_iter().find(|c| c.type_ == t))
        .map(|c| c.status)
        .unwrap_or_default()
}

/// (reason, message) of the events about `name`, oldest first.
pub(super) fn events(sim: &Sim, name: &str) -> Vec<(String, String)> {
    super::probes_tests::events(sim, name).into_iter().map(|(_, r, m, _)| (r, m)).collect()
}

fn reasons(sim: &Sim, name: &str) -> Vec<String> {
    events(sim, name).into_iter().map(|(r, _)| r).collect()
}

#[test]
fn pod_walks_to_running_with_sequential_ips() {
    let mut sim = Sim::new(ClusterConfig::bare());
    nginx(&mut sim, "web-1", "node-1");
    sim.advance(SimDuration::from_millis(10));
    assert_eq!(summary(&sim, "web-1"), "ContainerCreating");
    assert_eq!(phase(&sim, "web-1"), "Pending");
    sim.advance(SimDuration::from_secs(5));
    let p = pod(&sim, "web-1");
    let st = p.status.clone().unwrap();
    assert_eq!(st.phase.as_deref(), Some("Running"));
    assert_eq!(st.pod_ip.as_deref(), Some("10.244.0.2"));
    assert_eq!(st.host_ip.as_deref(), Some("192.168.56.11"));
    assert_eq!(condition(&sim, "web-1", "Ready"), "True");
    assert_eq!(condition(&sim, "web-1", "ContainersReady"), "True");
    assert_eq!(condition(&sim, "web-1", "Initialized"), "True");
    assert_eq!(condition(&sim, "web-1", "PodReadyToStartContainers"), "True");
    let cs = &st.container_statuses.unwrap()[0];
    assert!(cs.ready);
    assert_eq!(cs.image, "docker.io/library/nginx:1.27");
    assert!(cs.image_id.starts_with("docker.io/library/nginx@sha256:"));
    assert_eq!(cs.container_id.as_deref().unwrap().len(), "containerd://".len() + 64);
    assert_eq!(summary(&sim, "web-1"), "Running");
    let evs = events(&sim, "web-1");
    let rs: Vec<&str> = evs.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(rs, ["Pulling", "Pulled", "Created", "Started"]);
    assert_eq!(evs[0].1, "Pulling image \"nginx:1.27\"");
    assert!(evs[1].1.starts_with("Successfully pulled image \"nginx:1.27\" in 1."), "{}", evs[1].1);
    assert!(evs[1].1.ends_with("including waiting). Image size: 72080558 bytes."), "{}", evs[1].1);
    assert_eq!(evs[2].1, "Created container: nginx");
    assert_eq!(evs[3].1, "Started container nginx");
    // Logs and metrics.
    let uid = p.metadata.uid.clone().unwrap();
    let log = sim.container_logs().get(&uid, "nginx").unwrap();
    assert!(log.current.iter().any(|l| l.text.contains("Configuration complete; ready for start up")));
    assert!(sim.metrics().pod(&uid).is_some());

    // The next pod on the node gets .3, and the image is already there.
    nginx(&mut sim, "web-2", "node-1");
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(pod(&sim, "web-2").status.unwrap().pod_ip.as_deref(), Some("10.244.0.3"));
    assert_eq!(events(&sim, "web-2")[0].1, "Container image \"nginx:1.27\" already present on machine");
    // Another node, another subnet.
    nginx(&mut sim, "web-3", "node-2");
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(pod(&sim, "web-3").status.unwrap().pod_ip.as_deref(), Some("10.244.1.2"));
}

#[test]
fn addresses_are_not_reused_until_wrap() {
    let mut sim = Sim::new(ClusterConfig::bare());
    nginx(&mut sim, "a", "node-1");
    nginx(&mut sim, "b", "node-1");
    sim.advance(SimDuration::from_secs(10));
    let by = Component::new("test");
    sim.api().delete_with_grace(&key("a"), Propagation::Background, Some(0), &by, Cause::Bootstrap).unwrap();
    sim.after_action();
    sim.advance(SimDuration::from_secs(1));
    assert!(sim.get(&key("a")).is_none());
    nginx(&mut sim, "c", "node-1");
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(pod(&sim, "c").status.unwrap().pod_ip.as_deref(), Some("10.244.0.4"));
    let held: Vec<String> = sim.api().net.node("node-1").unwrap().ipam.held().keys().map(|i| i.to_string()).collect();
    assert_eq!(held, ["10.244.0.3", "10.244.0.4"]);
}

#[test]
fn unknown_image_backs_off() {
    let mut sim = Sim::new(ClusterConfig::bare());
    create(&mut sim, pod_obj("bad", "node-1", serde_json::json!([{"name": "app", "image": "nosuch:1"}]), serde_json::json!({})));
    sim.advance(SimDuration::from_millis(1300));
    assert_eq!(summary(&sim, "bad"), "ErrImagePull");
    let evs = events(&sim, "bad");
    assert_eq!(evs[0], ("Pulling".into(), "Pulling image \"nosuch:1\"".into()));
    // Docker Hub answers for a repository it does not have as for a private one.
    assert_eq!(evs[1].1, "Failed to pull image \"nosuch:1\": failed to pull and unpack image \"docker.io/library/nosuch:1\": failed to resolve reference \"docker.io/library/nosuch:1\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed");
    assert_eq!(evs[2].1, "Error: ErrImagePull");
    sim.advance(SimDuration::from_secs(1));
    assert_eq!(summary(&sim, "bad"), "ImagePullBackOff");
    let evs = events(&sim, "bad");
    assert_eq!(evs[3], ("BackOff".into(), "Back-off pulling image \"nosuch:1\"".into()));
    assert_eq!(evs[4], ("Failed".into(), "Error: ImagePullBackOff".into()));
    sim.advance(SimDuration::from_secs(60));
    assert_eq!(phase(&sim, "bad"), "Pending");
}

#[test]
fn a_tag_the_registry_does_not_have_is_not_found() {
    let mut sim = Sim::new(ClusterConfig::bare());
    create(&mut sim, pod_obj("typo", "node-1", serde_json::json!([{"name": "app", "image": "nginx:1.161"}]), serde_json::json!({})));
    sim.advance(SimDuration::from_millis(1300));
    assert_eq!(summary(&sim, "typo"), "ErrImagePull");
    let evs = events(&sim, "typo");
    assert_eq!(evs[1].1, "Failed to pull image \"nginx:1.161\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.161\": failed to resolve reference \"docker.io/library/nginx:1.161\": docker.io/library/nginx:1.161: not found");
    let status = pod(&sim, "typo").status.unwrap();
    let waiting = status.container_statuses.unwrap()[0].state.clone().unwrap().waiting.unwrap();
    assert_eq!(waiting.message.as_deref(), Some("rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.161\": failed to resolve reference \"docker.io/library/nginx:1.161\": docker.io/library/nginx:1.161: not found"));
}

#[test]
fn busybox_echo_succeeds_with_logs() {
    let mut sim = Sim::new(ClusterConfig::bare());
    create(
        &mut sim,
        pod_obj("hello", "node-1", serde_json::json!([{"name": "c", "image": "busybox", "command": ["sh", "-c", "echo hi; sleep 2; echo bye"]}]), serde_json::json!({"restartPolicy": "Never"})),
    );
    sim.advance(SimDuration::from_secs(3));
    assert_eq!(phase(&sim, "hello"), "Running");
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(phase(&sim, "hello"), "Succeeded");
    assert_eq!(summary(&sim, "hello"), "Completed");
    let p = pod(&sim, "hello");
    let uid = p.metadata.uid.clone().unwrap();
    let texts: Vec<String> = sim.container_logs().get(&uid, "c").unwrap().current.iter().map(|l| l.text.to_string()).collect();
    assert_eq!(texts, ["hi", "bye"]);
    let t = p.status.unwrap().container_statuses.unwrap()[0].state.clone().unwrap().terminated.unwrap();
    assert_eq!((t.exit_code, t.reason.as_deref()), (0, Some("Completed")));
    assert_eq!(condition(&sim, "hello", "Ready"), "False");
    // The sandbox is gone: the address is free.
    assert!(sim.api().net.node("node-1").unwrap().ipam.held().is_empty());

    create(&mut sim, pod_obj("fail", "node-1", serde_json::json!([{"name": "c", "image": "busybox", "command": ["sh", "-c", "exit 3"]}]), serde_json::json!({"restartPolicy": "Never"})));
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(phase(&sim, "fail"), "Failed");
    assert_eq!(summary(&sim, "fail"), "Error");
}

#[test]
fn crash_loop_backs_off_10_20_40() {
    let mut sim = Sim::new(ClusterConfig::bare());
    create(&mut sim, pod_obj("crash", "node-1", serde_json::json!([{"name": "c", "image": "busybox", "command": ["sh", "-c", "exit 1"]}]), serde_json::json!({})));
    // Record (time, restartCount) whenever a container starts.
    let mut starts = Vec::new();
    let mut last = -1;
    let mut saw_crashloop = false;
    for _ in 0..2000 {
        sim.advance(SimDuration::from_millis(100));
        let st = pod(&sim, "crash").status.unwrap();
        let Some(cs) = st.container_statuses.and_then(|c| c.into_iter().next()) else { continue };
        if summary(&sim, "crash") == "CrashLoopBackOff" {
            saw_crashloop = true;
        }
        if cs.restart_count != last && cs.state.as_ref().is_some_and(|s| s.waiting.is_none()) {
            last = cs.restart_count;
            starts.push(sim.now().0 / 100_000);
        }
    }
    assert!(saw_crashloop);
    let gaps: Vec<u64> = starts.windows(2).map(|w| (w[1] - w[0] + 5) / 10).collect();
    assert_eq!(&gaps[..4], &[1, 10, 20, 40], "starts at {starts:?}");
    let evs = events(&sim, "crash");
    let uid = pod(&sim, "crash").metadata.uid.unwrap();
    assert!(evs.iter().any(|(r, m)| r == "BackOff" && *m == format!("Back-off restarting failed container c in pod crash_default({uid})")));
    assert_eq!(phase(&sim, "crash"), "Running");
}

#[test]
fn graceful_deletion() {
    let mut sim = Sim::new(ClusterConfig::bare());
    nginx(&mut sim, "web", "node-1");
    create(&mut sim, pod_obj("sleeper", "node-1", serde_json::json!([{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]), serde_json::json!({"terminationGracePeriodSeconds": 5})));
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(condition(&sim, "sleeper", "Ready"), "True");
    let by = Component::new("kubectl");
    assert_eq!(sim.api().delete(&key("web"), Propagation::Background, &by, Cause::Bootstrap).unwrap(), crate::sim::Deleted::Pending);
    assert_eq!(sim.api().delete(&key("sleeper"), Propagation::Background, &by, Cause::Bootstrap).unwrap(), crate::sim::Deleted::Pending);
    sim.after_action();
    let p = pod(&sim, "sleeper");
    assert_eq!(p.metadata.deletion_grace_period_seconds, Some(5));
    assert_eq!(summary(&sim, "web"), "Terminating");
    sim.advance(SimDuration::from_millis(20));
    assert_eq!(condition(&sim, "sleeper", "Ready"), "False");
    assert_eq!(reasons(&sim, "sleeper").last().map(String::as_str), Some("Killing"));
    assert_eq!(events(&sim, "web").last().unwrap().1, "Stopping container nginx");
    sim.advance(SimDuration::from_millis(200));
    assert!(sim.get(&key("web")).is_none(), "nginx exits on SIGTERM");
    sim.advance(SimDuration::from_secs(3));
    assert!(sim.get(&key("sleeper")).is_some(), "sleep ignores SIGTERM");
    sim.advance(SimDuration::from_secs(3));
    assert!(sim.get(&key("sleeper")).is_none(), "killed at the grace deadline");
    assert!(sim.api().net.node("node-1").unwrap().ipam.held().is_empty());
    // An unbound pod goes at once.
    create(&mut sim, pod_obj("unbound", "", serde_json::json!([{"name": "c", "image": "nginx"}]), serde_json::json!({})));
    assert_eq!(sim.api().delete(&key("unbound"), Propagation::Background, &by, Cause::Bootstrap).unwrap(), crate::sim::Deleted::Removed);
}

#[test]
fn same_seed_same_container_ids() {
    let run = || {
        let mut sim = Sim::new(ClusterConfig::bare());
        nginx(&mut sim, "a", "node-1");
        nginx(&mut sim, "b", "node-2");
        sim.advance(SimDuration::from_secs(10));
        ["a", "b"].map(|n| pod(&sim, n).status.unwrap().container_statuses.unwrap()[0].container_id.clone().unwrap())
    };
    assert_eq!(run(), run());
}

#[test]
fn init_containers_run_first() {
    let mut sim = Sim::new(ClusterConfig::bare());
    create(
        &mut sim,
        pod_obj(
            "init",
            "node-1",
            serde_json::json!([{"name": "app", "image": "nginx"}]),
            serde_json::json!({"initContainers": [{"name": "wait", "image": "busybox", "command": ["sleep", "3"]}]}),
        ),
    );
    sim.advance(SimDuration::from_millis(10));
    assert_eq!(summary(&sim, "init"), "Init:0/1");
    sim.advance(SimDuration::from_secs(3));
    assert_eq!(summary(&sim, "init"), "Init:0/1");
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(summary(&sim, "init"), "Running");
    assert_eq!(condition(&sim, "init", "Initialized"), "True");
}

#[test]
fn host_network_pods_use_the_node_ip() {
    let mut sim = Sim::new(ClusterConfig::bare());
    create(&mut sim, pod_obj("h", "node-2", serde_json::json!([{"name": "c", "image": "nginx"}]), serde_json::json!({"hostNetwork": true})));
    sim.advance(SimDuration::from_secs(5));
    assert_eq!(pod(&sim, "h").status.unwrap().pod_ip.as_deref(), Some("192.168.56.12"));
}
