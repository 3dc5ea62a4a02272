//! Validation of Service, HorizontalPodAutoscaler, PersistentVolumeClaim, PersistentVolume,
//! ConfigMap, Secret, Ingress and NetworkPolicy.

use std::collections::BTreeSet;

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret, Service};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::path::Path;
use super::{meta, names, pod, BadValue, FieldError};

const ACCESS_MODES: &[&str] = &["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

/// A port given as a number (1-65535) or an IANA service name.
fn port_num_or_name(port: &IntOrString, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    match port {
        IntOrString::Int(n) => {
            for msg in names::port_number(i64::from(*n)) {
                errs.push(FieldError::invalid(path, BadValue::Int((*n).into()), msg));
            }
        }
        IntOrString::String(s) => {
            for msg in names::port_name(s) {
                errs.push(FieldError::invalid(path, BadValue::Str(s.clone()), msg));
            }
        }
    }
}

pub(super) fn service(s: &Service, errs: &mut Vec<FieldError>) {
    let Some(spec) = &s.spec else { return };
    let service_type = spec.type_.as_deref().unwrap_or("");
    let headless = spec.cluster_ip.as_deref() == Some("None");
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    if ports.is_empty() && !headless && service_type != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    match service_type {
        "ClusterIP" | "ExternalName" | "LoadBalancer" | "NodePort" => {}
        "" => errs.push(FieldError::required("spec.type", "")),
        other => errs.push(FieldError::unsupported(
            "spec.type",
            BadValue::Str(other.into()),
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        )),
    }
    if service_type == "ExternalName" {
        match spec.external_name.as_deref().unwrap_or("") {
            "" => errs.push(FieldError::required("spec.externalName", "")),
            name => {
                for msg in names::dns1123_subdomain(name.trim_end_matches('.')) {
                    errs.push(FieldError::invalid("spec.externalName", BadValue::Str(name.into()), msg));
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    let ports_path = Path::new("spec.ports");
    for (i, port) in ports.iter().enumerate() {
        let p = ports_path.index(i);
        match port.name.as_deref().unwrap_or("") {
            "" if ports.len() > 1 => errs.push(FieldError::required(p.child("name"), "")),
            "" => {}
            name => {
                for msg in names::dns1123_label(name) {
                    errs.push(FieldError::invalid(p.child("name"), BadValue::Str(name.into()), msg));
                }
                if !seen.insert(name) {
                    errs.push(FieldError::duplicate(p.child("name"), BadValue::Str(name.into())));
                }
            }
        }
        for msg in names::port_number(i64::from(port.port)) {
            errs.push(FieldError::invalid(p.child("port"), BadValue::Int(port.port.into()), msg));
        }
        pod::protocol(port.protocol.as_deref(), &p.child("protocol"), errs);
        if let Some(target) = &port.target_port {
            port_num_or_name(target, &p.child("targetPort"), errs);
        }
        if let Some(node_port) = port.node_port.filter(|n| *n != 0) {
            if service_type == "ClusterIP" {
                errs.push(FieldError::forbidden(p.child("nodePort"), "may not be used when `type` is 'ClusterIP'"));
            } else {
                for msg in names::port_number(i64::from(node_port)) {
                    errs.push(FieldError::invalid(p.child("nodePort"), BadValue::Int(node_port.into()), msg));
                }
            }
        }
    }
    let mut node_ports = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let Some(node_port) = port.node_port.filter(|n| *n != 0) else { continue };
        if !node_ports.insert((port.protocol.as_deref().unwrap_or(""), node_port)) {
            let p = ports_path.index(i);
            errs.push(FieldError::duplicate(p.child("nodePort"), BadValue::Int(node_port.into())));
        }
    }
    match spec.session_affinity.as_deref().unwrap_or("") {
        "ClientIP" | "None" => {}
        "" => errs.push(FieldError::required("spec.sessionAffinity", "")),
        other => errs.push(FieldError::unsupported("spec.sessionAffinity", BadValue::Str(other.into()), &["ClientIP", "None"])),
    }
    meta::labels(spec.selector.as_ref(), &Path::new("spec.selector"), errs);
}

pub(super) fn horizontal_pod_autoscaler(h: &HorizontalPodAutoscaler, errs: &mut Vec<FieldError>) {
    let spec = &h.spec;
    let target = &spec.scale_target_ref;
    let target_path = Path::new("spec.scaleTargetRef");
    for (value, field) in [(&target.kind, "kind"), (&target.name, "name")] {
        let p = target_path.child(field);
        if value.is_empty() {
            errs.push(FieldError::required(p, ""));
        } else {
            for msg in names::path_segment(value) {
                errs.push(FieldError::invalid(p, BadValue::Str(value.clone()), msg));
            }
        }
    }
    if let Some(min) = spec.min_replicas.filter(|m| *m < 1) {
        errs.push(FieldError::invalid("spec.minReplicas", BadValue::Int(min.into()), "must be greater than or equal to 1"));
    }
    if spec.max_replicas < 1 {
        errs.push(FieldError::invalid("spec.maxReplicas", BadValue::Int(spec.max_replicas.into()), "must be greater than 0"));
    }
    if spec.min_replicas.is_some_and(|min| spec.max_replicas < min) {
        errs.push(FieldError::invalid(
            "spec.maxReplicas",
            BadValue::Int(spec.max_replicas.into()),
            "must be greater than or equal to `minReplicas`",
        ));
    }
    let metrics = Path::new("spec.metrics");
    for (i, metric) in spec.metrics.iter().flatten().enumerate() {
        let p = metrics.index(i);
        let source_present = match metric.type_.as_str() {
            "Resource" => Some(metric.resource.is_some()),
            "Pods" => Some(metric.pods.is_some()),
            "Object" => Some(metric.object.is_some()),
            "External" => Some(metric.external.is_some()),
            "ContainerResource" => Some(metric.container_resource.is_some()),
            _ => None,
        };
        match source_present {
            None => errs.push(FieldError::unsupported(
                p.child("type"),
                BadValue::Str(metric.type_.clone()),
                &["ContainerResource", "External", "Object", "Pods", "Resource"],
            )),
            Some(false) => {
                let field = match metric.type_.as_str() {
                    "ContainerResource" => "containerResource".to_string(),
                    t => t.to_ascii_lowercase(),
                };
                errs.push(FieldError::required(p.child(&field), "must populate information for the given metric source"));
            }
            Some(true) => {}
        }
        if let Some(r) = &metric.resource {
            if r.name.is_empty() {
                errs.push(FieldError::required(p.child("resource.name"), "must specify a resource name"));
            }
        }
    }
}

fn access_modes(modes: Option<&Vec<String>>, path: &str, errs: &mut Vec<FieldError>) {
    let modes = modes.map(Vec::as_slice).unwrap_or(&[]);
    if modes.is_empty() {
        errs.push(FieldError::required(path, "at least 1 access mode is required"));
    }
    for mode in modes {
        if !ACCESS_MODES.contains(&mode.as_str()) {
            errs.push(FieldError::unsupported(path, BadValue::Str(mode.clone()), ACCESS_MODES));
        }
    }
}

pub(super) fn persistent_volume_claim(pvc: &PersistentVolumeClaim, errs: &mut Vec<FieldError>) {
    let spec = pvc.spec.clone().unwrap_or_default();
    access_modes(spec.access_modes.as_ref(), "spec.accessModes", errs);
    let has_storage = spec.resources.as_ref().and_then(|r| r.requests.as_ref()).is_some_and(|r| r.contains_key("storage"));
    if !has_storage {
        errs.push(FieldError::required("spec.resources[storage]", ""));
    }
    if let Some(mode) = spec.volume_mode.as_deref().filter(|m| *m != "Block" && *m != "Filesystem") {
        errs.push(FieldError::unsupported("spec.volumeMode", BadValue::Str(mode.into()), &["Block", "Filesystem"]));
    }
}

pub(super) fn persistent_volume(pv: &PersistentVolume, errs: &mut Vec<FieldError>) {
    let spec = pv.spec.clone().unwrap_or_default();
    access_modes(spec.access_modes.as_ref(), "spec.accessModes", errs);
    let capacity = spec.capacity.clone().unwrap_or_default();
    if capacity.is_empty() {
        errs.push(FieldError::required("spec.capacity", ""));
    } else if !capacity.contains_key("storage") || capacity.len() != 1 {
        let keys: Vec<String> = capacity.keys().map(|k| format!("{k:?}")).collect();
        errs.push(FieldError::unsupported("spec.capacity", BadValue::Raw(format!("[]core.ResourceName{{{}}}", keys.join(", "))), &["storage"]));
    }
    if let Some(policy) = spec.persistent_volume_reclaim_policy.as_deref() {
        if !["Delete", "Recycle", "Retain"].contains(&policy) {
            errs.push(FieldError::unsupported(
                "spec.persistentVolumeReclaimPolicy",
                BadValue::Str(policy.into()),
                &["Delete", "Recycle", "Retain"],
            ));
        }
    }
    const NOT_SOURCES: &[&str] = &[
        "accessModes", "capacity", "claimRef", "mountOptions", "nodeAffinity", "persistentVolumeReclaimPolicy",
        "storageClassName", "volumeAttributesClassName", "volumeMode",
    ];
    let sources = serde_json::to_value(&spec)
        .ok()
        .and_then(|j| j.as_object().map(|o| o.keys().filter(|k| !NOT_SOURCES.contains(&k.as_str())).count()))
        .unwrap_or(0);
    if sources == 0 {
        errs.push(FieldError::required("spec", "must specify a volume type"));
    }
}

/// Keys of `data` / `binaryData` (or `stringData`, merged into `data`).
fn keys<'a>(keys: impl Iterator<Item = &'a String>, field: &str, errs: &mut Vec<FieldError>) {
    let path = Path::new(field);
    for key in keys {
        for msg in names::config_map_key(key) {
            errs.push(FieldError::invalid(path.key(key), BadValue::Str(key.clone()), msg));
        }
    }
}

pub(super) fn config_map(c: &ConfigMap, errs: &mut Vec<FieldError>) {
    keys(c.data.iter().flatten().map(|(k, _)| k), "data", errs);
    keys(c.binary_data.iter().flatten().map(|(k, _)| k), "binaryData", errs);
    for key in c.binary_data.iter().flatten().map(|(k, _)| k) {
        if c.data.as_ref().is_some_and(|d| d.contains_key(key)) {
            errs.push(FieldError::invalid(format!("binaryData[{key}]"), BadValue::Str(key.clone()), "duplicate of key present in data"));
        }
    }
}

/// Key formats, then the keys each built-in secret type requires.
pub(super) fn secret(s: &Secret, errs: &mut Vec<FieldError>) {
    let mut all: BTreeSet<&String> = s.data.iter().flatten().map(|(k, _)| k).collect();
    all.extend(s.string_data.iter().flatten().map(|(k, _)| k));
    keys(all.iter().copied(), "data", errs);
    let required: &[&str] = match s.type_.as_deref().unwrap_or("Opaque") {
        "kubernetes.io/tls" => &["tls.crt", "tls.key"],
        "kubernetes.io/dockerconfigjson" => &[".dockerconfigjson"],
        "kubernetes.io/dockercfg" => &[".dockercfg"],
        "kubernetes.io/ssh-auth" => &["ssh-privatekey"],
        _ => &[],
    };
    for key in required {
        if !all.iter().any(|k| k.as_str() == *key) {
            errs.push(FieldError::required(format!("data[{key}]"), ""));
        }
    }
    if s.type_.as_deref() == Some("kubernetes.io/service-account-token") {
        let named = s.metadata.annotations.as_ref().is_some_and(|a| a.contains_key("kubernetes.io/service-account.name"));
        if !named {
            errs.push(FieldError::required("metadata.annotations[kubernetes.io/service-account.name]", ""));
        }
    }
}

pub(super) fn ingress(i: &Ingress, errs: &mut Vec<FieldError>) {
    let Some(spec) = &i.spec else { return };
    let rules = Path::new("spec.rules");
    for (r, rule) in spec.rules.iter().flatten().enumerate() {
        let rule_path = rules.index(r);
        if let Some(host) = rule.host.as_deref().filter(|h| !h.is_empty()) {
            let bare = host.strip_prefix("*.").unwrap_or(host);
            for msg in names::dns1123_subdomain(bare) {
                errs.push(FieldError::invalid(rule_path.child("host"), BadValue::Str(host.into()), msg));
            }
        }
        let paths = rule_path.child("http.paths");
        for (p, path) in rule.http.iter().flat_map(|h| h.paths.iter()).enumerate() {
            let at = paths.index(p);
            match path.path_type.as_str() {
                "" => errs.push(FieldError::required(at.child("pathType"), "pathType must be specified")),
                "Exact" | "Prefix" => {
                    let value = path.path.as_deref().unwrap_or("");
                    if !value.starts_with('/') {
                        errs.push(FieldError::invalid(at.child("path"), BadValue::Str(value.into()), "must be an absolute path"));
                    }
                }
                "ImplementationSpecific" => {}
                other => errs.push(FieldError::unsupported(
                    at.child("pathType"),
                    BadValue::Str(other.into()),
                    &["Exact", "ImplementationSpecific", "Prefix"],
                )),
            }
        }
    }
}

pub(super) fn network_policy(n: &NetworkPolicy, errs: &mut Vec<FieldError>) {
    let Some(spec) = &n.spec else { return };
    if let Some(sel) = &spec.pod_selector {
        meta::label_selector(sel, &Path::new("spec.podSelector"), errs);
    }
    let (ingress, egress) = (Path::new("spec.ingress"), Path::new("spec.egress"));
    let rules = spec
        .ingress
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, r)| (ingress.index(i), r.ports.as_deref()))
        .chain(spec.egress.iter().flatten().enumerate().map(|(i, r)| (egress.index(i), r.ports.as_deref())));
    for (path, ports) in rules {
        let ports_path = path.child("ports");
        for (j, port) in ports.unwrap_or(&[]).iter().enumerate() {
            let p = ports_path.index(j);
            pod::protocol(port.protocol.as_deref(), &p.child("protocol"), errs);
            if let Some(number) = &port.port {
                port_num_or_name(number, &p.child("port"), errs);
            }
        }
    }
    for (i, t) in spec.policy_types.iter().flatten().enumerate() {
        if t != "Ingress" && t != "Egress" {
            errs.push(FieldError::unsupported(format!("spec.policyTypes[{i}]"), BadValue::Str(t.clone()), &["Ingress", "Egress"]));
        }
    }
}
