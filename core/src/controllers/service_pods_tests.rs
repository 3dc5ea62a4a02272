//! Helpers for the Endpoints and EndpointSlice controller tests, and tests of the shared rules.
//!
//! Pods are bound to `edge-1`, a node created here that no simulated kubelet runs, and their
//! status (IP, Ready) is written by the test, so that only the endpoint controllers react.

use k8s_openapi::api::core::v1::{Pod, PodCondition, PodIP};
use k8s_openapi::api::discovery::v1::EndpointSlice;

use crate::api::{Kind, Object};
use crate::sim::apiserver::{k8s_time, Propagation};
use crate::sim::{ApplyOutcome, ClusterConfig, Sim};
use crate::store::{Cause, Component, ObjectRef};
use crate::time::SimDuration;

use super::*;

pub(crate) const NODE: &str = "apiVersion: v1\nkind: Node\nmetadata:\n  name: edge-1\n  labels: {topology.kubernetes.io/zone: zone-a}\n";

pub(crate) fn sim() -> Sim {
    let mut sim = Sim::new(ClusterConfig::default());
    apply(&mut sim, NODE);
    sim
}

/// Lets the controllers react: what is due in the next 50 ms.
pub(crate) fn run(sim: &mut Sim) {
    sim.after_action();
    sim.advance(SimDuration::from_millis(50));
}

pub(crate) fn apply(sim: &mut Sim, text: &str) {
    let report = sim.apply("test.yaml", text);
    for o in &report.outcomes {
        assert!(matches!(o, ApplyOutcome::Applied { .. }), "{}", o.to_kubectl_line());
    }
    run(sim);
}

/// A pod bound to `edge-1` with the given labels (flow map body) and container ports (flow list).
pub(crate) fn pod_yaml(name: &str, labels: &str, ports: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, labels: {{{labels}}}}}\nspec:\n  schedulerName: manual\n  nodeName: edge-1\n  containers:\n  - name: app\n    image: nginx\n    ports: [{ports}]\n"
    )
}

/// The same pod held by a finalizer, so that once deleted it stays terminating.
pub(crate) fn held_pod_yaml(name: &str, labels: &str, ports: &str) -> String {
    pod_yaml(name, labels, ports).replacen("metadata: {", "metadata: {finalizers: [example.com/hold], ", 1)
}

pub(crate) fn get(sim: &Sim, kind: Kind, name: &str) -> Option<Object> {
    sim.get(&ObjectRef::new(kind, Some("default"), name)).cloned()
}

pub(crate) fn pod(sim: &Sim, name: &str) -> Pod {
    match get(sim, Kind::Pod, name) {
        Some(Object::Pod(p)) => *p,
        other => panic!("no pod {name}: {other:?}"),
    }
}

/// Writes the status a kubelet would: Running, the IP, and the Ready condition.
pub(crate) fn set_status(sim: &mut Sim, name: &str, ip: &str, ready: bool) {
    let mut p = pod(sim, name);
    let now = k8s_time(sim.now());
    let status = p.status.get_or_insert_with(Default::default);
    status.phase = Some("Running".into());
    status.pod_ip = Some(ip.into());
    status.pod_ips = Some(vec![PodIP { ip: ip.into() }]);
    let ready_text = if ready { "True" } else { "False" };
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    match conditions.iter_mut().find(|c| c.type_ == "Ready") {
        Some(c) if c.status == ready_text => {}
        Some(c) => {
            c.status = ready_text.into();
            c.last_transition_time = Some(now);
        }
        None => conditions.push(PodCondition {
            type_: "Ready".into(),
            status: ready_text.into(),
            last_transition_time: Some(now),
            ..Default::default()
        }),
    }
    p.metadata.resource_version = None;
    let action = sim.begin_action("status");
    sim.api().update(p.into(), &Component::new("kubelet/edge-1"), Cause::Action(action)).expect("status update");
    run(sim);
}

/// `kubectl delete pod NAME` (graceful: the pod is left terminating) or `--grace-period=0`.
pub(crate) fn delete(sim: &mut Sim, kind: Kind, name: &str, grace: Option<i64>) {
    let action = sim.begin_action("delete");
    let key = ObjectRef::new(kind, Some("default"), name);
    sim.api()
        .delete_with_grace(&key, Propagation::Background, grace, &Component::new("kubectl"), Cause::Action(action))
        .expect("delete");
    run(sim);
}

/// The managed slices of a Service, by name.
pub(crate) fn slices(sim: &Sim, service: &str) -> Vec<EndpointSlice> {
    sim.store()
        .list(Kind::EndpointSlice, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::EndpointSlice(s) => Some(s.as_ref().clone()),
            _ => None,
        })
        .filter(|s| s.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name")).map(String::as_str) == Some(service))
        .collect()
}

#[test]
fn named_target_port_is_looked_up_by_name_and_protocol() {
    let mut sim = sim();
    apply(&mut sim, &pod_yaml("p", "app: a", "{name: web, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}"));
    let p = pod(&sim, "p");
    let port = |target: &str, protocol: &str| k8s_openapi::api::core::v1::ServicePort {
        port: 80,
        protocol: Some(protocol.into()),
        target_port: Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(target.into())),
        ..Default::default()
    };
    assert_eq!(find_port(&p, &port("web", "TCP")), Some(8080));
    assert_eq!(find_port(&p, &port("dns", "UDP")), Some(53));
    assert_eq!(find_port(&p, &port("dns", "TCP")), None);
    assert_eq!(find_port(&p, &port("metrics", "TCP")), None);
}

#[test]
fn trigger_time_is_creation_first_then_changed_pods_only() {
    let mut sim = sim();
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: a}, ports: [{port: 80}]}\n");
    apply(&mut sim, &pod_yaml("p", "app: a", ""));
    sim.advance(SimDuration::from_secs(5));
    set_status(&mut sim, "p", "10.244.9.2", true);
    let Some(Object::Service(svc)) = get(&sim, Kind::Service, "s") else { panic!("no service") };
    let pods: Vec<_> = sim.store().list(Kind::Pod, Some("default")).cloned().collect();
    let mut cache = Cache::default();
    let created = svc.metadata.creation_timestamp.as_ref().unwrap().0.as_second();
    assert_eq!(cache.trigger_time("default", &svc, &pods), Some(created));
    assert_eq!(cache.trigger_time("default", &svc, &pods), None, "nothing changed since");
    sim.advance(SimDuration::from_secs(5));
    set_status(&mut sim, "p", "10.244.9.2", false);
    let pods: Vec<_> = sim.store().list(Kind::Pod, Some("default")).cloned().collect();
    let t = cache.trigger_time("default", &svc, &pods).expect("the pod's readiness moved");
    assert_eq!(t, created + 10);
    assert_eq!(trigger_text(t), "2024-01-01T00:00:10Z");
}
