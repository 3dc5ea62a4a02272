//! CustomResourceDefinition (`ValidateCustomResourceDefinition` of apiextensions-apiserver), on
//! the internal form the server validates: a v1 CRD whose versions all carry the same schema,
//! subresources or printer columns has them moved to `spec.validation`, `spec.subresources` and
//! `spec.additionalPrinterColumns`, and errors name those paths.
//!
//! - here: names, group, scope, versions, storage version, conversion, stored versions, API
//!   approval, and the immutable fields of an update;
//! - `crd_schema`: the OpenAPI schema (structural rules, supported keywords), printer columns,
//!   subresources.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionVersion,
};

use super::crd_schema::{go_columns, printer_column, subresources, validation};
use super::{go_quote, names, BadValue, FieldError};

/// The per-version fields that are the same in every version, and so validated at the top.
pub(super) struct Hoisted {
    pub schema: bool,
    pub subresources: bool,
    pub columns: bool,
}

fn hoisted(versions: &[CustomResourceDefinitionVersion]) -> Hoisted {
    let first = versions.first();
    let all = |same: &dyn Fn(&CustomResourceDefinitionVersion, &CustomResourceDefinitionVersion) -> bool| {
        first.is_some_and(|f| versions.iter().all(|v| same(v, f)))
    };
    Hoisted {
        schema: all(&|v, f| v.schema == f.schema),
        subresources: all(&|v, f| v.subresources == f.subresources),
        columns: all(&|v, f| v.additional_printer_columns.clone().unwrap_or_default() == f.additional_printer_columns.clone().unwrap_or_default()),
    }
}

/// Every error of a CRD being created; `errs` already holds the ObjectMeta errors.
pub(super) fn crd(crd: &CustomResourceDefinition, errs: &mut Vec<FieldError>) {
    let name = crd.metadata.name.as_deref().unwrap_or("");
    let spec = &crd.spec;
    if !name.is_empty() && name != format!("{}.{}", spec.names.plural, spec.group) {
        let at = errs.iter().rposition(|e| e.path == "metadata.name").map_or(0, |i| i + 1);
        errs.insert(at, FieldError::invalid("metadata.name", BadValue::Str(name.into()), r#"must be spec.names.plural+"."+spec.group"#));
    }
    let lift = hoisted(&spec.versions);
    if spec.group.is_empty() {
        errs.push(FieldError::required("spec.group", ""));
    } else if let Some(msgs) = non_empty(names::dns1123_subdomain(&spec.group)) {
        errs.push(FieldError::invalid("spec.group", BadValue::Str(spec.group.clone()), msgs.join(",")));
    } else if !spec.group.contains('.') {
        errs.push(FieldError::invalid("spec.group", BadValue::Str(spec.group.clone()), "should be a domain with at least one dot"));
    }
    match spec.scope.as_str() {
        "" => errs.push(FieldError::required("spec.scope", "")),
        "Cluster" | "Namespaced" => {}
        other => errs.push(FieldError::unsupported("spec.scope", BadValue::Str(other.into()), &["Cluster", "Namespaced"])),
    }
    let top_schema = lift.schema.then(|| spec.versions.first().and_then(|v| v.schema.as_ref())).flatten();
    if top_schema.and_then(|s| s.open_api_v3_schema.as_ref()).is_none() {
        for (i, v) in spec.versions.iter().enumerate() {
            if v.schema.as_ref().and_then(|s| s.open_api_v3_schema.as_ref()).is_none() {
                errs.push(FieldError::required(format!("spec.versions[{i}].schema.openAPIV3Schema"), "schemas are required"));
            }
        }
    }
    let preserve = spec.preserve_unknown_fields == Some(true);
    if preserve && spec.versions.iter().any(|v| v.schema.as_ref().is_some_and(super::crd_schema::has_defaults)) {
        errs.push(FieldError::invalid("spec.preserveUnknownFields", BadValue::Bool(true), "must be false in order to use defaults in the schema"));
    }
    for (i, v) in spec.versions.iter().enumerate() {
        let path = format!("spec.versions[{i}]");
        if let Some(msgs) = non_empty(names::dns1035_label(&v.name)) {
            errs.push(FieldError::invalid(format!("{path}.name"), BadValue::Str(v.name.clone()), msgs.join(",")));
        }
        version(v, &path, &lift, errs);
    }
    let mut seen = std::collections::BTreeSet::new();
    if !spec.versions.iter().all(|v| seen.insert(v.name.as_str())) {
        errs.push(FieldError::invalid("spec.versions", go_versions(&spec.versions, &lift), "must contain unique version names"));
    }
    if spec.versions.iter().filter(|v| v.storage).count() != 1 {
        errs.push(FieldError::invalid("spec.versions", go_versions(&spec.versions, &lift), "must have exactly one version marked as storage version"));
    }
    if let Some(first) = spec.versions.first() {
        if let Some(msgs) = non_empty(names::dns1035_label(&first.name)) {
            errs.push(FieldError::invalid("spec.version", BadValue::Str(first.name.clone()), msgs.join(",")));
        }
    }
    let n = &spec.names;
    for (field, empty) in [
        ("plural", n.plural.is_empty()),
        ("singular", n.singular.as_deref().unwrap_or("").is_empty()),
        ("kind", n.kind.is_empty()),
        ("listKind", n.list_kind.as_deref().unwrap_or("").is_empty()),
    ] {
        if empty {
            errs.push(FieldError::required(format!("spec.names.{field}"), ""));
        }
    }
    names_errors(n, "spec.names", errs);
    if let Some(schema) = top_schema {
        let status = lift.subresources && spec.versions.first().and_then(|v| v.subresources.as_ref()).is_some_and(|s| s.status.is_some());
        validation(schema, "spec.validation", status, errs);
    }
    if lift.subresources {
        if let Some(s) = spec.versions.first().and_then(|v| v.subresources.as_ref()) {
            subresources(s, "spec.subresources", errs);
        }
    }
    if lift.columns {
        for (i, c) in spec.versions.first().and_then(|v| v.additional_printer_columns.as_ref()).into_iter().flatten().enumerate() {
            printer_column(c, &format!("spec.additionalPrinterColumns[{i}]"), errs);
        }
    }
    conversion(crd, errs);
    stored_versions(crd, errs);
    api_approval(crd, errs);
    if preserve {
        errs.push(FieldError::invalid(
            "spec.preserveUnknownFields",
            BadValue::Bool(true),
            "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
        ));
    }
}

/// The errors only an update can have: what may not change.
pub fn crd_update(new: &CustomResourceDefinition, old: &CustomResourceDefinition) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let immutable = |path: &str, new: &str, old: &str, errs: &mut Vec<FieldError>| {
        if new != old {
            errs.push(FieldError::invalid(path, BadValue::Str(new.into()), "field is immutable"));
        }
    };
    let established = crate::api::custom::crd::condition_true(old, "Established");
    if established {
        immutable("spec.scope", &new.spec.scope, &old.spec.scope, &mut errs);
        immutable("spec.names.kind", &new.spec.names.kind, &old.spec.names.kind, &mut errs);
    }
    immutable("spec.group", &new.spec.group, &old.spec.group, &mut errs);
    immutable("spec.names.plural", &new.spec.names.plural, &old.spec.names.plural, &mut errs);
    errs
}

fn non_empty(msgs: Vec<String>) -> Option<Vec<String>> {
    (!msgs.is_empty()).then_some(msgs)
}

fn version(v: &CustomResourceDefinitionVersion, path: &str, lift: &Hoisted, errs: &mut Vec<FieldError>) {
    let deprecated = v.deprecated == Some(true);
    if let Some(warning) = &v.deprecation_warning {
        let value = || BadValue::Str(warning.clone());
        if !deprecated {
            errs.push(FieldError::invalid(format!("{path}.deprecationWarning"), value(), "can only be set for deprecated versions"));
        } else {
            if warning.len() > 256 {
                errs.push(FieldError::invalid(format!("{path}.deprecationWarning"), value(), "must be <= 256 characters long"));
            }
            if warning.is_empty() {
                errs.push(FieldError::invalid(format!("{path}.deprecationWarning"), value(), "must not be an empty string"));
            }
        }
    }
    if !lift.schema {
        if let Some(schema) = &v.schema {
            let status = v.subresources.as_ref().is_some_and(|s| s.status.is_some());
            validation(schema, &format!("{path}.schema"), status, errs);
        }
    }
    if !lift.subresources {
        if let Some(s) = &v.subresources {
            subresources(s, &format!("{path}.subresources"), errs);
        }
    }
    if !lift.columns {
        for (i, c) in v.additional_printer_columns.iter().flatten().enumerate() {
            printer_column(c, &format!("{path}.additionalPrinterColumns[{i}]"), errs);
        }
    }
}

/// `ValidateCustomResourceDefinitionNames`.
pub(super) fn names_errors(n: &CustomResourceDefinitionNames, path: &str, errs: &mut Vec<FieldError>) {
    let label = |field: &str, value: &str, mixed: bool, errs: &mut Vec<FieldError>| {
        if value.is_empty() {
            return;
        }
        let msgs = if mixed { names::dns1035_label(&value.to_lowercase()) } else { names::dns1035_label(value) };
        if !msgs.is_empty() {
            let prefix = if mixed { "may have mixed case, but should otherwise match: " } else { "" };
            errs.push(FieldError::invalid(format!("{path}.{field}"), BadValue::Str(value.into()), format!("{prefix}{}", msgs.join(","))));
        }
    };
    label("plural", &n.plural, false, errs);
    label("singular", n.singular.as_deref().unwrap_or(""), false, errs);
    label("kind", &n.kind, true, errs);
    let list_kind = n.list_kind.as_deref().unwrap_or("");
    label("listKind", list_kind, true, errs);
    for (i, short) in n.short_names.iter().flatten().enumerate() {
        if let Some(msgs) = non_empty(names::dns1035_label(short)) {
            errs.push(FieldError::invalid(format!("{path}.shortNames[{i}]"), BadValue::Str(short.clone()), msgs.join(",")));
        }
    }
    if !n.kind.is_empty() && n.kind == list_kind {
        errs.push(FieldError::invalid(format!("{path}.listKind"), BadValue::Str(list_kind.into()), "kind and listKind may not be the same"));
    }
    for (i, category) in n.categories.iter().flatten().enumerate() {
        if let Some(msgs) = non_empty(names::dns1035_label(category)) {
            errs.push(FieldError::invalid(format!("{path}.categories[{i}]"), BadValue::Str(category.clone()), msgs.join(",")));
        }
    }
}

fn conversion(crd: &CustomResourceDefinition, errs: &mut Vec<FieldError>) {
    let Some(c) = &crd.spec.conversion else { return };
    match c.strategy.as_str() {
        "" => errs.push(FieldError::required("spec.conversion.strategy", "")),
        "None" => {
            if c.webhook.is_some() {
                errs.push(FieldError::forbidden("spec.conversion.webhookClientConfig", "should not be set when strategy is not set to Webhook"));
            }
        }
        "Webhook" => match &c.webhook {
            None => errs.push(FieldError::required("spec.conversion.webhookClientConfig", "required when strategy is set to Webhook")),
            Some(w) => {
                if w.conversion_review_versions.is_empty() {
                    errs.push(FieldError::required("spec.conversion.conversionReviewVersions", ""));
                }
            }
        },
        other => errs.push(FieldError::unsupported("spec.conversion.strategy", BadValue::Str(other.into()), &["None", "Webhook"])),
    }
}

/// `ValidateCustomResourceDefinitionStoredVersions`.
fn stored_versions(crd: &CustomResourceDefinition, errs: &mut Vec<FieldError>) {
    let stored: Vec<String> = crd.status.as_ref().and_then(|s| s.stored_versions.clone()).unwrap_or_default();
    let rendered = || {
        if stored.is_empty() {
            BadValue::Raw("[]string(nil)".into())
        } else {
            BadValue::Raw(format!("[]string{{{}}}", stored.iter().map(|s| go_quote(s)).collect::<Vec<_>>().join(", ")))
        }
    };
    if stored.is_empty() {
        errs.push(FieldError::invalid("status.storedVersions", rendered(), "must have at least one stored version"));
        return;
    }
    for v in crd.spec.versions.iter().filter(|v| v.storage) {
        if !stored.contains(&v.name) {
            errs.push(FieldError::invalid("status.storedVersions", rendered(), format!("must have the storage version {}", v.name)));
        }
    }
    for (i, s) in stored.iter().enumerate() {
        if !crd.spec.versions.iter().any(|v| &v.name == s) {
            errs.push(FieldError::invalid(
                format!("status.storedVersions[{i}]"),
                BadValue::Str(s.clone()),
                format!("missing from spec.versions; {s} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in {s} and removes {s} from status.storedVersions"),
            ));
        }
    }
}

const APPROVAL: &str = "api-approved.kubernetes.io";

/// Groups under `k8s.io` and `kubernetes.io` need the API approval annotation.
fn api_approval(crd: &CustomResourceDefinition, errs: &mut Vec<FieldError>) {
    let g = crd.spec.group.as_str();
    let protected = g == "k8s.io" || g.ends_with(".k8s.io") || g == "kubernetes.io" || g.ends_with(".kubernetes.io");
    if !protected {
        return;
    }
    let path = format!("metadata.annotations[{APPROVAL}]");
    let value = crd.metadata.annotations.as_ref().and_then(|a| a.get(APPROVAL)).cloned().unwrap_or_default();
    if value.is_empty() {
        errs.push(FieldError::required(
            path,
            format!("protected groups must have approval annotation {}, see https://github.com/kubernetes/enhancements/pull/1111", go_quote(APPROVAL)),
        ));
    } else if !value.starts_with("unapproved") && !is_request_uri(&value) {
        errs.push(FieldError::invalid(
            path,
            BadValue::Str(value),
            format!(
                "protected groups must have approval annotation {} with either a URL or a reason starting with \"unapproved\", see https://github.com/kubernetes/enhancements/pull/1111",
                go_quote(APPROVAL)
            ),
        ));
    }
}

/// Go's `url.ParseRequestURI` accepts an absolute URL or an absolute path.
fn is_request_uri(s: &str) -> bool {
    if s.starts_with('/') {
        return true;
    }
    match s.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Go's `%#v` of the internal `[]apiextensions.CustomResourceDefinitionVersion` (hoisted fields
/// are nil in every version; pointers print as addresses).
fn go_versions(versions: &[CustomResourceDefinitionVersion], lift: &Hoisted) -> BadValue {
    if versions.is_empty() {
        return BadValue::Raw("[]apiextensions.CustomResourceDefinitionVersion(nil)".into());
    }
    let mut address = 0xc0_0a1b_2c30_u64;
    let mut pointer = |ty: &str, set: bool| {
        if set {
            address += 8;
            format!("(*{ty})(0x{address:x})")
        } else {
            format!("(*{ty})(nil)")
        }
    };
    let items: Vec<String> = versions
        .iter()
        .map(|v| {
            let warning = pointer("string", v.deprecation_warning.is_some());
            let schema = pointer("apiextensions.CustomResourceValidation", !lift.schema && v.schema.is_some());
            let subresources = pointer("apiextensions.CustomResourceSubresources", !lift.subresources && v.subresources.is_some());
            let columns = if lift.columns { &[][..] } else { v.additional_printer_columns.as_deref().unwrap_or(&[]) };
            let selectable = if v.selectable_fields.as_ref().is_some_and(|f| !f.is_empty()) {
                let fields: Vec<String> = v
                    .selectable_fields
                    .iter()
                    .flatten()
                    .map(|f| format!("apiextensions.SelectableField{{JSONPath:{}}}", go_quote(&f.json_path)))
                    .collect();
                format!("[]apiextensions.SelectableField{{{}}}", fields.join(", "))
            } else {
                "[]apiextensions.SelectableField(nil)".to_string()
            };
            format!(
                "apiextensions.CustomResourceDefinitionVersion{{Name:{}, Served:{}, Storage:{}, Deprecated:{}, DeprecationWarning:{warning}, Schema:{schema}, Subresources:{subresources}, AdditionalPrinterColumns:{}, SelectableFields:{selectable}}}",
                go_quote(&v.name),
                v.served,
                v.storage,
                v.deprecated == Some(true),
                go_columns(columns),
            )
        })
        .collect();
    BadValue::Raw(format!("[]apiextensions.CustomResourceDefinitionVersion{{{}}}", items.join(", ")))
}
