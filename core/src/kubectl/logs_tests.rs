use crate::api::Object;
use crate::kubectl::test_support::{create, kubectl, outcome, static_sim as sim, update};
use crate::sim::Sim;
use crate::time::SimDuration;

/// Creates a pod (`spec` is the YAML of its spec) and, when given, sets its status as a
/// kubelet would. Returns its uid.
fn pod(s: &mut Sim, name: &str, labels: &str, annotations: &str, spec: &str, status: Option<&str>) -> String {
    let created = create(
        s,
        &format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: default, labels: {{{labels}}}, annotations: {{{annotations}}}}}\nspec: {spec}\n"),
    );
    let uid = created.metadata().uid.clone().unwrap_or_default();
    if let (Some(status), Object::Pod(p)) = (status, created.as_ref()) {
        let mut p = (**p).clone();
        p.status = Some(serde_norway::from_str(status).expect("status YAML"));
        update(s, p.into());
    }
    uid
}

fn running(name: &str) -> String {
    format!("{{name: {name}, image: nginx, imageID: '', ready: true, restartCount: 0, containerID: 'containerd://{name}', state: {{running: {{startedAt: '2024-01-01T00:00:01Z'}}}}}}")
}

const ONE: &str = "{nodeName: node-1, containers: [{name: nginx, image: nginx}]}";

#[test]
fn prints_the_current_log_with_tail() {
    let mut s = sim();
    let uid = pod(&mut s, "web", "app: web", "", ONE, Some(&format!("{{phase: Running, containerStatuses: [{}]}}", running("nginx"))));
    for i in 1..=4 {
        s.append_container_log(&uid, "nginx", &format!("GET /{i} 200"));
    }
    assert_eq!(outcome(&kubectl(&mut s, "logs web")), ("GET /1 200\nGET /2 200\nGET /3 200\nGET /4 200\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "logs web --tail=2")), ("GET /3 200\nGET /4 200\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "logs web nginx --tail 0")), ("", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "logs -f web -c nginx --tail=1")), ("GET /4 200\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "logs -l app=web")).0, "GET /1 200\nGET /2 200\nGET /3 200\nGET /4 200\n");
}

#[test]
fn container_states_give_the_kubelets_answers() {
    let mut s = sim();
    let waiting = |reason: &str| {
        format!("{{phase: Pending, containerStatuses: [{{name: nginx, image: nginx, imageID: '', ready: false, restartCount: 0, state: {{waiting: {{reason: {reason}}}}}}}]}}")
    };
    pod(&mut s, "unscheduled", "", "", "{containers: [{name: nginx, image: nginx}]}", None);
    pod(&mut s, "fresh", "", "", ONE, None);
    pod(&mut s, "creating", "", "", ONE, Some(&waiting("ContainerCreating")));
    pod(&mut s, "pull", "", "", ONE, Some(&waiting("ImagePullBackOff")));
    pod(&mut s, "errpull", "", "", ONE, Some(&waiting("ErrImagePull")));
    pod(&mut s, "done", "", "", ONE, Some("{phase: Succeeded, containerStatuses: [{name: nginx, image: nginx, imageID: '', ready: false, restartCount: 0, state: {terminated: {exitCode: 0}}}]}"));
    let cases: &[(&str, (&str, &str, i32))] = &[
        ("logs unscheduled", ("", "", 0)),
        ("logs fresh", ("", "Error from server (BadRequest): container \"nginx\" in pod \"fresh\" is not available\n", 1)),
        ("logs creating", ("", "Error from server (BadRequest): container \"nginx\" in pod \"creating\" is waiting to start: ContainerCreating\n", 1)),
        ("logs pull", ("", "Error from server (BadRequest): container \"nginx\" in pod \"pull\" is waiting to start: trying and failing to pull image\n", 1)),
        ("logs errpull", ("", "Error from server (BadRequest): container \"nginx\" in pod \"errpull\" is waiting to start: image can't be pulled\n", 1)),
        ("logs done", ("", "Error from server (BadRequest): container \"nginx\" in pod \"done\" is terminated\n", 1)),
        ("logs creating -p", ("", "Error from server (BadRequest): previous terminated container \"nginx\" in pod \"creating\" not found\n", 1)),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), *want, "{line}");
    }
}

#[test]
fn previous_generation_after_a_restart_and_during_back_off() {
    let mut s = sim();
    let last = "lastState: {terminated: {exitCode: 1, containerID: 'containerd://old'}}";
    let restarted = format!("{{phase: Running, containerStatuses: [{{name: nginx, image: nginx, imageID: '', ready: true, restartCount: 1, containerID: 'containerd://new', state: {{running: {{}}}}, {last}}}]}}");
    let backoff = format!("{{phase: Running, containerStatuses: [{{name: nginx, image: nginx, imageID: '', ready: false, restartCount: 1, state: {{waiting: {{reason: CrashLoopBackOff}}}}, {last}}}]}}");
    for (name, status) in [("restarted", &restarted), ("crashing", &backoff)] {
        let uid = pod(&mut s, name, "", "", ONE, Some(status));
        s.start_container_log(&uid, "nginx");
        s.append_container_log(&uid, "nginx", "run 1");
        s.advance(SimDuration::from_secs(10));
        s.start_container_log(&uid, "nginx");
        s.append_container_log(&uid, "nginx", "run 2");
    }
    assert_eq!(outcome(&kubectl(&mut s, "logs restarted")), ("run 2\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "logs restarted --previous")), ("run 1\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "logs crashing")), ("run 2\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "logs crashing -p")), ("run 2\n", "", 0));
}

#[test]
fn containers_are_chosen_as_kubectl_chooses_them() {
    let mut s = sim();
    let spec = "{nodeName: node-1, initContainers: [{name: setup, image: busybox}], containers: [{name: app, image: app}, {name: sidecar, image: envoy}]}";
    let status = format!("{{phase: Running, containerStatuses: [{}, {}]}}", running("app"), running("sidecar"));
    let uid = pod(&mut s, "multi", "", "", spec, Some(&status));
    s.append_container_log(&uid, "app", "from app");
    s.append_container_log(&uid, "sidecar", "from sidecar");
    let uid2 = pod(&mut s, "annotated", "", "kubectl.kubernetes.io/default-container: sidecar", spec, Some(&status));
    s.append_container_log(&uid2, "sidecar", "sidecar by default");
    pod(&mut s, "badannotation", "", "kubectl.kubernetes.io/default-container: nope", spec, Some(&status));
    let cases: &[(&str, (&str, &str, i32))] = &[
        ("logs multi", ("from app\n", "Defaulted container \"app\" out of: app, sidecar, setup (init)\n", 0)),
        ("logs multi -c sidecar", ("from sidecar\n", "", 0)),
        ("logs annotated", ("sidecar by default\n", "", 0)),
        (
            "logs badannotation",
            ("", "Default container name \"nope\" not found in pod badannotation\nDefaulted container \"app\" out of: app, sidecar, setup (init)\n", 0),
        ),
        ("logs multi -c db", ("", "error: container db is not valid for pod multi out of: app, sidecar, setup (init)\n", 1)),
        ("logs multi app -c app", ("", "error: only one of -c or an inline [CONTAINER] arg is allowed\n", 1)),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), *want, "{line}");
    }
}

#[test]
fn type_name_picks_a_pod_of_the_selector() {
    let mut s = sim();
    create(
        &mut s,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: nginx, image: nginx}]}\n",
    );
    let out = kubectl(&mut s, "logs deployment/web");
    assert_eq!(outcome(&out), ("", "error: timed out waiting for the condition\n", 1));
    pod(&mut s, "web-pending", "app: web", "", "{containers: [{name: nginx, image: nginx}]}", None);
    let uid = pod(&mut s, "web-running", "app: web", "", ONE, Some(&format!("{{phase: Running, containerStatuses: [{}]}}", running("nginx"))));
    s.append_container_log(&uid, "nginx", "hello");
    assert_eq!(outcome(&kubectl(&mut s, "logs deploy/web")), ("hello\n", "Found 2 pods, using pod/web-running\n", 0));
}

#[test]
fn usage_and_lookup_errors() {
    let mut s = sim();
    create(&mut s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default}\n");
    pod(&mut s, "web", "", "", ONE, None);
    let usage = "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples\n";
    let cases: &[(&str, &str)] = &[
        ("logs", usage),
        ("logs a b c", usage),
        ("logs web -l app=web", "error: only a selector (-l) or a POD name is allowed\nSee 'kubectl logs -h' for help and examples\n"),
        ("logs nope", "error: error from server (NotFound): pods \"nope\" not found in namespace \"default\"\n"),
        ("logs deploy/nope -n kube-system", "error: error from server (NotFound): deployments.apps \"nope\" not found in namespace \"kube-system\"\n"),
        ("logs configmap/cm", "error: cannot get the logs from *v1.ConfigMap: selector for *v1.ConfigMap not implemented\n"),
        ("logs web --tail=-2", "error: --tail must be greater than or equal to -1\n"),
        ("logs web --tail=x", "error: invalid argument \"x\" for \"--tail\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\n"),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), ("", *want, 1), "{line}");
    }
    assert_eq!(outcome(&kubectl(&mut s, "logs -l app=none")), ("", "No resources found in default namespace.\n", 0));
}
