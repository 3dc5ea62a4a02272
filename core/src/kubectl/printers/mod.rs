//! `kubectl get` output as pure functions over typed objects.
//!
//! - [`print_table`] / [`print_mixed`]: the human-readable tables (`-o wide`, `--show-labels`,
//!   `-L`, `-A`, `--no-headers`, kind-qualified names), with kubectl's "No resources found"
//!   message on stderr.
//! - [`print_names`], [`print_json`], [`print_yaml`]: `-o name`, `-o json`, `-o yaml`, of one
//!   object or of a `List`.
//! - `table`: Go tabwriter alignment; `util`: ages, timestamps, labels, selectors;
//!   `pods`, `workloads`, `services`, `cluster`, `lease`: one row function per kind; `custom`: custom
//!   resources by their CRD's printer columns;
//!   `json`, `yaml`: the serialisers that match kubectl's text.

pub mod cluster;
pub mod custom;
pub mod json;
pub mod lease;
pub mod output;
pub mod pods;
pub mod services;
pub mod table;
pub mod util;
pub mod workloads;
pub mod yaml;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::api::{Kind, Object};
use crate::time::SimTime;

pub use output::{print_json, print_names, print_yaml, resource_name};
pub use table::{Column, Table};

/// Flags of `kubectl get` that shape a table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrintOptions {
    /// `-o wide`: the priority-1 columns.
    pub wide: bool,
    /// `--show-labels`: a trailing LABELS column.
    pub show_labels: bool,
    /// `-A` / `--all-namespaces`: a leading NAMESPACE column (namespaced kinds only).
    pub with_namespace: bool,
    /// `--no-headers`.
    pub no_headers: bool,
    /// `-L key`: one upper-cased column per key, holding the label's value.
    pub label_columns: Vec<String>,
    /// Names as `kind.group/name` (several kinds were asked for, or `get all`).
    pub with_kind: bool,
    /// The namespace of the request, named in "No resources found in <ns> namespace.".
    pub namespace: String,
    /// The printer columns of custom kinds, from their CRDs (Name and Age when absent).
    pub custom_columns: BTreeMap<Kind, Vec<custom::PrinterColumn>>,
}

/// What a command writes: kubectl sends "No resources found" to stderr, tables to stdout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Printed {
    pub stdout: String,
    pub stderr: String,
}

/// kubectl's message when a listing is empty (followed by a newline, on stderr).
pub fn no_resources_message(kind: Option<Kind>, opts: &PrintOptions) -> String {
    let namespaced = kind.is_none_or(|k| k.info().namespaced);
    if opts.with_namespace || !namespaced || opts.namespace.is_empty() {
        "No resources found\n".to_string()
    } else {
        format!("No resources found in {} namespace.\n", opts.namespace)
    }
}

/// The columns kubectl defines for a kind (wide-only columns marked).
pub fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Pod => pods::POD_COLUMNS,
        Kind::Deployment => workloads::DEPLOYMENT_COLUMNS,
        Kind::ReplicaSet | Kind::ReplicationController => workloads::REPLICA_SET_COLUMNS,
        Kind::StatefulSet => workloads::STATEFUL_SET_COLUMNS,
        Kind::DaemonSet => workloads::DAEMON_SET_COLUMNS,
        Kind::ControllerRevision => workloads::CONTROLLER_REVISION_COLUMNS,
        Kind::Job => workloads::JOB_COLUMNS,
        Kind::CronJob => workloads::CRON_JOB_COLUMNS,
        Kind::HorizontalPodAutoscaler => workloads::HPA_COLUMNS,
        Kind::Service => services::SERVICE_COLUMNS,
        Kind::Endpoints => services::ENDPOINTS_COLUMNS,
        Kind::EndpointSlice => services::ENDPOINT_SLICE_COLUMNS,
        Kind::Ingress => services::INGRESS_COLUMNS,
        Kind::IngressClass => services::INGRESS_CLASS_COLUMNS,
        Kind::NetworkPolicy => services::NETWORK_POLICY_COLUMNS,
        Kind::Node => cluster::NODE_COLUMNS,
        Kind::Namespace => cluster::NAMESPACE_COLUMNS,
        Kind::Event => cluster::EVENT_COLUMNS,
        Kind::Lease => lease::LEASE_COLUMNS,
        Kind::ConfigMap => cluster::CONFIG_MAP_COLUMNS,
        Kind::Secret => cluster::SECRET_COLUMNS,
        Kind::ServiceAccount => cluster::SERVICE_ACCOUNT_COLUMNS,
        Kind::PersistentVolume => cluster::PV_COLUMNS,
        Kind::PersistentVolumeClaim => cluster::PVC_COLUMNS,
        Kind::StorageClass => cluster::STORAGE_CLASS_COLUMNS,
        Kind::ResourceQuota => cluster::RESOURCE_QUOTA_COLUMNS,
        Kind::LimitRange | Kind::CustomResourceDefinition => cluster::CREATED_AT_COLUMNS,
        Kind::Custom(_) => custom::DEFAULT_COLUMNS,
    }
}

/// One cell per entry of [`columns`] (wide ones included).
pub fn row(obj: &Object, now: SimTime, wide: bool) -> Vec<String> {
    match obj {
        Object::Pod(o) => pods::pod_row(o, now),
        Object::Deployment(o) => workloads::deployment_row(o, now),
        Object::ReplicaSet(o) => workloads::replica_set_row(o, now),
        Object::ReplicationController(o) => workloads::replication_controller_row(o, now),
        Object::StatefulSet(o) => workloads::stateful_set_row(o, now),
        Object::DaemonSet(o) => workloads::daemon_set_row(o, now),
        Object::ControllerRevision(o) => workloads::controller_revision_row(o, now),
        Object::Job(o) => workloads::job_row(o, now),
        Object::CronJob(o) => workloads::cron_job_row(o, now),
        Object::HorizontalPodAutoscaler(o) => workloads::hpa_row(o, now),
        Object::Service(o) => services::service_row(o, now, wide),
        Object::Endpoints(o) => services::endpoints_row(o, now),
        Object::EndpointSlice(o) => services::endpoint_slice_row(o, now),
        Object::Ingress(o) => services::ingress_row(o, now, wide),
        Object::IngressClass(o) => services::ingress_class_row(o, now),
        Object::NetworkPolicy(o) => services::network_policy_row(o, now),
        Object::Node(o) => cluster::node_row(o, now),
        Object::Namespace(o) => cluster::namespace_row(o, now),
        Object::Event(o) => cluster::event_row(o, now),
        Object::Lease(o) => lease::lease_row(o, now),
        Object::ConfigMap(o) => cluster::config_map_row(o, now),
        Object::Secret(o) => cluster::secret_row(o, now),
        Object::ServiceAccount(o) => cluster::service_account_row(o, now),
        Object::PersistentVolume(o) => cluster::pv_row(o, now),
        Object::PersistentVolumeClaim(o) => cluster::pvc_row(o, now),
        Object::StorageClass(o) => cluster::storage_class_row(o, now),
        Object::ResourceQuota(o) => cluster::resource_quota_row(o, now),
        Object::LimitRange(o) => cluster::limit_range_row(o),
        Object::CustomResourceDefinition(o) => cluster::created_at_row(&o.metadata),
        Object::Custom(_) => custom::default_row(obj, now),
    }
}

/// The last path segment of a `-L` key, upper-cased (`app.kubernetes.io/name` → `NAME`).
fn label_header(key: &str) -> String {
    key.rsplit('/').next().unwrap_or(key).to_uppercase()
}

/// The table of one kind, before alignment.
pub fn build_table(kind: Kind, objects: &[&Object], now: SimTime, opts: &PrintOptions) -> Table {
    let printer_columns = opts.custom_columns.get(&kind);
    let cols: Vec<(String, bool)> = match printer_columns {
        Some(p) => custom::headers(p),
        None => columns(kind).iter().map(|c| (c.name.to_string(), c.wide)).collect(),
    };
    let keep: Vec<bool> = cols.iter().map(|c| opts.wide || !c.1).collect();
    let name_col = cols.iter().position(|c| c.0 == "Name");
    let with_namespace = opts.with_namespace && kind.info().namespaced;
    let mut headers: Vec<String> = Vec::new();
    if with_namespace {
        headers.push("NAMESPACE".into());
    }
    headers.extend(cols.iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c.0.to_uppercase()));
    headers.extend(opts.label_columns.iter().map(|k| label_header(k)));
    if opts.show_labels {
        headers.push("LABELS".into());
    }
    let mut rows = Vec::with_capacity(objects.len());
    for obj in objects {
        let mut cells = match printer_columns {
            Some(p) => custom::row(obj, p, now),
            None => row(obj, now, opts.wide),
        };
        cells.resize(cols.len(), String::new());
        if opts.with_kind {
            if let Some(i) = name_col {
                cells[i] = format!("{}/{}", kind.qualified_singular(), cells[i]);
            }
        }
        let mut out: Vec<String> = Vec::with_capacity(headers.len());
        if with_namespace {
            out.push(obj.namespace().unwrap_or_default().to_string());
        }
        out.extend(cells.into_iter().zip(&keep).filter(|(_, k)| **k).map(|(c, _)| c));
        let labels = obj.labels();
        for key in &opts.label_columns {
            out.push(labels.and_then(|l| l.get(key)).cloned().unwrap_or_default());
        }
        if opts.show_labels {
            out.push(util::format_labels(labels));
        }
        rows.push(out);
    }
    Table { headers, rows }
}

/// `kubectl get <kind>`: the aligned table on stdout, or the empty-listing message on stderr.
pub fn print_table(kind: Kind, objects: &[&Object], now: SimTime, opts: &PrintOptions) -> Printed {
    if objects.is_empty() {
        return Printed { stdout: String::new(), stderr: no_resources_message(Some(kind), opts) };
    }
    let table = build_table(kind, objects, now, opts);
    Printed { stdout: table.render(opts.no_headers), stderr: String::new() }
}

/// `kubectl get all` / `kubectl get pods,svc`: one table per kind, in order of first appearance,
/// names qualified by kind, a blank line between tables.
pub fn print_mixed(objects: &[&Object], now: SimTime, opts: &PrintOptions) -> Printed {
    if objects.is_empty() {
        return Printed { stdout: String::new(), stderr: no_resources_message(None, opts) };
    }
    let mut kinds: Vec<Kind> = Vec::new();
    for o in objects {
        if !kinds.contains(&o.kind()) {
            kinds.push(o.kind());
        }
    }
    let opts = PrintOptions { with_kind: true, ..opts.clone() };
    let tables: Vec<String> = kinds
        .iter()
        .map(|&k| {
            let group: Vec<&Object> = objects.iter().copied().filter(|o| o.kind() == k).collect();
            build_table(k, &group, now, &opts).render(opts.no_headers)
        })
        .collect();
    Printed { stdout: tables.join("\n"), stderr: String::new() }
}
