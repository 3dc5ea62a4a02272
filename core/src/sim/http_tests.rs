//! curl and wget through the cluster: names, Services, NodePorts and what the server saw.

use crate::kubectl::test_support::sh;
use crate::sim::{ClusterConfig, Sim};
use crate::time::SimDuration;

const APP: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: echo, labels: {app: echo}}
spec: {nodeName: node-2, containers: [{name: echo, image: "registry.k8s.io/e2e-test-images/agnhost:2.47", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  type: NodePort
  selector: {app: echo}
  ports: [{port: 80, nodePort: 30090}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {nodeName: node-3, containers: [{name: web, image: "nginx:1.27.3"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {nodeName: node-1, containers: [{name: c, image: "nginx:1.27.3"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: box}
spec: {nodeName: node-1, containers: [{name: c, image: "busybox:1.36", command: [sleep, "3600"]}]}
"#;

fn cluster() -> Sim {
    let mut sim = Sim::new(ClusterConfig::default());
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(30));
    sim
}

#[test]
fn curl_by_service_name_gets_nginx_and_the_echo_server_sees_the_pod() {
    let mut sim = cluster();
    let out = sh(&mut sim, "kubectl exec client -- curl -s http://web/");
    assert!(out.starts_with("<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>"), "{out}");
    let client = crate::net::test_support::pod_ip(&sim, "client");
    let out = sh(&mut sim, "kubectl exec client -- curl -s echo");
    assert!(out.contains(&client.to_string()), "the echo server sees the client pod's own address:\n{out}");
    // The last trace holds the DNS query and the connection.
    let t = sim.last_trace().unwrap();
    assert!(t.hops.iter().any(|h| h.place.contains("kube-system/coredns-")), "{}", t.text());
}

#[test]
fn from_outside_a_node_port_is_masqueraded_and_errors_are_curls() {
    let mut sim = cluster();
    let node1 = sim.net().node("node-1").unwrap().placement.ip;
    let out = sh(&mut sim, &format!("node node-1 -- curl -s http://{node1}:30090/"));
    // node-1 runs no echo pod: the second hop is masqueraded to node-1's flannel.1 address.
    assert!(out.contains("10.244.0.0"), "{out}");
    let out = sh(&mut sim, "kubectl exec client -- curl -sS http://nothing-here/");
    assert_eq!(out, "curl: (6) Could not resolve host: nothing-here\ncommand terminated with exit code 6\n");
    let out = sh(&mut sim, "kubectl exec box -- wget -qO- http://web/");
    assert!(out.contains("Welcome to nginx!"), "{out}");
    let out = sh(&mut sim, "kubectl exec box -- curl web");
    assert!(out.contains("executable file not found"), "{out}");
}

#[test]
fn each_connection_of_a_trace_is_matched_to_the_socket_that_accepted_it() {
    let mut sim = cluster();
    sh(&mut sim, "kubectl exec client -- curl -s http://web/");
    let first = sim.last_trace().unwrap().hops.clone();
    sh(&mut sim, "kubectl exec client -- curl -s http://echo/");
    let second = sim.last_trace().unwrap().hops.clone();
    let both: Vec<_> = first.iter().chain(second.iter()).cloned().collect();
    let client = crate::net::test_support::pod_ip(&sim, "client");
    let web = super::http::accepted(&both).expect("the first connection was accepted");
    assert!(web.place.ends_with("pod default/web") && web.client.0 == client && web.server.1 == 80, "{web:?}");
    let echo = super::http::accepted(&both[first.len()..]).expect("the second connection was accepted");
    assert!(echo.place.ends_with("pod default/echo") && echo.client.0 == client, "{echo:?}");
    // The request's bytes reached the server after its SYN.
    assert!(echo.at > both[first.len()].at && !echo.packet.payload.is_empty());
}

#[test]
fn nginx_serves_the_index_html_of_a_volume_mounted_over_its_document_root() {
    let site = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: site}
data: {index.html: "<h1>from a ConfigMap</h1>\n"}
---
apiVersion: v1
kind: Pod
metadata: {name: site}
spec:
  containers:
  - name: web
    image: nginx:1.27.3
    volumeMounts: [{name: html, mountPath: /usr/share/nginx/html}]
  volumes: [{name: html, configMap: {name: site}}]
---
apiVersion: v1
kind: Pod
metadata: {name: empty}
spec:
  containers:
  - name: web
    image: nginx:1.27.3
    volumeMounts: [{name: html, mountPath: /usr/share/nginx}]
  volumes: [{name: html, emptyDir: {}}]
"#;
    let mut sim = cluster();
    assert!(sim.apply("site.yaml", site).ok());
    sim.advance(SimDuration::from_secs(30));
    assert_eq!(sh(&mut sim, "kubectl exec site -- curl -s localhost"), "<h1>from a ConfigMap</h1>\n");
    let codes = "-s -o /dev/null -w '%{http_code}\\n'";
    assert_eq!(sh(&mut sim, &format!("kubectl exec empty -- curl {codes} localhost/")), "403\n");
    assert_eq!(sh(&mut sim, &format!("kubectl exec empty -- curl {codes} localhost/index.html")), "404\n");
    // Without a volume there, the image's welcome page.
    assert_eq!(sh(&mut sim, &format!("kubectl exec web -- curl {codes} localhost/")), "200\n");
}
