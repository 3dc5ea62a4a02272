//! preStop hooks: the timing rules of `killContainer` (the hook counts against the grace
//! period, SIGKILL at least 2 s after SIGTERM), httpGet hooks against the pod's servers, sleep
//! and exec hooks, and the `FailedPreStopHook` event of a hook that fails.

use k8s_openapi::api::core::v1::ContainerStatus;

use crate::api::Kind;
use crate::sim::{Propagation, Sim};
use crate::store::{Cause, Component, ObjectRef};
use crate::time::{SimDuration, SimTime};

use super::pod::kill_times;
use super::probes_tests::{at, events, has_event, pod, pod_ip, sim_with, wait_running};

#[test]
fn kill_times_follow_kill_container() {
    let s = |x: f64| SimDuration::from_millis((x * 1000.0) as u64);
    // (hook duration: None = no hook, Some(None) = never returns; grace) → (SIGTERM, SIGKILL)
    let cases: [(Option<Option<f64>>, i64, f64, f64); 9] = [
        (None, 30, 0.0, 30.0),
        (None, 5, 0.0, 5.0),
        (None, 1, 0.0, 2.0),
        (Some(Some(5.0)), 30, 5.0, 30.0),
        // Go truncates the seconds the hook took: 2.5 s takes 2 s off the grace period.
        (Some(Some(2.5)), 10, 2.5, 10.5),
        (Some(Some(4.0)), 5, 4.0, 6.0),
        (Some(Some(20.0)), 5, 5.0, 7.0),
        (Some(None), 5, 5.0, 7.0),
        // No grace period: the hook is not run.
        (Some(Some(20.0)), 0, 0.0, 2.0),
    ];
    for (hook, grace, term, kill) in cases {
        assert_eq!(kill_times(hook.map(|h| h.map(s)), grace), (s(term), s(kill)), "{hook:?} grace {grace}");
    }
}

fn delete(sim: &mut Sim, name: &str, grace: Option<i64>) -> SimTime {
    let key = ObjectRef::new(Kind::Pod, Some("default"), name);
    sim.api().delete_with_grace(&key, Propagation::Background, grace, &Component::new("kubectl"), Cause::Bootstrap).unwrap();
    sim.after_action();
    sim.now()
}

fn gone(sim: &Sim, name: &str) -> bool {
    sim.get(&ObjectRef::new(Kind::Pod, Some("default"), name)).is_none()
}

fn statuses(sim: &Sim, name: &str) -> Vec<ContainerStatus> {
    pod(sim, name).status.and_then(|s| s.container_statuses).unwrap_or_default()
}

#[test]
fn http_get_pre_stop_reaches_nginx_and_the_pod_goes_on_time() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    ports: [{name: http, containerPort: 80}]
    lifecycle:
      preStop:
        httpGet: {path: /shutdown, port: http}
",
    );
    wait_running(&mut sim, "web");
    sim.advance(SimDuration::from_secs(1));
    let start = delete(&mut sim, "web", None);
    at(&mut sim, start, 0.05);
    assert!(!gone(&sim, "web"));
    at(&mut sim, start, 1.0);
    assert!(gone(&sim, "web"), "the hook answered (a 404 is no failure): SIGTERM at once, nginx exits");
    let evs: Vec<(String, String)> = events(&sim, "web").into_iter().map(|(_, r, m, _)| (r, m)).collect();
    assert!(evs.contains(&("Killing".into(), "Stopping container nginx".into())), "{evs:?}");
    assert!(!evs.iter().any(|(r, _)| r == "FailedPreStopHook"), "{evs:?}");
}

#[test]
fn https_hook_answered_over_http_falls_back() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    lifecycle:
      preStop:
        httpGet: {path: /, port: 80, scheme: HTTPS}
",
    );
    wait_running(&mut sim, "web");
    let ip = pod_ip(&sim, "web");
    let start = delete(&mut sim, "web", None);
    at(&mut sim, start, 1.0);
    assert!(gone(&sim, "web"));
    let fallback = format!("request to HTTPS lifecycle hook {ip}:80 got HTTP response, retry with HTTP succeeded");
    assert_eq!(has_event(&sim, "web", "LifecycleHTTPFallback", &fallback), Some(1), "{:?}", events(&sim, "web"));
    assert_eq!(has_event(&sim, "web", "FailedPreStopHook", "PreStopHook failed"), None);
}

#[test]
fn failing_http_get_pre_stop_records_the_event_and_stops_all_the_same() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    lifecycle:
      preStop:
        httpGet: {path: /drain, port: 8080}
",
    );
    wait_running(&mut sim, "web");
    let start = delete(&mut sim, "web", None);
    at(&mut sim, start, 1.0);
    assert!(gone(&sim, "web"));
    let e = events(&sim, "web").into_iter().find(|(_, r, _, _)| r == "FailedPreStopHook").expect("FailedPreStopHook");
    assert_eq!(e, ("Warning".into(), "FailedPreStopHook".into(), "PreStopHook failed".into(), 1));
}

#[test]
fn sleep_past_the_grace_period_gets_sigkill_two_seconds_later() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: nginx
    image: nginx:1.27
    lifecycle:
      preStop:
        sleep: {seconds: 20}
  - name: sleeper
    image: busybox
    command: [sleep, '3600']
    lifecycle:
      preStop:
        sleep: {seconds: 20}
",
    );
    for _ in 0..100 {
        sim.advance(SimDuration::from_millis(100));
        if statuses(&sim, "web").iter().all(|c| c.state.as_ref().is_some_and(|s| s.running.is_some())) {
            break;
        }
    }
    // `kubectl delete --grace-period=5`: the hook is cut at 5 s, SIGTERM, SIGKILL at 7 s.
    let start = delete(&mut sim, "web", Some(5));
    at(&mut sim, start, 4.9);
    assert!(statuses(&sim, "web").iter().all(|c| c.state.as_ref().is_some_and(|s| s.running.is_some())), "both still run during the hook");
    at(&mut sim, start, 6.9);
    let st = statuses(&sim, "web");
    let nginx = st[0].state.as_ref().and_then(|s| s.terminated.clone()).expect("nginx stopped on SIGTERM");
    assert_eq!(nginx.exit_code, 0);
    assert!(st[1].state.as_ref().is_some_and(|s| s.running.is_some()), "sleep ignores SIGTERM");
    assert!(!gone(&sim, "web"));
    at(&mut sim, start, 7.1);
    assert!(gone(&sim, "web"), "SIGKILL at grace + 2 s");
    assert_eq!(has_event(&sim, "web", "FailedPreStopHook", "PreStopHook failed"), None);
}

#[test]
fn exec_hook_time_comes_off_the_grace_period_in_whole_seconds() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: sleeper
    image: busybox
    command: [sleep, '3600']
    lifecycle:
      preStop:
        exec: {command: [sh, -c, 'sleep 2.5; false']}
",
    );
    wait_running(&mut sim, "web");
    let start = delete(&mut sim, "web", None);
    at(&mut sim, start, 2.4);
    assert_eq!(has_event(&sim, "web", "FailedPreStopHook", "PreStopHook failed"), None);
    at(&mut sim, start, 2.6);
    assert_eq!(has_event(&sim, "web", "FailedPreStopHook", "PreStopHook failed"), Some(1), "the command exits 1 at 2.5 s");
    // SIGTERM at 2.5 s with 10 - 2 = 8 s left: SIGKILL at 10.5 s.
    at(&mut sim, start, 10.4);
    assert!(!gone(&sim, "web"));
    at(&mut sim, start, 10.6);
    assert!(gone(&sim, "web"));
}

#[test]
fn http_get_to_a_server_that_never_answers_holds_until_the_grace_period() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 4
  containers:
  - name: app
    image: fishbowl/hang
    lifecycle:
      preStop:
        httpGet: {path: /, port: 80}
",
    );
    wait_running(&mut sim, "web");
    let start = delete(&mut sim, "web", None);
    at(&mut sim, start, 5.9);
    assert!(!gone(&sim, "web"));
    at(&mut sim, start, 6.1);
    assert!(gone(&sim, "web"), "SIGTERM at 4 s (ignored), SIGKILL at 6 s");
}
