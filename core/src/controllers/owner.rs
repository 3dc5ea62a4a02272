//! ownerReference helpers and the pod readiness predicates the workload controllers share
//! (`metav1.GetControllerOf`, `podutil.IsPodReady`, `podutil.IsPodAvailable`), and which
//! workloads to sync for an orphan pod or a new ServiceAccount.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::api::{Kind, Object};
use crate::store::ObjectRef;
use crate::time::{from_k8s, SimDuration, SimTime};

/// The ownerReference with `controller: true`, if any (`metav1.GetControllerOf`).
pub fn controller_of(meta: &ObjectMeta) -> Option<&OwnerReference> {
    meta.owner_references.iter().flatten().find(|r| r.controller == Some(true))
}

/// Whether `meta` is controlled by the object with uid `uid`.
pub fn controlled_by(meta: &ObjectMeta, uid: &str) -> bool {
    controller_of(meta).is_some_and(|r| r.uid == uid)
}

/// The controller reference a controller stamps on what it creates or adopts
/// (`metav1.NewControllerRef`): controller and blockOwnerDeletion both true.
pub fn controller_ref(owner: &Object) -> OwnerReference {
    let info = owner.kind().info();
    let api_version = if info.group.is_empty() {
        info.versions[0].to_string()
    } else {
        format!("{}/{}", info.group, info.versions[0])
    };
    let meta = owner.metadata();
    OwnerReference {
        api_version,
        kind: info.name.to_string(),
        name: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The key an ownerReference of an object in `namespace` names (owners are in the same
/// namespace, or cluster-scoped).
pub fn owner_key(r: &OwnerReference, namespace: Option<&str>) -> Option<ObjectRef> {
    let kind = Kind::lookup(&r.api_version, &r.kind)?;
    let ns = if kind.info().namespaced { namespace } else { None };
    Some(ObjectRef::new(kind, ns, &r.name))
}

/// The key of the controller named `kind` (e.g. `ReplicaSet`) of an object, if it has one.
pub fn controller_key(meta: &ObjectMeta, kind: Kind) -> Option<ObjectRef> {
    let r = controller_of(meta)?;
    (r.kind == kind.info().name).then(|| ObjectRef::new(kind, meta.namespace.as_deref(), &r.name))
}

/// When the pod's Ready condition turned True, if it is Ready (`podutil.IsPodReady`).
pub fn ready_since(pod: &Pod) -> Option<SimTime> {
    let conds = pod.status.as_ref()?.conditions.as_ref()?;
    let c = conds.iter().find(|c| c.type_ == "Ready")?;
    (c.status == "True").then(|| c.last_transition_time.as_ref().map_or(SimTime::ZERO, from_k8s))
}

pub fn is_ready(pod: &Pod) -> bool {
    ready_since(pod).is_some()
}

/// `podutil.IsPodAvailable`: Ready, and Ready for at least `min_ready_seconds` (a pod whose
/// Ready transition plus minReadySeconds is not after now). `Err(d)`: ready, available in `d`.
pub fn availability(pod: &Pod, min_ready_seconds: i32, now: SimTime) -> Result<bool, SimDuration> {
    match ready_since(pod) {
        Some(since) => available_since(since, min_ready_seconds, now),
        None => Ok(false),
    }
}

/// [`availability`] of a pod Ready since `since`.
pub fn available_since(since: SimTime, min_ready_seconds: i32, now: SimTime) -> Result<bool, SimDuration> {
    if min_ready_seconds <= 0 {
        return Ok(true);
    }
    let at = since + SimDuration::from_secs(min_ready_seconds as u64);
    if at <= now {
        Ok(true)
    } else {
        Err(at.since(now))
    }
}

/// A pod that counts for its controller: not being deleted, not Succeeded or Failed
/// (`controller.IsPodActive`).
pub fn is_active(pod: &Pod) -> bool {
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    pod.metadata.deletion_timestamp.is_none() && !matches!(phase, Some("Succeeded") | Some("Failed"))
}

/// The workloads of `kind` in `namespace` whose pod template runs as ServiceAccount `account`
/// (unset means `default`): the ones to sync again when that account is created, since their
/// pod creations were refused while it was missing (the real controllers retry with their
/// rate limiters until it exists).
pub fn running_as(store: &crate::store::Store, kind: Kind, namespace: Option<&str>, account: &str) -> Vec<ObjectRef> {
    store
        .list(kind, namespace)
        .filter(|o| {
            let template = match o.as_ref() {
                Object::ReplicaSet(r) => r.spec.template.as_ref(),
                Object::ReplicationController(r) => r.spec.as_ref().and_then(|s| s.template.as_ref()),
                Object::StatefulSet(s) => Some(&s.spec.template),
                Object::DaemonSet(d) => Some(&d.spec.template),
                Object::Job(j) => j.spec.as_ref().map(|s| &s.template),
                _ => None,
            };
            let name = template.and_then(|t| t.spec.as_ref()).and_then(|s| s.service_account_name.as_deref());
            name.filter(|n| !n.is_empty()).unwrap_or("default") == account
        })
        .map(|o| ObjectRef::of(o))
        .collect()
}

/// The workloads of `kind` in an orphan pod's namespace whose selector (`selects`, given a
/// workload and the pod's labels) matches it: the ones to sync so that the first claims it.
/// None when the pod is gone, has a controller or is being deleted.
pub fn orphan_adopters(
    store: &crate::store::Store,
    pod: &ObjectRef,
    kind: Kind,
    selects: impl Fn(&Object, Option<&BTreeMap<String, String>>) -> bool,
) -> Vec<ObjectRef> {
    let Some(pod) = store.get(pod) else { return Vec::new() };
    if controller_of(pod.metadata()).is_some() || pod.metadata().deletion_timestamp.is_some() {
        return Vec::new();
    }
    let labels = pod.labels();
    store.list(kind, pod.namespace()).filter(|o| selects(o, labels)).map(|o| ObjectRef::of(o)).collect()
}
