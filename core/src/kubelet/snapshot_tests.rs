//! What a mount keeps of the pod (only what its downward API items read) and when a change of
//! the pod makes the files change.

use super::*;
use crate::kubectl::test_support::{kubectl, sim};
use crate::sim::Sim;
use crate::time::SimDuration;

fn pod_with(volumes: serde_json::Value) -> Pod {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "labels": {"app": "web"}, "annotations": {"note": "x"}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "nginx", "resources": {"limits": {"cpu": "1"}}}], "volumes": volumes}
    }))
    .unwrap()
}

#[test]
fn a_view_keeps_labels_annotations_and_resources_only_when_an_item_reads_them() {
    let field = |path: &str| serde_json::json!({"path": "f", "fieldRef": {"fieldPath": path}});
    let access = serde_json::json!({"name": "kube-api-access-x", "projected": {"sources": [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [field("metadata.namespace")]}}
    ]}});
    // (volumes, whether a label or annotation change is seen, whether container resources are kept)
    for (volumes, sees_changes, resources) in [
        (serde_json::json!([access]), false, false),
        (serde_json::json!([{"name": "cfg", "configMap": {"name": "cfg"}}]), false, false),
        (serde_json::json!([{"name": "i", "downwardAPI": {"items": [field("metadata.name"), field("metadata.uid"), field("status.podIP"), field("status.hostIPs")]}}]), false, false),
        (serde_json::json!([access, {"name": "i", "downwardAPI": {"items": [field("metadata.labels")]}}]), true, true),
        (serde_json::json!([{"name": "i", "projected": {"sources": [{"downwardAPI": {"items": [field("metadata.annotations['note']")]}}]}}]), true, true),
        (serde_json::json!([{"name": "i", "downwardAPI": {"items": [field("spec.nodeName")]}}]), true, true),
        (serde_json::json!([{"name": "i", "downwardAPI": {"items": [{"path": "cpu", "resourceFieldRef": {"containerName": "c", "resource": "limits.cpu"}}]}}]), true, true),
    ] {
        let pod = pod_with(volumes.clone());
        let view = PodView::of(&pod);
        assert!(!view.changed(&pod), "{volumes}");
        let mut relabelled = pod.clone();
        relabelled.metadata.labels.get_or_insert_default().insert("tier".into(), "db".into());
        let mut annotated = pod.clone();
        annotated.metadata.annotations = None;
        assert_eq!((view.changed(&relabelled), view.changed(&annotated)), (sees_changes, sees_changes), "{volumes}");
        assert_eq!(view.resources("c").is_some(), resources, "{volumes}");
        let fields = view.fields();
        assert_eq!((fields.name, fields.namespace, fields.uid, view.uid()), ("p", "ns", "u-1", "u-1"), "{volumes}");
    }
}

#[test]
fn sources_are_found_by_kind_and_name_and_a_missing_one_reads_as_not_found() {
    let obj = |kind: Kind, v: serde_json::Value| Arc::new(Object::from_value(kind, v).unwrap());
    let cm = obj(Kind::ConfigMap, serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "same", "namespace": "ns"}}));
    let sec = obj(Kind::Secret, serde_json::json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "same", "namespace": "ns"}}));
    let snap = Snapshot { pod: PodView::of(&pod_with(serde_json::json!([]))), sources: vec![cm.clone(), sec.clone()] };
    for (kind, name, want) in [(Kind::ConfigMap, "same", Some(&cm)), (Kind::Secret, "same", Some(&sec)), (Kind::ConfigMap, "other", None), (Kind::Secret, "x", None)] {
        let got = snap.source(kind, name);
        assert_eq!(got.map(|o| o as *const Object), want.map(Arc::as_ptr), "{kind:?} {name}");
    }
}

fn exec(sim: &mut Sim, pod: &str, cmd: &str) -> String {
    let out = kubectl(sim, &format!("exec {pod} -- {cmd}"));
    assert_eq!(out.status, 0, "{cmd}: {}", out.stderr);
    out.stdout
}

#[test]
fn a_label_change_shows_in_the_files_that_read_labels_and_leaves_the_others_as_they_were() {
    let mut s = sim();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: info, namespace: default, labels: {app: demo}}\n\
               spec:\n  nodeName: node-1\n  containers:\n  - name: app\n    image: busybox:1.36\n    command: [sleep, '3600']\n\
               \x20   volumeMounts:\n    - {name: info, mountPath: /etc/podinfo}\n  volumes:\n  - name: info\n    downwardAPI:\n      items:\n\
               \x20     - {path: labels, fieldRef: {fieldPath: metadata.labels}}\n      - {path: name, fieldRef: {fieldPath: metadata.name}}\n";
    crate::kubectl::test_support::create(&mut s, pod);
    s.after_action();
    s.advance(SimDuration::from_secs(10));
    let sa = "/var/run/secrets/kubernetes.io/serviceaccount";
    let before = [exec(&mut s, "info", &format!("cat {sa}/namespace {sa}/token {sa}/ca.crt")), exec(&mut s, "info", "cat /etc/podinfo/name")];
    assert_eq!(exec(&mut s, "info", "cat /etc/podinfo/labels"), "app=\"demo\"");
    assert_eq!(kubectl(&mut s, "label pod info tier=web").status, 0);
    s.advance(SimDuration::from_secs(1));
    assert_eq!(exec(&mut s, "info", "cat /etc/podinfo/labels"), "app=\"demo\"\ntier=\"web\"");
    let after = [exec(&mut s, "info", &format!("cat {sa}/namespace {sa}/token {sa}/ca.crt")), exec(&mut s, "info", "cat /etc/podinfo/name")];
    assert_eq!(before, after);
    assert!(after[0].starts_with("default") && after[1] == "info", "{after:?}");
}
