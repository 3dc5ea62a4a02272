//! Field selectors, as `kubectl --field-selector` sends them and the API server applies them.
//!
//! - [`parse`] — `k8s.io/apimachinery/pkg/fields.ParseSelector`: comma-separated terms with `=`,
//!   `==` or `!=` (no set operators), backslash escapes in values (`\,`, `\=`, `\\`), the Go error
//!   texts. Terms are sorted, as the Go parser sorts them.
//! - [`supported_fields`] / [`FieldSelector::check_supported`] — the per-kind field labels the
//!   API server's field-label conversion accepts, and its per-kind rejection message
//!   (`field label not supported: spec.foo`, or `"spec.foo" is not a known field selector: only
//!   "metadata.name", "metadata.namespace"` for kinds with no conversion of their own).
//! - [`field_value`] / [`FieldSelector::matches`] — the values the registry's
//!   `ToSelectableFields` exposes for an object; a field an object does not expose reads as `""`.
//!
//! Supported fields per kind (Kubernetes 1.3x):
//! - every kind without its own conversion: `metadata.name`, `metadata.namespace`
//!   (for cluster-scoped kinds `metadata.namespace` is accepted and always reads `""`);
//! - Pod: + `spec.nodeName` (alias `spec.host`), `spec.restartPolicy`, `spec.schedulerName`,
//!   `spec.serviceAccountName`, `spec.hostNetwork`, `status.phase`, `status.podIP`,
//!   `status.podIPs` (accepted, never set, so it only matches `""`), `status.nominatedNodeName`;
//! - Node: `metadata.name`, `spec.unschedulable` (no `metadata.namespace`);
//! - Namespace: `metadata.name`, `status.phase` (no `metadata.namespace`);
//! - Event: `involvedObject.{kind,namespace,name,uid,apiVersion,resourceVersion,fieldPath}`,
//!   `reason`, `reportingComponent`, `source`, `type`;
//! - Secret: `type`; Service: `spec.clusterIP`, `spec.type`;
//! - ReplicationController: `status.replicas`; Job: `status.successful`.

use std::fmt;

use crate::api::{Kind, Object};

use super::selector::go_quote;

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// A field selector that could not be parsed. `Display` prints the Go message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSelectorError {
    message: String,
}

impl FieldSelectorError {
    fn new(message: impl Into<String>) -> Self {
        FieldSelectorError { message: message.into() }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for FieldSelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FieldSelectorError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldOperator {
    /// `=`
    Equals,
    /// `==` (the same as `=`)
    DoubleEquals,
    /// `!=`
    NotEquals,
}

/// One `field<op>value` term; `value` is unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRequirement {
    pub field: String,
    pub operator: FieldOperator,
    pub value: String,
}

impl FieldRequirement {
    fn matches(&self, actual: &str) -> bool {
        match self.operator {
            FieldOperator::Equals | FieldOperator::DoubleEquals => actual == self.value,
            FieldOperator::NotEquals => actual != self.value,
        }
    }
}

impl fmt::Display for FieldRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.operator {
            FieldOperator::Equals | FieldOperator::DoubleEquals => "=",
            FieldOperator::NotEquals => "!=",
        };
        write!(f, "{}{op}{}", self.field, escape_value(&self.value))
    }
}

/// An AND of field requirements, in the order the parser sorted the terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Matches every object.
    pub fn everything() -> FieldSelector {
        FieldSelector::default()
    }

    /// `fields.OneTermEqualSelector`: `field=value`.
    pub fn one_term_equal(field: &str, value: &str) -> FieldSelector {
        FieldSelector {
            requirements: vec![FieldRequirement {
                field: field.to_string(),
                operator: FieldOperator::Equals,
                value: value.to_string(),
            }],
        }
    }

    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    /// True when the selector restricts nothing (`""`, `","`).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The value an `=`/`==` term demands for `field`, if any.
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.field == field && r.operator != FieldOperator::NotEquals)
            .map(|r| r.value.as_str())
    }

    /// The API server's field-label conversion for `kind`: every term's field must be one the
    /// kind supports. Terms are checked in order and the first refusal is the error, worded as the
    /// API server words it for that kind. kubectl shows it after `Error from server (BadRequest): `.
    pub fn check_supported(&self, kind: Kind) -> Result<(), String> {
        for r in &self.requirements {
            if canonical_field(kind, &r.field).is_none() {
                return Err(unsupported_message(kind, &r.field));
            }
        }
        Ok(())
    }

    /// [`check_supported`](Self::check_supported), then the selector with aliases rewritten to
    /// their canonical field (`spec.host` → `spec.nodeName` for pods), as the server stores it.
    pub fn for_kind(&self, kind: Kind) -> Result<FieldSelector, String> {
        let mut requirements = Vec::with_capacity(self.requirements.len());
        for r in &self.requirements {
            let Some(canonical) = canonical_field(kind, &r.field) else {
                return Err(unsupported_message(kind, &r.field));
            };
            requirements.push(FieldRequirement { field: canonical.to_string(), ..r.clone() });
        }
        Ok(FieldSelector { requirements })
    }

    /// True if every term holds for `obj`. A field the object does not expose reads as `""`
    /// (so `spec.foo=` matches and `spec.foo!=` does not); call
    /// [`check_supported`](Self::check_supported) first to refuse such selectors as the API
    /// server does.
    pub fn matches(&self, obj: &Object) -> bool {
        self.requirements
            .iter()
            .all(|r| r.matches(&field_value(obj, &r.field).unwrap_or_default()))
    }
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// `fields.EscapeValue`: backslash-escapes `\`, `,` and `=`.
pub fn escape_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `fields.UnescapeValue`: the inverse of [`escape_value`]; an unescaped `,` or `=`, an unknown
/// escape or a trailing backslash is an error.
pub fn unescape_value(s: &str) -> Result<String, FieldSelectorError> {
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                other => {
                    return Err(FieldSelectorError::new(format!(
                        "invalid field selector: invalid escape sequence: \\{other}"
                    )))
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, i.e. as its decimal code point.
            ',' | '=' => {
                return Err(FieldSelectorError::new(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                )))
            }
            other => out.push(other),
        }
    }
    if in_slash {
        return Err(FieldSelectorError::new("invalid field selector: invalid escape sequence: \\"));
    }
    Ok(out)
}

/// Splits on commas that are not backslash-escaped; the escapes stay in the terms.
fn split_terms(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in s.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&s[start..i]);
            start = i + 1;
        }
    }
    terms.push(&s[start..]);
    terms
}

/// Splits at the first operator; at each position `!=` is tried before `==` before `=`.
fn split_term(term: &str) -> Option<(&str, FieldOperator, &str)> {
    const OPS: [(&str, FieldOperator); 3] = [
        ("!=", FieldOperator::NotEquals),
        ("==", FieldOperator::DoubleEquals),
        ("=", FieldOperator::Equals),
    ];
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for (text, op) in OPS {
            if rest.starts_with(text) {
                return Some((&term[..i], op, &term[i + text.len()..]));
            }
        }
    }
    None
}

/// `fields.ParseSelector`. Fields and values are taken verbatim (no whitespace trimming); which
/// fields exist is a per-kind question for [`FieldSelector::check_supported`].
pub fn parse(selector: &str) -> Result<FieldSelector, FieldSelectorError> {
    let mut parts = split_terms(selector);
    parts.sort_unstable();
    let mut requirements = Vec::new();
    for part in parts {
        if part.is_empty() {
            continue;
        }
        let Some((field, operator, raw_value)) = split_term(part) else {
            return Err(FieldSelectorError::new(format!(
                "invalid selector: '{selector}'; can't understand '{part}'"
            )));
        };
        let value = unescape_value(raw_value)?;
        requirements.push(FieldRequirement { field: field.to_string(), operator, value });
    }
    Ok(FieldSelector { requirements })
}

// ---------------------------------------------------------------------------------------------
// Per-kind support
// ---------------------------------------------------------------------------------------------

const META: &[&str] = &["metadata.name", "metadata.namespace"];

const POD: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
];

const NODE: &[&str] = &["metadata.name", "spec.unschedulable"];

const NAMESPACE: &[&str] = &["metadata.name", "status.phase"];

const REPLICATION_CONTROLLER: &[&str] = &["metadata.name", "metadata.namespace", "status.replicas"];

const EVENT: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
];

const SECRET: &[&str] = &["metadata.name", "metadata.namespace", "type"];

const SERVICE: &[&str] = &["metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"];

const JOB: &[&str] = &["metadata.name", "metadata.namespace", "status.successful"];

/// The field labels the API server accepts in a field selector for `kind`.
///
/// ReplicaSet is *not* given `status.replicas`: its registry exposes the field, but apps/v1
/// registers no field-label conversion, so the server refuses it with the generic message.
pub fn supported_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod => POD,
        Kind::Node => NODE,
        Kind::Namespace => NAMESPACE,
        Kind::ReplicationController => REPLICATION_CONTROLLER,
        Kind::Event => EVENT,
        Kind::Secret => SECRET,
        Kind::Service => SERVICE,
        Kind::Job => JOB,
        _ => META,
    }
}

/// The canonical name of an accepted field label for `kind`, or `None` if it is refused.
fn canonical_field(kind: Kind, field: &str) -> Option<&'static str> {
    if kind == Kind::Pod && field == "spec.host" {
        return Some("spec.nodeName");
    }
    supported_fields(kind).iter().find(|f| **f == field).copied()
}

/// The refusal text of the kind's field-label conversion function.
fn unsupported_message(kind: Kind, field: &str) -> String {
    match kind {
        Kind::Pod
        | Kind::Node
        | Kind::Namespace
        | Kind::ReplicationController
        | Kind::Event
        | Kind::Secret
        | Kind::Service => format!("field label not supported: {field}"),
        Kind::Job => format!("field label {} not supported for Job", go_quote(field)),
        _ => format!(
            "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
            go_quote(field)
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn flag(v: bool) -> String {
    if v { "true" } else { "false" }.to_string()
}

/// The value `obj` exposes for `field`, formatted as the API server formats it (`"true"`,
/// `"3"`, `""` for unset strings), or `None` if the object's kind exposes no such field.
/// `metadata.namespace` is exposed only by namespaced kinds.
pub fn field_value(obj: &Object, field: &str) -> Option<String> {
    match field {
        "metadata.name" => return Some(obj.name().to_string()),
        "metadata.namespace" if obj.kind().info().namespaced => {
            return Some(obj.namespace().unwrap_or("").to_string())
        }
        _ => {}
    }
    match obj {
        Object::Pod(pod) => {
            let spec = pod.spec.as_ref();
            let status = pod.status.as_ref();
            let from_spec = |f: fn(&k8s_openapi::api::core::v1::PodSpec) -> &Option<String>| {
                spec.map(|s| text(f(s))).unwrap_or_default()
            };
            let from_status = |f: fn(&k8s_openapi::api::core::v1::PodStatus) -> &Option<String>| {
                status.map(|s| text(f(s))).unwrap_or_default()
            };
            Some(match field {
                "spec.nodeName" | "spec.host" => from_spec(|s| &s.node_name),
                "spec.restartPolicy" => from_spec(|s| &s.restart_policy),
                "spec.schedulerName" => from_spec(|s| &s.scheduler_name),
                "spec.serviceAccountName" => from_spec(|s| &s.service_account_name),
                "spec.hostNetwork" => flag(spec.and_then(|s| s.host_network).unwrap_or(false)),
                "status.phase" => from_status(|s| &s.phase),
                "status.nominatedNodeName" => from_status(|s| &s.nominated_node_name),
                "status.podIP" => status
                    .and_then(|s| {
                        s.pod_ips
                            .as_ref()
                            .and_then(|ips| ips.first())
                            .map(|ip| ip.ip.clone())
                            .or_else(|| s.pod_ip.clone())
                    })
                    .unwrap_or_default(),
                _ => return None,
            })
        }
        Object::Node(node) => match field {
            "spec.unschedulable" => {
                Some(flag(node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false)))
            }
            _ => None,
        },
        Object::Namespace(ns) => match field {
            "status.phase" => Some(ns.status.as_ref().map(|s| text(&s.phase)).unwrap_or_default()),
            _ => None,
        },
        Object::Secret(secret) => match field {
            "type" => Some(text(&secret.type_)),
            _ => None,
        },
        Object::Service(svc) => {
            let spec = svc.spec.as_ref();
            match field {
                "spec.clusterIP" => Some(spec.map(|s| text(&s.cluster_ip)).unwrap_or_default()),
                "spec.type" => Some(spec.map(|s| text(&s.type_)).unwrap_or_default()),
                _ => None,
            }
        }
        Object::ReplicationController(rc) => match field {
            "status.replicas" => Some(rc.status.as_ref().map_or(0, |s| s.replicas).to_string()),
            _ => None,
        },
        Object::Job(job) => match field {
            "status.successful" => {
                Some(job.status.as_ref().and_then(|s| s.succeeded).unwrap_or(0).to_string())
            }
            _ => None,
        },
        Object::Event(ev) => {
            let io = &ev.involved_object;
            Some(match field {
                "involvedObject.kind" => text(&io.kind),
                "involvedObject.namespace" => text(&io.namespace),
                "involvedObject.name" => text(&io.name),
                "involvedObject.uid" => text(&io.uid),
                "involvedObject.apiVersion" => text(&io.api_version),
                "involvedObject.resourceVersion" => text(&io.resource_version),
                "involvedObject.fieldPath" => text(&io.field_path),
                "reason" => text(&ev.reason),
                "reportingComponent" => text(&ev.reporting_component),
                "source" => {
                    let component = ev.source.as_ref().map(|s| text(&s.component)).unwrap_or_default();
                    if component.is_empty() {
                        text(&ev.reporting_component)
                    } else {
                        component
                    }
                }
                "type" => text(&ev.type_),
                _ => return None,
            })
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::KINDS;

    fn object(kind: Kind, yaml: &str) -> Object {
        let value: serde_json::Value = serde_norway::from_str(yaml).expect("test YAML parses");
        Object::from_value(kind, value).expect("test YAML is a valid object")
    }

    /// `Ok(canonical string)` or `Err(message)`.
    fn check(input: &str, expect: Result<&str, &str>) {
        let got = parse(input).map(|s| s.to_string()).map_err(|e| e.to_string());
        let want = expect.map(str::to_string).map_err(str::to_string);
        assert_eq!(got, want, "parse({input:?})");
    }

    #[test]
    fn parses_like_fields_parse_selector() {
        let ok: &[(&str, &str)] = &[
            ("", ""),
            (",", ""),
            (",,", ""),
            ("metadata.name=web", "metadata.name=web"),
            ("metadata.name==web", "metadata.name=web"),
            ("status.phase!=Running", "status.phase!=Running"),
            ("status.phase!=Running,metadata.name=web", "metadata.name=web,status.phase!=Running"),
            ("metadata.name=web,", "metadata.name=web"),
            ("a=", "a="),
            ("a!=", "a!="),
            ("=x", "=x"),
            ("a=b\\,c", "a=b\\,c"),
            ("a=b\\=c", "a=b\\=c"),
            ("a=b\\\\c", "a=b\\\\c"),
            (" metadata.name = web", " metadata.name = web"),
            ("a=1,a=2", "a=1,a=2"),
            ("spec.nodeName=é", "spec.nodeName=é"),
        ];
        for (input, want) in ok {
            check(input, Ok(want));
        }
        let err: &[(&str, &str)] = &[
            ("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
            ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
            ("a!b", "invalid selector: 'a!b'; can't understand 'a!b'"),
            ("a in (b)", "invalid selector: 'a in (b)'; can't understand 'a in (b)'"),
            ("a=b=c", "invalid field selector: unescaped character in value: 61"),
            ("a===b", "invalid field selector: unescaped character in value: 61"),
            ("a=\\x", "invalid field selector: invalid escape sequence: \\x"),
            ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
        ];
        for (input, want) in err {
            check(input, Err(want));
        }
    }

    #[test]
    fn values_are_unescaped() {
        let s = parse("a=b\\,c\\=d\\\\e").unwrap();
        assert_eq!(s.requirements()[0].value, "b,c=d\\e");
        assert_eq!(s.requirements()[0].operator, FieldOperator::Equals);
        assert_eq!(parse("a==x").unwrap().requirements()[0].operator, FieldOperator::DoubleEquals);
        assert_eq!(parse("a!==x").unwrap_err().to_string(), "invalid field selector: unescaped character in value: 61");
        for v in ["", "plain", "a,b", "x=y", "back\\slash", "=,\\"] {
            assert_eq!(unescape_value(&escape_value(v)).as_deref(), Ok(v), "round trip {v:?}");
        }
        assert!(parse("").unwrap().is_empty());
        assert!(!parse("a=b").unwrap().is_empty());
        assert_eq!(parse("a=1,b!=2").unwrap().requires_exact_match("a"), Some("1"));
        assert_eq!(parse("a=1,b!=2").unwrap().requires_exact_match("b"), None);
    }

    fn check_kind(kind: Kind, selector: &str, expect: Result<(), &str>) {
        let got = parse(selector).unwrap().check_supported(kind);
        assert_eq!(got, expect.map_err(str::to_string), "{kind} {selector}");
    }

    #[test]
    fn per_kind_support_and_messages() {
        let generic = |f: &str| format!("\"{f}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
        check_kind(Kind::Pod, "spec.nodeName=n1,status.phase=Running,spec.hostNetwork=true", Ok(()));
        check_kind(Kind::Pod, "spec.host=n1", Ok(()));
        check_kind(Kind::Pod, "status.podIPs=10.0.0.1,status.nominatedNodeName=n", Ok(()));
        check_kind(Kind::Pod, "spec.foo=x", Err("field label not supported: spec.foo"));
        check_kind(Kind::Pod, " metadata.name=x", Err("field label not supported:  metadata.name"));
        // Terms are checked in sorted order.
        check_kind(Kind::Pod, "zz=1,spec.b=2", Err("field label not supported: spec.b"));
        check_kind(Kind::Node, "spec.unschedulable=true,metadata.name=n1", Ok(()));
        check_kind(Kind::Node, "metadata.namespace=x", Err("field label not supported: metadata.namespace"));
        check_kind(Kind::Namespace, "status.phase=Active", Ok(()));
        check_kind(Kind::Namespace, "metadata.namespace=", Err("field label not supported: metadata.namespace"));
        check_kind(Kind::Secret, "type=Opaque,metadata.namespace=default", Ok(()));
        check_kind(Kind::Secret, "data=x", Err("field label not supported: data"));
        check_kind(Kind::Service, "spec.clusterIP=None,spec.type=ClusterIP", Ok(()));
        check_kind(Kind::Service, "spec.ports=80", Err("field label not supported: spec.ports"));
        check_kind(Kind::ReplicationController, "status.replicas=3", Ok(()));
        check_kind(Kind::Event, "involvedObject.kind=Pod,involvedObject.name=web,reason=Pulled,type=Normal,source=kubelet,reportingComponent=x", Ok(()));
        check_kind(Kind::Event, "involvedObject.uid=1,involvedObject.apiVersion=v1,involvedObject.resourceVersion=1,involvedObject.fieldPath=x,involvedObject.namespace=d", Ok(()));
        check_kind(Kind::Event, "message=x", Err("field label not supported: message"));
        check_kind(Kind::Job, "status.successful=1", Ok(()));
        check_kind(Kind::Job, "spec.foo=1", Err("field label \"spec.foo\" not supported for Job"));
        check_kind(Kind::ReplicaSet, "status.replicas=1", Err(&generic("status.replicas")));
        check_kind(Kind::Deployment, "metadata.name=web,metadata.namespace=default", Ok(()));
        check_kind(Kind::Ingress, "foo.bar=baz", Err(&generic("foo.bar")));
        check_kind(Kind::ConfigMap, "data.x=1", Err(&generic("data.x")));
        check_kind(Kind::PersistentVolume, "metadata.namespace=", Ok(()));
        check_kind(Kind::StorageClass, "=x", Err(&generic("")));
        check_kind(Kind::Pod, "", Ok(()));
        for info in KINDS {
            let fields = supported_fields(info.kind);
            assert!(fields.contains(&"metadata.name"), "{}", info.name);
            let joined: Vec<String> = fields.iter().map(|f| format!("{f}=x")).collect();
            check_kind(info.kind, &joined.join(","), Ok(()));
        }
    }

    #[test]
    fn for_kind_rewrites_aliases() {
        let s = parse("spec.host=n1").unwrap().for_kind(Kind::Pod).unwrap();
        assert_eq!(s.to_string(), "spec.nodeName=n1");
        assert_eq!(parse("spec.host=n1").unwrap().for_kind(Kind::Node), Err("field label not supported: spec.host".to_string()));
    }

    const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop}
spec:
  nodeName: node-2
  restartPolicy: Always
  schedulerName: default-scheduler
  serviceAccountName: default
  containers: [{name: c, image: nginx}]
status:
  phase: Running
  podIP: 10.244.1.5
  podIPs: [{ip: 10.244.1.5}, {ip: 'fd00::5'}]
  nominatedNodeName: node-3
";

    fn check_value(obj: &Object, field: &str, want: Option<&str>) {
        assert_eq!(field_value(obj, field).as_deref(), want, "{} {field}", obj.kind());
    }

    #[test]
    fn pod_values_and_matching() {
        let pod = object(Kind::Pod, POD);
        let cases: &[(&str, Option<&str>)] = &[
            ("metadata.name", Some("web-1")),
            ("metadata.namespace", Some("shop")),
            ("spec.nodeName", Some("node-2")),
            ("spec.host", Some("node-2")),
            ("spec.restartPolicy", Some("Always")),
            ("spec.schedulerName", Some("default-scheduler")),
            ("spec.serviceAccountName", Some("default")),
            ("spec.hostNetwork", Some("false")),
            ("status.phase", Some("Running")),
            ("status.podIP", Some("10.244.1.5")),
            ("status.podIPs", None),
            ("status.nominatedNodeName", Some("node-3")),
            ("spec.containers", None),
        ];
        for (field, want) in cases {
            check_value(&pod, field, *want);
        }
        let matches: &[(&str, bool)] = &[
            ("", true),
            ("status.phase=Running", true),
            ("status.phase!=Running", false),
            ("status.phase=Pending", false),
            ("metadata.name=web-1,metadata.namespace=shop", true),
            ("metadata.name=web-1,metadata.namespace=default", false),
            ("spec.nodeName=node-2,status.phase!=Failed", true),
            ("spec.hostNetwork=false", true),
            ("status.podIPs=", true),
            ("status.podIPs=10.244.1.5", false),
            ("spec.foo=", true),
            ("spec.foo!=", false),
        ];
        for (sel, want) in matches {
            assert_eq!(parse(sel).unwrap().matches(&pod), *want, "{sel}");
        }

        let bare = object(Kind::Pod, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: x}]\nstatus: {podIP: 10.0.0.9}\n");
        check_value(&bare, "metadata.namespace", Some(""));
        check_value(&bare, "spec.hostNetwork", Some("true"));
        check_value(&bare, "spec.nodeName", Some(""));
        check_value(&bare, "status.podIP", Some("10.0.0.9"));
        check_value(&bare, "status.phase", Some(""));
        assert!(parse("spec.nodeName=").unwrap().matches(&bare));
        assert!(parse("spec.nodeName!=node-2").unwrap().matches(&bare));
    }

    #[test]
    fn values_for_other_kinds() {
        let node = object(Kind::Node, "apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\nspec: {unschedulable: true}\n");
        check_value(&node, "metadata.name", Some("node-1"));
        check_value(&node, "metadata.namespace", None);
        check_value(&node, "spec.unschedulable", Some("true"));
        let node2 = object(Kind::Node, "apiVersion: v1\nkind: Node\nmetadata: {name: node-2}\n");
        check_value(&node2, "spec.unschedulable", Some("false"));
        assert!(parse("spec.unschedulable=false").unwrap().matches(&node2));
        assert!(!parse("spec.unschedulable=false").unwrap().matches(&node));

        let ns = object(Kind::Namespace, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\nstatus: {phase: Terminating}\n");
        check_value(&ns, "status.phase", Some("Terminating"));
        check_value(&ns, "metadata.namespace", None);

        let secret = object(Kind::Secret, "apiVersion: v1\nkind: Secret\nmetadata: {name: tls, namespace: shop}\ntype: kubernetes.io/tls\n");
        check_value(&secret, "type", Some("kubernetes.io/tls"));
        assert!(parse("type=kubernetes.io/tls").unwrap().matches(&secret));
        assert!(!parse("type=Opaque").unwrap().matches(&secret));

        let svc = object(Kind::Service, "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: shop}\nspec: {clusterIP: None, type: ClusterIP}\n");
        check_value(&svc, "spec.clusterIP", Some("None"));
        check_value(&svc, "spec.type", Some("ClusterIP"));
        assert!(parse("spec.clusterIP!=None").map(|s| !s.matches(&svc)).unwrap());

        let rc = object(Kind::ReplicationController, "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc, namespace: shop}\nstatus: {replicas: 3}\n");
        check_value(&rc, "status.replicas", Some("3"));
        let rc0 = object(Kind::ReplicationController, "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc, namespace: shop}\n");
        check_value(&rc0, "status.replicas", Some("0"));

        let job = object(Kind::Job, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi, namespace: shop}\nstatus: {succeeded: 2}\n");
        check_value(&job, "status.successful", Some("2"));
        check_value(&job, "status.succeeded", None);
        let job0 = object(Kind::Job, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi, namespace: shop}\n");
        check_value(&job0, "status.successful", Some("0"));

        let ev = object(Kind::Event, "apiVersion: v1
kind: Event
metadata: {name: web-1.17a, namespace: shop}
involvedObject: {kind: Pod, namespace: shop, name: web-1, uid: u-1, apiVersion: v1, resourceVersion: '42', fieldPath: 'spec.containers{c}'}
reason: Pulled
type: Normal
reportingComponent: kubelet
");
        let cases: &[(&str, Option<&str>)] = &[
            ("involvedObject.kind", Some("Pod")),
            ("involvedObject.namespace", Some("shop")),
            ("involvedObject.name", Some("web-1")),
            ("involvedObject.uid", Some("u-1")),
            ("involvedObject.apiVersion", Some("v1")),
            ("involvedObject.resourceVersion", Some("42")),
            ("involvedObject.fieldPath", Some("spec.containers{c}")),
            ("reason", Some("Pulled")),
            ("type", Some("Normal")),
            ("reportingComponent", Some("kubelet")),
            ("source", Some("kubelet")),
            ("message", None),
        ];
        for (field, want) in cases {
            check_value(&ev, field, *want);
        }
        let ev2 = object(Kind::Event, "apiVersion: v1\nkind: Event\nmetadata: {name: e, namespace: shop}\ninvolvedObject: {kind: Node}\nsource: {component: scheduler}\nreportingComponent: other\n");
        check_value(&ev2, "source", Some("scheduler"));
        check_value(&ev2, "involvedObject.name", Some(""));
        assert!(parse("involvedObject.kind=Node,source=scheduler").unwrap().matches(&ev2));

        let deploy = object(Kind::Deployment, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: x}]}\n");
        check_value(&deploy, "metadata.namespace", Some("shop"));
        check_value(&deploy, "status.replicas", None);
        assert!(parse("metadata.namespace!=default").unwrap().matches(&deploy));

        let pv = object(Kind::PersistentVolume, "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-1}\n");
        check_value(&pv, "metadata.namespace", None);
        assert!(parse("metadata.namespace=").unwrap().matches(&pv));
        assert!(!parse("metadata.namespace=default").unwrap().matches(&pv));
    }
}
