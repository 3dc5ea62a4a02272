use k8s_openapi::api::discovery::v1::EndpointSlice;

use crate::api::{Kind, Object};
use crate::controllers::service_pods::tests::{apply, delete, get, held_pod_yaml, pod, pod_yaml, run, set_status, sim, slices};
use crate::sim::Sim;
use crate::store::{Cause, Component, ObjectRef};

const WEB: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: {tier: front}}\nspec:\n  selector: {app: web}\n  ports:\n  - {name: http, port: 80, targetPort: http}\n";

fn only_slice(sim: &Sim, service: &str) -> EndpointSlice {
    let mut all = slices(sim, service);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

#[test]
fn a_slice_per_service_with_labels_owner_and_endpoint_conditions() {
    let mut sim = sim();
    apply(&mut sim, WEB);
    // No endpoints yet: the placeholder slice.
    let placeholder = only_slice(&sim, "web");
    assert!(placeholder.endpoints.is_none() && placeholder.ports.is_none());
    let placeholder_name = placeholder.metadata.name.clone().unwrap();

    apply(&mut sim, &pod_yaml("web-a", "app: web", "{name: http, containerPort: 8080}"));
    apply(&mut sim, &pod_yaml("web-b", "app: web", "{name: http, containerPort: 8080}"));
    apply(&mut sim, &held_pod_yaml("web-c", "app: web", "{name: http, containerPort: 8080}"));
    set_status(&mut sim, "web-a", "10.244.9.2", true);
    set_status(&mut sim, "web-b", "10.244.9.3", false);
    set_status(&mut sim, "web-c", "10.244.9.4", true);
    let annotations = only_slice(&sim, "web").metadata.annotations.unwrap_or_default();
    assert_eq!(annotations.get("endpoints.kubernetes.io/last-change-trigger-time").map(String::as_str), Some("2024-01-01T00:00:00Z"));
    delete(&mut sim, Kind::Pod, "web-c", None);

    let slice = only_slice(&sim, "web");
    // The placeholder became the slice: same name, `web-` and five characters.
    let name = slice.metadata.name.clone().unwrap();
    assert_eq!(name, placeholder_name);
    assert!(name.starts_with("web-") && name.len() == 9, "{name}");
    assert_eq!(slice.metadata.generate_name.as_deref(), Some("web-"));
    assert_eq!(slice.address_type, "IPv4");
    let labels = slice.metadata.labels.clone().unwrap();
    assert_eq!(labels.get("kubernetes.io/service-name").map(String::as_str), Some("web"));
    assert_eq!(labels.get("endpointslice.kubernetes.io/managed-by").map(String::as_str), Some("endpointslice-controller.k8s.io"));
    assert_eq!(labels.get("tier").map(String::as_str), Some("front"));
    assert!(!labels.contains_key("service.kubernetes.io/headless"));
    let owner = &slice.metadata.owner_references.clone().unwrap()[0];
    let Some(Object::Service(svc)) = get(&sim, Kind::Service, "web") else { panic!() };
    assert_eq!((owner.kind.as_str(), owner.name.as_str(), owner.api_version.as_str()), ("Service", "web", "v1"));
    assert_eq!(Some(owner.uid.clone()), svc.metadata.uid);
    assert_eq!((owner.controller, owner.block_owner_deletion), (Some(true), Some(true)));

    let ports = slice.ports.clone().unwrap();
    assert_eq!((ports[0].name.as_deref(), ports[0].port, ports[0].protocol.as_deref()), (Some("http"), Some(8080), Some("TCP")));
    let eps = slice.endpoints.clone().unwrap();
    let row = |i: usize| {
        let e = &eps[i];
        let c = e.conditions.clone().unwrap();
        (e.addresses[0].as_str(), c.ready, c.serving, c.terminating, e.node_name.as_deref(), e.zone.as_deref())
    };
    let t = Some(true);
    let f = Some(false);
    assert_eq!(row(0), ("10.244.9.2", t, t, f, Some("edge-1"), Some("zone-a")));
    assert_eq!(row(1), ("10.244.9.3", f, f, f, Some("edge-1"), Some("zone-a")));
    // Terminating: still listed, serving as its readiness says, never ready.
    assert_eq!(row(2), ("10.244.9.4", f, t, t, Some("edge-1"), Some("zone-a")));
    assert_eq!(eps[2].target_ref.as_ref().unwrap().uid, pod(&sim, "web-c").metadata.uid);
    // A deletionTimestamp is no trigger the tracker knows: the write drops the annotation.
    assert!(slice.metadata.annotations.is_none());
}

#[test]
fn two_hundred_fifty_pods_make_three_slices() {
    let mut sim = sim();
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: big}\nspec: {selector: {app: big}, ports: [{port: 80}]}\n");
    let text: Vec<String> = (0..250).map(|i| pod_yaml(&format!("big-{i}"), "app: big", "")).collect();
    apply(&mut sim, &text.join("---\n"));
    // Every status written in one go, as one action.
    let action = sim.begin_action("status");
    for i in 0..250 {
        let mut p = pod(&sim, &format!("big-{i}"));
        let status = p.status.get_or_insert_with(Default::default);
        status.phase = Some("Running".into());
        status.pod_ip = Some(format!("10.244.{}.{}", 10 + i / 200, i % 200 + 2));
        status.conditions = Some(vec![k8s_openapi::api::core::v1::PodCondition {
            type_: "Ready".into(),
            status: "True".into(),
            ..Default::default()
        }]);
        p.metadata.resource_version = None;
        sim.api().update(p.into(), &Component::new("kubelet/edge-1"), Cause::Action(action)).unwrap();
    }
    run(&mut sim);
    let all = slices(&sim, "big");
    let mut sizes: Vec<usize> = all.iter().map(|s| s.endpoints.as_ref().map_or(0, Vec::len)).collect();
    sizes.sort();
    assert_eq!(sizes, [50, 100, 100]);
    let total: std::collections::BTreeSet<String> = all.iter().flat_map(|s| s.endpoints.iter().flatten()).map(|e| e.addresses[0].clone()).collect();
    assert_eq!(total.len(), 250);
    // The Endpoints lists them all too.
    let Some(Object::Endpoints(ep)) = get(&sim, Kind::Endpoints, "big") else { panic!() };
    assert_eq!(ep.subsets.unwrap()[0].addresses.as_ref().unwrap().len(), 250);

    // Removing pods removes them from their slices; the slices stay.
    let action = sim.begin_action("delete");
    for i in 0..20 {
        let key = ObjectRef::new(Kind::Pod, Some("default"), &format!("big-{i}"));
        sim.api()
            .delete_with_grace(&key, crate::sim::Propagation::Background, Some(0), &Component::new("kubectl"), Cause::Action(action))
            .unwrap();
    }
    run(&mut sim);
    let all = slices(&sim, "big");
    let total: usize = all.iter().map(|s| s.endpoints.as_ref().map_or(0, Vec::len)).sum();
    assert_eq!((all.len(), total), (3, 230));
}

#[test]
fn pods_without_the_named_port_get_a_slice_of_their_own() {
    let mut sim = sim();
    apply(&mut sim, WEB);
    apply(&mut sim, &pod_yaml("web-a", "app: web", "{name: http, containerPort: 8080}"));
    apply(&mut sim, &pod_yaml("web-b", "app: web", "{name: other, containerPort: 8080}"));
    set_status(&mut sim, "web-a", "10.244.9.2", true);
    set_status(&mut sim, "web-b", "10.244.9.3", true);
    let mut all = slices(&sim, "web");
    all.sort_by_key(|s| s.ports.is_some());
    assert_eq!(all.len(), 2);
    assert!(all[0].ports.is_none());
    assert_eq!(all[0].endpoints.as_ref().unwrap()[0].addresses, ["10.244.9.3"]);
    assert_eq!(all[1].endpoints.as_ref().unwrap()[0].addresses, ["10.244.9.2"]);
}

#[test]
fn headless_services_are_labelled_and_selectorless_ones_left_alone() {
    let mut sim = sim();
    let bootstrap = get(&sim, Kind::EndpointSlice, "kubernetes").expect("bootstrap slice");
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: peers}\nspec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}\n");
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {ports: [{port: 80}]}\n");
    let s = only_slice(&sim, "peers");
    assert_eq!(s.metadata.labels.unwrap().get("service.kubernetes.io/headless").map(String::as_str), Some(""));
    assert!(slices(&sim, "ext").is_empty());
    assert_eq!(get(&sim, Kind::EndpointSlice, "kubernetes"), Some(bootstrap));
}

#[test]
fn service_deletion_leaves_the_slices_to_the_garbage_collector() {
    let mut sim = sim();
    apply(&mut sim, WEB);
    apply(&mut sim, &pod_yaml("web-a", "app: web", "{name: http, containerPort: 8080}"));
    set_status(&mut sim, "web-a", "10.244.9.2", true);
    assert_eq!(slices(&sim, "web").len(), 1);
    delete(&mut sim, Kind::Service, "web", None);
    // Either the garbage collector removed them, or they wait for it; the controller itself
    // neither deletes nor rewrites them.
    for s in slices(&sim, "web") {
        assert_eq!(s.endpoints.unwrap()[0].addresses, ["10.244.9.2"]);
    }
    let writes = sim.store().log().iter().filter(|e| e.key.kind == Kind::EndpointSlice && e.by.as_str() == "endpointslice-controller").count();
    apply(&mut sim, &pod_yaml("web-a", "app: web, extra: x", "{name: http, containerPort: 8080}"));
    let after = sim.store().log().iter().filter(|e| e.key.kind == Kind::EndpointSlice && e.by.as_str() == "endpointslice-controller").count();
    assert_eq!(writes, after);
}
