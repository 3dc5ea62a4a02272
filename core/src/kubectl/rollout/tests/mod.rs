//! Fixtures for the rollout tests: a deployment and the replica sets a deployment controller
//! would have made for its revisions.

mod history;
mod pause;
mod status;

use std::sync::Arc;

use crate::api::{Kind, Object};
use crate::kubectl::test_support::create;
use crate::sim::Sim;
use crate::store::ObjectRef;

pub(super) const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, annotations: {deployment.kubernetes.io/revision: "3", team: blue}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"#;

pub(super) fn deployment_key() -> ObjectRef {
    ObjectRef::new(Kind::Deployment, Some("default"), "web")
}

pub(super) fn get(sim: &Sim, key: &ObjectRef) -> Object {
    sim.get(key).expect("object exists").clone()
}

/// A replica set of `owner` for one revision: `image` in its template, `hash` as its
/// pod-template-hash, `extra` further annotations (YAML flow entries).
pub(super) fn replica_set(sim: &mut Sim, owner: &Object, revision: &str, hash: &str, image: &str, extra: &str) -> Arc<Object> {
    let uid = owner.metadata().uid.clone().unwrap_or_default();
    let yaml = format!(
        r#"
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-{hash}
  namespace: default
  labels: {{app: web, pod-template-hash: "{hash}"}}
  annotations: {{deployment.kubernetes.io/revision: "{revision}", deployment.kubernetes.io/desired-replicas: "3", deployment.kubernetes.io/max-replicas: "4"{extra}}}
  ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: web, uid: "{uid}", controller: true, blockOwnerDeletion: true}}]
spec:
  replicas: 0
  selector: {{matchLabels: {{app: web, pod-template-hash: "{hash}"}}}}
  template:
    metadata: {{labels: {{app: web, pod-template-hash: "{hash}"}}}}
    spec:
      containers: [{{name: nginx, image: "{image}"}}]
"#
    );
    create(sim, &yaml)
}

/// `web` at revision 3 (nginx:1.27) with replica sets for revisions 1 (1.25), 2 (1.26) and 3.
pub(super) fn with_history(sim: &mut Sim) -> Object {
    let d = create(sim, DEPLOYMENT);
    replica_set(sim, &d, "1", "5d4f8c7b9", "nginx:1.25", "");
    replica_set(sim, &d, "2", "6b7c9d8f5", "nginx:1.26", r#", kubernetes.io/change-cause: "kubectl set image deployment/web nginx=nginx:1.26 --record=true""#);
    replica_set(sim, &d, "3", "7c8d9e6f4", "nginx:1.27", "");
    get(sim, &deployment_key())
}

pub(super) const DAEMON_SET: &str = r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: "busybox:1.36"}]}
"#;

pub(super) const STATEFUL_SET: &str = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "postgres:16"}]}
"#;
