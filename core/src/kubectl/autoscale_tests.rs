use crate::api::{Kind, Object};
use crate::kubectl::test_support::{create, kubectl, outcome, sim};
use crate::store::ObjectRef;
use crate::time::SimDuration;

use super::input::go_shortest_g;
use super::CPU_PERCENT_DEPRECATED;

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports: [{containerPort: 80}]
        resources: {limits: {cpu: 500m}, requests: {cpu: 200m}}
"#;

fn hpa_spec(sim: &crate::sim::Sim, name: &str) -> serde_json::Value {
    let key = ObjectRef::new(Kind::HorizontalPodAutoscaler, Some("default"), name);
    sim.get(&key).expect("the HPA exists").to_value()["spec"].clone()
}

fn notice() -> String {
    format!("{CPU_PERCENT_DEPRECATED}\n")
}

#[test]
fn flag_and_target_errors_are_kubectls() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    create(&mut s, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec: {containers: [{name: c, image: nginx}]}\n");
    create(&mut s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default}\n");
    let no_notice = String::new();
    let cases: &[(&str, &str, &String)] = &[
        ("autoscale deployment web", "error: required flag(s) \"max\" not set", &no_notice),
        ("autoscale deployment web --cpu-percent=50", "error: required flag(s) \"max\" not set", &notice()),
        ("autoscale deployment web --max=0", "error: --max=MAXPODS is required and must be at least 1, max: 0", &no_notice),
        ("autoscale deployment web --min=5 --max=3", "error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 3, min: 5", &no_notice),
        ("autoscale deployment web --max=x", "error: invalid argument \"x\" for \"--max\" flag: strconv.ParseInt: parsing \"x\": invalid syntax", &no_notice),
        ("autoscale deployment web --max 99999999999", "error: invalid argument \"99999999999\" for \"--max\" flag: strconv.ParseInt: parsing \"99999999999\": value out of range", &no_notice),
        ("autoscale deployment web --max", "error: flag needs an argument: --max\nSee 'kubectl --help' for usage.", &no_notice),
        ("autoscale deployment web --max=3 --cpu-percent=50 --cpu=50%", "error: --cpu-percent and --cpu are mutually exclusive", &notice()),
        ("autoscale deployment web --max=3 --cpu=abc", "error: invalid resource cpu value: abc", &no_notice),
        ("autoscale deployment web --max=3 --memory=-5%", "error: invalid percentage value: -5", &no_notice),
        ("autoscale deployment web --max=3 --dry-run=maybe", "error: Invalid dry-run value (maybe). Must be \"none\", \"server\", or \"client\".", &no_notice),
        ("autoscale --max=3", crate::kubectl::expose::MISSING_RESOURCE, &no_notice),
        ("autoscale deployment --max=3", "error: resource(s) were provided, but no name was specified", &no_notice),
        ("autoscale frob web --max=3", "error: the server doesn't have a resource type \"frob\"", &no_notice),
        ("autoscale deployment nope --max=3", "Error from server (NotFound): deployments.apps \"nope\" not found", &no_notice),
        ("autoscale pod p --max=3", "error: cannot autoscale a Pod: could not find scale subresource for /v1, Resource=pods in discovery information", &no_notice),
        ("autoscale cm/cm --max=3", "error: cannot autoscale a ConfigMap: could not find scale subresource for /v1, Resource=configmaps in discovery information", &no_notice),
    ];
    for (line, want, before) in cases {
        let out = kubectl(&mut s, line);
        assert_eq!(outcome(&out), ("", format!("{before}{want}\n").as_str(), 1), "{line}");
    }
    assert!(s.get(&ObjectRef::new(Kind::HorizontalPodAutoscaler, Some("default"), "web")).is_none());
}

#[test]
fn an_existing_hpa_fails_as_kubectl_1_34_reports_it() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    let out = kubectl(&mut s, "autoscale deployment web --max=3");
    assert_eq!(outcome(&out), ("horizontalpodautoscaler.autoscaling/web autoscaled\n", "", 0));
    let cases = [
        // The v1 fallback's check parses the empty --cpu.
        ("autoscale deployment web --max=3", "error: failed to create autoscaling/v2 HPA and the configuration is incompatible with autoscaling/v1: empty input"),
        // A utilization target can be sent as v1: the server's answer to that create.
        ("autoscale deployment web --max=3 --cpu=50%", "Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling \"web\" already exists"),
        // An average value cannot: Go's %w of a nil error.
        ("autoscale deployment web --max=3 --cpu=500m", "error: failed to create autoscaling/v2 HPA and the configuration is incompatible with autoscaling/v1: %!w(<nil>)"),
    ];
    for (line, want) in cases {
        assert_eq!(outcome(&kubectl(&mut s, line)), ("", format!("{want}\n").as_str(), 1), "{line}");
    }
}

#[test]
fn the_hpa_is_autoscaling_v2_with_one_metric_per_target() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    let out = kubectl(&mut s, "autoscale deployment web --cpu=500m --memory=200 --min=2 --max=5 --name=web-hpa");
    assert_eq!(outcome(&out), ("horizontalpodautoscaler.autoscaling/web-hpa autoscaled\n", "", 0));
    assert_eq!(
        hpa_spec(&s, "web-hpa"),
        serde_json::json!({
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 5,
            "metrics": [
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "500m"}}},
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "200Mi"}}}
            ]
        })
    );
    assert_eq!(s.actions().last().unwrap().summary, "kubectl autoscale deployment web --cpu=500m --max=5 --memory=200 --min=2");
    // No target: the server's default (cpu at 80 %) and minReplicas 1.
    assert_eq!(outcome(&kubectl(&mut s, "autoscale deploy/web --max=4 --min=0")), ("horizontalpodautoscaler.autoscaling/web autoscaled\n", "", 0));
    let spec = hpa_spec(&s, "web");
    assert_eq!(spec["minReplicas"], 1);
    assert_eq!(spec["metrics"], serde_json::json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]));
}

#[test]
fn dry_runs_write_nothing() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    assert_eq!(outcome(&kubectl(&mut s, "autoscale deployment web --max=3 --dry-run=client")), ("horizontalpodautoscaler.autoscaling/web created (dry run)\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "autoscale deployment web --max=3 --dry-run=server")), ("horizontalpodautoscaler.autoscaling/web autoscaled (server dry run)\n", "", 0));
    assert!(s.get(&ObjectRef::new(Kind::HorizontalPodAutoscaler, Some("default"), "web")).is_none());
}

#[test]
fn bare_numbers_are_read_as_go_prints_them() {
    let cases = [(500.0, "500"), (0.5, "0.5"), (1e3, "1000"), (1e6, "1e+06"), (1.5e-5, "1.5e-05"), (0.0001, "0.0001"), (123456.0, "123456")];
    for (f, want) in cases {
        assert_eq!(go_shortest_g(f), want, "{f}");
    }
    assert_eq!(super::parse_resource_input("0.5", "cpu"), Ok(super::Target::AverageValue(crate::api::quantity::Quantity::parse("500u").unwrap())));
    assert_eq!(super::parse_resource_input("70%", "cpu"), Ok(super::Target::Utilization(70)));
}

#[test]
fn an_autoscaled_deployment_scales_under_load() {
    let mut s = sim();
    crate::kubectl::test_support::create(&mut s, DEPLOYMENT);
    s.advance(SimDuration::from_secs(20));
    let out = kubectl(&mut s, "autoscale deployment web --cpu-percent=50 --min=1 --max=10");
    assert_eq!(outcome(&out), ("horizontalpodautoscaler.autoscaling/web autoscaled\n", notice().as_str(), 0));
    assert_eq!(
        kubectl(&mut s, "get hpa").stdout,
        "NAME   REFERENCE        TARGETS              MINPODS   MAXPODS   REPLICAS   AGE\nweb    Deployment/web   cpu: <unknown>/50%   1         10        0          0s\n"
    );
    crate::console::run_line(&mut s, "load deployment/web 300", &crate::kubectl::NoFiles);
    s.advance(SimDuration::from_secs(120));
    let Some(Object::Deployment(d)) = s.get(&ObjectRef::new(Kind::Deployment, Some("default"), "web")) else { panic!("no deployment") };
    assert_eq!(d.spec.replicas, Some(10));
    let table = kubectl(&mut s, "get hpa").stdout;
    assert!(table.lines().nth(1).is_some_and(|l| l.contains("cpu: 150%/50%") && l.contains(" 10 ")), "{table}");
}

#[test]
fn a_file_names_the_target_without_reading_it_from_the_server() {
    use crate::controllers::storage_test_support::Manifests;
    let mut s = sim();
    let files = Manifests([("web.yaml".to_string(), DEPLOYMENT.to_string())].into());
    let out = crate::kubectl::run_line(&mut s, "kubectl autoscale -f web.yaml --max=3", &files);
    assert_eq!(outcome(&out), ("horizontalpodautoscaler.autoscaling/web autoscaled\n", "", 0));
    assert_eq!(hpa_spec(&s, "web")["scaleTargetRef"], serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}));
    let out = crate::kubectl::run_line(&mut s, "kubectl autoscale -f web.yaml --max=3 -n shop", &files);
    let want = "error: the namespace from the provided object \"default\" does not match the namespace \"shop\". You must pass '--namespace=default' to perform this operation.\n";
    assert_eq!(outcome(&out), ("", want, 1));
}
