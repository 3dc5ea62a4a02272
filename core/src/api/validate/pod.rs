//! PodSpec validation: containers (names, images, pull policy, ports, env, mounts), volumes,
//! restartPolicy, dnsPolicy and topologySpreadConstraints (`spread.rs`); pod templates of the
//! controllers.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec, PodTemplateSpec, Volume};

use super::path::Path;
use super::{meta, names, spread, BadValue, FieldError};

const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

pub(super) fn pod(p: &Pod, errs: &mut Vec<FieldError>) {
    match &p.spec {
        Some(spec) => pod_spec(spec, &Path::new("spec"), errs),
        None => errs.push(FieldError::required("spec.containers", "")),
    }
}

/// A controller's template: its labels and annotations, then its PodSpec.
pub(super) fn template(t: &PodTemplateSpec, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    template_with_claims(t, path, &[], errs);
}

/// [`template`] where `claims` (a StatefulSet's volumeClaimTemplates) also count as volumes.
pub(super) fn template_with_claims(t: &PodTemplateSpec, path: &Path<'_>, claims: &[String], errs: &mut Vec<FieldError>) {
    if let Some(m) = &t.metadata {
        meta::labels(m.labels.as_ref(), &path.child("metadata.labels"), errs);
        meta::annotations(m.annotations.as_ref(), &path.child("metadata.annotations"), errs);
    }
    match &t.spec {
        Some(spec) => pod_spec_with_claims(spec, &path.child("spec"), claims, errs),
        None => errs.push(FieldError::required(path.child("spec.containers"), "")),
    }
}

pub(super) fn pod_spec(spec: &PodSpec, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    pod_spec_with_claims(spec, path, &[], errs);
}

fn pod_spec_with_claims(spec: &PodSpec, path: &Path<'_>, claims: &[String], errs: &mut Vec<FieldError>) {
    let mut volumes = volumes(spec.volumes.as_deref().unwrap_or(&[]), &path.child("volumes"), errs);
    volumes.extend(claims.iter().map(String::as_str));
    let containers_path = path.child("containers");
    if spec.containers.is_empty() {
        errs.push(FieldError::required(containers_path, ""));
    }
    let mut names = BTreeSet::new();
    containers(&spec.containers, &containers_path, &volumes, &mut names, errs);
    if let Some(init) = &spec.init_containers {
        containers(init, &path.child("initContainers"), &volumes, &mut names, errs);
    }
    let p = path.child("restartPolicy");
    match spec.restart_policy.as_deref().unwrap_or("") {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.push(FieldError::required(p, "")),
        other => errs.push(FieldError::unsupported(p, BadValue::Str(other.into()), &["Always", "OnFailure", "Never"])),
    }
    match spec.dns_policy.as_deref().unwrap_or("") {
        "ClusterFirst" | "ClusterFirstWithHostNet" | "Default" | "None" => {}
        other => errs.push(FieldError::unsupported(
            path.child("dnsPolicy"),
            BadValue::Str(other.into()),
            &["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
        )),
    }
    if let Some(s) = spec.active_deadline_seconds.filter(|s| *s <= 0) {
        errs.push(FieldError::invalid(path.child("activeDeadlineSeconds"), BadValue::Int(s), "must be between 1 and 2147483647, inclusive"));
    }
    meta::non_negative(spec.termination_grace_period_seconds, &path.child("terminationGracePeriodSeconds"), errs);
    if let Some(constraints) = &spec.topology_spread_constraints {
        spread::topology_spread_constraints(constraints, &path.child("topologySpreadConstraints"), errs);
    }
}

/// Volume names (required, DNS label, unique) and exactly one source each. Returns the names.
fn volumes<'s>(vols: &'s [Volume], path: &Path<'_>, errs: &mut Vec<FieldError>) -> BTreeSet<&'s str> {
    let mut seen = BTreeSet::new();
    for (i, v) in vols.iter().enumerate() {
        let p = path.index(i);
        if v.name.is_empty() {
            errs.push(FieldError::required(p.child("name"), ""));
        } else {
            for msg in names::dns1123_label(&v.name) {
                errs.push(FieldError::invalid(p.child("name"), BadValue::Str(v.name.clone()), msg));
            }
            if !seen.insert(v.name.as_str()) {
                errs.push(FieldError::duplicate(p.child("name"), BadValue::Str(v.name.clone())));
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

fn containers<'s>(
    list: &'s [Container],
    path: &Path<'_>,
    volumes: &BTreeSet<&str>,
    names_seen: &mut BTreeSet<&'s str>,
    errs: &mut Vec<FieldError>,
) {
    for (i, c) in list.iter().enumerate() {
        let p = path.index(i);
        if c.name.is_empty() {
            errs.push(FieldError::required(p.child("name"), ""));
        } else {
            for msg in names::dns1123_label(&c.name) {
                errs.push(FieldError::invalid(p.child("name"), BadValue::Str(c.name.clone()), msg));
            }
            if !names_seen.insert(c.name.as_str()) {
                errs.push(FieldError::duplicate(p.child("name"), BadValue::Str(c.name.clone())));
            }
        }
        let image = c.image.as_deref().unwrap_or("");
        if image.is_empty() {
            errs.push(FieldError::required(p.child("image"), ""));
        } else if image.trim() != image {
            errs.push(FieldError::invalid(p.child("image"), BadValue::Str(image.into()), "must not have leading or trailing whitespace"));
        }
        match c.image_pull_policy.as_deref().unwrap_or("") {
            "Always" | "IfNotPresent" | "Never" => {}
            "" => errs.push(FieldError::required(p.child("imagePullPolicy"), "")),
            other => errs.push(FieldError::unsupported(
                p.child("imagePullPolicy"),
                BadValue::Str(other.into()),
                &["Always", "IfNotPresent", "Never"],
            )),
        }
        container_ports(c, &p, errs);
        let env = p.child("env");
        for (j, e) in c.env.iter().flatten().enumerate() {
            let item = env.index(j);
            let ep = item.child("name");
            if e.name.is_empty() {
                errs.push(FieldError::required(ep, ""));
            } else {
                for msg in names::env_var_name(&e.name) {
                    errs.push(FieldError::invalid(ep, BadValue::Str(e.name.clone()), msg));
                }
            }
        }
        let mounts = p.child("volumeMounts");
        for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
            let mp = mounts.index(j);
            if m.name.is_empty() {
                errs.push(FieldError::required(mp.child("name"), ""));
            } else if !volumes.contains(m.name.as_str()) {
                errs.push(FieldError::not_found(mp.child("name"), BadValue::Str(m.name.clone())));
            }
            if m.mount_path.is_empty() {
                errs.push(FieldError::required(mp.child("mountPath"), ""));
            }
        }
    }
}

fn container_ports(c: &Container, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    let mut seen = BTreeSet::new();
    let ports = path.child("ports");
    for (i, port) in c.ports.iter().flatten().enumerate() {
        let p = ports.index(i);
        if let Some(name) = port.name.as_deref().filter(|n| !n.is_empty()) {
            for msg in names::port_name(name) {
                errs.push(FieldError::invalid(p.child("name"), BadValue::Str(name.into()), msg));
            }
            if !seen.insert(name) {
                errs.push(FieldError::duplicate(p.child("name"), BadValue::Str(name.into())));
            }
        }
        if port.container_port == 0 {
            errs.push(FieldError::required(p.child("containerPort"), ""));
        } else {
            for msg in names::port_number(i64::from(port.container_port)) {
                errs.push(FieldError::invalid(p.child("containerPort"), BadValue::Int(port.container_port.into()), msg));
            }
        }
        if let Some(host) = port.host_port.filter(|h| *h != 0) {
            for msg in names::port_number(i64::from(host)) {
                errs.push(FieldError::invalid(p.child("hostPort"), BadValue::Int(host.into()), msg));
            }
        }
        protocol(port.protocol.as_deref(), &p.child("protocol"), errs);
    }
}

/// `protocol`: required, one of SCTP / TCP / UDP.
pub(super) fn protocol(value: Option<&str>, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    match value.unwrap_or("") {
        "" => errs.push(FieldError::required(path, "")),
        p if PROTOCOLS.contains(&p) => {}
        other => errs.push(FieldError::unsupported(path, BadValue::Str(other.into()), PROTOCOLS)),
    }
}
