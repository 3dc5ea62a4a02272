//! One parsed document (JSON) → a typed [`Object`], the way the API server's strict decoder reads a
//! request body.
//!
//! - [`decode`] / [`decode_detailed`]: `apiVersion` + `kind` → [`Kind`], typed deserialisation,
//!   strict field checking, and kubectl's wording for each refusal.
//! - `strict`: unknown fields, found by re-serialising the typed object and comparing it with the
//!   input (k8s-openapi itself ignores unknown fields).
//! - `gotype`: Go's `json: cannot unmarshal … into Go struct field …` wording for type errors.
//! - `hpa_v1`: autoscaling/v1 HorizontalPodAutoscaler converted to the autoscaling/v2 object.

mod gotype;
mod hpa_v1;
mod strict;

pub(crate) use gotype::json_kind;

use serde_json::{Map, Value};

use super::diag::Diagnostic;
use super::kinds::{split_api_version, Kind};
use super::object::Object;

/// Why a document was refused, for callers that count or branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecodeFailure {
    /// The document is not a mapping.
    NotAnObject,
    /// `apiVersion` or `kind` is missing or not a string.
    MissingTypeMeta,
    /// No served kind matches `apiVersion` + `kind` (RBAC, CRD instances, old API versions…).
    UnknownKind,
    /// Strict decoding found fields the type does not have.
    UnknownField,
    /// A field holds a value of the wrong type (string for an integer, …).
    BadValue,
}

/// A refused document: the reason class and the message kubectl would print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub failure: DecodeFailure,
    pub diagnostic: Diagnostic,
}

/// Decodes one document read from `source` (the file name kubectl would print).
pub fn decode(doc: &Value, source: &str) -> Result<Object, Vec<Diagnostic>> {
    decode_detailed(doc, source).map_err(|e| vec![e.diagnostic])
}

/// [`decode`], keeping the reason class of a refusal.
pub fn decode_detailed(doc: &Value, source: &str) -> Result<Object, DecodeError> {
    let fail = |failure, message: String| DecodeError { failure, diagnostic: Diagnostic::new(message) };
    let Some(fields) = doc.as_object() else {
        return Err(fail(
            DecodeFailure::NotAnObject,
            format!(
                "unable to decode \"{source}\": json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                gotype::json_kind(doc)
            ),
        ));
    };
    let api_version = fields.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind_name = fields.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut missing = Vec::new();
    if api_version.is_empty() {
        missing.push("apiVersion not set");
    }
    if kind_name.is_empty() {
        missing.push("kind not set");
    }
    if !missing.is_empty() {
        let list = if missing.len() == 1 { missing[0].to_string() } else { format!("[{}]", missing.join(", ")) };
        return Err(fail(
            DecodeFailure::MissingTypeMeta,
            format!(
                "error validating \"{source}\": error validating data: {list}; if you choose to ignore these errors, turn validation off with --validate=false"
            ),
        ));
    }
    let Some(kind) = Kind::lookup(api_version, kind_name) else {
        let meta = fields.get("metadata");
        let text = |key: &str| meta.and_then(|m| m.get(key)).and_then(Value::as_str).unwrap_or("").to_string();
        return Err(fail(
            DecodeFailure::UnknownKind,
            format!(
                "resource mapping not found for name: \"{}\" namespace: \"{}\" from \"{source}\": no matches for kind \"{kind_name}\" in version \"{api_version}\"\nensure CRDs are installed first",
                text("name"),
                text("namespace")
            ),
        ));
    };
    let (_, version) = split_api_version(api_version);
    let refuse = |failure, detail: String| {
        fail(
            failure,
            format!(
                "Error from server (BadRequest): error when creating \"{source}\": {kind_name} in version \"{version}\" cannot be handled as a {kind_name}: {detail}"
            ),
        )
    };

    let input = without_nulls(doc);
    let (object, typed_json) = if kind == Kind::HorizontalPodAutoscaler && version == "v1" {
        let v1 = hpa_v1::deserialize(&input).map_err(|detail| refuse(DecodeFailure::BadValue, detail))?;
        let typed = serde_json::to_value(&v1).unwrap_or(Value::Null);
        (Object::from(hpa_v1::to_v2(v1)), typed)
    } else {
        match Object::from_value(kind, input.clone()) {
            Ok(object) => {
                let typed = object.to_value();
                (object, typed)
            }
            Err(e) => return Err(refuse(DecodeFailure::BadValue, gotype::explain(kind, &input, &e))),
        }
    };
    let unknown = strict::unknown_fields(&input, &typed_json);
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.iter().map(|p| format!("unknown field \"{p}\"")).collect();
        return Err(refuse(DecodeFailure::UnknownField, format!("strict decoding error: {}", list.join(", "))));
    }
    Ok(object)
}

/// Drops object keys whose value is `null`, at every depth. Go's decoder treats an explicit
/// `null` as "not set", which is what an absent key means to the typed structs here.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests;
