use serde_json::Value;

use super::*;
use crate::api::decode::decode;
use crate::api::defaults::apply_defaults;

/// Decodes and defaults `yaml`, validates it, and compares the printed errors, in order.
fn check(yaml: &str, expect: &[&str]) {
    let doc: Value = serde_norway::from_str(yaml).expect("test YAML parses");
    let mut obj = decode(&doc, "t.yaml").unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
    apply_defaults(&mut obj);
    let got: Vec<String> = validate(&obj).iter().map(ToString::to_string).collect();
    assert_eq!(got, expect, "\n{yaml}");
}

const SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

fn pod(name: &str, containers: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: '{name}'}}\nspec:\n  containers: {containers}\n")
}

fn deployment(extra_spec: &str, template_spec: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n{extra_spec}  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers: [{{name: c, image: nginx}}]\n{template_spec}"
    )
}

#[test]
fn names_and_metadata() {
    let ok = "[{name: c, image: nginx}]";
    check(&pod("web-1", ok), &[]);
    check(&pod("Web_1", ok), &[&format!("metadata.name: Invalid value: \"Web_1\": {SUBDOMAIN}")]);
    check(&pod("", ok), &["metadata.name: Required value: name or generateName is required"]);
    check(&pod(&"a".repeat(254), ok), &[&format!("metadata.name: Invalid value: \"{}\": must be no more than 253 characters", "a".repeat(254))]);
    check("apiVersion: v1\nkind: Namespace\nmetadata: {name: a.b}", &[&format!("metadata.name: Invalid value: \"a.b\": {LABEL}")]);
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: 1web}\nspec: {ports: [{port: 80}]}",
        &[&format!("metadata.name: Invalid value: \"1web\": {DNS1035}")],
    );
    check("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}", &[]);
    check(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {'a/b/c': x, ok: 'bad value'}}",
        &[
            "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
            "metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ],
    );
}

#[test]
fn containers() {
    check(&pod("p", "[]"), &["spec.containers: Required value"]);
    check(&pod("p", "[{image: nginx}]"), &["spec.containers[0].name: Required value"]);
    check(&pod("p", "[{name: c}]"), &["spec.containers[0].image: Required value"]);
    check(&pod("p", "[{name: C, image: i}]"), &[&format!("spec.containers[0].name: Invalid value: \"C\": {LABEL}")]);
    check(&pod("p", "[{name: c, image: i}, {name: c, image: j}]"), &["spec.containers[1].name: Duplicate value: \"c\""]);
    check(
        &pod("p", "[{name: c, image: i, imagePullPolicy: Sometimes}]"),
        &["spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""],
    );
    check(
        &pod("p", "[{name: c, image: i, ports: [{containerPort: 0}, {containerPort: 70000}, {containerPort: 80, protocol: tcp}]}]"),
        &[
            "spec.containers[0].ports[0].containerPort: Required value",
            "spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
            "spec.containers[0].ports[2].protocol: Unsupported value: \"tcp\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
        ],
    );
    check(
        &pod("p", "[{name: c, image: i, ports: [{containerPort: 80, name: http}, {containerPort: 81, name: http}, {containerPort: 82, name: 'Web--'}]}]"),
        &[
            "spec.containers[0].ports[1].name: Duplicate value: \"http\"",
            "spec.containers[0].ports[2].name: Invalid value: \"Web--\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "spec.containers[0].ports[2].name: Invalid value: \"Web--\": must not contain consecutive hyphens",
            "spec.containers[0].ports[2].name: Invalid value: \"Web--\": must not begin or end with a hyphen",
        ],
    );
    check(
        &pod("p", "[{name: c, image: i, volumeMounts: [{name: data, mountPath: /d}]}]"),
        &["spec.containers[0].volumeMounts[0].name: Not found: \"data\""],
    );
    check(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {restartPolicy: Sometimes, containers: [{name: c, image: i}]}",
        &["spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""],
    );
}

#[test]
fn deployments() {
    check(&deployment("", ""), &[]);
    check(&deployment("  replicas: -1\n", ""), &["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]);
    check(
        &deployment("", "      restartPolicy: Never\n"),
        &["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""],
    );
    check(
        &deployment("  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}\n", ""),
        &["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"],
    );
    check(
        &deployment("  strategy: {rollingUpdate: {maxSurge: 'x%', maxUnavailable: '150%'}}\n", ""),
        &[
            "spec.strategy.rollingUpdate.maxSurge: Invalid value: x%: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%",
        ],
    );
    check(
        &deployment("  strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n", ""),
        &["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    );
    check(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: x}}\n    spec: {containers: [{name: c, image: i}]}\n",
        &["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`"],
    );
    check(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: x, tier: y}}\n    spec: {containers: [{name: c, image: i}]}\n",
        &[
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"x\", \"tier\":\"y\"}: `selector` does not match template `labels`",
        ],
    );
    check(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {}}\n  template:\n    spec: {containers: [{name: c, image: i}]}\n",
        &["spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"],
    );
    check(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchExpressions: [{key: tier, operator: In, values: [a, b]}]}\n  template:\n    metadata: {labels: {tier: b}}\n    spec: {containers: [{name: c, image: i}]}\n",
        &[],
    );
}

#[test]
fn other_controllers() {
    let template = "  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i}]}\n";
    check(
        &format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: s}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n{template}"),
        &[],
    );
    check(
        &format!("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: d}}\nspec:\n  selector: {{matchLabels: {{app: b}}}}\n{template}"),
        &["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"a\"}: `selector` does not match template `labels`"],
    );
    check(&format!("apiVersion: v1\nkind: ReplicationController\nmetadata: {{name: r}}\nspec:\n{template}"), &[]);
    check(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec: {containers: [{name: c, image: i}]}\n",
        &["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""],
    );
    check(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  backoffLimit: -1\n  template:\n    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}\n",
        &["spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"],
    );
    check(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: ''\n  concurrencyPolicy: Sometimes\n  jobTemplate:\n    spec:\n      template:\n        spec: {restartPolicy: Always, containers: [{name: c, image: i}]}\n",
        &[
            "spec.schedule: Required value",
            "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\"",
            "spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"",
        ],
    );
}

#[test]
fn services_and_storage() {
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: a}}",
        &["spec.ports: Required value"],
    );
    check("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {clusterIP: None}", &[]);
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}, {port: 81, name: b}, {port: 0, name: b}]}",
        &[
            "spec.ports[0].name: Required value",
            "spec.ports[2].name: Duplicate value: \"b\"",
            "spec.ports[2].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            // targetPort was defaulted from the (bad) port.
            "spec.ports[2].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        ],
    );
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: Balanced, ports: [{port: 80, nodePort: 30080}]}",
        &["spec.type: Unsupported value: \"Balanced\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""],
    );
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80, nodePort: 30080}]}",
        &["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    );
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName}",
        &["spec.externalName: Required value"],
    );
    check(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {scaleTargetRef: {kind: Deployment, name: d}, minReplicas: 5, maxReplicas: 3}",
        &["spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`"],
    );
    check(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: {}",
        &["spec.accessModes: Required value: at least 1 access mode is required", "spec.resources[storage]: Required value"],
    );
    check(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: {accessModes: [ReadWriteSometimes], resources: {requests: {storage: 1Gi}}}",
        &["spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""],
    );
    check(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {'bad key': x, '..x': y, good.key: z}",
        &[
            "data[..x]: Invalid value: \"..x\": must not start with '..'",
            "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ],
    );
    check(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\nstringData: {tls.crt: x}",
        &["data[tls.key]: Required value"],
    );
    check(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n  - http:\n      paths:\n      - {path: api, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}\n      - {path: /, backend: {service: {name: s, port: {number: 80}}}}\n",
        &[
            "spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path",
            "spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified",
        ],
    );
}

#[test]
fn kubectl_messages() {
    let one = [FieldError::required("spec.containers[0].name", "")];
    assert_eq!(
        kubectl_invalid_message(Kind::Pod, "p", &one),
        "The Pod \"p\" is invalid: spec.containers[0].name: Required value"
    );
    let two = [FieldError::required("spec.containers[0].name", ""), FieldError::required("spec.containers[0].image", "")];
    assert_eq!(
        kubectl_invalid_message(Kind::Pod, "p", &two),
        "The Pod \"p\" is invalid: \n* spec.containers[0].name: Required value\n* spec.containers[0].image: Required value"
    );
    assert_eq!(
        server_invalid_message(Kind::Deployment, "web", &two),
        "Deployment.apps \"web\" is invalid: [spec.containers[0].name: Required value, spec.containers[0].image: Required value]"
    );
    assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
}

/// The field paths of the errors of `yaml` (decoded and defaulted), in order.
fn paths(yaml: &str) -> Vec<String> {
    let doc: Value = serde_norway::from_str(yaml).expect("test YAML parses");
    let mut obj = decode(&doc, "t.yaml").unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
    apply_defaults(&mut obj);
    validate(&obj).into_iter().map(|e| e.path).collect()
}

#[test]
fn nested_field_paths() {
    assert_eq!(
        paths(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  terminationGracePeriodSeconds: -1\n  volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]\n  initContainers: [{name: i, image: busybox, env: [{name: ''}, {name: 'a=b'}], ports: [{containerPort: 70000}]}]\n  containers: [{name: c, image: nginx, volumeMounts: [{name: w, mountPath: /x}]}]\n"
        ),
        [
            "spec.volumes[1].name",
            "spec.containers[0].volumeMounts[0].name",
            "spec.initContainers[0].ports[0].containerPort",
            "spec.initContainers[0].env[0].name",
            "spec.initContainers[0].env[1].name",
            "spec.terminationGracePeriodSeconds",
        ]
    );
    assert_eq!(
        paths(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: d}, matchExpressions: [{key: tier, operator: Bad}]}\n  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: x}}\n  template:\n    metadata: {labels: {app: d}, annotations: {'-bad': x}}\n    spec:\n      containers: [{name: c, image: nginx, ports: [{name: Web, containerPort: 80}]}]\n"
        ),
        [
            "spec.selector.matchExpressions[0].operator",
            "spec.template.metadata.labels",
            "spec.template.metadata.annotations",
            "spec.template.spec.containers[0].ports[0].name",
            "spec.updateStrategy.rollingUpdate.maxSurge",
        ]
    );
    assert_eq!(
        paths(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '* * * * *'\n  failedJobsHistoryLimit: -1\n  jobTemplate:\n    spec:\n      completions: -2\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: c}]\n"
        ),
        [
            "spec.jobTemplate.spec.completions",
            "spec.jobTemplate.spec.template.spec.containers[0].image",
            "spec.failedJobsHistoryLimit",
        ]
    );
    assert_eq!(
        paths(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec:\n  podSelector: {matchLabels: {'a/b/c': x}}\n  ingress: [{ports: [{port: 0}]}]\n  egress: [{}, {ports: [{protocol: ICMP}]}]\n  policyTypes: [Sideways]\n"
        ),
        ["spec.podSelector.matchLabels", "spec.ingress[0].ports[0].port", "spec.egress[1].ports[0].protocol", "spec.policyTypes[0]"]
    );
    assert_eq!(
        paths(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {kind: Deployment, name: 'a/b'}\n  maxReplicas: 2\n  metrics: [{type: Pods}, {type: ContainerResource}]\n"
        ),
        ["spec.scaleTargetRef.name", "spec.metrics[0].pods", "spec.metrics[1].containerResource"]
    );
    assert_eq!(
        paths("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: x}\nbinaryData: {'b c': eA==, a: eA==}\n"),
        ["binaryData[b c]", "binaryData[a]"]
    );
    assert_eq!(
        paths("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules: [{host: x}, {host: Bad_Host}]\n"),
        ["spec.rules[1].host"]
    );
}
