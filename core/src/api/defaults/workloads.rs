//! Workload defaults: `SetDefaults_Deployment`, `_ReplicaSet`, `_ReplicationController`,
//! `_StatefulSet`, `_DaemonSet` (apps/v1, core/v1) and `_Job`, `_CronJob` (batch/v1). Every pod
//! template also gets the PodSpec defaults (but not the Pod-only ones).

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetUpdateStrategy, Deployment, DeploymentStrategy, ReplicaSet, RollingUpdateDaemonSet,
    RollingUpdateDeployment, RollingUpdateStatefulSetStrategy, StatefulSet,
    StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::ReplicationController;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{or_set, or_set_str, pod, services};

pub(super) fn deployment(d: &mut Deployment) {
    let spec = &mut d.spec;
    or_set(&mut spec.replicas, 1);
    let strategy = spec.strategy.get_or_insert_with(DeploymentStrategy::default);
    or_set_str(&mut strategy.type_, "RollingUpdate");
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let rolling = strategy.rolling_update.get_or_insert_with(RollingUpdateDeployment::default);
        or_set(&mut rolling.max_unavailable, IntOrString::String("25%".into()));
        or_set(&mut rolling.max_surge, IntOrString::String("25%".into()));
    }
    or_set(&mut spec.revision_history_limit, 10);
    or_set(&mut spec.progress_deadline_seconds, 600);
    pod::template(&mut spec.template);
}

pub(super) fn replica_set(r: &mut ReplicaSet) {
    let spec = &mut r.spec;
    or_set(&mut spec.replicas, 1);
    if let Some(t) = &mut spec.template {
        pod::template(t);
    }
}

/// The selector and the object's labels default to the template's labels.
pub(super) fn replication_controller(r: &mut ReplicationController) {
    let spec = r.spec.get_or_insert_with(Default::default);
    or_set(&mut spec.replicas, 1);
    let labels = spec.template.as_ref().and_then(|t| t.metadata.as_ref()).and_then(|m| m.labels.clone());
    if let Some(labels) = labels {
        if spec.selector.as_ref().is_none_or(|s| s.is_empty()) {
            spec.selector = Some(labels.clone());
        }
        if r.metadata.labels.as_ref().is_none_or(|l| l.is_empty()) {
            r.metadata.labels = Some(labels);
        }
    }
    if let Some(t) = &mut spec.template {
        pod::template(t);
    }
}

pub(super) fn stateful_set(s: &mut StatefulSet) {
    let spec = &mut s.spec;
    or_set_str(&mut spec.pod_management_policy, "OrderedReady");
    let strategy = spec.update_strategy.get_or_insert_with(StatefulSetUpdateStrategy::default);
    if strategy.type_.as_deref().is_none_or(str::is_empty) {
        strategy.type_ = Some("RollingUpdate".into());
        or_set(&mut strategy.rolling_update, RollingUpdateStatefulSetStrategy::default());
    }
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        if let Some(rolling) = &mut strategy.rolling_update {
            or_set(&mut rolling.partition, 0);
        }
    }
    let retention = spec
        .persistent_volume_claim_retention_policy
        .get_or_insert_with(StatefulSetPersistentVolumeClaimRetentionPolicy::default);
    or_set_str(&mut retention.when_deleted, "Retain");
    or_set_str(&mut retention.when_scaled, "Retain");
    or_set(&mut spec.replicas, 1);
    or_set(&mut spec.revision_history_limit, 10);
    pod::template(&mut spec.template);
    for claim in spec.volume_claim_templates.iter_mut().flatten() {
        if let Some(claim_spec) = &mut claim.spec {
            services::claim_spec(claim_spec);
        }
    }
}

pub(super) fn daemon_set(d: &mut DaemonSet) {
    let spec = &mut d.spec;
    let strategy = spec.update_strategy.get_or_insert_with(DaemonSetUpdateStrategy::default);
    or_set_str(&mut strategy.type_, "RollingUpdate");
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let rolling = strategy.rolling_update.get_or_insert_with(RollingUpdateDaemonSet::default);
        or_set(&mut rolling.max_unavailable, IntOrString::Int(1));
        or_set(&mut rolling.max_surge, IntOrString::Int(0));
    }
    or_set(&mut spec.revision_history_limit, 10);
    pod::template(&mut spec.template);
}

/// The template's restartPolicy is defaulted like any PodSpec's (to Always), which validation
/// then refuses for a Job, as the real server does.
pub(super) fn job(j: &mut Job) {
    let spec = j.spec.get_or_insert_with(Default::default);
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
    }
    or_set(&mut spec.parallelism, 1);
    or_set(&mut spec.backoff_limit, 6);
    let template_labels = spec.template.metadata.as_ref().and_then(|m| m.labels.clone());
    if let Some(labels) = template_labels {
        if j.metadata.labels.as_ref().is_none_or(|l| l.is_empty()) {
            j.metadata.labels = Some(labels);
        }
    }
    or_set_str(&mut spec.completion_mode, "NonIndexed");
    or_set(&mut spec.suspend, false);
    let replacement = if spec.pod_failure_policy.is_some() { "Failed" } else { "TerminatingOrFailed" };
    or_set_str(&mut spec.pod_replacement_policy, replacement);
    pod::template(&mut spec.template);
}

/// The job template gets only PodSpec defaults: `SetDefaults_Job` runs when the Job is created.
pub(super) fn cron_job(c: &mut CronJob) {
    let spec = &mut c.spec;
    or_set_str(&mut spec.concurrency_policy, "Allow");
    or_set(&mut spec.suspend, false);
    or_set(&mut spec.successful_jobs_history_limit, 3);
    or_set(&mut spec.failed_jobs_history_limit, 1);
    if let Some(job_spec) = &mut spec.job_template.spec {
        pod::template(&mut job_spec.template);
    }
}
