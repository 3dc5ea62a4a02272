//! The simulated API server's write path: the one way objects change.
//!
//! `create` / `update` / `delete` run what the real server runs between the request and etcd:
//! generateName, uid, creationTimestamp, generation, namespace existence, defaulting, the
//! service registry's allocations (`services.rs`), validation, admission (LimitRange,
//! ServiceAccount, DefaultStorageClass, StorageObjectInUseProtection, ResourceQuota), optimistic concurrency, finalizers and deletionTimestamp. Each write names
//! its writer ([`Component`]) and its [`Cause`]; the store turns that into the ordered watch log
//! the event chain is built from.

use std::fmt;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{LimitRange, ResourceQuota, ResourceQuotaStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

use crate::admission::{default_storage_class, limit_range, quota, service_account, storage_protection};
use crate::api::defaults::apply_defaults;
use crate::api::validate::{self, FieldError};
use crate::api::{Kind, Object};
use crate::rng::SimRng;
use crate::store::{Cause, Component, ObjectRef, Store, StoreError};
use crate::time::{unix_secs, SimTime};

use super::allocator::Allocators;

/// An error as the API server reports it; `Display` gives kubectl's `Error from server (…)` text.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    NotFound { key: ObjectRef },
    NamespaceNotFound { namespace: String },
    AlreadyExists { key: ObjectRef },
    Conflict { key: ObjectRef, message: String },
    /// `The Deployment "web" is invalid: …`
    Invalid { key: ObjectRef, errors: Vec<FieldError> },
    /// `pods "p" is forbidden: …`
    Forbidden { message: String },
    BadRequest { message: String },
    /// `create not allowed while custom resource definition is terminating`
    MethodNotAllowed { message: String },
    /// `Internal error occurred: failed to allocate a serviceIP: range is full`
    InternalError { message: String },
}

impl ApiError {
    /// kubectl's reason in parentheses.
    pub fn reason(&self) -> &'static str {
        match self {
            ApiError::NotFound { .. } | ApiError::NamespaceNotFound { .. } => "NotFound",
            ApiError::AlreadyExists { .. } => "AlreadyExists",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::Invalid { .. } => "Invalid",
            ApiError::Forbidden { .. } => "Forbidden",
            ApiError::BadRequest { .. } => "BadRequest",
            ApiError::MethodNotAllowed { .. } => "MethodNotAllowed",
            ApiError::InternalError { .. } => "InternalError",
        }
    }

    /// The server's message, without kubectl's `Error from server (…)` prefix.
    pub fn message(&self) -> String {
        match self {
            ApiError::NotFound { key } => format!("{} \"{}\" not found", resource_name(key.kind), key.name),
            ApiError::NamespaceNotFound { namespace } => format!("namespaces \"{namespace}\" not found"),
            ApiError::AlreadyExists { key } => format!("{} \"{}\" already exists", resource_name(key.kind), key.name),
            ApiError::Conflict { message, .. } => message.clone(),
            ApiError::Invalid { key, errors } => validate::server_invalid_message(key.kind, &key.name, errors),
            ApiError::Forbidden { message } | ApiError::BadRequest { message } | ApiError::MethodNotAllowed { message } => {
                message.clone()
            }
            ApiError::InternalError { message } => format!("Internal error occurred: {message}"),
        }
    }
}

impl fmt::Display for ApiError {
    /// What kubectl prints: `The Deployment "web" is invalid: …` for validation errors,
    /// `Error from server (<reason>): <message>` for the others.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Invalid { key, errors } => f.write_str(&validate::kubectl_invalid_message(key.kind, &key.name, errors)),
            _ => write!(f, "Error from server ({}): {}", self.reason(), self.message()),
        }
    }
}

/// `deployments.apps`, `pods`: the resource name the server uses in messages.
pub fn resource_name(kind: Kind) -> String {
    let info = kind.info();
    if info.group.is_empty() {
        info.plural.to_string()
    } else {
        format!("{}.{}", info.plural, info.group)
    }
}

/// How dependents are treated when an owner is deleted (`kubectl delete --cascade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

/// What a delete did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// The object is gone.
    Removed,
    /// deletionTimestamp is set; finalizers (or a kubelet) finish the job.
    Pending,
}

/// Kinds whose `metadata.generation` the server maintains (bumped when the spec changes).
fn tracks_generation(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Deployment
            | Kind::ReplicaSet
            | Kind::ReplicationController
            | Kind::StatefulSet
            | Kind::DaemonSet
            | Kind::Job
            | Kind::CronJob
            | Kind::HorizontalPodAutoscaler
            | Kind::NetworkPolicy
            | Kind::Ingress
            | Kind::CustomResourceDefinition
            | Kind::EndpointSlice
            | Kind::Pod
            | Kind::Custom(_)
    )
}

/// A borrowed view of what a write needs: the store, the RNG, the clock and the Service
/// allocators.
pub struct Api<'a> {
    pub store: &'a mut Store,
    pub rng: &'a mut SimRng,
    pub now: SimTime,
    pub alloc: &'a mut Allocators,
    /// Container logs (kubelets write them).
    pub logs: &'a mut super::logs::ContainerLogs,
    /// Simulated resource usage (kubelets and lessons set it; `top` and the HPA read it).
    pub metrics: &'a mut super::metrics::Metrics,
    /// The node-level network state (IPAM and, later, the data path).
    pub net: &'a mut crate::net::Network,
    /// The event recorders' correlation cache (which Event a repeat should bump).
    pub recorder: &'a mut super::events::Recorder,
}

pub fn k8s_time(t: SimTime) -> Time {
    Time(Timestamp::from_second(unix_secs(t)).unwrap_or(Timestamp::UNIX_EPOCH))
}

impl Api<'_> {
    /// POST: create `obj` (generateName, uid, timestamps, defaults, validation, admission).
    pub fn create(&mut self, mut obj: Object, by: &Component, cause: Cause) -> Result<Arc<Object>, ApiError> {
        let kind = obj.kind();
        if kind.info().namespaced {
            let ns = obj.metadata_mut().namespace.get_or_insert_with(|| "default".to_string());
            self.check_namespace_open(ns)?;
        } else {
            obj.metadata_mut().namespace = None;
        }
        if obj.name().is_empty() {
            let Some(base) = obj.metadata().generate_name.clone().filter(|g| !g.is_empty()) else {
                return Err(ApiError::Invalid {
                    key: ObjectRef::of(&obj),
                    errors: vec![FieldError::required("metadata.name", "name or generateName is required")],
                });
            };
            let base: String = base.chars().take(58).collect();
            obj.metadata_mut().name = Some(format!("{base}{}", self.rng.name_suffix()));
        }
        apply_defaults(&mut obj);
        let txn = self.begin_create(&mut obj)?;
        let created = self.store_new(obj, by, cause);
        self.finish_allocations(&txn, created.is_ok());
        created
    }

    /// The rest of a create, once the registry has allocated what the object needs.
    fn store_new(&mut self, mut obj: Object, by: &Component, cause: Cause) -> Result<Arc<Object>, ApiError> {
        let kind = obj.kind();
        let key = ObjectRef::of(&obj);
        if self.store.contains(&key) {
            return Err(ApiError::AlreadyExists { key });
        }
        self.before_write(&mut obj, None)?;
        check_valid(&obj, None)?;
        self.admit(&mut obj)?;
        prepare_for_create(&mut obj);
        {
            let meta = obj.metadata_mut();
            meta.uid = Some(self.rng.uuid());
            meta.creation_timestamp = Some(k8s_time(self.now));
            meta.resource_version = None;
            meta.deletion_timestamp = None;
            meta.generation = if tracks_generation(kind) { Some(1) } else { None };
        }
        // The Job strategy's validation generates the selector from the new uid.
        if let Object::Job(job) = &mut obj {
            crate::controllers::job::pods::generate_selector(job);
        }
        let created = self.store.create(obj, self.now, by.clone(), cause).map_err(|e| store_error(e, key))?;
        self.refresh_quota_usage(created.namespace(), cause);
        self.after_write(&created);
        Ok(created)
    }

    /// Admission for a new object: LimitRange defaults and limits, ServiceAccount,
    /// DefaultStorageClass, StorageObjectInUseProtection, then ResourceQuota.
    fn admit(&mut self, obj: &mut Object) -> Result<(), ApiError> {
        storage_protection::admit(obj);
        if obj.namespace().is_none() {
            return Ok(());
        }
        if let Object::Pod(pod) = obj {
            let ranges: Vec<Arc<Object>> = self.store.list(Kind::LimitRange, pod.metadata.namespace.as_deref()).cloned().collect();
            let ranges: Vec<&LimitRange> = ranges
                .iter()
                .filter_map(|o| match o.as_ref() {
                    Object::LimitRange(l) => Some(l.as_ref()),
                    _ => None,
                })
                .collect();
            if !ranges.is_empty() {
                limit_range::admit_pod(pod, &ranges).map_err(|message| ApiError::Forbidden { message })?;
            }
            let name = pod.metadata.name.clone().unwrap_or_default();
            service_account::admit_pod(pod, self.store, self.rng)
                .map_err(|e| ApiError::Forbidden { message: format!("pods \"{name}\" is forbidden: {e}") })?;
        }
        if let Object::PersistentVolumeClaim(pvc) = obj {
            default_storage_class::admit_claim(pvc, self.store);
        }
        let Some(ns) = obj.namespace() else { return Ok(()) };
        let quotas: Vec<Arc<Object>> = self.store.list(Kind::ResourceQuota, Some(ns)).cloned().collect();
        if quotas.is_empty() {
            return Ok(());
        }
        let quotas: Vec<&ResourceQuota> = quotas
            .iter()
            .filter_map(|o| match o.as_ref() {
                Object::ResourceQuota(q) => Some(q.as_ref()),
                _ => None,
            })
            .collect();
        let store = &*self.store;
        let used = |q: &ResourceQuota| quota::usage(q, store.list_all_in(ns).map(|o| o.as_ref()));
        quota::admit(obj, &quotas, used).map_err(|message| ApiError::Forbidden { message })
    }

    /// Keeps `status.hard` / `status.used` of the namespace's quotas current, as the
    /// resource-quota controller does.
    fn refresh_quota_usage(&mut self, ns: Option<&str>, cause: Cause) {
        let Some(ns) = ns else { return };
        let quotas: Vec<Arc<Object>> = self.store.list(Kind::ResourceQuota, Some(ns)).cloned().collect();
        for q in quotas {
            let Object::ResourceQuota(rq) = q.as_ref() else { continue };
            let used = quota::usage(rq, self.store.list_all_in(ns).map(|o| o.as_ref()));
            let hard = rq.spec.as_ref().and_then(|s| s.hard.clone()).unwrap_or_default();
            let status = ResourceQuotaStatus {
                hard: Some(hard),
                used: Some(used.into_iter().map(|(k, v)| (k, v.to_k8s())).collect()),
            };
            if rq.status.as_ref() == Some(&status) {
                continue;
            }
            let mut updated = rq.as_ref().clone();
            updated.status = Some(status);
            updated.metadata.resource_version = None;
            let _ = self.store.update(updated.into(), self.now, Component::new("resourcequota-controller"), cause);
        }
    }

    /// PUT: replace the object. Server-owned metadata is kept; generation moves when the spec
    /// (everything but metadata and status) changed.
    pub fn update(&mut self, mut obj: Object, by: &Component, cause: Cause) -> Result<Arc<Object>, ApiError> {
        if obj.kind().info().namespaced && obj.namespace().is_none() {
            obj.metadata_mut().namespace = Some("default".into());
        }
        let key = ObjectRef::of(&obj);
        let Some(old) = self.store.get(&key).cloned() else {
            return Err(ApiError::NotFound { key });
        };
        apply_defaults(&mut obj);
        {
            let old_meta = old.metadata();
            let meta = obj.metadata_mut();
            meta.uid = old_meta.uid.clone();
            meta.creation_timestamp = old_meta.creation_timestamp.clone();
            meta.deletion_timestamp = old_meta.deletion_timestamp.clone();
            meta.generation = old_meta.generation;
        }
        let txn = self.begin_update(&mut obj, &old)?;
        let written = self.store_update(obj, old, key, by, cause);
        self.finish_allocations(&txn, written.is_ok());
        written
    }

    /// The rest of an update, once the registry has allocated what the object needs.
    fn store_update(&mut self, mut obj: Object, old: Arc<Object>, key: ObjectRef, by: &Component, cause: Cause) -> Result<Arc<Object>, ApiError> {
        self.before_write(&mut obj, Some(&old))?;
        check_valid(&obj, Some(&old))?;
        if tracks_generation(key.kind) && spec_changed(&obj, &old) {
            obj.metadata_mut().generation = Some(old.metadata().generation.unwrap_or(0) + 1);
        }
        if obj == *old {
            return Ok(old);
        }
        let removed_last_finalizer = old.metadata().deletion_timestamp.is_some()
            && obj.metadata().finalizers.as_ref().is_none_or(Vec::is_empty);
        let written = self
            .store
            .update(obj, self.now, by.clone(), cause)
            .map_err(|e| store_error(e, key.clone()))?;
        if removed_last_finalizer && !matches!(key.kind, Kind::Namespace) {
            self.store.remove(&key, self.now, by.clone(), cause).map_err(|e| store_error(e, key.clone()))?;
            self.release_allocations(&written);
            self.after_remove(&key, cause);
        } else {
            self.after_write(&written);
        }
        if key.kind == Kind::ResourceQuota || key.kind == Kind::Pod {
            self.refresh_quota_usage(key.namespace.as_deref(), cause);
        }
        Ok(written)
    }

    /// DELETE. Objects with finalizers (and namespaces) get a deletionTimestamp and stay until
    /// the finalizers are gone; others are removed at once.
    pub fn delete(&mut self, key: &ObjectRef, propagation: Propagation, by: &Component, cause: Cause) -> Result<Deleted, ApiError> {
        self.delete_with_grace(key, propagation, None, by, cause)
    }

    /// DELETE with `gracePeriodSeconds` (`None`: the object's default). A Pod bound to a node is
    /// deleted gracefully: deletionTimestamp = now + grace and deletionGracePeriodSeconds = grace
    /// (default `spec.terminationGracePeriodSeconds`); its kubelet stops the containers and
    /// finishes the delete with grace 0. An unbound pod, a pod in a terminal phase, or grace 0
    /// is removed at once (finalizers permitting).
    pub fn delete_with_grace(&mut self, key: &ObjectRef, propagation: Propagation, grace: Option<i64>, by: &Component, cause: Cause) -> Result<Deleted, ApiError> {
        let Some(old) = self.store.get(key).cloned() else {
            return Err(ApiError::NotFound { key: key.clone() });
        };
        if key.kind == Kind::CustomResourceDefinition {
            return self.delete_crd(key, by, cause);
        }
        if let Object::Pod(pod) = old.as_ref() {
            let bound = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_some_and(|n| !n.is_empty());
            let terminal = pod.status.as_ref().and_then(|s| s.phase.as_deref()).is_some_and(|p| p == "Succeeded" || p == "Failed");
            let grace = grace
                .or(pod.metadata.deletion_grace_period_seconds)
                .or(pod.spec.as_ref().and_then(|s| s.termination_grace_period_seconds))
                .unwrap_or(30)
                .max(0);
            let already = pod.metadata.deletion_grace_period_seconds;
            if bound && !terminal && grace > 0 && already.is_none_or(|g| grace < g) {
                let mut obj = (*old).clone();
                let meta = obj.metadata_mut();
                meta.deletion_timestamp = Some(k8s_time(self.now + crate::time::SimDuration::from_secs(grace as u64)));
                meta.deletion_grace_period_seconds = Some(grace);
                match propagation {
                    Propagation::Foreground => meta.finalizers.get_or_insert_with(Vec::new).push("foregroundDeletion".into()),
                    Propagation::Orphan => meta.finalizers.get_or_insert_with(Vec::new).push("orphan".into()),
                    Propagation::Background => {}
                }
                meta.resource_version = None;
                self.store.update(obj, self.now, by.clone(), cause).map_err(|e| store_error(e, key.clone()))?;
                return Ok(Deleted::Pending);
            }
            if bound && !terminal && grace > 0 {
                return Ok(Deleted::Pending);
            }
        }
        let mut finalizers = old.metadata().finalizers.clone().unwrap_or_default();
        match propagation {
            Propagation::Foreground => finalizers.push("foregroundDeletion".into()),
            Propagation::Orphan => finalizers.push("orphan".into()),
            Propagation::Background => {}
        }
        let is_namespace = key.kind == Kind::Namespace;
        if finalizers.is_empty() && !is_namespace {
            self.store.remove(key, self.now, by.clone(), cause).map_err(|e| store_error(e, key.clone()))?;
            self.release_allocations(&old);
            self.refresh_quota_usage(key.namespace.as_deref(), cause);
            self.after_remove(key, cause);
            return Ok(Deleted::Removed);
        }
        if old.metadata().deletion_timestamp.is_some() {
            return Ok(Deleted::Pending);
        }
        let mut obj = (*old).clone();
        obj.metadata_mut().deletion_timestamp = Some(k8s_time(self.now));
        obj.metadata_mut().finalizers = (!finalizers.is_empty()).then_some(finalizers);
        if let Object::Namespace(ns) = &mut obj {
            ns.status.get_or_insert_with(Default::default).phase = Some("Terminating".into());
        }
        obj.metadata_mut().resource_version = None;
        self.store.update(obj, self.now, by.clone(), cause).map_err(|e| store_error(e, key.clone()))?;
        Ok(Deleted::Pending)
    }

    /// PUT …/pods/NAME/status: replaces only the status of the stored pod (the status
    /// subresource: no defaulting, no spec validation, generation unchanged).
    pub fn update_pod_status(&mut self, key: &ObjectRef, status: k8s_openapi::api::core::v1::PodStatus, by: &Component, cause: Cause) -> Result<Arc<Object>, ApiError> {
        let Some(old) = self.store.get(key).cloned() else {
            return Err(ApiError::NotFound { key: key.clone() });
        };
        let Object::Pod(pod) = old.as_ref() else {
            return Err(ApiError::NotFound { key: key.clone() });
        };
        if pod.status.as_ref() == Some(&status) {
            return Ok(old);
        }
        // The pod with the new status: metadata and spec copied, the old status not.
        let mut metadata = pod.metadata.clone();
        metadata.resource_version = None;
        let pod = k8s_openapi::api::core::v1::Pod { metadata, spec: pod.spec.clone(), status: Some(status) };
        self.store.update(pod.into(), self.now, by.clone(), cause).map_err(|e| store_error(e, key.clone()))
    }

    fn check_namespace_open(&self, ns: &str) -> Result<(), ApiError> {
        let key = ObjectRef::new(Kind::Namespace, None, ns);
        match self.store.get(&key) {
            None => Err(ApiError::NamespaceNotFound { namespace: ns.to_string() }),
            Some(obj) if obj.metadata().deletion_timestamp.is_some() => Err(ApiError::Forbidden {
                message: format!("unable to create new content in namespace {ns} because it is being terminated"),
            }),
            Some(_) => Ok(()),
        }
    }
}

/// Did anything but metadata and status change? Typed comparisons for the kinds written
/// most (no serialisation on the hot path); JSON for the rest.
fn spec_changed(new: &Object, old: &Object) -> bool {
    match (new, old) {
        (Object::Pod(a), Object::Pod(b)) => a.spec != b.spec,
        (Object::Deployment(a), Object::Deployment(b)) => a.spec != b.spec,
        (Object::ReplicaSet(a), Object::ReplicaSet(b)) => a.spec != b.spec,
        (Object::StatefulSet(a), Object::StatefulSet(b)) => a.spec != b.spec,
        (Object::DaemonSet(a), Object::DaemonSet(b)) => a.spec != b.spec,
        (Object::Job(a), Object::Job(b)) => a.spec != b.spec,
        (Object::CronJob(a), Object::CronJob(b)) => a.spec != b.spec,
        (Object::HorizontalPodAutoscaler(a), Object::HorizontalPodAutoscaler(b)) => a.spec != b.spec,
        (Object::EndpointSlice(a), Object::EndpointSlice(b)) => {
            a.address_type != b.address_type || a.endpoints != b.endpoints || a.ports != b.ports
        }
        _ => spec_of(new) != spec_of(old),
    }
}

/// Everything but metadata and status: what a generation counts changes of.
fn spec_of(obj: &Object) -> serde_json::Value {
    let mut v = obj.to_value();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    v
}

fn store_error(e: StoreError, key: ObjectRef) -> ApiError {
    match e {
        StoreError::AlreadyExists => ApiError::AlreadyExists { key },
        StoreError::NotFound => ApiError::NotFound { key },
        StoreError::Conflict { .. } => ApiError::Conflict {
            message: format!(
                "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                resource_name(key.kind),
                key.name
            ),
            key,
        },
    }
}

/// Validation as the registry runs it; an update adds what may not change (Service cluster IPs).
fn check_valid(obj: &Object, old: Option<&Object>) -> Result<(), ApiError> {
    let mut errors = match (obj, old) {
        (Object::Service(new), Some(Object::Service(old))) => validate::service_update(new, old),
        _ => Vec::new(),
    };
    errors.extend(validate::validate(obj));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid { key: ObjectRef::of(obj), errors })
    }
}

/// What the registry's `PrepareForCreate` does beyond defaulting: a new Pod starts `Pending`
/// with its QoS class (after admission has set LimitRange defaults); status sent by the
/// client is dropped.
fn prepare_for_create(obj: &mut Object) {
    if let Object::Pod(pod) = obj {
        let qos = pod.spec.as_ref().map_or(crate::api::qos::QosClass::BestEffort, crate::api::qos::spec_qos);
        pod.status = Some(k8s_openapi::api::core::v1::PodStatus {
            phase: Some("Pending".into()),
            qos_class: Some(qos.as_str().into()),
            ..Default::default()
        });
    }
}
