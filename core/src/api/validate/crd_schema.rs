//! The parts of a CRD version that describe its objects: the OpenAPI v3 schema (which must be
//! structural and use only the supported keywords), the printer columns and the subresources.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceSubresources, CustomResourceValidation, JSONSchemaProps, JSONSchemaPropsOrArray,
    JSONSchemaPropsOrBool,
};

use super::{go_quote, BadValue, FieldError};

const OPENAPI_TYPES: &[&str] = &["array", "boolean", "integer", "number", "object", "string"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Root,
    Field,
    Item,
}

/// `validateCustomResourceDefinitionValidation` for the schema at `path` (`spec.validation` or
/// `spec.versions[i].schema`).
pub(super) fn validation(v: &CustomResourceValidation, path: &str, status_enabled: bool, errs: &mut Vec<FieldError>) {
    let Some(schema) = &v.open_api_v3_schema else { return };
    let base = format!("{path}.openAPIV3Schema");
    let ty = schema.type_.as_deref().unwrap_or("");
    if status_enabled && !ty.is_empty() && ty != "object" {
        errs.push(FieldError::invalid(
            format!("{base}.type"),
            BadValue::Str(ty.into()),
            r#"only "object" is allowed as the type at the root of the schema if the status subresource is enabled"#,
        ));
    }
    if schema.nullable == Some(true) {
        errs.push(FieldError::forbidden(format!("{base}.nullable"), "nullable cannot be true at the root"));
    }
    let mut structural_errs = Vec::new();
    structural(schema, &base, Level::Root, &mut structural_errs);
    structural_errs.sort_by_key(|e| e.to_string());
    errs.extend(structural_errs);
    openapi(schema, &base, errs);
}

fn prop<'a>(s: &'a JSONSchemaProps, name: &str) -> Option<&'a JSONSchemaProps> {
    s.properties.as_ref().and_then(|p| p.get(name))
}

fn item(s: &JSONSchemaProps) -> Option<&JSONSchemaProps> {
    match s.items.as_ref()? {
        JSONSchemaPropsOrArray::Schema(b) => Some(b),
        JSONSchemaPropsOrArray::Schemas(_) => None,
    }
}

/// The structural-schema invariants (`validateStructuralInvariants`).
fn structural(s: &JSONSchemaProps, path: &str, level: Level, errs: &mut Vec<FieldError>) {
    let ty = s.type_.as_deref().unwrap_or("");
    let embedded = s.x_kubernetes_embedded_resource == Some(true);
    if embedded && ty != "object" {
        let detail = "must be object if x-kubernetes-embedded-resource is true";
        errs.push(if ty.is_empty() {
            FieldError::required(format!("{path}.type"), detail)
        } else {
            FieldError::invalid(format!("{path}.type"), BadValue::Str(ty.into()), detail)
        });
    } else if ty.is_empty() && s.x_kubernetes_int_or_string != Some(true) && s.x_kubernetes_preserve_unknown_fields != Some(true) {
        let detail = match level {
            Level::Root => "must not be empty at the root",
            Level::Item => "must not be empty for specified array items",
            Level::Field => "must not be empty for specified object fields",
        };
        errs.push(FieldError::required(format!("{path}.type"), detail));
    }
    if embedded && s.additional_properties.is_some() {
        errs.push(FieldError::forbidden(format!("{path}.additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"));
    }
    if level == Level::Root && !ty.is_empty() && ty != "object" {
        errs.push(FieldError::invalid(format!("{path}.type"), BadValue::Str(ty.into()), "must be object at the root"));
    }
    if level == Level::Root || embedded {
        for (name, want) in [("kind", "string"), ("apiVersion", "string"), ("metadata", "object")] {
            if let Some(p) = prop(s, name) {
                let got = p.type_.as_deref().unwrap_or("");
                if got != want {
                    errs.push(FieldError::invalid(format!("{path}.properties[{name}].type"), BadValue::Str(got.into()), format!("must be {want}")));
                }
            }
        }
    }
    if level == Level::Root {
        if let Some(meta) = prop(s, "metadata") {
            let extra = meta.properties.iter().flatten().any(|(k, _)| k != "name" && k != "generateName");
            let constrained = meta.required.is_some() || meta.enum_.is_some() || meta.additional_properties.is_some();
            if extra || constrained {
                errs.push(FieldError::forbidden(
                    format!("{path}.properties[metadata]"),
                    "must not specify anything other than name and generateName, but metadata is implicitly specified",
                ));
            }
        }
    }
    if ty == "array" && s.items.is_none() {
        errs.push(FieldError::required(format!("{path}.items"), "must be specified"));
    }
    for (name, p) in s.properties.iter().flatten() {
        structural(p, &format!("{path}.properties[{name}]"), Level::Field, errs);
    }
    if let Some(i) = item(s) {
        structural(i, &format!("{path}.items"), Level::Item, errs);
    }
    if let Some(JSONSchemaPropsOrBool::Schema(ap)) = &s.additional_properties {
        structural(ap, &format!("{path}.additionalProperties"), Level::Field, errs);
    }
}

/// `ValidateCustomResourceDefinitionOpenAPISchema`: the keywords a CRD schema may use.
fn openapi(s: &JSONSchemaProps, path: &str, errs: &mut Vec<FieldError>) {
    let ty = s.type_.as_deref().unwrap_or("");
    if !ty.is_empty() && !OPENAPI_TYPES.contains(&ty) {
        errs.push(FieldError::unsupported(format!("{path}.type"), BadValue::Str(ty.into()), OPENAPI_TYPES));
    }
    let forbidden = [
        ("id", s.id.is_some(), "id is not supported"),
        ("additionalItems", s.additional_items.is_some(), "additionalItems is not supported"),
        ("patternProperties", s.pattern_properties.as_ref().is_some_and(|p| !p.is_empty()), "patternProperties is not supported"),
        ("definitions", s.definitions.as_ref().is_some_and(|d| !d.is_empty()), "definitions is not supported"),
        ("dependencies", s.dependencies.is_some(), "dependencies is not supported"),
        ("$ref", s.ref_path.is_some(), "$ref is not supported"),
        ("type", ty == "null", "type cannot be set to null, use nullable as an alternative"),
        ("items", matches!(s.items, Some(JSONSchemaPropsOrArray::Schemas(_))), "items must be a schema object and not an array"),
        ("uniqueItems", s.unique_items == Some(true), "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"),
    ];
    for (field, hit, detail) in forbidden {
        if hit {
            errs.push(FieldError::forbidden(format!("{path}.{field}"), detail));
        }
    }
    if let Some(ap) = &s.additional_properties {
        let restricts = !matches!(ap, JSONSchemaPropsOrBool::Bool(true));
        if s.properties.as_ref().is_some_and(|p| !p.is_empty()) && restricts {
            errs.push(FieldError::forbidden(format!("{path}.additionalProperties"), "additionalProperties and properties are mutual exclusive"));
        }
        if let JSONSchemaPropsOrBool::Schema(ap) = ap {
            openapi(ap, &format!("{path}.additionalProperties"), errs);
        }
    }
    for (name, p) in s.properties.iter().flatten() {
        openapi(p, &format!("{path}.properties[{name}]"), errs);
    }
    if let Some(not) = &s.not {
        openapi(not, &format!("{path}.not"), errs);
    }
    for (field, list) in [("allOf", &s.all_of), ("oneOf", &s.one_of), ("anyOf", &s.any_of)] {
        for (i, sub) in list.iter().flatten().enumerate() {
            openapi(sub, &format!("{path}.{field}[{i}]"), errs);
        }
    }
    if let Some(i) = item(s) {
        openapi(i, &format!("{path}.items"), errs);
    }
    if s.x_kubernetes_preserve_unknown_fields == Some(false) {
        errs.push(FieldError::invalid(format!("{path}.x-kubernetes-preserve-unknown-fields"), BadValue::Bool(false), "must be true or undefined"));
    }
    if let Some(map_type) = &s.x_kubernetes_map_type {
        if ty != "object" {
            let detail = "must be object if x-kubernetes-map-type is specified";
            errs.push(if ty.is_empty() {
                FieldError::required(format!("{path}.type"), detail)
            } else {
                FieldError::invalid(format!("{path}.type"), BadValue::Str(ty.into()), detail)
            });
        }
        if map_type != "atomic" && map_type != "granular" {
            errs.push(FieldError::unsupported(format!("{path}.x-kubernetes-map-type"), BadValue::Str(map_type.clone()), &["atomic", "granular"]));
        }
    }
    if let Some(list_type) = &s.x_kubernetes_list_type {
        if ty != "array" {
            let detail = "must be array if x-kubernetes-list-type is specified";
            errs.push(if ty.is_empty() {
                FieldError::required(format!("{path}.type"), detail)
            } else {
                FieldError::invalid(format!("{path}.type"), BadValue::Str(ty.into()), detail)
            });
        }
        if !matches!(list_type.as_str(), "atomic" | "set" | "map") {
            errs.push(FieldError::unsupported(format!("{path}.x-kubernetes-list-type"), BadValue::Str(list_type.clone()), &["atomic", "set", "map"]));
        }
        if list_type == "map" && s.x_kubernetes_list_map_keys.as_ref().is_none_or(Vec::is_empty) {
            errs.push(FieldError::required(format!("{path}.x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"));
        }
    }
}

/// Does the schema set a `default` anywhere?
pub(super) fn has_defaults(v: &CustomResourceValidation) -> bool {
    fn walk(s: &JSONSchemaProps) -> bool {
        s.default.is_some()
            || s.properties.iter().flatten().any(|(_, p)| walk(p))
            || item(s).is_some_and(walk)
            || matches!(&s.additional_properties, Some(JSONSchemaPropsOrBool::Schema(ap)) if walk(ap))
    }
    v.open_api_v3_schema.as_ref().is_some_and(walk)
}

/// `ValidateCustomResourceColumnDefinition`.
pub(super) fn printer_column(c: &CustomResourceColumnDefinition, path: &str, errs: &mut Vec<FieldError>) {
    const TYPES: &str = "must be one of boolean,date,integer,number,string";
    const FORMATS: &[&str] = &["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];
    if c.name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    }
    if c.type_.is_empty() {
        errs.push(FieldError::required(format!("{path}.type"), TYPES));
    } else if !matches!(c.type_.as_str(), "boolean" | "date" | "integer" | "number" | "string") {
        errs.push(FieldError::invalid(format!("{path}.type"), BadValue::Str(c.type_.clone()), TYPES));
    }
    if let Some(f) = c.format.as_deref().filter(|f| !f.is_empty() && !FORMATS.contains(f)) {
        errs.push(FieldError::invalid(format!("{path}.format"), BadValue::Str(f.into()), format!("must be one of {}", FORMATS.join(","))));
    }
    json_path(&c.json_path, &format!("{path}.JSONPath"), errs);
}

/// `validateSimpleJSONPath`; an empty path is `Required`.
fn json_path(p: &str, path: &str, errs: &mut Vec<FieldError>) {
    if p.is_empty() {
        errs.push(FieldError::required(path, ""));
    } else if !p.starts_with('.') {
        errs.push(FieldError::invalid(path, BadValue::Str(p.into()), "must be a simple json path starting with ."));
    }
}

/// `ValidateCustomResourceDefinitionSubresources`: the scale subresource's paths.
pub(super) fn subresources(s: &CustomResourceSubresources, path: &str, errs: &mut Vec<FieldError>) {
    let Some(scale) = &s.scale else { return };
    for (field, value, under) in [
        ("specReplicasPath", scale.spec_replicas_path.as_str(), ".spec."),
        ("statusReplicasPath", scale.status_replicas_path.as_str(), ".status."),
    ] {
        let p = format!("{path}.scale.{field}");
        if value.is_empty() {
            errs.push(FieldError::required(p, ""));
        } else if !value.starts_with('.') {
            errs.push(FieldError::invalid(p, BadValue::Str(value.into()), "must be a simple json path starting with ."));
        } else if !value.starts_with(under) {
            let detail = format!("should be a json path under {}", under.trim_end_matches('.'));
            errs.push(FieldError::invalid(p, BadValue::Str(value.into()), detail));
        }
    }
}

/// Go's `%#v` of `[]apiextensions.CustomResourceColumnDefinition`.
pub(super) fn go_columns(cols: &[CustomResourceColumnDefinition]) -> String {
    if cols.is_empty() {
        return "[]apiextensions.CustomResourceColumnDefinition(nil)".into();
    }
    let items: Vec<String> = cols
        .iter()
        .map(|c| {
            format!(
                "apiextensions.CustomResourceColumnDefinition{{Name:{}, Type:{}, Format:{}, Description:{}, Priority:{}, JSONPath:{}}}",
                go_quote(&c.name),
                go_quote(&c.type_),
                go_quote(c.format.as_deref().unwrap_or("")),
                go_quote(c.description.as_deref().unwrap_or("")),
                c.priority.unwrap_or(0),
                go_quote(&c.json_path)
            )
        })
        .collect();
    format!("[]apiextensions.CustomResourceColumnDefinition{{{}}}", items.join(", "))
}
