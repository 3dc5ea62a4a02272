//! Validation of a custom resource against its version's OpenAPI v3 schema, with the messages
//! kube-openapi's validator produces and `ValidateCustomResource` turns into field errors:
//!
//! ```text
//! spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
//! spec.cronSpec: Required value
//! spec.size: Unsupported value: "huge": supported values: "small", "large"
//! spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1
//! ```
//!
//! Properties are checked in name order (the real validator walks a Go map), then `required`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool};
use serde_json::Value;

use crate::api::validate::{BadValue, FieldError, FieldErrorKind};

/// Every schema violation of `obj` (a whole resource, already pruned and defaulted).
pub fn validate(obj: &Value, schema: &JSONSchemaProps) -> Vec<FieldError> {
    let mut errs = Vec::new();
    node(obj, schema, "", &mut errs);
    errs
}

/// The JSON type kube-openapi reports for a value.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_integral(v: &Value) -> bool {
    v.as_f64().is_some_and(|f| f.fract() == 0.0 && f.is_finite())
}

/// Go's `%v` of a float64: shortest representation, exponent form from 1e21.
pub(crate) fn go_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{}", f as i64);
    }
    let plain = format!("{f}");
    if f.abs() >= 1e21 || (f != 0.0 && f.abs() < 1e-4) {
        let e = format!("{f:e}");
        if let Some((mantissa, exp)) = e.split_once('e') {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
    }
    plain
}

/// The value as a field error shows it.
fn bad_value(v: &Value) -> BadValue {
    match v {
        Value::String(s) => BadValue::Str(s.clone()),
        Value::Bool(b) => BadValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => BadValue::Int(i),
            None => BadValue::Raw(go_float(n.as_f64().unwrap_or(0.0))),
        },
        Value::Null => BadValue::Raw("null".into()),
        other => BadValue::Raw(other.to_string()),
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn type_error(path: &str, expected: &str, actual: &str) -> FieldError {
    FieldError::invalid(path, BadValue::Str(actual.into()), format!("{path} in body must be of type {expected}: \"{actual}\""))
}

fn node(v: &Value, s: &JSONSchemaProps, path: &str, errs: &mut Vec<FieldError>) {
    let actual = json_type(v);
    if v.is_null() {
        let expected = s.type_.as_deref().unwrap_or("");
        if !expected.is_empty() && s.nullable != Some(true) {
            errs.push(type_error(path, expected, "null"));
        }
        return;
    }
    if s.x_kubernetes_int_or_string == Some(true) {
        let fits = matches!(actual, "integer" | "string") || (actual == "number" && is_integral(v));
        if !fits {
            errs.push(type_error(path, "integer,string", actual));
        }
    } else if let Some(expected) = s.type_.as_deref().filter(|t| !t.is_empty()) {
        let fits = expected == actual
            || (expected == "integer" && actual == "number" && is_integral(v))
            || (expected == "number" && actual == "integer");
        if !fits {
            errs.push(type_error(path, expected, actual));
        }
    }
    if let Some(allowed) = &s.enum_ {
        if !allowed.iter().any(|a| a.0 == *v) {
            let values = allowed
                .iter()
                .map(|a| match &a.0 {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            errs.push(FieldError::unsupported_values(path, bad_value(v), values));
        }
    }
    match v {
        Value::Number(n) => number(n.as_f64().unwrap_or(0.0), v, s, path, errs),
        Value::String(text) => string(text, v, s, path, errs),
        Value::Array(list) => array(list, s, path, errs),
        Value::Object(map) => object(map, s, path, errs),
        _ => {}
    }
}

fn number(f: f64, v: &Value, s: &JSONSchemaProps, path: &str, errs: &mut Vec<FieldError>) {
    if let Some(max) = s.maximum {
        let exclusive = s.exclusive_maximum == Some(true);
        if f > max || (exclusive && f == max) {
            let rel = if exclusive { "less than" } else { "less than or equal to" };
            errs.push(FieldError::invalid(path, bad_value(v), format!("{path} in body should be {rel} {}", go_float(max))));
        }
    }
    if let Some(min) = s.minimum {
        let exclusive = s.exclusive_minimum == Some(true);
        if f < min || (exclusive && f == min) {
            let rel = if exclusive { "greater than" } else { "greater than or equal to" };
            errs.push(FieldError::invalid(path, bad_value(v), format!("{path} in body should be {rel} {}", go_float(min))));
        }
    }
    if let Some(m) = s.multiple_of.filter(|m| *m > 0.0) {
        let q = f / m;
        if (q - q.round()).abs() > 1e-9 {
            errs.push(FieldError::invalid(path, bad_value(v), format!("{path} in body should be a multiple of {}", go_float(m))));
        }
    }
}

fn string(text: &str, v: &Value, s: &JSONSchemaProps, path: &str, errs: &mut Vec<FieldError>) {
    let runes = text.chars().count() as i64;
    if let Some(max) = s.max_length.filter(|m| runes > *m) {
        errs.push(FieldError { path: path.to_string(), kind: FieldErrorKind::TooLong(max.max(0) as usize), detail: String::new() });
    }
    if let Some(min) = s.min_length.filter(|m| runes < *m) {
        errs.push(FieldError::invalid(path, bad_value(v), format!("{path} in body should be at least {min} chars long")));
    }
}

fn array(list: &[Value], s: &JSONSchemaProps, path: &str, errs: &mut Vec<FieldError>) {
    if let Some(JSONSchemaPropsOrArray::Schema(item)) = &s.items {
        for (i, v) in list.iter().enumerate() {
            node(v, item, &format!("{path}[{i}]"), errs);
        }
    }
    if let Some(min) = s.min_items.filter(|m| (list.len() as i64) < *m) {
        errs.push(FieldError::invalid(path, BadValue::Raw("[]interface {}".into()), format!("{path} in body should have at least {min} items")));
    }
    if let Some(max) = s.max_items.filter(|m| list.len() as i64 > *m) {
        errs.push(FieldError { path: path.to_string(), kind: FieldErrorKind::TooMany { actual: list.len(), max: max.max(0) as usize }, detail: String::new() });
    }
}

fn object(map: &serde_json::Map<String, Value>, s: &JSONSchemaProps, path: &str, errs: &mut Vec<FieldError>) {
    let at_root = path.is_empty();
    for (key, prop) in s.properties.iter().flatten() {
        if at_root && key == "metadata" {
            continue;
        }
        if let Some(v) = map.get(key) {
            node(v, prop, &child(path, key), errs);
        }
    }
    if let Some(JSONSchemaPropsOrBool::Schema(ap)) = &s.additional_properties {
        for (key, v) in map {
            if s.properties.as_ref().is_some_and(|p| p.contains_key(key)) {
                continue;
            }
            node(v, ap, &child(path, key), errs);
        }
    }
    for key in s.required.iter().flatten() {
        if !map.contains_key(key) {
            errs.push(FieldError::required(child(path, key), ""));
        }
    }
}
