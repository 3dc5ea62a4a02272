//! Controller validation: replicas, selectors and their match with the template labels,
//! update strategies, the template restartPolicy each controller allows, Job and CronJob specs.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job, JobSpec};
use k8s_openapi::api::core::v1::{PodTemplateSpec, ReplicationController};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::path::Path;
use super::{meta, pod, BadValue, FieldError};

const MISMATCH: &str = "`selector` does not match template `labels`";

fn template_labels(t: &PodTemplateSpec) -> Option<&BTreeMap<String, String>> {
    t.metadata.as_ref().and_then(|m| m.labels.as_ref())
}

/// k8s-openapi reads a missing selector as an empty one; with neither matchLabels nor
/// matchExpressions present it is treated as missing (`Required value`, and it matches nothing).
fn selector_absent(sel: &LabelSelector) -> bool {
    sel.match_labels.is_none() && sel.match_expressions.is_none()
}

/// A required, non-empty selector (`what` names the kind in the empty-selector message).
fn selector(sel: &LabelSelector, what: &str, errs: &mut Vec<FieldError>) {
    if selector_absent(sel) {
        errs.push(FieldError::required("spec.selector", ""));
        return;
    }
    meta::label_selector(sel, &Path::new("spec.selector"), errs);
    if meta::selector_is_empty(sel) {
        errs.push(FieldError::invalid("spec.selector", meta::go_selector(sel), format!("empty selector is invalid for {what}")));
    }
}

/// `ValidatePodTemplateSpecFor<Controller>`: labels match the selector, restartPolicy Always,
/// no activeDeadlineSeconds. A missing selector matches nothing.
fn controller_template(t: &PodTemplateSpec, sel: &LabelSelector, owner: &str, errs: &mut Vec<FieldError>) {
    controller_template_with_claims(t, sel, owner, &[], errs);
}

fn controller_template_with_claims(
    t: &PodTemplateSpec,
    sel: &LabelSelector,
    owner: &str,
    claims: &[String],
    errs: &mut Vec<FieldError>,
) {
    let labels = template_labels(t);
    let matches = !selector_absent(sel) && (meta::selector_is_empty(sel) || meta::selector_matches(sel, labels));
    if !matches {
        errs.push(FieldError::invalid("spec.template.metadata.labels", meta::go_map(labels), MISMATCH));
    }
    pod::template_with_claims(t, &Path::new("spec.template"), claims, errs);
    restart_always(t, owner, errs);
}

fn restart_always(t: &PodTemplateSpec, owner: &str, errs: &mut Vec<FieldError>) {
    let Some(spec) = &t.spec else { return };
    match spec.restart_policy.as_deref().unwrap_or("") {
        "Always" | "" => {}
        other => errs.push(FieldError::unsupported("spec.template.spec.restartPolicy", BadValue::Str(other.into()), &["Always"])),
    }
    if spec.active_deadline_seconds.is_some() {
        errs.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            format!("activeDeadlineSeconds in {owner} is not Supported"),
        ));
    }
}

fn replicas(value: Option<i32>, errs: &mut Vec<FieldError>) {
    meta::non_negative(value.map(i64::from), &Path::new("spec.replicas"), errs);
}

pub(super) fn deployment(d: &Deployment, errs: &mut Vec<FieldError>) {
    let spec = &d.spec;
    replicas(spec.replicas, errs);
    selector(&spec.selector, "deployment", errs);
    controller_template(&spec.template, &spec.selector, "ReplicaSet", errs);
    if let Some(strategy) = &spec.strategy {
        let p = Path::new("spec.strategy");
        match strategy.type_.as_deref().unwrap_or("") {
            "Recreate" => {
                if strategy.rolling_update.is_some() {
                    errs.push(FieldError::forbidden(p.child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"));
                }
            }
            "RollingUpdate" => match &strategy.rolling_update {
                None => errs.push(FieldError::required(p.child("rollingUpdate"), "this should be defaulted and never be nil")),
                Some(r) => {
                    let unavailable_path = p.child("rollingUpdate.maxUnavailable");
                    if let Some(u) = &r.max_unavailable {
                        meta::int_or_percent(u, &unavailable_path, errs);
                    }
                    if let Some(s) = &r.max_surge {
                        meta::int_or_percent(s, &p.child("rollingUpdate.maxSurge"), errs);
                    }
                    let unavailable = r.max_unavailable.as_ref().and_then(meta::int_or_percent_value);
                    let surge = r.max_surge.as_ref().and_then(meta::int_or_percent_value);
                    if unavailable == Some(0) && surge == Some(0) {
                        if let Some(u) = &r.max_unavailable {
                            errs.push(FieldError::invalid(unavailable_path, meta::int_or_string(u), "may not be 0 when `maxSurge` is 0"));
                        }
                    }
                    if let Some(u) = r.max_unavailable.as_ref().filter(|u| matches!(u, k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(_))) {
                        if meta::int_or_percent_value(u).is_some_and(|v| v > 100) {
                            errs.push(FieldError::invalid(unavailable_path, meta::int_or_string(u), "must not be greater than 100%"));
                        }
                    }
                }
            },
            other => errs.push(FieldError::unsupported(p.child("type"), BadValue::Str(other.into()), &["Recreate", "RollingUpdate"])),
        }
    }
    meta::non_negative(spec.revision_history_limit.map(i64::from), &Path::new("spec.revisionHistoryLimit"), errs);
    meta::non_negative(spec.min_ready_seconds.map(i64::from), &Path::new("spec.minReadySeconds"), errs);
    if let Some(deadline) = spec.progress_deadline_seconds {
        meta::non_negative(Some(i64::from(deadline)), &Path::new("spec.progressDeadlineSeconds"), errs);
        if deadline <= spec.min_ready_seconds.unwrap_or(0) {
            errs.push(FieldError::invalid("spec.progressDeadlineSeconds", BadValue::Int(deadline.into()), "must be greater than minReadySeconds"));
        }
    }
}

pub(super) fn replica_set(r: &ReplicaSet, errs: &mut Vec<FieldError>) {
    let spec = &r.spec;
    replicas(spec.replicas, errs);
    meta::non_negative(spec.min_ready_seconds.map(i64::from), &Path::new("spec.minReadySeconds"), errs);
    selector(&spec.selector, "deployment", errs);
    match &spec.template {
        Some(t) => controller_template(t, &spec.selector, "ReplicaSet", errs),
        None => errs.push(FieldError::required("spec.template", "")),
    }
}

pub(super) fn replication_controller(r: &ReplicationController, errs: &mut Vec<FieldError>) {
    let Some(spec) = &r.spec else {
        errs.push(FieldError::required("spec.selector", ""));
        return;
    };
    replicas(spec.replicas, errs);
    let selector = spec.selector.as_ref().filter(|s| !s.is_empty());
    match selector {
        None => errs.push(FieldError::required("spec.selector", "")),
        Some(s) => meta::labels(Some(s), &Path::new("spec.selector"), errs),
    }
    match &spec.template {
        None => errs.push(FieldError::required("spec.template", "")),
        Some(t) => {
            if let Some(sel) = selector {
                let labels = template_labels(t);
                if !sel.iter().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v)) {
                    errs.push(FieldError::invalid("spec.template.metadata.labels", meta::go_map(labels), MISMATCH));
                }
            }
            pod::template(t, &Path::new("spec.template"), errs);
            restart_always(t, "ReplicationController", errs);
        }
    }
}

pub(super) fn stateful_set(s: &StatefulSet, errs: &mut Vec<FieldError>) {
    let spec = &s.spec;
    match spec.pod_management_policy.as_deref().unwrap_or("") {
        "OrderedReady" | "Parallel" => {}
        other => errs.push(FieldError::invalid(
            "spec.podManagementPolicy",
            BadValue::Str(other.into()),
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    if let Some(strategy) = &spec.update_strategy {
        match strategy.type_.as_deref().unwrap_or("") {
            "RollingUpdate" => {
                if let Some(partition) = strategy.rolling_update.as_ref().and_then(|r| r.partition) {
                    meta::non_negative(Some(partition.into()), &Path::new("spec.updateStrategy.rollingUpdate.partition"), errs);
                }
            }
            "OnDelete" => {
                if strategy.rolling_update.is_some() {
                    errs.push(FieldError::invalid(
                        "spec.updateStrategy.rollingUpdate",
                        BadValue::Raw("{}".into()),
                        "only allowed for updateStrategy 'RollingUpdate'",
                    ));
                }
            }
            other => errs.push(FieldError::invalid(
                "spec.updateStrategy",
                BadValue::Str(other.into()),
                "must be 'RollingUpdate' or 'OnDelete'",
            )),
        }
    }
    replicas(spec.replicas, errs);
    selector(&spec.selector, "statefulset", errs);
    let claims: Vec<String> =
        spec.volume_claim_templates.iter().flatten().filter_map(|c| c.metadata.name.clone()).collect();
    controller_template_with_claims(&spec.template, &spec.selector, "StatefulSet", &claims, errs);
    meta::non_negative(spec.revision_history_limit.map(i64::from), &Path::new("spec.revisionHistoryLimit"), errs);
}

pub(super) fn daemon_set(d: &DaemonSet, errs: &mut Vec<FieldError>) {
    let spec = &d.spec;
    selector(&spec.selector, "daemonset", errs);
    controller_template(&spec.template, &spec.selector, "DaemonSet", errs);
    if let Some(strategy) = &spec.update_strategy {
        match strategy.type_.as_deref().unwrap_or("") {
            "OnDelete" => {}
            "RollingUpdate" => {
                if let Some(r) = &strategy.rolling_update {
                    let p = Path::new("spec.updateStrategy.rollingUpdate");
                    if let Some(u) = &r.max_unavailable {
                        meta::int_or_percent(u, &p.child("maxUnavailable"), errs);
                    }
                    if let Some(s) = &r.max_surge {
                        meta::int_or_percent(s, &p.child("maxSurge"), errs);
                    }
                }
            }
            other => errs.push(FieldError::unsupported("spec.updateStrategy.type", BadValue::Str(other.into()), &["OnDelete", "RollingUpdate"])),
        }
    }
    meta::non_negative(spec.revision_history_limit.map(i64::from), &Path::new("spec.revisionHistoryLimit"), errs);
    meta::non_negative(spec.min_ready_seconds.map(i64::from), &Path::new("spec.minReadySeconds"), errs);
}

/// `validateJobSpec` (shared by Jobs and CronJob job templates), rooted at `path`.
fn job_spec(spec: &JobSpec, path: &Path<'_>, errs: &mut Vec<FieldError>) {
    for (value, field) in [
        (spec.parallelism.map(i64::from), "parallelism"),
        (spec.completions.map(i64::from), "completions"),
        (spec.active_deadline_seconds, "activeDeadlineSeconds"),
        (spec.backoff_limit.map(i64::from), "backoffLimit"),
        (spec.ttl_seconds_after_finished.map(i64::from), "ttlSecondsAfterFinished"),
    ] {
        meta::non_negative(value, &path.child(field), errs);
    }
    if let Some(mode) = spec.completion_mode.as_deref() {
        if mode != "NonIndexed" && mode != "Indexed" {
            errs.push(FieldError::unsupported(path.child("completionMode"), BadValue::Str(mode.into()), &["NonIndexed", "Indexed"]));
        }
    }
    pod::template(&spec.template, &path.child("template"), errs);
    let p = path.child("template.spec.restartPolicy");
    match spec.template.spec.as_ref().and_then(|s| s.restart_policy.as_deref()).unwrap_or("") {
        "OnFailure" | "Never" => {}
        "" | "Always" => errs.push(FieldError::required(p, "valid values: \"OnFailure\", \"Never\"")),
        other => errs.push(FieldError::unsupported(p, BadValue::Str(other.into()), &["OnFailure", "Never"])),
    }
}

/// The selector is generated by the server unless `manualSelector` is set; then it must be
/// given and match the template.
pub(super) fn job(j: &Job, errs: &mut Vec<FieldError>) {
    let Some(spec) = &j.spec else {
        errs.push(FieldError::required("spec.template.spec.containers", ""));
        return;
    };
    job_spec(spec, &Path::new("spec"), errs);
    if spec.manual_selector == Some(true) {
        match &spec.selector {
            None => errs.push(FieldError::required("spec.selector", "")),
            Some(sel) => {
                meta::label_selector(sel, &Path::new("spec.selector"), errs);
                if !meta::selector_matches(sel, template_labels(&spec.template)) {
                    errs.push(FieldError::invalid("spec.template.metadata.labels", meta::go_map(template_labels(&spec.template)), MISMATCH));
                }
            }
        }
    }
}

/// A CronJob's name leaves room for the 11-character job suffix; its schedule is required.
pub(super) fn cron_job(c: &CronJob, errs: &mut Vec<FieldError>) {
    if let Some(name) = c.metadata.name.as_deref().filter(|n| n.len() > 52) {
        errs.push(FieldError::invalid("metadata.name", BadValue::Str(name.into()), "must be no more than 52 characters"));
    }
    let spec = &c.spec;
    if spec.schedule.trim().is_empty() {
        errs.push(FieldError::required("spec.schedule", ""));
    }
    meta::non_negative(spec.starting_deadline_seconds, &Path::new("spec.startingDeadlineSeconds"), errs);
    match spec.concurrency_policy.as_deref().unwrap_or("") {
        "Allow" | "Forbid" | "Replace" => {}
        "" => errs.push(FieldError::required("spec.concurrencyPolicy", "")),
        other => errs.push(FieldError::unsupported("spec.concurrencyPolicy", BadValue::Str(other.into()), &["Allow", "Forbid", "Replace"])),
    }
    let path = Path::new("spec.jobTemplate.spec");
    match &spec.job_template.spec {
        None => errs.push(FieldError::required(path.child("template.spec.containers"), "")),
        Some(js) => {
            job_spec(js, &path, errs);
            if let Some(sel) = &js.selector {
                errs.push(FieldError::invalid(path.child("selector"), meta::go_selector(sel), "`selector` will be auto-generated"));
            }
            if js.manual_selector == Some(true) {
                errs.push(FieldError::unsupported(path.child("manualSelector"), BadValue::Bool(true), &["nil", "false"]));
            }
        }
    }
    for (value, field) in [
        (spec.successful_jobs_history_limit, "successfulJobsHistoryLimit"),
        (spec.failed_jobs_history_limit, "failedJobsHistoryLimit"),
    ] {
        meta::non_negative(value.map(i64::from), &Path::new("spec").child(field), errs);
    }
}
