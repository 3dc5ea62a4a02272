use serde_json::Value;

use super::*;
use crate::api::decode::decode;

/// Defaults `yaml`, then checks each JSON pointer: `Some(json)` must equal, `None` must be absent.
fn check(yaml: &str, expect: &[(&str, Option<&str>)]) {
    let doc: Value = serde_norway::from_str(yaml).expect("test YAML parses");
    let mut obj = decode(&doc, "t.yaml").unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
    apply_defaults(&mut obj);
    let once = obj.clone();
    apply_defaults(&mut obj);
    assert_eq!(once, obj, "defaulting is idempotent\n{yaml}");
    let out = obj.to_value();
    for (pointer, want) in expect {
        let got = out.pointer(pointer);
        match want {
            Some(text) => {
                let want: Value = serde_json::from_str(text).expect("expected value is JSON");
                assert_eq!(got, Some(&want), "{pointer}\n{yaml}\n{out:#}");
            }
            None => assert_eq!(got, None, "{pointer} should be unset\n{yaml}\n{out:#}"),
        }
    }
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.25\n";

#[test]
fn pod_defaults() {
    check(
        POD,
        &[
            ("/spec/restartPolicy", Some(r#""Always""#)),
            ("/spec/dnsPolicy", Some(r#""ClusterFirst""#)),
            ("/spec/terminationGracePeriodSeconds", Some("30")),
            ("/spec/schedulerName", Some(r#""default-scheduler""#)),
            ("/spec/securityContext", Some("{}")),
            ("/spec/enableServiceLinks", Some("true")),
            ("/spec/serviceAccountName", Some(r#""default""#)),
            ("/spec/priority", Some("0")),
            ("/spec/tolerations/0/key", Some(r#""node.kubernetes.io/not-ready""#)),
            ("/spec/tolerations/1/tolerationSeconds", Some("300")),
            ("/spec/tolerations/2", None),
            ("/spec/containers/0/imagePullPolicy", Some(r#""IfNotPresent""#)),
            ("/spec/containers/0/terminationMessagePath", Some(r#""/dev/termination-log""#)),
            ("/spec/containers/0/terminationMessagePolicy", Some(r#""File""#)),
            ("/spec/containers/0/resources", None),
            ("/spec/hostNetwork", None),
        ],
    );
    check(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Never\n  serviceAccountName: robot\n  containers:\n  - name: a\n    image: nginx\n    ports: [{containerPort: 80}]\n    resources: {limits: {cpu: 500m}, requests: {memory: 1Gi}}\n    livenessProbe: {httpGet: {port: 80}}\n  - name: b\n    image: nginx:latest\n    imagePullPolicy: Never\n  - name: c\n    image: nginx@sha256:abc\n  volumes:\n  - name: v\n  - name: s\n    secret: {secretName: x}\n",
        &[
            ("/spec/restartPolicy", Some(r#""Never""#)),
            ("/spec/serviceAccountName", Some(r#""robot""#)),
            ("/spec/containers/0/imagePullPolicy", Some(r#""Always""#)),
            ("/spec/containers/0/ports/0/protocol", Some(r#""TCP""#)),
            ("/spec/containers/0/resources/requests", Some(r#"{"cpu":"500m","memory":"1Gi"}"#)),
            ("/spec/containers/0/livenessProbe/timeoutSeconds", Some("1")),
            ("/spec/containers/0/livenessProbe/periodSeconds", Some("10")),
            ("/spec/containers/0/livenessProbe/successThreshold", Some("1")),
            ("/spec/containers/0/livenessProbe/failureThreshold", Some("3")),
            ("/spec/containers/0/livenessProbe/initialDelaySeconds", None),
            ("/spec/containers/0/livenessProbe/httpGet/path", Some(r#""/""#)),
            ("/spec/containers/0/livenessProbe/httpGet/scheme", Some(r#""HTTP""#)),
            ("/spec/containers/1/imagePullPolicy", Some(r#""Never""#)),
            ("/spec/containers/2/imagePullPolicy", Some(r#""IfNotPresent""#)),
            ("/spec/volumes/0/emptyDir", Some("{}")),
            ("/spec/volumes/1/secret/defaultMode", Some("420")),
            ("/spec/volumes/1/emptyDir", None),
        ],
    );
}

#[test]
fn image_tags() {
    let cases = [
        ("nginx", "latest"),
        ("nginx:1.25", "1.25"),
        ("nginx:latest", "latest"),
        ("localhost:5000/nginx", "latest"),
        ("localhost:5000/nginx:v2", "v2"),
        ("nginx@sha256:abcd", ""),
        ("nginx:1.0@sha256:abcd", "1.0"),
        ("", ""),
    ];
    for (image, tag) in cases {
        assert_eq!(pod::image_tag(image), tag, "{image}");
    }
}

#[test]
fn workload_defaults() {
    let template = "  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i}]}\n";
    let deploy = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d}}\nspec:\n{template}");
    check(
        &deploy,
        &[
            ("/spec/replicas", Some("1")),
            ("/spec/strategy", Some(r#"{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}"#)),
            ("/spec/revisionHistoryLimit", Some("10")),
            ("/spec/progressDeadlineSeconds", Some("600")),
            ("/spec/template/spec/restartPolicy", Some(r#""Always""#)),
            ("/spec/template/spec/containers/0/imagePullPolicy", Some(r#""Always""#)),
            ("/spec/template/spec/enableServiceLinks", None),
            ("/spec/template/spec/serviceAccountName", None),
            ("/metadata/labels", None),
        ],
    );
    check(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {strategy: {type: Recreate}}",
        &[("/spec/strategy", Some(r#"{"type":"Recreate"}"#))],
    );
    check(
        &format!("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: r}}\nspec:\n{template}"),
        &[("/spec/replicas", Some("1")), ("/spec/template/spec/dnsPolicy", Some(r#""ClusterFirst""#))],
    );
    check(
        "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: r}\nspec:\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: i}]}\n",
        &[
            ("/spec/replicas", Some("1")),
            ("/spec/selector", Some(r#"{"app":"a"}"#)),
            ("/metadata/labels", Some(r#"{"app":"a"}"#)),
        ],
    );
    check(
        &format!("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: s}}\nspec:\n{template}  volumeClaimTemplates: [{{metadata: {{name: data}}, spec: {{accessModes: [ReadWriteOnce]}}}}]\n"),
        &[
            ("/spec/replicas", Some("1")),
            ("/spec/podManagementPolicy", Some(r#""OrderedReady""#)),
            ("/spec/updateStrategy", Some(r#"{"type":"RollingUpdate","rollingUpdate":{"partition":0}}"#)),
            ("/spec/revisionHistoryLimit", Some("10")),
            ("/spec/persistentVolumeClaimRetentionPolicy", Some(r#"{"whenDeleted":"Retain","whenScaled":"Retain"}"#)),
            ("/spec/volumeClaimTemplates/0/spec/volumeMode", Some(r#""Filesystem""#)),
        ],
    );
    check(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec: {updateStrategy: {type: OnDelete}}",
        &[("/spec/updateStrategy", Some(r#"{"type":"OnDelete"}"#))],
    );
    check(
        &format!("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: d}}\nspec:\n{template}"),
        &[
            ("/spec/updateStrategy", Some(r#"{"type":"RollingUpdate","rollingUpdate":{"maxSurge":0,"maxUnavailable":1}}"#)),
            ("/spec/revisionHistoryLimit", Some("10")),
            ("/spec/replicas", None),
        ],
    );
}

#[test]
fn batch_defaults() {
    let job_template = "  template:\n    metadata: {labels: {app: j}}\n    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}\n";
    check(
        &format!("apiVersion: batch/v1\nkind: Job\nmetadata: {{name: j}}\nspec:\n{job_template}"),
        &[
            ("/spec/completions", Some("1")),
            ("/spec/parallelism", Some("1")),
            ("/spec/backoffLimit", Some("6")),
            ("/spec/completionMode", Some(r#""NonIndexed""#)),
            ("/spec/suspend", Some("false")),
            ("/spec/podReplacementPolicy", Some(r#""TerminatingOrFailed""#)),
            ("/spec/template/spec/restartPolicy", Some(r#""Never""#)),
            ("/metadata/labels", Some(r#"{"app":"j"}"#)),
        ],
    );
    check(
        &format!("apiVersion: batch/v1\nkind: Job\nmetadata: {{name: j}}\nspec:\n  parallelism: 3\n{job_template}"),
        &[("/spec/completions", None), ("/spec/parallelism", Some("3"))],
    );
    check(
        &format!("apiVersion: batch/v1\nkind: Job\nmetadata: {{name: j}}\nspec:\n  completions: 5\n{job_template}"),
        &[("/spec/completions", Some("5")), ("/spec/parallelism", Some("1"))],
    );
    check(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec: {restartPolicy: OnFailure, containers: [{name: c, image: busybox}]}\n",
        &[
            ("/spec/concurrencyPolicy", Some(r#""Allow""#)),
            ("/spec/suspend", Some("false")),
            ("/spec/successfulJobsHistoryLimit", Some("3")),
            ("/spec/failedJobsHistoryLimit", Some("1")),
            ("/spec/jobTemplate/spec/backoffLimit", None),
            ("/spec/jobTemplate/spec/template/spec/dnsPolicy", Some(r#""ClusterFirst""#)),
        ],
    );
}

#[test]
fn service_and_network_defaults() {
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: a}, ports: [{port: 80}, {port: 443, targetPort: https}]}",
        &[
            ("/spec/type", Some(r#""ClusterIP""#)),
            ("/spec/sessionAffinity", Some(r#""None""#)),
            ("/spec/ports/0/protocol", Some(r#""TCP""#)),
            ("/spec/ports/0/targetPort", Some("80")),
            ("/spec/ports/1/targetPort", Some(r#""https""#)),
            ("/spec/internalTrafficPolicy", Some(r#""Cluster""#)),
            ("/spec/externalTrafficPolicy", None),
            ("/spec/ipFamilies", Some(r#"["IPv4"]"#)),
            ("/spec/ipFamilyPolicy", Some(r#""SingleStack""#)),
        ],
    );
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: NodePort, ports: [{port: 80, protocol: UDP}]}",
        &[("/spec/externalTrafficPolicy", Some(r#""Cluster""#)), ("/spec/ports/0/protocol", Some(r#""UDP""#))],
    );
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer, ports: [{port: 80}]}",
        &[("/spec/allocateLoadBalancerNodePorts", Some("true")), ("/spec/externalTrafficPolicy", Some(r#""Cluster""#))],
    );
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName, externalName: example.com}",
        &[("/spec/ipFamilies", None), ("/spec/internalTrafficPolicy", None)],
    );
    check(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {sessionAffinity: ClientIP, ports: [{port: 80}]}",
        &[("/spec/sessionAffinityConfig/clientIP/timeoutSeconds", Some("10800"))],
    );
    check(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}",
        &[("/spec/policyTypes", Some(r#"["Ingress"]"#)), ("/spec/ingress/0/ports/0/protocol", Some(r#""TCP""#))],
    );
    check(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, egress: [{}]}",
        &[("/spec/policyTypes", Some(r#"["Ingress","Egress"]"#))],
    );
    check(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, policyTypes: [Egress]}",
        &[("/spec/policyTypes", Some(r#"["Egress"]"#))],
    );
    check(
        "apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets: [{addresses: [{ip: 10.0.0.1}], ports: [{port: 80}]}]",
        &[("/subsets/0/ports/0/protocol", Some(r#""TCP""#))],
    );
    check(
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e}\naddressType: IPv4\nendpoints: []\nports: [{port: 80}]",
        &[("/ports/0/protocol", Some(r#""TCP""#)), ("/ports/0/name", Some(r#""""#))],
    );
}

#[test]
fn other_kind_defaults() {
    check(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}",
        &[
            ("/metadata/labels", Some(r#"{"kubernetes.io/metadata.name":"dev"}"#)),
            ("/spec/finalizers", Some(r#"["kubernetes"]"#)),
            ("/status/phase", Some(r#""Active""#)),
        ],
    );
    check("apiVersion: v1\nkind: Secret\nmetadata: {name: s}", &[("/type", Some(r#""Opaque""#))]);
    check(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls",
        &[("/type", Some(r#""kubernetes.io/tls""#))],
    );
    check(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}",
        &[("/spec/volumeMode", Some(r#""Filesystem""#)), ("/status/phase", Some(r#""Pending""#))],
    );
    check(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: v}\nspec: {capacity: {storage: 1Gi}, hostPath: {path: /d}}",
        &[
            ("/spec/persistentVolumeReclaimPolicy", Some(r#""Retain""#)),
            ("/spec/volumeMode", Some(r#""Filesystem""#)),
            ("/status/phase", Some(r#""Pending""#)),
        ],
    );
    check(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: s}\nprovisioner: x",
        &[("/reclaimPolicy", Some(r#""Delete""#)), ("/volumeBindingMode", Some(r#""Immediate""#))],
    );
    check(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 4}",
        &[
            ("/spec/minReplicas", Some("1")),
            ("/spec/metrics", Some(r#"[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]"#)),
            ("/spec/behavior", None),
        ],
    );
    check(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 4, behavior: {scaleDown: {stabilizationWindowSeconds: 60}}}",
        &[
            ("/spec/behavior/scaleDown", Some(r#"{"stabilizationWindowSeconds":60,"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}"#)),
            ("/spec/behavior/scaleUp/stabilizationWindowSeconds", Some("0")),
            ("/spec/behavior/scaleUp/policies/0", Some(r#"{"type":"Pods","value":4,"periodSeconds":15}"#)),
        ],
    );
    check(
        "apiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\nspec: {limits: [{type: Container, max: {cpu: '2'}, min: {memory: 64Mi}}]}",
        &[
            ("/spec/limits/0/default", Some(r#"{"cpu":"2"}"#)),
            ("/spec/limits/0/defaultRequest", Some(r#"{"cpu":"2","memory":"64Mi"}"#)),
        ],
    );
    check(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}",
        &[("/data", None)],
    );
}
