//! `kubectl apply -f` over the write path: each document is created, or three-way merged into
//! the live object (last-applied → manifest → live) as client-side apply does, and reported as
//! `created`, `configured` or `unchanged`. A refused document changes nothing; the others still
//! report their own result.

use serde_json::{Map, Value};

use crate::api::custom::Discovery;
use crate::api::{parse_manifests, Diagnostic, Kind, Object};
use crate::store::{Cause, Component, ObjectRef};

use super::{ApiError, Sim};

/// The annotation client-side apply keeps the last applied manifest in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What happened to one document of an apply.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplyOutcome {
    /// `deployment.apps/web created` (or `configured`, `unchanged`).
    Applied { object: ObjectRef, line: usize, message: String },
    /// The document was refused; nothing was written for it.
    Refused { line: Option<usize>, diagnostic: Diagnostic },
}

impl ApplyOutcome {
    /// The line kubectl would print for this document.
    pub fn to_kubectl_line(&self) -> String {
        match self {
            ApplyOutcome::Applied { message, .. } => message.clone(),
            ApplyOutcome::Refused { diagnostic, .. } => {
                // kubectl prints server errors and validation errors as they are, and prefixes
                // its own errors with `error: `.
                if diagnostic.message.starts_with("Error from server") || diagnostic.message.starts_with("The ") {
                    diagnostic.message.clone()
                } else {
                    format!("error: {}", diagnostic.message)
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApplyReport {
    pub outcomes: Vec<ApplyOutcome>,
}

impl ApplyReport {
    pub fn ok(&self) -> bool {
        self.outcomes.iter().all(|o| matches!(o, ApplyOutcome::Applied { .. }))
    }
}

impl Sim {
    /// `kubectl apply -f <source>` with `text` as the file's contents, as one user action.
    pub fn apply(&mut self, source: &str, text: &str) -> ApplyReport {
        let action = self.begin_action(format!("kubectl apply -f {source}"));
        let report = self.apply_as(source, text, None, Cause::Action(action));
        self.after_action();
        report
    }

    /// Apply inside an action already begun; `namespace` is kubectl's `-n`.
    pub fn apply_as(&mut self, source: &str, text: &str, namespace: Option<&str>, cause: Cause) -> ApplyReport {
        let mut report = ApplyReport::default();
        // kubectl maps every document to a resource before it sends any: a CRD applied in the
        // same command does not make its kind known to the documents after it.
        let discovery = self.store().discovery();
        for doc in parse_manifests(text) {
            let outcome = match doc {
                Err(diagnostic) => ApplyOutcome::Refused {
                    line: diagnostic.line,
                    diagnostic: Diagnostic {
                        message: format!("error parsing {source}: {}", diagnostic.message),
                        ..diagnostic
                    },
                },
                Ok(doc) => match self.apply_one(source, doc.value, namespace, &discovery, cause) {
                    Ok((object, message)) => ApplyOutcome::Applied { object, line: doc.line, message },
                    Err(d) => ApplyOutcome::Refused { line: Some(doc.line), diagnostic: d },
                },
            };
            report.outcomes.push(outcome);
        }
        report
    }

    fn apply_one(
        &mut self,
        source: &str,
        mut manifest: Value,
        namespace: Option<&str>,
        discovery: &Discovery,
        cause: Cause,
    ) -> Result<(ObjectRef, String), Diagnostic> {
        let kind = identify(source, &manifest, discovery)?;
        if kind.info().namespaced {
            let meta = manifest
                .as_object_mut()
                .and_then(|o| o.entry("metadata").or_insert_with(|| Value::Object(Map::new())).as_object_mut());
            if let Some(meta) = meta {
                match (meta.get("namespace").and_then(Value::as_str), namespace) {
                    (Some(in_file), Some(flag)) if in_file != flag => {
                        return Err(Diagnostic::new(format!(
                            "the namespace from the provided object \"{in_file}\" does not match the namespace \"{flag}\". You must pass '--namespace={in_file}' to perform this operation."
                        )));
                    }
                    (None, _) => {
                        meta.insert("namespace".into(), Value::String(namespace.unwrap_or("default").into()));
                    }
                    _ => {}
                }
            }
        }
        let meta = manifest.get("metadata");
        let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("");
        if name.is_empty() {
            return Err(Diagnostic::new(match meta.and_then(|m| m.get("generateName")).and_then(Value::as_str) {
                Some(g) => format!("from {g}: cannot use generate name with apply"),
                None => format!(
                    "error when retrieving current configuration of:\nResource: \"{}\", Name: \"\"\nfrom server for: \"{source}\": resource name may not be empty",
                    crate::sim::apiserver::resource_name(kind)
                ),
            }));
        }
        let last_applied = last_applied_text(&manifest);
        let probe = self.decode(source, kind, manifest.clone())?;
        let key = ObjectRef::of(&probe);
        let by = Component::new("kubectl");
        let display = key.to_string();
        let live = self.store().get(&key).cloned();
        let Some(live) = live else {
            let mut obj = probe;
            obj.metadata_mut()
                .annotations
                .get_or_insert_with(Default::default)
                .insert(LAST_APPLIED.into(), last_applied);
            self.api()
                .create(obj, &by, cause)
                .map_err(|e| refused(&e, "creating", source))?;
            return Ok((key, format!("{display} created")));
        };
        let live_value = live.to_value();
        let previous: Option<Value> = live
            .metadata()
            .annotations
            .as_ref()
            .and_then(|a| a.get(LAST_APPLIED))
            .and_then(|t| serde_json::from_str(t).ok());
        if previous.as_ref() == Some(&strip_last_applied(&manifest)) && is_subset(&manifest, &live_value) {
            return Ok((key, format!("{display} unchanged")));
        }
        let mut merged = live_value;
        if let Some(prev) = &previous {
            remove_dropped_fields(&mut merged, prev, &manifest);
        }
        overlay(&mut merged, &manifest);
        if let Some(meta) = merged.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("resourceVersion");
            let annotations = meta.entry("annotations").or_insert_with(|| Value::Object(Map::new()));
            if let Some(a) = annotations.as_object_mut() {
                a.insert(LAST_APPLIED.into(), Value::String(last_applied));
            }
        }
        let obj = self.decode(source, kind, merged)?;
        let before = self.store().resource_version();
        self.api()
            .update(obj, &by, cause)
            .map_err(|e| refused(&e, "applying patch to", source))?;
        let verb = if self.store().resource_version() == before { "unchanged" } else { "configured" };
        Ok((key, format!("{display} {verb}")))
    }
}

/// apiVersion + kind → a served kind, or kubectl's "no matches" error.
fn identify(source: &str, doc: &Value, discovery: &Discovery) -> Result<Kind, Diagnostic> {
    let Some(obj) = doc.as_object() else {
        return Err(Diagnostic::new(format!("error validating \"{source}\": error validating data: the document is not an object")));
    };
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind_name = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    if api_version.is_empty() || kind_name.is_empty() {
        let missing = if api_version.is_empty() { "apiVersion" } else { "kind" };
        return Err(Diagnostic::new(format!("error validating \"{source}\": error validating data: {missing} not set")));
    }
    discovery.lookup(api_version, kind_name).ok_or_else(|| {
        let meta = obj.get("metadata");
        let name = meta.and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("");
        let ns = meta.and_then(|m| m.get("namespace")).and_then(Value::as_str).unwrap_or("");
        Diagnostic::new(format!(
            "resource mapping not found for name: \"{name}\" namespace: \"{ns}\" from \"{source}\": no matches for kind \"{kind_name}\" in version \"{api_version}\"\nensure CRDs are installed first"
        ))
    })
}

impl Sim {
    /// The strict decoder: built-in kinds by their types, custom kinds by their CRD's schema.
    fn decode(&self, source: &str, kind: Kind, value: Value) -> Result<Object, Diagnostic> {
        match self.store().crd_for(kind) {
            Some(crd) => crate::api::custom::decode(&value, source, kind, crd),
            None => crate::api::decode::decode_detailed(&value, source),
        }
        .map_err(|e| e.diagnostic)
    }
}

/// kubectl's text for a refused write: validation errors as `The Kind "name" is invalid: …`,
/// everything else as `Error from server (<reason>): error when <verb> "<source>": <message>`.
fn refused(e: &ApiError, verb: &str, source: &str) -> Diagnostic {
    match e {
        ApiError::Invalid { .. } => Diagnostic::new(e.to_string()),
        _ => Diagnostic::new(format!("Error from server ({}): error when {verb} \"{source}\": {}", e.reason(), e.message())),
    }
}

fn strip_last_applied(manifest: &Value) -> Value {
    let mut m = manifest.clone();
    if let Some(a) = m.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        a.remove(LAST_APPLIED);
        if a.is_empty() {
            if let Some(meta) = m.pointer_mut("/metadata").and_then(Value::as_object_mut) {
                meta.remove("annotations");
            }
        }
    }
    m
}

/// The annotation's value: the manifest as compact JSON with a trailing newline, as kubectl writes it.
fn last_applied_text(manifest: &Value) -> String {
    let mut s = serde_json::to_string(&strip_last_applied(manifest)).unwrap_or_default();
    s.push('\n');
    s
}

/// Does every field of `part` hold the same value in `whole`?
fn is_subset(part: &Value, whole: &Value) -> bool {
    match (part, whole) {
        (Value::Object(p), Value::Object(w)) => p.iter().all(|(k, v)| {
            if k == "annotations" {
                return true;
            }
            match w.get(k) {
                Some(wv) => is_subset(v, wv),
                None => v.is_null() || v.as_object().is_some_and(Map::is_empty) || v.as_array().is_some_and(Vec::is_empty),
            }
        }),
        (Value::Array(p), Value::Array(w)) => p.len() == w.len() && p.iter().zip(w).all(|(a, b)| is_subset(a, b)),
        (Value::Number(a), Value::String(b)) | (Value::String(b), Value::Number(a)) => a.to_string() == *b,
        // `1` in a manifest reads back as `1.0` from a float field (a schema's `minimum`).
        (Value::Number(a), Value::Number(b)) => a == b || a.as_f64() == b.as_f64(),
        _ => part == whole,
    }
}

/// Deletes from `live` the map fields the previous manifest set and the new one no longer does.
fn remove_dropped_fields(live: &mut Value, previous: &Value, manifest: &Value) {
    let (Value::Object(live), Value::Object(prev)) = (live, previous) else { return };
    for (k, pv) in prev {
        match manifest.get(k) {
            None => {
                live.remove(k);
            }
            Some(mv) => {
                if let Some(lv) = live.get_mut(k) {
                    if pv.is_object() && mv.is_object() {
                        remove_dropped_fields(lv, pv, mv);
                    }
                }
            }
        }
    }
}

/// Writes every field of `manifest` over `live`: maps merge, everything else is replaced.
fn overlay(live: &mut Value, manifest: &Value) {
    match (live, manifest) {
        (Value::Object(l), Value::Object(m)) => {
            for (k, mv) in m {
                match l.get_mut(k) {
                    Some(lv) if lv.is_object() && mv.is_object() => overlay(lv, mv),
                    _ => {
                        l.insert(k.clone(), mv.clone());
                    }
                }
            }
        }
        (l, m) => *l = m.clone(),
    }
}
