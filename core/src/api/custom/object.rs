//! [`CustomObject`]: one object of a custom kind. The API server stores custom resources as
//! unstructured JSON; only `metadata` has a fixed shape.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::api::kinds::Kind;

/// A custom resource: `apiVersion` as stored, typed `metadata`, every other top-level field as
/// JSON (`spec`, `status`, or whatever the CRD's schema declares).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomObject {
    pub kind: Kind,
    /// `group/version`, in the version the object was written in.
    pub api_version: String,
    pub metadata: ObjectMeta,
    /// The top-level fields besides `apiVersion`, `kind` and `metadata`.
    pub fields: Map<String, Value>,
}

#[derive(Deserialize)]
struct MetadataOnly {
    #[serde(default)]
    metadata: ObjectMeta,
}

impl CustomObject {
    /// Reads a JSON body of `kind`; `metadata` must fit ObjectMeta (the error names the field).
    pub fn from_value(kind: Kind, value: Value) -> Result<CustomObject, serde_path_to_error::Error<serde_json::Error>> {
        let MetadataOnly { metadata } = serde_path_to_error::deserialize(&value)?;
        let mut fields = match value {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let api_version = match fields.remove("apiVersion") {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        fields.remove("kind");
        fields.remove("metadata");
        Ok(CustomObject { kind, api_version, metadata, fields })
    }

    /// The object as the API serves it: `apiVersion`, `kind`, `metadata` and the other fields.
    pub fn to_value(&self) -> Value {
        let mut out = self.fields.clone();
        out.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        out.insert("kind".into(), Value::String(self.kind.info().name.to_string()));
        out.insert("metadata".into(), serde_json::to_value(&self.metadata).unwrap_or(Value::Null));
        Value::Object(out)
    }

    /// The version part of `apiVersion` (`v1` of `stable.example.com/v1`).
    pub fn version(&self) -> &str {
        crate::api::kinds::split_api_version(&self.api_version).1
    }
}
