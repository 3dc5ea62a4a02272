//! Storage object in-use protection in a running cluster: the finalizers admission adds, a
//! claim in use by a pod and a bound volume staying `Terminating`, and which pods count as
//! using a claim.

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

use crate::api::{Kind, Object};
use crate::controllers::storage_test_support::{apply, cluster, get, kubectl, phase, POD};
use crate::sim::Sim;

use super::pod_uses_claim;

const VOLUME_AND_CLAIM: &str = "
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
metadata: {name: data}
spec:
  storageClassName: \"\"
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 500Mi}}
";


fn finalizers(obj: &Object) -> Vec<String> {
    obj.metadata().finalizers.clone().unwrap_or_default()
}

fn claim(sim: &Sim) -> Option<Object> {
    get(sim, Kind::PersistentVolumeClaim, Some("default"), "data")
}

fn volume(sim: &Sim) -> Option<Object> {
    get(sim, Kind::PersistentVolume, None, "pv-data")
}

/// The STATUS column of `kubectl get <what>`'s first row.
fn status_column(sim: &mut Sim, what: &str, column: usize) -> String {
    let out = kubectl(sim, &format!("kubectl get {what}"));
    let row = out.stdout.lines().nth(1).unwrap_or_else(|| panic!("no row: {}", out.stdout)).to_string();
    row.split_whitespace().nth(column).unwrap_or("").to_string()
}

#[test]
fn admission_adds_the_protection_finalizers() {
    let mut sim = cluster(1);
    apply(&mut sim, VOLUME_AND_CLAIM);
    assert_eq!(finalizers(&claim(&sim).unwrap()), ["kubernetes.io/pvc-protection"]);
    assert_eq!(finalizers(&volume(&sim).unwrap()), ["kubernetes.io/pv-protection"]);
    let yaml = kubectl(&mut sim, "kubectl get pvc data -o yaml").stdout;
    assert!(yaml.contains("  finalizers:\n  - kubernetes.io/pvc-protection\n"), "{yaml}");
    let yaml = kubectl(&mut sim, "kubectl get pv pv-data -o yaml").stdout;
    assert!(yaml.contains("  finalizers:\n  - kubernetes.io/pv-protection\n"), "{yaml}");
}

#[test]
fn a_claim_in_use_stays_terminating_until_its_pod_is_gone() {
    let mut sim = cluster(1);
    apply(&mut sim, VOLUME_AND_CLAIM);
    apply(&mut sim, POD);
    let pod = get(&sim, Kind::Pod, Some("default"), "app").unwrap();
    assert_eq!(phase(&pod), "Running");

    let out = kubectl(&mut sim, "kubectl delete pvc data");
    assert_eq!(out.stdout, "persistentvolumeclaim \"data\" deleted\n");
    let pvc = claim(&sim).expect("the claim stays while the pod uses it");
    assert!(pvc.metadata().deletion_timestamp.is_some());
    assert_eq!(finalizers(&pvc), ["kubernetes.io/pvc-protection"]);
    assert_eq!(status_column(&mut sim, "pvc", 1), "Terminating");
    assert_eq!(phase(&volume(&sim).unwrap()), "Bound");

    kubectl(&mut sim, "kubectl delete pod app");
    assert!(get(&sim, Kind::Pod, Some("default"), "app").is_none());
    assert!(claim(&sim).is_none(), "the finalizer goes with the last pod");
    // Retain: the volume is Released and keeps its finalizer (it is not being deleted).
    let pv = volume(&sim).unwrap();
    assert_eq!(phase(&pv), "Released");
    assert_eq!(finalizers(&pv), ["kubernetes.io/pv-protection"]);
}

#[test]
fn an_unused_claim_goes_at_once() {
    let mut sim = cluster(1);
    apply(&mut sim, VOLUME_AND_CLAIM);
    kubectl(&mut sim, "kubectl delete pvc data");
    assert!(claim(&sim).is_none());
}

#[test]
fn a_bound_volume_stays_terminating_until_its_claim_is_gone() {
    let mut sim = cluster(1);
    apply(&mut sim, VOLUME_AND_CLAIM);
    let out = kubectl(&mut sim, "kubectl delete pv pv-data");
    assert_eq!(out.stdout, "persistentvolume \"pv-data\" deleted\n");
    let pv = volume(&sim).expect("the volume stays while Bound");
    assert!(pv.metadata().deletion_timestamp.is_some());
    assert_eq!(finalizers(&pv), ["kubernetes.io/pv-protection"]);
    assert_eq!(phase(&pv), "Bound");
    assert_eq!(status_column(&mut sim, "pv", 4), "Terminating");

    kubectl(&mut sim, "kubectl delete pvc data");
    assert!(claim(&sim).is_none());
    assert!(volume(&sim).is_none(), "Released: the pv-protection finalizer is removed");
}

#[test]
fn an_available_volume_goes_at_once() {
    let mut sim = cluster(1);
    apply(&mut sim, VOLUME_AND_CLAIM.split("---").next().unwrap());
    assert_eq!(phase(&volume(&sim).unwrap()), "Available");
    kubectl(&mut sim, "kubectl delete pv pv-data");
    assert!(volume(&sim).is_none());
}

#[test]
fn a_dynamically_provisioned_volume_goes_with_its_claim_and_pod() {
    let mut sim = cluster(1);
    apply(&mut sim, &VOLUME_AND_CLAIM.split("---").nth(1).unwrap().replace("storageClassName: \"\"", "storageClassName: standard"));
    apply(&mut sim, POD);
    let pvc = claim(&sim).unwrap();
    let pv_name = pvc.to_value()["spec"]["volumeName"].as_str().unwrap().to_string();
    assert_eq!(finalizers(&get(&sim, Kind::PersistentVolume, None, &pv_name).unwrap()), ["kubernetes.io/pv-protection"]);
    kubectl(&mut sim, "kubectl delete pvc data");
    assert!(claim(&sim).is_some());
    kubectl(&mut sim, "kubectl delete pod app");
    assert!(claim(&sim).is_none());
    assert!(get(&sim, Kind::PersistentVolume, None, &pv_name).is_none(), "reclaimPolicy Delete");
}

fn pod_from(yaml: &str) -> Pod {
    serde_norway::from_str(yaml).expect("pod yaml")
}

#[test]
fn which_pods_use_a_claim() {
    let pvc: PersistentVolumeClaim = serde_norway::from_str(
        "metadata: {name: data, namespace: default, ownerReferences: [{apiVersion: v1, kind: Pod, name: app, uid: pod-uid, controller: true}]}",
    )
    .unwrap();
    let eph: PersistentVolumeClaim = serde_norway::from_str(
        "metadata: {name: app-scratch, namespace: default, ownerReferences: [{apiVersion: v1, kind: Pod, name: app, uid: pod-uid, controller: true}]}",
    )
    .unwrap();
    let claim_volume = "volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]";
    let eph_volume = "volumes: [{name: scratch, ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce]}}}}]";
    let cases: &[(&str, &str, &PersistentVolumeClaim, bool)] = &[
        ("scheduled, running", &format!("metadata: {{name: app, uid: pod-uid}}\nspec: {{nodeName: node-1, containers: [], {claim_volume}}}\nstatus: {{phase: Running}}"), &pvc, true),
        ("unscheduled", &format!("metadata: {{name: app, uid: pod-uid}}\nspec: {{containers: [], {claim_volume}}}\nstatus: {{phase: Pending}}"), &pvc, false),
        ("succeeded, still there", &format!("metadata: {{name: app, uid: pod-uid}}\nspec: {{nodeName: node-1, containers: [], {claim_volume}}}\nstatus: {{phase: Succeeded}}"), &pvc, true),
        ("another claim", "metadata: {name: app, uid: pod-uid}\nspec: {nodeName: node-1, containers: [], volumes: [{name: d, persistentVolumeClaim: {claimName: other}}]}", &pvc, false),
        ("ephemeral, its own", &format!("metadata: {{name: app, uid: pod-uid}}\nspec: {{nodeName: node-1, containers: [], {eph_volume}}}"), &eph, true),
        ("ephemeral, another pod's", &format!("metadata: {{name: app, uid: other-uid}}\nspec: {{nodeName: node-1, containers: [], {eph_volume}}}"), &eph, false),
        (
            "ephemeral, shut down",
            &format!("metadata: {{name: app, uid: pod-uid, deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 0}}\nspec: {{nodeName: node-1, containers: [], {eph_volume}}}"),
            &eph,
            false,
        ),
    ];
    for (name, yaml, claim, want) in cases {
        assert_eq!(pod_uses_claim(&pod_from(yaml), claim), *want, "{name}");
    }
}

#[test]
fn the_controllers_put_back_a_missing_finalizer() {
    let mut sim = cluster(1);
    apply(&mut sim, VOLUME_AND_CLAIM);
    for (kind, ns, name, want) in [
        (Kind::PersistentVolumeClaim, Some("default"), "data", "kubernetes.io/pvc-protection"),
        (Kind::PersistentVolume, None, "pv-data", "kubernetes.io/pv-protection"),
    ] {
        let mut obj = get(&sim, kind, ns, name).unwrap();
        obj.metadata_mut().finalizers = None;
        obj.metadata_mut().resource_version = None;
        let action = sim.begin_action("strip");
        sim.api().update(obj, &crate::store::Component::new("kubectl"), crate::store::Cause::Action(action)).expect("update");
        sim.after_action();
        crate::controllers::storage_test_support::settle(&mut sim);
        assert_eq!(finalizers(&get(&sim, kind, ns, name).unwrap()), [want], "{name}");
    }
    let last_writer = |sim: &Sim, kind: Kind| sim.store().history().iter().rfind(|r| r.key.kind == kind).map(|r| r.by.to_string()).unwrap_or_default();
    assert_eq!(last_writer(&sim, Kind::PersistentVolumeClaim), "persistentvolumeclaim-protection-controller");
    assert_eq!(last_writer(&sim, Kind::PersistentVolume), "persistentvolume-protection-controller");
}

#[test]
fn a_namespace_with_a_claim_in_use_is_deleted_completely() {
    let mut sim = cluster(1);
    kubectl(&mut sim, "kubectl create namespace shop");
    apply(&mut sim, &VOLUME_AND_CLAIM.replace("metadata: {name: data}", "metadata: {name: data, namespace: shop}"));
    apply(&mut sim, &POD.replace("metadata: {name: app}", "metadata: {name: app, namespace: shop}"));
    assert_eq!(phase(&get(&sim, Kind::Pod, Some("shop"), "app").unwrap()), "Running");
    kubectl(&mut sim, "kubectl delete namespace shop");
    assert!(get(&sim, Kind::PersistentVolumeClaim, Some("shop"), "data").is_none());
    assert!(get(&sim, Kind::Namespace, None, "shop").is_none(), "the claim's finalizer does not hold the namespace");
    assert_eq!(phase(&volume(&sim).unwrap()), "Released");
}
