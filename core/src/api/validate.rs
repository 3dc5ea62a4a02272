//! Validation: the checks the API server runs after defaulting, with its field paths and wording
//! (`spec.template.spec.containers[0].image: Required value`).
//!
//! - [`FieldError`], [`FieldErrorKind`], [`BadValue`]: one refusal reason, printed as the server
//!   prints it; [`kubectl_invalid_message`] / [`server_invalid_message`]: the whole message.
//! - [`validate`]: dispatch by kind.
//! - `path`: field paths rendered only when an error needs them.
//! - `names`: DNS-1123 / DNS-1035 names, label keys and values, port names, config keys.
//! - `meta`: ObjectMeta, label selectors, Go-style value rendering.
//! - `pod`: PodSpec, containers, volumes, pod templates; `spread`: topologySpreadConstraints.
//! - `workloads`: Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job, CronJob.
//! - `services`: Service, HPA, PVC, PV, ConfigMap, Secret, Ingress, NetworkPolicy.
//! - `cluster_ips`: the Service cluster-IP fields the registry checks before it allocates, and
//!   what a Service update may not change.
//! - `crd`, `crd_schema`: CustomResourceDefinition (names, versions, schema, printer columns).

mod cluster_ips;
mod crd;
mod crd_schema;
mod meta;
mod names;
mod path;
mod pod;
mod services;
mod spread;
mod workloads;

use std::borrow::Cow;
use std::fmt;

use super::kinds::Kind;
use super::object::Object;

pub use cluster_ips::{service_cluster_ips, service_update};
pub use crd::crd_update;

/// The offending value, rendered the way Go's field errors render it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadValue {
    /// A string: printed quoted (`"Web_1"`).
    Str(String),
    Int(i64),
    Bool(bool),
    /// Already rendered (Go's `%#v` of a map or struct, or a `String()` form): printed as is.
    Raw(String),
}

/// What is wrong with a field (Go's `field.ErrorType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldErrorKind {
    Required,
    Invalid(BadValue),
    /// The value and the supported values, in the order the server lists them.
    Unsupported(BadValue, Vec<Cow<'static, str>>),
    Duplicate(BadValue),
    NotFound(BadValue),
    Forbidden,
    TooLong(usize),
    /// `Too many: <actual>: must have at most <max> items`.
    TooMany { actual: usize, max: usize },
}

/// One validation error: `path: <kind text>[: detail]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub kind: FieldErrorKind,
    pub detail: String,
}

impl FieldError {
    pub fn required(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError { path: path.into(), kind: FieldErrorKind::Required, detail: detail.into() }
    }
    pub fn invalid(path: impl Into<String>, value: BadValue, detail: impl Into<String>) -> Self {
        FieldError { path: path.into(), kind: FieldErrorKind::Invalid(value), detail: detail.into() }
    }
    pub fn unsupported(path: impl Into<String>, value: BadValue, valid: &[&'static str]) -> Self {
        let valid = valid.iter().map(|s| Cow::Borrowed(*s)).collect();
        FieldError { path: path.into(), kind: FieldErrorKind::Unsupported(value, valid), detail: String::new() }
    }
    /// [`FieldError::unsupported`] with values known only at run time (a schema's `enum`).
    pub fn unsupported_values(path: impl Into<String>, value: BadValue, valid: Vec<String>) -> Self {
        let valid = valid.into_iter().map(Cow::Owned).collect();
        FieldError { path: path.into(), kind: FieldErrorKind::Unsupported(value, valid), detail: String::new() }
    }
    pub fn duplicate(path: impl Into<String>, value: BadValue) -> Self {
        FieldError { path: path.into(), kind: FieldErrorKind::Duplicate(value), detail: String::new() }
    }
    pub fn not_found(path: impl Into<String>, value: BadValue) -> Self {
        FieldError { path: path.into(), kind: FieldErrorKind::NotFound(value), detail: String::new() }
    }
    pub fn forbidden(path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError { path: path.into(), kind: FieldErrorKind::Forbidden, detail: detail.into() }
    }
}

impl BadValue {
    /// Go's `%#v` of a `[]string`: `[]string{"a", "b"}`, or `[]string(nil)`.
    pub fn go_strings(values: Option<&[String]>) -> BadValue {
        match values {
            None => BadValue::Raw("[]string(nil)".into()),
            Some(v) => BadValue::Raw(format!("[]string{{{}}}", v.iter().map(|s| go_quote(s)).collect::<Vec<_>>().join(", "))),
        }
    }
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::Str(s) => f.write_str(&go_quote(s)),
            BadValue::Int(i) => write!(f, "{i}"),
            BadValue::Bool(b) => write!(f, "{b}"),
            BadValue::Raw(s) => f.write_str(s),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path)?;
        match &self.kind {
            FieldErrorKind::Required => f.write_str("Required value")?,
            FieldErrorKind::Forbidden => f.write_str("Forbidden")?,
            FieldErrorKind::Invalid(v) => write!(f, "Invalid value: {v}")?,
            FieldErrorKind::Duplicate(v) => write!(f, "Duplicate value: {v}")?,
            FieldErrorKind::NotFound(v) => write!(f, "Not found: {v}")?,
            FieldErrorKind::TooLong(max) => write!(f, "Too long: may not be more than {max} {}", if *max == 1 { "byte" } else { "bytes" })?,
            FieldErrorKind::TooMany { actual, max } => {
                write!(f, "Too many: {actual}: must have at most {max} {}", if *max == 1 { "item" } else { "items" })?
            }
            FieldErrorKind::Unsupported(v, valid) => {
                write!(f, "Unsupported value: {v}")?;
                if !valid.is_empty() {
                    let quoted: Vec<String> = valid.iter().map(|s| go_quote(s)).collect();
                    write!(f, ": supported values: {}", quoted.join(", "))?;
                }
            }
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Go's `%q`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Every validation error of `obj` (already defaulted), in the server's order. Empty when valid.
pub fn validate(obj: &Object) -> Vec<FieldError> {
    let mut errs = meta::object_meta(obj.metadata(), obj.kind());
    match obj {
        Object::Pod(p) => pod::pod(p, &mut errs),
        Object::Deployment(d) => workloads::deployment(d, &mut errs),
        Object::ReplicaSet(r) => workloads::replica_set(r, &mut errs),
        Object::ReplicationController(r) => workloads::replication_controller(r, &mut errs),
        Object::StatefulSet(s) => workloads::stateful_set(s, &mut errs),
        Object::DaemonSet(d) => workloads::daemon_set(d, &mut errs),
        Object::Job(j) => workloads::job(j, &mut errs),
        Object::CronJob(c) => workloads::cron_job(c, &mut errs),
        Object::Service(s) => services::service(s, &mut errs),
        Object::HorizontalPodAutoscaler(h) => services::horizontal_pod_autoscaler(h, &mut errs),
        Object::PersistentVolumeClaim(p) => services::persistent_volume_claim(p, &mut errs),
        Object::PersistentVolume(p) => services::persistent_volume(p, &mut errs),
        Object::ConfigMap(c) => services::config_map(c, &mut errs),
        Object::Secret(s) => services::secret(s, &mut errs),
        Object::Ingress(i) => services::ingress(i, &mut errs),
        Object::NetworkPolicy(n) => services::network_policy(n, &mut errs),
        Object::CustomResourceDefinition(c) => crd::crd(c, &mut errs),
        _ => {}
    }
    dedup(errs)
}

/// The server reports each distinct message once.
fn dedup(errs: Vec<FieldError>) -> Vec<FieldError> {
    let mut seen = std::collections::BTreeSet::new();
    errs.into_iter().filter(|e| seen.insert(e.to_string())).collect()
}

/// kubectl's text for a refused object: one error on the same line, several as a `* ` list.
pub fn kubectl_invalid_message(kind: Kind, name: &str, errors: &[FieldError]) -> String {
    let head = format!("The {kind} {} is invalid: ", go_quote(name));
    match errors {
        [] => format!("{head}<no errors>"),
        [one] => format!("{head}{one}"),
        many => {
            let lines: Vec<String> = many.iter().map(|e| format!("* {e}")).collect();
            format!("{head}\n{}", lines.join("\n"))
        }
    }
}

/// The API server's own Status message (`Deployment.apps "web" is invalid: [a, b]`), which
/// kubectl prints after `Error from server (Invalid): error when creating "<file>": ` when
/// several objects fail.
pub fn server_invalid_message(kind: Kind, name: &str, errors: &[FieldError]) -> String {
    let info = kind.info();
    let qualified = if info.group.is_empty() { info.name.to_string() } else { format!("{}.{}", info.name, info.group) };
    let list = match errors {
        [one] => one.to_string(),
        many => format!("[{}]", many.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
    };
    format!("{qualified} {} is invalid: {list}", go_quote(name))
}

#[cfg(test)]
mod crd_tests;
#[cfg(test)]
mod spread_tests;
#[cfg(test)]
mod tests;
