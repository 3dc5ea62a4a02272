//! CustomResourceDefinition validation, case by case, with the API server's full messages.

use serde_json::{json, Value};

use crate::api::decode::decode;
use crate::api::defaults::apply_defaults;
use crate::api::validate::{kubectl_invalid_message, validate};

fn crontab() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "crontabs.stable.example.com"},
        "spec": {
            "group": "stable.example.com",
            "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {"cronSpec": {"type": "string"}, "replicas": {"type": "integer"}}}
                }}}
            }]
        }
    })
}

/// The message kubectl prints for `doc`, or "" when it is valid.
fn message(doc: &Value) -> String {
    let mut obj = decode(doc, "crd.yaml").expect("decodes");
    apply_defaults(&mut obj);
    let errors = validate(&obj);
    if errors.is_empty() {
        String::new()
    } else {
        kubectl_invalid_message(obj.kind(), obj.name(), &errors)
    }
}

#[test]
fn crd_rules_with_the_servers_messages() {
    let set = |pointer: &'static str, value: Value| {
        move |v: &mut Value| {
            *v.pointer_mut(pointer).expect("path exists") = value.clone();
        }
    };
    type Case = (&'static str, Box<dyn Fn(&mut Value)>, &'static str);
    let cases: Vec<Case> = vec![
        ("valid", Box::new(|_| {}), ""),
        (
            "name must be plural.group",
            Box::new(set("/metadata/name", json!("crontab.stable.example.com"))),
            r#"The CustomResourceDefinition "crontab.stable.example.com" is invalid: metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group"#,
        ),
        (
            "group needs a dot",
            Box::new(|v: &mut Value| {
                v["spec"]["group"] = json!("example");
                v["metadata"]["name"] = json!("crontabs.example");
            }),
            r#"The CustomResourceDefinition "crontabs.example" is invalid: spec.group: Invalid value: "example": should be a domain with at least one dot"#,
        ),
        (
            "scope",
            Box::new(set("/spec/scope", json!("Global"))),
            r#"The CustomResourceDefinition "crontabs.stable.example.com" is invalid: spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#,
        ),
        (
            "a schema per version",
            Box::new(|v: &mut Value| {
                v["spec"]["versions"][0].as_object_mut().unwrap().remove("schema");
            }),
            r#"The CustomResourceDefinition "crontabs.stable.example.com" is invalid: spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"#,
        ),
        (
            "exactly one storage version",
            Box::new(set("/spec/versions/0/storage", json!(false))),
            "The CustomResourceDefinition \"crontabs.stable.example.com\" is invalid: \n\
             * spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:\"v1\", Served:true, Storage:false, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}: must have exactly one version marked as storage version\n\
             * status.storedVersions: Invalid value: []string(nil): must have at least one stored version",
        ),
        (
            "at least one version",
            Box::new(set("/spec/versions", json!([]))),
            "The CustomResourceDefinition \"crontabs.stable.example.com\" is invalid: \n\
             * spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version\n\
             * status.storedVersions: Invalid value: []string(nil): must have at least one stored version",
        ),
        (
            "kind is required",
            Box::new(|v: &mut Value| {
                v["spec"]["names"] = json!({"plural": "crontabs"});
            }),
            "The CustomResourceDefinition \"crontabs.stable.example.com\" is invalid: \n\
             * spec.names.singular: Required value\n\
             * spec.names.kind: Required value\n\
             * spec.names.listKind: Required value",
        ),
        (
            "plural is a DNS-1035 label",
            Box::new(|v: &mut Value| {
                v["spec"]["names"]["plural"] = json!("CronTabs");
                v["metadata"]["name"] = json!("CronTabs.stable.example.com");
            }),
            "The CustomResourceDefinition \"CronTabs.stable.example.com\" is invalid: \n\
             * metadata.name: Invalid value: \"CronTabs.stable.example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n\
             * spec.names.plural: Invalid value: \"CronTabs\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ),
        (
            "kind and listKind differ",
            Box::new(|v: &mut Value| v["spec"]["names"]["listKind"] = json!("CronTab")),
            r#"The CustomResourceDefinition "crontabs.stable.example.com" is invalid: spec.names.listKind: Invalid value: "CronTab": kind and listKind may not be the same"#,
        ),
        (
            "structural: types everywhere",
            Box::new(|v: &mut Value| {
                v["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = json!({"properties": {"spec": {"properties": {"tags": {"type": "array", "items": {}}}}}});
            }),
            "The CustomResourceDefinition \"crontabs.stable.example.com\" is invalid: \n\
             * spec.validation.openAPIV3Schema.properties[spec].properties[tags].items.type: Required value: must not be empty for specified array items\n\
             * spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields\n\
             * spec.validation.openAPIV3Schema.type: Required value: must not be empty at the root",
        ),
        (
            "supported types",
            Box::new(set("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/replicas/type", json!("int"))),
            r#"The CustomResourceDefinition "crontabs.stable.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].properties[replicas].type: Unsupported value: "int": supported values: "array", "boolean", "integer", "number", "object", "string""#,
        ),
        (
            "root must be an object",
            Box::new(set("/spec/versions/0/schema/openAPIV3Schema", json!({"type": "string"}))),
            r#"The CustomResourceDefinition "crontabs.stable.example.com" is invalid: spec.validation.openAPIV3Schema.type: Invalid value: "string": must be object at the root"#,
        ),
        (
            "printer column type",
            Box::new(|v: &mut Value| v["spec"]["versions"][0]["additionalPrinterColumns"] = json!([{"name": "Spec", "type": "text", "jsonPath": ".spec.cronSpec"}])),
            r#"The CustomResourceDefinition "crontabs.stable.example.com" is invalid: spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string"#,
        ),
        (
            "printer column path",
            Box::new(|v: &mut Value| v["spec"]["versions"][0]["additionalPrinterColumns"] = json!([{"name": "Spec", "type": "string", "jsonPath": "spec.cronSpec"}])),
            r#"The CustomResourceDefinition "crontabs.stable.example.com" is invalid: spec.additionalPrinterColumns[0].JSONPath: Invalid value: "spec.cronSpec": must be a simple json path starting with ."#,
        ),
        (
            "protected groups need approval",
            Box::new(|v: &mut Value| {
                v["spec"]["group"] = json!("stable.k8s.io");
                v["metadata"]["name"] = json!("crontabs.stable.k8s.io");
            }),
            r#"The CustomResourceDefinition "crontabs.stable.k8s.io" is invalid: metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111"#,
        ),
    ];
    for (name, mutate, want) in cases {
        let mut doc = crontab();
        mutate(&mut doc);
        assert_eq!(message(&doc), want, "{name}");
    }
}

#[test]
fn defaults_fill_singular_list_kind_conversion_and_stored_version() {
    let mut doc = crontab();
    doc["spec"]["names"] = json!({"plural": "crontabs", "kind": "CronTab"});
    let mut obj = decode(&doc, "crd.yaml").unwrap();
    apply_defaults(&mut obj);
    let v = obj.to_value();
    assert_eq!(v["spec"]["names"]["singular"], "crontab");
    assert_eq!(v["spec"]["names"]["listKind"], "CronTabList");
    assert_eq!(v["spec"]["conversion"], json!({"strategy": "None"}));
    assert_eq!(v["status"]["storedVersions"], json!(["v1"]));
    let again = obj.clone();
    apply_defaults(&mut obj);
    assert_eq!(obj, again, "defaulting is idempotent");
}

#[test]
fn per_version_schemas_keep_their_paths() {
    let mut doc = crontab();
    let mut v2 = doc["spec"]["versions"][0].clone();
    v2["name"] = json!("v2");
    v2["storage"] = json!(false);
    v2["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["replicas"]["type"] = json!("");
    doc["spec"]["versions"].as_array_mut().unwrap().push(v2);
    assert_eq!(
        message(&doc),
        "The CustomResourceDefinition \"crontabs.stable.example.com\" is invalid: spec.versions[1].schema.openAPIV3Schema.properties[spec].properties[replicas].type: Required value: must not be empty for specified object fields"
    );
}
