//! The files the volume plugins write for each kind of source, and their SetUp errors.

use super::*;

fn obj(v: serde_json::Value) -> Arc<Object> {
    let kind = match v["kind"].as_str() {
        Some("ConfigMap") => Kind::ConfigMap,
        Some("Secret") => Kind::Secret,
        _ => Kind::Pod,
    };
    Arc::new(Object::from_value(kind, v).unwrap())
}

#[test]
fn set_up_errors_and_optional_sources_read_as_the_plugins_word_them() {
    let pod = obj(serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": []}}));
    let cm = obj(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "ns"}, "data": {"a": "1"}}));
    let sec = obj(serde_json::json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "ns"}, "data": {"k": "dg=="}}));
    let Object::Pod(pod) = pod.as_ref() else { unreachable!() };
    let snap = Snapshot { pod: PodView::of(pod), sources: vec![cm, sec] };
    let addrs = Addrs { pod_ip: None, host_ip: std::net::Ipv4Addr::LOCALHOST };
    let vol = |v: serde_json::Value| -> Volume { serde_json::from_value(v).unwrap() };
    for (spec, want) in [
        (serde_json::json!({"name": "v", "configMap": {"name": "gone"}}), Err("configmap \"gone\" not found".to_string())),
        (serde_json::json!({"name": "v", "configMap": {"name": "gone", "optional": true}}), Ok(vec![])),
        (serde_json::json!({"name": "v", "configMap": {"name": "cm", "items": [{"key": "b", "path": "b"}]}}), Err("configmap references non-existent config key: b".to_string())),
        (serde_json::json!({"name": "v", "configMap": {"name": "cm", "items": [{"key": "a", "path": "x/y", "mode": 256}]}}), Ok(vec![("x/y", "1", 0o400)])),
        (serde_json::json!({"name": "v", "secret": {"secretName": "s", "defaultMode": 384}}), Ok(vec![("k", "v", 0o600)])),
        (serde_json::json!({"name": "v", "secret": {"secretName": "s", "items": [{"key": "z", "path": "z"}]}}), Err("references non-existent secret key: z".to_string())),
        (serde_json::json!({"name": "v", "secret": {"secretName": "nope"}}), Err("secret \"nope\" not found".to_string())),
        (
            serde_json::json!({"name": "v", "projected": {"sources": [{"configMap": {"name": "gone"}}, {"secret": {"name": "nope"}}]}}),
            Err("[configmap \"gone\" not found, secret \"nope\" not found]".to_string()),
        ),
        (
            serde_json::json!({"name": "v", "projected": {"sources": [{"configMap": {"name": "cm"}}, {"downwardAPI": {"items": [{"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}}]}}]}}),
            Ok(vec![("a", "1", 0o644), ("ns", "ns", 0o644)]),
        ),
    ] {
        let got = render(&snap, &vol(spec.clone()), addrs, None).map(|files| {
            files.into_iter().map(|(p, f)| (p, String::from_utf8_lossy(&f.data).into_owned(), f.mode)).collect::<Vec<_>>()
        });
        let want = want.map(|v| v.into_iter().map(|(p, d, m)| (p.to_string(), d.to_string(), m)).collect::<Vec<_>>());
        assert_eq!(got, want, "{spec}");
    }
}

#[test]
fn the_pod_a_snapshot_keeps_renders_every_downward_field_as_the_whole_pod_does() {
    let pod = obj(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "labels": {"app": "web"}, "annotations": {"note": "x"}},
        "spec": {
            "nodeName": "node-1", "serviceAccountName": "sa",
            "initContainers": [{"name": "init", "image": "busybox", "resources": {"limits": {"cpu": "250m"}}}],
            "containers": [{"name": "c", "image": "nginx", "env": [{"name": "A", "value": "1"}], "resources": {"requests": {"memory": "64Mi"}, "limits": {"cpu": "1"}}}]
        },
        "status": {"phase": "Running", "podIP": "10.0.0.9"}
    }));
    let Object::Pod(whole) = pod.as_ref() else { unreachable!() };
    let paths = [
        "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels", "metadata.annotations", "metadata.labels['app']",
        "metadata.annotations['note']", "spec.nodeName", "spec.serviceAccountName", "status.podIP", "status.hostIP",
    ];
    let resources = [("c", "limits.cpu"), ("c", "requests.memory"), ("init", "limits.cpu"), ("c", "limits.memory")];
    let field = |path: &str| serde_json::json!({"path": path.replace(['.', '[', ']', '\''], "_"), "fieldRef": {"fieldPath": path}});
    let resource = |(c, r): (&str, &str)| serde_json::json!({"path": format!("{c}_{r}"), "resourceFieldRef": {"containerName": c, "resource": r}});
    let items: Vec<serde_json::Value> = paths.into_iter().map(field).chain(resources.into_iter().map(resource)).collect();
    let vol = serde_json::json!({"name": "v", "downwardAPI": {"items": items}});
    // The pod as mounted: the volume is part of its spec, so the view keeps what it reads.
    let mut mounted = whole.as_ref().clone();
    mounted.spec.as_mut().unwrap().volumes = Some(vec![serde_json::from_value(vol.clone()).unwrap()]);
    let addrs = Addrs { pod_ip: Some(std::net::Ipv4Addr::new(10, 0, 0, 9)), host_ip: std::net::Ipv4Addr::LOCALHOST };
    let files = render(&Snapshot { pod: PodView::of(&mounted), sources: vec![] }, &serde_json::from_value(vol).unwrap(), addrs, None).unwrap();
    let fields = downward::PodFields::of(whole);
    let mut want = BTreeMap::new();
    for path in paths {
        let sel = k8s_openapi::api::core::v1::ObjectFieldSelector { field_path: path.into(), api_version: None };
        want.insert(path.replace(['.', '[', ']', '\''], "_"), downward::field_value(&sel, &fields, addrs).unwrap());
    }
    for (c, r) in resources {
        let sel = k8s_openapi::api::core::v1::ResourceFieldSelector { container_name: Some(c.into()), resource: r.into(), divisor: None };
        let target = super::super::env::find_container(whole, c).unwrap();
        want.insert(format!("{c}_{r}"), downward::resource_value(&sel, target.resources.as_ref(), None).unwrap());
    }
    let got: BTreeMap<String, String> = files.into_iter().map(|(p, f)| (p, String::from_utf8(f.data).unwrap())).collect();
    assert_eq!(got.len(), 15);
    assert_eq!(got, want);
    assert_eq!(got["metadata_labels"], "app=\"web\"");
    assert_eq!(got["c_limits.cpu"], "1");
}
