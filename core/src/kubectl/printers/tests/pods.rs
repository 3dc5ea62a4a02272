use super::{at, lines, obj};
use crate::api::{Kind, Object};
use crate::kubectl::printers::pods::summarize;
use crate::kubectl::printers::{print_table, PrintOptions};

fn pods() -> Vec<Object> {
    vec![
        obj(r#"
apiVersion: v1
kind: Pod
metadata:
  name: web-7d9c6b8f5-abcde
  namespace: default
  creationTimestamp: "2024-01-01T00:00:00Z"
  labels: {app: web, pod-template-hash: 7d9c6b8f5}
spec:
  nodeName: node-1
  containers: [{name: nginx, image: "nginx:1.25"}]
status:
  phase: Running
  podIPs: [{ip: 10.244.1.5}]
  containerStatuses:
  - {name: nginx, image: "nginx:1.25", imageID: "", ready: true, restartCount: 0, state: {running: {startedAt: "2024-01-01T00:00:05Z"}}}
"#),
        obj(r#"
apiVersion: v1
kind: Pod
metadata: {name: api-5f7b9c-xyz12, namespace: default, creationTimestamp: "2024-01-01T00:01:00Z"}
spec:
  nodeName: node-2
  containers: [{name: api, image: "api:2"}]
status:
  phase: Running
  podIP: 10.244.2.7
  containerStatuses:
  - name: api
    image: "api:2"
    imageID: ""
    ready: false
    restartCount: 5
    state: {waiting: {reason: CrashLoopBackOff}}
    lastState: {terminated: {exitCode: 1, reason: Error, finishedAt: "2024-01-01T00:08:00Z"}}
"#),
        obj(r#"
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: prod, creationTimestamp: "2024-01-01T00:09:30Z"}
spec:
  containers: [{name: db, image: postgres}, {name: exporter, image: exporter}]
status: {phase: Pending}
"#),
    ]
}

#[test]
fn pods_table() {
    let ps = pods();
    let refs: Vec<&Object> = ps.iter().collect();
    let got = print_table(Kind::Pod, &refs, at(600), &PrintOptions::default());
    assert_eq!(got.stderr, "");
    assert_eq!(
        got.stdout,
        lines(&[
            "NAME                  READY   STATUS             RESTARTS     AGE",
            "web-7d9c6b8f5-abcde   1/1     Running            0            10m",
            "api-5f7b9c-xyz12      0/1     CrashLoopBackOff   5 (2m ago)   9m",
            "db-0                  0/2     Pending            0            30s",
        ])
    );
}

#[test]
fn pods_wide() {
    let ps = pods();
    let refs: Vec<&Object> = ps.iter().collect();
    let opts = PrintOptions { wide: true, ..Default::default() };
    assert_eq!(
        print_table(Kind::Pod, &refs, at(600), &opts).stdout,
        lines(&[
            "NAME                  READY   STATUS             RESTARTS     AGE   IP           NODE     NOMINATED NODE   READINESS GATES",
            "web-7d9c6b8f5-abcde   1/1     Running            0            10m   10.244.1.5   node-1   <none>           <none>",
            "api-5f7b9c-xyz12      0/1     CrashLoopBackOff   5 (2m ago)   9m    10.244.2.7   node-2   <none>           <none>",
            "db-0                  0/2     Pending            0            30s   <none>       <none>   <none>           <none>",
        ])
    );
}

#[test]
fn all_namespaces_label_columns_and_show_labels() {
    let ps = pods();
    let refs: Vec<&Object> = vec![&ps[0], &ps[2]];
    let opts = PrintOptions {
        with_namespace: true,
        show_labels: true,
        label_columns: vec!["app".into()],
        ..Default::default()
    };
    assert_eq!(
        print_table(Kind::Pod, &refs, at(600), &opts).stdout,
        lines(&[
            "NAMESPACE   NAME                  READY   STATUS    RESTARTS   AGE   APP   LABELS",
            "default     web-7d9c6b8f5-abcde   1/1     Running   0          10m   web   app=web,pod-template-hash=7d9c6b8f5",
            "prod        db-0                  0/2     Pending   0          30s         <none>",
        ])
    );
}

#[test]
fn no_headers_keeps_alignment_of_the_rows() {
    let ps = pods();
    let refs: Vec<&Object> = vec![&ps[2]];
    let opts = PrintOptions { no_headers: true, ..Default::default() };
    assert_eq!(print_table(Kind::Pod, &refs, at(600), &opts).stdout, "db-0   0/2   Pending   0     30s\n");
}

fn pod_with(spec: &str, status: &str, extra_meta: &str) -> Object {
    obj(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: default{extra_meta}}}\nspec: {spec}\nstatus: {status}\n"
    ))
}

#[test]
fn pod_status_reasons() {
    let one = "{containers: [{name: c, image: i}]}";
    let two = "{containers: [{name: a, image: i}, {name: b, image: i}]}";
    let init2 = "{initContainers: [{name: i1, image: i}, {name: i2, image: i}], containers: [{name: c, image: i}]}";
    let sidecar = "{initContainers: [{name: proxy, image: i, restartPolicy: Always}], containers: [{name: c, image: i}]}";
    let cs = |state: &str| {
        format!("{{phase: Pending, containerStatuses: [{{name: c, image: i, imageID: '', ready: false, restartCount: 0, state: {state}}}]}}")
    };
    let ics = |state: &str, restarts: i32| {
        format!("{{phase: Pending, initContainerStatuses: [{{name: i1, image: i, imageID: '', ready: false, restartCount: {restarts}, state: {state}}}]}}")
    };
    let deleting = ", deletionTimestamp: '2024-01-01T00:00:10Z'";
    // (spec, status, extra metadata, READY, STATUS, restarts)
    let cases: Vec<(&str, String, &str, &str, &str, i64)> = vec![
        (one, "{phase: Pending}".into(), "", "0/1", "Pending", 0),
        (one, cs("{waiting: {reason: ContainerCreating}}"), "", "0/1", "ContainerCreating", 0),
        (one, cs("{waiting: {reason: ErrImagePull}}"), "", "0/1", "ErrImagePull", 0),
        (one, cs("{waiting: {reason: ImagePullBackOff}}"), "", "0/1", "ImagePullBackOff", 0),
        (init2, ics("{running: {}}", 0), "", "0/1", "Init:0/2", 0),
        (init2, ics("{waiting: {reason: PodInitializing}}", 0), "", "0/1", "Init:0/2", 0),
        (init2, ics("{waiting: {reason: CrashLoopBackOff}}", 3), "", "0/1", "Init:CrashLoopBackOff", 3),
        (init2, ics("{terminated: {exitCode: 1, reason: Error}}", 0), "", "0/1", "Init:Error", 0),
        (init2, ics("{terminated: {exitCode: 2}}", 0), "", "0/1", "Init:ExitCode:2", 0),
        (
            one,
            "{phase: Succeeded, containerStatuses: [{name: c, image: i, imageID: '', ready: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed}}}]}".into(),
            "", "0/1", "Completed", 0,
        ),
        (
            one,
            "{phase: Failed, containerStatuses: [{name: c, image: i, imageID: '', ready: false, restartCount: 1, state: {terminated: {exitCode: 137, signal: 9}}}]}".into(),
            "", "0/1", "Signal:9", 1,
        ),
        ("{containers: []}", "{phase: Failed, reason: Evicted}".into(), "", "0/0", "Evicted", 0),
        (
            one,
            "{phase: Running, containerStatuses: [{name: c, image: i, imageID: '', ready: true, restartCount: 0, state: {running: {}}}]}".into(),
            deleting, "1/1", "Terminating", 0,
        ),
        (one, "{phase: Running, reason: NodeLost}".into(), deleting, "0/1", "Unknown", 0),
        (
            one,
            "{phase: Pending, conditions: [{type: PodScheduled, status: 'False', reason: SchedulingGated}]}".into(),
            "", "0/1", "SchedulingGated", 0,
        ),
        (
            two,
            "{phase: Running, containerStatuses: [{name: a, image: i, imageID: '', ready: true, restartCount: 0, state: {running: {}}}, {name: b, image: i, imageID: '', ready: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed}}}]}".into(),
            "", "1/2", "NotReady", 0,
        ),
        (
            two,
            "{phase: Running, conditions: [{type: Ready, status: 'True'}], containerStatuses: [{name: a, image: i, imageID: '', ready: true, restartCount: 0, state: {running: {}}}, {name: b, image: i, imageID: '', ready: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: Completed}}}]}".into(),
            "", "1/2", "Running", 0,
        ),
        (
            sidecar,
            "{phase: Running, conditions: [{type: Initialized, status: 'True'}], initContainerStatuses: [{name: proxy, image: i, imageID: '', ready: true, started: true, restartCount: 2, state: {running: {}}}], containerStatuses: [{name: c, image: i, imageID: '', ready: true, restartCount: 1, state: {running: {}}}]}".into(),
            "", "2/2", "Running", 3,
        ),
    ];
    for (spec, status, meta, ready, reason, restarts) in cases {
        let o = pod_with(spec, &status, meta);
        let Object::Pod(pod) = &o else { unreachable!("built a pod") };
        let s = summarize(pod);
        assert_eq!(
            (format!("{}/{}", s.ready, s.total), s.reason.as_str(), s.restarts),
            (ready.to_string(), reason, restarts),
            "{status}"
        );
    }
}

#[test]
fn empty_pod_never_panics() {
    let o = obj("apiVersion: v1\nkind: Pod\nmetadata: {name: bare}\n");
    let got = print_table(Kind::Pod, &[&o], at(5), &PrintOptions { wide: true, ..Default::default() });
    assert_eq!(
        got.stdout,
        lines(&[
            "NAME   READY   STATUS   RESTARTS   AGE         IP       NODE     NOMINATED NODE   READINESS GATES",
            "bare   0/0              0          <unknown>   <none>   <none>   <none>           <none>",
        ])
    );
}
