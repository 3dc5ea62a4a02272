//! CustomResourceDefinition (`SetDefaults_CustomResourceDefinition` of apiextensions v1):
//! singular and listKind from the kind, conversion strategy `None`, and the storage version
//! recorded as stored.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{CustomResourceConversion, CustomResourceDefinition};

pub(super) fn crd(crd: &mut CustomResourceDefinition) {
    let names = &mut crd.spec.names;
    if names.singular.as_deref().is_none_or(str::is_empty) && !names.kind.is_empty() {
        names.singular = Some(names.kind.to_lowercase());
    }
    if names.list_kind.as_deref().is_none_or(str::is_empty) && !names.kind.is_empty() {
        names.list_kind = Some(format!("{}List", names.kind));
    }
    if crd.spec.conversion.is_none() {
        crd.spec.conversion = Some(CustomResourceConversion { strategy: "None".into(), webhook: None });
    }
    let stored = crd.status.as_ref().and_then(|s| s.stored_versions.as_ref()).is_some_and(|v| !v.is_empty());
    if !stored {
        if let Some(v) = crd.spec.versions.iter().find(|v| v.storage) {
            crd.status.get_or_insert_with(Default::default).stored_versions = Some(vec![v.name.clone()]);
        }
    }
}
