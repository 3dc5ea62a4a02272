//! Custom resources against a CRD's schema: pruning, defaults, validation messages, strict
//! decoding, and discovery by the names kubectl accepts.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{CustomResourceDefinition, JSONSchemaProps};
use serde_json::{json, Value};

use super::{check, coerce, crd, decode, Discovery};
use crate::api::decode::DecodeFailure;
use crate::api::kinds::Kind;

fn established_crd() -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "crontabs.stable.example.com"},
        "spec": {
            "group": "stable.example.com",
            "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "listKind": "CronTabList", "shortNames": ["ct"], "categories": ["all"]},
            "versions": [
                {"name": "v1beta1", "served": true, "storage": false, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
                {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": schema()}},
                {"name": "v0", "served": false, "storage": false, "schema": {"openAPIV3Schema": {"type": "object"}}}
            ]
        },
        "status": {
            "acceptedNames": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "listKind": "CronTabList", "shortNames": ["ct"], "categories": ["all"]},
            "conditions": [{"type": "Established", "status": "True"}],
            "storedVersions": ["v1"]
        }
    }))
    .unwrap()
}

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "required": ["cronSpec"],
                "properties": {
                    "cronSpec": {"type": "string", "maxLength": 20},
                    "replicas": {"type": "integer", "minimum": 1, "maximum": 10, "default": 1},
                    "ratio": {"type": "number", "exclusiveMaximum": true, "maximum": 1.5},
                    "paused": {"type": "boolean"},
                    "size": {"type": "string", "enum": ["small", "large"]},
                    "port": {"x-kubernetes-int-or-string": true},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "raw": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "items": {"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
                    "note": {"type": "string", "nullable": true}
                }
            }
        }
    })
}

fn props(v: Value) -> JSONSchemaProps {
    serde_json::from_value(v).unwrap()
}

fn messages(obj: Value) -> Vec<String> {
    check::validate(&obj, &props(schema())).iter().map(ToString::to_string).collect()
}

#[test]
fn values_are_checked_with_kube_openapi_messages() {
    let cases: &[(Value, &[&str])] = &[
        (json!({"spec": {"cronSpec": "* * * * *"}}), &[]),
        (json!({"spec": {"cronSpec": "x", "replicas": 1.0, "port": "http", "note": null}}), &[]),
        (json!({"spec": {}}), &["spec.cronSpec: Required value"]),
        (
            json!({"spec": {"cronSpec": 5}}),
            &[r#"spec.cronSpec: Invalid value: "integer": spec.cronSpec in body must be of type string: "integer""#],
        ),
        (
            json!({"spec": {"cronSpec": "x", "replicas": "three"}}),
            &[r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#],
        ),
        (
            json!({"spec": {"cronSpec": "x", "replicas": 0}}),
            &["spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"],
        ),
        (
            json!({"spec": {"cronSpec": "x", "replicas": 11}}),
            &["spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"],
        ),
        (
            json!({"spec": {"cronSpec": "x", "ratio": 1.5}}),
            &["spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1.5"],
        ),
        (
            json!({"spec": {"cronSpec": "x", "size": "huge"}}),
            &[r#"spec.size: Unsupported value: "huge": supported values: "small", "large""#],
        ),
        (
            json!({"spec": {"cronSpec": "x", "paused": "yes"}}),
            &[r#"spec.paused: Invalid value: "string": spec.paused in body must be of type boolean: "string""#],
        ),
        (
            json!({"spec": {"cronSpec": "012345678901234567890"}}),
            &["spec.cronSpec: Too long: may not be more than 20 bytes"],
        ),
        (
            json!({"spec": {"cronSpec": "x", "labels": {"a": 1}}}),
            &[r#"spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer""#],
        ),
        (
            json!({"spec": {"cronSpec": "x", "items": [{"name": 1}, {}, {}]}}),
            &[
                r#"spec.items[0].name: Invalid value: "integer": spec.items[0].name in body must be of type string: "integer""#,
                "spec.items: Too many: 3: must have at most 2 items",
            ],
        ),
    ];
    for (obj, want) in cases {
        assert_eq!(messages(obj.clone()), *want, "{obj}");
    }
}

#[test]
fn pruning_reports_undeclared_fields_sorted_and_keeps_meta_and_preserved_ones() {
    let mut obj = json!({
        "apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "a", "labels": {"x": "y"}},
        "spec": {"cronSpec": "x", "zeta": 1, "alpha": {"b": 2}, "raw": {"anything": [1]}, "items": [{"name": "a", "extra": true}]},
        "status": {"phase": "x"}
    });
    let pruned = coerce::prune(&mut obj, Some(&props(schema())));
    assert_eq!(pruned, ["spec.alpha", "spec.items[0].extra", "spec.zeta", "status"]);
    assert_eq!(obj["spec"], json!({"cronSpec": "x", "raw": {"anything": [1]}, "items": [{"name": "a"}]}));
    assert_eq!(obj["metadata"]["labels"]["x"], "y");
}

#[test]
fn defaults_fill_absent_fields_and_disallowed_nulls() {
    let s = props(schema());
    let mut obj = json!({"spec": {"cronSpec": "x", "replicas": null, "note": null}});
    coerce::drop_nulls(&mut obj, Some(&s));
    coerce::apply_defaults(&mut obj, Some(&s));
    assert_eq!(obj["spec"], json!({"cronSpec": "x", "replicas": 1, "note": null}));
    let mut without = json!({"spec": {"cronSpec": "x", "paused": null}});
    coerce::drop_nulls(&mut without, Some(&s));
    assert_eq!(without["spec"], json!({"cronSpec": "x"}), "a null without default or nullable is dropped");
}

#[test]
fn strict_decoding_refuses_undeclared_fields() {
    let crd = established_crd();
    let kind = Discovery::new([&crd]).lookup("stable.example.com/v1", "CronTab").unwrap();
    let doc = json!({"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "a", "nmespace": "x"}, "spec": {"cronSpec": "x", "foo": 1}});
    let err = decode(&doc, "cr.yaml", kind, &crd).unwrap_err();
    assert_eq!(err.failure, DecodeFailure::UnknownField);
    assert_eq!(
        err.diagnostic.message,
        r#"Error from server (BadRequest): error when creating "cr.yaml": CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "metadata.nmespace", unknown field "spec.foo""#
    );
    let loose = json!({"apiVersion": "stable.example.com/v1beta1", "kind": "CronTab", "metadata": {"name": "a"}, "spec": {"foo": 1}});
    assert!(decode(&loose, "cr.yaml", kind, &crd).is_ok(), "v1beta1 preserves unknown fields");
}

#[test]
fn discovery_resolves_versions_and_command_line_names() {
    let crd = established_crd();
    let d = Discovery::new([&crd]);
    let kind = d.lookup("stable.example.com/v1", "CronTab").expect("served");
    assert!(matches!(kind, Kind::Custom(_)));
    assert_eq!(d.lookup("stable.example.com/v1beta1", "CronTab"), Some(kind));
    assert_eq!(d.lookup("stable.example.com/v0", "CronTab"), None, "not served");
    assert_eq!(d.lookup("stable.example.com/v1", "Crontab"), None, "kinds are case-sensitive");
    for arg in ["crontabs", "crontab", "ct", "CronTab", "crontabs.stable.example.com", "ct.stable.example.com", "crontabs.v1.stable.example.com"] {
        assert_eq!(d.resource(arg), Some(kind), "{arg}");
    }
    for arg in ["crontabs.example.com", "crontabs.v0.stable.example.com", "tabs"] {
        assert_eq!(d.resource(arg), None, "{arg}");
    }
    assert_eq!(d.resource("pods"), Some(Kind::Pod));
    assert_eq!(d.custom()[0].versions, ["v1", "v1beta1"], "preferred version first");
    assert_eq!(d.in_category("all").collect::<Vec<_>>(), [kind]);
    let mut pending = crd.clone();
    pending.status = None;
    assert!(Discovery::new([&pending]).custom().is_empty(), "not established, not served");
}

#[test]
fn printer_columns_default_to_age() {
    let crd = established_crd();
    let cols = crd::printer_columns(&crd, "v1");
    assert_eq!(cols.len(), 1);
    assert_eq!((cols[0].name.as_str(), cols[0].type_.as_str(), cols[0].json_path.as_str()), ("Age", "date", ".metadata.creationTimestamp"));
}
