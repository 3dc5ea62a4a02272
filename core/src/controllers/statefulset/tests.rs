//! StatefulSets in a running simulation. Pods use a scheduler nobody runs, so they stay
//! unbound and their readiness is set by the test, as a kubelet would report it.

use k8s_openapi::api::core::v1::{Pod, PodCondition, PodStatus};
use serde_json::json;

use crate::api::{Kind, Object};
use crate::sim::apiserver::{k8s_time, Propagation};
use crate::sim::{ClusterConfig, Sim};
use crate::store::{Cause, Component, ObjectRef, WatchEventType};

fn kubectl() -> Component {
    Component::new("kubectl")
}

fn set_object(replicas: i32, policy: &str) -> Object {
    let v = json!({
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "serviceName": "web",
            "podManagementPolicy": policy,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"schedulerName": "manual", "containers": [{"name": "nginx", "image": "nginx:1.25"}]}
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data", "labels": {"tier": "storage"}},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
            }]
        }
    });
    Object::from_value(Kind::StatefulSet, v).unwrap()
}

fn write(sim: &mut Sim, f: impl FnOnce(&mut Sim, Cause)) {
    let action = sim.begin_action("test");
    f(sim, Cause::Action(action));
    sim.after_action();
    sim.settle(100_000);
}

fn pod(sim: &Sim, name: &str) -> Option<Pod> {
    match sim.get(&ObjectRef::new(Kind::Pod, Some("default"), name)) {
        Some(Object::Pod(p)) => Some((**p).clone()),
        _ => None,
    }
}

fn pod_names(sim: &Sim) -> Vec<String> {
    sim.store().list(Kind::Pod, Some("default")).map(|o| o.name().to_string()).collect()
}

fn claim_names(sim: &Sim) -> Vec<String> {
    sim.store().list(Kind::PersistentVolumeClaim, Some("default")).map(|o| o.name().to_string()).collect()
}

/// What a kubelet reports once the containers run and pass readiness.
fn make_ready(sim: &mut Sim, name: &str) {
    let mut p = pod(sim, name).expect("pod exists");
    let now = k8s_time(sim.now());
    p.status = Some(PodStatus {
        phase: Some("Running".into()),
        conditions: Some(vec![PodCondition { type_: "Ready".into(), status: "True".into(), last_transition_time: Some(now), ..Default::default() }]),
        ..Default::default()
    });
    p.metadata.resource_version = None;
    write(sim, |sim, cause| {
        sim.api().update(p.into(), &kubectl(), cause).unwrap();
    });
}

fn set(sim: &Sim) -> k8s_openapi::api::apps::v1::StatefulSet {
    match sim.get(&ObjectRef::new(Kind::StatefulSet, Some("default"), "web")) {
        Some(Object::StatefulSet(s)) => (**s).clone(),
        _ => panic!("no set"),
    }
}

fn update_set(sim: &mut Sim, f: impl FnOnce(&mut k8s_openapi::api::apps::v1::StatefulSet)) {
    let mut s = set(sim);
    f(&mut s);
    s.metadata.resource_version = None;
    write(sim, |sim, cause| {
        sim.api().update(s.into(), &kubectl(), cause).unwrap();
    });
}

fn messages(sim: &Sim) -> Vec<String> {
    sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.kind.as_deref() == Some("StatefulSet") => e.message.clone(),
            _ => None,
        })
        .collect()
}

fn is_revision_name(name: &str, owner: &str) -> bool {
    let Some(hash) = name.strip_prefix(&format!("{owner}-")) else { return false };
    (1..=10).contains(&hash.len()) && hash.chars().all(|c| "456789bcdf".contains(c))
}

fn label<'a>(p: &'a Pod, key: &str) -> Option<&'a str> {
    p.metadata.labels.as_ref().and_then(|l| l.get(key)).map(String::as_str)
}

fn start(replicas: i32, policy: &str) -> Sim {
    let mut sim = Sim::new(ClusterConfig::default());
    write(&mut sim, |sim, cause| {
        sim.api().create(set_object(replicas, policy), &kubectl(), cause).unwrap();
    });
    sim
}

#[test]
fn statefulset_ordered_ready_creates_one_pod_at_a_time() {
    let mut sim = start(3, "OrderedReady");
    assert_eq!(pod_names(&sim), vec!["web-0"]);
    sim.advance(crate::time::SimDuration::from_secs(30));
    assert_eq!(pod_names(&sim), vec!["web-0"], "web-1 waits for web-0 to be Running and Ready");
    make_ready(&mut sim, "web-0");
    assert_eq!(pod_names(&sim), vec!["web-0", "web-1"]);
    make_ready(&mut sim, "web-1");
    assert_eq!(pod_names(&sim), vec!["web-0", "web-1", "web-2"]);
    make_ready(&mut sim, "web-2");
    assert_eq!(claim_names(&sim), vec!["data-web-0", "data-web-1", "data-web-2"]);

    let msgs = messages(&sim);
    assert!(msgs.contains(&"create Pod web-0 in StatefulSet web successful".to_string()), "{msgs:?}");
    assert!(msgs.contains(&"create Claim data-web-0 Pod web-0 in StatefulSet web success".to_string()), "{msgs:?}");

    let st = set(&sim).status.unwrap();
    assert_eq!((st.replicas, st.ready_replicas, st.available_replicas), (3, Some(3), Some(3)));
    assert_eq!((st.current_replicas, st.updated_replicas), (Some(3), Some(3)));
    let rev = st.update_revision.clone().unwrap();
    assert!(is_revision_name(&rev, "web"), "{rev}");
    assert_eq!(st.current_revision.as_deref(), Some(rev.as_str()));
    assert_eq!(st.observed_generation, Some(1));
    let cr = sim.get(&ObjectRef::new(Kind::ControllerRevision, Some("default"), &rev));
    assert!(matches!(cr, Some(Object::ControllerRevision(r)) if r.revision == Some(1)), "{cr:?}");
}

#[test]
fn statefulset_pods_and_claims_have_the_identity_shape() {
    let sim = start(1, "OrderedReady");
    let p = pod(&sim, "web-0").unwrap();
    assert_eq!(label(&p, "statefulset.kubernetes.io/pod-name"), Some("web-0"));
    assert_eq!(label(&p, "apps.kubernetes.io/pod-index"), Some("0"));
    assert_eq!(label(&p, "app"), Some("web"));
    let rev = label(&p, "controller-revision-hash").unwrap();
    assert!(is_revision_name(rev, "web"), "{rev}");
    let spec = p.spec.as_ref().unwrap();
    assert_eq!(spec.hostname.as_deref(), Some("web-0"));
    assert_eq!(spec.subdomain.as_deref(), Some("web"));
    let vol = &spec.volumes.as_ref().unwrap()[0];
    assert_eq!(vol.name, "data");
    assert_eq!(vol.persistent_volume_claim.as_ref().unwrap().claim_name, "data-web-0");
    let owner = p.metadata.owner_references.as_ref().unwrap();
    assert_eq!((owner[0].kind.as_str(), owner[0].name.as_str(), owner[0].controller), ("StatefulSet", "web", Some(true)));
    let claim = sim.get(&ObjectRef::new(Kind::PersistentVolumeClaim, Some("default"), "data-web-0")).unwrap();
    let labels = claim.labels().unwrap();
    assert_eq!((labels.get("app").map(String::as_str), labels.get("tier").map(String::as_str)), (Some("web"), Some("storage")));
}

#[test]
fn statefulset_scales_down_from_the_highest_ordinal_and_keeps_claims() {
    let mut sim = start(3, "OrderedReady");
    for i in 0..3 {
        make_ready(&mut sim, &format!("web-{i}"));
    }
    let before = sim.store().log().len();
    update_set(&mut sim, |s| s.spec.replicas = Some(1));
    assert_eq!(pod_names(&sim), vec!["web-0"]);
    let deleted: Vec<String> = sim.store().log()[before..]
        .iter()
        .filter(|e| e.key.kind == Kind::Pod && e.event_type == WatchEventType::Deleted)
        .map(|e| e.key.name.clone())
        .collect();
    assert_eq!(deleted, vec!["web-2", "web-1"]);
    let msgs = messages(&sim);
    assert!(msgs.contains(&"delete Pod web-2 in StatefulSet web successful".to_string()), "{msgs:?}");
    assert_eq!(claim_names(&sim), vec!["data-web-0", "data-web-1", "data-web-2"]);

    write(&mut sim, |sim, cause| {
        let key = ObjectRef::new(Kind::StatefulSet, Some("default"), "web");
        sim.api().delete(&key, Propagation::Background, &kubectl(), cause).unwrap();
    });
    sim.advance(crate::time::SimDuration::from_secs(60));
    assert_eq!(claim_names(&sim), vec!["data-web-0", "data-web-1", "data-web-2"], "claims are retained");
}

#[test]
fn statefulset_parallel_creates_all_pods_at_once() {
    let sim = start(3, "Parallel");
    assert_eq!(pod_names(&sim), vec!["web-0", "web-1", "web-2"]);
    assert_eq!(claim_names(&sim), vec!["data-web-0", "data-web-1", "data-web-2"]);
}

#[test]
fn statefulset_rolling_update_goes_from_the_highest_ordinal_down() {
    let mut sim = start(3, "OrderedReady");
    for i in 0..3 {
        make_ready(&mut sim, &format!("web-{i}"));
    }
    let old = set(&sim).status.unwrap().update_revision.unwrap();
    update_set(&mut sim, |s| {
        s.spec.template.spec.as_mut().unwrap().containers[0].image = Some("nginx:1.26".into());
    });
    let new = set(&sim).status.unwrap().update_revision.unwrap();
    assert_ne!(old, new);
    assert!(is_revision_name(&new, "web"));
    let rev = |sim: &Sim, i: i32| label(&pod(sim, &format!("web-{i}")).unwrap(), "controller-revision-hash").unwrap().to_string();
    assert_eq!((rev(&sim, 2), rev(&sim, 1), rev(&sim, 0)), (new.clone(), old.clone(), old.clone()));
    make_ready(&mut sim, "web-2");
    assert_eq!((rev(&sim, 1), rev(&sim, 0)), (new.clone(), old.clone()));
    make_ready(&mut sim, "web-1");
    assert_eq!(rev(&sim, 0), new);
    make_ready(&mut sim, "web-0");
    let st = set(&sim).status.unwrap();
    assert_eq!(st.current_revision.as_deref(), Some(new.as_str()));
    assert_eq!(st.updated_replicas, Some(3));
    let revisions: Vec<Option<i64>> = sim
        .store()
        .list(Kind::ControllerRevision, Some("default"))
        .map(|o| match o.as_ref() {
            Object::ControllerRevision(r) => r.revision,
            _ => None,
        })
        .collect();
    assert_eq!(revisions.len(), 2);
    assert!(revisions.contains(&Some(2)));
}

#[test]
fn a_failed_pod_is_recreated_with_the_event() {
    let mut sim = start(1, "OrderedReady");
    make_ready(&mut sim, "web-0");
    let uid = pod(&sim, "web-0").unwrap().metadata.uid;
    let mut p = pod(&sim, "web-0").unwrap();
    p.status.as_mut().unwrap().phase = Some("Failed".into());
    p.metadata.resource_version = None;
    write(&mut sim, |sim, cause| {
        sim.api().update(p.into(), &kubectl(), cause).unwrap();
    });
    let m = messages(&sim);
    assert!(m.contains(&"StatefulSet default/web is recreating failed Pod web-0".to_string()), "{m:?}");
    assert!(m.contains(&"delete Pod web-0 in StatefulSet web successful".to_string()), "{m:?}");
    assert_ne!(pod(&sim, "web-0").expect("recreated").metadata.uid, uid);
}
