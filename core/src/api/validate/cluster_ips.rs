//! The Service checks that concern cluster IPs: the registry's pre-allocation check of
//! `clusterIP` / `clusterIPs` / `ipFamilies`, and what an update may not change.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Service;

use super::path::Path;
use super::{BadValue, FieldError};

/// `ValidateServiceClusterIPsRelatedFields`, which the service registry runs before it allocates
/// (after `clusterIPs` has been filled in from `clusterIP`): the two fields agree, each entry is
/// an address (or a lone `None`), the families are known.
pub fn service_cluster_ips(s: &Service) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(spec) = &s.spec else { return errs };
    if spec.type_.as_deref() == Some("ExternalName") {
        return errs;
    }
    let ips = spec.cluster_ips.as_deref().unwrap_or(&[]);
    let value = || BadValue::go_strings(spec.cluster_ips.as_deref());
    match spec.cluster_ip.as_deref().unwrap_or("") {
        "" if !ips.is_empty() => {
            errs.push(FieldError::invalid("spec.clusterIPs", value(), "must be empty when `clusterIP` is not specified"))
        }
        "" => {}
        _ if ips.is_empty() => errs.push(FieldError::required("spec.clusterIPs", "")),
        ip if ips[0] != ip => errs.push(FieldError::invalid("spec.clusterIPs", value(), "first value must match `clusterIP`")),
        _ => {}
    }
    let families = Path::new("spec.ipFamilies");
    let mut seen = BTreeSet::new();
    for (i, family) in spec.ip_families.iter().flatten().enumerate() {
        if family != "IPv4" && family != "IPv6" {
            errs.push(FieldError::unsupported(families.index(i), BadValue::Str(family.clone()), &["IPv4", "IPv6"]));
        }
        if !seen.insert(family) {
            errs.push(FieldError::duplicate(families.index(i), BadValue::Str(family.clone())));
        }
    }
    if let Some(policy) = spec.ip_family_policy.as_deref() {
        const POLICIES: &[&str] = &["PreferDualStack", "RequireDualStack", "SingleStack"];
        if !POLICIES.contains(&policy) {
            errs.push(FieldError::unsupported("spec.ipFamilyPolicy", BadValue::Str(policy.into()), POLICIES));
        }
    }
    let path = Path::new("spec.clusterIPs");
    let mut bad_ip = false;
    for (i, ip) in ips.iter().enumerate() {
        if i == 0 && ip == "None" {
            if ips.len() > 1 {
                bad_ip = true;
                errs.push(FieldError::invalid("spec.clusterIPs", value(), "'None' must be the first and only value"));
            }
            continue;
        }
        if ip.parse::<std::net::IpAddr>().is_err() {
            bad_ip = true;
            errs.push(FieldError::invalid(path.index(i), BadValue::Str(ip.clone()), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        }
    }
    if ips.len() > 2 {
        errs.push(FieldError::invalid("spec.clusterIPs", value(), "may only hold up to 2 values"));
    }
    if bad_ip || ips.first().is_some_and(|ip| ip == "None") {
        return errs;
    }
    if ips.len() == 2 && ips[0].contains(':') == ips[1].contains(':') {
        errs.push(FieldError::invalid("spec.clusterIPs", value(), "may specify no more than one IP for each IP family"));
    }
    for (i, (ip, family)) in ips.iter().zip(spec.ip_families.iter().flatten()).enumerate() {
        let (want, v6) = (family.as_str(), ip.contains(':'));
        if (want == "IPv4" && v6) || (want == "IPv6" && !v6) {
            let msg = format!("expected an {want} value as indicated by `ipFamilies[{i}]`");
            errs.push(FieldError::invalid(path.index(i), BadValue::Str(ip.clone()), msg));
        }
    }
    errs
}

/// What `ValidateServiceUpdate` adds to the create checks: the cluster IPs of a Service that
/// keeps one may not change.
pub fn service_update(new: &Service, old: &Service) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let (Some(spec), Some(old_spec)) = (&new.spec, &old.spec) else { return errs };
    let external = |t: &Option<String>| t.as_deref() == Some("ExternalName");
    if external(&spec.type_) || external(&old_spec.type_) {
        return errs;
    }
    let (ips, old_ips) = (spec.cluster_ips.as_deref().unwrap_or(&[]), old_spec.cluster_ips.as_deref().unwrap_or(&[]));
    let headless = |ips: &[String]| ips.len() == 1 && ips[0] == "None";
    if headless(ips) && headless(old_ips) {
        return errs;
    }
    let value = || BadValue::go_strings(spec.cluster_ips.as_deref());
    let changed = "may not change once set";
    if ips.len() == old_ips.len() {
        for (i, (a, b)) in old_ips.iter().zip(ips).enumerate() {
            if a != b {
                errs.push(FieldError::invalid(format!("spec.clusterIPs[{i}]"), value(), changed));
            }
        }
    } else if ips.is_empty() {
        errs.push(FieldError::invalid("spec.clusterIPs[0]", value(), "primary clusterIP can not be unset"));
    } else if !old_ips.is_empty() && ips[0] != old_ips[0] {
        errs.push(FieldError::invalid("spec.clusterIPs[0]", value(), changed));
    }
    errs
}
