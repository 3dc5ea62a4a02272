use super::*;

/// `Ok(kind)` when the document decodes, else the expected reason and the exact message.
enum Expect {
    Decoded(Kind),
    Refused(DecodeFailure, &'static str),
}
use Expect::*;

fn check(yaml: &str, expect: Expect) {
    let doc: Value = serde_norway::from_str(yaml).expect("test YAML parses");
    let got = decode_detailed(&doc, "test.yaml");
    match (got, expect) {
        (Ok(obj), Decoded(kind)) => assert_eq!(obj.kind(), kind, "{yaml}"),
        (Err(e), Refused(failure, message)) => {
            assert_eq!(e.diagnostic.message, message, "{yaml}");
            assert_eq!(e.failure, failure, "{yaml}");
        }
        (Ok(obj), Refused(_, message)) => panic!("decoded {:?}, wanted refusal {message}\n{yaml}", obj.kind()),
        (Err(e), Decoded(_)) => panic!("refused: {}\n{yaml}", e.diagnostic.message),
    }
}

const PREFIX: &str = "Error from server (BadRequest): error when creating \"test.yaml\": ";

#[test]
fn decodes_and_refuses_like_the_api_server() {
    let cases: Vec<(&str, Expect)> = vec![
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}", Decoded(Kind::Pod)),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, creationTimestamp: null}\nspec: {replicas: 2}", Decoded(Kind::Deployment)),
        ("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80, targetPort: http}]}", Decoded(Kind::Service)),
        // Quantities may be written as numbers.
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i, resources: {limits: {cpu: 1, memory: 0.5}}}]}", Decoded(Kind::Pod)),
        ("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: aGVsbG8=}", Decoded(Kind::Secret)),
        ("apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, targetCPUUtilizationPercentage: 50}", Decoded(Kind::HorizontalPodAutoscaler)),
        (
            "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c}",
            Refused(DecodeFailure::UnknownKind, "resource mapping not found for name: \"c\" namespace: \"\" from \"test.yaml\": no matches for kind \"CronJob\" in version \"batch/v1beta1\"\nensure CRDs are installed first"),
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: dev}",
            Refused(DecodeFailure::UnknownKind, "resource mapping not found for name: \"r\" namespace: \"dev\" from \"test.yaml\": no matches for kind \"Role\" in version \"rbac.authorization.k8s.io/v1\"\nensure CRDs are installed first"),
        ),
        (
            "kind: Pod\nmetadata: {name: p}",
            Refused(DecodeFailure::MissingTypeMeta, "error validating \"test.yaml\": error validating data: apiVersion not set; if you choose to ignore these errors, turn validation off with --validate=false"),
        ),
        (
            "metadata: {name: p}",
            Refused(DecodeFailure::MissingTypeMeta, "error validating \"test.yaml\": error validating data: [apiVersion not set, kind not set]; if you choose to ignore these errors, turn validation off with --validate=false"),
        ),
        (
            "- just a list",
            Refused(DecodeFailure::NotAnObject, "unable to decode \"test.yaml\": json: cannot unmarshal array into Go value of type map[string]interface {}"),
        ),
    ];
    for (yaml, expect) in cases {
        check(yaml, expect);
    }
}

#[test]
fn strict_decoding_names_every_unknown_field() {
    let cases: Vec<(&str, &str)> = vec![
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: i\n        imagePullPolcy: Always",
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolcy\"",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labelz: {a: b}}\nspec: {containers: [{name: c, image: i}], replica: 2}\nextra: 1",
            "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"extra\", unknown field \"metadata.labelz\", unknown field \"spec.replica\"",
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}, {port: 81, targetport: 8081}]}",
            "Service in version \"v1\" cannot be handled as a Service: strict decoding error: unknown field \"spec.ports[1].targetport\"",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nspec: {a: b}",
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"spec\"",
        ),
        (
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, metrics: []}",
            "HorizontalPodAutoscaler in version \"v1\" cannot be handled as a HorizontalPodAutoscaler: strict decoding error: unknown field \"spec.metrics\"",
        ),
        // A null value is "not set", never an unknown field.
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nnotAField: null\nbogus: 1",
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"bogus\"",
        ),
    ];
    for (yaml, detail) in cases {
        let message: &'static str = Box::leak(format!("{PREFIX}{detail}").into_boxed_str());
        check(yaml, Refused(DecodeFailure::UnknownField, message));
    }
}

#[test]
fn type_errors_use_go_wording() {
    let cases: Vec<(&str, &str)> = vec![
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: three}",
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        env: [{name: PORT, value: 8080}]",
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {version: 1}}",
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: {name: c}}",
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {strategy: Recreate}",
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.strategy of type v1.DeploymentStrategy",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1.5}",
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: \"80\"}]}",
            "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32",
        ),
        (
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: not-base64}",
            "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: true",
            "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal bool into Go struct field Pod.spec of type v1.PodSpec",
        ),
    ];
    for (yaml, detail) in cases {
        let message: &'static str = Box::leak(format!("{PREFIX}{detail}").into_boxed_str());
        check(yaml, Refused(DecodeFailure::BadValue, message));
    }
}

#[test]
fn hpa_v1_becomes_v2() {
    let doc: Value = serde_norway::from_str(
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60}",
    )
    .unwrap();
    let Object::HorizontalPodAutoscaler(hpa) = decode(&doc, "h.yaml").unwrap() else { panic!("not an HPA") };
    assert_eq!(hpa.spec.min_replicas, Some(2));
    assert_eq!(hpa.spec.max_replicas, 5);
    assert_eq!(hpa.spec.scale_target_ref.name, "d");
    let metrics = hpa.spec.metrics.unwrap();
    let resource = metrics[0].resource.as_ref().unwrap();
    assert_eq!((metrics[0].type_.as_str(), resource.name.as_str()), ("Resource", "cpu"));
    assert_eq!(resource.target.type_, "Utilization");
    assert_eq!(resource.target.average_utilization, Some(60));
}
