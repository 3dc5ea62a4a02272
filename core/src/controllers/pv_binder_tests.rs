//! The binder and the provisioner in a running cluster: manifests applied, the simulation
//! stepped, phases, annotations, printed columns and event texts checked.

use crate::api::{Kind, Object};
use crate::controllers::storage_test_support::{apply, cluster, events_about, get, kubectl, phase, POD};

use super::{NO_CLASS_MESSAGE, WAIT_FOR_CONSUMER_MESSAGE};

const VOLUMES: &str = "
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-small}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /data/small}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-large}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /data/large}
";

const STATIC_CLAIM: &str = "
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: \"\"
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 500Mi}}
";

fn annotation(obj: &Object, key: &str) -> Option<String> {
    obj.metadata().annotations.as_ref().and_then(|a| a.get(key)).cloned()
}

fn claim(sim: &crate::sim::Sim, name: &str) -> Object {
    get(sim, Kind::PersistentVolumeClaim, Some("default"), name).expect("claim exists")
}

#[test]
fn a_claim_binds_statically_to_the_smallest_available_volume() {
    let mut sim = cluster(1);
    apply(&mut sim, VOLUMES);
    for name in ["pv-small", "pv-large"] {
        assert_eq!(phase(&get(&sim, Kind::PersistentVolume, None, name).unwrap()), "Available");
    }
    apply(&mut sim, STATIC_CLAIM);
    let c = claim(&sim, "data");
    assert_eq!(phase(&c), "Bound");
    assert_eq!(c.to_value()["spec"]["volumeName"], "pv-small");
    assert_eq!(c.to_value()["status"]["capacity"]["storage"], "1Gi");
    assert_eq!(annotation(&c, "pv.kubernetes.io/bind-completed").as_deref(), Some("yes"));
    assert_eq!(annotation(&c, "pv.kubernetes.io/bound-by-controller").as_deref(), Some("yes"));
    let pv = get(&sim, Kind::PersistentVolume, None, "pv-small").unwrap();
    assert_eq!(phase(&pv), "Bound");
    assert_eq!(pv.to_value()["spec"]["claimRef"]["name"], "data");
    assert_eq!(pv.to_value()["spec"]["claimRef"]["uid"].as_str(), c.metadata().uid.as_deref());
    assert_eq!(annotation(&pv, "pv.kubernetes.io/bound-by-controller").as_deref(), Some("yes"));
    assert_eq!(phase(&get(&sim, Kind::PersistentVolume, None, "pv-large").unwrap()), "Available");

    let out = kubectl(&mut sim, "kubectl get pvc");
    let row = out.stdout.lines().nth(1).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[..5], ["data", "Bound", "pv-small", "1Gi", "RWO"], "{}", out.stdout);
    let out = kubectl(&mut sim, "kubectl get pv pv-small");
    let cells: Vec<String> = out.stdout.lines().nth(1).unwrap().split_whitespace().map(str::to_string).collect();
    assert_eq!(&cells[..6], ["pv-small", "1Gi", "RWO", "Retain", "Bound", "default/data"], "{}", out.stdout);

    // Retain: the claim goes, the volume is Released and keeps its claimRef.
    kubectl(&mut sim, "kubectl delete pvc data");
    let pv = get(&sim, Kind::PersistentVolume, None, "pv-small").unwrap();
    assert_eq!(phase(&pv), "Released");
    assert_eq!(pv.to_value()["spec"]["claimRef"]["name"], "data");
}

#[test]
fn a_claim_with_no_class_and_no_volume_waits_with_failed_binding() {
    let mut sim = cluster(1);
    apply(&mut sim, STATIC_CLAIM);
    assert_eq!(phase(&claim(&sim, "data")), "Pending");
    assert!(events_about(&sim, "default", "data").contains(&("FailedBinding".into(), NO_CLASS_MESSAGE.into())));
    // A volume appearing later is found.
    apply(&mut sim, VOLUMES);
    assert_eq!(phase(&claim(&sim, "data")), "Bound");
}

#[test]
fn a_prebound_claim_takes_the_volume_it_names() {
    let mut sim = cluster(1);
    apply(&mut sim, VOLUMES);
    apply(&mut sim, &STATIC_CLAIM.replace("storageClassName: \"\"", "storageClassName: \"\"\n  volumeName: pv-large"));
    let c = claim(&sim, "data");
    assert_eq!((phase(&c), c.to_value()["spec"]["volumeName"].as_str().unwrap().to_string()), ("Bound".into(), "pv-large".into()));
    assert_eq!(annotation(&c, "pv.kubernetes.io/bound-by-controller"), None);
    let pv = get(&sim, Kind::PersistentVolume, None, "pv-large").unwrap();
    assert_eq!(annotation(&pv, "pv.kubernetes.io/bound-by-controller").as_deref(), Some("yes"));
}

#[test]
fn reclaim_delete_on_a_static_volume_fails_without_a_deleter() {
    let mut sim = cluster(1);
    apply(&mut sim, &VOLUMES.replace("accessModes: [ReadWriteOnce]\n  hostPath: {path: /data/small}", "accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Delete\n  hostPath: {path: /data/small}"));
    apply(&mut sim, STATIC_CLAIM);
    kubectl(&mut sim, "kubectl delete pvc data");
    let pv = get(&sim, Kind::PersistentVolume, None, "pv-small").unwrap();
    assert_eq!(phase(&pv), "Failed");
    assert_eq!(
        pv.to_value()["status"]["message"],
        "error getting deleter volume plugin for volume \"pv-small\": no deletable volume plugin matched"
    );
}

const DEFAULT_CLAIM: &str = "
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
";


#[test]
fn the_default_class_provisions_a_volume_on_the_first_consumers_node() {
    let mut sim = cluster(3);
    apply(&mut sim, DEFAULT_CLAIM);
    let c = claim(&sim, "data");
    assert_eq!(c.to_value()["spec"]["storageClassName"], "standard");
    assert_eq!(phase(&c), "Pending");
    assert_eq!(events_about(&sim, "default", "data"), vec![("WaitForFirstConsumer".to_string(), WAIT_FOR_CONSUMER_MESSAGE.to_string())]);

    apply(&mut sim, POD);
    let pod = get(&sim, Kind::Pod, Some("default"), "app").unwrap();
    let node = pod.to_value()["spec"]["nodeName"].as_str().unwrap().to_string();
    assert_eq!(phase(&pod), "Running");
    let c = claim(&sim, "data");
    assert_eq!(phase(&c), "Bound");
    assert_eq!(annotation(&c, "volume.kubernetes.io/selected-node").as_deref(), Some(node.as_str()));
    assert_eq!(annotation(&c, "volume.kubernetes.io/storage-provisioner").as_deref(), Some("rancher.io/local-path"));
    let uid = c.metadata().uid.clone().unwrap();
    let pv_name = format!("pvc-{uid}");
    assert_eq!(c.to_value()["spec"]["volumeName"], pv_name.as_str());
    let pv = get(&sim, Kind::PersistentVolume, None, &pv_name).unwrap();
    let v = pv.to_value();
    assert_eq!(phase(&pv), "Bound");
    assert_eq!(v["spec"]["capacity"]["storage"], "2Gi");
    assert_eq!(v["spec"]["persistentVolumeReclaimPolicy"], "Delete");
    assert_eq!(v["spec"]["storageClassName"], "standard");
    assert_eq!(v["spec"]["hostPath"]["path"], format!("/var/local-path-provisioner/{pv_name}_default_data"));
    assert_eq!(v["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"][0], node.as_str());
    assert_eq!(annotation(&pv, "pv.kubernetes.io/provisioned-by").as_deref(), Some("rancher.io/local-path"));

    let reasons: Vec<String> = events_about(&sim, "default", "data").into_iter().map(|(r, _)| r).collect();
    for want in ["WaitForFirstConsumer", "ExternalProvisioning", "Provisioning", "ProvisioningSucceeded"] {
        assert!(reasons.iter().any(|r| r == want), "{want} in {reasons:?}");
    }
    let messages: Vec<String> = events_about(&sim, "default", "data").into_iter().map(|(_, m)| m).collect();
    assert!(messages.contains(&format!("Successfully provisioned volume {pv_name}")), "{messages:?}");
    assert!(messages.contains(&"Waiting for a volume to be created either by the external provisioner 'rancher.io/local-path' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.".to_string()), "{messages:?}");

    let described = kubectl(&mut sim, "kubectl describe pvc data").stdout;
    assert!(described.contains("\nUsed By:       app\n"), "{described}");
    assert!(described.contains(&format!("\nVolume:        {pv_name}\n")), "{described}");
    let described = kubectl(&mut sim, &format!("kubectl describe pv {pv_name}")).stdout;
    let affinity = format!("  Required Terms:  \n    Term 0:        kubernetes.io/hostname in [{node}]\n");
    assert!(described.contains(&affinity), "{described}");

    // Reclaim policy Delete: pod and claim gone, the provisioner deletes the volume.
    kubectl(&mut sim, "kubectl delete pod app");
    kubectl(&mut sim, "kubectl delete pvc data");
    assert!(get(&sim, Kind::PersistentVolume, None, &pv_name).is_none());
}

#[test]
fn a_second_pod_of_a_bound_local_claim_goes_to_the_volumes_node() {
    let mut sim = cluster(3);
    apply(&mut sim, DEFAULT_CLAIM);
    apply(&mut sim, POD);
    let node = get(&sim, Kind::Pod, Some("default"), "app").unwrap().to_value()["spec"]["nodeName"].clone();
    for i in 0..3 {
        apply(&mut sim, &POD.replace("name: app}", &format!("name: app-{i}}}")));
        let other = get(&sim, Kind::Pod, Some("default"), &format!("app-{i}")).unwrap();
        assert_eq!(other.to_value()["spec"]["nodeName"], node);
    }
}

#[test]
fn classes_that_cannot_provision_say_why() {
    let mut sim = cluster(1);
    apply(
        &mut sim,
        "
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ebs}
provisioner: ebs.csi.aws.com
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-now}
provisioner: rancher.io/local-path
volumeBindingMode: Immediate
",
    );
    for (claim_name, class) in [("a", "ebs"), ("b", "missing"), ("c", "local-now")] {
        apply(&mut sim, &DEFAULT_CLAIM.replace("name: data", &format!("name: {claim_name}")).replace("spec:\n", &format!("spec:\n  storageClassName: {class}\n")));
        assert_eq!(phase(&claim(&sim, claim_name)), "Pending");
    }
    let has = |name: &str, reason: &str, message: &str| {
        let events = events_about(&sim, "default", name);
        assert!(events.contains(&(reason.to_string(), message.to_string())), "{events:?}");
    };
    has("a", "ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
    has("b", "ProvisioningFailed", "storageclass.storage.k8s.io \"missing\" not found");
    has("c", "ProvisioningFailed", "failed to provision volume with StorageClass \"local-now\": configuration error, no node was specified");
}

#[test]
fn a_statefulset_with_claim_templates_gets_bound_claims_and_running_pods() {
    let mut sim = cluster(2);
    apply(
        &mut sim,
        "
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: nginx:1.25
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
",
    );
    for i in 0..2 {
        let c = claim(&sim, &format!("data-db-{i}"));
        assert_eq!(phase(&c), "Bound", "data-db-{i}");
        assert_eq!(c.to_value()["spec"]["storageClassName"], "standard");
        let pod = get(&sim, Kind::Pod, Some("default"), &format!("db-{i}")).unwrap();
        assert_eq!(phase(&pod), "Running", "db-{i}");
    }
    assert_eq!(sim.store().list(Kind::PersistentVolume, None).count(), 2);
}
