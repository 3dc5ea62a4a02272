//! Cluster and configuration tables: nodes, namespaces, events, config maps, secrets, service
//! accounts, persistent volumes and claims, storage classes, quotas, limit ranges and CRDs.

use k8s_openapi::api::core::v1::{
    ConfigMap, Event, LimitRange, Namespace, Node, PersistentVolume, PersistentVolumeClaim,
    ResourceQuota, Secret, ServiceAccount,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use super::table::{col, wide, Column};
use super::util::{access_modes, age, node_roles, rfc3339, since};
use crate::time::SimTime;

pub const NODE_COLUMNS: &[Column] = &[
    col("Name"),
    col("Status"),
    col("Roles"),
    col("Age"),
    col("Version"),
    wide("Internal-IP"),
    wide("External-IP"),
    wide("OS-Image"),
    wide("Kernel-Version"),
    wide("Container-Runtime"),
];
pub const NAMESPACE_COLUMNS: &[Column] = &[col("Name"), col("Status"), col("Age")];
pub const EVENT_COLUMNS: &[Column] = &[
    col("Last Seen"),
    col("Type"),
    col("Reason"),
    col("Object"),
    wide("Subobject"),
    wide("Source"),
    col("Message"),
    wide("First Seen"),
    wide("Count"),
    wide("Name"),
];
pub const CONFIG_MAP_COLUMNS: &[Column] = &[col("Name"), col("Data"), col("Age")];
pub const SECRET_COLUMNS: &[Column] = &[col("Name"), col("Type"), col("Data"), col("Age")];
pub const SERVICE_ACCOUNT_COLUMNS: &[Column] = &[col("Name"), col("Secrets"), col("Age")];
pub const PV_COLUMNS: &[Column] = &[
    col("Name"),
    col("Capacity"),
    col("Access Modes"),
    col("Reclaim Policy"),
    col("Status"),
    col("Claim"),
    col("StorageClass"),
    col("VolumeAttributesClass"),
    col("Reason"),
    col("Age"),
    wide("VolumeMode"),
];
pub const PVC_COLUMNS: &[Column] = &[
    col("Name"),
    col("Status"),
    col("Volume"),
    col("Capacity"),
    col("Access Modes"),
    col("StorageClass"),
    col("VolumeAttributesClass"),
    col("Age"),
    wide("VolumeMode"),
];
pub const STORAGE_CLASS_COLUMNS: &[Column] = &[
    col("Name"),
    col("Provisioner"),
    col("ReclaimPolicy"),
    col("VolumeBindingMode"),
    col("AllowVolumeExpansion"),
    col("Age"),
];
pub const RESOURCE_QUOTA_COLUMNS: &[Column] = &[col("Name"), col("Request"), col("Limit"), col("Age")];
/// Kinds without a built-in printer get the server's default table.
pub const CREATED_AT_COLUMNS: &[Column] = &[col("Name"), col("Created At")];

fn name_of(meta: &ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

pub fn node_status(node: &Node) -> String {
    let conditions = node.status.as_ref().and_then(|s| s.conditions.as_deref()).unwrap_or_default();
    let mut status: Vec<String> = Vec::new();
    if let Some(c) = conditions.iter().rev().find(|c| c.type_ == "Ready") {
        status.push(if c.status == "True" { "Ready".into() } else { "NotReady".into() });
    }
    if status.is_empty() {
        status.push("Unknown".into());
    }
    if node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false) {
        status.push("SchedulingDisabled".into());
    }
    status.join(",")
}

fn node_address(node: &Node, type_: &str) -> String {
    node.status
        .as_ref()
        .and_then(|s| s.addresses.as_ref())
        .and_then(|a| a.iter().find(|a| a.type_ == type_))
        .map_or_else(|| "<none>".to_string(), |a| a.address.clone())
}

pub fn node_row(node: &Node, now: SimTime) -> Vec<String> {
    let info = node.status.as_ref().and_then(|s| s.node_info.clone()).unwrap_or_default();
    let unknown = |s: String| if s.is_empty() { "<unknown>".to_string() } else { s };
    let roles = node_roles(node.metadata.labels.as_ref());
    vec![
        name_of(&node.metadata),
        node_status(node),
        if roles.is_empty() { "<none>".to_string() } else { roles.join(",") },
        age(node.metadata.creation_timestamp.as_ref(), now),
        info.kubelet_version.clone(),
        node_address(node, "InternalIP"),
        node_address(node, "ExternalIP"),
        unknown(info.os_image),
        unknown(info.kernel_version),
        unknown(info.container_runtime_version),
    ]
}

pub fn namespace_row(ns: &Namespace, now: SimTime) -> Vec<String> {
    vec![
        name_of(&ns.metadata),
        ns.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default(),
        age(ns.metadata.creation_timestamp.as_ref(), now),
    ]
}

fn opt_since(t: Option<&Time>, now: SimTime) -> Option<String> {
    t.map(|t| since(t, now))
}

/// (last seen, first seen, count) of an event, as `printEvent` computes them.
pub fn event_times(e: &Event, now: SimTime) -> (String, String, i32) {
    let first = opt_since(e.first_timestamp.as_ref(), now)
        .or_else(|| opt_since(e.event_time.as_ref().map(|m| Time(m.0)).as_ref(), now))
        .unwrap_or_else(|| "<unknown>".to_string());
    let mut last = opt_since(e.last_timestamp.as_ref(), now).unwrap_or_else(|| first.clone());
    let mut count = e.count.unwrap_or(0);
    if let Some(series) = &e.series {
        last = opt_since(series.last_observed_time.as_ref().map(|m| Time(m.0)).as_ref(), now)
            .unwrap_or_else(|| "<unknown>".to_string());
        count = series.count.unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    (last, first, count)
}

/// The OBJECT cell: `pod/web-abc` (lower-cased kind).
pub fn event_object(e: &Event) -> String {
    let kind = e.involved_object.kind.clone().unwrap_or_default().to_lowercase();
    match e.involved_object.name.as_deref() {
        Some(n) if !n.is_empty() => format!("{kind}/{n}"),
        _ => kind,
    }
}

/// `component, host`, falling back to the reporting controller and instance.
pub fn event_source(e: &Event) -> String {
    let src = e.source.clone().unwrap_or_default();
    let first = |a: Option<String>, b: Option<String>| {
        a.filter(|s| !s.is_empty()).or(b.filter(|s| !s.is_empty())).unwrap_or_default()
    };
    let component = first(src.component, e.reporting_component.clone());
    let host = first(src.host, e.reporting_instance.clone());
    if host.is_empty() {
        component
    } else {
        format!("{component}, {host}")
    }
}

pub fn event_row(e: &Event, now: SimTime) -> Vec<String> {
    let (last, first, count) = event_times(e, now);
    vec![
        last,
        e.type_.clone().unwrap_or_default(),
        e.reason.clone().unwrap_or_default(),
        event_object(e),
        e.involved_object.field_path.clone().unwrap_or_default(),
        event_source(e),
        e.message.clone().unwrap_or_default().trim().to_string(),
        first,
        count.to_string(),
        name_of(&e.metadata),
    ]
}

pub fn config_map_row(cm: &ConfigMap, now: SimTime) -> Vec<String> {
    let n = cm.data.as_ref().map_or(0, |d| d.len()) + cm.binary_data.as_ref().map_or(0, |d| d.len());
    vec![name_of(&cm.metadata), n.to_string(), age(cm.metadata.creation_timestamp.as_ref(), now)]
}

pub fn secret_row(s: &Secret, now: SimTime) -> Vec<String> {
    let mut keys: Vec<&String> = s.data.iter().flat_map(|d| d.keys()).collect();
    keys.extend(s.string_data.iter().flat_map(|d| d.keys()));
    keys.sort();
    keys.dedup();
    vec![
        name_of(&s.metadata),
        s.type_.clone().unwrap_or_else(|| "Opaque".to_string()),
        keys.len().to_string(),
        age(s.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub fn service_account_row(sa: &ServiceAccount, now: SimTime) -> Vec<String> {
    vec![
        name_of(&sa.metadata),
        sa.secrets.as_ref().map_or(0, Vec::len).to_string(),
        age(sa.metadata.creation_timestamp.as_ref(), now),
    ]
}

fn beta_class(meta: &ObjectMeta) -> Option<String> {
    meta.annotations.as_ref()?.get("volume.beta.kubernetes.io/storage-class").cloned()
}

pub fn pv_row(pv: &PersistentVolume, now: SimTime) -> Vec<String> {
    let spec = pv.spec.clone().unwrap_or_default();
    let claim = spec.claim_ref.as_ref().map_or_else(String::new, |c| {
        format!("{}/{}", c.namespace.clone().unwrap_or_default(), c.name.clone().unwrap_or_default())
    });
    let capacity = spec
        .capacity
        .as_ref()
        .and_then(|c| c.get("storage"))
        .map_or_else(|| "0".to_string(), |q| q.0.clone());
    let phase = if pv.metadata.deletion_timestamp.is_some() {
        "Terminating".to_string()
    } else {
        pv.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default()
    };
    vec![
        name_of(&pv.metadata),
        capacity,
        access_modes(spec.access_modes.as_ref()),
        spec.persistent_volume_reclaim_policy.clone().unwrap_or_default(),
        phase,
        claim,
        beta_class(&pv.metadata).or(spec.storage_class_name.clone()).unwrap_or_default(),
        spec.volume_attributes_class_name.clone().unwrap_or_else(|| "<unset>".to_string()),
        pv.status.as_ref().and_then(|s| s.reason.clone()).unwrap_or_default(),
        age(pv.metadata.creation_timestamp.as_ref(), now),
        spec.volume_mode.clone().unwrap_or_else(|| "<unset>".to_string()),
    ]
}

pub fn pvc_row(pvc: &PersistentVolumeClaim, now: SimTime) -> Vec<String> {
    let spec = pvc.spec.clone().unwrap_or_default();
    let status = pvc.status.clone().unwrap_or_default();
    let phase = if pvc.metadata.deletion_timestamp.is_some() {
        "Terminating".to_string()
    } else {
        status.phase.clone().unwrap_or_default()
    };
    let volume = spec.volume_name.clone().unwrap_or_default();
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        let cap = status
            .capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .map_or_else(|| "0".to_string(), |q| q.0.clone());
        (cap, access_modes(status.access_modes.as_ref()))
    };
    vec![
        name_of(&pvc.metadata),
        phase,
        volume,
        capacity,
        modes,
        beta_class(&pvc.metadata).or(spec.storage_class_name.clone()).unwrap_or_default(),
        spec.volume_attributes_class_name.clone().unwrap_or_else(|| "<unset>".to_string()),
        age(pvc.metadata.creation_timestamp.as_ref(), now),
        spec.volume_mode.clone().unwrap_or_else(|| "<unset>".to_string()),
    ]
}

/// Whether the `is-default-class` annotation (or its beta form) marks the class as default.
pub fn is_default_class(meta: &ObjectMeta) -> bool {
    let a = meta.annotations.as_ref();
    ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"]
        .iter()
        .any(|k| a.and_then(|a| a.get(*k)).is_some_and(|v| v == "true"))
}

pub fn storage_class_row(sc: &StorageClass, now: SimTime) -> Vec<String> {
    let mut name = name_of(&sc.metadata);
    if is_default_class(&sc.metadata) {
        name.push_str(" (default)");
    }
    vec![
        name,
        sc.provisioner.clone(),
        sc.reclaim_policy.clone().unwrap_or_else(|| "Delete".to_string()),
        sc.volume_binding_mode.clone().unwrap_or_else(|| "Immediate".to_string()),
        sc.allow_volume_expansion.unwrap_or(false).to_string(),
        age(sc.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub fn resource_quota_row(q: &ResourceQuota, now: SimTime) -> Vec<String> {
    let status = q.status.clone().unwrap_or_default();
    let hard = status.hard.unwrap_or_default();
    let used = status.used.unwrap_or_default();
    let mut requests: Vec<String> = Vec::new();
    let mut limits: Vec<String> = Vec::new();
    for (name, h) in &hard {
        let u = used.get(name).map_or_else(|| "0".to_string(), |q| q.0.clone());
        let cell = format!("{name}: {u}/{}", h.0);
        let is_limit = name.split('.').count() > 1 && name.split('.').next() == Some("limits");
        if is_limit {
            limits.push(cell);
        } else {
            requests.push(cell);
        }
    }
    vec![
        name_of(&q.metadata),
        requests.join(", "),
        limits.join(", "),
        age(q.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub fn created_at_row(meta: &ObjectMeta) -> Vec<String> {
    vec![name_of(meta), meta.creation_timestamp.as_ref().map(rfc3339).unwrap_or_default()]
}

pub fn limit_range_row(lr: &LimitRange) -> Vec<String> {
    created_at_row(&lr.metadata)
}
