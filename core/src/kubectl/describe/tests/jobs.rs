//! `kubectl describe job` and `kubectl describe cronjob`: a job run to its completions, an
//! indexed job's counts, a cron job after it fired once, and the `<unset>` defaults.

use super::{describe_after, lines, obj};
use crate::kubectl::describe::*;
use crate::time::SimTime;

#[test]
fn describe_job_after_its_three_completions() {
    let got = describe_after(
        r#"
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  completions: 3
  backoffLimit: 4
  template:
    spec:
      containers:
      - {name: pi, image: "busybox:1.36", command: [sh, -c, "echo 3.14159"]}
      restartPolicy: Never
"#,
        130,
        "kubectl describe job pi",
    );
    let uid = got.lines().find_map(|l| l.strip_prefix("Selector:         batch.kubernetes.io/controller-uid=")).unwrap_or_default().to_string();
    assert_eq!(uid.len(), 36, "{got}");
    let want = lines(&[
        "Name:             pi",
        "Namespace:        default",
        "Selector:         batch.kubernetes.io/controller-uid=UID",
        "Labels:           batch.kubernetes.io/controller-uid=UID",
        "                  batch.kubernetes.io/job-name=pi",
        "                  controller-uid=UID",
        "                  job-name=pi",
        "Annotations:      <none>",
        "Parallelism:      1",
        "Completions:      3",
        "Completion Mode:  NonIndexed",
        "Suspend:          false",
        "Backoff Limit:    4",
        "Start Time:       Mon, 01 Jan 2024 00:00:00 +0000",
        "Completed At:     Mon, 01 Jan 2024 00:00:02 +0000",
        "Duration:         2s",
        "Pods Statuses:    0 Active (0 Ready) / 3 Succeeded / 0 Failed",
        "Pod Template:",
        "  Labels:  batch.kubernetes.io/controller-uid=UID",
        "           batch.kubernetes.io/job-name=pi",
        "           controller-uid=UID",
        "           job-name=pi",
        "  Containers:",
        "   pi:",
        "    Image:      busybox:1.36",
        "    Port:       <none>",
        "    Host Port:  <none>",
        "    Command:",
        "      sh",
        "      -c",
        "      echo 3.14159",
        "    Environment:   <none>",
        "    Mounts:        <none>",
        "  Volumes:         <none>",
        "  Node-Selectors:  <none>",
        "  Tolerations:     <none>",
        "Events:",
        "  Type    Reason            Age    From            Message",
        "  ----    ------            ----   ----            -------",
        "  Normal  SuccessfulCreate  2m10s  job-controller  Created pod: pi-6dwgk",
        "  Normal  SuccessfulCreate  2m9s   job-controller  Created pod: pi-8r8x6",
        "  Normal  SuccessfulCreate  2m9s   job-controller  Created pod: pi-ztlf4",
        "  Normal  Completed         2m8s   job-controller  Job completed",
    ]);
    assert_eq!(got, want.replace("UID", &uid));
}

#[test]
fn describe_indexed_job_shows_its_knobs_and_capped_indexes() {
    let job = obj(r#"
apiVersion: batch/v1
kind: Job
metadata:
  name: hello-28401121
  namespace: default
  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: hello, uid: u1, controller: true}]
spec:
  parallelism: 2
  completions: 40
  completionMode: Indexed
  suspend: true
  backoffLimit: 6
  ttlSecondsAfterFinished: 100
  activeDeadlineSeconds: 600
  selector: {matchLabels: {batch.kubernetes.io/controller-uid: u2}}
  template:
    metadata: {labels: {batch.kubernetes.io/controller-uid: u2}}
    spec:
      containers: [{name: c, image: busybox}]
      restartPolicy: Never
status:
  startTime: "2024-01-01T00:01:00Z"
  active: 2
  succeeded: 30
  failed: 1
  completedIndexes: "0-5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,38,39"
"#);
    let got = describe(&job, &DescribeContext::default(), SimTime(0));
    let head: Vec<&str> = got.lines().take_while(|l| !l.starts_with("Pod Template:")).collect();
    assert_eq!(
        head,
        [
            "Name:                        hello-28401121",
            "Namespace:                   default",
            "Selector:                    batch.kubernetes.io/controller-uid=u2",
            "Labels:                      <none>",
            "Annotations:                 <none>",
            "Controlled By:               CronJob/hello",
            "Parallelism:                 2",
            "Completions:                 40",
            "Completion Mode:             Indexed",
            "Suspend:                     true",
            "Backoff Limit:               6",
            "TTL Seconds After Finished:  100",
            "Start Time:                  Mon, 01 Jan 2024 00:01:00 +0000",
            "Active Deadline Seconds:     600s",
            "Pods Statuses:               2 Active / 30 Succeeded / 1 Failed",
            "Completed Indexes:           0-5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,38,...",
        ]
    );
}

/// `Completed Indexes:` as kubectl caps it: cut at the first comma from byte 50 on.
#[test]
fn completed_indexes_are_capped_after_fifty_bytes() {
    let long_tail = format!("{},100", "1".repeat(49));
    let cases = [
        ("", "<none>"),
        ("0-3", "0-3"),
        (long_tail.as_str(), long_tail.as_str()),
        ("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,..."),
    ];
    for (indexes, want) in cases {
        let job = obj(&format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: j, namespace: default}}\nspec:\n  completionMode: Indexed\n  template: {{spec: {{containers: [{{name: c, image: busybox}}]}}}}\nstatus: {{completedIndexes: '{indexes}'}}\n"
        ));
        let got = describe(&job, &DescribeContext::default(), SimTime(0));
        let line = got.lines().find(|l| l.starts_with("Completed Indexes:")).unwrap_or_default();
        assert_eq!(line.split_once(":").map(|(_, v)| v.trim()), Some(want), "{indexes}");
    }
}

#[test]
fn describe_cronjob_after_it_fired_once() {
    let got = describe_after(
        r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - {name: hello, image: "busybox:1.28", imagePullPolicy: IfNotPresent, command: [/bin/sh, -c, date; sleep 30]}
          restartPolicy: OnFailure
"#,
        70,
        "kubectl describe cronjob hello",
    );
    assert_eq!(
        got,
        lines(&[
            "Name:                          hello",
            "Namespace:                     default",
            "Labels:                        <none>",
            "Annotations:                   <none>",
            "Schedule:                      * * * * *",
            "Concurrency Policy:            Allow",
            "Suspend:                       False",
            "Time Zone:                     <unset>",
            "Successful Job History Limit:  3",
            "Failed Job History Limit:      1",
            "Starting Deadline Seconds:     <unset>",
            "Selector:                      <unset>",
            "Parallelism:                   <unset>",
            "Completions:                   <unset>",
            "Pod Template:",
            "  Labels:  <none>",
            "  Containers:",
            "   hello:",
            "    Image:      busybox:1.28",
            "    Port:       <none>",
            "    Host Port:  <none>",
            "    Command:",
            "      /bin/sh",
            "      -c",
            "      date; sleep 30",
            "    Environment:     <none>",
            "    Mounts:          <none>",
            "  Volumes:           <none>",
            "  Node-Selectors:    <none>",
            "  Tolerations:       <none>",
            "Last Schedule Time:  Mon, 01 Jan 2024 00:01:00 +0000",
            "Active Jobs:         hello-28401121",
            "Events:",
            "  Type    Reason            Age   From                Message",
            "  ----    ------            ----  ----                -------",
            "  Normal  SuccessfulCreate  10s   cronjob-controller  Created job hello-28401121",
        ])
    );
}

#[test]
fn describe_cronjob_prints_unset_and_set_knobs() {
    let cj = obj(r#"
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: ops}
spec:
  schedule: "0 3 * * 1"
  timeZone: Europe/Paris
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 200
  jobTemplate:
    spec:
      parallelism: 2
      completions: 4
      activeDeadlineSeconds: 60
      selector: {matchExpressions: [{key: tier, operator: In, values: [batch, etl]}]}
      template:
        spec:
          containers: [{name: r, image: busybox}]
          restartPolicy: Never
status:
  lastScheduleTime: "2024-01-01T03:00:00Z"
  active:
  - {apiVersion: batch/v1, kind: Job, name: report-28401300, namespace: ops}
  - {apiVersion: batch/v1, kind: Job, name: report-28401301, namespace: ops}
"#);
    let got = describe(&cj, &DescribeContext::default(), SimTime(0));
    let picked: Vec<&str> = got
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with("Pod Template:") && !l.starts_with("Name:") && !l.starts_with("Namespace:"))
        .collect();
    assert_eq!(
        picked,
        [
            "Labels:                        <none>",
            "Annotations:                   <none>",
            "Schedule:                      0 3 * * 1",
            "Concurrency Policy:            Forbid",
            "Suspend:                       <unset>",
            "Time Zone:                     Europe/Paris",
            "Successful Job History Limit:  <unset>",
            "Failed Job History Limit:      <unset>",
            "Starting Deadline Seconds:     200s",
            "Selector:                      tier in (batch,etl)",
            "Parallelism:                   2",
            "Completions:                   4",
            "Active Deadline Seconds:       60s",
            // The pod template's lines end the alignment block.
            "Last Schedule Time:  Mon, 01 Jan 2024 03:00:00 +0000",
            "Active Jobs:         report-28401300, report-28401301",
        ]
    );
}
