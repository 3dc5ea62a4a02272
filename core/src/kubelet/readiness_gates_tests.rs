//! Scenario tests of pod readiness gates: Ready held False with `ReadinessGatesNotReady` until
//! every gate's condition (written by another component) is True, the Service's endpoints
//! following Ready, the kubelet keeping conditions it does not own, and `kubectl describe pod`.

use k8s_openapi::api::core::v1::PodCondition;

use crate::api::{Kind, Object};
use crate::sim::apiserver::k8s_time;
use crate::sim::Sim;
use crate::store::{Cause, Component, ObjectRef};
use crate::time::SimDuration;

use super::probes_tests::{pod, pod_ip, sim_with, wait_running};

const GATED: &str = "apiVersion: v1
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
  readinessGates:
  - conditionType: example.com/load-balancer-ready
  - conditionType: example.com/warm
  containers:
  - name: nginx
    image: nginx:1.27
";

/// (status, reason, message) of condition `t`.
fn cond(sim: &Sim, t: &str) -> (String, String, String) {
    let c = pod(sim, "web").status.and_then(|s| s.conditions).unwrap_or_default().into_iter().find(|c| c.type_ == t).unwrap_or_default();
    (c.status, c.reason.unwrap_or_default(), c.message.unwrap_or_default())
}

fn types(sim: &Sim) -> Vec<String> {
    pod(sim, "web").status.and_then(|s| s.conditions).unwrap_or_default().into_iter().map(|c| c.type_).collect()
}

/// Ready and not-ready addresses of the Service's Endpoints.
fn endpoints(sim: &Sim) -> (Vec<String>, Vec<String>) {
    let Some(Object::Endpoints(ep)) = sim.get(&ObjectRef::new(Kind::Endpoints, Some("default"), "web")) else { return (vec![], vec![]) };
    let subset = ep.subsets.clone().unwrap_or_default().into_iter().next().unwrap_or_default();
    let ips = |a: Option<Vec<k8s_openapi::api::core::v1::EndpointAddress>>| a.unwrap_or_default().into_iter().map(|a| a.ip).collect();
    (ips(subset.addresses), ips(subset.not_ready_addresses))
}

/// A controller writes condition `t` into the pod's status (PUT …/status), as a load-balancer
/// controller does for its gate.
fn set_condition(sim: &mut Sim, t: &str, status: &str) {
    let mut st = pod(sim, "web").status.unwrap_or_default();
    let now = k8s_time(sim.now());
    let conditions = st.conditions.get_or_insert_with(Vec::new);
    match conditions.iter_mut().find(|c| c.type_ == t) {
        Some(c) => {
            c.status = status.into();
            c.last_transition_time = Some(now);
        }
        None => conditions.push(PodCondition { type_: t.into(), status: status.into(), last_transition_time: Some(now), ..Default::default() }),
    }
    let key = ObjectRef::new(Kind::Pod, Some("default"), "web");
    sim.api().update_pod_status(&key, st, &Component::new("lb-controller"), Cause::Bootstrap).unwrap();
    sim.after_action();
    sim.advance(SimDuration::from_secs(1));
}

const LB: &str = "example.com/load-balancer-ready";
const WARM: &str = "example.com/warm";

#[test]
fn gates_hold_ready_and_the_endpoint_until_their_conditions_are_true() {
    let mut sim = sim_with(GATED);
    wait_running(&mut sim, "web");
    sim.advance(SimDuration::from_secs(2));
    let ip = pod_ip(&sim, "web");
    assert_eq!(cond(&sim, "ContainersReady").0, "True");
    let missing = "corresponding condition of pod readiness gate \"example.com/load-balancer-ready\" does not exist., \
                   corresponding condition of pod readiness gate \"example.com/warm\" does not exist.";
    assert_eq!(cond(&sim, "Ready"), ("False".into(), "ReadinessGatesNotReady".into(), missing.into()));
    assert_eq!(endpoints(&sim), (vec![], vec![ip.clone()]));

    // One gate False, one missing: a message for each, in the order of the gates.
    set_condition(&mut sim, LB, "False");
    let both = "the status of pod readiness gate \"example.com/load-balancer-ready\" is not \"True\", but False, \
                corresponding condition of pod readiness gate \"example.com/warm\" does not exist.";
    assert_eq!(cond(&sim, "Ready"), ("False".into(), "ReadinessGatesNotReady".into(), both.into()));
    assert_eq!(cond(&sim, LB).0, "False", "the kubelet keeps a condition it does not own");

    set_condition(&mut sim, LB, "True");
    let warm = "corresponding condition of pod readiness gate \"example.com/warm\" does not exist.";
    assert_eq!(cond(&sim, "Ready"), ("False".into(), "ReadinessGatesNotReady".into(), warm.into()));
    assert_eq!(endpoints(&sim), (vec![], vec![ip.clone()]));

    set_condition(&mut sim, WARM, "True");
    assert_eq!(cond(&sim, "Ready"), ("True".into(), String::new(), String::new()));
    assert_eq!(endpoints(&sim), (vec![ip.clone()], vec![]));
    // Conditions others wrote come first, in their order; then the kubelet's.
    assert_eq!(types(&sim), [LB, WARM, "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]);

    // A gate going False again takes the pod out of the endpoints.
    set_condition(&mut sim, WARM, "False");
    let not_true = "the status of pod readiness gate \"example.com/warm\" is not \"True\", but False";
    assert_eq!(cond(&sim, "Ready"), ("False".into(), "ReadinessGatesNotReady".into(), not_true.into()));
    assert_eq!(endpoints(&sim), (vec![], vec![ip]));
}

#[test]
fn unready_containers_take_precedence_over_gates() {
    let mut sim = sim_with(
        "apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  readinessGates: [{conditionType: example.com/warm}]
  containers:
  - name: app
    image: busybox
    command: [sleep, '3600']
    readinessProbe:
      exec: {command: [cat, /tmp/ready]}
",
    );
    wait_running(&mut sim, "web");
    sim.advance(SimDuration::from_secs(15));
    let unready = "containers with unready status: [app]";
    assert_eq!(cond(&sim, "Ready"), ("False".into(), "ContainersNotReady".into(), unready.into()));
    assert_eq!(cond(&sim, "ContainersReady"), ("False".into(), "ContainersNotReady".into(), unready.into()));
    set_condition(&mut sim, WARM, "True");
    assert_eq!(cond(&sim, "Ready").1, "ContainersNotReady", "a True gate does not make unready containers Ready");
}

#[test]
fn describe_lists_the_gates_with_their_status() {
    let mut sim = sim_with(GATED);
    wait_running(&mut sim, "web");
    set_condition(&mut sim, LB, "True");
    let out = crate::console::run_line(&mut sim, "kubectl describe pod web", &crate::kubectl::NoFiles).stdout;
    let lines: Vec<&str> = out.lines().collect();
    let at = lines.iter().position(|l| *l == "Readiness Gates:").unwrap_or_else(|| panic!("no Readiness Gates in\n{out}"));
    let gates: Vec<Vec<&str>> = lines[at + 1..at + 4].iter().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(gates, [vec!["Type", "Status"], vec![LB, "True"], vec![WARM, "<none>"]]);
    assert_eq!(lines[at + 4], "Conditions:", "{out}");
}
