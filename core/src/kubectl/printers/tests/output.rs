use super::obj;
use crate::api::Object;
use crate::kubectl::printers::{print_json, print_names, print_yaml};

fn config_map() -> Object {
    obj(r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: default
  creationTimestamp: "2024-01-01T00:00:00Z"
  managedFields: [{manager: kubectl, operation: Apply}]
data: {a: "1"}
"#)
}

#[test]
fn names_are_kind_qualified() {
    let d = obj("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {selector: {}, template: {}}\n");
    let i = obj("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: site}\n");
    let cm = config_map();
    assert_eq!(print_names(&[&cm, &d, &i]), "configmap/cfg\ndeployment.apps/web\ningress.networking.k8s.io/site\n");
}

#[test]
fn json_of_one_object_and_of_a_list() {
    let cm = config_map();
    let one = "{\n    \"apiVersion\": \"v1\",\n    \"data\": {\n        \"a\": \"1\"\n    },\n    \"kind\": \"ConfigMap\",\n    \"metadata\": {\n        \"creationTimestamp\": \"2024-01-01T00:00:00Z\",\n        \"name\": \"cfg\",\n        \"namespace\": \"default\"\n    }\n}\n";
    assert_eq!(print_json(&[&cm], false), one);
    let empty = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n";
    assert_eq!(print_json(&[], true), empty);
    let list = print_json(&[&cm], true);
    assert!(list.starts_with("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"apiVersion\": \"v1\",\n"), "{list}");
    assert!(list.ends_with("    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"), "{list}");
}

#[test]
fn yaml_of_one_object_and_of_a_list() {
    let cm = config_map();
    let one = "\
apiVersion: v1
data:
  a: \"1\"
kind: ConfigMap
metadata:
  creationTimestamp: \"2024-01-01T00:00:00Z\"
  name: cfg
  namespace: default
";
    assert_eq!(print_yaml(&[&cm], false), one);
    let list = "\
apiVersion: v1
items:
- apiVersion: v1
  data:
    a: \"1\"
  kind: ConfigMap
  metadata:
    creationTimestamp: \"2024-01-01T00:00:00Z\"
    name: cfg
    namespace: default
kind: List
metadata:
  resourceVersion: \"\"
";
    assert_eq!(print_yaml(&[&cm], true), list);
    assert_eq!(print_yaml(&[], true), "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n");
}

#[test]
fn yaml_of_a_deployment_keeps_kubectl_layout() {
    let d = obj(r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: "nginx:1.25"
        ports: [{containerPort: 80, protocol: TCP}]
        resources: {}
"#);
    let want = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - image: nginx:1.25
        name: nginx
        ports:
        - containerPort: 80
          protocol: TCP
        resources: {}
";
    assert_eq!(print_yaml(&[&d], false), want);
}
