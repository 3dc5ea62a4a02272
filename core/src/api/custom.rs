//! Custom resources: objects of the kinds CustomResourceDefinitions define. No controller acts
//! on them; the API server only prunes, defaults and validates them against their CRD's schema.
//!
//! - [`CustomObject`] (`object`): generic JSON with typed metadata.
//! - [`Discovery`] (`discovery`): the kinds served right now, by apiVersion + kind or by the
//!   names typed on kubectl's command line.
//! - `crd`: reading a CRD (versions, schemas, printer columns, conditions).
//! - `coerce`: pruning, null removal and defaulting along a structural schema.
//! - `check`: validation of values against the schema, with the server's messages.
//! - [`decode`]: one document of a custom kind → an [`Object`], with strict field checking.

pub mod check;
pub mod coerce;
pub mod crd;
pub mod discovery;
mod object;

#[cfg(test)]
mod tests;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::Value;

use super::decode::{DecodeError, DecodeFailure};
use super::diag::Diagnostic;
use super::kinds::{split_api_version, Kind};
use super::object::Object;

pub use discovery::{Discovery, ServedKind};
pub use object::CustomObject;

/// Decodes a document of the custom `kind` that `crd` defines, as the API server's strict
/// decoder does (kubectl sends `fieldValidation=Strict`): fields the schema does not declare
/// are refused with `unknown field "<path>"`. The object returned is pruned, not defaulted.
pub fn decode(doc: &Value, source: &str, kind: Kind, crd: &CustomResourceDefinition) -> Result<Object, DecodeError> {
    let api_version = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind_name = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    let (_, version) = split_api_version(api_version);
    let refuse = |failure, detail: String| DecodeError {
        failure,
        diagnostic: Diagnostic::new(format!(
            "Error from server (BadRequest): error when creating \"{source}\": {kind_name} in version \"{version}\" cannot be handled as a {kind_name}: {detail}"
        )),
    };
    let object = CustomObject::from_value(kind, doc.clone()).map_err(|e| refuse(DecodeFailure::BadValue, metadata_error(&e)))?;
    let mut unknown = metadata_unknown_fields(doc, &object);
    let mut value = doc.clone();
    if !crd::preserves_unknown_fields(crd) {
        unknown.extend(coerce::prune(&mut value, crd::schema(crd, version)));
    }
    if !unknown.is_empty() {
        let list: Vec<String> = unknown.iter().map(|p| format!("unknown field \"{p}\"")).collect();
        return Err(refuse(DecodeFailure::UnknownField, format!("strict decoding error: {}", list.join(", "))));
    }
    let object = CustomObject::from_value(kind, value).map_err(|e| refuse(DecodeFailure::BadValue, metadata_error(&e)))?;
    Ok(Object::Custom(Box::new(object)))
}

/// Fields of `metadata` that ObjectMeta does not have (`metadata.labelz`).
fn metadata_unknown_fields(doc: &Value, object: &CustomObject) -> Vec<String> {
    let Some(Value::Object(input)) = doc.get("metadata") else { return Vec::new() };
    let typed = serde_json::to_value(&object.metadata).unwrap_or(Value::Null);
    input
        .iter()
        .filter(|(k, v)| !v.is_null() && typed.get(k.as_str()).is_none())
        .map(|(k, _)| format!("metadata.{k}"))
        .collect()
}

fn metadata_error(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    format!("json: cannot unmarshal {} into Go struct field {}", e.inner(), e.path())
}
