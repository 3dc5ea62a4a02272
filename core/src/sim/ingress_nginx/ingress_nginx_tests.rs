//! The ingress-nginx add-on at bootstrap: its objects, and the controller running.

use crate::api::{Kind, Object};
use crate::kubectl::test_support::sh;
use crate::sim::{ClusterConfig, Sim};
use crate::store::ObjectRef;
use crate::time::SimDuration;

fn get(sim: &Sim, kind: Kind, ns: Option<&str>, name: &str) -> Option<Object> {
    sim.get(&ObjectRef::new(kind, ns, name)).cloned()
}

#[test]
fn the_flag_creates_the_baremetal_objects() {
    let sim = Sim::new(ClusterConfig { ingress_nginx: true, ..ClusterConfig::default() });
    assert!(get(&sim, Kind::Namespace, None, "ingress-nginx").is_some());
    assert!(get(&sim, Kind::ServiceAccount, Some("ingress-nginx"), "ingress-nginx").is_some());
    assert!(get(&sim, Kind::ConfigMap, Some("ingress-nginx"), "ingress-nginx-controller").is_some());
    let Some(Object::IngressClass(class)) = get(&sim, Kind::IngressClass, None, "nginx") else { panic!("no IngressClass nginx") };
    assert_eq!(class.spec.as_ref().and_then(|s| s.controller.as_deref()), Some("k8s.io/ingress-nginx"));
    let Some(Object::Service(svc)) = get(&sim, Kind::Service, Some("ingress-nginx"), "ingress-nginx-controller") else { panic!("no Service") };
    let spec = svc.spec.as_ref().unwrap();
    assert_eq!(spec.type_.as_deref(), Some("NodePort"));
    let ports: Vec<(Option<&str>, i32, bool)> =
        spec.ports.iter().flatten().map(|p| (p.name.as_deref(), p.port, p.node_port.is_some_and(|n| (30000..=32767).contains(&n)))).collect();
    assert_eq!(ports, vec![(Some("http"), 80, true), (Some("https"), 443, true)]);
    let Some(Object::Deployment(d)) = get(&sim, Kind::Deployment, Some("ingress-nginx"), "ingress-nginx-controller") else { panic!("no Deployment") };
    let labels = d.metadata.labels.clone().unwrap_or_default();
    assert_eq!(labels.get("app.kubernetes.io/component").map(String::as_str), Some("controller"));
    assert_eq!(labels.get("app.kubernetes.io/version").map(String::as_str), Some("1.11.3"));
    let c = &d.spec.template.spec.as_ref().unwrap().containers[0];
    let args = c.args.clone().unwrap_or_default();
    assert!(args.contains(&"--controller-class=k8s.io/ingress-nginx".to_string()) && args.contains(&"--ingress-class=nginx".to_string()), "{args:?}");
    assert!(!args.iter().any(|a| a.starts_with("--validating-webhook")), "no admission webhook: {args:?}");
    assert!(c.image.as_deref().is_some_and(|i| i.starts_with("registry.k8s.io/ingress-nginx/controller:v1.11.3@sha256:")));
}

#[test]
fn off_by_default() {
    let sim = Sim::new(ClusterConfig::default());
    assert!(get(&sim, Kind::Namespace, None, "ingress-nginx").is_none());
    assert!(get(&sim, Kind::IngressClass, None, "nginx").is_none());
}

#[test]
fn the_controller_runs_ready_and_answers_its_health_check() {
    let mut sim = Sim::new(ClusterConfig { ingress_nginx: true, ..ClusterConfig::default() });
    sim.advance(SimDuration::from_secs(40));
    let out = sh(&mut sim, "kubectl get pods -n ingress-nginx");
    let line = out.lines().find(|l| l.starts_with("ingress-nginx-controller-")).unwrap_or_default();
    assert!(line.contains("1/1") && line.contains("Running"), "{out}");
    let pod = line.split_whitespace().next().unwrap();
    let Some(Object::Pod(p)) = get(&sim, Kind::Pod, Some("ingress-nginx"), pod) else { panic!("no pod") };
    let ip = p.status.as_ref().and_then(|s| s.pod_ip.clone()).unwrap();
    let out = sh(&mut sim, &format!("node node-1 -- curl -s http://{ip}:10254/healthz"));
    assert_eq!(out, "ok");
    // A plain-HTTP request on the TLS port.
    let out = sh(&mut sim, &format!("node node-1 -- curl -si http://{ip}:443/"));
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    assert!(out.contains("<center>The plain HTTP request was sent to HTTPS port</center>") && out.contains("Connection: close"), "{out}");
    let logs = sh(&mut sim, &format!("kubectl logs -n ingress-nginx {pod}"));
    assert!(logs.contains("NGINX Ingress controller\n  Release:       v1.11.3\n"), "{logs}");
}
