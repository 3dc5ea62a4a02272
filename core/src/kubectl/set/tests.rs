use crate::api::{Kind, Object};
use crate::kubectl::test_support::{create, kubectl, outcome, sim};
use crate::sim::Sim;
use crate::store::ObjectRef;

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers: [{name: init, image: "busybox:1.36"}]
      containers: [{name: nginx, image: "nginx:1.25"}, {name: sidecar, image: "envoy:1.30"}]
"#;

fn images(s: &Sim, kind: Kind, name: &str, pointer: &str) -> Vec<String> {
    let v = s.get(&ObjectRef::new(kind, Some("default"), name)).expect("object exists").to_value();
    let mut out = Vec::new();
    for list in ["initContainers", "containers"] {
        for c in v.pointer(&format!("{pointer}/{list}")).and_then(|c| c.as_array()).into_iter().flatten() {
            out.push(format!("{}={}", c["name"].as_str().unwrap_or(""), c["image"].as_str().unwrap_or("")));
        }
    }
    out
}

fn deployment_images(s: &Sim) -> Vec<String> {
    images(s, Kind::Deployment, "web", "/spec/template/spec")
}

#[test]
fn set_image_updates_named_containers() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    let steps: &[(&str, &str, &str, &[&str])] = &[
        ("set image deployment/web nginx=nginx:1.27", "deployment.apps/web image updated\n", "", &["init=busybox:1.36", "nginx=nginx:1.27", "sidecar=envoy:1.30"]),
        ("set image deploy web init=busybox:1.37 sidecar=envoy:1.31", "deployment.apps/web image updated\n", "", &["init=busybox:1.37", "nginx=nginx:1.27", "sidecar=envoy:1.31"]),
        ("set image deployments.apps/web nginx=nginx:1.27", "", "", &["init=busybox:1.37", "nginx=nginx:1.27", "sidecar=envoy:1.31"]),
        ("set image deployment/web *=alpine:3", "deployment.apps/web image updated\n", "", &["init=alpine:3", "nginx=alpine:3", "sidecar=alpine:3"]),
        (
            "set image deployment/web nginx=nginx:1 php=php:8",
            "deployment.apps/web image updated\n",
            "error: unable to find container named \"php\"\n",
            &["init=alpine:3", "nginx=nginx:1", "sidecar=alpine:3"],
        ),
        ("set image deployment/web php=php:8", "", "error: unable to find container named \"php\"\n", &["init=alpine:3", "nginx=nginx:1", "sidecar=alpine:3"]),
        (
            "set image deployment/web a=1 b=2",
            "",
            "error: unable to find container named \"a\"\nerror: unable to find container named \"b\"\n",
            &["init=alpine:3", "nginx=nginx:1", "sidecar=alpine:3"],
        ),
        ("set image deployment/web nginx=nginx:2 --dry-run=client", "deployment.apps/web image updated (dry run)\n", "", &["init=alpine:3", "nginx=nginx:1", "sidecar=alpine:3"]),
        ("set image deployment/web nginx=nginx:2 -o name", "deployment.apps/web\n", "", &["init=alpine:3", "nginx=nginx:2", "sidecar=alpine:3"]),
    ];
    for (line, stdout, stderr, want) in steps {
        assert_eq!(outcome(&kubectl(&mut s, line)), (*stdout, *stderr, i32::from(!stderr.is_empty())), "{line}");
        assert_eq!(deployment_images(&s), *want, "{line}");
    }
    let action = s.actions().last().expect("an action");
    assert_eq!(action.summary, "kubectl set image deployment/web nginx=nginx:2");
}

#[test]
fn set_image_reaches_every_kind_with_a_pod_template() {
    let mut s = sim();
    let template = "template:\n    metadata: {labels: {app: x}}\n    spec: {restartPolicy: Never, containers: [{name: app, image: old}]}";
    let fixtures: &[(&str, Kind, &str, String)] = &[
        ("pod/p", Kind::Pod, "/spec", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: app, image: old}]}\n".into()),
        ("rc/rc", Kind::ReplicationController, "/spec/template/spec", format!("apiVersion: v1\nkind: ReplicationController\nmetadata: {{name: rc}}\nspec:\n  selector: {{app: x}}\n  {}\n", template.replace("restartPolicy: Never, ", ""))),
        ("rs/rs", Kind::ReplicaSet, "/spec/template/spec", format!("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: rs}}\nspec:\n  selector: {{matchLabels: {{app: x}}}}\n  {}\n", template.replace("restartPolicy: Never, ", ""))),
        ("ds/ds", Kind::DaemonSet, "/spec/template/spec", format!("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: ds}}\nspec:\n  selector: {{matchLabels: {{app: x}}}}\n  {}\n", template.replace("restartPolicy: Never, ", ""))),
        ("sts/sts", Kind::StatefulSet, "/spec/template/spec", format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: sts}}\nspec:\n  serviceName: sts\n  selector: {{matchLabels: {{app: x}}}}\n  {}\n", template.replace("restartPolicy: Never, ", ""))),
        ("job/job", Kind::Job, "/spec/template/spec", format!("apiVersion: batch/v1\nkind: Job\nmetadata: {{name: job}}\nspec:\n  {template}\n")),
        ("cronjob/cj", Kind::CronJob, "/spec/jobTemplate/spec/template/spec", format!("apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: cj}}\nspec:\n  schedule: \"*/5 * * * *\"\n  jobTemplate:\n    spec:\n      {}\n", template.replace("\n    ", "\n        "))),
    ];
    for (target, kind, pointer, yaml) in fixtures {
        let created = create(&mut s, yaml);
        let out = kubectl(&mut s, &format!("set image {target} app=new:2"));
        assert_eq!(outcome(&out), (format!("{}/{} image updated\n", kind.qualified_singular(), created.name()).as_str(), "", 0), "{target}");
        assert_eq!(images(&s, *kind, created.name(), pointer), ["app=new:2"], "{target}");
    }
}

#[test]
fn set_image_errors() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    create(&mut s, "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: [{port: 80}]}\n");
    let cases: &[(&str, &str)] = &[
        ("set image deployment/nope nginx=x", "Error from server (NotFound): deployments.apps \"nope\" not found\n"),
        ("set image deployment/web", "error: at least one image update is required\n"),
        ("set image deployment/web *=a nginx=b", "error: all containers are already specified by *, but saw more than one container_name=container_image pairs\n"),
        ("set image deployment/web nginx=x deployment/other", "error: all resources must be specified before image changes: deployment/other\n"),
        ("set image deployment/web nginx-", "error: invalid image format: nginx-\n"),
        ("set image deployment nginx=x", "error: resource(s) were provided, but no name was specified\n"),
        (
            "set image nginx=x",
            "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n",
        ),
        ("set image svc/svc app=x", "error: services/svc the object is not a pod or does not have a pod template: *v1.Service\n"),
        (
            "set image deployment/web nginx=",
            "error: failed to patch image update to pod template: Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].image: Required value\n",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), ("", *want, 1), "{line}");
    }
    assert_eq!(deployment_images(&s), ["init=busybox:1.36", "nginx=nginx:1.25", "sidecar=envoy:1.30"]);
    let out = kubectl(&mut s, "set");
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("  image            Update the image of a pod template\n"));
}

#[test]
fn set_image_record_writes_the_change_cause() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    assert_eq!(outcome(&kubectl(&mut s, "set image deployment/web nginx=nginx:1.27 --record")), ("deployment.apps/web image updated\n", "", 0));
    let d = s.get(&ObjectRef::new(Kind::Deployment, Some("default"), "web")).expect("exists");
    let Object::Deployment(d) = d else { panic!("a deployment") };
    let cause = d.metadata.annotations.as_ref().and_then(|a| a.get("kubernetes.io/change-cause")).cloned();
    assert_eq!(cause.as_deref(), Some("kubectl set image deployment/web nginx=nginx:1.27 --record=true"));
}
