use k8s_openapi::api::core::v1::{EndpointSubset, Endpoints};

use crate::api::{Kind, Object};
use crate::controllers::service_pods::tests::{apply, delete, get, held_pod_yaml, pod_yaml, set_status, sim};
use crate::sim::Sim;

fn endpoints(sim: &Sim, name: &str) -> Option<Endpoints> {
    match get(sim, Kind::Endpoints, name) {
        Some(Object::Endpoints(e)) => Some(*e),
        None => None,
        other => panic!("not an Endpoints: {other:?}"),
    }
}

fn subsets(sim: &Sim, name: &str) -> Vec<EndpointSubset> {
    endpoints(sim, name).expect("an Endpoints").subsets.unwrap_or_default()
}

/// Each subset as `ready IPs | not-ready IPs | name:port/protocol`.
fn summary(sim: &Sim, name: &str) -> Vec<String> {
    subsets(sim, name)
        .iter()
        .map(|s| {
            let ips = |v: &Option<Vec<k8s_openapi::api::core::v1::EndpointAddress>>| {
                v.iter().flatten().map(|a| a.ip.clone()).collect::<Vec<_>>().join(",")
            };
            let ports: Vec<String> = s
                .ports
                .iter()
                .flatten()
                .map(|p| format!("{}:{}/{}", p.name.clone().unwrap_or_default(), p.port, p.protocol.clone().unwrap_or_default()))
                .collect();
            format!("{} | {} | {}", ips(&s.addresses), ips(&s.not_ready_addresses), ports.join(","))
        })
        .collect()
}

const WEB: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: {tier: front}}\nspec:\n  selector: {app: web}\n  ports:\n  - {name: http, port: 80, targetPort: http}\n  - {name: metrics, port: 9090, targetPort: 9090}\n";

#[test]
fn ready_and_not_ready_pods_with_named_ports_resolved_per_pod() {
    let mut sim = sim();
    apply(&mut sim, WEB);
    apply(&mut sim, &pod_yaml("web-a", "app: web", "{name: http, containerPort: 8080}"));
    apply(&mut sim, &pod_yaml("web-b", "app: web", "{name: http, containerPort: 8081}"));
    apply(&mut sim, &pod_yaml("web-c", "app: web", "{name: http, containerPort: 8080}"));
    apply(&mut sim, &pod_yaml("other", "app: other", "{name: http, containerPort: 8080}"));
    // No pod has an IP yet: an Endpoints with no subsets.
    let ep = endpoints(&sim, "web").expect("created with the Service");
    assert!(ep.subsets.is_none());
    set_status(&mut sim, "web-a", "10.244.9.10", true);
    set_status(&mut sim, "web-b", "10.244.9.3", true);
    set_status(&mut sim, "web-c", "10.244.9.2", false);
    set_status(&mut sim, "other", "10.244.9.4", true);
    assert_eq!(
        summary(&sim, "web"),
        [
            // web-a and web-c serve http on 8080 (web-c not ready); web-b on 8081.
            "10.244.9.10 | 10.244.9.2 | http:8080/TCP",
            "10.244.9.3 |  | http:8081/TCP",
            // Every pod serves the numeric port; addresses sorted as text.
            "10.244.9.10,10.244.9.3 | 10.244.9.2 | metrics:9090/TCP",
        ]
    );
    let ep = endpoints(&sim, "web").unwrap();
    let a = &subsets(&sim, "web")[0].addresses.clone().unwrap()[0];
    assert_eq!(a.node_name.as_deref(), Some("edge-1"));
    let target = a.target_ref.as_ref().unwrap();
    assert_eq!((target.kind.as_deref(), target.name.as_deref()), (Some("Pod"), Some("web-a")));
    assert_eq!(target.uid, pod_uid(&sim, "web-a"));
    let labels = ep.metadata.labels.unwrap();
    assert_eq!(labels.get("tier").map(String::as_str), Some("front"));
    assert_eq!(labels.get("endpoints.kubernetes.io/managed-by").map(String::as_str), Some("endpoint-controller"));
    let annotations = ep.metadata.annotations.unwrap();
    assert!(annotations.contains_key("endpoints.kubernetes.io/last-change-trigger-time"));
}

/// Drops the pod's finalizer.
fn release(sim: &mut Sim, name: &str) {
    let mut p = crate::controllers::service_pods::tests::pod(sim, name);
    p.metadata.finalizers = None;
    p.metadata.resource_version = None;
    let action = sim.begin_action("release");
    sim.api().update(p.into(), &crate::store::Component::new("kubectl"), crate::store::Cause::Action(action)).expect("update");
    crate::controllers::service_pods::tests::run(sim);
}

fn pod_uid(sim: &Sim, name: &str) -> Option<String> {
    crate::controllers::service_pods::tests::pod(sim, name).metadata.uid
}

#[test]
fn pods_leave_when_deleted_terminating_or_relabelled() {
    let mut sim = sim();
    apply(&mut sim, WEB);
    for (name, ip) in [("web-a", "10.244.9.2"), ("web-b", "10.244.9.3"), ("web-c", "10.244.9.4")] {
        apply(&mut sim, &held_pod_yaml(name, "app: web", "{name: http, containerPort: 8080}"));
        set_status(&mut sim, name, ip, true);
    }
    assert_eq!(summary(&sim, "web")[0], "10.244.9.2,10.244.9.3,10.244.9.4 |  | http:8080/TCP,metrics:9090/TCP");
    // Terminating (deleted, held by its finalizer): out of the Endpoints.
    delete(&mut sim, Kind::Pod, "web-a", None);
    assert!(crate::controllers::service_pods::tests::pod(&sim, "web-a").metadata.deletion_timestamp.is_some());
    assert_eq!(summary(&sim, "web")[0], "10.244.9.3,10.244.9.4 |  | http:8080/TCP,metrics:9090/TCP");
    // Gone: the finalizer released.
    release(&mut sim, "web-b");
    delete(&mut sim, Kind::Pod, "web-b", Some(0));
    assert_eq!(summary(&sim, "web")[0], "10.244.9.4 |  | http:8080/TCP,metrics:9090/TCP");
    // Relabelled out of the selector.
    apply(&mut sim, &held_pod_yaml("web-c", "app: moved", "{name: http, containerPort: 8080}"));
    assert!(subsets(&sim, "web").is_empty());
}

#[test]
fn publish_not_ready_addresses_lists_every_pod_as_ready() {
    let mut sim = sim();
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {clusterIP: None, publishNotReadyAddresses: true, selector: {app: db}, ports: [{port: 5432}]}\n");
    apply(&mut sim, &pod_yaml("db-0", "app: db", ""));
    set_status(&mut sim, "db-0", "10.244.9.7", false);
    assert_eq!(summary(&sim, "db"), ["10.244.9.7 |  | :5432/TCP"]);
    let ep = endpoints(&sim, "db").unwrap();
    assert_eq!(ep.metadata.labels.unwrap().get("service.kubernetes.io/headless").map(String::as_str), Some(""));
}

#[test]
fn headless_service_without_ports_lists_addresses_with_hostnames() {
    let mut sim = sim();
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: peers}\nspec: {clusterIP: None, selector: {app: db}}\n");
    let text = pod_yaml("db-0", "app: db", "").replace("  schedulerName: manual\n", "  schedulerName: manual\n  hostname: db-0\n  subdomain: peers\n");
    apply(&mut sim, &text);
    set_status(&mut sim, "db-0", "10.244.9.7", true);
    let s = subsets(&sim, "peers");
    assert_eq!(s.len(), 1);
    assert!(s[0].ports.is_none());
    let a = &s[0].addresses.as_ref().unwrap()[0];
    assert_eq!((a.ip.as_str(), a.hostname.as_deref()), ("10.244.9.7", Some("db-0")));
}

#[test]
fn services_without_selector_and_the_kubernetes_service_are_left_alone() {
    let mut sim = sim();
    let before = endpoints(&sim, "kubernetes").expect("bootstrap Endpoints");
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {ports: [{port: 80}]}\n");
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: alias}\nspec: {type: ExternalName, externalName: example.com, selector: {app: web}}\n");
    apply(&mut sim, "apiVersion: v1\nkind: Endpoints\nmetadata: {name: ext}\nsubsets: [{addresses: [{ip: 192.0.2.1}], ports: [{port: 80}]}]\n");
    apply(&mut sim, &pod_yaml("web-a", "app: web", ""));
    set_status(&mut sim, "web-a", "10.244.9.2", true);
    assert!(endpoints(&sim, "alias").is_none());
    let ext = endpoints(&sim, "ext").unwrap();
    assert!(ext.metadata.labels.is_none(), "user-written Endpoints untouched");
    assert_eq!(ext.subsets.unwrap()[0].addresses.as_ref().unwrap()[0].ip, "192.0.2.1");
    assert_eq!(endpoints(&sim, "kubernetes").unwrap(), before);
}

#[test]
fn endpoints_follow_the_service_and_are_deleted_with_it() {
    let mut sim = sim();
    apply(&mut sim, WEB);
    apply(&mut sim, &pod_yaml("web-a", "app: web", "{name: http, containerPort: 8080}"));
    set_status(&mut sim, "web-a", "10.244.9.2", true);
    let rv = endpoints(&sim, "web").unwrap().metadata.resource_version;
    // A pod change that changes nothing the Endpoints shows: no write.
    apply(&mut sim, &pod_yaml("web-a", "app: web, extra: x", "{name: http, containerPort: 8080}"));
    assert_eq!(endpoints(&sim, "web").unwrap().metadata.resource_version, rv);
    // Deleting the Endpoints by hand: the controller writes it again.
    delete(&mut sim, Kind::Endpoints, "web", None);
    assert_eq!(summary(&sim, "web").len(), 1);
    delete(&mut sim, Kind::Service, "web", None);
    assert!(endpoints(&sim, "web").is_none());
}

#[test]
fn over_capacity_is_truncated_to_a_thousand_ready_addresses_first() {
    use k8s_openapi::api::core::v1::{EndpointAddress, EndpointSubset};
    let addrs = |n: usize, base: usize| {
        Some((0..n).map(|i| EndpointAddress { ip: format!("10.0.{}.{}", (base + i) / 250, (base + i) % 250), ..Default::default() }).collect::<Vec<_>>())
    };
    let mut s = vec![
        EndpointSubset { addresses: addrs(600, 0), not_ready_addresses: addrs(100, 600), ports: None },
        EndpointSubset { addresses: addrs(300, 700), not_ready_addresses: addrs(200, 1000), ports: None },
    ];
    assert!(super::truncate(&mut s));
    let count = |v: &Option<Vec<EndpointAddress>>| v.as_ref().map_or(0, Vec::len);
    // 900 ready kept; the 100 places left shared 1:2 (rounded up) among the not-ready ones.
    assert_eq!((count(&s[0].addresses), count(&s[0].not_ready_addresses)), (600, 34));
    assert_eq!((count(&s[1].addresses), count(&s[1].not_ready_addresses)), (300, 66));
}
