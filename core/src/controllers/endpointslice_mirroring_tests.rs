//! The mirroring controller in a running simulation: slice metadata, what is not mirrored,
//! updates and deletions, events, watch keys, and a trace through a Service without a selector.

use k8s_openapi::api::core::v1::{Endpoints, Event};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::json;

use super::*;
use crate::controllers::service_pods::tests::{apply, delete, get, pod_yaml, run, set_status, sim, slices};
use crate::sim::Sim;
use crate::store::Cause;

const DB: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {ports: [{port: 5432}]}\n";

fn db_endpoints(ip: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Endpoints\nmetadata: {{name: db, labels: {{team: data}}, annotations: {{note: primary}}}}\nsubsets: [{{addresses: [{{ip: {ip}}}], ports: [{{port: 5432}}]}}]\n"
    )
}

fn mirrored(sim: &Sim) -> Vec<EndpointSlice> {
    let managed = |s: &EndpointSlice| s.metadata.labels.as_ref().and_then(|l| l.get(MANAGED_BY_LABEL)).map(String::as_str) == Some(CONTROLLER_NAME);
    slices(sim, "db").into_iter().filter(managed).collect()
}

fn only_mirrored(sim: &Sim) -> EndpointSlice {
    let mut all = mirrored(sim);
    assert_eq!(all.len(), 1, "{all:#?}");
    all.remove(0)
}

fn addresses(slice: &EndpointSlice) -> Vec<String> {
    slice.endpoints.iter().flatten().flat_map(|e| e.addresses.clone()).collect()
}

fn endpoints_obj(sim: &Sim) -> Endpoints {
    match get(sim, Kind::Endpoints, "db") {
        Some(Object::Endpoints(e)) => *e,
        other => panic!("no Endpoints db: {other:?}"),
    }
}

#[test]
fn a_mirrored_slice_carries_the_endpoints_metadata_and_owner() {
    let mut sim = sim();
    apply(&mut sim, DB);
    apply(&mut sim, &db_endpoints("10.244.9.2"));
    let slice = only_mirrored(&sim);
    let name = slice.metadata.name.clone().unwrap();
    assert!(name.starts_with("db-") && name.len() == 8, "{name}");
    assert_eq!(slice.metadata.generate_name.as_deref(), Some("db-"));
    assert_eq!(slice.address_type, "IPv4");
    let labels: Vec<(String, String)> = slice.metadata.labels.clone().unwrap().into_iter().collect();
    let want = [
        ("endpointslice.kubernetes.io/managed-by", "endpointslicemirroring-controller.k8s.io"),
        ("kubernetes.io/service-name", "db"),
        ("team", "data"),
    ];
    assert_eq!(labels, want.map(|(k, v)| (k.to_string(), v.to_string())));
    // kubectl's last-applied configuration is not mirrored.
    let ep = endpoints_obj(&sim);
    assert!(ep.metadata.annotations.as_ref().unwrap().contains_key("kubectl.kubernetes.io/last-applied-configuration"));
    let annotations: Vec<(String, String)> = slice.metadata.annotations.clone().unwrap().into_iter().collect();
    assert_eq!(annotations, [("note".to_string(), "primary".to_string())]);
    let owner = &slice.metadata.owner_references.clone().unwrap()[0];
    assert_eq!((owner.api_version.as_str(), owner.kind.as_str(), owner.name.as_str()), ("v1", "Endpoints", "db"));
    assert_eq!(Some(owner.uid.clone()), ep.metadata.uid);
    assert_eq!((owner.controller, owner.block_owner_deletion), (Some(true), Some(true)));
    let port = &slice.ports.clone().unwrap()[0];
    assert_eq!((port.name.as_deref(), port.port, port.protocol.as_deref()), (Some(""), Some(5432), Some("TCP")));
    assert_eq!(addresses(&slice), ["10.244.9.2"]);
    let conditions = slice.endpoints.as_ref().unwrap()[0].conditions.clone().unwrap();
    assert_eq!((conditions.ready, conditions.serving, conditions.terminating), (Some(true), None, None));
    // The write is the mirroring controller's.
    let key = ObjectRef::new(Kind::EndpointSlice, Some("default"), &name);
    let last = sim.store().log().iter().rev().find(|e| e.key == key).unwrap();
    assert_eq!(last.by.as_str(), "endpointslice-mirroring-controller");
}

#[test]
fn what_is_not_mirrored() {
    // (case, manifests applied after the Service): none of them gets a mirrored slice.
    let cases: Vec<(&str, String)> = vec![
        ("skip-mirror label", db_endpoints("10.244.9.2").replace("team: data", "team: data, endpointslice.kubernetes.io/skip-mirror: \"true\"")),
        ("leader-election lock", db_endpoints("10.244.9.2").replace("note: primary", "control-plane.alpha.kubernetes.io/leader: \"{}\"")),
        ("no Service of that name", db_endpoints("10.244.9.2").replace("name: db", "name: other")),
    ];
    for (case, manifest) in cases {
        let mut sim = sim();
        apply(&mut sim, DB);
        apply(&mut sim, &manifest);
        let all: Vec<EndpointSlice> = sim
            .store()
            .list(Kind::EndpointSlice, None)
            .filter_map(|o| match o.as_ref() {
                Object::EndpointSlice(s) => Some(s.as_ref().clone()),
                _ => None,
            })
            .filter(|s| s.metadata.labels.as_ref().and_then(|l| l.get(MANAGED_BY_LABEL)).map(String::as_str) == Some(CONTROLLER_NAME))
            .collect();
        assert!(all.is_empty(), "{case}: {all:#?}");
    }
    // A Service with a selector: the endpoint controllers own its Endpoints and slices.
    let mut sim = sim();
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {selector: {app: db}, ports: [{port: 5432}]}\n");
    apply(&mut sim, &pod_yaml("db-0", "app: db", ""));
    set_status(&mut sim, "db-0", "10.244.9.2", true);
    assert!(mirrored(&sim).is_empty());
    assert_eq!(slices(&sim, "db").len(), 1);
    // Nor is the `kubernetes` Service's Endpoints (labelled skip-mirror by the API server).
    let kubernetes = sim.store().list(Kind::EndpointSlice, Some("default")).filter(|o| o.labels().and_then(|l| l.get(SERVICE_NAME_LABEL)).map(String::as_str) == Some("kubernetes")).count();
    assert_eq!(kubernetes, 1);
}

#[test]
fn slices_follow_endpoints_updates_in_place() {
    let mut sim = sim();
    apply(&mut sim, DB);
    apply(&mut sim, &db_endpoints("10.244.9.2"));
    let first = only_mirrored(&sim);
    let name = first.metadata.name.clone();
    // Unrelated writes leave the slice alone.
    apply(&mut sim, &DB.replace("metadata: {name: db}", "metadata: {name: db, labels: {x: y}}"));
    assert_eq!(only_mirrored(&sim).metadata.resource_version, first.metadata.resource_version);
    // A new address: the same slice, rewritten.
    apply(&mut sim, &db_endpoints("10.244.9.3"));
    let slice = only_mirrored(&sim);
    assert_eq!((slice.metadata.name.clone(), addresses(&slice)), (name.clone(), vec!["10.244.9.3".to_string()]));
    // New labels only: rewritten too.
    apply(&mut sim, &db_endpoints("10.244.9.3").replace("team: data", "team: storage"));
    let slice = only_mirrored(&sim);
    assert_eq!(slice.metadata.labels.unwrap().get("team").map(String::as_str), Some("storage"));
    // A second port set: a second slice; back to one port set: one slice again.
    let two = "apiVersion: v1\nkind: Endpoints\nmetadata: {name: db}\nsubsets:\n- {addresses: [{ip: 10.244.9.3}], ports: [{port: 5432}]}\n- {addresses: [{ip: 10.244.9.4}], ports: [{port: 9187}]}\n";
    apply(&mut sim, two);
    let mut all: Vec<Vec<String>> = mirrored(&sim).iter().map(addresses).collect();
    all.sort();
    assert_eq!(all, [vec!["10.244.9.3".to_string()], vec!["10.244.9.4".to_string()]]);
    apply(&mut sim, &db_endpoints("10.244.9.5"));
    assert_eq!(addresses(&only_mirrored(&sim)), ["10.244.9.5"]);
}

#[test]
fn slices_go_with_the_endpoints_the_service_or_a_new_selector() {
    let mut sim = sim();
    apply(&mut sim, DB);
    apply(&mut sim, &db_endpoints("10.244.9.2"));
    only_mirrored(&sim);
    delete(&mut sim, Kind::Endpoints, "db", None);
    assert!(mirrored(&sim).is_empty());

    apply(&mut sim, &db_endpoints("10.244.9.2"));
    only_mirrored(&sim);
    delete(&mut sim, Kind::Service, "db", None);
    assert!(mirrored(&sim).is_empty());

    apply(&mut sim, DB);
    apply(&mut sim, &db_endpoints("10.244.9.2"));
    only_mirrored(&sim);
    apply(&mut sim, "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {selector: {app: db}, ports: [{port: 5432}]}\n");
    assert!(mirrored(&sim).is_empty());
}

#[test]
fn slices_changed_by_others_are_restored_and_foreign_slices_left_alone() {
    let mut sim = sim();
    apply(&mut sim, DB);
    apply(&mut sim, &db_endpoints("10.244.9.2"));
    let foreign = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: db-manual, labels: {kubernetes.io/service-name: db, endpointslice.kubernetes.io/managed-by: someone-else}}\naddressType: IPv4\nendpoints: [{addresses: [10.244.9.7]}]\nports: [{port: 5432}]\n";
    apply(&mut sim, foreign);
    // Deleted by hand: mirrored again.
    let name = only_mirrored(&sim).metadata.name.unwrap();
    delete(&mut sim, Kind::EndpointSlice, &name, None);
    let again = only_mirrored(&sim);
    assert_ne!(again.metadata.name.as_deref(), Some(name.as_str()));
    // Edited by hand: put back.
    let mut edited = again.clone();
    edited.endpoints.as_mut().unwrap()[0].addresses = vec!["10.244.9.99".into()];
    edited.metadata.resource_version = None;
    let action = sim.begin_action("edit");
    sim.api().update(edited.into(), &Component::new("kubectl"), Cause::Action(action)).unwrap();
    run(&mut sim);
    assert_eq!(addresses(&only_mirrored(&sim)), ["10.244.9.2"]);
    // The other manager's slice survives all of it, and the Endpoints' deletion.
    delete(&mut sim, Kind::Endpoints, "db", None);
    assert!(get(&sim, Kind::EndpointSlice, "db-manual").is_some());
}

#[test]
fn hand_written_endpoints_are_left_to_their_author() {
    let mut sim = sim();
    apply(&mut sim, DB);
    apply(&mut sim, &db_endpoints("10.244.9.2"));
    let before = endpoints_obj(&sim);
    // Service updates, pods and time: the endpoint controller never rewrites them.
    apply(&mut sim, &DB.replace("metadata: {name: db}", "metadata: {name: db, labels: {x: y}}"));
    apply(&mut sim, &pod_yaml("db-0", "app: db", ""));
    set_status(&mut sim, "db-0", "10.244.9.5", true);
    sim.advance(crate::time::SimDuration::from_secs(60));
    assert_eq!(endpoints_obj(&sim), before);
    assert!(!before.metadata.labels.unwrap().contains_key("endpoints.kubernetes.io/managed-by"));
}

#[test]
fn too_many_addresses_are_skipped_with_a_warning_and_no_annotation() {
    let mut sim = sim();
    apply(&mut sim, DB);
    let ips: Vec<String> = (0..1003).map(|i| format!("{{ip: 10.1.{}.{}}}", i / 200, i % 200 + 1)).collect();
    let manifest = format!("apiVersion: v1\nkind: Endpoints\nmetadata: {{name: db}}\nsubsets: [{{addresses: [{}], ports: [{{port: 5432}}]}}]\n", ips.join(", "));
    apply(&mut sim, &manifest);
    assert_eq!(addresses(&only_mirrored(&sim)).len(), 1000);
    assert!(!endpoints_obj(&sim).metadata.annotations.unwrap().contains_key("endpoints.kubernetes.io/over-capacity"));
    let events: Vec<Event> = sim
        .store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some("db") => Some(e.as_ref().clone()),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!((e.type_.as_deref(), e.reason.as_deref()), (Some("Warning"), Some("TooManyAddressesToMirror")));
    assert_eq!(e.message.as_deref(), Some("A max of 1000 addresses can be mirrored to EndpointSlices per Endpoints subset. 3 addresses were skipped"));
    assert_eq!(e.source.as_ref().and_then(|s| s.component.as_deref()), Some("endpoint-slice-mirroring-controller"));
    assert_eq!(e.involved_object.kind.as_deref(), Some("Endpoints"));
}

#[test]
fn a_service_without_selector_reaches_the_pod_its_endpoints_name() {
    use crate::net::forward::Probe;
    use crate::net::trace::{Outcome, Stage};
    use crate::sim::trace::Endpoint as From;
    use crate::sim::ClusterConfig;
    use crate::time::SimDuration;
    let pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: postgres}\nspec: {nodeName: node-2, containers: [{name: db, image: \"postgres:16\", env: [{name: POSTGRES_PASSWORD, value: s3cret}], ports: [{containerPort: 5432}]}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec: {nodeName: node-1, containers: [{name: c, image: \"busybox:1.36\", command: [sleep, \"3600\"]}]}\n";
    let mut sim = Sim::new(ClusterConfig::bare());
    sim.apply("app.yaml", pods);
    sim.apply("db.yaml", DB);
    sim.advance(SimDuration::from_secs(30));
    let vip: std::net::Ipv4Addr = match get(&sim, Kind::Service, "db") {
        Some(Object::Service(s)) => s.spec.and_then(|s| s.cluster_ip).and_then(|ip| ip.parse().ok()).unwrap(),
        _ => panic!("no Service db"),
    };
    let client = From::Pod { namespace: "default".into(), name: "client".into() };
    let t = sim.trace(&client, vip, Probe::Tcp(5432), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Refused(_)), "no endpoints yet: {:?}\n{}", t.outcome, t.text());

    let ip = crate::net::test_support::pod_ip(&sim, "postgres");
    sim.apply("ep.yaml", &format!("apiVersion: v1\nkind: Endpoints\nmetadata: {{name: db}}\nsubsets: [{{addresses: [{{ip: {ip}}}], ports: [{{port: 5432}}]}}]\n"));
    sim.advance(SimDuration::from_secs(2));
    let t = sim.trace(&client, vip, Probe::Tcp(5432), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{:?}\n{}", t.outcome, t.text());
    assert!(t.hops.iter().any(|h| h.stage == Stage::Deliver && h.place.starts_with("node-2 pod default/postgres")), "{}", t.text());
}

#[test]
fn watch_events_queue_the_endpoints_as_the_real_handlers_do() {
    use crate::store::WatchEventType::{Added, Deleted, Modified};
    let obj = |kind: Kind, value: serde_json::Value| Object::from_value(kind, value).expect("an object");
    let svc = |selector: bool| obj(Kind::Service, json!({"metadata": {"name": "db", "namespace": "default"}, "spec": if selector { json!({"selector": {"app": "db"}}) } else { json!({}) }}));
    let ep = |labels: serde_json::Value| obj(Kind::Endpoints, json!({"metadata": {"name": "db", "namespace": "default", "labels": labels}}));
    let slice = |managed_by: &str| {
        let labels = json!({"kubernetes.io/service-name": "db", "endpointslice.kubernetes.io/managed-by": managed_by});
        obj(Kind::EndpointSlice, json!({"metadata": {"name": "db-x", "namespace": "default", "labels": labels}, "addressType": "IPv4"}))
    };
    let skip = json!({"endpointslice.kubernetes.io/skip-mirror": "true"});
    let cases: Vec<(&str, crate::store::WatchEventType, Object, &str, bool)> = vec![
        ("Service without selector added", Added, svc(false), "kubectl", true),
        ("Service with selector added", Added, svc(true), "kubectl", false),
        ("Service with selector deleted", Deleted, svc(true), "kubectl", false),
        ("Service updated (a selector may have come)", Modified, svc(true), "kubectl", true),
        ("Endpoints added", Added, ep(json!({})), "kubectl", true),
        ("Endpoints added with skip-mirror", Added, ep(skip.clone()), "kubectl", false),
        ("Endpoints updated to skip-mirror", Modified, ep(skip), "kubectl", true),
        ("own slice write", Added, slice(CONTROLLER_NAME), COMPONENT, false),
        ("mirrored slice deleted by the garbage collector", Deleted, slice(CONTROLLER_NAME), "garbage-collector", true),
        ("another manager's slice added", Added, slice("someone-else"), "kubectl", false),
        ("a slice edited by hand", Modified, slice("someone-else"), "kubectl", true),
        ("the endpointslice controller's own slices", Modified, slice("endpointslice-controller.k8s.io"), "endpointslice-controller", false),
    ];
    for (case, event_type, object, by, queued) in cases {
        let event = WatchEvent {
            resource_version: 1,
            event_type,
            key: ObjectRef::of(&object),
            object: std::sync::Arc::new(object),
            at: crate::time::SimTime::ZERO,
            by: Component::new(by),
            cause: Cause::Bootstrap,
        };
        let want = if queued { vec![ObjectRef::new(Kind::Endpoints, Some("default"), "db")] } else { Vec::new() };
        assert_eq!(keys_for(&event), want, "{case}");
    }
}
