use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::model::*;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn svc(yaml: &str) -> Service {
    serde_norway::from_str(yaml).unwrap()
}

fn slice(yaml: &str) -> EndpointSlice {
    serde_norway::from_str(yaml).unwrap()
}

const WEB: &str = "\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.20
  clusterIPs: [10.96.0.20]
  externalTrafficPolicy: Local
  healthCheckNodePort: 32000
  externalIPs: [192.168.50.10, 'fd00::1', not-an-ip]
  loadBalancerSourceRanges: [' 198.51.100.7/24', '2001:db8::/32']
  sessionAffinity: ClientIP
  ports:
  - {name: http, port: 80, protocol: TCP, targetPort: 8080, nodePort: 30080}
  - {name: dns, port: 53, protocol: UDP, targetPort: 53, nodePort: 30053}
status:
  loadBalancer:
    ingress:
    - {ip: 203.0.113.10}
    - {ip: 203.0.113.11, ipMode: Proxy}
    - {ip: 203.0.113.12, ipMode: VIP}
    - {hostname: lb.example.com}
";

const WEB_SLICE_A: &str = "\
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abcde, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports:
- {name: http, port: 8080, protocol: TCP}
- {name: dns, port: 53, protocol: UDP}
- {name: dns, port: 5353, protocol: TCP}
endpoints:
- addresses: [10.244.1.9]
  nodeName: node-a
- addresses: [10.244.1.10, 10.244.1.11]
  conditions: {ready: false, serving: true, terminating: true}
  nodeName: node-a
- addresses: [10.244.2.3]
  conditions: {ready: false}
  nodeName: node-b
";

const WEB_SLICE_B: &str = "\
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-fghij, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports:
- {name: http, port: 8080, protocol: TCP}
endpoints:
- addresses: [10.244.1.9]
  conditions: {ready: false}
  nodeName: node-z
- addresses: [10.244.3.3]
  nodeName: node-c
";

const OTHER_SLICES: &str = "\
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-other-ns, namespace: other, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.244.9.1]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-v6, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv6
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: ['fd00::9']}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-xyz, namespace: shop, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.244.9.2]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-nameless, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.244.9.3]}]
";

fn other_slices() -> Vec<EndpointSlice> {
    OTHER_SLICES.split("---\n").map(slice).collect()
}

#[test]
fn a_service_and_its_slices_become_service_ports() {
    let (a, b) = (slice(WEB_SLICE_A), slice(WEB_SLICE_B));
    let others = other_slices();
    let mut all: Vec<&EndpointSlice> = vec![&a, &b];
    all.extend(others.iter());
    let ports = service_ports(&svc(WEB), &all);
    assert_eq!(ports.len(), 2);

    let http = &ports[0];
    assert_eq!((http.namespace.as_str(), http.name.as_str(), http.port_name.as_str()), ("shop", "web", "http"));
    assert_eq!(http.spn(), "shop/web:http");
    assert_eq!((http.protocol, http.cluster_ip, http.port, http.node_port), (Proto::Tcp, ip("10.96.0.20"), 80, Some(30080)));
    assert_eq!(http.external_ips, [ip("192.168.50.10")]);
    assert_eq!(http.load_balancer_ips, [ip("203.0.113.10"), ip("203.0.113.12")]);
    assert_eq!(http.load_balancer_source_ranges, ["198.51.100.0/24".parse::<ipnet::Ipv4Net>().unwrap()]);
    assert!(http.external_local && !http.internal_local);
    assert_eq!(http.health_check_node_port, Some(32000));
    assert_eq!(http.affinity_timeout, Some(10800));
    let row = |e: &Endpoint| (e.addr(), e.ready, e.serving, e.terminating, e.node.clone());
    let rows: Vec<_> = http.endpoints.iter().map(row).collect();
    assert_eq!(
        rows,
        [
            // addresses[0] only; sorted as text (1.10 before 1.9); the first copy of 1.9 wins.
            ("10.244.1.10:8080".to_string(), false, true, true, Some("node-a".to_string())),
            ("10.244.1.9:8080".to_string(), true, true, false, Some("node-a".to_string())),
            ("10.244.2.3:8080".to_string(), false, true, false, Some("node-b".to_string())),
            ("10.244.3.3:8080".to_string(), true, true, false, Some("node-c".to_string())),
        ]
    );

    // The UDP port takes only the slice port of the same name and protocol.
    let dns = &ports[1];
    assert_eq!((dns.port_name.as_str(), dns.protocol, dns.port, dns.node_port), ("dns", Proto::Udp, 53, Some(30053)));
    let addrs: Vec<String> = dns.endpoints.iter().map(Endpoint::addr).collect();
    assert_eq!(addrs, ["10.244.1.10:53", "10.244.1.9:53", "10.244.2.3:53"]);
}

#[test]
fn services_kube_proxy_does_not_proxy() {
    let cases = [
        ("headless", "spec: {clusterIP: None, ports: [{port: 80}]}"),
        ("no cluster IP", "spec: {ports: [{port: 80}]}"),
        ("ExternalName", "spec: {type: ExternalName, externalName: example.com, clusterIP: 10.96.0.9, ports: [{port: 80}]}"),
        ("IPv6 only", "spec: {clusterIP: 'fd00::10', clusterIPs: ['fd00::10'], ports: [{port: 80}]}"),
        ("service-proxy-name", "metadata: {name: x, namespace: d, labels: {service.kubernetes.io/service-proxy-name: other}}\nspec: {clusterIP: 10.96.0.9, ports: [{port: 80}]}"),
    ];
    for (what, body) in cases {
        let meta = if body.starts_with("metadata") { "" } else { "metadata: {name: x, namespace: d}\n" };
        let s = svc(&format!("apiVersion: v1\nkind: Service\n{meta}{body}\n"));
        assert!(service_ports(&s, &[]).is_empty(), "{what}");
    }
}

#[test]
fn policies_and_defaults() {
    // (spec, external_local, internal_local, health check, affinity, protocol)
    let cases = [
        // externalTrafficPolicy only counts when the service is reachable from outside.
        ("{clusterIP: 10.96.0.9, externalTrafficPolicy: Local, ports: [{port: 80}]}", false, false, None, None, Proto::Tcp),
        ("{type: NodePort, clusterIP: 10.96.0.9, externalTrafficPolicy: Local, healthCheckNodePort: 32001, ports: [{port: 80, nodePort: 30001}]}", true, false, None, None, Proto::Tcp),
        ("{clusterIP: 10.96.0.9, externalIPs: [1.2.3.4], externalTrafficPolicy: Local, ports: [{port: 80}]}", true, false, None, None, Proto::Tcp),
        ("{type: LoadBalancer, clusterIP: 10.96.0.9, externalTrafficPolicy: Local, healthCheckNodePort: 32001, ports: [{port: 80, nodePort: 30001}]}", true, false, Some(32001), None, Proto::Tcp),
        ("{type: LoadBalancer, clusterIP: 10.96.0.9, externalTrafficPolicy: Cluster, healthCheckNodePort: 32001, ports: [{port: 80}]}", false, false, None, None, Proto::Tcp),
        ("{clusterIP: 10.96.0.9, internalTrafficPolicy: Local, ports: [{port: 80, protocol: SCTP}]}", false, true, None, None, Proto::Sctp),
        ("{clusterIP: 10.96.0.9, sessionAffinity: ClientIP, sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}, ports: [{port: 80}]}", false, false, None, Some(60), Proto::Tcp),
        ("{clusterIP: 10.96.0.9, sessionAffinity: None, ports: [{port: 80, protocol: UDP}]}", false, false, None, None, Proto::Udp),
    ];
    for (spec, ext, int, hc, aff, proto) in cases {
        let s = svc(&format!("apiVersion: v1\nkind: Service\nmetadata: {{name: x, namespace: d}}\nspec: {spec}\n"));
        let ports = service_ports(&s, &[]);
        assert_eq!(ports.len(), 1, "{spec}");
        let p = &ports[0];
        assert_eq!((p.external_local, p.internal_local, p.health_check_node_port, p.affinity_timeout, p.protocol), (ext, int, hc, aff, proto), "{spec}");
        assert_eq!(p.spn(), "d/x");
        assert!(p.endpoints.is_empty());
    }
}

fn port_with(endpoints: Vec<Endpoint>, external_local: bool, internal_local: bool, node_port: bool) -> ServicePort {
    let mut sp = ServicePort::cluster_ip("ns", "svc", "", ip("10.96.0.1"), 80);
    sp.external_local = external_local;
    sp.internal_local = internal_local;
    sp.node_port = node_port.then_some(30000);
    sp.endpoints = endpoints;
    sp.endpoints.sort_by(cmp_addr);
    sp
}

fn e(last: u8, node: &str, ready: bool, serving: bool, terminating: bool) -> Endpoint {
    Endpoint { ip: Ipv4Addr::new(10, 244, 0, last), port: 80, ready, serving, terminating, node: Some(node.to_string()) }
}

fn lasts(list: &[&Endpoint]) -> Vec<u8> {
    list.iter().map(|e| e.ip.octets()[3]).collect()
}

#[test]
fn categorize_follows_kube_proxys_topology_rules() {
    struct Case {
        what: &'static str,
        port: ServicePort,
        cluster: &'static [u8],
        local: &'static [u8],
        reachable: &'static [u8],
        has_any: bool,
    }
    let ready = |n, node| e(n, node, true, true, false);
    let terminating = |n, node| e(n, node, false, true, true);
    let unready = |n, node| e(n, node, false, false, false);
    let cases = [
        Case { what: "cluster policy: ready endpoints only", port: port_with(vec![ready(1, "a"), unready(2, "a"), terminating(3, "b")], false, false, false), cluster: &[1], local: &[], reachable: &[1], has_any: true },
        Case { what: "cluster policy: no ready, fall back to serving-terminating", port: port_with(vec![unready(2, "a"), terminating(3, "b"), terminating(4, "a")], false, false, false), cluster: &[3, 4], local: &[], reachable: &[3, 4], has_any: true },
        Case { what: "nothing usable", port: port_with(vec![unready(2, "a"), e(5, "a", false, false, true)], false, false, true), cluster: &[], local: &[], reachable: &[], has_any: false },
        Case { what: "external Local: local ready ones", port: port_with(vec![ready(1, "a"), ready(2, "b"), ready(3, "a")], true, false, true), cluster: &[1, 2, 3], local: &[1, 3], reachable: &[1, 2, 3], has_any: true },
        Case { what: "external Local without local endpoints", port: port_with(vec![ready(2, "b")], true, false, true), cluster: &[2], local: &[], reachable: &[2], has_any: true },
        Case { what: "external Local: local terminating used while remote ones are ready", port: port_with(vec![terminating(1, "a"), ready(2, "b")], true, false, true), cluster: &[2], local: &[1], reachable: &[1, 2], has_any: true },
        Case { what: "external Local, but nothing external: Local unused", port: port_with(vec![ready(1, "a")], true, false, false), cluster: &[1], local: &[], reachable: &[1], has_any: true },
        Case { what: "internal Local only", port: port_with(vec![ready(1, "b"), ready(2, "a")], false, true, false), cluster: &[], local: &[2], reachable: &[2], has_any: true },
        Case { what: "internal Local, none here: still has endpoints elsewhere", port: port_with(vec![ready(1, "b")], false, true, false), cluster: &[], local: &[], reachable: &[], has_any: true },
        Case { what: "internal Local with a node port uses both", port: port_with(vec![ready(1, "b"), ready(2, "a")], false, true, true), cluster: &[1, 2], local: &[2], reachable: &[1, 2], has_any: true },
    ];
    for c in cases {
        let got = categorize(&c.port, "a");
        assert_eq!(lasts(&got.cluster), c.cluster, "{}: cluster", c.what);
        assert_eq!(lasts(&got.local), c.local, "{}: local", c.what);
        assert_eq!(lasts(&got.reachable), c.reachable, "{}: reachable", c.what);
        assert_eq!(got.has_any, c.has_any, "{}: has_any", c.what);
    }
    // An empty node name is never local.
    let p = port_with(vec![e(1, "", true, true, false)], false, true, false);
    assert!(categorize(&p, "").local.is_empty());
}

#[test]
fn ports_sort_by_name_then_protocol() {
    let mk = |ns: &str, name: &str, port: &str, proto| {
        let mut p = ServicePort::cluster_ip(ns, name, port, ip("10.96.0.1"), 80);
        p.protocol = proto;
        p
    };
    let mut ports = vec![mk("b", "x", "", Proto::Tcp), mk("a", "x", "dns", Proto::Udp), mk("a", "x", "dns", Proto::Tcp), mk("a", "x-y", "", Proto::Tcp), mk("a", "x", "", Proto::Sctp)];
    sort_ports(&mut ports);
    let got: Vec<String> = ports.iter().map(|p| format!("{} {}", p.spn(), p.protocol.as_str())).collect();
    assert_eq!(got, ["a/x sctp", "a/x-y tcp", "a/x:dns tcp", "a/x:dns udp", "b/x tcp"]);
}
