//! `kubectl describe` as pure functions over typed objects.
//!
//! - [`describe`]: dispatch by kind; [`DescribeContext`] carries what kubectl would fetch
//!   besides the object (events, pod counts, replica sets, endpoint slices, node pods, quotas).
//! - `writer`: two-space levels and Go tabwriter alignment (flushed before Events);
//!   `common`: labels, annotations, tolerations, Events, resources, the generic field dump;
//!   `containers`: containers, volumes, pod templates.
//! - One file per describer family: `pod`, `workloads` (deployment, replica set), `sets`
//!   (stateful set, daemon set), `jobs` (job, cron job), `hpa`, `service`,
//!   `node`, `quota` (quota, limit range, namespace), `storage` (claim, volume, class), `misc` (config
//!   map, secret, generic).

pub mod common;
pub mod containers;
pub mod hpa;
pub mod jobs;
pub mod misc;
pub mod node;
pub mod pod;
pub mod quota;
pub mod service;
pub mod sets;
pub mod storage;
pub mod workloads;
pub mod writer;

#[cfg(test)]
mod tests;

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{Event, LimitRange, ResourceQuota};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::api::Object;
use crate::kubectl::printers::cluster::event_times;
use crate::time::SimTime;

/// One row of the Events table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventRow {
    pub type_: String,
    pub reason: String,
    /// `10s`, or `2m (x3 over 5m)` for repeated events.
    pub age: String,
    pub from: String,
    pub message: String,
}

impl EventRow {
    /// The row kubectl shows for an event at `now` (`DescribeEvents`).
    pub fn from_event(e: &Event, now: SimTime) -> EventRow {
        let (last, first, count) = event_times(e, now);
        let repeated = e.series.is_some() || e.count.unwrap_or(0) > 1;
        let age = if repeated { format!("{last} (x{count} over {first})") } else { first };
        let from = e
            .source
            .as_ref()
            .and_then(|s| s.component.clone())
            .filter(|c| !c.is_empty())
            .or_else(|| e.reporting_component.clone())
            .unwrap_or_default();
        EventRow {
            type_: e.type_.clone().unwrap_or_default(),
            reason: e.reason.clone().unwrap_or_default(),
            age,
            from,
            message: e.message.clone().unwrap_or_default(),
        }
    }
}

/// Pod phase counts of a controller's pods (`Pods Status:`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PodsStatus {
    pub running: usize,
    pub waiting: usize,
    pub succeeded: usize,
    pub failed: usize,
}

/// `name (current/desired replicas created)` of a deployment's replica set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicaSetSummary {
    pub name: String,
    pub replicas: i32,
    pub desired: i32,
}

impl From<&ReplicaSet> for ReplicaSetSummary {
    fn from(rs: &ReplicaSet) -> Self {
        ReplicaSetSummary {
            name: rs.metadata.name.clone().unwrap_or_default(),
            replicas: rs.status.as_ref().map_or(0, |s| s.replicas),
            desired: rs.spec.replicas.unwrap_or(1),
        }
    }
}

/// A row of a node's `Non-terminated Pods` table; amounts already formatted (`100m (5%)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodePodRow {
    pub namespace: String,
    pub name: String,
    pub cpu_requests: String,
    pub cpu_limits: String,
    pub memory_requests: String,
    pub memory_limits: String,
    pub age: String,
}

/// A row of a node's `Allocated resources` table (`cpu`, `750m (37%)`, `0 (0%)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllocatedRow {
    pub resource: String,
    pub requests: String,
    pub limits: String,
}

/// The node's lease in `kube-node-lease`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeLease {
    pub holder_identity: Option<String>,
    pub acquire_time: Option<Time>,
    pub renew_time: Option<Time>,
}

/// What `kubectl describe` looks up besides the object itself; the caller fills in what
/// applies to the kind and leaves the rest empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DescribeContext {
    /// Events about the object, oldest first; `None` leaves the Events section out.
    pub events: Option<Vec<EventRow>>,
    /// ReplicaSet, StatefulSet, DaemonSet: phases of the pods it controls.
    pub pods_status: PodsStatus,
    /// Deployment: its old replica sets and its new one.
    pub old_replica_sets: Vec<ReplicaSetSummary>,
    pub new_replica_set: Option<ReplicaSetSummary>,
    /// Service: the endpoint slices labelled with the service's name.
    pub endpoint_slices: Vec<EndpointSlice>,
    /// Node: non-terminated pods, allocated totals and lease.
    pub node_pods: Vec<NodePodRow>,
    pub allocated: Vec<AllocatedRow>,
    pub node_lease: Option<NodeLease>,
    /// Namespace: its quotas and limit ranges.
    pub resource_quotas: Vec<ResourceQuota>,
    pub limit_ranges: Vec<LimitRange>,
    /// PersistentVolumeClaim: the pods mounting it, by name.
    pub used_by: Vec<String>,
}

/// `kubectl describe <kind> <name>` of one object.
pub fn describe(obj: &Object, related: &DescribeContext, now: SimTime) -> String {
    match obj {
        Object::Pod(p) => pod::describe_pod(p, related, now),
        Object::Deployment(d) => workloads::describe_deployment(d, related),
        Object::ReplicaSet(rs) => workloads::describe_replica_set(rs, related),
        Object::StatefulSet(ss) => sets::describe_stateful_set(ss, related),
        Object::DaemonSet(ds) => sets::describe_daemon_set(ds, related),
        Object::Job(j) => jobs::describe_job(j, related),
        Object::CronJob(cj) => jobs::describe_cron_job(cj, related),
        Object::HorizontalPodAutoscaler(h) => hpa::describe_hpa(h, related),
        Object::Service(s) => service::describe_service(s, related),
        Object::Node(n) => node::describe_node(n, related),
        Object::ResourceQuota(q) => quota::describe_quota(q),
        Object::LimitRange(lr) => quota::describe_limit_range(lr),
        Object::Namespace(ns) => quota::describe_namespace(ns, related),
        Object::ConfigMap(cm) => misc::describe_config_map(cm, related),
        Object::Secret(s) => misc::describe_secret(s),
        Object::PersistentVolumeClaim(c) => storage::describe_claim(c, related),
        Object::PersistentVolume(v) => storage::describe_volume(v, related),
        Object::StorageClass(c) => storage::describe_storage_class(c, related),
        Object::NetworkPolicy(np) => crate::net::netpol::describe_network_policy(np, &go_time(np.metadata.creation_timestamp.as_ref())),
        other => misc::describe_generic(other, related),
    }
}

/// A time as Go's `time.Time.String()` prints it in UTC: `2024-01-01 00:05:00 +0000 UTC`.
fn go_time(t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> String {
    let Some(t) = t else { return "0001-01-01 00:00:00 +0000 UTC".to_string() };
    let secs = crate::time::unix_secs(crate::time::from_k8s(t));
    let (y, m, d) = crate::time::civil_from_days(secs.div_euclid(86_400));
    let r = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} +0000 UTC", r / 3600, r % 3600 / 60, r % 60)
}
