//! ServiceAccounts in a running cluster: the `default` account and `kube-root-ca.crt` in every
//! namespace, and what the ServiceAccount admission plugin does to pods.

use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::controllers::root_ca::{CA_CERT, CONFIG_MAP_NAME};
use crate::controllers::storage_test_support::{apply, cluster, create, events_about, get, kubectl, phase};
use crate::rng::NAME_SUFFIX_ALPHABET;

fn pod(sim: &crate::sim::Sim, ns: &str, name: &str) -> Pod {
    match get(sim, Kind::Pod, Some(ns), name) {
        Some(Object::Pod(p)) => *p,
        other => panic!("no pod {ns}/{name}: {other:?}"),
    }
}

#[test]
fn every_namespace_has_a_default_account_and_the_root_ca() {
    let mut sim = cluster(1);
    for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        assert!(get(&sim, Kind::ServiceAccount, Some(ns), "default").is_some(), "{ns}");
        assert!(get(&sim, Kind::ConfigMap, Some(ns), CONFIG_MAP_NAME).is_some(), "{ns}");
    }
    kubectl(&mut sim, "kubectl create namespace team");
    assert!(get(&sim, Kind::ServiceAccount, Some("team"), "default").is_some());
    let Some(Object::ConfigMap(cm)) = get(&sim, Kind::ConfigMap, Some("team"), CONFIG_MAP_NAME) else { panic!("no ca") };
    assert_eq!(cm.data.as_ref().and_then(|d| d.get("ca.crt")).map(String::as_str), Some(CA_CERT));
    // Deleted: recreated. Edited: put back.
    kubectl(&mut sim, "kubectl delete serviceaccount default -n team");
    assert!(get(&sim, Kind::ServiceAccount, Some("team"), "default").is_some());
    kubectl(&mut sim, "kubectl delete configmap kube-root-ca.crt -n team");
    assert!(get(&sim, Kind::ConfigMap, Some("team"), CONFIG_MAP_NAME).is_some());
    let out = kubectl(&mut sim, "kubectl get sa -n team");
    assert_eq!(out.stdout, "NAME      SECRETS   AGE\ndefault   0         0s\n");
}

const POD: &str = "
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers: [{name: init, image: busybox:1.36, command: [\"true\"]}]
  containers:
  - {name: a, image: nginx:1.25}
  - name: b
    image: nginx:1.25
    volumeMounts: [{name: own, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]
  volumes: [{name: own, emptyDir: {}}]
";

#[test]
fn pods_get_the_projected_token_volume_in_every_container() {
    let mut sim = cluster(1);
    apply(&mut sim, POD);
    let p = pod(&sim, "default", "p");
    let spec = p.spec.as_ref().unwrap();
    assert_eq!(spec.service_account_name.as_deref(), Some("default"));
    let volumes = spec.volumes.as_ref().unwrap();
    let token = volumes.iter().find(|v| v.name.starts_with("kube-api-access-")).expect("token volume");
    let suffix = &token.name["kube-api-access-".len()..];
    assert_eq!(suffix.len(), 5);
    assert!(suffix.bytes().all(|b| NAME_SUFFIX_ALPHABET.contains(&b)), "{suffix}");
    let v = serde_json::to_value(token).unwrap();
    assert_eq!(
        v["projected"],
        serde_json::json!({
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
            ]
        })
    );
    let mounts = |c: &k8s_openapi::api::core::v1::Container| {
        c.volume_mounts.iter().flatten().filter(|m| m.name == token.name).map(|m| (m.mount_path.clone(), m.read_only)).collect::<Vec<_>>()
    };
    let at = vec![("/var/run/secrets/kubernetes.io/serviceaccount".to_string(), Some(true))];
    assert_eq!(mounts(&spec.init_containers.as_ref().unwrap()[0]), at);
    assert_eq!(mounts(&spec.containers[0]), at);
    // Something already mounted there: left alone.
    assert_eq!(mounts(&spec.containers[1]), vec![]);
    assert_eq!(phase(&Object::Pod(Box::new(p.clone()))), "Running");
}

#[test]
fn automount_false_on_the_pod_or_the_account_means_no_token() {
    let mut sim = cluster(1);
    apply(&mut sim, &POD.replace("spec:\n", "spec:\n  automountServiceAccountToken: false\n"));
    let names: Vec<String> = pod(&sim, "default", "p").spec.unwrap().volumes.unwrap().into_iter().map(|v| v.name).collect();
    assert_eq!(names, vec!["own"]);
    apply(&mut sim, "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet}\nautomountServiceAccountToken: false\n");
    apply(&mut sim, &POD.replace("name: p}", "name: q}").replace("spec:\n", "spec:\n  serviceAccountName: quiet\n"));
    assert_eq!(pod(&sim, "default", "q").spec.unwrap().volumes.unwrap().len(), 1);
}

#[test]
fn a_pod_naming_a_missing_account_is_refused() {
    let mut sim = cluster(1);
    let out = create(&mut sim, &POD.replace("spec:\n", "spec:\n  serviceAccountName: builder\n"));
    assert_eq!(
        out.stderr,
        "Error from server (Forbidden): error when creating \"x.yaml\": pods \"p\" is forbidden: error looking up service account default/builder: serviceaccount \"builder\" not found\n"
    );
    assert!(get(&sim, Kind::Pod, Some("default"), "p").is_none());
}

#[test]
fn a_deployment_waits_for_its_account_with_failed_create() {
    let mut sim = cluster(1);
    apply(
        &mut sim,
        "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: builder
      containers: [{name: web, image: nginx:1.25}]
",
    );
    let rs = sim.store().list(Kind::ReplicaSet, Some("default")).next().unwrap().name().to_string();
    let events = events_about(&sim, "default", &rs);
    assert!(
        events.iter().any(|(r, m)| r == "FailedCreate"
            && m.starts_with("Error creating: pods \"web-")
            && m.ends_with("is forbidden: error looking up service account default/builder: serviceaccount \"builder\" not found")),
        "{events:?}"
    );
    assert_eq!(sim.store().list(Kind::Pod, Some("default")).count(), 0);
    apply(&mut sim, "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: builder}\n");
    let pods: Vec<Object> = sim.store().list(Kind::Pod, Some("default")).map(|o| (**o).clone()).collect();
    assert_eq!(pods.len(), 2);
    assert!(pods.iter().all(|p| phase(p) == "Running"));
}

#[test]
fn a_new_namespace_runs_pods_at_once() {
    let mut sim = cluster(1);
    apply(
        &mut sim,
        "
apiVersion: v1
kind: Namespace
metadata: {name: fresh}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: fresh}
spec:
  containers: [{name: a, image: nginx:1.25}]
",
    );
    let p = pod(&sim, "fresh", "p");
    assert_eq!(p.spec.as_ref().unwrap().service_account_name.as_deref(), Some("default"));
    assert!(get(&sim, Kind::ServiceAccount, Some("fresh"), "default").is_some());
    assert_eq!(phase(&Object::Pod(Box::new(p))), "Running");
}

#[test]
fn a_statefulset_and_a_daemonset_retry_once_their_account_exists() {
    let mut sim = cluster(2);
    let template = "
    metadata: {labels: {app: x}}
    spec:
      serviceAccountName: robot
      containers: [{name: c, image: nginx:1.25}]
";
    apply(&mut sim, &format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db}}\nspec:\n  replicas: 1\n  serviceName: db\n  selector: {{matchLabels: {{app: x}}}}\n  template:{template}"));
    apply(&mut sim, &format!("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent}}\nspec:\n  selector: {{matchLabels: {{app: x}}}}\n  template:{template}"));
    assert_eq!(sim.store().list(Kind::Pod, Some("default")).count(), 0);
    for owner in ["db", "agent"] {
        assert!(events_about(&sim, "default", owner).iter().any(|(r, _)| r == "FailedCreate"), "{owner}");
    }
    kubectl(&mut sim, "kubectl create serviceaccount robot");
    let pods: Vec<Object> = sim.store().list(Kind::Pod, Some("default")).map(|o| (**o).clone()).collect();
    assert_eq!(pods.len(), 3, "db-0 and one agent pod per node");
    assert!(pods.iter().all(|p| phase(p) == "Running"));
}
