use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::ServiceSpec;

use crate::api::{Kind, Object};
use crate::kubectl::test_support::{kubectl, outcome};
use crate::sim::{ClusterConfig, Sim};
use crate::store::ObjectRef;
use crate::time::SimDuration;

use super::{held_ips, needs_health_check, node_ports};

fn svc(name: &str, spec: &str) -> String {
    format!("apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {spec}\n")
}

/// `kubectl apply -f <name>.yaml`: the lines kubectl prints.
fn apply(sim: &mut Sim, source: &str, text: &str) -> String {
    let report = sim.apply(source, text);
    report.outcomes.iter().map(|o| o.to_kubectl_line()).collect::<Vec<_>>().join("\n")
}

fn spec(sim: &Sim, name: &str) -> ServiceSpec {
    match sim.get(&ObjectRef::new(Kind::Service, Some("default"), name)) {
        Some(Object::Service(s)) => s.spec.clone().unwrap_or_default(),
        other => panic!("no service {name}: {other:?}"),
    }
}

fn cluster_ip(sim: &Sim, name: &str) -> Ipv4Addr {
    spec(sim, name).cluster_ip.expect("a cluster IP").parse().expect("an IPv4 address")
}

fn node_port(sim: &Sim, name: &str, i: usize) -> i32 {
    spec(sim, name).ports.unwrap_or_default()[i].node_port.unwrap_or(0)
}

/// The allocators hold exactly what the stored Services hold.
fn assert_consistent(sim: &Sim) {
    let (mut ips, mut ports) = (0, 0);
    for obj in sim.store().list(Kind::Service, None) {
        let Object::Service(s) = obj.as_ref() else { continue };
        let spec = s.spec.clone().unwrap_or_default();
        for ip in held_ips(&spec) {
            assert!(sim.allocators().ips.is_allocated(ip), "{ip} of {:?} is not allocated", s.metadata.name);
            ips += 1;
        }
        let mut held = node_ports(&spec);
        held.dedup();
        if needs_health_check(&spec) {
            held.extend(spec.health_check_node_port);
        }
        for port in held {
            assert!(sim.allocators().node_ports.is_allocated(port), "{port} of {:?} is not allocated", s.metadata.name);
            ports += 1;
        }
    }
    assert_eq!((sim.allocators().ips.used(), sim.allocators().node_ports.used()), (ips, ports), "allocations without a Service");
}

#[test]
fn a_fresh_cluster_has_the_kubernetes_service() {
    let mut sim = Sim::new(ClusterConfig::bare());
    let s = spec(&sim, "kubernetes");
    assert_eq!((s.cluster_ip.as_deref(), s.cluster_ips.clone()), (Some("10.96.0.1"), Some(vec!["10.96.0.1".to_string()])));
    assert_eq!((s.type_.as_deref(), s.session_affinity.as_deref()), (Some("ClusterIP"), Some("None")));
    assert_eq!((s.ip_families.clone(), s.ip_family_policy.as_deref()), (Some(vec!["IPv4".to_string()]), Some("SingleStack")));
    assert_eq!(s.selector, None);
    let v = sim.get(&ObjectRef::new(Kind::Service, Some("default"), "kubernetes")).unwrap().to_value();
    assert_eq!(v["metadata"]["labels"], serde_json::json!({"component": "apiserver", "provider": "kubernetes"}));
    assert_eq!(v["spec"]["ports"], serde_json::json!([{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]));
    let ep = sim.get(&ObjectRef::new(Kind::Endpoints, Some("default"), "kubernetes")).unwrap().to_value();
    assert_eq!(ep["metadata"]["labels"], serde_json::json!({"endpointslice.kubernetes.io/skip-mirror": "true"}));
    assert_eq!(
        ep["subsets"],
        serde_json::json!([{"addresses": [{"ip": "192.168.56.10"}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}])
    );
    let es = sim.get(&ObjectRef::new(Kind::EndpointSlice, Some("default"), "kubernetes")).unwrap().to_value();
    assert_eq!(es["metadata"]["labels"], serde_json::json!({"kubernetes.io/service-name": "kubernetes"}));
    assert_eq!(es["metadata"]["generation"], 1);
    assert_eq!(es["addressType"], "IPv4");
    assert_eq!(es["endpoints"], serde_json::json!([{"addresses": ["192.168.56.10"], "conditions": {"ready": true}}]));
    assert_eq!(es["ports"], serde_json::json!([{"name": "https", "port": 6443, "protocol": "TCP"}]));
    sim.advance(SimDuration::from_secs(300));
    let table = "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\n\
                 kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   5m\n";
    assert_eq!(outcome(&kubectl(&mut sim, "get svc")), (table, "", 0));
    let table = "NAME         ENDPOINTS            AGE\nkubernetes   192.168.56.10:6443   5m\n";
    assert_eq!(outcome(&kubectl(&mut sim, "get endpoints")).0, table);
    let table = "NAME         ADDRESSTYPE   PORTS   ENDPOINTS       AGE\nkubernetes   IPv4          6443    192.168.56.10   5m\n";
    assert_eq!(outcome(&kubectl(&mut sim, "get endpointslices")).0, table);
    assert_consistent(&sim);
}

#[test]
fn requested_cluster_ips_are_checked_with_the_allocators_texts() {
    let mut sim = Sim::new(ClusterConfig::bare());
    let cases = [
        (
            "1.2.3.4",
            r#"The Service "x" is invalid: spec.clusterIPs: Invalid value: []string{"1.2.3.4"}: failed to allocate IP 1.2.3.4: the provided network does not match the current range"#,
        ),
        (
            "10.96.0.0",
            r#"The Service "x" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.0"}: failed to allocate IP 10.96.0.0: the provided IP (10.96.0.0) is not in the valid range. The range of valid IPs is 10.96.0.0/12"#,
        ),
        (
            "10.96.0.1",
            r#"The Service "x" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated"#,
        ),
        (
            "banana",
            r#"The Service "x" is invalid: spec.clusterIPs[0]: Invalid value: "banana": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"#,
        ),
    ];
    for (ip, want) in cases {
        let out = apply(&mut sim, "x.yaml", &svc("x", &format!("{{clusterIP: {ip}, ports: [{{port: 80}}]}}")));
        assert_eq!(out, want);
    }
    assert_eq!(apply(&mut sim, "dns.yaml", &svc("dns", "{clusterIP: 10.96.0.10, ports: [{port: 53}]}")), "service/dns created");
    assert_eq!(cluster_ip(&sim, "dns"), Ipv4Addr::new(10, 96, 0, 10));
    let out = apply(&mut sim, "v6.yaml", &svc("v6", "{ipFamilies: [IPv6], ports: [{port: 80}]}"));
    assert_eq!(out, r#"The Service "v6" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster"#);
    assert_consistent(&sim);
}

#[test]
fn node_ports_are_picked_above_the_band_or_checked() {
    let mut sim = Sim::new(ClusterConfig::bare());
    let np = svc("np", "{type: NodePort, ports: [{name: a, port: 80}, {name: b, port: 443, nodePort: 30080}]}");
    assert_eq!(apply(&mut sim, "np.yaml", &np), "service/np created");
    assert!((30086..=32767).contains(&node_port(&sim, "np", 0)));
    assert_eq!(node_port(&sim, "np", 1), 30080);
    let ip = cluster_ip(&sim, "np");
    assert!(ip >= Ipv4Addr::new(10, 96, 1, 1) && ip <= Ipv4Addr::new(10, 111, 255, 254), "{ip}");
    let out = apply(&mut sim, "bad.yaml", &svc("bad", "{type: NodePort, ports: [{port: 80, nodePort: 80}]}"));
    assert_eq!(out, r#"The Service "bad" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"#);
    let out = apply(&mut sim, "dup.yaml", &svc("dup", "{type: NodePort, ports: [{port: 80, nodePort: 30080}]}"));
    assert_eq!(out, r#"The Service "dup" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated"#);
    let dns = svc("dns", "{type: NodePort, ports: [{name: udp, port: 53, protocol: UDP}, {name: tcp, port: 53}]}");
    assert_eq!(apply(&mut sim, "dns.yaml", &dns), "service/dns created");
    assert_eq!(node_port(&sim, "dns", 0), node_port(&sim, "dns", 1), "one port number, one node port");
    let lb = svc("lb", "{type: LoadBalancer, allocateLoadBalancerNodePorts: false, ports: [{port: 80}]}");
    assert_eq!(apply(&mut sim, "lb.yaml", &lb), "service/lb created");
    assert_eq!(node_port(&sim, "lb", 0), 0);
    let local = svc("local", "{type: LoadBalancer, externalTrafficPolicy: Local, ports: [{port: 80}]}");
    assert_eq!(apply(&mut sim, "local.yaml", &local), "service/local created");
    let hc = spec(&sim, "local").health_check_node_port.unwrap_or(0);
    assert!((30086..=32767).contains(&hc) && hc != node_port(&sim, "local", 0), "{hc}");
    assert_consistent(&sim);
}

#[test]
fn a_full_range_is_an_internal_error() {
    let config = ClusterConfig { service_cidr: "10.0.0.0/29".parse().unwrap(), node_port_range: 30000..=30001, ..Default::default() };
    let mut sim = Sim::new(config);
    assert_eq!(cluster_ip(&sim, "kubernetes"), Ipv4Addr::new(10, 0, 0, 1));
    for i in 2..=6 {
        let name = format!("s{i}");
        assert_eq!(apply(&mut sim, "s.yaml", &svc(&name, "{ports: [{port: 80}]}")), format!("service/{name} created"));
    }
    let out = apply(&mut sim, "s7.yaml", &svc("s7", "{ports: [{port: 80}]}"));
    assert_eq!(out, r#"Error from server (InternalError): error when creating "s7.yaml": Internal error occurred: failed to allocate a serviceIP: range is full"#);
    assert_eq!(outcome(&kubectl(&mut sim, "delete svc s2 s3 s4")).0, "service \"s2\" deleted\nservice \"s3\" deleted\nservice \"s4\" deleted\n");
    for name in ["n1", "n2"] {
        let out = apply(&mut sim, "n.yaml", &svc(name, "{type: NodePort, ports: [{port: 80}]}"));
        assert_eq!(out, format!("service/{name} created"));
    }
    let out = apply(&mut sim, "n3.yaml", &svc("n3", "{type: NodePort, ports: [{port: 80}]}"));
    assert_eq!(out, r#"Error from server (InternalError): error when creating "n3.yaml": Internal error occurred: failed to allocate a nodePort: range is full"#);
    assert_eq!(sim.allocators().ips.used(), 5, "the refused Service's cluster IP was given back");
    assert_consistent(&sim);
}

#[test]
fn deleting_a_service_frees_its_ip_and_ports() {
    let mut sim = Sim::new(ClusterConfig::bare());
    let text = svc("web", "{type: NodePort, clusterIP: 10.100.0.100, ports: [{port: 80, nodePort: 30100}]}");
    assert_eq!(apply(&mut sim, "web.yaml", &text), "service/web created");
    assert!(sim.allocators().ips.is_allocated(Ipv4Addr::new(10, 100, 0, 100)) && sim.allocators().node_ports.is_allocated(30100));
    assert_eq!(outcome(&kubectl(&mut sim, "delete svc web")), ("service \"web\" deleted\n", "", 0));
    assert!(!sim.allocators().ips.is_allocated(Ipv4Addr::new(10, 100, 0, 100)) && !sim.allocators().node_ports.is_allocated(30100));
    assert_eq!(apply(&mut sim, "web.yaml", &text), "service/web created");
    kubectl(&mut sim, "create namespace shop");
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: cart, namespace: shop}\nspec: {type: NodePort, ports: [{port: 80, nodePort: 30200}]}\n";
    assert_eq!(apply(&mut sim, "cart.yaml", text), "service/cart created");
    kubectl(&mut sim, "delete namespace shop");
    sim.settle(1000);
    assert!(!sim.allocators().node_ports.is_allocated(30200));
    assert_consistent(&sim);
}

#[test]
fn applying_a_manifest_again_keeps_what_was_allocated() {
    let mut sim = Sim::new(ClusterConfig::bare());
    let text = svc("web", "{type: NodePort, selector: {app: web}, ports: [{name: http, port: 80}]}");
    assert_eq!(apply(&mut sim, "web.yaml", &text), "service/web created");
    let (ip, port) = (cluster_ip(&sim, "web"), node_port(&sim, "web", 0));
    assert_eq!(apply(&mut sim, "web.yaml", &text), "service/web unchanged");
    let labelled = text.replace("{name: web}", "{name: web, labels: {tier: front}}");
    assert_eq!(apply(&mut sim, "web.yaml", &labelled), "service/web configured");
    assert_eq!((cluster_ip(&sim, "web"), node_port(&sim, "web", 0)), (ip, port));
    let more = labelled.replace("[{name: http, port: 80}]", "[{name: http, port: 80}, {name: https, port: 443}]");
    assert_eq!(apply(&mut sim, "web.yaml", &more), "service/web configured");
    assert_eq!((cluster_ip(&sim, "web"), node_port(&sim, "web", 0)), (ip, port));
    assert!((30086..=32767).contains(&node_port(&sim, "web", 1)) && node_port(&sim, "web", 1) != port);
    let moved = more.replace("selector:", "clusterIP: 10.96.5.5, selector:");
    let out = apply(&mut sim, "web.yaml", &moved);
    assert_eq!(out, r#"The Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.5.5"}: may not change once set"#);
    assert_eq!(cluster_ip(&sim, "web"), ip);
    assert_consistent(&sim);
}

#[test]
fn type_changes_take_and_give_back_node_ports_and_ips() {
    let mut sim = Sim::new(ClusterConfig::bare());
    let cluster = svc("web", "{selector: {app: web}, ports: [{port: 80}]}");
    assert_eq!(apply(&mut sim, "web.yaml", &cluster), "service/web created");
    let ip = cluster_ip(&sim, "web");
    let nodeport = svc("web", "{type: NodePort, selector: {app: web}, ports: [{port: 80}]}");
    assert_eq!(apply(&mut sim, "web.yaml", &nodeport), "service/web configured");
    let port = node_port(&sim, "web", 0);
    assert!(sim.allocators().node_ports.is_allocated(port) && cluster_ip(&sim, "web") == ip);
    assert_eq!(spec(&sim, "web").external_traffic_policy.as_deref(), Some("Cluster"));
    assert_eq!(apply(&mut sim, "web.yaml", &cluster), "service/web configured");
    assert_eq!((node_port(&sim, "web", 0), spec(&sim, "web").external_traffic_policy), (0, None));
    assert!(!sim.allocators().node_ports.is_allocated(port));
    let external = svc("web", "{type: ExternalName, externalName: example.com}");
    assert_eq!(apply(&mut sim, "web.yaml", &external), "service/web configured");
    let s = spec(&sim, "web");
    assert_eq!((s.cluster_ip, s.cluster_ips, s.ip_families), (None, None, None));
    assert!(!sim.allocators().ips.is_allocated(ip));
    assert_consistent(&sim);
}

#[test]
fn headless_and_external_name_services_hold_nothing() {
    let mut sim = Sim::new(ClusterConfig::bare());
    let before = sim.allocators().clone();
    assert_eq!(apply(&mut sim, "db.yaml", &svc("db", "{clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}")), "service/db created");
    assert_eq!(spec(&sim, "db").cluster_ips, Some(vec!["None".to_string()]));
    assert_eq!(apply(&mut sim, "ext.yaml", &svc("ext", "{type: ExternalName, externalName: example.com}")), "service/ext created");
    assert_eq!(sim.allocators(), &before);
    assert_eq!(outcome(&kubectl(&mut sim, "delete svc db ext")).2, 0);
    assert_eq!(sim.allocators(), &before);
}

#[test]
fn a_refused_service_gives_back_what_it_was_given() {
    let mut sim = Sim::new(ClusterConfig::bare());
    let text = svc("web", "{type: NodePort, sessionAffinity: Sticky, ports: [{port: 80, nodePort: 30100}]}");
    let out = apply(&mut sim, "web.yaml", &text);
    assert_eq!(out, r#"The Service "web" is invalid: spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None""#);
    assert!(!sim.allocators().node_ports.is_allocated(30100));
    assert_eq!(sim.allocators().ips.used(), 1);
    assert_consistent(&sim);
}

#[test]
fn snapshots_carry_the_allocations() {
    let mut sim = Sim::new(ClusterConfig::bare());
    assert_eq!(apply(&mut sim, "a.yaml", &svc("a", "{type: NodePort, ports: [{port: 80}]}")), "service/a created");
    let a = (cluster_ip(&sim, "a"), node_port(&sim, "a", 0));
    let snap = sim.snapshot();
    assert_eq!(apply(&mut sim, "b.yaml", &svc("b", "{ports: [{port: 80}]}")), "service/b created");
    let b = cluster_ip(&sim, "b");
    kubectl(&mut sim, "delete svc a");
    sim.restore(&snap);
    assert!(sim.allocators().ips.is_allocated(a.0) && sim.allocators().node_ports.is_allocated(a.1));
    assert!(!sim.allocators().ips.is_allocated(b));
    assert_consistent(&sim);
    assert_eq!(apply(&mut sim, "b.yaml", &svc("b", "{ports: [{port: 80}]}")), "service/b created");
    assert_eq!(cluster_ip(&sim, "b"), b, "the RNG went back with the allocators");
    let taken = svc("c", &format!("{{clusterIP: {}, ports: [{{port: 80}}]}}", a.0));
    assert!(apply(&mut sim, "c.yaml", &taken).ends_with("provided IP is already allocated"));
    assert_consistent(&sim);
}
