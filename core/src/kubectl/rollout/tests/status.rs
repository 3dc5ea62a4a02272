use serde_json::{json, Value};

use super::{deployment_key, get, DEPLOYMENT, STATEFUL_SET};
use crate::api::Object;
use crate::console::Console;
use crate::kubectl::rollout::status_of;
use crate::kubectl::test_support::{create, kubectl, obj, outcome, static_sim as sim, update};
use crate::kubectl::NoFiles;
use crate::sim::Sim;
use crate::time::SimDuration;

/// The status line and whether the rollout is done, or kubectl's error.
type Want = Result<(&'static str, bool), &'static str>;

/// An object of `yaml` with `metadata.generation` and `status` replaced.
fn with_status(yaml: &str, generation: i64, status: Value) -> Object {
    let mut v = obj(yaml).to_value();
    v["metadata"]["generation"] = json!(generation);
    v["status"] = status;
    Object::from_value(obj(yaml).kind(), v).expect("fixture decodes")
}

#[test]
fn deployment_status_lines_follow_kubectl() {
    let deadline = json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]);
    let cases: Vec<(i64, Value, Want)> = vec![
        (2, json!({"observedGeneration": 1}), Ok(("Waiting for deployment spec update to be observed...\n", false))),
        (1, json!({}), Ok(("Waiting for deployment spec update to be observed...\n", false))),
        (2, json!({"observedGeneration": 1, "conditions": deadline}), Ok(("Waiting for deployment spec update to be observed...\n", false))),
        (1, json!({"observedGeneration": 1, "conditions": deadline}), Err("deployment \"web\" exceeded its progress deadline")),
        (
            1,
            json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 1}),
            Ok(("Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n", false)),
        ),
        (
            1,
            json!({"observedGeneration": 1, "replicas": 4, "updatedReplicas": 3, "availableReplicas": 3}),
            Ok(("Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n", false)),
        ),
        (
            1,
            json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 2}),
            Ok(("Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n", false)),
        ),
        (
            1,
            json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}),
            Ok(("deployment \"web\" successfully rolled out\n", true)),
        ),
    ];
    for (generation, status, want) in cases {
        let d = with_status(DEPLOYMENT, generation, status.clone());
        let got = status_of(&d, 0);
        let want = want.map(|(l, done)| (l.to_string(), done)).map_err(str::to_string);
        assert_eq!(got, want, "generation {generation}, status {status}");
    }
}

#[test]
fn daemon_set_and_stateful_set_status_lines() {
    let ds = |strategy: &str| {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: agent}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  updateStrategy: {{type: {strategy}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec: {{containers: [{{name: a, image: busybox}}]}}\n"
        )
    };
    let counts = |updated: i32, available: i32| {
        json!({"observedGeneration": 1, "currentNumberScheduled": 3, "desiredNumberScheduled": 3, "numberMisscheduled": 0,
               "numberReady": available, "updatedNumberScheduled": updated, "numberAvailable": available})
    };
    let cases: Vec<(String, i64, Value, Want)> = vec![
        (ds("OnDelete"), 1, json!(null), Err("rollout status is only available for RollingUpdate strategy type")),
        (ds("RollingUpdate"), 2, counts(3, 3), Ok(("Waiting for daemon set spec update to be observed...\n", false))),
        (ds("RollingUpdate"), 1, counts(1, 1), Ok(("Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have been updated...\n", false))),
        (ds("RollingUpdate"), 1, counts(3, 2), Ok(("Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are available...\n", false))),
        (ds("RollingUpdate"), 1, counts(3, 3), Ok(("daemon set \"agent\" successfully rolled out\n", true))),
    ];
    let sts = |rolling: &str| STATEFUL_SET.replace("  serviceName: db\n", &format!("  serviceName: db\n  updateStrategy: {rolling}\n"));
    let partitioned = sts("{type: RollingUpdate, rollingUpdate: {partition: 1}}");
    let plain = sts("{type: RollingUpdate}");
    let sts_status = |ready: i32, updated: i32, current: &str, update: &str| {
        json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": ready, "updatedReplicas": updated, "currentReplicas": 2,
               "currentRevision": current, "updateRevision": update})
    };
    let sts_cases: Vec<(String, i64, Value, Want)> = vec![
        (sts("{type: OnDelete}"), 1, sts_status(2, 2, "db-1", "db-1"), Err("rollout status is only available for RollingUpdate strategy type")),
        (plain.clone(), 1, json!({"replicas": 2}), Ok(("Waiting for statefulset spec update to be observed...\n", false))),
        (plain.clone(), 1, sts_status(1, 0, "db-1", "db-1"), Ok(("Waiting for 1 pods to be ready...\n", false))),
        (partitioned.clone(), 1, sts_status(2, 0, "db-1", "db-2"), Ok(("Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated...\n", false))),
        (partitioned, 1, sts_status(2, 1, "db-1", "db-2"), Ok(("partitioned roll out complete: 1 new pods have been updated...\n", true))),
        (plain.clone(), 1, sts_status(2, 1, "db-1", "db-2"), Ok(("waiting for statefulset rolling update to complete 1 pods at revision db-2...\n", false))),
        (plain, 1, sts_status(2, 2, "db-2", "db-2"), Ok(("statefulset rolling update complete 2 pods at revision db-2...\n", true))),
    ];
    for (yaml, generation, status, want) in cases.into_iter().chain(sts_cases) {
        let o = with_status(&yaml, generation, status.clone());
        let want = want.map(|(l, done)| (l.to_string(), done)).map_err(str::to_string);
        assert_eq!(status_of(&o, 0), want, "{yaml} {status}");
    }
    // The API server defaults `rollingUpdate.partition: 0`, so a stored stateful set ends with
    // kubectl's "partitioned roll out complete" line.
    let mut s = sim();
    let stored = create(&mut s, STATEFUL_SET).as_ref().clone();
    let mut v = stored.to_value();
    v["status"] = sts_status(2, 2, "db-1", "db-1");
    let stored = Object::from_value(stored.kind(), v).expect("decodes");
    assert_eq!(status_of(&stored, 0), Ok(("partitioned roll out complete: 2 new pods have been updated...\n".to_string(), true)));
}

#[test]
fn other_kinds_and_pinned_revisions() {
    let rs = obj("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\nspec: {selector: {matchLabels: {a: b}}}\n");
    assert_eq!(status_of(&rs, 0), Err("no status viewer has been implemented for ReplicaSet.apps".to_string()));
    let d = with_status(DEPLOYMENT, 1, json!({"observedGeneration": 1}));
    assert_eq!(status_of(&d, 2), Err("desired revision (2) is different from the running revision (3)".to_string()));
    assert!(status_of(&d, 3).is_ok());
}

fn set_deployment_status(s: &mut Sim, status: Value) {
    let mut v = get(s, &deployment_key()).to_value();
    v["status"] = status;
    update(s, Object::from_value(crate::api::Kind::Deployment, v).expect("decodes"));
}

#[test]
fn status_command_prints_the_current_line() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    for line in ["rollout status deployment/web", "rollout status deploy web", "rollout status deployments.apps/web"] {
        let out = kubectl(&mut s, line);
        assert_eq!(outcome(&out), ("Waiting for deployment spec update to be observed...\n", "", 0), "{line}");
        assert!(out.watch.is_some(), "{line}");
    }
    let out = kubectl(&mut s, "rollout status deployment/web --watch=false");
    assert_eq!(outcome(&out), ("Waiting for deployment spec update to be observed...\n", "", 0));
    assert!(out.watch.is_none());
    set_deployment_status(&mut s, json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}));
    let out = kubectl(&mut s, "rollout status deployment/web");
    assert_eq!(outcome(&out), ("deployment \"web\" successfully rolled out\n", "", 0));
    assert!(out.watch.is_none());

    let errors: &[(&str, &str)] = &[
        ("rollout status deployment/nope", "Error from server (NotFound): deployments.apps \"nope\" not found\n"),
        ("rollout status deployment/web -n other", "Error from server (NotFound): deployments.apps \"web\" not found\n"),
        ("rollout status", "error: required resource not specified\n"),
        ("rollout status deployment/web --revision=-1", "error: revision must be a positive integer: -1\n"),
        ("rollout status deployment/web --revision=2", "error: desired revision (2) is different from the running revision (3)\n"),
        ("rollout status deployment/web --timeout=soon", "error: invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\"\n"),
        ("rollout status replicasets", "error: rollout status is only supported on individual resources and resource collections - 0 resources were found\n"),
        ("rollout status deployment,daemonset", "error: you may only specify a single resource type\n"),
        ("rollout status widgets/x", "error: the server doesn't have a resource type \"widgets\"\n"),
    ];
    for (line, want) in errors {
        assert_eq!(outcome(&kubectl(&mut s, line)), ("", *want, 1), "{line}");
    }
    create(&mut s, &DEPLOYMENT.replace("name: web", "name: api"));
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout status deployment")),
        ("", "error: rollout status is only supported on individual resources and resource collections - 2 resources were found\n", 1)
    );
    create(&mut s, "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n");
    assert_eq!(outcome(&kubectl(&mut s, "rollout status svc/web")), ("", "error: no status viewer has been implemented for Service\n", 1));
}

#[test]
fn the_console_streams_status_lines_until_the_rollout_is_done() {
    let mut s = sim();
    let mut c = Console::new();
    create(&mut s, DEPLOYMENT);
    let out = c.run_line(&mut s, "kubectl rollout status deployment/web", &NoFiles);
    assert_eq!(out.stdout, "Waiting for deployment spec update to be observed...\n");
    set_deployment_status(&mut s, json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1}));
    set_deployment_status(&mut s, json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 1}));
    let out = c.run_line(&mut s, "# later", &NoFiles);
    assert_eq!(
        out.stdout,
        "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n\
         Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...\n"
    );
    // Every MODIFIED event prints a line, even when the status line is the same.
    let out = c.run_line(&mut s, "kubectl label deployment web tier=front", &NoFiles);
    assert_eq!(out.stdout, "deployment.apps/web labeled\nWaiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...\n");
    set_deployment_status(&mut s, json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}));
    let out = c.run_line(&mut s, "# later", &NoFiles);
    assert_eq!(out.stdout, "deployment \"web\" successfully rolled out\n");
    set_deployment_status(&mut s, json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 3}));
    assert_eq!(c.run_line(&mut s, "# later", &NoFiles).stdout, "", "the watch closed after the final line");
}

#[test]
fn status_watches_end_on_deletion_errors_and_timeouts() {
    let mut s = sim();
    let mut c = Console::new();
    create(&mut s, DEPLOYMENT);
    c.run_line(&mut s, "kubectl rollout status deployment/web", &NoFiles);
    c.run_line(&mut s, "kubectl get deployments -w --no-headers", &NoFiles);
    let out = c.run_line(&mut s, "kubectl delete deployment web", &NoFiles);
    assert_eq!(out.stderr, "error: object has been deleted\n");
    assert!(out.stdout.starts_with("deployment.apps \"web\" deleted\nweb "), "get -w still streams: {:?}", out.stdout);

    create(&mut s, DEPLOYMENT);
    c.stop_watches();
    c.run_line(&mut s, "kubectl rollout status deployment/web", &NoFiles);
    set_deployment_status(&mut s, json!({"observedGeneration": 1, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}));
    assert_eq!(c.run_line(&mut s, "# later", &NoFiles).stderr, "error: deployment \"web\" exceeded its progress deadline\n");

    c.run_line(&mut s, "kubectl rollout status deployment/api --timeout=30s", &NoFiles);
    let out = c.run_line(&mut s, "kubectl rollout status deployment/web --timeout=30s", &NoFiles);
    assert_eq!(out.stderr, "error: deployment \"web\" exceeded its progress deadline\n");
    set_deployment_status(&mut s, json!({"observedGeneration": 1}));
    c.run_line(&mut s, "kubectl rollout status deployment/web --timeout=30s", &NoFiles);
    s.advance(SimDuration::from_secs(10));
    assert_eq!(c.run_line(&mut s, "# later", &NoFiles).stderr, "");
    s.advance(SimDuration::from_secs(20));
    assert_eq!(c.run_line(&mut s, "# later", &NoFiles).stderr, "error: timed out waiting for the condition\n");
    assert_eq!(c.run_line(&mut s, "# later", &NoFiles).stderr, "");
}
