//! ReplicationControllers in a running cluster: pods, status, scaling, printing, events.

use crate::api::{Kind, Object};
use crate::controllers::storage_test_support::{apply, cluster, events_about, get, kubectl, phase};

const RC: &str = "
apiVersion: v1
kind: ReplicationController
metadata: {name: nginx}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: nginx:1.25}]
";

fn pods(sim: &crate::sim::Sim) -> Vec<Object> {
    sim.store().list(Kind::Pod, Some("default")).map(|o| (**o).clone()).collect()
}

#[test]
fn a_replication_controller_keeps_its_pods_running() {
    let mut sim = cluster(2);
    apply(&mut sim, RC);
    let ps = pods(&sim);
    assert_eq!(ps.len(), 3);
    for p in &ps {
        assert!(p.name().starts_with("nginx-") && p.name().len() == "nginx-".len() + 5, "{}", p.name());
        assert_eq!(phase(p), "Running");
        let owner = &p.metadata().owner_references.as_ref().unwrap()[0];
        assert_eq!((owner.api_version.as_str(), owner.kind.as_str(), owner.name.as_str(), owner.controller), ("v1", "ReplicationController", "nginx", Some(true)));
    }
    let rc = get(&sim, Kind::ReplicationController, Some("default"), "nginx").unwrap().to_value();
    assert_eq!(rc["spec"]["selector"], serde_json::json!({"app": "nginx"}));
    assert_eq!(rc["status"]["replicas"], 3);
    assert_eq!(rc["status"]["readyReplicas"], 3);
    assert_eq!(rc["status"]["availableReplicas"], 3);
    let events = events_about(&sim, "default", "nginx");
    assert_eq!(events.iter().filter(|(r, m)| r == "SuccessfulCreate" && m.starts_with("Created pod: nginx-")).count(), 3, "{events:?}");
    let out = kubectl(&mut sim, "kubectl get rc");
    assert!(out.stdout.starts_with("NAME    DESIRED   CURRENT   READY   AGE\n"), "{}", out.stdout);
    assert_eq!(out.stdout.lines().nth(1).unwrap().split_whitespace().take(4).collect::<Vec<_>>(), ["nginx", "3", "3", "3"], "{}", out.stdout);

    kubectl(&mut sim, "kubectl scale rc nginx --replicas=1");
    let alive = pods(&sim).into_iter().filter(|p| p.metadata().deletion_timestamp.is_none()).count();
    assert_eq!(alive, 1);
    // A deleted pod is replaced.
    let victim = pods(&sim).into_iter().find(|p| p.metadata().deletion_timestamp.is_none()).unwrap();
    kubectl(&mut sim, &format!("kubectl delete pod {} --grace-period=0 --force", victim.name()));
    let alive: Vec<Object> = pods(&sim).into_iter().filter(|p| p.metadata().deletion_timestamp.is_none()).collect();
    assert_eq!(alive.len(), 1);
    assert_ne!(alive[0].name(), victim.name());
}

#[test]
fn a_replication_controller_retries_once_its_account_exists() {
    let mut sim = cluster(1);
    apply(&mut sim, &RC.replace("    spec:\n      containers", "    spec:\n      serviceAccountName: robot\n      containers"));
    assert!(pods(&sim).is_empty());
    let events = events_about(&sim, "default", "nginx");
    assert!(events.iter().any(|(r, m)| r == "FailedCreate" && m.ends_with("error looking up service account default/robot: serviceaccount \"robot\" not found")), "{events:?}");
    kubectl(&mut sim, "kubectl create serviceaccount robot");
    assert_eq!(pods(&sim).len(), 3);
}
