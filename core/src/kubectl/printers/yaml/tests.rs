use super::*;
use serde_json::json;

#[test]
fn kubectl_style_layout() {
    let v = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": {}},
        "spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}], "args": ["-c", "x"]}
        ], "volumes": []},
        "status": {}
    });
    let want = "\
apiVersion: v1
kind: Pod
metadata:
  annotations: {}
  labels:
    app: web
  name: web
spec:
  containers:
  - args:
    - -c
    - x
    image: nginx:1.25
    name: nginx
    ports:
    - containerPort: 80
  volumes: []
status: {}
";
    assert_eq!(to_yaml(&v), want);
}

#[test]
fn strings_that_read_as_other_types_are_double_quoted() {
    let cases: &[(&str, &str)] = &[
        ("80", "\"80\""),
        ("true", "\"true\""),
        ("yes", "\"yes\""),
        ("n", "\"n\""),
        ("1.5", "\"1.5\""),
        ("", "\"\""),
        ("null", "\"null\""),
        ("~", "\"~\""),
        ("0x1F", "\"0x1F\""),
        ("1e3", "\"1e3\""),
        ("1_000", "\"1_000\""),
        ("12:30", "\"12:30\""),
        ("2024-01-01T00:00:00Z", "\"2024-01-01T00:00:00Z\""),
        ("2024-01-01", "\"2024-01-01\""),
        (".5", "\".5\""),
        ("10.244.1.2", "10.244.1.2"),
        ("500m", "500m"),
        ("nginx:1.25", "nginx:1.25"),
        ("2024-13-01", "2024-13-01"),
        ("-", "'-'"),
        ("-c", "-c"),
        ("*", "'*'"),
        ("a: b", "'a: b'"),
        ("a:b", "a:b"),
        ("trailing:", "'trailing:'"),
        ("# x", "'# x'"),
        ("a #b", "'a #b'"),
        ("a#b", "a#b"),
        (" lead", "' lead'"),
        ("it's", "it's"),
        ("{x}", "'{x}'"),
        ("'q'", "'''q'''"),
        ("tab\there", "\"tab\\there\""),
        ("---", "'---'"),
        ("ünïcode", "ünïcode"),
    ];
    for (input, want) in cases {
        let got = to_yaml(&json!({ "k": input }));
        assert_eq!(got, format!("k: {want}\n"), "{input:?}");
    }
}

#[test]
fn multi_line_strings_use_literal_blocks() {
    let v = json!({"data": {"a.conf": "line1\nline2\n", "b": "x\ny", "c": "x\n\n", "d": "bad \nx"}});
    let want = "data:\n  a.conf: |\n    line1\n    line2\n  b: |-\n    x\n    y\n  c: |+\n    x\n\n  d: \"bad \\nx\"\n";
    assert_eq!(to_yaml(&v), want);
}

#[test]
fn long_plain_values_fold_after_column_80() {
    let msg = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
    let got = to_yaml(&json!({"status": {"message": msg}}));
    let want = "status:\n  message: '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are\n    available: 3 No preemption victims found for incoming pod.'\n";
    assert_eq!(got, want);
}

#[test]
fn keys_sort_in_go_yaml_natural_order() {
    let mut keys = vec!["b", "a10", "a9", "A", "_x", "app.kubernetes.io/name", "app"];
    keys.sort_by(|a, b| key_order(a, b));
    assert_eq!(keys, vec!["_x", "A", "a9", "a10", "app", "app.kubernetes.io/name", "b"]);
}

#[test]
fn nested_sequences_and_scalars_in_lists() {
    let v = json!({"a": [["x", "z"], {}, [], null, 3, 0.5]});
    assert_eq!(to_yaml(&v), "a:\n- - x\n  - z\n- {}\n- []\n- null\n- 3\n- 0.5\n");
}
