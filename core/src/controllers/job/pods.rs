//! What the Job controller reads from and writes into pods: the pod from the template (labels,
//! tracking finalizer, completion index), which pods count as succeeded, failed or
//! terminating, and the pod-failure back-off (10 s, doubling, at most 6 minutes).

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, ObjectFieldSelector, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::api::Object;
use crate::controllers::replicaset::pod_from_template;
use crate::time::{from_k8s, SimDuration, SimTime};

/// Held on every pod until the controller has counted it in the Job's status.
pub const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
pub const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
pub const JOB_NAME: &str = "batch.kubernetes.io/job-name";
pub const LEGACY_CONTROLLER_UID: &str = "controller-uid";
pub const LEGACY_JOB_NAME: &str = "job-name";
pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";

pub const POD_FAILURE_BACKOFF: SimDuration = SimDuration::from_secs(10);
/// `MaxJobPodFailureBackOff`: 10 minutes.
pub const MAX_POD_FAILURE_BACKOFF: SimDuration = SimDuration::from_secs(600);

/// The labels the API server adds to a Job's template when it generates the selector.
pub fn job_labels(name: &str, uid: &str) -> [(&'static str, String); 4] {
    [
        (CONTROLLER_UID, uid.to_string()),
        (JOB_NAME, name.to_string()),
        (LEGACY_CONTROLLER_UID, uid.to_string()),
        (LEGACY_JOB_NAME, name.to_string()),
    ]
}

/// The Job registry's create strategy (`generateSelector`), for the API server: unless
/// `manualSelector` is true, the selector is `batch.kubernetes.io/controller-uid=<uid>` and
/// the template carries the four job labels; a Job without labels of its own then takes
/// the template's (`SetDefaults_Job` applied again when the object is read back).
pub fn generate_selector(job: &mut Job) {
    let name = job.metadata.name.clone().unwrap_or_default();
    let uid = job.metadata.uid.clone().unwrap_or_default();
    let Some(spec) = job.spec.as_mut() else { return };
    if spec.manual_selector == Some(true) {
        return;
    }
    let tm = spec.template.metadata.get_or_insert_with(Default::default);
    let labels = tm.labels.get_or_insert_with(BTreeMap::new);
    for (k, v) in job_labels(&name, &uid) {
        labels.insert(k.to_string(), v);
    }
    if job.metadata.labels.as_ref().is_none_or(|l| l.is_empty()) {
        job.metadata.labels = Some(labels.clone());
    }
    spec.selector = Some(LabelSelector {
        match_labels: Some(BTreeMap::from([(CONTROLLER_UID.to_string(), uid)])),
        ..Default::default()
    });
}

/// A pod for the Job: the template with the job labels and the tracking finalizer;
/// generateName `<job>-`, or `<job>-<index>-` with the completion index in an annotation,
/// a label, the hostname and `JOB_COMPLETION_INDEX` for an Indexed Job.
pub fn new_pod(owner: &Object, job: &Job, index: Option<i32>) -> Pod {
    let name = job.metadata.name.as_deref().unwrap_or("");
    let uid = job.metadata.uid.as_deref().unwrap_or("");
    let template = job.spec.as_ref().map(|s| s.template.clone()).unwrap_or_default();
    let mut pod = pod_from_template(owner, name, &template);
    let labels = pod.metadata.labels.get_or_insert_with(BTreeMap::new);
    for (k, v) in job_labels(name, uid) {
        labels.entry(k.to_string()).or_insert(v);
    }
    pod.metadata.finalizers.get_or_insert_with(Vec::new).push(TRACKING_FINALIZER.into());
    if let Some(i) = index {
        let base: String = format!("{name}-{i}-").chars().take(58).collect();
        pod.metadata.generate_name = Some(base);
        pod.metadata.annotations.get_or_insert_with(BTreeMap::new).insert(COMPLETION_INDEX.into(), i.to_string());
        labels_of(&mut pod).insert(COMPLETION_INDEX.into(), i.to_string());
        if let Some(spec) = pod.spec.as_mut() {
            if spec.hostname.is_none() {
                spec.hostname = Some(format!("{name}-{i}"));
            }
            // Read from the annotation through the downward API.
            let env = EnvVar {
                name: "JOB_COMPLETION_INDEX".into(),
                value: None,
                value_from: Some(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector { field_path: format!("metadata.annotations['{COMPLETION_INDEX}']"), api_version: None }),
                    ..Default::default()
                }),
            };
            for c in spec.containers.iter_mut().chain(spec.init_containers.iter_mut().flatten()) {
                let env_list = c.env.get_or_insert_with(Vec::new);
                if !env_list.iter().any(|e| e.name == env.name) {
                    env_list.push(env.clone());
                }
            }
        }
    }
    pod
}

fn labels_of(pod: &mut Pod) -> &mut BTreeMap<String, String> {
    pod.metadata.labels.get_or_insert_with(BTreeMap::new)
}

pub fn phase(p: &Pod) -> &str {
    p.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("")
}

pub fn has_finalizer(p: &Pod) -> bool {
    p.metadata.finalizers.iter().flatten().any(|f| f == TRACKING_FINALIZER)
}

/// `isPodFailed`: phase Failed, or (unless only Failed pods are replaced or a pod failure
/// policy is set) being deleted without having succeeded.
pub fn is_failed(p: &Pod, job: &Job) -> bool {
    if phase(p) == "Failed" {
        return true;
    }
    let spec = job.spec.as_ref();
    if spec.and_then(|s| s.pod_replacement_policy.as_deref()) == Some("Failed") || spec.is_some_and(|s| s.pod_failure_policy.is_some()) {
        return false;
    }
    p.metadata.deletion_timestamp.is_some() && phase(p) != "Succeeded"
}

/// Being deleted and not yet in a terminal phase.
pub fn is_terminating(p: &Pod) -> bool {
    p.metadata.deletion_timestamp.is_some() && !matches!(phase(p), "Succeeded" | "Failed")
}

pub fn completion_index(p: &Pod) -> Option<i32> {
    p.metadata.annotations.as_ref()?.get(COMPLETION_INDEX)?.parse().ok().filter(|i: &i32| *i >= 0)
}

/// When the pod finished: its last container's finishedAt, else its deletion timestamp, else
/// when it was created.
pub fn finish_time(p: &Pod) -> SimTime {
    let st = p.status.as_ref();
    let from_containers = st
        .into_iter()
        .flat_map(|s| s.container_statuses.iter().flatten().chain(s.init_container_statuses.iter().flatten()))
        .filter_map(|c| c.state.as_ref()?.terminated.as_ref()?.finished_at.as_ref().map(from_k8s))
        .max();
    from_containers
        .or_else(|| p.metadata.deletion_timestamp.as_ref().map(from_k8s))
        .or_else(|| p.metadata.creation_timestamp.as_ref().map(from_k8s))
        .unwrap_or(SimTime::ZERO)
}

/// How long before the next pod may be created: `10s × 2^(failures−1)` (capped) after the
/// last failure, counting the failures since the last success.
pub fn backoff_remaining(pods: &[&Pod], job: &Job, now: SimTime) -> SimDuration {
    let last_success = pods.iter().filter(|p| phase(p) == "Succeeded").map(|p| finish_time(p)).max();
    let failures: Vec<SimTime> = pods
        .iter()
        .filter(|p| is_failed(p, job))
        .map(|p| finish_time(p))
        .filter(|t| last_success.is_none_or(|s| *t > s))
        .collect();
    let Some(&last) = failures.iter().max() else { return SimDuration::ZERO };
    let mut delay = POD_FAILURE_BACKOFF;
    for _ in 1..failures.len() {
        delay = SimDuration(delay.0 * 2);
        if delay >= MAX_POD_FAILURE_BACKOFF {
            delay = MAX_POD_FAILURE_BACKOFF;
            break;
        }
    }
    let elapsed = now.since(last);
    if delay < elapsed { SimDuration::ZERO } else { SimDuration(delay.0 - elapsed.0) }
}

/// `pastBackoffLimitOnFailure`: with restartPolicy OnFailure, container restarts in pending
/// and running pods count against the limit.
pub fn past_backoff_limit_on_failure(job: &Job, pods: &[&Pod]) -> bool {
    let Some(spec) = job.spec.as_ref() else { return false };
    if spec.template.spec.as_ref().and_then(|s| s.restart_policy.as_deref()) != Some("OnFailure") {
        return false;
    }
    let restarts: i32 = pods
        .iter()
        .filter(|p| matches!(phase(p), "Running" | "Pending"))
        .filter_map(|p| p.status.as_ref())
        .flat_map(|s| s.container_statuses.iter().flatten().chain(s.init_container_statuses.iter().flatten()))
        .map(|c| c.restart_count)
        .sum();
    match spec.backoff_limit.unwrap_or(6) {
        0 => restarts > 0,
        limit => restarts >= limit,
    }
}

/// `completedIndexes` text: `0-2,4,7-8`.
pub fn format_indexes(indexes: &std::collections::BTreeSet<i32>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut iter = indexes.iter().copied().peekable();
    while let Some(first) = iter.next() {
        let mut last = first;
        while iter.peek() == Some(&(last + 1)) {
            last += 1;
            iter.next();
        }
        out.push(if first == last { first.to_string() } else { format!("{first}-{last}") });
    }
    out.join(",")
}

/// Parses `completedIndexes` back (malformed parts are ignored).
pub fn parse_indexes(text: &str) -> std::collections::BTreeSet<i32> {
    let mut set = std::collections::BTreeSet::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        if let (Ok(a), Ok(b)) = (a.parse::<i32>(), b.parse::<i32>()) {
            set.extend(a.max(0)..=b.min(a.max(0) + 100_000));
        }
    }
    set
}
