//! What the API server does to a custom resource's JSON before it validates it, following the
//! version's structural schema: prune the fields the schema does not declare (returning their
//! paths, which strict field validation reports), drop `null`s the schema does not allow, and
//! fill in `default`s.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool};
use serde_json::Value;

/// The fields every resource keeps whatever its schema says.
const META_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// `PruneWithOptions(obj, schema, isResourceRoot=true)`: removes undeclared fields from a whole
/// resource and returns their paths (`spec.foo`, `spec.items[0].bar`), sorted.
pub fn prune(obj: &mut Value, schema: Option<&JSONSchemaProps>) -> Vec<String> {
    let empty = JSONSchemaProps::default();
    let mut out = Vec::new();
    prune_node(obj, Some(schema.unwrap_or(&empty)), true, &mut String::new(), &mut out);
    out.sort();
    out
}

fn items(s: &JSONSchemaProps) -> Option<&JSONSchemaProps> {
    match s.items.as_ref()? {
        JSONSchemaPropsOrArray::Schema(b) => Some(b),
        JSONSchemaPropsOrArray::Schemas(_) => None,
    }
}

fn additional(s: &JSONSchemaProps) -> Option<&JSONSchemaPropsOrBool> {
    s.additional_properties.as_ref()
}

fn preserves(s: &JSONSchemaProps) -> bool {
    s.x_kubernetes_preserve_unknown_fields == Some(true)
}

fn push_key(path: &mut String, key: &str) -> usize {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
    len
}

fn prune_node(x: &mut Value, s: Option<&JSONSchemaProps>, resource: bool, path: &mut String, out: &mut Vec<String>) {
    let keep_unknown = s.is_some_and(preserves);
    match x {
        Value::Object(m) => {
            let embedded = resource || s.is_some_and(|s| s.x_kubernetes_embedded_resource == Some(true));
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                if embedded && s.is_some() && META_FIELDS.contains(&k.as_str()) {
                    continue;
                }
                let declared = s.and_then(|s| s.properties.as_ref()).and_then(|p| p.get(&k));
                let len = push_key(path, &k);
                match (declared, s.and_then(additional)) {
                    (Some(prop), _) => prune_node(&mut m[&k], Some(prop), false, path, out),
                    (None, Some(JSONSchemaPropsOrBool::Schema(ap))) => prune_node(&mut m[&k], Some(ap), false, path, out),
                    (None, Some(JSONSchemaPropsOrBool::Bool(true))) => {}
                    _ if keep_unknown => {}
                    _ => {
                        out.push(path.clone());
                        m.remove(&k);
                    }
                }
                path.truncate(len);
            }
        }
        Value::Array(list) => {
            let item = s.and_then(items);
            if keep_unknown && item.is_none() {
                return;
            }
            for (i, v) in list.iter_mut().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                prune_node(v, item, false, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn has_default(s: &JSONSchemaProps) -> bool {
    s.default.is_some()
}

fn nullable(s: &JSONSchemaProps) -> bool {
    s.nullable == Some(true)
}

/// `PruneNonNullableNullsWithoutDefaults`: a `null` the schema neither allows nor defaults is
/// dropped, as if the field were absent.
pub fn drop_nulls(x: &mut Value, s: Option<&JSONSchemaProps>) {
    let Some(s) = s else { return };
    match x {
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                let declared = s.properties.as_ref().and_then(|p| p.get(&k));
                let schema = match (declared, additional(s)) {
                    (Some(p), _) => p,
                    (None, Some(JSONSchemaPropsOrBool::Schema(ap))) => ap,
                    _ => continue,
                };
                if m[&k].is_null() && !has_default(schema) && !nullable(schema) {
                    m.remove(&k);
                } else {
                    drop_nulls(&mut m[&k], Some(schema));
                }
            }
        }
        Value::Array(list) => {
            for v in list {
                drop_nulls(v, items(s));
            }
        }
        _ => {}
    }
}

fn non_nullable_null(v: &Value, s: Option<&JSONSchemaProps>) -> bool {
    v.is_null() && s.is_some_and(|s| has_default(s) && !nullable(s))
}

/// `structuraldefaulting.Default`: absent fields (and `null`s the schema does not allow) get the
/// schema's `default`, at every depth, defaults inside defaults included.
pub fn apply_defaults(x: &mut Value, s: Option<&JSONSchemaProps>) {
    let Some(s) = s else { return };
    match x {
        Value::Object(m) => {
            for (k, prop) in s.properties.iter().flatten() {
                let Some(default) = &prop.default else { continue };
                let missing = m.get(k).is_none_or(|v| non_nullable_null(v, Some(prop)));
                if missing {
                    m.insert(k.clone(), default.0.clone());
                }
            }
            for (k, v) in m.iter_mut() {
                match (s.properties.as_ref().and_then(|p| p.get(k)), additional(s)) {
                    (Some(prop), _) => apply_defaults(v, Some(prop)),
                    (None, Some(JSONSchemaPropsOrBool::Schema(ap))) => {
                        if non_nullable_null(v, Some(ap)) {
                            if let Some(d) = &ap.default {
                                *v = d.0.clone();
                            }
                        }
                        apply_defaults(v, Some(ap));
                    }
                    _ => {}
                }
            }
        }
        Value::Array(list) => {
            let item = items(s);
            for v in list {
                if non_nullable_null(v, item) {
                    if let Some(d) = item.and_then(|i| i.default.as_ref()) {
                        *v = d.0.clone();
                    }
                }
                apply_defaults(v, item);
            }
        }
        _ => {}
    }
}
