//! `kubectl describe job` and `kubectl describe cronjob`: the job's spec knobs, its start,
//! completion and duration, pod counts from the job's status, the pod template; the cron job's
//! schedule and policies, its job template, last schedule time and active jobs.

use k8s_openapi::api::batch::v1::{CronJob, Job, JobTemplateSpec};

use super::common::{annotations, controlled_by, events, labels};
use super::containers::pod_template;
use super::writer::DescWriter;
use super::DescribeContext;
use crate::kubectl::printers::util::{go_bool, rfc1123z, selector_string};
use crate::time::{from_k8s, human_duration};

/// `capIndexesListOrNone`: the completed indexes, cut after the first comma past 50 bytes.
fn cap_indexes(indexes: &str, soft_limit: usize) -> String {
    if indexes.is_empty() {
        return "<none>".to_string();
    }
    match indexes.bytes().enumerate().skip(soft_limit).find(|(_, b)| *b == b',') {
        Some((i, _)) => format!("{}...", &indexes[..=i]),
        None => indexes.to_string(),
    }
}

fn or_unset<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "<unset>".to_string(), |v| v.to_string())
}

pub fn describe_job(job: &Job, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &job.metadata;
    let spec = job.spec.clone().unwrap_or_default();
    let st = job.status.clone().unwrap_or_default();
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    w.line(0, &format!("Selector:\t{}", selector_string(spec.selector.as_ref())));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    if let Some(c) = controlled_by(meta) {
        w.line(0, &format!("Controlled By:\t{c}"));
    }
    if let Some(p) = spec.parallelism {
        w.line(0, &format!("Parallelism:\t{p}"));
    }
    w.line(0, &format!("Completions:\t{}", or_unset(spec.completions)));
    if let Some(m) = &spec.completion_mode {
        w.line(0, &format!("Completion Mode:\t{m}"));
    }
    if let Some(s) = spec.suspend {
        w.line(0, &format!("Suspend:\t{s}"));
    }
    if let Some(b) = spec.backoff_limit {
        w.line(0, &format!("Backoff Limit:\t{b}"));
    }
    if let Some(ttl) = spec.ttl_seconds_after_finished {
        w.line(0, &format!("TTL Seconds After Finished:\t{ttl}"));
    }
    if let Some(t) = &st.start_time {
        w.line(0, &format!("Start Time:\t{}", rfc1123z(t)));
    }
    if let Some(t) = &st.completion_time {
        w.line(0, &format!("Completed At:\t{}", rfc1123z(t)));
    }
    if let (Some(start), Some(end)) = (&st.start_time, &st.completion_time) {
        w.line(0, &format!("Duration:\t{}", human_duration(from_k8s(end).since(from_k8s(start)))));
    }
    if let Some(d) = spec.active_deadline_seconds {
        w.line(0, &format!("Active Deadline Seconds:\t{d}s"));
    }
    let (active, succeeded, failed) = (st.active.unwrap_or(0), st.succeeded.unwrap_or(0), st.failed.unwrap_or(0));
    match st.ready {
        Some(ready) => w.line(0, &format!("Pods Statuses:\t{active} Active ({ready} Ready) / {succeeded} Succeeded / {failed} Failed")),
        None => w.line(0, &format!("Pods Statuses:\t{active} Active / {succeeded} Succeeded / {failed} Failed")),
    }
    if spec.completion_mode.as_deref() == Some("Indexed") {
        w.line(0, &format!("Completed Indexes:\t{}", cap_indexes(st.completed_indexes.as_deref().unwrap_or_default(), 50)));
    }
    pod_template(&mut w, Some(&spec.template));
    events(&mut w, ctx.events.as_ref());
    w.finish()
}

/// `describeJobTemplate`: the template's selector, parallelism, completions and pod template.
fn job_template(w: &mut DescWriter, template: &JobTemplateSpec) {
    let spec = template.spec.clone().unwrap_or_default();
    match &spec.selector {
        Some(sel) => w.line(0, &format!("Selector:\t{}", selector_string(Some(sel)))),
        None => w.line(0, "Selector:\t<unset>"),
    }
    w.line(0, &format!("Parallelism:\t{}", or_unset(spec.parallelism)));
    w.line(0, &format!("Completions:\t{}", or_unset(spec.completions)));
    if let Some(d) = spec.active_deadline_seconds {
        w.line(0, &format!("Active Deadline Seconds:\t{d}s"));
    }
    pod_template(w, Some(&spec.template));
}

pub fn describe_cron_job(cj: &CronJob, ctx: &DescribeContext) -> String {
    let mut w = DescWriter::new();
    let meta = &cj.metadata;
    let spec = &cj.spec;
    let st = cj.status.clone().unwrap_or_default();
    w.line(0, &format!("Name:\t{}", meta.name.as_deref().unwrap_or_default()));
    w.line(0, &format!("Namespace:\t{}", meta.namespace.as_deref().unwrap_or_default()));
    labels(&mut w, "", "Labels", meta.labels.as_ref());
    annotations(&mut w, "Annotations", meta.annotations.as_ref());
    w.line(0, &format!("Schedule:\t{}", spec.schedule));
    w.line(0, &format!("Concurrency Policy:\t{}", spec.concurrency_policy.as_deref().unwrap_or_default()));
    let suspend = spec.suspend.map(go_bool);
    w.line(0, &format!("Suspend:\t{}", or_unset(suspend)));
    w.line(0, &format!("Time Zone:\t{}", or_unset(spec.time_zone.as_deref())));
    w.line(0, &format!("Successful Job History Limit:\t{}", or_unset(spec.successful_jobs_history_limit)));
    w.line(0, &format!("Failed Job History Limit:\t{}", or_unset(spec.failed_jobs_history_limit)));
    w.line(0, &format!("Starting Deadline Seconds:\t{}", or_unset(spec.starting_deadline_seconds.map(|s| format!("{s}s")))));
    job_template(&mut w, &spec.job_template);
    w.line(0, &format!("Last Schedule Time:\t{}", or_unset(st.last_schedule_time.as_ref().map(rfc1123z))));
    let active: Vec<&str> = st.active.iter().flatten().map(|r| r.name.as_deref().unwrap_or_default()).collect();
    w.line(0, &format!("Active Jobs:\t{}", if active.is_empty() { "<none>".to_string() } else { active.join(", ") }));
    events(&mut w, ctx.events.as_ref());
    w.finish()
}
