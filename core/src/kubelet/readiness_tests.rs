//! Scenario tests of readiness and startup probes: the pod's Ready condition and the Service's
//! endpoints following readiness, startup holding the other probes back and killing a container
//! that never starts, and `settle` waiting only for probes whose result is still settling.

use crate::api::{Kind, Object};
use crate::sim::Sim;
use crate::store::ObjectRef;
use crate::time::SimDuration;

use super::probes_tests::{at, condition, events, has_event, pod_ip, sim_with, status, wait_running};

#[test]
fn readiness_moves_the_endpoint_in_and_out() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: app
    image: busybox
    command: [sh, -c, touch /tmp/ready; sleep 20; rm /tmp/ready; sleep 3600]
    readinessProbe:
      exec: {command: [cat, /tmp/ready]}
      initialDelaySeconds: 5
",
    );
    let endpoints = |sim: &Sim| -> (Vec<String>, Vec<String>) {
        let Some(Object::Endpoints(ep)) = sim.get(&ObjectRef::new(Kind::Endpoints, Some("default"), "web")) else { return (vec![], vec![]) };
        let subset = ep.subsets.clone().unwrap_or_default().into_iter().next().unwrap_or_default();
        let ips = |a: Option<Vec<k8s_openapi::api::core::v1::EndpointAddress>>| a.unwrap_or_default().into_iter().map(|a| a.ip).collect();
        (ips(subset.addresses), ips(subset.not_ready_addresses))
    };
    let start = wait_running(&mut sim, "web");
    at(&mut sim, start, 4.0);
    let ip = pod_ip(&sim, "web");
    assert_eq!(condition(&sim, "web", "Ready"), "False", "not ready before the first probe");
    assert!(status(&sim, "web").started.unwrap_or(false), "no startup probe: started when running");
    assert_eq!(endpoints(&sim), (vec![], vec![ip.clone()]));
    at(&mut sim, start, 5.5);
    assert_eq!(condition(&sim, "web", "Ready"), "True");
    assert_eq!(condition(&sim, "web", "ContainersReady"), "True");
    assert_eq!(endpoints(&sim), (vec![ip.clone()], vec![]));
    // The file goes at 20 s: failures at 25, 35, 45; unready at the third.
    at(&mut sim, start, 44.0);
    assert_eq!(condition(&sim, "web", "Ready"), "True");
    at(&mut sim, start, 46.0);
    assert_eq!(condition(&sim, "web", "Ready"), "False");
    assert_eq!(condition(&sim, "web", "ContainersReady"), "False");
    assert_eq!(endpoints(&sim), (vec![], vec![ip.clone()]));
    let failed = "Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory";
    assert_eq!(has_event(&sim, "web", "Unhealthy", failed), Some(3));
    let cs = status(&sim, "web");
    assert_eq!((cs.ready, cs.restart_count), (false, 0), "readiness never restarts");
}

#[test]
fn startup_probe_holds_back_liveness_and_readiness() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  containers:
  - name: app
    image: fishbowl/slow-start
    ports: [{name: http, containerPort: 8080}]
    startupProbe:
      httpGet: {path: /, port: http}
      periodSeconds: 5
      failureThreshold: 10
    livenessProbe:
      httpGet: {path: /, port: http}
      periodSeconds: 5
      failureThreshold: 1
    readinessProbe:
      httpGet: {path: /, port: http}
",
    );
    let start = wait_running(&mut sim, "slow");
    at(&mut sim, start, 16.0);
    let cs = status(&sim, "slow");
    assert_eq!((cs.started, cs.ready), (Some(false), false));
    assert_eq!(has_event(&sim, "slow", "Unhealthy", "Startup probe failed: HTTP probe failed with statuscode: 503"), Some(4));
    at(&mut sim, start, 21.0);
    let cs = status(&sim, "slow");
    assert_eq!((cs.started, cs.ready, cs.restart_count), (Some(true), true, 0));
    assert!(events(&sim, "slow").iter().all(|(_, _, m, _)| !m.starts_with("Liveness") && !m.starts_with("Readiness")));
}

#[test]
fn startup_failure_past_the_threshold_kills() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: too-slow}
spec:
  containers:
  - name: app
    image: fishbowl/slow-start
    startupProbe:
      httpGet: {path: /, port: 8080}
      periodSeconds: 5
      failureThreshold: 2
",
    );
    let start = wait_running(&mut sim, "too-slow");
    at(&mut sim, start, 4.0);
    assert!(has_event(&sim, "too-slow", "Killing", "Container app failed startup probe, will be restarted").is_none());
    at(&mut sim, start, 5.5);
    assert!(has_event(&sim, "too-slow", "Killing", "Container app failed startup probe, will be restarted").is_some(), "{:?}", events(&sim, "too-slow"));
    at(&mut sim, start, 7.0);
    let cs = status(&sim, "too-slow");
    assert_eq!((cs.restart_count, cs.started), (1, Some(false)));
    // Each new container fails its startup probe again: the kubelet backs off the restarts.
    at(&mut sim, start, 40.0);
    assert_eq!(status(&sim, "too-slow").state.and_then(|s| s.waiting).and_then(|w| w.reason).as_deref(), Some("CrashLoopBackOff"));
}

#[test]
fn settle_waits_for_readiness_but_not_for_steady_probes() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx
    readinessProbe:
      httpGet: {path: /, port: 80}
      initialDelaySeconds: 2
    livenessProbe:
      tcpSocket: {port: 80}
",
    );
    assert!(matches!(sim.settle(10_000), crate::sim::Settled::Quiescent { .. }));
    assert_eq!(condition(&sim, "web", "Ready"), "True");
    let before = sim.now();
    sim.advance(SimDuration::from_secs(60));
    assert!(sim.now() > before);
    assert_eq!(status(&sim, "web").restart_count, 0);
    assert!(events(&sim, "web").iter().all(|(_, r, _, _)| r != "Unhealthy"));
}
