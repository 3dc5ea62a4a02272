use super::{deployment_key, get, DAEMON_SET, DEPLOYMENT, STATEFUL_SET};
use crate::api::{Kind, Object};
use crate::kubectl::test_support::{create, kubectl, outcome, sim};
use crate::store::ObjectRef;
use crate::time::SimDuration;

fn paused(o: &Object) -> Option<bool> {
    match o {
        Object::Deployment(d) => d.spec.paused,
        _ => None,
    }
}

fn restarted_at(o: &Object) -> Option<String> {
    o.to_value()["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"].as_str().map(str::to_string)
}

#[test]
fn pause_and_resume_flip_spec_paused() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    create(&mut s, DAEMON_SET);
    create(&mut s, STATEFUL_SET);
    let steps: &[(&str, &str, &str)] = &[
        ("rollout pause deployment/web", "deployment.apps/web paused\n", ""),
        ("rollout pause deploy web", "", "error: deployments.apps \"web\" is already paused\n"),
        ("rollout resume deployments.apps/web", "deployment.apps/web resumed\n", ""),
        ("rollout resume deployment/web", "", "error: deployments.apps \"web\" is not paused\n"),
        ("rollout pause daemonset/agent", "", "error: daemonsets.apps \"agent\" pausing is not supported\n"),
        ("rollout resume statefulset/db", "", "error: statefulsets.apps \"db\" resuming is not supported\n"),
        ("rollout pause deployment/nope", "", "Error from server (NotFound): deployments.apps \"nope\" not found\n"),
        ("rollout pause deployment/web -n other", "", "Error from server (NotFound): deployments.apps \"web\" not found\n"),
        ("rollout pause", "", "error: required resource not specified\n"),
        (
            "rollout pause deployment/web deployment/nope",
            "deployment.apps/web paused\n",
            "Error from server (NotFound): deployments.apps \"nope\" not found\n",
        ),
        (
            "rollout pause deployment/web daemonset/agent",
            "",
            "error: deployments.apps \"web\" is already paused\nerror: daemonsets.apps \"agent\" pausing is not supported\n",
        ),
        ("rollout resume deployment/web -o name", "deployment.apps/web\n", ""),
        ("rollout pause deployment/web --dry-run=client", "deployment.apps/web paused (dry run)\n", ""),
    ];
    for (line, stdout, stderr) in steps {
        assert_eq!(outcome(&kubectl(&mut s, line)), (*stdout, *stderr, i32::from(!stderr.is_empty())), "{line}");
    }
    assert_eq!(paused(&get(&s, &deployment_key())), None, "the dry run wrote nothing; resume cleared the field");
    assert_eq!(s.actions().iter().filter(|a| a.summary.starts_with("kubectl rollout")).count(), 4, "only commands that wrote");
}

#[test]
fn pause_without_a_name_pauses_every_deployment_of_the_namespace() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    create(&mut s, &DEPLOYMENT.replace("name: web", "name: api"));
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout pause deployment")),
        ("deployment.apps/api paused\ndeployment.apps/web paused\n", "", 0)
    );
    assert_eq!(outcome(&kubectl(&mut s, "rollout resume deployment -l app=nothing")), ("", "", 0));
}

#[test]
fn restart_stamps_the_pod_template_with_the_simulated_time() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    create(&mut s, DAEMON_SET);
    create(&mut s, STATEFUL_SET);
    create(&mut s, "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: r}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: nginx}]}\n");
    s.advance(SimDuration::from_secs(90));
    let generation = get(&s, &deployment_key()).metadata().generation;
    assert_eq!(outcome(&kubectl(&mut s, "rollout restart deployment/web")), ("deployment.apps/web restarted\n", "", 0));
    let d = get(&s, &deployment_key());
    assert_eq!(restarted_at(&d).as_deref(), Some("2024-01-01T00:01:30Z"));
    assert_eq!(d.metadata().generation, generation.map(|g| g + 1));
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout status deployment/web --watch=false")),
        ("Waiting for deployment spec update to be observed...\n", "", 0)
    );
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout restart deployment/web")),
        ("deployment.apps/web restarted\n", "error: failed to create patch for web: empty patch\n", 1),
        "a second restart within the same second changes nothing"
    );
    s.advance(SimDuration::from_secs(1));
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout restart daemonset sts/db")),
        ("", "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'\n", 1)
    );
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout restart daemonset/agent statefulset/db")),
        ("daemonset.apps/agent restarted\nstatefulset.apps/db restarted\n", "", 0)
    );
    let ds = get(&s, &ObjectRef::new(Kind::DaemonSet, Some("default"), "agent"));
    assert_eq!(restarted_at(&ds).as_deref(), Some("2024-01-01T00:01:31Z"));
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout restart rs/r")),
        ("", "error: replicasets.apps \"r\" restarting is not supported\n", 1)
    );
    kubectl(&mut s, "rollout pause deployment/web");
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout restart deployment/web")),
        ("", "error: deployments.apps \"web\" can't restart paused deployment (run rollout resume first)\n", 1)
    );
}

#[test]
fn rollout_without_a_subcommand_shows_help() {
    let mut s = sim();
    let out = kubectl(&mut s, "rollout");
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("Available Commands:\n  history       View rollout history\n"), "{}", out.stderr);
    assert_eq!(
        outcome(&kubectl(&mut s, "rollout rewind deployment/web")),
        ("", "error: unknown command \"rewind deployment/web\"\nSee 'kubectl rollout -h' for help and examples\n", 1)
    );
}
