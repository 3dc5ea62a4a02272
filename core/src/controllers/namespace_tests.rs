//! Namespace deletion in a running cluster: pods deleted first (the rest waits while they
//! terminate), and the status conditions the controller writes at each step.

use std::collections::BTreeMap;

use crate::api::{Kind, Object};
use crate::controllers::storage_test_support::{apply, cluster, get, kubectl, Manifests, POD};
use crate::kubectl::run_line;
use crate::sim::Sim;
use crate::time::SimDuration;

/// `(type, status, reason, message)` of the namespace's conditions, in stored order.
fn conditions(sim: &Sim, ns: &str) -> Vec<(String, String, String, String)> {
    let Some(Object::Namespace(n)) = get(sim, Kind::Namespace, None, ns) else { panic!("namespace {ns} is gone") };
    n.status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .map(|c| (c.type_.clone(), c.status.clone(), c.reason.clone().unwrap_or_default(), c.message.clone().unwrap_or_default()))
        .collect()
}

fn rows(want: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    want.iter().map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string())).collect()
}

const DISCOVERED: (&str, &str, &str, &str) =
    ("NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered");
const PARSED: (&str, &str, &str, &str) =
    ("NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed");
const DELETED: (&str, &str, &str, &str) =
    ("NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization");
const REMOVED: (&str, &str, &str, &str) = ("NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed");
const NO_FINALIZERS: (&str, &str, &str, &str) =
    ("NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers", "All content-preserving finalizers finished");

/// `kubectl delete namespace NS --wait=false`, without letting the cluster settle.
fn delete_namespace(sim: &mut Sim, ns: &str) {
    let out = run_line(sim, &format!("kubectl delete namespace {ns} --wait=false"), &Manifests(BTreeMap::new()));
    assert_eq!(out.status, 0, "{}", out.stderr);
}

const SLOW_PODS: &str = "
apiVersion: v1
kind: Pod
metadata: {name: slow-1, namespace: shop}
spec:
  terminationGracePeriodSeconds: 10
  containers: [{name: app, image: fishbowl/hang}]
---
apiVersion: v1
kind: Pod
metadata: {name: slow-2, namespace: shop}
spec:
  terminationGracePeriodSeconds: 10
  containers: [{name: app, image: fishbowl/hang}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {a: b}
";

#[test]
fn pods_are_deleted_first_and_the_conditions_stay_ok_while_they_terminate() {
    let mut sim = cluster(1);
    kubectl(&mut sim, "kubectl create namespace shop");
    apply(&mut sim, SLOW_PODS);
    delete_namespace(&mut sim, "shop");
    sim.advance(SimDuration::from_secs(2));
    // Like Kubernetes 1.34: the pass that stops at the remaining pods reports nothing remaining.
    assert_eq!(conditions(&sim, "shop"), rows(&[DISCOVERED, PARSED, DELETED, REMOVED, NO_FINALIZERS]));
    for pod in ["slow-1", "slow-2"] {
        let pod = get(&sim, Kind::Pod, Some("shop"), pod).expect("the pod is still terminating");
        assert!(pod.metadata().deletion_timestamp.is_some());
    }
    let cm = get(&sim, Kind::ConfigMap, Some("shop"), "settings").expect("the ConfigMap waits for the pods");
    assert!(cm.metadata().deletion_timestamp.is_none());
    let described = kubectl(&mut sim, "kubectl describe namespace shop").stdout;
    assert!(described.contains("Status:       Terminating\n"), "{described}");
    sim.advance(SimDuration::from_secs(20));
    assert!(get(&sim, Kind::Namespace, None, "shop").is_none());
}

#[test]
fn a_pod_held_by_a_finalizer_holds_everything_else_unreported() {
    let mut sim = cluster(1);
    kubectl(&mut sim, "kubectl create namespace shop");
    apply(&mut sim, SLOW_PODS);
    // A finalizer keeps the pod object after its containers are killed.
    let mut pod = get(&sim, Kind::Pod, Some("shop"), "slow-1").unwrap();
    pod.metadata_mut().finalizers = Some(vec!["example.com/hold".into()]);
    pod.metadata_mut().resource_version = None;
    sim.api().update(pod, &crate::store::Component::new("test"), crate::store::Cause::Bootstrap).unwrap();
    delete_namespace(&mut sim, "shop");
    sim.advance(SimDuration::from_secs(30));
    assert_eq!(
        conditions(&sim, "shop"),
        rows(&[DISCOVERED, PARSED, DELETED, REMOVED, NO_FINALIZERS]),
        "like 1.34, the pass that stops at the pods does not report them or their finalizers"
    );
    assert!(get(&sim, Kind::ConfigMap, Some("shop"), "settings").is_some());
    // The finalizer goes: the pod, then everything else, then the namespace.
    let mut pod = get(&sim, Kind::Pod, Some("shop"), "slow-1").unwrap();
    pod.metadata_mut().finalizers = None;
    pod.metadata_mut().resource_version = None;
    sim.api().update(pod, &crate::store::Component::new("test"), crate::store::Cause::Bootstrap).unwrap();
    sim.advance(SimDuration::from_secs(5));
    assert!(get(&sim, Kind::Namespace, None, "shop").is_none());
}

const VOLUME_CLAIM_POD: &str = "
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-data}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /data/pv}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec:
  storageClassName: \"\"
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 500Mi}}
";

#[test]
fn a_claim_held_by_pvc_protection_is_reported_until_its_finalizer_goes() {
    let mut sim = cluster(1);
    kubectl(&mut sim, "kubectl create namespace shop");
    apply(&mut sim, VOLUME_CLAIM_POD);
    apply(&mut sim, &POD.replace("metadata: {name: app}", "metadata: {name: app, namespace: shop}"));
    delete_namespace(&mut sim, "shop");
    // The pod terminates first; the claim is not touched meanwhile.
    sim.step();
    let claim = get(&sim, Kind::PersistentVolumeClaim, Some("shop"), "data").unwrap();
    assert!(claim.metadata().deletion_timestamp.is_none());
    assert_eq!(conditions(&sim, "shop"), rows(&[DISCOVERED, PARSED, DELETED, REMOVED, NO_FINALIZERS]));
    // Step until the claim is being deleted: the controller found it held by its finalizer.
    let mut held = None;
    for _ in 0..100_000 {
        if !sim.step() {
            break;
        }
        if let Some(c) = get(&sim, Kind::PersistentVolumeClaim, Some("shop"), "data").filter(|c| c.metadata().deletion_timestamp.is_some()) {
            held = Some(c);
            break;
        }
    }
    let claim = held.expect("the claim is deleted once the pod is gone");
    assert!(get(&sim, Kind::Pod, Some("shop"), "app").is_none(), "pods go first");
    assert_eq!(claim.metadata().finalizers.clone().unwrap_or_default(), ["kubernetes.io/pvc-protection"]);
    assert_eq!(
        conditions(&sim, "shop"),
        rows(&[
            DISCOVERED,
            PARSED,
            DELETED,
            ("NamespaceContentRemaining", "True", "SomeResourcesRemain", "Some resources are remaining: persistentvolumeclaims. has 1 resource instances"),
            (
                "NamespaceFinalizersRemaining",
                "True",
                "SomeFinalizersRemain",
                "Some content in the namespace has finalizers remaining: kubernetes.io/pvc-protection in 1 resource instances",
            ),
        ])
    );
    let described = run_line(&mut sim, "kubectl describe namespace shop", &Manifests(BTreeMap::new())).stdout;
    let squeezed: Vec<String> = described.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let rows: Vec<&String> = squeezed.iter().filter(|l| l.starts_with("Namespace")).collect();
    assert_eq!(rows.len(), 5, "{described}");
    assert!(rows[4].starts_with("NamespaceFinalizersRemaining True "), "{described}");
    assert!(rows[4].ends_with(" SomeFinalizersRemain Some content in the namespace has finalizers remaining: kubernetes.io/pvc-protection in 1 resource instances"), "{described}");
    // The protection controller lets the claim go; the next pass finds nothing and removes the namespace.
    sim.advance(SimDuration::from_secs(2));
    assert!(get(&sim, Kind::Namespace, None, "shop").is_none());
}

#[test]
fn conditions_keep_their_transition_time_until_their_status_changes() {
    use k8s_openapi::api::core::v1::NamespaceStatus;
    let t0 = crate::time::SimTime(0);
    let t1 = crate::time::SimTime(5_000_000);
    let ok = super::new_conditions(&super::Report::default(), true, t0);
    let mut status = NamespaceStatus::default();
    assert!(super::merge_conditions(&mut status, &ok, t0));
    assert!(!super::merge_conditions(&mut status, &super::new_conditions(&super::Report::default(), true, t1), t1));
    let report = super::Report { finalizers: [("example.com/x".to_string(), 2)].into(), remaining: [("widgets.example.com".to_string(), 2)].into(), ..Default::default() };
    assert!(super::merge_conditions(&mut status, &super::new_conditions(&report, true, t1), t1));
    let conds = status.conditions.unwrap();
    let types: Vec<&str> = conds.iter().map(|c| c.type_.as_str()).collect();
    assert_eq!(types, super::CONDITION_TYPES);
    let at = |i: usize| crate::kubectl::printers::util::sim_time(conds[i].last_transition_time.as_ref().unwrap());
    assert_eq!((at(0), at(2), at(3), at(4)), (t0, t0, t1, t1));
    assert_eq!(conds[3].message.as_deref(), Some("Some resources are remaining: widgets.example.com has 2 resource instances"));
    assert_eq!(conds[4].message.as_deref(), Some("Some content in the namespace has finalizers remaining: example.com/x in 2 resource instances"));
}
