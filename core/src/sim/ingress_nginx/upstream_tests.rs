//! A Service port's upstream from its EndpointSlices, and the round-robin balancer.

use std::net::Ipv4Addr;

use super::upstream::{upstream, Balancers, Upstream};
use crate::kubectl::test_support::{create, static_sim};
use crate::net::ingress::{Backend, PortRef};
use crate::rng::SimRng;

const OBJECTS: [&str; 4] = [
    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  ports: [{name: http, port: 80, targetPort: 8080}, {name: metrics, port: 9100}]\n",
    "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-b, namespace: default, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nports: [{name: http, port: 8080, protocol: TCP}, {name: metrics, port: 9100, protocol: TCP}]\nendpoints:\n- {addresses: [10.244.1.5], conditions: {ready: true}}\n- {addresses: [10.244.2.6], conditions: {ready: false}}\n- {addresses: [10.244.1.4]}\n",
    "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-a, namespace: default, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nports: [{name: http, port: 8080, protocol: TCP}]\nendpoints:\n- {addresses: [10.244.1.5], conditions: {ready: true}}\n",
    "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: other-a, namespace: default, labels: {kubernetes.io/service-name: other}}\naddressType: IPv4\nports: [{name: http, port: 8080, protocol: TCP}]\nendpoints:\n- {addresses: [10.244.9.9]}\n",
];

/// (service, backend port, endpoints, why the upstream is empty)
type Case<'a> = (&'a str, PortRef, Vec<(Ipv4Addr, u16)>, Option<&'a str>);

fn backend(service: &str, port: PortRef) -> Backend {
    Backend { ingress: "default/web".into(), rule: Some(0), path: Some("/".into()), path_type: None, service: service.into(), namespace: "default".into(), port }
}

#[test]
fn endpoints_come_from_the_ready_slice_addresses_of_the_matching_port() {
    let mut sim = static_sim();
    for o in OBJECTS {
        create(&mut sim, o);
    }
    let ip = |s: &str| s.parse::<Ipv4Addr>().unwrap();
    let http = vec![(ip("10.244.1.4"), 8080), (ip("10.244.1.5"), 8080)];
    let metrics = vec![(ip("10.244.1.4"), 9100), (ip("10.244.1.5"), 9100)];
    let cases: Vec<Case> = vec![
        ("web", PortRef::Number(80), http.clone(), None),
        ("web", PortRef::Name("http".into()), http.clone(), None),
        // The targetPort as text names the Service port too.
        ("web", PortRef::Number(8080), http, None),
        ("web", PortRef::Name("metrics".into()), metrics, None),
        ("web", PortRef::Number(81), vec![], Some("Service \"default/web\" has no port 81")),
        ("nothing", PortRef::Number(80), vec![], Some("Service \"default/nothing\" does not exist")),
    ];
    for (svc, port, endpoints, why) in cases {
        let up = upstream(sim.store(), &backend(svc, port.clone()));
        assert_eq!(up.name, format!("default-{svc}-{port}"));
        assert_eq!(up.endpoints, endpoints, "{svc}:{port}");
        assert_eq!(up.empty_because.as_deref(), why, "{svc}:{port}");
    }
}

#[test]
fn the_balancer_goes_round_and_restarts_when_the_endpoints_change() {
    let ep = |n: u8| (Ipv4Addr::new(10, 244, 1, n), 80);
    let up = |eps: Vec<(Ipv4Addr, u16)>| Upstream { name: "default-web-80".into(), endpoints: eps, empty_because: None };
    let (mut b, mut rng) = (Balancers::default(), SimRng::seeded(1));
    let three = up(vec![ep(1), ep(2), ep(3)]);
    let picks: Vec<_> = (0..6).map(|_| b.pick("ingress-nginx/c-1", &three, &mut rng).unwrap()).collect();
    assert_eq!(picks[..3], picks[3..], "{picks:?}");
    let mut distinct = picks[..3].to_vec();
    distinct.sort();
    assert_eq!(distinct, vec![ep(1), ep(2), ep(3)]);
    // Another controller pod keeps its own position; no endpoint, no pick.
    assert!(b.pick("ingress-nginx/c-2", &three, &mut rng).is_some());
    assert_eq!(b.pick("ingress-nginx/c-1", &up(vec![]), &mut rng), None);
    let two = up(vec![ep(1), ep(2)]);
    let picks: Vec<_> = (0..4).map(|_| b.pick("ingress-nginx/c-1", &two, &mut rng).unwrap()).collect();
    assert!(picks[0] != picks[1] && picks[0] == picks[2], "{picks:?}");
}
