//! `kubectl describe` of config maps and secrets, and the generic describer used for every
//! other kind (all fields, labelled the way kubectl labels unstructured content).

use k8s_openapi::api::core::v1::{ConfigMap, Secret};

use super::common::{events, header, unstructured};
use super::writer::DescWriter;
use super::DescribeContext;
use crate::api::Object;
use crate::kubectl::printers::output::object_value;

pub fn describe_config_map(cm: &ConfigMap, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    header(&mut w, &cm.metadata, true);
    w.line(0, "");
    w.line(0, "Data");
    w.line(0, "====");
    for (k, v) in cm.data.iter().flatten() {
        w.line(0, &format!("{k}:"));
        w.line(0, "----");
        w.line(0, v);
        w.line(0, "");
    }
    w.line(0, "");
    w.line(0, "BinaryData");
    w.line(0, "====");
    for (k, v) in cm.binary_data.iter().flatten() {
        w.line(0, &format!("{k}: {} bytes", v.0.len()));
    }
    w.line(0, "");
    events(&mut w, ctx.events.as_ref());
    w.finish()
}

pub fn describe_secret(s: &Secret) -> String {
    let mut w = DescWriter::new();
    header(&mut w, &s.metadata, true);
    let type_ = s.type_.as_deref().unwrap_or("Opaque");
    w.line(0, "");
    w.line(0, &format!("Type:\t{type_}"));
    w.line(0, "");
    w.line(0, "Data");
    w.line(0, "====");
    for (k, v) in s.data.iter().flatten() {
        if k == "token" && type_ == "kubernetes.io/service-account-token" {
            w.line(0, &format!("{k}:\t{}", String::from_utf8_lossy(&v.0)));
        } else {
            w.line(0, &format!("{k}:\t{} bytes", v.0.len()));
        }
    }
    w.finish()
}

/// The generic describer: name, namespace, labels, annotations, then every other field.
pub fn describe_generic(obj: &Object, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = obj.metadata();
    w.line(0, &format!("Name:\t{}", obj.name()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    super::common::labels(&mut w, "", "Labels", meta.labels.as_ref());
    super::common::annotations(&mut w, "Annotations", meta.annotations.as_ref());
    if let serde_json::Value::Object(content) = object_value(obj) {
        let skip = [
            ".metadata.managedFields",
            ".metadata.name",
            ".metadata.namespace",
            ".metadata.labels",
            ".metadata.annotations",
        ];
        unstructured(&mut w, 0, &content, "", &skip);
    }
    events(&mut w, ctx.events.as_ref());
    w.finish()
}
