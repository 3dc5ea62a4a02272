use crate::api::{Kind, Object};
use crate::kubectl::test_support::{create, kubectl, outcome, sim};
use crate::store::ObjectRef;

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, labels: {app: web, tier: front}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}]}]
"#;

fn service_json(sim: &crate::sim::Sim, name: &str) -> serde_json::Value {
    let key = ObjectRef::new(Kind::Service, Some("default"), name);
    let mut v = sim.get(&key).expect("service exists").to_value();
    v["metadata"].as_object_mut().unwrap().retain(|k, _| k == "name" || k == "labels");
    v["spec"].as_object_mut().unwrap().retain(|k, _| ["selector", "ports", "type", "clusterIP"].contains(&k.as_str()));
    v
}

#[test]
fn exposes_a_deployment_with_its_selector_port_and_labels() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    let out = kubectl(&mut s, "expose deployment web");
    assert_eq!(outcome(&out), ("service/web exposed\n", "", 0));
    let mut v = service_json(&s, "web");
    let ip: std::net::Ipv4Addr = v["spec"]["clusterIP"].as_str().unwrap().parse().unwrap();
    assert!(ip >= std::net::Ipv4Addr::new(10, 96, 1, 1) && ip <= std::net::Ipv4Addr::new(10, 111, 255, 254), "{ip}");
    v["spec"].as_object_mut().unwrap().remove("clusterIP");
    assert_eq!(
        v,
        serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                "type": "ClusterIP"
            }
        })
    );
    let summary = &s.actions().last().unwrap().summary;
    assert_eq!(summary, "kubectl expose deployment web");
}

#[test]
fn flags_override_name_ports_type_and_labels() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    let out = kubectl(&mut s, "expose deploy/web --port=8080 --target-port=http --name=web-np --type=NodePort -l team=a");
    assert_eq!(outcome(&out), ("service/web-np exposed\n", "", 0));
    let v = service_json(&s, "web-np");
    assert_eq!(v["metadata"]["labels"], serde_json::json!({"team": "a"}));
    let node_port = v["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    assert!((30086..=32767).contains(&node_port), "{node_port}");
    assert_eq!(v["spec"]["ports"], serde_json::json!([{"port": 8080, "protocol": "TCP", "targetPort": "http", "nodePort": node_port}]));
    assert_eq!(v["spec"]["type"], "NodePort");
}

#[test]
fn several_ports_are_named_and_keep_their_protocols() {
    let mut s = sim();
    create(
        &mut s,
        r#"
apiVersion: v1
kind: Pod
metadata: {name: dns, namespace: default, labels: {app: dns}}
spec:
  containers:
  - name: coredns
    image: coredns
    ports: [{containerPort: 53, protocol: UDP}, {containerPort: 9153}]
"#,
    );
    assert_eq!(outcome(&kubectl(&mut s, "expose pod dns")), ("service/dns exposed\n", "", 0));
    assert_eq!(
        service_json(&s, "dns")["spec"]["ports"],
        serde_json::json!([
            {"name": "port-1", "port": 53, "protocol": "UDP", "targetPort": 53},
            {"name": "port-2", "port": 9153, "protocol": "TCP", "targetPort": 9153}
        ])
    );
}

#[test]
fn errors_are_kubectls() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    create(
        &mut s,
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: expr, namespace: default}
spec:
  selector:
    matchLabels: {app: expr}
    matchExpressions: [{key: tier, operator: In, values: [a, b]}]
  template:
    metadata: {labels: {app: expr, tier: a}}
    spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
"#,
    );
    create(&mut s, "apiVersion: v1\nkind: Pod\nmetadata: {name: bare, namespace: default}\nspec: {containers: [{name: c, image: nginx}]}\n");
    create(&mut s, "apiVersion: v1\nkind: Pod\nmetadata: {name: noport, namespace: default, labels: {a: b}}\nspec: {containers: [{name: c, image: nginx}]}\n");
    create(&mut s, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: default}\n");
    let cases: &[(&str, &str)] = &[
        ("expose", crate::kubectl::expose::MISSING_RESOURCE),
        ("expose deployment", "error: resource(s) were provided, but no name was specified"),
        ("expose deployment nope", "Error from server (NotFound): deployments.apps \"nope\" not found"),
        ("expose frob web", "error: the server doesn't have a resource type \"frob\""),
        ("expose configmap cm", "error: cannot expose a ConfigMap"),
        (
            "expose deployment expr",
            "error: couldn't retrieve selectors via --selector flag or introspection: couldn't convert expressions - \"[{Key:tier Operator:In Values:[a b]}]\" to map-based selector format\nSee 'kubectl expose -h' for help and examples",
        ),
        ("expose pod bare", "error: couldn't retrieve selectors via --selector flag or introspection: the pod has no labels and cannot be exposed\nSee 'kubectl expose -h' for help and examples"),
        ("expose pod noport", "error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples"),
        ("expose deployment web --port=http", "error: strconv.Atoi: parsing \"http\": invalid syntax"),
        ("expose deployment web --selector=app", "error: unexpected label spec: app"),
        ("expose deployment web --labels==x", "error: unexpected empty label key"),
    ];
    for (line, want) in cases {
        let out = kubectl(&mut s, line);
        assert_eq!(outcome(&out), ("", format!("{want}\n").as_str(), 1), "{line}");
    }
    assert_eq!(outcome(&kubectl(&mut s, "expose deployment web")).0, "service/web exposed\n");
    let again = kubectl(&mut s, "expose deployment web");
    assert_eq!(outcome(&again), ("", "Error from server (AlreadyExists): services \"web\" already exists\n", 1));
}

#[test]
fn a_service_is_exposed_with_its_own_selector_and_ports() {
    let mut s = sim();
    create(
        &mut s,
        "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: default}\nspec: {selector: {app: api}, ports: [{port: 443, targetPort: 8443}]}\n",
    );
    let out = kubectl(&mut s, "expose svc api --name=api-headless --cluster-ip=None");
    assert_eq!(outcome(&out), ("service/api-headless exposed\n", "", 0));
    let v = service_json(&s, "api-headless");
    assert_eq!(v["spec"]["selector"], serde_json::json!({"app": "api"}));
    assert_eq!(v["spec"]["clusterIP"], "None");
    assert_eq!(v["spec"]["ports"], serde_json::json!([{"port": 443, "protocol": "TCP", "targetPort": 443}]));
    assert!(matches!(s.get(&ObjectRef::new(Kind::Service, Some("default"), "api")), Some(Object::Service(_))));
}

#[test]
fn dry_runs_write_nothing() {
    let mut s = sim();
    create(&mut s, DEPLOYMENT);
    assert_eq!(outcome(&kubectl(&mut s, "expose deployment web --dry-run=client")), ("service/web exposed (dry run)\n", "", 0));
    assert_eq!(outcome(&kubectl(&mut s, "expose deployment web --dry-run=server")), ("service/web exposed (server dry run)\n", "", 0));
    assert!(s.get(&ObjectRef::new(Kind::Service, Some("default"), "web")).is_none());
}
