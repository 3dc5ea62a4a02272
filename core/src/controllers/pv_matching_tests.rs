//! The binding rules as a table: which volume a claim gets.

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use serde_json::{json, Value};

use super::{find_best_match, Node};
use crate::api::{Kind, Object};

fn pv(name: &str, size: &str, extra: Value) -> PersistentVolume {
    let mut v = json!({
        "metadata": {"name": name},
        "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/data"}, "volumeMode": "Filesystem"},
        "status": {"phase": "Available"}
    });
    merge(&mut v, extra);
    match Object::from_value(Kind::PersistentVolume, v).unwrap() {
        Object::PersistentVolume(p) => *p,
        _ => unreachable!(),
    }
}

fn pvc(extra: Value) -> PersistentVolumeClaim {
    let mut v = json!({
        "metadata": {"name": "data", "namespace": "default", "uid": "u-1"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}, "storageClassName": "", "volumeMode": "Filesystem"}
    });
    merge(&mut v, extra);
    match Object::from_value(Kind::PersistentVolumeClaim, v).unwrap() {
        Object::PersistentVolumeClaim(p) => *p,
        _ => unreachable!(),
    }
}

fn merge(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                merge(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, e) => *b = e,
    }
}

#[test]
fn claims_bind_to_the_smallest_volume_that_satisfies_them() {
    let small = || pv("small", "1Gi", json!({}));
    let mid = || pv("mid", "5Gi", json!({}));
    let big = || pv("big", "10Gi", json!({}));
    let cases: Vec<(&str, PersistentVolumeClaim, Vec<PersistentVolume>, Option<&str>)> = vec![
        ("smallest that fits", pvc(json!({})), vec![big(), small(), mid()], Some("mid")),
        ("exact size fits", pvc(json!({"spec": {"resources": {"requests": {"storage": "5Gi"}}}})), vec![big(), mid()], Some("mid")),
        ("units compare exactly", pvc(json!({"spec": {"resources": {"requests": {"storage": "1G"}}}})), vec![small(), mid()], Some("small")),
        ("too small", pvc(json!({"spec": {"resources": {"requests": {"storage": "20Gi"}}}})), vec![big()], None),
        ("class must match", pvc(json!({"spec": {"storageClassName": "fast"}})), vec![mid(), pv("f", "8Gi", json!({"spec": {"storageClassName": "fast"}}))], Some("f")),
        ("no class only takes classless volumes", pvc(json!({})), vec![pv("f", "8Gi", json!({"spec": {"storageClassName": "fast"}}))], None),
        ("access modes must all be offered", pvc(json!({"spec": {"accessModes": ["ReadWriteMany"]}})), vec![mid(), pv("rwx", "9Gi", json!({"spec": {"accessModes": ["ReadWriteOnce", "ReadWriteMany"]}}))], Some("rwx")),
        ("volume mode must match", pvc(json!({"spec": {"volumeMode": "Block"}})), vec![mid(), pv("blk", "9Gi", json!({"spec": {"volumeMode": "Block"}}))], Some("blk")),
        ("selector filters by label", pvc(json!({"spec": {"selector": {"matchLabels": {"tier": "gold"}}}})), vec![mid(), pv("gold", "9Gi", json!({"metadata": {"labels": {"tier": "gold"}}}))], Some("gold")),
        ("only Available volumes", pvc(json!({})), vec![pv("rel", "5Gi", json!({"status": {"phase": "Released"}})), big()], Some("big")),
        ("claimed by another claim", pvc(json!({})), vec![pv("taken", "5Gi", json!({"spec": {"claimRef": {"namespace": "default", "name": "other"}}}))], None),
        ("pre-bound volume wins over a smaller one", pvc(json!({})), vec![mid(), pv("pre", "9Gi", json!({"spec": {"claimRef": {"namespace": "default", "name": "data"}}, "status": {"phase": "Pending"}}))], Some("pre")),
        ("pre-bound to another uid", pvc(json!({})), vec![pv("pre", "9Gi", json!({"spec": {"claimRef": {"namespace": "default", "name": "data", "uid": "u-2"}}}))], None),
        ("ties go to the first by name", pvc(json!({})), vec![pv("a", "5Gi", json!({})), pv("b", "5Gi", json!({}))], Some("a")),
    ];
    for (what, claim, volumes, want) in cases {
        let got = find_best_match(&claim, &volumes, None).and_then(|v| v.metadata.name.as_deref());
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn delayed_claims_only_bind_to_volumes_reachable_from_the_selected_node() {
    let affinity = |node: &str| {
        json!({"spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}
        ]}]}}}})
    };
    let volumes = vec![pv("on-1", "5Gi", affinity("node-1")), pv("on-2", "8Gi", affinity("node-2"))];
    let labels = |n: &str| std::collections::BTreeMap::from([("kubernetes.io/hostname".to_string(), n.to_string())]);
    let claim = pvc(json!({}));
    for (node, want) in [("node-1", Some("on-1")), ("node-2", Some("on-2")), ("node-3", None)] {
        let l = labels(node);
        let got = find_best_match(&claim, &volumes, Some(&Node { name: node, labels: Some(&l) }));
        assert_eq!(got.and_then(|v| v.metadata.name.as_deref()), want, "{node}");
    }
    // Without a node every Available volume is a candidate.
    assert_eq!(find_best_match(&claim, &volumes, None).and_then(|v| v.metadata.name.as_deref()), Some("on-1"));
}
