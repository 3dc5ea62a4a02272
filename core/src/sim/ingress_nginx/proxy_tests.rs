//! Requests through the ingress-nginx controller: routing by Host and path, nginx's own pages,
//! the proxied connection to the backend pod, and what the backend saw.

use std::net::Ipv4Addr;

use crate::api::{Kind, Object};
use crate::kubectl::test_support::sh;
use crate::net::trace::Stage;
use crate::sim::{ClusterConfig, Sim};
use crate::store::ObjectRef;
use crate::time::SimDuration;

const APP: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: "registry.k8s.io/e2e-test-images/agnhost:2.47", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 8080, targetPort: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: www, namespace: shop, labels: {app: www}}
spec: {containers: [{name: www, image: "nginx:1.27.3"}]}
---
apiVersion: v1
kind: Service
metadata: {name: www, namespace: shop}
spec: {selector: {app: www}, ports: [{name: web, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: shop}
spec: {selector: {app: nothing}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
      - {path: /exact, pathType: Exact, backend: {service: {name: api, port: {number: 8080}}}}
      - {path: /none, pathType: Prefix, backend: {service: {name: empty, port: {number: 80}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: www, port: {name: web}}}}
  - http:
      paths:
      - {path: /echo, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: other}
spec: {controller: example.com/other}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: elsewhere, namespace: shop}
spec:
  ingressClassName: other
  rules:
  - host: other.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: www, port: {number: 80}}}}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {nodeName: node-1, containers: [{name: c, image: "nginx:1.27.3"}]}
"#;

fn cluster() -> Sim {
    let mut sim = Sim::new(ClusterConfig { ingress_nginx: true, ..ClusterConfig::default() });
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(40));
    sim
}

fn pod_ip(sim: &Sim, ns: &str, name: &str) -> Ipv4Addr {
    match sim.get(&ObjectRef::new(Kind::Pod, Some(ns), name)) {
        Some(Object::Pod(p)) => p.status.as_ref().and_then(|s| s.pod_ip.as_deref()).and_then(|ip| ip.parse().ok()).expect("the pod has an IP"),
        _ => panic!("no pod {ns}/{name}"),
    }
}

/// The controller pod's name and address.
fn controller(sim: &Sim) -> (String, Ipv4Addr) {
    let pod = sim.store().list(Kind::Pod, Some("ingress-nginx")).map(|o| o.name().to_string()).next().expect("a controller pod");
    let ip = pod_ip(sim, "ingress-nginx", &pod);
    (pod, ip)
}

fn node_port(sim: &Sim) -> i32 {
    match sim.get(&ObjectRef::new(Kind::Service, Some("ingress-nginx"), "ingress-nginx-controller")) {
        Some(Object::Service(s)) => s.spec.as_ref().and_then(|s| s.ports.as_ref()).and_then(|p| p[0].node_port).expect("a node port"),
        _ => panic!("no controller Service"),
    }
}

/// `kubectl exec client -- curl -s[FLAGS] -H 'Host: HOST' http://ingress-nginx-controller.ingress-nginx<PATH>`.
fn curl(sim: &mut Sim, flags: &str, host: &str, path: &str) -> String {
    sh(sim, &format!("kubectl exec client -- curl -s{flags} -H 'Host: {host}' http://ingress-nginx-controller.ingress-nginx{path}"))
}

/// What each (host, path) ends in: the backend that answered, or nginx's own page.
#[test]
fn hosts_and_paths_pick_the_backend() {
    let mut sim = cluster();
    let (_, ctrl) = controller(&sim);
    let echo = format!("RemoteAddr: {ctrl}:");
    let cases: &[(&str, &str, &str)] = &[
        // Prefix /api: the path itself, below it, but not a longer name.
        ("shop.example.com", "/api", "echo"),
        ("shop.example.com", "/api/v1/items?x=1", "echo"),
        ("SHOP.example.com:80", "/api/", "echo"),
        ("shop.example.com", "/apix", "www 404"),
        // Exact /exact: only the path itself.
        ("shop.example.com", "/exact", "echo"),
        ("shop.example.com", "/exact/more", "www 404"),
        ("shop.example.com", "/", "www"),
        // The rule without a host serves any Host, for its paths only.
        ("203.0.113.7", "/echo/x", "echo"),
        // An unknown host, and a host whose Ingress belongs to another controller's class.
        ("unknown.example.com", "/api", "404"),
        ("other.example.com", "/", "404"),
        ("shop.example.com", "/none", "503"),
    ];
    for (host, path, want) in cases {
        let out = curl(&mut sim, "i", host, path);
        let got = if out.contains(&echo) {
            "echo"
        } else if out.contains("Welcome to nginx!") {
            "www"
        } else if out.contains("<hr><center>nginx/1.27.3</center>") {
            "www 404"
        } else if out.starts_with("HTTP/1.1 404 Not Found\r\n") && out.contains("<hr><center>nginx</center>") {
            "404"
        } else if out.starts_with("HTTP/1.1 503 Service Temporarily Unavailable\r\n") {
            "503"
        } else {
            "other"
        };
        assert_eq!(got, *want, "{host} {path}:\n{out}");
        assert!(!out.contains("\r\nServer:"), "the controller clears Server: {out}");
    }
}

#[test]
fn the_backend_sees_the_controller_pod_and_the_host() {
    let mut sim = cluster();
    let (_, ctrl) = controller(&sim);
    let out = curl(&mut sim, "", "shop.example.com", "/api/items");
    assert!(out.contains("Host: shop.example.com\n"), "{out}");
    assert!(out.contains(&format!("RemoteAddr: {ctrl}:")), "the backend sees the controller pod's address:\n{out}");
    // The relayed headers: nginx's Date first, the backend's own after Connection, no Server.
    let out = curl(&mut sim, "I", "shop.example.com", "/");
    let names: Vec<&str> = out.lines().skip(1).filter_map(|l| l.split_once(':').map(|(n, _)| n)).collect();
    assert_eq!(names, ["Date", "Content-Type", "Content-Length", "Connection", "Last-Modified", "ETag", "Accept-Ranges"], "{out}");
}

#[test]
fn the_trace_holds_both_connections_in_order() {
    let mut sim = cluster();
    let (pod, ctrl) = controller(&sim);
    curl(&mut sim, "", "shop.example.com", "/api");
    let t = sim.last_trace().expect("a trace").clone();
    let text = t.text();
    let at = |what: &dyn Fn(&crate::net::trace::Hop) -> bool| t.hops.iter().position(what).unwrap_or_else(|| panic!("{text}"));
    let syn_ctrl = at(&|h| h.stage == Stage::Deliver && h.place.ends_with(&format!("pod ingress-nginx/{pod}")) && h.detail.to_string().starts_with("SYN for the socket listening on :80"));
    let note = at(&|h| h.detail.to_string().starts_with("ingress-nginx proxies to "));
    let second = at(&|h| h.stage == Stage::Send && h.place.ends_with(&format!("pod ingress-nginx/{pod}")) && h.detail.to_string().contains(&format!("from {ctrl}")));
    let syn_api = at(&|h| h.stage == Stage::Deliver && h.place.contains("pod shop/api-") && h.detail.to_string().starts_with("SYN for the socket listening on :80"));
    assert!(syn_ctrl < note && note < second && second < syn_api, "{text}");
    let detail = t.hops[note].detail.to_string();
    assert!(detail.contains("(Ingress shop/web, rule 0, path /api Prefix)") && detail.contains("upstream shop-api-8080") && detail.contains("not to the Service's ClusterIP"), "{detail}");
    // X-Forwarded-For is the client address nginx saw: the client pod, reached through the ClusterIP.
    let client = pod_ip(&sim, "default", "client");
    assert!(detail.contains(&format!("X-Real-IP and X-Forwarded-For {client}, X-Request-ID ")), "{detail}");
    let id = detail.rsplit(' ').next().unwrap();
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    // The second connection goes to the pod address the note names, with no Service DNAT.
    let target = detail.trim_start_matches("ingress-nginx proxies to ").split(' ').next().unwrap().to_string();
    let (ip, port) = target.split_once(':').unwrap();
    let api_ips: Vec<String> = sim.store().list(Kind::Pod, Some("shop")).filter(|o| o.name().starts_with("api-")).map(|o| pod_ip(&sim, "shop", o.name()).to_string()).collect();
    assert!(api_ips.contains(&ip.to_string()) && port == "80", "{target} {api_ips:?}");
    assert!(!t.hops[second..].iter().any(|h| h.detail.to_string().contains("DNAT")), "{text}");
    // Which socket answered which connection.
    assert!(crate::sim::http::accepted(&t.hops).is_some_and(|a| a.place.ends_with(&pod)));
    assert!(crate::sim::http::accepted(&t.hops[second..]).is_some_and(|a| a.place.contains("pod shop/api-") && a.client.0 == ctrl));
}

#[test]
fn requests_go_round_robin_over_the_endpoints() {
    let mut sim = cluster();
    let mut picked = Vec::new();
    for _ in 0..4 {
        curl(&mut sim, "", "shop.example.com", "/api");
        let t = sim.last_trace().unwrap();
        let note = t.hops.iter().map(|h| h.detail.to_string()).find(|d| d.starts_with("ingress-nginx proxies to ")).unwrap();
        picked.push(note.split(' ').nth(3).unwrap().to_string());
    }
    assert_ne!(picked[0], picked[1], "{picked:?}");
    assert_eq!((&picked[0], &picked[1]), (&picked[2], &picked[3]), "{picked:?}");
}

#[test]
fn a_default_backend_serves_what_no_rule_matches() {
    let mut sim = cluster();
    let fallback = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: fallback, namespace: shop}\nspec:\n  ingressClassName: nginx\n  defaultBackend: {service: {name: www, port: {number: 80}}}\n";
    sim.apply("fallback.yaml", fallback);
    let out = curl(&mut sim, "", "unknown.example.com", "/");
    assert!(out.contains("Welcome to nginx!"), "{out}");
    let t = sim.last_trace().unwrap();
    assert!(t.hops.iter().any(|h| h.detail.to_string().contains("(Ingress shop/fallback, defaultBackend)")), "{}", t.text());
}

#[test]
fn from_outside_through_the_node_port() {
    let mut sim = cluster();
    let (_, ctrl) = controller(&sim);
    let np = node_port(&sim);
    let node = sim.net().node("node-1").unwrap().placement.ip;
    let out = sh(&mut sim, &format!("node node-1 -- curl -s -H 'Host: shop.example.com' http://{node}:{np}/api"));
    assert!(out.contains(&format!("RemoteAddr: {ctrl}:")), "{out}");
    let out = sh(&mut sim, &format!("trace external http://{node}:{np}/echo"));
    assert!(out.contains("ingress-nginx proxies to ") && out.contains("(Ingress shop/web, rule 1, path /echo Prefix)"), "{out}");
    assert!(out.contains("result: connected to ") && out.contains("ingress-nginx answers a GET /echo with HTTP/1.1 200 OK"), "{out}");
    let out = sh(&mut sim, &format!("trace external http://{node}:{np}/"));
    assert!(out.contains("no Ingress path matches, the controller's default backend answers 404 Not Found"), "{out}");
    assert!(out.contains("ingress-nginx answers a GET / with HTTP/1.1 404 Not Found"), "{out}");
}

const BROKEN: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: wrongport, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 80, targetPort: 9999}]}
---
apiVersion: v1
kind: Pod
metadata: {name: hang, namespace: shop, labels: {app: hang}}
spec: {containers: [{name: hang, image: "fishbowl/hang"}]}
---
apiVersion: v1
kind: Service
metadata: {name: hang, namespace: shop}
spec: {selector: {app: hang}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: broken, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: broken.example.com
    http:
      paths:
      - {path: /refused, pathType: Prefix, backend: {service: {name: wrongport, port: {number: 80}}}}
      - {path: /hang, pathType: Prefix, backend: {service: {name: hang, port: {number: 80}}}}
"#;

#[test]
fn a_backend_that_refuses_or_never_answers_gives_nginx_5xx() {
    let mut sim = cluster();
    sim.apply("broken.yaml", BROKEN);
    sim.advance(SimDuration::from_secs(20));
    let out = curl(&mut sim, "i", "broken.example.com", "/refused");
    assert!(out.starts_with("HTTP/1.1 502 Bad Gateway\r\n") && out.contains("<center><h1>502 Bad Gateway</h1></center>"), "{out}");
    let t = sim.last_trace().unwrap();
    assert!(t.hops.iter().any(|h| h.place.contains("pod shop/api-") && h.detail.to_string() == "nothing listens on TCP :9999: RST"), "{}", t.text());
    let out = curl(&mut sim, "i", "broken.example.com", "/hang");
    assert!(out.starts_with("HTTP/1.1 504 Gateway Time-out\r\n"), "{out}");
}

#[test]
fn wget_asks_to_close_and_nginx_agrees() {
    let mut sim = cluster();
    sim.apply("box.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: box}\nspec: {containers: [{name: c, image: busybox:1.36, command: [sleep, \"3600\"]}]}\n");
    sim.advance(SimDuration::from_secs(10));
    let out = sh(&mut sim, "kubectl exec box -- wget -S -qO- --header 'Host: shop.example.com' http://ingress-nginx-controller.ingress-nginx/api");
    assert!(out.contains("Connection: close"), "{out}");
    assert!(out.contains("Host: shop.example.com"), "{out}");
}
