//! Reading a CustomResourceDefinition: its versions, schemas, subresources, printer columns and
//! conditions, the way the apiextensions helpers read them.

use std::cmp::Ordering;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionCondition, CustomResourceDefinitionVersion,
    JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

/// Is the condition `type_` of the CRD `True`?
pub fn condition_true(crd: &CustomResourceDefinition, type_: &str) -> bool {
    crd.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == type_ && c.status == "True"))
}

/// `SetCRDCondition`: replaces the condition of the same type (the transition time moves only
/// when the status changes), or appends it.
pub fn set_condition(crd: &mut CustomResourceDefinition, type_: &str, status: &str, reason: &str, message: &str, now: Time) {
    let conditions = crd.status.get_or_insert_with(Default::default).conditions.get_or_insert_with(Vec::new);
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => {
            if c.status != status || c.last_transition_time.is_none() {
                c.last_transition_time = Some(now);
            }
            c.status = status.to_string();
            c.reason = Some(reason.to_string());
            c.message = Some(message.to_string());
        }
        None => conditions.push(CustomResourceDefinitionCondition {
            type_: type_.to_string(),
            status: status.to_string(),
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            last_transition_time: Some(now),
            observed_generation: None,
        }),
    }
}

pub fn version<'a>(crd: &'a CustomResourceDefinition, name: &str) -> Option<&'a CustomResourceDefinitionVersion> {
    crd.spec.versions.iter().find(|v| v.name == name)
}

/// The version objects are stored in (`storage: true`).
pub fn storage_version(crd: &CustomResourceDefinition) -> Option<&str> {
    crd.spec.versions.iter().find(|v| v.storage).map(|v| v.name.as_str())
}

/// The served versions, preferred first (kube-aware version order).
pub fn served_versions(crd: &CustomResourceDefinition) -> Vec<String> {
    let mut out: Vec<String> = crd.spec.versions.iter().filter(|v| v.served).map(|v| v.name.clone()).collect();
    out.sort_by(|a, b| compare_kube_versions(b, a));
    out
}

/// The OpenAPI v3 schema of `version`.
pub fn schema<'a>(crd: &'a CustomResourceDefinition, version: &str) -> Option<&'a JSONSchemaProps> {
    self::version(crd, version).and_then(|v| v.schema.as_ref()).and_then(|s| s.open_api_v3_schema.as_ref())
}

/// Does `version` serve a `/status` subresource (so that writes to the main resource keep the
/// stored status)?
pub fn has_status_subresource(crd: &CustomResourceDefinition, version: &str) -> bool {
    self::version(crd, version).and_then(|v| v.subresources.as_ref()).is_some_and(|s| s.status.is_some())
}

/// `spec.preserveUnknownFields` (v1 allows only false, but old objects may carry true).
pub fn preserves_unknown_fields(crd: &CustomResourceDefinition) -> bool {
    crd.spec.preserve_unknown_fields == Some(true)
}

/// The table columns of `version`: its additionalPrinterColumns, or a single Age column when it
/// declares none (`serveDefaultColumnsIfEmpty`).
pub fn printer_columns(crd: &CustomResourceDefinition, version: &str) -> Vec<CustomResourceColumnDefinition> {
    let declared = self::version(crd, version).and_then(|v| v.additional_printer_columns.clone()).unwrap_or_default();
    if !declared.is_empty() {
        return declared;
    }
    vec![CustomResourceColumnDefinition {
        name: "Age".into(),
        type_: "date".into(),
        json_path: ".metadata.creationTimestamp".into(),
        ..Default::default()
    }]
}

/// `version.CompareKubeAwareVersionStrings`: GA above beta above alpha, then higher major and
/// minor first; versions that are not kube-like sort below, alphabetically.
pub fn compare_kube_versions(a: &str, b: &str) -> Ordering {
    match (parse_kube_version(a), parse_kube_version(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => b.cmp(a),
    }
}

/// (stability, major, minor): stability 2 = GA, 1 = beta, 0 = alpha.
fn parse_kube_version(v: &str) -> Option<(u8, u64, u64)> {
    let rest = v.strip_prefix('v')?;
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let major: u64 = rest[..digits].parse().ok()?;
    if major == 0 {
        return None;
    }
    let suffix = &rest[digits..];
    if suffix.is_empty() {
        return Some((2, major, 0));
    }
    let (stability, minor) = if let Some(m) = suffix.strip_prefix("beta") {
        (1, m)
    } else if let Some(m) = suffix.strip_prefix("alpha") {
        (0, m)
    } else {
        return None;
    };
    if minor.is_empty() || !minor.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((stability, major, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_aware_version_order() {
        let mut versions = vec!["foo1", "v1alpha1", "v1", "v2beta1", "v1beta2", "v10", "v11alpha2", "foo10", "v2"];
        versions.sort_by(|a, b| compare_kube_versions(b, a));
        assert_eq!(versions, ["v10", "v2", "v1", "v2beta1", "v1beta2", "v11alpha2", "v1alpha1", "foo1", "foo10"]);
    }
}
