use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ContainerState, ContainerStateTerminated, ContainerStatus, PodStatus};

use crate::api::{Kind, Object};
use crate::kubectl::test_support::{create, kubectl, sim, update};
use crate::sim::apiserver::k8s_time;
use crate::sim::Sim;
use crate::store::{Cause, Component, ObjectRef};
use crate::time::{from_k8s, rfc3339, SimDuration};

use super::SCHEDULED_TIMESTAMP;

fn cron_yaml(name: &str, schedule: &str, extra: &str) -> String {
    format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  schedule: '{schedule}'\n{extra}  jobTemplate:\n    spec:\n      template:\n        spec:\n          schedulerName: manual\n          restartPolicy: Never\n          containers: [{{name: c, image: busybox}}]\n"
    )
}

fn start(sim: &mut Sim, yaml: &str) {
    create(sim, yaml);
    sim.after_action();
}

fn cronjob(sim: &Sim, name: &str) -> CronJob {
    match sim.get(&ObjectRef::new(Kind::CronJob, Some("default"), name)) {
        Some(Object::CronJob(c)) => c.as_ref().clone(),
        other => panic!("cronjob {name}: {other:?}"),
    }
}

/// Names of the Jobs in `default`, sorted.
fn jobs(sim: &Sim) -> Vec<Job> {
    sim.store()
        .list(Kind::Job, Some("default"))
        .filter_map(|o| if let Object::Job(j) = o.as_ref() { Some(j.as_ref().clone()) } else { None })
        .collect()
}

fn job_names(sim: &Sim) -> Vec<String> {
    jobs(sim).into_iter().filter(|j| j.metadata.deletion_timestamp.is_none()).filter_map(|j| j.metadata.name).collect()
}

fn events(sim: &Sim, name: &str) -> Vec<String> {
    let mut evs: Vec<(String, String)> = sim
        .store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some(name) => Some((
                e.metadata.name.clone().unwrap_or_default(),
                format!("{} {}: {}", e.type_.clone().unwrap_or_default(), e.reason.clone().unwrap_or_default(), e.message.clone().unwrap_or_default()),
            )),
            _ => None,
        })
        .collect();
    evs.sort();
    evs.into_iter().map(|(_, m)| m).collect()
}

/// Every pod of Job `job` exits 0 now.
fn succeed_pods(sim: &mut Sim, job: &str) {
    let keys: Vec<ObjectRef> = sim
        .store()
        .list(Kind::Pod, Some("default"))
        .filter(|o| o.name().starts_with(&format!("{job}-")))
        .map(|o| ObjectRef::of(o))
        .collect();
    for key in keys {
        let status = PodStatus {
            phase: Some("Succeeded".into()),
            container_statuses: Some(vec![ContainerStatus {
                name: "c".into(),
                state: Some(ContainerState {
                    terminated: Some(ContainerStateTerminated { exit_code: 0, finished_at: Some(k8s_time(sim.now())), ..Default::default() }),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        };
        sim.api().update_pod_status(&key, status, &Component::new("kubelet/test"), Cause::Bootstrap).unwrap();
    }
    sim.after_action();
}

#[test]
fn every_minute_names_jobs_by_scheduled_minute() {
    let mut sim = sim();
    start(&mut sim, &cron_yaml("hello", "*/1 * * * *", ""));
    sim.advance(SimDuration::from_secs(59));
    assert!(job_names(&sim).is_empty(), "nothing before the first minute");
    sim.advance(SimDuration::from_secs(2));
    assert_eq!(1_704_067_260 / 60, 28_401_121);
    assert_eq!(job_names(&sim), ["hello-28401121"]);
    let j = &jobs(&sim)[0];
    assert_eq!(j.metadata.annotations.as_ref().unwrap()[SCHEDULED_TIMESTAMP], "2024-01-01T00:01:00Z");
    let owner = &j.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!((owner.kind.as_str(), owner.name.as_str(), owner.controller), ("CronJob", "hello", Some(true)));
    let cj = cronjob(&sim, "hello");
    let st = cj.status.unwrap();
    assert_eq!(st.active.as_ref().map(|a| a[0].name.clone().unwrap()).as_deref(), Some("hello-28401121"));
    assert_eq!(st.last_schedule_time.as_ref().map(|t| rfc3339(from_k8s(t))).as_deref(), Some("2024-01-01T00:01:00Z"));
    assert_eq!(events(&sim, "hello"), ["Normal SuccessfulCreate: Created job hello-28401121"]);
    // The Job controller runs it.
    let pods = sim.store().list(Kind::Pod, Some("default")).filter(|o| o.name().starts_with("hello-28401121-")).count();
    assert_eq!(pods, 1);
    let out = kubectl(&mut sim, "get cronjobs");
    let cells: Vec<String> = out.stdout.lines().nth(1).unwrap_or_default().split_whitespace().map(str::to_string).collect();
    assert_eq!(&cells[..6], &["hello", "*/1", "*", "*", "*", "*"], "{}", out.stdout);
    assert_eq!(&cells[7..10], &["False", "1", "1s"], "{}", out.stdout);
}

#[test]
fn completed_jobs_leave_active_and_history_is_trimmed() {
    let mut sim = sim();
    start(&mut sim, &cron_yaml("tidy", "* * * * *", "  successfulJobsHistoryLimit: 2\n"));
    sim.advance(SimDuration::from_secs(1));
    for minute in 1..=4 {
        // Each round takes 66 s: the 4th job completes at 4 × 66 = 264 s, 00:04:24.
        sim.advance(SimDuration::from_secs(60));
        let name = format!("tidy-{}", 28_401_120 + minute);
        assert!(job_names(&sim).contains(&name), "minute {minute}: {:?}", job_names(&sim));
        sim.advance(SimDuration::from_secs(5));
        succeed_pods(&mut sim, &name);
        sim.advance(SimDuration::from_secs(1));
    }
    let cj = cronjob(&sim, "tidy");
    let st = cj.status.unwrap();
    assert!(st.active.is_none(), "{:?}", st.active);
    assert_eq!(st.last_successful_time.as_ref().map(|t| rfc3339(from_k8s(t))).as_deref(), Some("2024-01-01T00:04:24Z"));
    let mut names = job_names(&sim);
    names.sort();
    assert_eq!(names, ["tidy-28401123", "tidy-28401124"]);
    let evs = events(&sim, "tidy");
    assert!(evs.contains(&"Normal SawCompletedJob: Saw completed job: tidy-28401121, condition: Complete".to_string()), "{evs:?}");
    assert!(evs.contains(&"Normal SuccessfulDelete: Deleted job tidy-28401121".to_string()), "{evs:?}");
    assert!(evs.contains(&"Normal SuccessfulDelete: Deleted job tidy-28401122".to_string()), "{evs:?}");
}

#[test]
fn forbid_skips_while_a_job_is_active() {
    let mut sim = sim();
    start(&mut sim, &cron_yaml("solo", "* * * * *", "  concurrencyPolicy: Forbid\n"));
    sim.advance(SimDuration::from_secs(150));
    assert_eq!(job_names(&sim), ["solo-28401121"]);
    let evs = events(&sim, "solo");
    assert!(
        evs.contains(&"Normal JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid".to_string()),
        "{evs:?}"
    );
    // Without startingDeadlineSeconds the skipped 00:02 run is still unmet: it starts late,
    // as soon as the running Job finishes.
    succeed_pods(&mut sim, "solo-28401121");
    sim.advance(SimDuration::from_secs(1));
    let mut names = job_names(&sim);
    names.sort();
    assert_eq!(names, ["solo-28401121", "solo-28401122"]);
    let late = jobs(&sim).into_iter().find(|j| j.metadata.name.as_deref() == Some("solo-28401122")).unwrap();
    assert_eq!(late.metadata.annotations.unwrap()[SCHEDULED_TIMESTAMP], "2024-01-01T00:02:00Z");
    assert_eq!(late.metadata.creation_timestamp.map(|t| rfc3339(from_k8s(&t))).as_deref(), Some("2024-01-01T00:02:30Z"));
}

#[test]
fn replace_deletes_the_running_job() {
    let mut sim = sim();
    start(&mut sim, &cron_yaml("swap", "* * * * *", "  concurrencyPolicy: Replace\n"));
    sim.advance(SimDuration::from_secs(121));
    assert_eq!(job_names(&sim), ["swap-28401122"]);
    let evs = events(&sim, "swap");
    assert!(evs.contains(&"Normal SuccessfulDelete: Deleted job swap-28401121".to_string()), "{evs:?}");
    let st = cronjob(&sim, "swap").status.unwrap();
    assert_eq!(st.active.unwrap().len(), 1);
}

#[test]
fn too_many_missed_starts_warns_and_runs_the_latest() {
    let mut sim = sim();
    start(&mut sim, &cron_yaml("late", "* * * * *", "  suspend: true\n"));
    sim.advance(SimDuration::from_secs(200 * 60 + 30));
    assert!(job_names(&sim).is_empty());
    let mut cj = cronjob(&sim, "late");
    cj.spec.suspend = Some(false);
    cj.metadata.resource_version = None;
    update(&mut sim, cj.into());
    sim.after_action();
    sim.advance(SimDuration::from_secs(1));
    assert_eq!(job_names(&sim), [format!("late-{}", 28_401_120 + 200)]);
    let evs = events(&sim, "late");
    assert_eq!(evs[0], "Warning TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
}

#[test]
fn starting_deadline_misses_late_runs() {
    let mut sim = sim();
    start(&mut sim, &cron_yaml("strict", "0 * * * *", "  suspend: true\n  startingDeadlineSeconds: 10\n"));
    sim.advance(SimDuration::from_secs(3_600 + 30));
    let mut cj = cronjob(&sim, "strict");
    cj.spec.suspend = Some(false);
    cj.metadata.resource_version = None;
    update(&mut sim, cj.into());
    sim.after_action();
    sim.advance(SimDuration::from_secs(1));
    assert!(job_names(&sim).is_empty(), "01:00 is more than 10 s ago");
    sim.advance(SimDuration::from_secs(3_600));
    assert_eq!(job_names(&sim), [format!("strict-{}", 28_401_120 + 120)]);
}

#[test]
fn unparseable_schedule_is_reported() {
    let mut sim = sim();
    start(&mut sim, &cron_yaml("bad", "61 * * * *", ""));
    sim.advance(SimDuration::from_secs(1));
    assert_eq!(events(&sim, "bad"), ["Warning UnparseableSchedule: unparseable schedule: \"61 * * * *\" : end of range (61) above maximum (59): 61"]);
}
