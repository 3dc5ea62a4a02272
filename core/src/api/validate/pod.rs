//! PodSpec validation: containers (names, images, pull policy, ports, env, mounts), volumes,
//! restartPolicy and dnsPolicy; pod templates of the controllers.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodTemplateSpec, Volume};

use super::{meta, names, BadValue, FieldError};

const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

pub(super) fn pod(p: &Pod, errs: &mut Vec<FieldError>) {
    match &p.spec {
        Some(spec) => pod_spec(spec, "spec", errs),
        None => errs.push(FieldError::required("spec.containers", "")),
    }
}

/// A controller's template: its labels and annotations, then its PodSpec.
pub(super) fn template(t: &PodTemplateSpec, path: &str, errs: &mut Vec<FieldError>) {
    template_with_claims(t, path, &[], errs);
}

/// [`template`] where `claims` (a StatefulSet's volumeClaimTemplates) also count as volumes.
pub(super) fn template_with_claims(t: &PodTemplateSpec, path: &str, claims: &[String], errs: &mut Vec<FieldError>) {
    if let Some(m) = &t.metadata {
        meta::labels(m.labels.as_ref(), &format!("{path}.metadata.labels"), errs);
        meta::annotations(m.annotations.as_ref(), &format!("{path}.metadata.annotations"), errs);
    }
    match &t.spec {
        Some(spec) => pod_spec_with_claims(spec, &format!("{path}.spec"), claims, errs),
        None => errs.push(FieldError::required(format!("{path}.spec.containers"), "")),
    }
}

pub(super) fn pod_spec(spec: &PodSpec, path: &str, errs: &mut Vec<FieldError>) {
    pod_spec_with_claims(spec, path, &[], errs);
}

fn pod_spec_with_claims(spec: &PodSpec, path: &str, claims: &[String], errs: &mut Vec<FieldError>) {
    let mut volumes = volumes(spec.volumes.as_deref().unwrap_or(&[]), &format!("{path}.volumes"), errs);
    volumes.extend(claims.iter().cloned());
    if spec.containers.is_empty() {
        errs.push(FieldError::required(format!("{path}.containers"), ""));
    }
    let mut names = BTreeSet::new();
    containers(&spec.containers, &format!("{path}.containers"), &volumes, &mut names, errs);
    if let Some(init) = &spec.init_containers {
        containers(init, &format!("{path}.initContainers"), &volumes, &mut names, errs);
    }
    let p = format!("{path}.restartPolicy");
    match spec.restart_policy.as_deref().unwrap_or("") {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.push(FieldError::required(p, "")),
        other => errs.push(FieldError::unsupported(p, BadValue::Str(other.into()), &["Always", "OnFailure", "Never"])),
    }
    match spec.dns_policy.as_deref().unwrap_or("") {
        "ClusterFirst" | "ClusterFirstWithHostNet" | "Default" | "None" => {}
        other => errs.push(FieldError::unsupported(
            format!("{path}.dnsPolicy"),
            BadValue::Str(other.into()),
            &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
        )),
    }
    if let Some(s) = spec.active_deadline_seconds.filter(|s| *s <= 0) {
        errs.push(FieldError::invalid(format!("{path}.activeDeadlineSeconds"), BadValue::Int(s), "must be between 1 and 2147483647, inclusive"));
    }
    meta::non_negative(spec.termination_grace_period_seconds, &format!("{path}.terminationGracePeriodSeconds"), errs);
}

/// Volume names (required, DNS label, unique) and exactly one source each. Returns the names.
fn volumes(vols: &[Volume], path: &str, errs: &mut Vec<FieldError>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (i, v) in vols.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if v.name.is_empty() {
            errs.push(FieldError::required(format!("{p}.name"), ""));
        } else {
            for msg in names::dns1123_label(&v.name) {
                errs.push(FieldError::invalid(format!("{p}.name"), BadValue::Str(v.name.clone()), msg));
            }
            if !seen.insert(v.name.clone()) {
                errs.push(FieldError::duplicate(format!("{p}.name"), BadValue::Str(v.name.clone())));
            }
        }
        let sources = serde_json::to_value(v)
            .ok()
            .and_then(|j| j.as_object().map(|o| o.keys().filter(|k| k.as_str() != "name").count()))
            .unwrap_or(0);
        if sources == 0 {
            errs.push(FieldError::required(p, "must specify a volume type"));
        } else if sources > 1 {
            errs.push(FieldError::forbidden(p, "may not specify more than 1 volume type"));
        }
    }
    seen
}

fn containers(
    list: &[Container],
    path: &str,
    volumes: &BTreeSet<String>,
    names_seen: &mut BTreeSet<String>,
    errs: &mut Vec<FieldError>,
) {
    for (i, c) in list.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if c.name.is_empty() {
            errs.push(FieldError::required(format!("{p}.name"), ""));
        } else {
            for msg in names::dns1123_label(&c.name) {
                errs.push(FieldError::invalid(format!("{p}.name"), BadValue::Str(c.name.clone()), msg));
            }
            if !names_seen.insert(c.name.clone()) {
                errs.push(FieldError::duplicate(format!("{p}.name"), BadValue::Str(c.name.clone())));
            }
        }
        let image = c.image.as_deref().unwrap_or("");
        if image.is_empty() {
            errs.push(FieldError::required(format!("{p}.image"), ""));
        } else if image.trim() != image {
            errs.push(FieldError::invalid(format!("{p}.image"), BadValue::Str(image.into()), "must not have leading or trailing whitespace"));
        }
        match c.image_pull_policy.as_deref().unwrap_or("") {
            "Always" | "IfNotPresent" | "Never" => {}
            "" => errs.push(FieldError::required(format!("{p}.imagePullPolicy"), "")),
            other => errs.push(FieldError::unsupported(
                format!("{p}.imagePullPolicy"),
                BadValue::Str(other.into()),
                &["Always", "IfNotPresent", "Never"],
            )),
        }
        container_ports(c, &p, errs);
        for (j, e) in c.env.iter().flatten().enumerate() {
            let ep = format!("{p}.env[{j}].name");
            if e.name.is_empty() {
                errs.push(FieldError::required(ep, ""));
            } else {
                for msg in names::env_var_name(&e.name) {
                    errs.push(FieldError::invalid(ep.clone(), BadValue::Str(e.name.clone()), msg));
                }
            }
        }
        for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
            let mp = format!("{p}.volumeMounts[{j}]");
            if m.name.is_empty() {
                errs.push(FieldError::required(format!("{mp}.name"), ""));
            } else if !volumes.contains(&m.name) {
                errs.push(FieldError::not_found(format!("{mp}.name"), BadValue::Str(m.name.clone())));
            }
            if m.mount_path.is_empty() {
                errs.push(FieldError::required(format!("{mp}.mountPath"), ""));
            }
        }
    }
}

fn container_ports(c: &Container, path: &str, errs: &mut Vec<FieldError>) {
    let mut seen = BTreeSet::new();
    for (i, port) in c.ports.iter().flatten().enumerate() {
        let p = format!("{path}.ports[{i}]");
        if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
            for msg in names::port_name(name) {
                errs.push(FieldError::invalid(format!("{p}.name"), BadValue::Str(name.into()), msg));
            }
            if !seen.insert(name.to_string()) {
                errs.push(FieldError::duplicate(format!("{p}.name"), BadValue::Str(name.into())));
            }
        }
        if port.container_port == 0 {
            errs.push(FieldError::required(format!("{p}.containerPort"), ""));
        } else {
            for msg in names::port_number(i64::from(port.container_port)) {
                errs.push(FieldError::invalid(format!("{p}.containerPort"), BadValue::Int(port.container_port.into()), msg));
            }
        }
        if let Some(host) = port.host_port.filter(|h| *h != 0) {
            for msg in names::port_number(i64::from(host)) {
                errs.push(FieldError::invalid(format!("{p}.hostPort"), BadValue::Int(host.into()), msg));
            }
        }
        protocol(port.protocol.as_deref(), &format!("{p}.protocol"), errs);
    }
}

/// `protocol`: required, one of SCTP / TCP / UDP.
pub(super) fn protocol(value: Option<&str>, path: &str, errs: &mut Vec<FieldError>) {
    match value.unwrap_or("") {
        "" => errs.push(FieldError::required(path, "")),
        p if PROTOCOLS.contains(&p) => {}
        other => errs.push(FieldError::unsupported(path, BadValue::Str(other.into()), PROTOCOLS)),
    }
}
