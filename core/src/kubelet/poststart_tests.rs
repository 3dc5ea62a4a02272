//! postStart hooks: `startContainer` waits for them (the container shows `ContainerCreating`
//! until the hook returns, the next container waits), an exec hook writes into the
//! container's files, and a failing hook gives `FailedPostStartHook`, the `Killing` with the
//! message `FailedPostStartHook`, the `PostStartHookError` waiting state and the restarts with
//! back-off.

use k8s_openapi::api::core::v1::ContainerStatus;

use crate::sim::Sim;
use crate::time::{SimDuration, SimTime};

use super::probes_tests::{at, condition, events, has_event, pod, pod_ip, sim_with, status};

fn statuses(sim: &Sim, name: &str) -> Vec<ContainerStatus> {
    pod(sim, name).status.and_then(|s| s.container_statuses).unwrap_or_default()
}

/// (reason, message) of the first container's waiting state.
fn waiting(sim: &Sim, name: &str) -> Option<(String, Option<String>)> {
    let w = status(sim, name).state?.waiting?;
    Some((w.reason.unwrap_or_default(), w.message))
}

fn running(sim: &Sim, name: &str) -> bool {
    status(sim, name).state.is_some_and(|s| s.running.is_some())
}

/// Steps until the `Started` event of `name` has been recorded `n` times; returns that time.
fn started(sim: &mut Sim, name: &str, n: i32) -> SimTime {
    for _ in 0..3000 {
        if has_event(sim, name, "Started", &format!("Started container {}", container_of(sim, name))).is_some_and(|c| c >= n) {
            return sim.now();
        }
        sim.advance(SimDuration::from_millis(100));
    }
    panic!("{name} never started {n} times: {:?}", events(sim, name));
}

fn container_of(sim: &Sim, name: &str) -> String {
    pod(sim, name).spec.map(|s| s.containers[0].name.clone()).unwrap_or_default()
}

fn uid(sim: &Sim, name: &str) -> String {
    pod(sim, name).metadata.uid.unwrap_or_default()
}

#[test]
fn exec_hook_writes_a_file_the_readiness_probe_then_finds() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    lifecycle:
      postStart:
        exec: {command: [sh, -c, 'sleep 3; touch /usr/share/nginx/html/ready']}
    readinessProbe:
      exec: {command: [cat, /usr/share/nginx/html/ready]}
      periodSeconds: 1
",
    );
    let start = started(&mut sim, "web", 1);
    at(&mut sim, start, 2.5);
    assert_eq!(waiting(&sim, "web"), Some(("ContainerCreating".into(), None)), "startContainer has not returned");
    assert_eq!(pod(&sim, "web").status.and_then(|s| s.phase).as_deref(), Some("Pending"));
    assert!(!status(&sim, "web").ready);
    at(&mut sim, start, 5.0);
    assert!(running(&sim, "web"));
    assert_eq!(condition(&sim, "web", "Ready"), "True", "the probe reads the file the hook wrote: {:?}", events(&sim, "web"));
    let started_at = status(&sim, "web").state.and_then(|s| s.running).and_then(|r| r.started_at).expect("startedAt");
    let started_at = crate::time::from_k8s(&started_at);
    assert!(started_at <= start && start.since(started_at) < SimDuration::from_secs(2), "startedAt is the process's start, before the hook");
    assert!(!events(&sim, "web").iter().any(|(_, r, _, _)| r == "FailedPostStartHook" || r == "Unhealthy"), "{:?}", events(&sim, "web"));
}

#[test]
fn failing_exec_hook_kills_and_restarts_the_container_with_back_off() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: hook}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    command: [sleep, '3600']
    lifecycle:
      postStart:
        exec: {command: ['false']}
",
    );
    let start = started(&mut sim, "hook", 1);
    let evs: Vec<(String, String, String)> = events(&sim, "hook").into_iter().map(|(t, r, m, _)| (t, r, m)).collect();
    let tail = &evs[evs.len() - 3..];
    assert_eq!(
        tail,
        [
            ("Normal".into(), "Started".into(), "Started container app".into()),
            ("Warning".into(), "FailedPostStartHook".into(), "PostStartHook failed".into()),
            ("Normal".into(), "Killing".into(), "FailedPostStartHook".into()),
        ],
        "{evs:?}"
    );
    // sleep ignores SIGTERM: SIGKILL after the 5 s grace period; the status is not written
    // while startContainer waits for the kill.
    at(&mut sim, start, 4.5);
    assert_eq!(waiting(&sim, "hook"), Some(("ContainerCreating".into(), None)));
    at(&mut sim, start, 5.5);
    let uid = uid(&sim, "hook");
    let msg = format!("Exec lifecycle hook ([false]) for Container \"app\" in Pod \"hook_default({uid})\" failed - error: command 'false' exited with 1: , message: \"\"");
    let st = status(&sim, "hook");
    assert_eq!(waiting(&sim, "hook"), Some(("PostStartHookError".into(), Some(msg))));
    let last = st.last_state.and_then(|s| s.terminated).expect("last state");
    assert_eq!((last.exit_code, last.reason.as_deref()), (137, Some("Error")));
    assert_eq!(st.restart_count, 0);
    // The first restart is immediate; the hook fails again; then the back-off.
    let second = started(&mut sim, "hook", 2);
    assert!(second.since(start) < SimDuration::from_secs(8), "{:?}", second.since(start));
    assert_eq!(status(&sim, "hook").restart_count, 1);
    assert_eq!(has_event(&sim, "hook", "FailedPostStartHook", "PostStartHook failed"), Some(2));
    at(&mut sim, second, 7.0);
    let pod_id = format!("hook_default({uid})");
    assert_eq!(has_event(&sim, "hook", "BackOff", &format!("Back-off restarting failed container app in pod {pod_id}")), Some(1));
    assert_eq!(waiting(&sim, "hook"), Some(("CrashLoopBackOff".into(), Some(format!("back-off 10s restarting failed container=app pod={pod_id}")))));
    let third = started(&mut sim, "hook", 3);
    assert!(third.since(second) >= SimDuration::from_secs(15), "5 s kill + 10 s back-off: {:?}", third.since(second));
}

#[test]
fn sleep_hook_delays_ready_and_the_next_container() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    lifecycle:
      postStart:
        sleep: {seconds: 5}
  - name: sidecar
    image: busybox
    command: [sleep, '3600']
",
    );
    let start = started(&mut sim, "web", 1);
    at(&mut sim, start, 4.8);
    let st = statuses(&sim, "web");
    assert!(st.iter().all(|c| c.state.as_ref().and_then(|s| s.waiting.as_ref()).is_some()), "{st:?}");
    assert_eq!(has_event(&sim, "web", "Started", "Started container sidecar"), None, "the pod worker waits for the hook");
    assert_eq!(condition(&sim, "web", "Ready"), "False");
    at(&mut sim, start, 6.5);
    assert!(running(&sim, "web"));
    assert_eq!(has_event(&sim, "web", "Started", "Started container sidecar"), Some(1));
    assert_eq!(condition(&sim, "web", "Ready"), "True");
}

#[test]
fn http_get_hooks_reach_the_container_once_it_listens() {
    // (port, fails)
    for (port, fails) in [(80, false), (8080, true)] {
        let mut sim = sim_with(&format!(
            "apiVersion: v1
kind: Pod
metadata: {{name: web}}
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - name: nginx
    image: nginx:1.27
    lifecycle:
      postStart:
        httpGet: {{path: /warm, port: {port}}}
"
        ));
        let start = started(&mut sim, "web", 1);
        at(&mut sim, start, 0.5);
        assert_eq!(has_event(&sim, "web", "FailedPostStartHook", "PostStartHook failed").is_some(), fails, "port {port}");
        if !fails {
            assert!(running(&sim, "web"), "a 404 is no failure");
            continue;
        }
        let (ip, uid) = (pod_ip(&sim, "web"), uid(&sim, "web"));
        let msg = format!(
            "HTTP lifecycle hook (/warm) for Container \"nginx\" in Pod \"web_default({uid})\" failed - error: Get \"http://{ip}:8080/warm\": dial tcp {ip}:8080: connect: connection refused"
        );
        assert_eq!(waiting(&sim, "web"), Some(("PostStartHookError".into(), Some(msg))));
        let last = status(&sim, "web").last_state.and_then(|s| s.terminated).expect("last state");
        assert_eq!((last.exit_code, last.reason.as_deref()), (0, Some("Completed")), "nginx stops on SIGTERM");
    }
}

#[test]
fn the_kill_after_a_failed_hook_runs_pre_stop_in_the_same_container() {
    // (preStop command, FailedPreStopHook expected): the hook's file is there for preStop.
    for (pre_stop, fails) in [("cat /tmp/started", false), ("cat /tmp/missing", true)] {
        let mut sim = sim_with(&format!(
            "apiVersion: v1
kind: Pod
metadata: {{name: hook}}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox
    command: [sleep, '3600']
    lifecycle:
      postStart:
        exec: {{command: [sh, -c, 'touch /tmp/started; sleep 1; false']}}
      preStop:
        exec: {{command: [sh, -c, 'sleep 2; {pre_stop}']}}
"
        ));
        let start = started(&mut sim, "hook", 1);
        at(&mut sim, start, 0.8);
        assert_eq!(has_event(&sim, "hook", "FailedPostStartHook", "PostStartHook failed"), None, "the hook sleeps 1 s");
        at(&mut sim, start, 3.5);
        assert_eq!(has_event(&sim, "hook", "Killing", "FailedPostStartHook"), Some(1));
        assert_eq!(has_event(&sim, "hook", "FailedPreStopHook", "PreStopHook failed").is_some(), fails, "{pre_stop}");
        // The kill starts at 1 s: preStop 2 s, SIGTERM (ignored) at 3 s, SIGKILL at 1 + 5 s.
        at(&mut sim, start, 5.5);
        assert_eq!(waiting(&sim, "hook"), Some(("ContainerCreating".into(), None)));
        at(&mut sim, start, 6.6);
        assert_eq!(waiting(&sim, "hook").map(|w| w.0), Some("PostStartHookError".into()), "{pre_stop}");
        let last = status(&sim, "hook").last_state.and_then(|s| s.terminated).expect("last state");
        assert_eq!(last.exit_code, 137);
    }
}
