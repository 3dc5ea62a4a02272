//! Scenario tests of liveness probes (exec, httpGet, tcpSocket) and the helpers the probe
//! scenarios share: manifests applied, the clock stepped, the pod status, restarts and events
//! checked.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use crate::api::{Kind, Object};
use crate::sim::{ClusterConfig, Sim};
use crate::store::ObjectRef;
use crate::time::{SimDuration, SimTime};

pub(super) fn sim_with(manifest: &str) -> Sim {
    let mut sim = Sim::new(ClusterConfig::default());
    let report = sim.apply("probe.yaml", manifest);
    assert!(report.ok(), "{report:?}");
    sim
}

pub(super) fn pod(sim: &Sim, name: &str) -> Pod {
    match sim.get(&ObjectRef::new(Kind::Pod, Some("default"), name)) {
        Some(Object::Pod(p)) => p.as_ref().clone(),
        other => panic!("no pod {name}: {other:?}"),
    }
}

pub(super) fn status(sim: &Sim, name: &str) -> ContainerStatus {
    pod(sim, name).status.and_then(|s| s.container_statuses).and_then(|c| c.into_iter().next()).expect("a container status")
}

pub(super) fn condition(sim: &Sim, name: &str, t: &str) -> String {
    let conditions = pod(sim, name).status.and_then(|s| s.conditions).unwrap_or_default();
    conditions.into_iter().find(|c| c.type_ == t).map(|c| c.status).unwrap_or_default()
}

/// (type, reason, message, count) of the events about `name`, oldest first.
pub(super) fn events(sim: &Sim, name: &str) -> Vec<(String, String, String, i32)> {
    let mut evs: Vec<_> = sim
        .store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some(name) => Some((
                e.metadata.resource_version.clone().unwrap_or_default().parse::<u64>().unwrap_or(0),
                (e.type_.clone().unwrap_or_default(), e.reason.clone().unwrap_or_default(), e.message.clone().unwrap_or_default(), e.count.unwrap_or(1)),
            )),
            _ => None,
        })
        .collect();
    evs.sort();
    evs.into_iter().map(|(_, e)| e).collect()
}

pub(super) fn has_event(sim: &Sim, name: &str, reason: &str, message: &str) -> Option<i32> {
    events(sim, name).into_iter().find(|(_, r, m, _)| r == reason && m == message).map(|(_, _, _, n)| n)
}

/// Steps until the first container runs; returns when it started (within 100 ms).
pub(super) fn wait_running(sim: &mut Sim, name: &str) -> SimTime {
    for _ in 0..600 {
        sim.advance(SimDuration::from_millis(100));
        let running = pod(sim, name)
            .status
            .and_then(|s| s.container_statuses)
            .and_then(|c| c.into_iter().next())
            .is_some_and(|c| c.state.is_some_and(|s| s.running.is_some()));
        if running {
            return sim.now();
        }
    }
    panic!("{name} never ran");
}

/// Advances the clock to `start + secs`.
pub(super) fn at(sim: &mut Sim, start: SimTime, secs: f64) {
    let until = start + SimDuration::from_millis((secs * 1000.0) as u64);
    sim.advance(until.since(sim.now()));
}

pub(super) fn pod_ip(sim: &Sim, name: &str) -> String {
    pod(sim, name).status.and_then(|s| s.pod_ip).unwrap_or_default()
}

const EXEC_LIVENESS: &str = "apiVersion: v1
kind: Pod
metadata:
  labels: {test: liveness}
  name: liveness-exec
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/busybox:1.27.2
    args: [/bin/sh, -c, touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600]
    livenessProbe:
      exec:
        command: [cat, /tmp/healthy]
      initialDelaySeconds: 5
      periodSeconds: 5
";

#[test]
fn exec_liveness_restarts_the_container_when_the_file_goes() {
    let mut sim = sim_with(EXEC_LIVENESS);
    let start = wait_running(&mut sim, "liveness-exec");
    at(&mut sim, start, 29.0);
    assert!(events(&sim, "liveness-exec").iter().all(|(_, r, _, _)| r != "Unhealthy"), "healthy for 30 s");
    let failed = "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory";
    at(&mut sim, start, 36.0);
    assert_eq!(has_event(&sim, "liveness-exec", "Unhealthy", failed), Some(2));
    assert_eq!(status(&sim, "liveness-exec").restart_count, 0);
    at(&mut sim, start, 41.0);
    assert_eq!(has_event(&sim, "liveness-exec", "Unhealthy", failed), Some(3));
    let kill = events(&sim, "liveness-exec").into_iter().find(|(_, r, _, _)| r == "Killing").expect("killed");
    assert_eq!(kill, ("Normal".into(), "Killing".into(), "Container liveness failed liveness probe, will be restarted".into(), 1));
    // sh ignores SIGTERM: SIGKILL at the end of the 30 s grace period, then the restart.
    at(&mut sim, start, 69.0);
    assert_eq!(status(&sim, "liveness-exec").restart_count, 0);
    at(&mut sim, start, 72.0);
    let cs = status(&sim, "liveness-exec");
    assert_eq!(cs.restart_count, 1);
    let last = cs.last_state.and_then(|s| s.terminated).expect("last state");
    assert_eq!((last.exit_code, last.reason.as_deref()), (137, Some("Error")));
    assert!(cs.state.and_then(|s| s.running).is_some());
    // The new container has its file again: no new failures during its first 30 s.
    at(&mut sim, start, 95.0);
    assert_eq!(has_event(&sim, "liveness-exec", "Unhealthy", failed), Some(3));
}

#[test]
fn http_liveness_fails_after_ten_seconds_and_describe_prints_probes() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: liveness-http}
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/e2e-test-images/agnhost:2.40
    args: [liveness]
    livenessProbe:
      httpGet:
        path: /healthz
        port: 8080
        httpHeaders: [{name: Custom-Header, value: Awesome}]
      initialDelaySeconds: 3
      periodSeconds: 3
    readinessProbe:
      tcpSocket: {port: 8080}
    startupProbe:
      exec: {command: [cat, /etc/hostname]}
",
    );
    let start = wait_running(&mut sim, "liveness-http");
    at(&mut sim, start, 11.0);
    assert!(status(&sim, "liveness-http").ready);
    let failed = "Liveness probe failed: HTTP probe failed with statuscode: 500";
    at(&mut sim, start, 13.0);
    assert_eq!(has_event(&sim, "liveness-http", "Unhealthy", failed), Some(1));
    at(&mut sim, start, 18.5);
    assert_eq!(has_event(&sim, "liveness-http", "Unhealthy", failed), Some(3));
    assert!(has_event(&sim, "liveness-http", "Killing", "Container liveness failed liveness probe, will be restarted").is_some());
    assert!(!status(&sim, "liveness-http").ready, "an exited container is not ready");
    at(&mut sim, start, 20.0);
    let cs = status(&sim, "liveness-http");
    assert_eq!(cs.restart_count, 1);
    // A Go server as PID 1 exits with 2 on SIGTERM.
    let last = cs.last_state.and_then(|s| s.terminated).expect("last state");
    assert_eq!((last.exit_code, last.reason.as_deref()), (2, Some("Error")));

    let out = crate::console::run_line(&mut sim, "kubectl describe pod liveness-http", &crate::kubectl::NoFiles).stdout;
    for (title, text) in [
        ("Liveness:", " http-get http://:8080/healthz delay=3s timeout=1s period=3s #success=1 #failure=3"),
        ("Readiness:", " tcp-socket :8080 delay=0s timeout=1s period=10s #success=1 #failure=3"),
        ("Startup:", " exec [cat /etc/hostname] delay=0s timeout=1s period=10s #success=1 #failure=3"),
    ] {
        assert!(out.lines().any(|l| l.starts_with(&format!("    {title}")) && l.ends_with(text)), "missing {title}{text} in\n{out}");
    }
    assert!(out.lines().any(|l| l.contains("Warning") && l.contains("Unhealthy") && l.ends_with(failed)), "{out}");
}

#[test]
fn refused_and_timed_out_checks_say_so() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: wrong-port}
spec:
  containers:
  - name: nginx
    image: nginx
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
---
apiVersion: v1
kind: Pod
metadata: {name: hang}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: fishbowl/hang
    readinessProbe:
      tcpSocket: {port: 80}
    livenessProbe:
      httpGet: {port: 80}
      failureThreshold: 1
",
    );
    wait_running(&mut sim, "wrong-port");
    let start = wait_running(&mut sim, "hang");
    at(&mut sim, start, 0.5);
    let ip = pod_ip(&sim, "wrong-port");
    let refused = format!("Readiness probe failed: Get \"http://{ip}:8080/healthz\": dial tcp {ip}:8080: connect: connection refused");
    assert!(has_event(&sim, "wrong-port", "Unhealthy", &refused).is_some(), "{:?}", events(&sim, "wrong-port"));
    assert_eq!(condition(&sim, "wrong-port", "Ready"), "False");
    // The hanging server accepts connections (ready) but never answers HTTP.
    let hang_ip = pod_ip(&sim, "hang");
    let timeout = format!("Liveness probe failed: Get \"http://{hang_ip}:80/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
    assert!(has_event(&sim, "hang", "Unhealthy", &timeout).is_some(), "{:?}", events(&sim, "hang"));
    assert!(has_event(&sim, "hang", "Killing", "Container app failed liveness probe").is_some(), "Never: no restart");
    at(&mut sim, start, 6.0);
    assert_eq!(pod(&sim, "hang").status.and_then(|s| s.phase).as_deref(), Some("Failed"));
    assert_eq!(status(&sim, "hang").restart_count, 0);
}

#[test]
fn an_exec_probe_that_outlasts_its_timeout_fails() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: slow-check}
spec:
  containers:
  - name: app
    image: busybox
    command: [sleep, '3600']
    readinessProbe:
      exec: {command: [sh, -c, sleep 5]}
      timeoutSeconds: 2
",
    );
    let start = wait_running(&mut sim, "slow-check");
    at(&mut sim, start, 1.0);
    assert!(has_event(&sim, "slow-check", "Unhealthy", "Readiness probe failed: command \"sh -c sleep 5\" timed out").is_some(), "{:?}", events(&sim, "slow-check"));
    assert!(!status(&sim, "slow-check").ready);
}
