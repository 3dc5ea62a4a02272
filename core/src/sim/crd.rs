//! The apiextensions side of the API server, which runs in the same process as the rest of it.
//!
//! - Custom resources: the request version's schema prunes, defaults and validates them; they
//!   are stored in the CRD's storage version; a `/status` subresource keeps status out of
//!   writes to the main resource. No controller acts on them.
//! - CRDs: the naming controller accepts the names (`NamesAccepted`, `Established=False
//!   Installing`), then the establishing controller sets `Established`; deleting a CRD adds the
//!   cleanup finalizer, and the CRD finalizer deletes every object of the kind before it lets
//!   the CRD go. Each of these controllers writes under its own name, caused by the write it
//!   reacted to; they run as part of the request, since they are in-process and near-instant.

use std::sync::Arc;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionStatus,
};
use serde_json::Value;

use crate::api::custom::{check, coerce, crd as crd_info, CustomObject};
use crate::api::kinds::CustomKind;
use crate::api::validate::{self, crd_update};
use crate::api::{Kind, Object};
use crate::store::{rv_of, Cause, Component, ObjectRef};

use super::apiserver::{k8s_time, Api, ApiError, Deleted, Propagation};

/// The finalizer that holds a deleted CRD until its objects are gone.
pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

impl Api<'_> {
    /// What the registry does to a CRD or a custom resource before validation (`old` on update).
    pub(super) fn before_write(&mut self, obj: &mut Object, old: Option<&Object>) -> Result<(), ApiError> {
        match obj {
            Object::CustomResourceDefinition(crd) => prepare_crd(crd, old),
            Object::Custom(cr) => self.prepare_custom(cr, old),
            _ => Ok(()),
        }
    }

    fn prepare_custom(&mut self, cr: &mut CustomObject, old: Option<&Object>) -> Result<(), ApiError> {
        let key = ObjectRef::new(cr.kind, cr.metadata.namespace.as_deref().filter(|_| cr.kind.info().namespaced), cr.metadata.name.as_deref().unwrap_or(""));
        let Some(crd) = self.store.crd_for(cr.kind).cloned() else {
            return Err(ApiError::NotFound { key });
        };
        if old.is_none() && crd.metadata.deletion_timestamp.is_some() {
            return Err(ApiError::MethodNotAllowed { message: "create not allowed while custom resource definition is terminating".into() });
        }
        let version = cr.version().to_string();
        let schema = crd_info::schema(&crd, &version);
        let mut value = Value::Object(std::mem::take(&mut cr.fields));
        if !crd_info::preserves_unknown_fields(&crd) {
            coerce::prune(&mut value, schema);
            coerce::drop_nulls(&mut value, schema);
        }
        coerce::apply_defaults(&mut value, schema);
        if let Value::Object(fields) = value {
            cr.fields = fields;
        }
        if crd_info::has_status_subresource(&crd, &version) {
            match old.map(|o| o.to_value()).and_then(|v| v.get("status").cloned()) {
                Some(status) => cr.fields.insert("status".into(), status),
                None => cr.fields.remove("status"),
            };
        }
        let mut errors = validate::validate(&Object::Custom(Box::new(cr.clone())));
        if let Some(schema) = schema {
            errors.extend(check::validate(&cr.to_value(), schema));
        }
        if !errors.is_empty() {
            return Err(ApiError::Invalid { key, errors });
        }
        if let Some(storage) = crd_info::storage_version(&crd) {
            cr.api_version = format!("{}/{storage}", crd.spec.group);
        }
        Ok(())
    }

    /// The apiextensions controllers that react to a CRD write.
    pub(super) fn after_write(&mut self, written: &Arc<Object>) {
        if let Object::CustomResourceDefinition(crd) = written.as_ref() {
            let name = crd.metadata.name.clone().unwrap_or_default();
            self.name_and_establish(&name, Cause::Write(rv_of(written)));
        }
    }

    /// The naming controller, then the establishing controller, for the CRD `name`.
    fn name_and_establish(&mut self, name: &str, cause: Cause) {
        let Some(crd) = self.crd(name) else { return };
        if crd.metadata.deletion_timestamp.is_some() {
            return;
        }
        let (names, accepted, established) = self.calculate_names(&crd);
        let mut named = crd.clone();
        let now = k8s_time(self.now);
        {
            let status = named.status.get_or_insert_with(Default::default);
            status.accepted_names = Some(names);
        }
        crd_info::set_condition(&mut named, "NamesAccepted", accepted.0, &accepted.1, &accepted.2, now.clone());
        crd_info::set_condition(&mut named, "Established", established.0, established.1, established.2, now.clone());
        let mut cause = cause;
        if named != crd {
            match self.write_status(named, "naming-controller", cause) {
                Some(rv) => cause = Cause::Write(rv),
                None => return,
            }
        }
        let Some(crd) = self.crd(name) else { return };
        if crd_info::condition_true(&crd, "NamesAccepted") && !crd_info::condition_true(&crd, "Established") {
            let mut established = crd;
            crd_info::set_condition(&mut established, "Established", "True", "InitialNamesAccepted", "the initial names have been accepted", now);
            self.write_status(established, "establishing-controller", cause);
        }
    }

    /// `calculateNamesAndConditions`: the names this CRD may serve under, given the names the
    /// other CRDs of its group already hold.
    fn calculate_names(&self, crd: &CustomResourceDefinition) -> (CustomResourceDefinitionNames, NamesAccepted, Established) {
        let mut resources = std::collections::BTreeSet::new();
        let mut kinds = std::collections::BTreeSet::new();
        for other in self.store.crds().filter(|c| c.spec.group == crd.spec.group) {
            let Some(n) = other.status.as_ref().and_then(|s| s.accepted_names.as_ref()) else { continue };
            resources.insert(n.plural.clone());
            resources.insert(n.singular.clone().unwrap_or_default());
            resources.extend(n.short_names.iter().flatten().cloned());
            kinds.insert(n.kind.clone());
            kinds.insert(n.list_kind.clone().unwrap_or_default());
        }
        let requested = &crd.spec.names;
        let accepted = crd.status.as_ref().and_then(|s| s.accepted_names.clone()).unwrap_or_default();
        let mut names = accepted.clone();
        let mut conflict: Option<(&str, String)> = None;
        let fresh = |want: &str, have: &str, used: &std::collections::BTreeSet<String>| want == have || !used.contains(want);
        if fresh(&requested.plural, &accepted.plural, &resources) {
            names.plural = requested.plural.clone();
        } else {
            conflict = Some(("PluralConflict", format!("{:?} is already in use", requested.plural)));
        }
        let singular = requested.singular.clone().unwrap_or_default();
        if fresh(&singular, accepted.singular.as_deref().unwrap_or(""), &resources) {
            names.singular = requested.singular.clone();
        } else {
            conflict = Some(("SingularConflict", format!("{singular:?} is already in use")));
        }
        if requested.short_names != accepted.short_names {
            let held = accepted.short_names.clone().unwrap_or_default();
            let taken: Vec<String> = requested
                .short_names
                .iter()
                .flatten()
                .filter(|s| !held.contains(s) && resources.contains(*s))
                .map(|s| format!("{s:?} is already in use"))
                .collect();
            match taken.as_slice() {
                [] => names.short_names = requested.short_names.clone(),
                [one] => conflict = Some(("ShortNamesConflict", one.clone())),
                many => conflict = Some(("ShortNamesConflict", format!("[{}]", many.join(", ")))),
            }
        }
        if fresh(&requested.kind, &accepted.kind, &kinds) {
            names.kind = requested.kind.clone();
        } else {
            conflict = Some(("KindConflict", format!("{:?} is already in use", requested.kind)));
        }
        let list_kind = requested.list_kind.clone().unwrap_or_default();
        if fresh(&list_kind, accepted.list_kind.as_deref().unwrap_or(""), &kinds) {
            names.list_kind = requested.list_kind.clone();
        } else {
            conflict = Some(("ListKindConflict", format!("{list_kind:?} is already in use")));
        }
        names.categories = requested.categories.clone();
        let was_established = crd_info::condition_true(crd, "Established");
        match conflict {
            None => {
                let established = if was_established {
                    ("True", "InitialNamesAccepted", "the initial names have been accepted")
                } else {
                    ("False", "Installing", "the initial names have been accepted")
                };
                (names, ("True", "NoConflicts".into(), "no conflicts found".into()), established)
            }
            Some((reason, message)) => {
                let established = if was_established {
                    ("True", "InitialNamesAccepted", "the initial names have been accepted")
                } else {
                    ("False", "NotAccepted", "not all names are accepted")
                };
                (names, ("False", reason.into(), message), established)
            }
        }
    }

    fn crd(&self, name: &str) -> Option<CustomResourceDefinition> {
        match self.store.get(&ObjectRef::new(Kind::CustomResourceDefinition, None, name))?.as_ref() {
            Object::CustomResourceDefinition(c) => Some(c.as_ref().clone()),
            _ => None,
        }
    }

    /// A status write by one of the apiextensions controllers; the new resourceVersion.
    fn write_status(&mut self, mut crd: CustomResourceDefinition, by: &str, cause: Cause) -> Option<u64> {
        crd.metadata.resource_version = None;
        let written = self.store.update(crd.into(), self.now, Component::new(by), cause).ok()?;
        Some(rv_of(&written))
    }

    /// DELETE of a CRD: the cleanup finalizer and `Terminating`, then the CRD finalizer.
    pub(super) fn delete_crd(&mut self, key: &ObjectRef, by: &Component, cause: Cause) -> Result<Deleted, ApiError> {
        let Some(mut crd) = self.crd(&key.name) else {
            return Err(ApiError::NotFound { key: key.clone() });
        };
        if crd.metadata.deletion_timestamp.is_some() {
            return Ok(Deleted::Pending);
        }
        crd.metadata.deletion_timestamp = Some(k8s_time(self.now));
        let finalizers = crd.metadata.finalizers.get_or_insert_with(Vec::new);
        if !finalizers.iter().any(|f| f == CLEANUP_FINALIZER) {
            finalizers.push(CLEANUP_FINALIZER.into());
        }
        let message = "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon";
        crd_info::set_condition(&mut crd, "Terminating", "True", "InstanceDeletionPending", message, k8s_time(self.now));
        crd.metadata.resource_version = None;
        let written = self.store.update(crd.into(), self.now, by.clone(), cause).map_err(|_| ApiError::NotFound { key: key.clone() })?;
        self.finalize_crd(&key.name, Cause::Write(rv_of(&written)));
        Ok(if self.store.contains(key) { Deleted::Pending } else { Deleted::Removed })
    }

    /// The CRD finalizer: delete every object of the kind, then drop the finalizer.
    fn finalize_crd(&mut self, name: &str, cause: Cause) {
        let Some(mut crd) = self.crd(name) else { return };
        let finalizing = crd.metadata.finalizers.iter().flatten().any(|f| f == CLEANUP_FINALIZER);
        if crd.metadata.deletion_timestamp.is_none() || !finalizing {
            return;
        }
        let by = "crd-finalizer";
        let now = k8s_time(self.now);
        crd_info::set_condition(&mut crd, "Terminating", "True", "InstanceDeletionInProgress", "CustomResource deletion is in progress", now.clone());
        let Some(rv) = self.write_status(crd, by, cause) else { return };
        let cause = Cause::Write(rv);
        let done = match served_kind(self.crd(name).as_ref()) {
            Some(kind) if self.crd(name).is_some_and(|c| crd_info::condition_true(&c, "Established")) => {
                let keys: Vec<ObjectRef> = self.store.list(kind, None).map(|o| ObjectRef::of(o)).collect();
                for k in keys {
                    let _ = self.delete(&k, Propagation::Background, &Component::new(by), cause);
                }
                if self.store.list(kind, None).next().is_some() {
                    let Some(mut crd) = self.crd(name) else { return };
                    let message = "could not confirm zero CustomResources remaining: timed out waiting for the condition";
                    crd_info::set_condition(&mut crd, "Terminating", "True", "InstanceDeletionCheck", message, now);
                    self.write_status(crd, by, cause);
                    return;
                }
                ("InstanceDeletionCompleted", "removed all instances")
            }
            _ => ("NeverEstablished", "resource was never established"),
        };
        let Some(mut crd) = self.crd(name) else { return };
        crd_info::set_condition(&mut crd, "Terminating", "False", done.0, done.1, now);
        if let Some(f) = crd.metadata.finalizers.as_mut() {
            f.retain(|f| f != CLEANUP_FINALIZER);
        }
        let last = crd.metadata.finalizers.as_ref().is_none_or(Vec::is_empty);
        let group = crd.spec.group.clone();
        let Some(rv) = self.write_status(crd, by, cause) else { return };
        if last {
            let key = ObjectRef::new(Kind::CustomResourceDefinition, None, name);
            let _ = self.store.remove(&key, self.now, Component::new(by), Cause::Write(rv));
            let freed = Cause::Write(self.store.resource_version());
            let others: Vec<String> = self.store.crds().filter(|c| c.spec.group == group).filter_map(|c| c.metadata.name.clone()).collect();
            for other in others {
                self.name_and_establish(&other, freed);
            }
        }
    }

    /// After an object left the store: a terminating CRD waiting for its last object finishes.
    pub(super) fn after_remove(&mut self, key: &ObjectRef, cause: Cause) {
        let Kind::Custom(c) = key.kind else { return };
        let name = c.crd_name();
        let Some(crd) = self.crd(&name) else { return };
        let waiting = crd
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Terminating" && c.reason.as_deref() == Some("InstanceDeletionCheck")));
        if waiting && self.store.list(key.kind, None).next().is_none() {
            self.finalize_crd(&name, cause);
        }
    }
}

/// The NamesAccepted condition: status, reason, message.
type NamesAccepted = (&'static str, String, String);
/// The Established condition: status, reason, message.
type Established = (&'static str, &'static str, &'static str);

/// The custom kind a CRD serves under its accepted names.
fn served_kind(crd: Option<&CustomResourceDefinition>) -> Option<Kind> {
    let crd = crd?;
    let names = crd.status.as_ref()?.accepted_names.as_ref()?;
    if names.kind.is_empty() || names.plural.is_empty() {
        return None;
    }
    Some(Kind::Custom(CustomKind::intern(&crd.spec.group, &names.plural, &names.kind, crd.spec.scope == "Namespaced")))
}

/// `PrepareForCreate` / `PrepareForUpdate` of the CRD registry: status is the server's (empty
/// on create but for the stored version; kept on update, recording a new storage version), and
/// an established CRD keeps its scope and kind.
fn prepare_crd(crd: &mut CustomResourceDefinition, old: Option<&Object>) -> Result<(), ApiError> {
    let storage = crd_info::storage_version(crd).map(str::to_string);
    match old {
        Some(Object::CustomResourceDefinition(old)) => {
            let mut status = old.status.clone().unwrap_or_default();
            if let Some(v) = storage {
                let stored = status.stored_versions.get_or_insert_with(Vec::new);
                if !stored.contains(&v) {
                    stored.push(v);
                }
            }
            crd.status = Some(status);
            let errors = crd_update(crd, old);
            if !errors.is_empty() {
                return Err(ApiError::Invalid { key: ObjectRef::new(Kind::CustomResourceDefinition, None, crd.metadata.name.as_deref().unwrap_or("")), errors });
            }
        }
        _ => {
            crd.status = Some(CustomResourceDefinitionStatus {
                accepted_names: Some(CustomResourceDefinitionNames::default()),
                conditions: None,
                stored_versions: storage.map(|v| vec![v]),
                ..Default::default()
            });
        }
    }
    Ok(())
}
