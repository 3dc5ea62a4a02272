//! Workload tables: deployments, replica sets, replication controllers, stateful sets, daemon
//! sets, jobs, cron jobs and horizontal pod autoscalers.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::{HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Container, ReplicationController};

use super::table::{col, wide, Column};
use super::util::{age, format_labels, since, selector_string, format_label_selector};
use crate::time::{human_duration, SimDuration, SimTime};

pub const DEPLOYMENT_COLUMNS: &[Column] = &[
    col("Name"),
    col("Ready"),
    col("Up-to-date"),
    col("Available"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub const REPLICA_SET_COLUMNS: &[Column] = &[
    col("Name"),
    col("Desired"),
    col("Current"),
    col("Ready"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub const STATEFUL_SET_COLUMNS: &[Column] =
    &[col("Name"), col("Ready"), col("Age"), wide("Containers"), wide("Images")];

pub const DAEMON_SET_COLUMNS: &[Column] = &[
    col("Name"),
    col("Desired"),
    col("Current"),
    col("Ready"),
    col("Up-to-date"),
    col("Available"),
    col("Node Selector"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub const JOB_COLUMNS: &[Column] = &[
    col("Name"),
    col("Status"),
    col("Completions"),
    col("Duration"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub const CRON_JOB_COLUMNS: &[Column] = &[
    col("Name"),
    col("Schedule"),
    col("Timezone"),
    col("Suspend"),
    col("Active"),
    col("Last Schedule"),
    col("Age"),
    wide("Containers"),
    wide("Images"),
    wide("Selector"),
];

pub const HPA_COLUMNS: &[Column] = &[
    col("Name"),
    col("Reference"),
    col("Targets"),
    col("MinPods"),
    col("MaxPods"),
    col("Replicas"),
    col("Age"),
];

/// `layoutContainerCells`: container names and images, comma-joined.
pub fn container_cells(containers: &[Container]) -> (String, String) {
    let names = containers.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(",");
    let images =
        containers.iter().map(|c| c.image.as_deref().unwrap_or("")).collect::<Vec<_>>().join(",");
    (names, images)
}

fn name_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

pub fn deployment_row(d: &Deployment, now: SimTime) -> Vec<String> {
    let spec = Some(&d.spec);
    let st = d.status.clone().unwrap_or_default();
    let desired = spec.and_then(|s| s.replicas).unwrap_or(1);
    let containers = spec.and_then(|s| s.template.spec.as_ref()).map(|p| p.containers.as_slice());
    let (names, images) = container_cells(containers.unwrap_or_default());
    vec![
        name_of(&d.metadata),
        format!("{}/{}", st.ready_replicas.unwrap_or(0), desired),
        st.updated_replicas.unwrap_or(0).to_string(),
        st.available_replicas.unwrap_or(0).to_string(),
        age(d.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        selector_string(spec.map(|s| &s.selector)),
    ]
}

pub fn replica_set_row(rs: &ReplicaSet, now: SimTime) -> Vec<String> {
    let spec = Some(&rs.spec);
    let st = rs.status.clone().unwrap_or_default();
    let containers = spec
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.spec.as_ref())
        .map(|p| p.containers.as_slice());
    let (names, images) = container_cells(containers.unwrap_or_default());
    vec![
        name_of(&rs.metadata),
        spec.and_then(|s| s.replicas).unwrap_or(1).to_string(),
        st.replicas.to_string(),
        st.ready_replicas.unwrap_or(0).to_string(),
        age(rs.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        format_label_selector(spec.map(|s| &s.selector)),
    ]
}

pub fn replication_controller_row(rc: &ReplicationController, now: SimTime) -> Vec<String> {
    let spec = rc.spec.as_ref();
    let st = rc.status.clone().unwrap_or_default();
    let containers = spec
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.spec.as_ref())
        .map(|p| p.containers.as_slice());
    let (names, images) = container_cells(containers.unwrap_or_default());
    vec![
        name_of(&rc.metadata),
        spec.and_then(|s| s.replicas).unwrap_or(1).to_string(),
        st.replicas.to_string(),
        st.ready_replicas.unwrap_or(0).to_string(),
        age(rc.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        format_labels(spec.and_then(|s| s.selector.as_ref())),
    ]
}

pub fn stateful_set_row(s: &StatefulSet, now: SimTime) -> Vec<String> {
    let spec = Some(&s.spec);
    let ready = s.status.as_ref().and_then(|st| st.ready_replicas).unwrap_or(0);
    let containers = spec.and_then(|s| s.template.spec.as_ref()).map(|p| p.containers.as_slice());
    let (names, images) = container_cells(containers.unwrap_or_default());
    vec![
        name_of(&s.metadata),
        format!("{ready}/{}", spec.and_then(|s| s.replicas).unwrap_or(1)),
        age(s.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
    ]
}

pub fn daemon_set_row(ds: &DaemonSet, now: SimTime) -> Vec<String> {
    let spec = Some(&ds.spec);
    let st = ds.status.clone().unwrap_or_default();
    let pod_spec = spec.and_then(|s| s.template.spec.as_ref());
    let (names, images) = container_cells(pod_spec.map(|p| p.containers.as_slice()).unwrap_or_default());
    vec![
        name_of(&ds.metadata),
        st.desired_number_scheduled.to_string(),
        st.current_number_scheduled.to_string(),
        st.number_ready.to_string(),
        st.updated_number_scheduled.unwrap_or(0).to_string(),
        st.number_available.unwrap_or(0).to_string(),
        format_labels(pod_spec.and_then(|p| p.node_selector.as_ref())),
        age(ds.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        format_label_selector(spec.map(|s| &s.selector)),
    ]
}

pub const CONTROLLER_REVISION_COLUMNS: &[Column] = &[col("Name"), col("Controller"), col("Revision"), col("Age")];

/// `printControllerRevision`: the controller as `<kind>.<group>/<name>` (lower-cased kind).
pub fn controller_revision_row(r: &k8s_openapi::api::apps::v1::ControllerRevision, now: SimTime) -> Vec<String> {
    let controller = r.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true)).map_or_else(
        || "<none>".to_string(),
        |o| {
            let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let kind = if group.is_empty() { o.kind.clone() } else { format!("{}.{group}", o.kind) };
            format!("{}/{}", kind.to_lowercase(), o.name)
        },
    );
    vec![name_of(&r.metadata), controller, r.revision.unwrap_or(0).to_string(), age(r.metadata.creation_timestamp.as_ref(), now)]
}

fn job_condition(job: &Job, type_: &str) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == type_))
        .is_some_and(|c| c.status == "True")
}

pub fn job_row(job: &Job, now: SimTime) -> Vec<String> {
    let spec = job.spec.as_ref();
    let st = job.status.clone().unwrap_or_default();
    let succeeded = st.succeeded.unwrap_or(0);
    let completions = match spec.and_then(|s| s.completions) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match spec.and_then(|s| s.parallelism).unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let duration = match (&st.start_time, &st.completion_time) {
        (None, _) => String::new(),
        (Some(start), None) => since(start, now),
        (Some(start), Some(end)) => {
            let us = end.0.as_microsecond().saturating_sub(start.0.as_microsecond()).max(0);
            human_duration(SimDuration(u64::try_from(us).unwrap_or(0)))
        }
    };
    let status = if job_condition(job, "Complete") {
        "Complete"
    } else if job_condition(job, "Failed") {
        "Failed"
    } else if job.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if job_condition(job, "Suspended") {
        "Suspended"
    } else if job_condition(job, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let pod_spec = spec.and_then(|s| s.template.spec.as_ref());
    let (names, images) = container_cells(pod_spec.map(|p| p.containers.as_slice()).unwrap_or_default());
    vec![
        name_of(&job.metadata),
        status.to_string(),
        completions,
        duration,
        age(job.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        format_label_selector(spec.and_then(|s| s.selector.as_ref())),
    ]
}

pub fn cron_job_row(cj: &CronJob, now: SimTime) -> Vec<String> {
    let spec = Some(&cj.spec);
    let st = cj.status.as_ref();
    let last = st
        .and_then(|s| s.last_schedule_time.as_ref())
        .map_or_else(|| "<none>".to_string(), |t| since(t, now));
    let suspend = match spec.and_then(|s| s.suspend) {
        Some(true) => "True",
        Some(false) => "False",
        None => "<unset>",
    };
    let job_spec = spec.and_then(|s| s.job_template.spec.as_ref());
    let pod_spec = job_spec.and_then(|j| j.template.spec.as_ref());
    let (names, images) = container_cells(pod_spec.map(|p| p.containers.as_slice()).unwrap_or_default());
    vec![
        name_of(&cj.metadata),
        spec.map(|s| s.schedule.clone()).unwrap_or_default(),
        spec.and_then(|s| s.time_zone.clone()).unwrap_or_else(|| "<none>".to_string()),
        suspend.to_string(),
        st.and_then(|s| s.active.as_ref()).map_or(0, Vec::len).to_string(),
        last,
        age(cj.metadata.creation_timestamp.as_ref(), now),
        names,
        images,
        format_label_selector(job_spec.and_then(|j| j.selector.as_ref())),
    ]
}

fn quantity(q: Option<&k8s_openapi::apimachinery::pkg::api::resource::Quantity>) -> String {
    q.map(|q| q.0.clone()).unwrap_or_else(|| "<unknown>".to_string())
}

/// One TARGETS entry: `cpu: 45%/50%`, `<unknown>/100 (avg)`.
fn hpa_metric(spec: &MetricSpec, status: Option<&MetricStatus>) -> String {
    let value_pair = |target: &MetricTarget, cur_avg: Option<String>, cur_val: Option<String>| {
        if let Some(avg) = &target.average_value {
            format!("{}/{} (avg)", cur_avg.unwrap_or_else(|| "<unknown>".into()), avg.0)
        } else {
            format!("{}/{}", cur_val.unwrap_or_else(|| "<unknown>".into()), quantity(target.value.as_ref()))
        }
    };
    match spec.type_.as_str() {
        "External" => match &spec.external {
            Some(e) => {
                let cur = status.and_then(|s| s.external.as_ref()).map(|s| &s.current);
                value_pair(
                    &e.target,
                    cur.and_then(|c| c.average_value.as_ref()).map(|q| q.0.clone()),
                    cur.map(|c| quantity(c.value.as_ref())),
                )
            }
            None => "<unknown type>".into(),
        },
        "Object" => match &spec.object {
            Some(o) => {
                let cur = status.and_then(|s| s.object.as_ref()).map(|s| &s.current);
                value_pair(
                    &o.target,
                    cur.and_then(|c| c.average_value.as_ref()).map(|q| q.0.clone()),
                    cur.map(|c| quantity(c.value.as_ref())),
                )
            }
            None => "<unknown type>".into(),
        },
        "Pods" => match &spec.pods {
            Some(p) => {
                let cur = status
                    .and_then(|s| s.pods.as_ref())
                    .map(|s| quantity(s.current.average_value.as_ref()));
                format!(
                    "{}/{}",
                    cur.unwrap_or_else(|| "<unknown>".into()),
                    quantity(p.target.average_value.as_ref())
                )
            }
            None => "<unknown type>".into(),
        },
        "Resource" | "ContainerResource" => {
            let (name, target, current) = if spec.type_ == "Resource" {
                let Some(r) = &spec.resource else { return "<unknown type>".into() };
                (&r.name, &r.target, status.and_then(|s| s.resource.as_ref()).map(|s| &s.current))
            } else {
                let Some(r) = &spec.container_resource else { return "<unknown type>".into() };
                (
                    &r.name,
                    &r.target,
                    status.and_then(|s| s.container_resource.as_ref()).map(|s| &s.current),
                )
            };
            if let Some(avg) = &target.average_value {
                let cur = current.map(|c| quantity(c.average_value.as_ref()));
                format!("{name}: {}/{}", cur.unwrap_or_else(|| "<unknown>".into()), avg.0)
            } else {
                let cur = current
                    .and_then(|c| c.average_utilization)
                    .map_or_else(|| "<unknown>".to_string(), |u| format!("{u}%"));
                let tgt = target
                    .average_utilization
                    .map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
                format!("{name}: {cur}/{tgt}")
            }
        }
        _ => "<unknown type>".into(),
    }
}

/// `formatHPAMetrics`: at most two metrics, then `+ N more...`.
pub fn hpa_targets(hpa: &HorizontalPodAutoscaler) -> String {
    let specs = hpa.spec.metrics.as_deref().unwrap_or_default();
    if specs.is_empty() {
        return "<none>".to_string();
    }
    let statuses = hpa.status.as_ref().and_then(|s| s.current_metrics.as_deref()).unwrap_or_default();
    let list: Vec<String> =
        specs.iter().enumerate().map(|(i, m)| hpa_metric(m, statuses.get(i))).collect();
    if list.len() > 2 {
        format!("{} + {} more...", list[..2].join(", "), list.len() - 2)
    } else {
        list.join(", ")
    }
}

pub fn hpa_row(hpa: &HorizontalPodAutoscaler, now: SimTime) -> Vec<String> {
    let spec = Some(&hpa.spec);
    let reference = spec
        .map(|s| format!("{}/{}", s.scale_target_ref.kind, s.scale_target_ref.name))
        .unwrap_or_else(|| "/".to_string());
    vec![
        name_of(&hpa.metadata),
        reference,
        hpa_targets(hpa),
        spec.and_then(|s| s.min_replicas).map_or_else(|| "<unset>".to_string(), |m| m.to_string()),
        spec.map_or(0, |s| s.max_replicas).to_string(),
        hpa.status.as_ref().and_then(|s| s.current_replicas).unwrap_or(0).to_string(),
        age(hpa.metadata.creation_timestamp.as_ref(), now),
    ]
}
