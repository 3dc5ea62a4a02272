//! Name lookups through the data path: resolv.conf, the search list, CoreDNS behind kube-dns.

use crate::kubectl::test_support::sh;
use crate::net::trace::{Detail, Stage};
use crate::sim::{ClusterConfig, Sim};
use crate::time::SimDuration;

const APP: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {nodeName: node-2, containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop}
spec: {nodeName: node-1, containers: [{name: c, image: "busybox:1.36", command: [sleep, "3600"]}]}
"#;

fn cluster() -> Sim {
    let mut sim = Sim::new(ClusterConfig::default());
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(30));
    sim
}

#[test]
fn a_pods_resolv_conf_is_what_kubelet_writes() {
    let mut sim = cluster();
    assert_eq!(sh(&mut sim, "kubectl exec -n shop client -- cat /etc/resolv.conf"), "search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n");
    assert_eq!(sh(&mut sim, "node node-1 -- cat /etc/resolv.conf"), "nameserver 192.168.56.1\n");
}

#[test]
fn a_short_name_is_tried_with_the_search_list_and_each_query_is_a_traced_packet() {
    let mut sim = cluster();
    let out = sh(&mut sim, "kubectl exec -n shop client -- nslookup web");
    let vip = match sim.get(&crate::store::ObjectRef::new(crate::api::Kind::Service, Some("shop"), "web")) {
        Some(crate::api::Object::Service(s)) => s.spec.clone().unwrap().cluster_ip.unwrap(),
        _ => panic!(),
    };
    assert_eq!(out, format!("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tweb.shop.svc.cluster.local\nAddress: {vip}\n\n"));
    // The query went to kube-dns's ClusterIP and was DNATed to a CoreDNS pod on port 53.
    let t = sim.last_trace().unwrap();
    let dnat = t.hops.iter().find_map(|h| match &h.detail {
        Detail::Netfilter(d) => d.nat.as_ref().filter(|n| n.from == ("10.96.0.10".parse().unwrap(), 53)),
        _ => None,
    });
    assert!(dnat.is_some_and(|n| n.to.1 == 53), "{}", t.text());
    assert!(t.hops.iter().any(|h| h.stage == Stage::Deliver && h.place.contains("pod kube-system/coredns-")), "{}", t.text());
    // `cart.web` has one dot: four names with the search list, then the name itself.
    let out = sh(&mut sim, "kubectl exec -n shop client -- nslookup nothing.here");
    // Every search name is NXDOMAIN; the name itself is outside the cluster domain, so CoreDNS
    // would forward it upstream, which is not simulated: SERVFAIL.
    assert!(out.contains("** server can't find nothing.here: SERVFAIL"), "{out}");
}

#[test]
fn trace_by_name_looks_the_name_up_first() {
    let mut sim = cluster();
    let out = sh(&mut sim, "trace -n shop pod/client http://web/");
    let lines: Vec<&str> = out.lines().take_while(|l| l.starts_with("dns: ")).collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].starts_with("dns: web.shop.svc.cluster.local. A? to 10.96.0.10:53 → NOERROR 10."), "{out}");
    assert!(out.contains("three-way handshake complete"), "{out}");
    // A fully qualified name with fewer than five dots still goes through the search list
    // first: `web.shop` tries web.shop.shop.svc.cluster.local (NXDOMAIN), then finds it.
    let out = sh(&mut sim, "trace -n shop pod/client web.shop:80");
    let dns: Vec<&str> = out.lines().filter(|l| l.starts_with("dns: ")).collect();
    assert_eq!(dns.len(), 2, "{out}");
    assert!(dns[0].starts_with("dns: web.shop.shop.svc.cluster.local. A? to 10.96.0.10:53 → NXDOMAIN"), "{out}");
    assert!(dns[1].starts_with("dns: web.shop.svc.cluster.local. A? "), "{out}");
}

#[test]
fn dig_asks_exactly_the_name() {
    let mut sim = cluster();
    let out = sh(&mut sim, "kubectl exec -n shop client -- dig web.shop.svc.cluster.local");
    assert!(out.contains(";; ->>HEADER<<- opcode: QUERY, status: NOERROR"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("web.shop.svc.cluster.local. 30\tIN\tA\t10.")), "{out}");
    assert!(out.contains(";; SERVER: 10.96.0.10#53(10.96.0.10) (UDP)"), "{out}");
}

#[test]
fn a_headless_service_answers_with_its_pods_and_each_pod_has_a_name() {
    let mut sim = cluster();
    let sts = r#"
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: pg, port: 5432}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop, labels: {app: db}}
spec: {hostname: db-0, subdomain: db, nodeName: node-3, containers: [{name: db, image: "nginx:1.27"}]}
"#;
    sim.apply("db.yaml", sts);
    sim.advance(SimDuration::from_secs(30));
    let ip = match sim.get(&crate::store::ObjectRef::new(crate::api::Kind::Pod, Some("shop"), "db-0")) {
        Some(crate::api::Object::Pod(p)) => p.status.clone().unwrap().pod_ip.unwrap(),
        _ => panic!(),
    };
    let out = sh(&mut sim, "kubectl exec -n shop client -- nslookup db");
    assert!(out.contains(&format!("Name:\tdb.shop.svc.cluster.local\nAddress: {ip}\n")), "{out}");
    let out = sh(&mut sim, "kubectl exec -n shop client -- nslookup db-0.db");
    assert!(out.contains(&format!("Name:\tdb-0.db.shop.svc.cluster.local\nAddress: {ip}\n")), "{out}");
}
