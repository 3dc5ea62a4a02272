use super::valid_image_reference;
use crate::api::Kind;
use crate::kubectl::test_support::{kubectl, outcome, sim};
use crate::store::ObjectRef;

fn pod_json(s: &crate::sim::Sim, name: &str) -> serde_json::Value {
    s.get(&ObjectRef::new(Kind::Pod, Some("default"), name)).expect("pod exists").to_value()
}

#[test]
fn creates_the_pod_kubectl_builds() {
    let mut s = sim();
    let out = kubectl(&mut s, "run web --image=nginx:1.27");
    assert_eq!(outcome(&out), ("pod/web created\n", "", 0));
    let v = pod_json(&s, "web");
    assert_eq!(v["metadata"]["labels"], serde_json::json!({"run": "web"}));
    assert_eq!(v["spec"]["containers"][0]["name"], "web");
    assert_eq!(v["spec"]["containers"][0]["image"], "nginx:1.27");
    assert_eq!(v["spec"]["dnsPolicy"], "ClusterFirst");
    assert_eq!(v["spec"]["restartPolicy"], "Always");
    assert!(v["spec"]["containers"][0].get("args").is_none());
    assert_eq!(s.actions().last().unwrap().summary, "kubectl run web --image=nginx:1.27");
}

#[test]
fn flags_shape_the_container() {
    let mut s = sim();
    let line = "run job -n default --image=busybox --restart=Never -l app=batch,tier=x --port=8080 --env A=1 --env=B=two=2 --image-pull-policy=IfNotPresent -- sh -c 'echo hi'";
    assert_eq!(outcome(&kubectl(&mut s, line)), ("pod/job created\n", "", 0));
    let v = pod_json(&s, "job");
    let c = &v["spec"]["containers"][0];
    assert_eq!(v["metadata"]["labels"], serde_json::json!({"app": "batch", "tier": "x"}));
    assert_eq!(v["spec"]["restartPolicy"], "Never");
    assert_eq!(c["args"], serde_json::json!(["sh", "-c", "echo hi"]));
    assert_eq!(c["env"], serde_json::json!([{"name": "A", "value": "1"}, {"name": "B", "value": "two=2"}]));
    assert_eq!(c["ports"][0]["containerPort"], 8080);
    assert_eq!(c["imagePullPolicy"], "IfNotPresent");

    assert_eq!(outcome(&kubectl(&mut s, "run cmd --image=busybox --command -- sleep 3600")).2, 0);
    let c = &pod_json(&s, "cmd")["spec"]["containers"][0];
    assert_eq!(c["command"], serde_json::json!(["sleep", "3600"]));
    assert!(c.get("args").is_none());
}

#[test]
fn errors_are_kubectls() {
    let mut s = sim();
    let cases: &[(&str, &str)] = &[
        ("run web", "error: required flag(s) \"image\" not set"),
        ("run --image=nginx", "error: NAME is required for run"),
        ("run --image=nginx -- sh", "error: NAME is required for run"),
        ("run web --image=", "error: --image is required"),
        ("run web --image=Nginx", "error: invalid image name \"Nginx\": invalid reference format"),
        ("run web --image=nginx --restart=Sometimes", "error: invalid restart policy: Sometimes, valid values are: Always, OnFailure, Never"),
        ("run web --image=nginx --image-pull-policy=Maybe", "error: invalid image pull policy: Maybe"),
        ("run web --image=nginx --labels=app", "error: unexpected label spec: app"),
        ("run web --image=nginx --env=1A=x", "error: invalid env: 1A=x"),
        ("run web --image=nginx --port=http", "error: --port must be a number"),
        ("run web --image=nginx -t", "error: -i/--stdin is required for containers with -t/--tty=true"),
        ("run web --image=nginx --rm", "error: --rm should only be used for attached containers"),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), ("", format!("{want}\n").as_str(), 1), "{line}");
    }
    let refused = kubectl(&mut s, "run -it --rm shell --image=busybox -- sh");
    assert!(refused.stderr.contains("is not simulated"), "{}", refused.stderr);
    assert_eq!(s.store().list(Kind::Pod, None).count(), 0);
    assert_eq!(outcome(&kubectl(&mut s, "run web --image=nginx")).2, 0);
    assert_eq!(
        outcome(&kubectl(&mut s, "run web --image=nginx")),
        ("", "Error from server (AlreadyExists): pods \"web\" already exists\n", 1)
    );
}

#[test]
fn image_references() {
    let valid = [
        "nginx",
        "nginx:1.27",
        "library/nginx:latest",
        "registry.k8s.io/pause:3.10",
        "localhost:5000/team/app:v1.2_rc-3",
        "ghcr.io/a__b/c--d.e",
        "[::1]:5000/app",
        "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "Registry.Example.com/app",
    ];
    let invalid = ["", "Nginx", "nginx:", "nginx:-x", "-nginx", "app/", "a//b", "host:port/app", "nginx@sha256:abc", "a..b", "ngïnx"];
    for image in valid {
        assert!(valid_image_reference(image), "{image} should be valid");
    }
    for image in invalid {
        assert!(!valid_image_reference(image), "{image} should be invalid");
    }
}

#[test]
fn dry_runs_write_nothing() {
    let mut s = sim();
    let actions = s.actions().len();
    assert_eq!(outcome(&kubectl(&mut s, "run web --image=nginx --dry-run=client")), ("pod/web created (dry run)\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "run web --image=nginx --dry-run=server")), ("pod/web created (server dry run)\n", "", 0));
    assert_eq!(s.store().list(Kind::Pod, None).count(), 0);
    assert_eq!(s.actions().len(), actions);
    assert_eq!(
        outcome(&kubectl(&mut s, "run web --image=nginx --dry-run=maybe")),
        ("", "error: Invalid dry-run value (maybe). Must be \"none\", \"server\", or \"client\".\n", 1)
    );
}
