//! One request, many paths: curl to an echo server through a ClusterIP, a NodePort, a
//! LoadBalancer and an Ingress, under each kube-proxy mode (iptables, IPVS, userspace) and each
//! flannel backend (vxlan, udp, host-gw). Each case asserts the answer and the client address
//! the echo server saw — the part that differs, and why, is the lesson:
//!
//! - iptables and IPVS keep a pod client's address on a ClusterIP; userspace mode's proxy
//!   opens its own connection, so the server sees the node.
//! - From outside, a NodePort (externalTrafficPolicy Cluster) is masqueraded to the address of
//!   the device the node forwards by: flannel.1 or flannel0 (the node's pod-network address)
//!   for the overlays, eth0 for host-gw.
//! - ingress-nginx connects to the pod itself: the server sees the controller pod.

use std::net::Ipv4Addr;

use crate::api::{Kind, Object};
use crate::net::http::{self, Outcome, Reply, Request};
use crate::net::Backend;
use crate::sim::trace::Endpoint;
use crate::sim::{ClusterConfig, ProxyMode, Sim};
use crate::store::ObjectRef;
use crate::time::SimDuration;

const APP: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: echo, labels: {app: echo}}
spec: {nodeName: node-2, containers: [{name: echo, image: "traefik/whoami:v1.10", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {nodeName: node-1, containers: [{name: c, image: "curlimages/curl:8.5.0", command: [sleep, "3600"]}]}
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  type: NodePort
  selector: {app: echo}
  ports: [{port: 80, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-lb}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: echo}
  ports: [{port: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: echo}
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 80}}}}
"#;

const MODES: [ProxyMode; 3] = [ProxyMode::Iptables, ProxyMode::Ipvs, ProxyMode::Userspace];
const BACKENDS: [Backend; 3] = [Backend::Vxlan, Backend::Udp, Backend::HostGw];

fn cluster(mode: ProxyMode, backend: Backend) -> Sim {
    let mut sim = Sim::new(ClusterConfig { proxy_mode: mode, network: backend, ingress_nginx: true, ..ClusterConfig::bare() });
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(60));
    sim
}

fn service(sim: &Sim, namespace: &str, name: &str) -> k8s_openapi::api::core::v1::Service {
    match sim.get(&ObjectRef::new(Kind::Service, Some(namespace), name)) {
        Some(Object::Service(s)) => (**s).clone(),
        _ => panic!("no service {namespace}/{name}"),
    }
}

fn node_ip(sim: &Sim, node: &str) -> Ipv4Addr {
    sim.net().node(node).unwrap().placement.ip
}

/// GETs `url` from `from`; the body and the address the echo server saw.
fn curl(sim: &mut Sim, from: &Endpoint, url: &str) -> (String, Ipv4Addr) {
    let u = http::parse_url(url).unwrap();
    let out = sim.http_fetch(from, &u, &Request::curl(&u, "GET", &[]));
    let Outcome::Connected { reply: Reply::Response(r), .. } = out else { panic!("{url}: {out:?}\n{}", sim.last_trace().unwrap().text()) };
    assert_eq!(r.status, 200, "{url}: {}", r.body);
    assert!(r.body.contains("GET / HTTP/1.1"), "{}", r.body);
    let seen = r.body.lines().find_map(|l| l.strip_prefix("RemoteAddr: ")).and_then(|a| a.split(':').next()).and_then(|a| a.parse().ok());
    (r.body.clone(), seen.unwrap_or_else(|| panic!("no RemoteAddr in {}", r.body)))
}

/// The address node-1 sends from towards node-2's pods: its overlay device's, or eth0's
/// for host-gw.
fn forwarding_addr(sim: &Sim, backend: Backend) -> Ipv4Addr {
    match backend {
        Backend::HostGw => node_ip(sim, "node-1"),
        _ => sim.net().lease_of("node-1").unwrap().subnet.network(),
    }
}

#[test]
fn curl_through_every_service_type_proxy_mode_and_backend() {
    for mode in MODES {
        for backend in BACKENDS {
            let case = format!("{} / {}", mode.name(), backend.name());
            let mut sim = cluster(mode, backend);
            let client = Endpoint::Pod { namespace: "default".into(), name: "client".into() };
            let client_ip = crate::net::test_support::pod_ip(&sim, "client");
            let echo = service(&sim, "default", "echo");
            let vip = echo.spec.as_ref().unwrap().cluster_ip.clone().unwrap();
            let node1 = node_ip(&sim, "node-1");

            // ClusterIP from a pod.
            let (_, seen) = curl(&mut sim, &client, &format!("http://{vip}/"));
            let want = if mode == ProxyMode::Userspace { forwarding_addr(&sim, backend) } else { client_ip };
            assert_eq!(seen, want, "{case}: ClusterIP");

            // NodePort from the internet, on a node without the pod.
            let (_, seen) = curl(&mut sim, &Endpoint::External, &format!("http://{node1}:30080/"));
            assert_eq!(seen, forwarding_addr(&sim, backend), "{case}: NodePort");

            // LoadBalancer (externalTrafficPolicy Local): the cloud's balancer sends it to node-2,
            // the only node whose health check passes; the client's address is kept, except
            // by the userspace proxy, which connects from the node (cni0 there).
            let lb = service(&sim, "default", "echo-lb");
            let lb_ip = lb.status.as_ref().and_then(|s| s.load_balancer.as_ref()).and_then(|l| l.ingress.as_ref()).and_then(|i| i.first()).and_then(|i| i.ip.clone()).unwrap_or_else(|| panic!("{case}: no LB address"));
            let (_, seen) = curl(&mut sim, &Endpoint::External, &format!("http://{lb_ip}/"));
            let cni0_node2 = Ipv4Addr::from(u32::from(sim.net().lease_of("node-2").unwrap().subnet.network()) + 1);
            let want = if mode == ProxyMode::Userspace { cni0_node2 } else { crate::net::INTERNET_HOST };
            assert_eq!(seen, want, "{case}: LoadBalancer");

            // Ingress: the controller's NodePort, then the controller's own connection.
            let ctl = service(&sim, "ingress-nginx", "ingress-nginx-controller");
            let np = ctl.spec.as_ref().unwrap().ports.as_ref().unwrap().iter().find(|p| p.name.as_deref() == Some("http")).and_then(|p| p.node_port).unwrap();
            let (body, seen) = curl(&mut sim, &Endpoint::External, &format!("http://{node1}:{np}/"));
            let controller = crate::net::test_support::pod_ips_with_prefix(&sim, "ingress-nginx", "ingress-nginx-controller-");
            assert!(controller.contains(&seen), "{case}: Ingress: {seen} not a controller pod {controller:?}\n{body}");
        }
    }
}

#[test]
fn curl_runs_on_the_internet_host_from_the_console() {
    let mut sim = cluster(ProxyMode::Iptables, Backend::Vxlan);
    let node1 = node_ip(&sim, "node-1");
    let out = crate::console::run_line(&mut sim, &format!("internet -- curl -s http://{node1}:30080/"), &crate::kubectl::NoFiles);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stdout.contains("\nRemoteAddr: 10.244.0.0:"), "{}", out.stdout);
    let out = crate::console::run_line(&mut sim, "internet -- hostname", &crate::kubectl::NoFiles);
    assert_eq!(out.stdout, "internet\n");
    let out = crate::console::run_line(&mut sim, "internet curl", &crate::kubectl::NoFiles);
    assert_ne!(out.status, 0);
}

#[test]
fn kube_proxy_answers_the_health_check_node_port_with_the_local_endpoints() {
    let mut sim = cluster(ProxyMode::Iptables, Backend::Vxlan);
    let lb = service(&sim, "default", "echo-lb");
    let hc = lb.spec.as_ref().and_then(|s| s.health_check_node_port).expect("a Local LoadBalancer Service gets a health check node port");
    let check = |sim: &mut Sim, node: &str| {
        let ip = node_ip(sim, node);
        crate::console::run_line(sim, &format!("internet -- curl -s -i http://{ip}:{hc}/healthz"), &crate::kubectl::NoFiles).stdout
    };
    let body = |n: usize| format!("{{\n\t\"service\": {{\n\t\t\"namespace\": \"default\",\n\t\t\"name\": \"echo-lb\"\n\t}},\n\t\"localEndpoints\": {n},\n\t\"serviceProxyHealthy\": true\n}}");
    // node-2 runs the pod: 200 and one local endpoint; node-1 does not: 503.
    let out = check(&mut sim, "node-2");
    assert!(out.starts_with("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nX-Load-Balancing-Endpoint-Weight: 1\r\nDate: "), "{out:?}");
    assert!(out.ends_with(&format!("Content-Length: {}\r\n\r\n{}", body(1).len(), body(1))), "{out:?}");
    let out = check(&mut sim, "node-1");
    assert!(out.starts_with("HTTP/1.1 503 Service Unavailable\r\n") && out.ends_with(&body(0)), "{out:?}");
}

#[test]
fn the_ingress_nginx_addon_can_be_installed_from_the_console() {
    let mut sim = Sim::new(ClusterConfig::bare());
    let out = crate::console::run_line(&mut sim, "addon ingress-nginx", &crate::kubectl::NoFiles);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("namespace/ingress-nginx created\n"), "{}", out.stdout);
    assert!(out.stdout.contains("deployment.apps/ingress-nginx-controller created\n") && out.stdout.contains("ingressclass.networking.k8s.io/nginx created\n"), "{}", out.stdout);
    sim.advance(SimDuration::from_secs(60));
    let pods = crate::kubectl::test_support::sh(&mut sim, "kubectl get pods -n ingress-nginx");
    assert!(pods.contains("1/1     Running"), "{pods}");
    let again = crate::console::run_line(&mut sim, "addon ingress-nginx", &crate::kubectl::NoFiles);
    assert!(again.stdout.contains("unchanged"), "{}", again.stdout);
    assert_ne!(crate::console::run_line(&mut sim, "addon metallb", &crate::kubectl::NoFiles).status, 0);
}
