use k8s_openapi::api::batch::v1::{Job, JobStatus};
use k8s_openapi::api::core::v1::{ContainerState, ContainerStateTerminated, ContainerStatus, Pod, PodStatus};

use crate::api::{Kind, Object};
use crate::kubectl::test_support::{create, kubectl};

/// A cluster without the DNS add-on: the Job's pods are the only work, and times are exact.
fn sim() -> crate::sim::Sim {
    crate::sim::Sim::new(crate::sim::ClusterConfig::bare())
}
use crate::sim::apiserver::{k8s_time, Propagation};
use crate::sim::Sim;
use crate::store::{Cause, Component, ObjectRef};
use crate::time::{from_k8s, rfc3339, SimDuration, SimTime};

use super::pods::{COMPLETION_INDEX, TRACKING_FINALIZER};

/// A Job whose pods no scheduler binds: the tests play the kubelet.
fn job_yaml(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: {name}, namespace: default}}\nspec:\n{spec}  template:\n    spec:\n      schedulerName: manual\n      restartPolicy: Never\n      containers: [{{name: c, image: busybox}}]\n"
    )
}

fn start(sim: &mut Sim, yaml: &str) {
    create(sim, yaml);
    sim.after_action();
    sim.settle(100_000);
}

fn job(sim: &Sim, name: &str) -> Job {
    match sim.get(&ObjectRef::new(Kind::Job, Some("default"), name)) {
        Some(Object::Job(j)) => j.as_ref().clone(),
        other => panic!("job {name}: {other:?}"),
    }
}

fn status(sim: &Sim, name: &str) -> JobStatus {
    job(sim, name).status.unwrap_or_default()
}

/// The job's pods, oldest first.
fn pods(sim: &Sim, job: &str) -> Vec<Pod> {
    let mut out: Vec<Pod> = sim
        .store()
        .list(Kind::Pod, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Pod(p) if p.metadata.name.as_deref().is_some_and(|n| n.starts_with(&format!("{job}-"))) => Some(p.as_ref().clone()),
            _ => None,
        })
        .collect();
    out.sort_by_key(|p| (p.metadata.creation_timestamp.as_ref().map(from_k8s), p.metadata.uid.clone()));
    out
}

fn running(sim: &Sim, job: &str) -> Vec<Pod> {
    pods(sim, job).into_iter().filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending")).collect()
}

/// The pod's container exits with `code` now, as its kubelet would report.
fn finish(sim: &mut Sim, pod: &Pod, code: i32) {
    let now = k8s_time(sim.now());
    let status = PodStatus {
        phase: Some(if code == 0 { "Succeeded" } else { "Failed" }.into()),
        container_statuses: Some(vec![ContainerStatus {
            name: "c".into(),
            image: "busybox".into(),
            image_id: String::new(),
            ready: false,
            restart_count: 0,
            state: Some(ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: code,
                    reason: Some(if code == 0 { "Completed" } else { "Error" }.into()),
                    finished_at: Some(now),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let key = ObjectRef::new(Kind::Pod, Some("default"), pod.metadata.name.as_deref().unwrap_or(""));
    sim.api().update_pod_status(&key, status, &Component::new("kubelet/test"), Cause::Bootstrap).expect("status written");
    sim.after_action();
    sim.settle(100_000);
}

fn condition(st: &JobStatus, type_: &str) -> Option<(String, String, String)> {
    let c = st.conditions.iter().flatten().find(|c| c.type_ == type_)?;
    Some((c.status.clone(), c.reason.clone().unwrap_or_default(), c.message.clone().unwrap_or_default()))
}

/// `reason: message` of every Event about the object named `name`, in order.
fn events(sim: &Sim, name: &str) -> Vec<String> {
    let mut evs: Vec<(String, String)> = sim
        .store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some(name) => {
                Some((e.metadata.name.clone().unwrap_or_default(), format!("{}: {}", e.reason.clone().unwrap_or_default(), e.message.clone().unwrap_or_default())))
            }
            _ => None,
        })
        .collect();
    evs.sort();
    evs.into_iter().map(|(_, m)| m).collect()
}

#[test]
fn completions_three_parallelism_two() {
    let mut sim = sim();
    start(&mut sim, &job_yaml("pi", "  completions: 3\n  parallelism: 2\n"));
    let ps = pods(&sim, "pi");
    assert_eq!(ps.len(), 2);
    let p = &ps[0];
    let name = p.metadata.name.clone().unwrap();
    assert!(name.starts_with("pi-") && name.len() == 8, "{name}");
    let labels = p.metadata.labels.clone().unwrap();
    let uid = job(&sim, "pi").metadata.uid.unwrap();
    assert_eq!(labels.get("batch.kubernetes.io/controller-uid"), Some(&uid));
    assert_eq!(labels.get("batch.kubernetes.io/job-name").map(String::as_str), Some("pi"));
    assert_eq!(labels.get("job-name").map(String::as_str), Some("pi"));
    assert_eq!(p.metadata.finalizers.clone().unwrap(), vec![TRACKING_FINALIZER.to_string()]);
    let owner = &p.metadata.owner_references.clone().unwrap()[0];
    assert_eq!((owner.kind.as_str(), owner.api_version.as_str(), owner.controller), ("Job", "batch/v1", Some(true)));
    let st = status(&sim, "pi");
    assert_eq!((st.active, st.ready, st.terminating, st.succeeded), (Some(2), Some(0), Some(0), None));
    assert_eq!(st.start_time.as_ref().map(|t| rfc3339(from_k8s(t))).as_deref(), Some("2024-01-01T00:00:00Z"));

    sim.advance(SimDuration::from_secs(5));
    finish(&mut sim, &ps[0], 0);
    let after = pods(&sim, "pi");
    assert_eq!(after.len(), 3, "one more pod after a success");
    let counted = after.iter().find(|x| x.metadata.name == ps[0].metadata.name).unwrap();
    assert!(counted.metadata.finalizers.as_ref().is_none_or(|f| f.is_empty()), "finalizer removed once counted");
    let st = status(&sim, "pi");
    assert_eq!((st.active, st.succeeded), (Some(2), Some(1)));
    assert_eq!(st.uncounted_terminated_pods, Some(Default::default()));

    sim.advance(SimDuration::from_secs(5));
    let left = running(&sim, "pi");
    assert_eq!(left.len(), 2);
    finish(&mut sim, &left[0], 0);
    assert_eq!(pods(&sim, "pi").len(), 3, "no pod beyond completions");
    finish(&mut sim, &left[1], 0);
    let st = status(&sim, "pi");
    assert_eq!((st.active, st.succeeded, st.failed), (None, Some(3), None));
    let reached = ("True".to_string(), "CompletionsReached".to_string(), "Reached expected number of succeeded pods".to_string());
    assert_eq!(condition(&st, "SuccessCriteriaMet"), Some(reached.clone()));
    assert_eq!(condition(&st, "Complete"), Some(reached));
    assert_eq!(st.completion_time.as_ref().map(|t| rfc3339(from_k8s(t))).as_deref(), Some("2024-01-01T00:00:10Z"));
    let evs = events(&sim, "pi");
    assert_eq!(evs.iter().filter(|e| e.starts_with("SuccessfulCreate: Created pod: pi-")).count(), 3);
    assert_eq!(evs.last().map(String::as_str), Some("Completed: Job completed"));
    let out = kubectl(&mut sim, "get jobs");
    let row = out.stdout.lines().nth(1).unwrap_or_default().to_string();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[..4], &["pi", "Complete", "3/3", "10s"], "{}", out.stdout);
}

#[test]
fn backoff_limit_with_growing_delays() {
    let mut sim = sim();
    start(&mut sim, &job_yaml("flaky", "  backoffLimit: 2\n"));
    let mut failed_at = Vec::new();
    for round in 0..3 {
        let ps = pods(&sim, "flaky");
        assert_eq!(ps.len(), round + 1, "round {round}");
        let newest = ps.last().unwrap().clone();
        if round > 0 {
            let created = from_k8s(newest.metadata.creation_timestamp.as_ref().unwrap());
            let delay = created.since(failed_at[round - 1]);
            assert_eq!(delay, SimDuration::from_secs(10 << (round - 1)), "back-off before pod {round}");
        }
        // finishedAt has whole seconds, as in the API.
        failed_at.push(from_k8s(&k8s_time(sim.now())));
        finish(&mut sim, &newest, 1);
    }
    assert_eq!(pods(&sim, "flaky").len(), 3, "no pod after the limit");
    let st = status(&sim, "flaky");
    assert_eq!((st.failed, st.active, st.succeeded), (Some(3), None, None));
    let limit = ("True".to_string(), "BackoffLimitExceeded".to_string(), "Job has reached the specified backoff limit".to_string());
    assert_eq!(condition(&st, "FailureTarget"), Some(limit.clone()));
    assert_eq!(condition(&st, "Failed"), Some(limit));
    assert!(st.completion_time.is_none());
    assert_eq!(events(&sim, "flaky").last().map(String::as_str), Some("BackoffLimitExceeded: Job has reached the specified backoff limit"));
    let out = kubectl(&mut sim, "get jobs");
    assert!(out.stdout.lines().nth(1).unwrap_or_default().split_whitespace().nth(1) == Some("Failed"), "{}", out.stdout);
}

#[test]
fn active_deadline_deletes_pods_and_fails() {
    let mut sim = sim();
    start(&mut sim, &job_yaml("slow", "  activeDeadlineSeconds: 30\n"));
    let st = status(&sim, "slow");
    assert_eq!(condition(&st, "Failed").map(|c| c.1), Some("DeadlineExceeded".to_string()));
    assert_eq!(condition(&st, "Failed").map(|c| c.2), Some("Job was active longer than specified deadline".to_string()));
    let failed_at = st.conditions.iter().flatten().find(|c| c.type_ == "Failed").and_then(|c| c.last_transition_time.clone());
    assert_eq!(failed_at.map(|t| rfc3339(from_k8s(&t))).as_deref(), Some("2024-01-01T00:00:30Z"));
    assert!(pods(&sim, "slow").is_empty(), "the active pod was deleted");
    assert_eq!((st.failed, st.active, st.terminating), (Some(1), None, Some(0)));
    let evs = events(&sim, "slow");
    assert!(evs.iter().any(|e| e.starts_with("SuccessfulDelete: Deleted pod: slow-")), "{evs:?}");
    assert_eq!(evs.last().map(String::as_str), Some("DeadlineExceeded: Job was active longer than specified deadline"));
}

#[test]
fn suspended_job_creates_no_pods() {
    let mut sim = sim();
    start(&mut sim, &job_yaml("later", "  suspend: true\n"));
    assert!(pods(&sim, "later").is_empty());
    let st = status(&sim, "later");
    assert_eq!(condition(&st, "Suspended"), Some(("True".into(), "JobSuspended".into(), "Job suspended".into())));
    assert!(st.start_time.is_none());
    assert_eq!(events(&sim, "later"), vec!["Suspended: Job suspended".to_string()]);

    sim.advance(SimDuration::from_secs(20));
    let mut j = job(&sim, "later");
    j.spec.as_mut().unwrap().suspend = Some(false);
    j.metadata.resource_version = None;
    crate::kubectl::test_support::update(&mut sim, j.into());
    sim.after_action();
    sim.settle(100_000);
    assert_eq!(pods(&sim, "later").len(), 1);
    let st = status(&sim, "later");
    assert_eq!(condition(&st, "Suspended"), Some(("False".into(), "JobResumed".into(), "Job resumed".into())));
    assert_eq!(st.start_time.as_ref().map(|t| rfc3339(from_k8s(t))).as_deref(), Some("2024-01-01T00:00:20Z"));
    assert_eq!(events(&sim, "later")[1], "Resumed: Job resumed");
}

#[test]
fn indexed_pods_carry_their_index() {
    let mut sim = sim();
    start(&mut sim, &job_yaml("idx", "  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n"));
    let ps = pods(&sim, "idx");
    assert_eq!(ps.len(), 3);
    let mut indexes: Vec<String> = ps.iter().map(|p| p.metadata.annotations.as_ref().unwrap()[COMPLETION_INDEX].clone()).collect();
    indexes.sort();
    assert_eq!(indexes, ["0", "1", "2"]);
    for p in &ps {
        let i = &p.metadata.annotations.as_ref().unwrap()[COMPLETION_INDEX];
        let name = p.metadata.name.clone().unwrap();
        assert!(name.starts_with(&format!("idx-{i}-")) && name.len() == format!("idx-{i}-").len() + 5, "{name}");
        assert_eq!(p.metadata.labels.as_ref().unwrap().get(COMPLETION_INDEX), Some(i));
        assert_eq!(p.spec.as_ref().unwrap().hostname.clone(), Some(format!("idx-{i}")));
    }
    let one = ps.iter().find(|p| p.metadata.annotations.as_ref().unwrap()[COMPLETION_INDEX] == "1").unwrap().clone();
    finish(&mut sim, &one, 0);
    let st = status(&sim, "idx");
    assert_eq!((st.completed_indexes.as_deref(), st.succeeded, st.active), (Some("1"), Some(1), Some(2)));
}

#[test]
fn ttl_after_finished_deletes_the_job() {
    let mut sim = sim();
    start(&mut sim, &job_yaml("short", "  ttlSecondsAfterFinished: 10\n"));
    let p = pods(&sim, "short")[0].clone();
    sim.advance(SimDuration::from_secs(3));
    finish(&mut sim, &p, 0);
    let key = ObjectRef::new(Kind::Job, Some("default"), "short");
    let deleted = sim.store().log().iter().find(|e| e.key == key && (e.object.metadata().deletion_timestamp.is_some() || e.event_type == crate::store::WatchEventType::Deleted));
    let deleted = deleted.expect("the job is deleted");
    assert_eq!(deleted.by.as_str(), "ttl-after-finished-controller");
    assert_eq!(deleted.at, SimTime::ZERO + SimDuration::from_secs(13));
}

#[test]
fn deleting_the_job_releases_pod_finalizers() {
    let mut sim = sim();
    start(&mut sim, &job_yaml("gone", ""));
    let key = ObjectRef::new(Kind::Job, Some("default"), "gone");
    sim.api().delete(&key, Propagation::Orphan, &Component::new("kubectl"), Cause::Bootstrap).unwrap();
    sim.after_action();
    sim.settle(100_000);
    for p in pods(&sim, "gone") {
        assert!(p.metadata.finalizers.as_ref().is_none_or(|f| !f.contains(&TRACKING_FINALIZER.to_string())));
    }
}

#[test]
fn busybox_job_runs_to_completion_on_a_node() {
    let mut sim = sim();
    let yaml = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi, namespace: default}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox, command: [sh, -c, 'sleep 5']}]\n";
    start(&mut sim, yaml);
    sim.advance(SimDuration::from_secs(60));
    let st = status(&sim, "pi");
    assert_eq!(condition(&st, "Complete").map(|c| c.0).as_deref(), Some("True"), "{st:?}");
    assert_eq!((st.succeeded, st.failed, st.active), (Some(1), None, None));
    let pod = &pods(&sim, "pi")[0];
    assert!(pod.metadata.finalizers.as_ref().is_none_or(|f| f.is_empty()));
}
