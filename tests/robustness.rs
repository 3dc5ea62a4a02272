//! The core never panics on user input: every kubectl verb, fed argument shapes that are
//! wrong in every way we could think of, on a cluster holding one of each common object,
//! answers with output (usually an error) and leaves a usable simulation.

use fishbowl_core::console::Console;
use fishbowl_core::kubectl::Files;
use fishbowl_core::{ClusterConfig, Sim};

const VERBS: &[&str] = &[
    "annotate", "api-resources", "apply", "cordon", "create", "delete", "describe", "drain", "events", "expose",
    "get", "label", "logs", "rollout", "rollout status", "rollout history", "rollout undo", "rollout pause",
    "rollout resume", "rollout restart", "run", "scale", "set", "set image", "taint", "top", "top pod", "top node",
    "uncordon", "version", "frobnicate",
];

const ARGS: &[&str] = &[
    "",
    "pod",
    "pods web",
    "deployment/web",
    "deploy/web nginx=nginx:2",
    "deploy/web *=busybox",
    "deployment",
    "node node-1",
    "node-1",
    "nodes node-1 a=b:NoSchedule",
    "nodes node-1 =:-",
    "svc/web --port=abc",
    "pod/web --port=70000 --target-port=-1",
    "-f",
    "-f missing.yaml",
    "-f all.yaml",
    "-f all.yaml -n team",
    "-f bad.yaml",
    "-o",
    "-o jsonpath={.x}",
    "-o yaml pods",
    "-l 'a in ('",
    "-l ''",
    "--field-selector spec.nodeName==",
    "-A -w",
    "--replicas=-3 deploy/web",
    "--replicas=x deploy/web",
    "--to-revision=99999999999999999999 deploy/web",
    "--timeout=forever deploy/web",
    "--tail=-5 web-pod",
    "--sort-by=banana",
    "web-pod -c nope",
    "ünïcödé/ñ",
    "-é",
    "--=",
    "-- sleep 1",
    "nginx --image=",
    "nginx --image='bad image' --restart=Sometimes",
    "crontabs",
    "crd",
    "customresourcedefinitions.apiextensions.k8s.io crontabs.stable.example.com",
];

const ALL: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-pod, labels: {app: web}}
spec:
  nodeName: node-1
  containers: [{name: a, image: nginx}, {name: b, image: busybox}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.stable.example.com}
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {cronSpec: {type: string}, replicas: {type: integer, minimum: 0}}}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
spec: {hard: {pods: '3', requests.cpu: '1'}}
";

struct Files2;

impl Files for Files2 {
    fn read(&self, path: &str) -> Result<String, String> {
        match path {
            "all.yaml" => Ok(ALL.to_string()),
            "bad.yaml" => Ok("apiVersion: v1\nkind: Pod\nmetadata: {name: [x]}\nspec: 7\n---\n{\"a\": \n".to_string()),
            _ => Err(format!("the path \"{path}\" does not exist")),
        }
    }
}

#[test]
fn no_verb_panics_on_any_argument_shape() {
    let mut sim = Sim::new(ClusterConfig::default());
    let mut console = Console::new();
    console.run_line(&mut sim, "kubectl apply -f all.yaml", &Files2);
    console.run_line(&mut sim, "kubectl apply -f all.yaml", &Files2);
    let mut ran = 0;
    for verb in VERBS {
        for args in ARGS {
            let line = format!("kubectl {verb} {args}");
            let snapshot = sim.snapshot();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut console = console.clone();
                let out = console.run_line(&mut sim, &line, &Files2);
                console.run_line(&mut sim, "advance 10s", &Files2);
                out
            }));
            assert!(result.is_ok(), "`{line}` panicked");
            let out = result.unwrap_or_default();
            assert!(out.status == 0 || !out.stderr.is_empty(), "`{line}` failed without saying why");
            sim.restore(&snapshot);
            ran += 1;
        }
    }
    assert_eq!(ran, VERBS.len() * ARGS.len());
    // The cluster still works afterwards.
    let out = console.run_line(&mut sim, "kubectl get deploy web -o name", &Files2);
    assert_eq!(out.stdout, "deployment.apps/web\n");
}
