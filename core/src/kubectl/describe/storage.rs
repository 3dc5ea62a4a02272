//! `kubectl describe` of PersistentVolumeClaims, PersistentVolumes and StorageClasses, after
//! kubectl's `describePersistentVolumeClaim` / `describePersistentVolume` /
//! `StorageClassDescriber` (Used By, node affinity terms, allowedTopologies terms, the
//! hostPath / local source; other volume sources fall back to their field dump).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, TopologySelectorTerm};
use k8s_openapi::api::storage::v1::StorageClass;

use super::common::{annotations, events, labels, unstructured};
use super::writer::DescWriter;
use super::DescribeContext;
use crate::kubectl::printers::cluster::is_default_class;
use crate::kubectl::printers::util::access_modes;

fn finalizers(list: Option<&Vec<String>>) -> String {
    format!("[{}]", list.map(|f| f.join(" ")).unwrap_or_default())
}

fn class_of(beta: Option<&String>, class: Option<&String>) -> String {
    beta.or(class).cloned().unwrap_or_default()
}

pub fn describe_claim(pvc: &PersistentVolumeClaim, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &pvc.metadata;
    let spec = pvc.spec.clone().unwrap_or_default();
    let status = pvc.status.clone().unwrap_or_default();
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or("")));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or("")));
    let beta = meta.annotations.as_ref().and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"));
    w.line(0, &format!("StorageClass:\t{}", class_of(beta, spec.storage_class_name.as_ref())));
    let phase = if meta.deletion_timestamp.is_some() { "Terminating".to_string() } else { status.phase.clone().unwrap_or_default() };
    w.line(0, &format!("Status:\t{phase}"));
    let volume = spec.volume_name.clone().unwrap_or_default();
    w.line(0, &format!("Volume:\t{volume}"));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    w.line(0, &format!("Finalizers:\t{}", finalizers(meta.finalizers.as_ref())));
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        let cap = status.capacity.as_ref().and_then(|c| c.get("storage")).map(|q| q.0.clone()).unwrap_or_default();
        (cap, access_modes(status.access_modes.as_ref()))
    };
    w.line(0, &format!("Capacity:\t{capacity}"));
    w.line(0, &format!("Access Modes:\t{modes}"));
    if let Some(mode) = &spec.volume_mode {
        w.line(0, &format!("VolumeMode:\t{mode}"));
    }
    w.write(0, "Used By:\t");
    if ctx.used_by.is_empty() {
        w.line(0, "<none>");
    }
    for (i, pod) in ctx.used_by.iter().enumerate() {
        if i > 0 {
            w.write(0, "\t");
        }
        w.line(0, pod);
    }
    events(&mut w, ctx.events.as_ref());
    w.finish()
}

pub fn describe_volume(pv: &PersistentVolume, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &pv.metadata;
    let spec = pv.spec.clone().unwrap_or_default();
    let status = pv.status.clone().unwrap_or_default();
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or("")));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    w.line(0, &format!("Finalizers:\t{}", finalizers(meta.finalizers.as_ref())));
    let beta = meta.annotations.as_ref().and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"));
    w.line(0, &format!("StorageClass:\t{}", class_of(beta, spec.storage_class_name.as_ref())));
    let phase = if meta.deletion_timestamp.is_some() { "Terminating".to_string() } else { status.phase.clone().unwrap_or_default() };
    w.line(0, &format!("Status:\t{phase}"));
    let claim = spec.claim_ref.as_ref().map_or_else(String::new, |c| {
        format!("{}/{}", c.namespace.as_deref().unwrap_or(""), c.name.as_deref().unwrap_or(""))
    });
    w.line(0, &format!("Claim:\t{claim}"));
    w.line(0, &format!("Reclaim Policy:\t{}", spec.persistent_volume_reclaim_policy.clone().unwrap_or_default()));
    w.line(0, &format!("Access Modes:\t{}", access_modes(spec.access_modes.as_ref())));
    if let Some(mode) = &spec.volume_mode {
        w.line(0, &format!("VolumeMode:\t{mode}"));
    }
    let capacity = spec.capacity.as_ref().and_then(|c| c.get("storage")).map(|q| q.0.clone()).unwrap_or_else(|| "0".into());
    w.line(0, &format!("Capacity:\t{capacity}"));
    w.write(0, "Node Affinity:\t");
    match spec.node_affinity.as_ref().and_then(|a| a.required.as_ref()) {
        None => w.line(0, "<none>"),
        Some(required) => {
            w.line(0, "");
            w.write(1, "Required Terms:\t");
            if required.node_selector_terms.is_empty() {
                w.line(0, "<none>");
            } else {
                w.line(0, "");
            }
            for (i, term) in required.node_selector_terms.iter().enumerate() {
                let reqs = term.match_expressions.iter().flatten();
                term_lines(&mut w, 2, i, reqs.map(|r| expression(&r.key, &r.operator.to_lowercase(), r.values.as_deref().unwrap_or(&[]))));
            }
        }
    }
    w.line(0, &format!("Message:\t{}", status.message.clone().unwrap_or_default()));
    w.line(0, "Source:");
    if let Some(h) = &spec.host_path {
        w.line(2, "Type:\tHostPath (bare host directory volume)");
        w.line(2, &format!("Path:\t{}", h.path));
        w.line(2, &format!("HostPathType:\t{}", h.type_.as_deref().unwrap_or("<none>")));
    } else if let Some(l) = &spec.local {
        w.line(2, "Type:\tLocalVolume (a persistent volume backed by local storage on a node)");
        w.line(2, &format!("Path:\t{}", l.path));
    } else if let Ok(serde_json::Value::Object(mut m)) = serde_json::to_value(&spec) {
        for k in ["accessModes", "capacity", "claimRef", "nodeAffinity", "persistentVolumeReclaimPolicy", "storageClassName", "volumeMode", "mountOptions", "volumeAttributesClassName"] {
            m.remove(k);
        }
        unstructured(&mut w, 2, &m, "", &[]);
    }
    events(&mut w, ctx.events.as_ref());
    w.finish()
}

/// `labels.FormatLabels`: `k=v,k2=v2` in key order, `<none>` when empty.
fn format_pairs(map: Option<&BTreeMap<String, String>>) -> String {
    let pairs: Vec<String> = map.into_iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    if pairs.is_empty() { "<none>".into() } else { pairs.join(",") }
}

/// kubectl's `printAllowedTopologies`: one `Term N:` line per term, its expressions as
/// `key in [v1, v2]` aligned under one another.
fn allowed_topologies(w: &mut DescWriter, terms: &[TopologySelectorTerm]) {
    w.write(0, "AllowedTopologies:\t");
    if terms.is_empty() {
        w.line(0, "<none>");
        return;
    }
    w.line(0, "");
    for (i, term) in terms.iter().enumerate() {
        let reqs = term.match_label_expressions.iter().flatten();
        term_lines(w, 1, i, reqs.map(|r| expression(&r.key, "in", &r.values)));
    }
}

/// `key op [v1, v2]` (`key op` without values), as kubectl prints a selector requirement.
fn expression(key: &str, op: &str, values: &[String]) -> String {
    if values.is_empty() { format!("{key} {op}") } else { format!("{key} {op} [{}]", values.join(", ")) }
}

/// `Term N:` and the term's expressions, one per line under one another (`<none>` for none):
/// kubectl's `printNodeSelectorTermsMultilineWithIndent` and its topology twin.
fn term_lines(w: &mut DescWriter, level: usize, i: usize, exprs: impl Iterator<Item = String>) {
    w.write(level, &format!("Term {i}:\t"));
    let mut any = false;
    for expr in exprs {
        if any {
            w.write(level, "\t");
        }
        w.line(0, &expr);
        any = true;
    }
    if !any {
        w.line(0, "<none>");
    }
}

pub fn describe_storage_class(sc: &StorageClass, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    w.line(0, &format!("Name:\t{}", sc.metadata.name.as_deref().unwrap_or("")));
    w.line(0, &format!("IsDefaultClass:\t{}", if is_default_class(&sc.metadata) { "Yes" } else { "No" }));
    w.line(0, &format!("Annotations:\t{}", format_pairs(sc.metadata.annotations.as_ref())));
    w.line(0, &format!("Provisioner:\t{}", sc.provisioner));
    w.line(0, &format!("Parameters:\t{}", format_pairs(sc.parameters.as_ref())));
    let expansion = match sc.allow_volume_expansion {
        None => "<unset>",
        Some(true) => "True",
        Some(false) => "False",
    };
    w.line(0, &format!("AllowVolumeExpansion:\t{expansion}"));
    match sc.mount_options.as_ref().filter(|m| !m.is_empty()) {
        None => w.line(0, "MountOptions:\t<none>"),
        Some(options) => {
            w.line(0, "MountOptions:");
            for o in options {
                w.line(1, o);
            }
        }
    }
    if let Some(p) = &sc.reclaim_policy {
        w.line(0, &format!("ReclaimPolicy:\t{p}"));
    }
    if let Some(m) = &sc.volume_binding_mode {
        w.line(0, &format!("VolumeBindingMode:\t{m}"));
    }
    if let Some(terms) = &sc.allowed_topologies {
        allowed_topologies(&mut w, terms);
    }
    events(&mut w, ctx.events.as_ref());
    w.finish()
}
