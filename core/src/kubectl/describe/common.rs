//! Sections shared by describers: labels and annotations, tolerations, the Events table,
//! conditions, resources, and the generic field dump of the fallback describer.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ResourceRequirements, Toleration};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde_json::Value;

use super::writer::DescWriter;
use super::EventRow;
use crate::kubectl::printers::util::rfc1123z;

const MAX_ANNOTATION_LEN: usize = 140;

/// `Labels:  a=b` with further labels aligned below; `<none>` when empty.
pub fn labels(w: &mut DescWriter, indent: &str, title: &str, labels: Option<&BTreeMap<String, String>>) {
    w.write(0, &format!("{indent}{title}:\t"));
    let Some(labels) = labels.filter(|l| !l.is_empty()) else {
        w.line(0, "<none>");
        return;
    };
    for (i, (k, v)) in labels.iter().enumerate() {
        if i != 0 {
            w.write(0, &format!("{indent}\t"));
        }
        w.line(0, &format!("{k}={v}"));
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_string()
    }
}

/// `Annotations:  k: v`; long or multi-line values go below the key, clipped at 140 bytes;
/// `kubectl.kubernetes.io/last-applied-configuration` is skipped.
pub fn annotations(w: &mut DescWriter, title: &str, annotations: Option<&BTreeMap<String, String>>) {
    w.write(0, &format!("{title}:\t"));
    let entries: Vec<(&String, &String)> = annotations
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if entries.is_empty() {
        w.line(0, "<none>");
        return;
    }
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i != 0 {
            w.write(0, "\t");
        }
        let value = v.strip_suffix('\n').unwrap_or(v);
        if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.line(0, &format!("{k}:"));
            for part in value.split('\n') {
                w.line(0, &format!("\t  {}", shorten(part, MAX_ANNOTATION_LEN - 2)));
            }
        } else {
            w.line(0, &format!("{k}: {value}"));
        }
    }
}

/// `Name:`, `Namespace:`, `Labels:`, `Annotations:` — the usual opening.
pub fn header(w: &mut DescWriter, meta: &ObjectMeta, namespaced: bool) {
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    if namespaced {
        w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    }
    labels(w, "", "Labels", meta.labels.as_ref());
    annotations(w, "Annotations", meta.annotations.as_ref());
}

/// `Kind/name` of the controlling owner reference.
pub fn controlled_by(meta: &ObjectMeta) -> Option<String> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| format!("{}/{}", o.kind, o.name))
}

pub fn tolerations(w: &mut DescWriter, indent: &str, title: &str, tolerations: Option<&Vec<Toleration>>) {
    w.write(0, &format!("{indent}{title}:\t"));
    let mut list: Vec<&Toleration> = tolerations.into_iter().flatten().collect();
    if list.is_empty() {
        w.line(0, "<none>");
        return;
    }
    list.sort_by(|a, b| a.key.cmp(&b.key));
    for (i, t) in list.into_iter().enumerate() {
        if i != 0 {
            w.write(0, &format!("{indent}\t"));
        }
        let key = t.key.as_deref().unwrap_or_default();
        let value = t.value.as_deref().unwrap_or_default();
        let effect = t.effect.as_deref().unwrap_or_default();
        let mut s = key.to_string();
        if !value.is_empty() {
            s.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            s.push_str(&format!(":{effect}"));
        }
        if t.operator.as_deref() == Some("Exists") && value.is_empty() {
            s.push_str(if key.is_empty() && effect.is_empty() { "op=Exists" } else { " op=Exists" });
        }
        if let Some(secs) = t.toleration_seconds {
            s.push_str(&format!(" for {secs}s"));
        }
        w.line(0, &s);
    }
}

/// The Events section: `Events:  <none>` or the Type/Reason/Age/From/Message table, in its
/// own alignment segment. Nothing when events were not looked up.
pub fn events(w: &mut DescWriter, events: Option<&Vec<EventRow>>) {
    let Some(events) = events else { return };
    if events.is_empty() {
        w.line(0, "Events:\t<none>");
        return;
    }
    w.flush();
    w.line(0, "Events:");
    w.line(1, "Type\tReason\tAge\tFrom\tMessage");
    w.line(1, "----\t------\t----\t----\t-------");
    for e in events {
        w.line(1, &format!("{}\t{}\t{}\t{}\t{}", e.type_, e.reason, e.age, e.from, e.message.trim()));
    }
}

/// Go's zero time in RFC 1123 form, for timestamps that are not set.
pub fn time_or_zero(t: Option<&Time>) -> String {
    t.map_or_else(|| "Mon, 01 Jan 0001 00:00:00 +0000".to_string(), rfc1123z)
}

fn resource_list(w: &mut DescWriter, level: usize, title: &str, list: Option<&BTreeMap<String, Quantity>>) {
    let Some(list) = list.filter(|l| !l.is_empty()) else { return };
    w.line(level, &format!("{title}:"));
    for (name, q) in list {
        w.line(level + 1, &format!("{name}:\t{}", q.0));
    }
}

/// `Limits:` and `Requests:` blocks, resource names sorted.
pub fn resources(w: &mut DescWriter, level: usize, r: Option<&ResourceRequirements>) {
    let Some(r) = r else { return };
    resource_list(w, level, "Limits", r.limits.as_ref());
    resource_list(w, level, "Requests", r.requests.as_ref());
}

/// `smartLabelFor`: `apiVersion` → `API Version`, `podCIDR` → `Pod CIDR`,
/// `HTTPServer` → `HTTP Server`.
pub fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    let class = |c: char| if c.is_lowercase() { 1 } else if c.is_uppercase() { 2 } else { 3 };
    for c in field.chars() {
        match parts.last_mut() {
            Some(p) if p.chars().last().map(class) == Some(class(c)) => p.push(c),
            _ => parts.push(c.to_string()),
        }
    }
    for i in 0..parts.len().saturating_sub(1) {
        let upper_then_lower = parts[i].chars().all(char::is_uppercase)
            && parts[i + 1].chars().all(char::is_lowercase);
        if upper_then_lower {
            let last = parts[i].pop().unwrap_or_default();
            parts[i + 1].insert(0, last);
        }
    }
    const ACRONYMS: [&str; 5] = ["API", "URL", "UID", "OSB", "GUID"];
    parts
        .into_iter()
        .filter(|p| !p.is_empty() && p != "_")
        .map(|p| {
            if ACRONYMS.contains(&p.to_uppercase().as_str()) {
                p.to_uppercase()
            } else {
                let mut cs = p.chars();
                cs.next().map(|f| f.to_uppercase().chain(cs).collect()).unwrap_or_default()
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
#[test]
fn smart_labels() {
    assert_eq!(smart_label("apiVersion"), "API Version");
    assert_eq!(smart_label("podCIDR"), "Pod CIDR");
    assert_eq!(smart_label("HTTPServer"), "HTTP Server");
    assert_eq!(smart_label("uid"), "UID");
    assert_eq!(smart_label("x.y"), "x.y");
}

fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `printUnstructuredContent`: every field not skipped, maps and lists as nested sections.
pub fn unstructured(w: &mut DescWriter, level: usize, content: &serde_json::Map<String, Value>, prefix: &str, skip: &[&str]) {
    let mut fields: Vec<&String> = content.keys().collect();
    fields.sort();
    for field in fields {
        let path = format!("{prefix}.{field}");
        if skip.contains(&path.as_str()) {
            continue;
        }
        match &content[field.as_str()] {
            Value::Object(m) => {
                w.line(level, &format!("{}:", smart_label(field)));
                unstructured(w, level + 1, m, &path, skip);
            }
            Value::Array(items) => {
                w.line(level, &format!("{}:", smart_label(field)));
                for item in items {
                    match item {
                        Value::Object(m) => unstructured(w, level + 1, m, &path, skip),
                        other => w.line(level + 1, &go_value(other)),
                    }
                }
            }
            other => w.line(level, &format!("{}:\t{}", smart_label(field), go_value(other))),
        }
    }
}
