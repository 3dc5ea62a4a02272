use std::collections::BTreeMap;

use super::{deployment_key, get, replica_set, with_history, DAEMON_SET, DEPLOYMENT, STATEFUL_SET};
use crate::api::Object;
use crate::kubectl::test_support::{create, kubectl, outcome, sim, update};

const CAUSE: &str = "kubectl set image deployment/web nginx=nginx:1.26 --record=true";

fn image_of(o: &Object) -> String {
    o.to_value()["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap_or_default().to_string()
}

#[test]
fn history_lists_revisions_with_their_change_cause() {
    let mut s = sim();
    with_history(&mut s);
    let want = format!("deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         {CAUSE}\n3         <none>\n\n");
    for line in ["rollout history deployment/web", "rollout history deploy web", "rollout history deployments.apps/web"] {
        assert_eq!(outcome(&kubectl(&mut s, line)), (want.as_str(), "", 0), "{line}");
    }
    assert_eq!(outcome(&kubectl(&mut s, "rollout history deployment/web -o name")), ("deployment.apps/web\n", "", 0));
}

#[test]
fn history_of_one_revision_prints_its_pod_template() {
    let mut s = sim();
    with_history(&mut s);
    let want = format!(
        "deployment.apps/web with revision #2\n\
         Pod Template:\n  Labels:\tapp=web\n  \tpod-template-hash=6b7c9d8f5\n  Annotations:\tkubernetes.io/change-cause: {CAUSE}\n  \
         Containers:\n   nginx:\n    Image:\tnginx:1.26\n    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n  \
         Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n\n"
    );
    assert_eq!(outcome(&kubectl(&mut s, "rollout history deployment/web --revision=2")), (want.as_str(), "", 0));
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout history deployment/web --revision=7")),
        ("", "error: unable to find the specified revision\n", 1)
    );
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout history deployment/web --revision=-2")),
        ("", "error: revision must be a positive integer: -2\n", 1)
    );
}

#[test]
fn history_without_revisions_and_for_other_kinds() {
    let mut s = sim();
    let d = create(&mut s, DEPLOYMENT);
    create(&mut s, DAEMON_SET);
    create(&mut s, STATEFUL_SET);
    create(&mut s, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n");
    create(&mut s, "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: [{port: 80}]}\n");
    // A replica set controlled by some other owner is not part of the history.
    let mut stranger = d.as_ref().clone();
    stranger.metadata_mut().uid = Some("another-uid".into());
    replica_set(&mut s, &stranger, "1", "9f9f9f9f9", "nginx:1.20", "");
    let cases: &[(&str, &str, &str)] = &[
        ("rollout history deployment/web", "deployment.apps/web \nNo rollout history found.\n", ""),
        ("rollout history daemonset/agent", "daemonset.apps/agent \nNo rollout history found.\n", ""),
        ("rollout history sts/db --revision=1", "statefulset.apps/db with revision #1\nNo rollout history found.\n", ""),
        ("rollout history pod/p", "", "error: no history viewer has been implemented for \"Pod\"\n"),
        ("rollout history rs/web-9f9f9f9f9", "", "error: no history viewer has been implemented for \"ReplicaSet.apps\"\n"),
        ("rollout history svc/svc", "", "error: error retrieving history for \"Service\", no visitor method exists for { Service}\n"),
        ("rollout history deployment/nope", "", "Error from server (NotFound): deployments.apps \"nope\" not found\n"),
        ("rollout history", "", "error: required resource not specified\n"),
    ];
    for (line, stdout, stderr) in cases {
        let out = kubectl(&mut s, line);
        assert_eq!(outcome(&out), (*stdout, *stderr, i32::from(!stderr.is_empty())), "{line}");
    }
}

#[test]
fn undo_restores_the_previous_revision_as_kubectl_does() {
    let mut s = sim();
    with_history(&mut s);
    let before = get(&s, &deployment_key());
    assert_eq!(outcome(&kubectl(&mut s, "rollout undo deployment/web")), ("deployment.apps/web rolled back\n", "", 0));
    let after = get(&s, &deployment_key());
    assert_eq!(image_of(&after), "nginx:1.26");
    let v = after.to_value();
    assert_eq!(v["spec"]["template"]["metadata"]["labels"], serde_json::json!({"app": "web"}), "pod-template-hash is dropped");
    let annotations: BTreeMap<String, String> = serde_json::from_value(v["metadata"]["annotations"].clone()).unwrap_or_default();
    let want: BTreeMap<String, String> = [
        ("deployment.kubernetes.io/revision".to_string(), "3".to_string()),
        ("kubernetes.io/change-cause".to_string(), CAUSE.to_string()),
    ]
    .into();
    assert_eq!(annotations, want, "kept from the deployment: the skip list; from the replica set: the rest");
    assert_eq!(after.metadata().generation, before.metadata().generation.map(|g| g + 1));
    let action = s.actions().last().expect("an action");
    assert_eq!(action.summary, "kubectl rollout undo deployment/web");
    assert_eq!(s.store().log().last().map(|e| e.cause), Some(crate::store::Cause::Action(action.id)));

    let out = kubectl(&mut s, "rollout undo deployment/web --to-revision=2");
    assert_eq!(outcome(&out), ("deployment.apps/web skipped rollback (current template already matches revision 2)\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "rollout undo deploy web --to-revision=1")), ("deployment.apps/web rolled back\n", "", 0));
    assert_eq!(image_of(&get(&s, &deployment_key())), "nginx:1.25");
}

#[test]
fn undo_errors_and_dry_run() {
    let mut s = sim();
    with_history(&mut s);
    let cases: &[(&str, &str)] = &[
        ("rollout undo deployment/web --to-revision=5", "error: unable to find specified revision 5 in history\n"),
        ("rollout undo deployment/web --to-revision=-1", "error: unable to find specified revision -1 in history\n"),
        (
            "rollout undo deployment/web --to-revision=two",
            "error: invalid argument \"two\" for \"--to-revision\" flag: strconv.ParseInt: parsing \"two\": invalid syntax\n",
        ),
        ("rollout undo deployment/nope", "Error from server (NotFound): deployments.apps \"nope\" not found\n"),
        ("rollout undo", "error: required resource not specified\n"),
        ("rollout undo deployment/web --dry-run=maybe", "error: Invalid dry-run value (maybe). Must be \"none\", \"server\", or \"client\".\n"),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), ("", *want, 1), "{line}");
    }
    let out = kubectl(&mut s, "rollout undo deployment/web --dry-run=client");
    assert!(out.stdout.starts_with("deployment.apps/web Pod Template:\n  Labels:\tapp=web\n  \tpod-template-hash=6b7c9d8f5\n"), "{}", out.stdout);
    assert!(out.stdout.ends_with("  Tolerations:\t<none>\n (dry run)\n"), "{}", out.stdout);
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout undo deployment/web --dry-run=server")),
        ("deployment.apps/web rolled back (server dry run)\n", "", 0)
    );
    assert_eq!(image_of(&get(&s, &deployment_key())), "nginx:1.27", "dry runs write nothing");

    let mut paused = get(&s, &deployment_key());
    if let Object::Deployment(d) = &mut paused {
        d.spec.paused = Some(true);
    }
    update(&mut s, paused);
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout undo deployment/web")),
        ("", "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/web' and try again\n", 1)
    );

    let mut fresh = sim();
    create(&mut fresh, DEPLOYMENT);
    create(&mut fresh, DAEMON_SET);
    create(&mut fresh, "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: nginx}]}\n");
    let cases: &[(&str, &str)] = &[
        ("rollout undo deployment/web", "error: no rollout history found for deployment \"web\"\n"),
        ("rollout undo daemonset/agent", "error: no last revision to roll back to\n"),
        ("rollout undo daemonset/agent --to-revision=2", "error: unable to find specified revision 2 in history\n"),
        ("rollout undo rs/r", "error: no rollbacker has been implemented for \"ReplicaSet.apps\"\n"),
        ("rollout undo ns/default", "error: error retrieving rollbacker for \"Namespace\", no visitor method exists for { Namespace}\n"),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut fresh, line)), ("", *want, 1), "{line}");
    }
}
