//! VolumeBinding with static local volumes: a claim that waits for its first consumer in a
//! class nothing provisions can only be satisfied where a matching volume's node affinity
//! admits the node.

use crate::api::{Kind, Object};
use crate::sim::{ClusterConfig, Sim};
use crate::store::ObjectRef;

use super::scenario_tests::{events_for, node_of};

const STORAGE: &str = r#"
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-storage}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: local-pv-2}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: local-storage
  local: {path: /mnt/disks/ssd1}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [node-2]}
"#;

fn claim_and_pod(name: &str, size: &str) -> String {
    format!(
        r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: {name}}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: local-storage
  resources: {{requests: {{storage: {size}}}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  containers: [{{name: c, image: nginx}}]
  volumes: [{{name: data, persistentVolumeClaim: {{claimName: {name}}}}}]
"#
    )
}

/// The FailedScheduling text when no node of three can bind a pod's claim.
const NO_VOLUME_ON_3_NODES: &str = "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..";

fn failed_scheduling(sim: &Sim, pod: &str) -> Option<String> {
    events_for(sim, pod).into_iter().find(|e| e.reason.as_deref() == Some("FailedScheduling")).and_then(|e| e.message)
}

fn bound_volume(sim: &Sim, claim: &str) -> Option<String> {
    match sim.get(&ObjectRef::new(Kind::PersistentVolumeClaim, Some("default"), claim)) {
        Some(Object::PersistentVolumeClaim(c)) => c.spec.as_ref().and_then(|s| s.volume_name.clone()).filter(|v| !v.is_empty()),
        _ => None,
    }
}

#[test]
fn a_local_volume_decides_the_node_and_a_claim_without_one_fits_nowhere() {
    let mut sim = Sim::new(ClusterConfig::default());
    assert!(sim.apply("storage.yaml", STORAGE).ok());
    assert!(sim.apply("a.yaml", &claim_and_pod("a", "1Gi")).ok());
    sim.settle(100_000);
    assert_eq!(node_of(&sim, "a").as_deref(), Some("node-2"));
    assert_eq!(bound_volume(&sim, "a").as_deref(), Some("local-pv-2"));

    // No volume is left and nothing provisions this class.
    assert!(sim.apply("b.yaml", &claim_and_pod("b", "1Gi")).ok());
    sim.settle(100_000);
    assert_eq!(node_of(&sim, "b"), None);
    assert_eq!(failed_scheduling(&sim, "b").as_deref(), Some(NO_VOLUME_ON_3_NODES));
}

/// A provisioning class limited by allowedTopologies: `hosts` are the hostnames it admits.
fn limited_class(name: &str, hosts: &str) -> String {
    format!(
        r#"
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {{name: {name}}}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
allowedTopologies:
- matchLabelExpressions:
  - {{key: kubernetes.io/hostname, values: [{hosts}]}}
"#
    )
}

#[test]
fn a_class_provisions_only_where_its_allowed_topologies_admit_the_node() {
    let mut sim = Sim::new(ClusterConfig::default());
    assert!(sim.apply("class.yaml", &limited_class("local-storage", "node-3")).ok());
    assert!(sim.apply("a.yaml", &claim_and_pod("a", "1Gi")).ok());
    sim.settle(100_000);
    assert_eq!(node_of(&sim, "a").as_deref(), Some("node-3"));
    assert!(bound_volume(&sim, "a").is_some_and(|v| v.starts_with("pvc-")));
}

#[test]
fn a_class_whose_allowed_topologies_admit_no_node_leaves_the_pod_pending() {
    let mut sim = Sim::new(ClusterConfig::default());
    assert!(sim.apply("class.yaml", &limited_class("local-storage", "node-9")).ok());
    assert!(sim.apply("a.yaml", &claim_and_pod("a", "1Gi")).ok());
    sim.settle(100_000);
    assert_eq!(node_of(&sim, "a"), None);
    assert_eq!(failed_scheduling(&sim, "a").as_deref(), Some(NO_VOLUME_ON_3_NODES));
}
