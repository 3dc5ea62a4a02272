//! Scenario tests: drive a `Sim` through user actions and time, and assert on what the store
//! holds and on the event chain afterwards.

use fishbowl_core::api::{Kind, Object};
use fishbowl_core::sim::chain::{chain_of, ChainNode};
use fishbowl_core::sim::Propagation;
use fishbowl_core::store::{Cause, Component, ObjectRef};
use fishbowl_core::time::SimDuration;
use fishbowl_core::{ApplyOutcome, ApplyReport, ClusterConfig, Settled, Sim};

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.25\n";

fn lines(r: &ApplyReport) -> Vec<String> {
    r.outcomes.iter().map(ApplyOutcome::to_kubectl_line).collect()
}

fn sim() -> Sim {
    Sim::new(ClusterConfig::default())
}

#[test]
fn apply_reports_created_unchanged_configured() {
    let mut sim = sim();
    assert_eq!(lines(&sim.apply("web.yaml", DEPLOY)), ["deployment.apps/web created"]);
    assert_eq!(lines(&sim.apply("web.yaml", DEPLOY)), ["deployment.apps/web unchanged"]);
    let changed = DEPLOY.replace("replicas: 3", "replicas: 5");
    assert_eq!(lines(&sim.apply("web.yaml", &changed)), ["deployment.apps/web configured"]);
    let key = ObjectRef::new(Kind::Deployment, Some("default"), "web");
    let Some(Object::Deployment(d)) = sim.get(&key) else { panic!("deployment stored") };
    assert_eq!(d.spec.replicas, Some(5));
    assert_eq!(d.metadata.generation, Some(2), "a spec change bumps the generation");
    let annotations = d.metadata.annotations.as_ref().unwrap();
    assert!(annotations["kubectl.kubernetes.io/last-applied-configuration"].contains("\"replicas\":5"));
}

#[test]
fn apply_three_way_merge_drops_removed_fields_and_keeps_others() {
    let mut sim = sim();
    let with_labels = DEPLOY.replace("  name: web\n", "  name: web\n  labels: {tier: front, team: a}\n");
    sim.apply("web.yaml", &with_labels);
    let without_team = DEPLOY.replace("  name: web\n", "  name: web\n  labels: {tier: front}\n");
    assert_eq!(lines(&sim.apply("web.yaml", &without_team)), ["deployment.apps/web configured"]);
    let key = ObjectRef::new(Kind::Deployment, Some("default"), "web");
    let labels = sim.get(&key).unwrap().labels().cloned().unwrap();
    assert_eq!(labels.keys().collect::<Vec<_>>(), ["tier"]);
}

#[test]
fn unknown_kind_is_refused_and_others_still_apply() {
    let mut sim = sim();
    let text = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: old}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n";
    let before = sim.store().resource_version();
    let out = lines(&sim.apply("cron.yaml", text));
    assert!(out[0].contains("no matches for kind \"CronJob\" in version \"batch/v1beta1\""), "{}", out[0]);
    assert_eq!(out[1], "configmap/cfg created");
    assert_eq!(sim.store().resource_version(), before + 1, "only the ConfigMap was written");
}

#[test]
fn broken_yaml_reports_a_line_and_writes_nothing() {
    let mut sim = sim();
    let before = sim.store().resource_version();
    let r = sim.apply("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n");
    match &r.outcomes[0] {
        ApplyOutcome::Refused { line, diagnostic } => {
            assert!(line.is_some());
            assert!(diagnostic.message.starts_with("error parsing bad.yaml: error converting YAML to JSON"), "{}", diagnostic.message);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(sim.store().resource_version(), before);
}

#[test]
fn missing_namespace_is_not_found() {
    let mut sim = sim();
    let r = sim.apply("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n");
    assert_eq!(lines(&r), ["Error from server (NotFound): error when creating \"cm.yaml\": namespaces \"shop\" not found"]);
}

#[test]
fn generate_name_uses_the_real_suffix_alphabet() {
    let mut sim = sim();
    let r = sim.apply("p.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: cfg-}\n");
    // kubectl apply requires a name; generateName is for create.
    assert!(!r.ok());
    let cm: Object = serde_json::from_str::<serde_json::Value>(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"cfg-","namespace":"default"}}"#)
        .map(|v| Object::from_value(Kind::ConfigMap, v).unwrap())
        .unwrap();
    let created = sim.api().create(cm, &Component::new("test"), Cause::Bootstrap).unwrap();
    let name = created.name();
    assert_eq!(name.len(), "cfg-".len() + 5);
    assert!(name[4..].bytes().all(|c| b"bcdfghjklmnpqrstvwxz2456789".contains(&c)), "{name}");
}

#[test]
fn deleting_a_namespace_deletes_its_contents() {
    let mut sim = sim();
    sim.apply("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n");
    let ns = ObjectRef::new(Kind::Namespace, None, "shop");
    let action = sim.begin_action("kubectl delete namespace shop");
    sim.api().delete(&ns, Propagation::Background, &Component::new("kubectl"), Cause::Action(action)).unwrap();
    sim.after_action();
    // Terminating until the namespace controller has emptied it.
    assert!(sim.get(&ns).unwrap().metadata().deletion_timestamp.is_some());
    let settled = sim.settle(100);
    assert!(matches!(settled, Settled::Quiescent { .. }), "{settled:?}");
    assert!(sim.get(&ns).is_none());
    assert_eq!(sim.store().list(Kind::ConfigMap, Some("shop")).count(), 0);
    // The chain runs from the delete to the namespace controller's deletions.
    let chain = chain_of(sim.store(), action, "kubectl delete namespace shop", sim.now());
    let writers: Vec<&str> = chain
        .nodes
        .iter()
        .filter_map(|n| match n {
            ChainNode::Write { by, .. } => Some(by.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(writers.first(), Some(&"kubectl"));
    assert!(writers.iter().filter(|w| **w == "namespace-controller").count() >= 3, "{writers:?}");
    // Creating into a terminating namespace is forbidden (checked on a fresh one).
}

#[test]
fn snapshot_and_restore_go_back_in_time() {
    let mut sim = sim();
    let snap = sim.snapshot();
    sim.apply("web.yaml", DEPLOY);
    sim.advance(SimDuration::from_secs(30));
    sim.restore(&snap);
    assert_eq!(sim.now(), snap.at());
    assert!(sim.get(&ObjectRef::new(Kind::Deployment, Some("default"), "web")).is_none());
    // Replaying the same input after a restore gives the same result as the first time.
    let mut fresh = Sim::new(ClusterConfig::default());
    fresh.apply("web.yaml", DEPLOY);
    sim.apply("web.yaml", DEPLOY);
    let uid = |s: &Sim| s.get(&ObjectRef::new(Kind::Deployment, Some("default"), "web")).unwrap().metadata().uid.clone();
    assert_eq!(uid(&sim), uid(&fresh));
}
