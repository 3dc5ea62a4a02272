//! Custom resources end to end: a kind is served only once its CRD is established; objects of
//! it are stored without a controller; deleting the CRD deletes them (waiting for objects that
//! hold finalizers); deleting a namespace deletes the ones in it.

use fishbowl_core::api::{Kind, Object};
use fishbowl_core::sim::chain::{chain_of, ChainNode};
use fishbowl_core::sim::Propagation;
use fishbowl_core::store::{Cause, Component, ObjectRef};
use fishbowl_core::{ApplyOutcome, ClusterConfig, Settled, Sim};

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
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
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              replicas: {type: integer, default: 1}
"#;

fn cron(name: &str, namespace: &str) -> String {
    format!("apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {{cronSpec: '* * * * *'}}\n")
}

fn lines(sim: &mut Sim, source: &str, text: &str) -> Vec<String> {
    sim.apply(source, text).outcomes.iter().map(ApplyOutcome::to_kubectl_line).collect()
}

fn crontab_kind(sim: &Sim) -> Kind {
    sim.store().discovery().lookup("stable.example.com/v1", "CronTab").expect("CronTab is served")
}

fn crd_key() -> ObjectRef {
    ObjectRef::new(Kind::CustomResourceDefinition, None, "crontabs.stable.example.com")
}

#[test]
fn a_custom_kind_lives_and_dies_with_its_crd() {
    let mut sim = Sim::new(ClusterConfig::default());
    let before = sim.store().resource_version();
    let refused = lines(&mut sim, "a.yaml", &cron("a", "default"));
    assert!(refused[0].contains(r#"no matches for kind "CronTab" in version "stable.example.com/v1""#), "{refused:?}");
    assert_eq!(sim.store().resource_version(), before, "a refused document writes nothing");

    assert_eq!(lines(&mut sim, "crd.yaml", CRD), ["customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created"]);
    let Some(Object::CustomResourceDefinition(crd)) = sim.get(&crd_key()) else { panic!("CRD stored") };
    let conditions: Vec<(&str, &str, Option<&str>)> = crd
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .unwrap()
        .iter()
        .map(|c| (c.type_.as_str(), c.status.as_str(), c.reason.as_deref()))
        .collect();
    assert_eq!(conditions, [("NamesAccepted", "True", Some("NoConflicts")), ("Established", "True", Some("InitialNamesAccepted"))]);

    sim.apply("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n");
    sim.settle(100_000);
    let queued_before = sim.pending();
    assert_eq!(lines(&mut sim, "a.yaml", &cron("a", "default")), ["crontab.stable.example.com/a created"]);
    assert_eq!(lines(&mut sim, "b.yaml", &cron("b", "team")), ["crontab.stable.example.com/b created"]);
    let kind = crontab_kind(&sim);
    let Some(Object::Custom(a)) = sim.get(&ObjectRef::new(kind, Some("default"), "a")) else { panic!("CronTab stored") };
    assert_eq!(a.fields["spec"]["replicas"], 1, "the schema's default is applied");
    assert_eq!(a.metadata.generation, Some(1));
    assert_eq!(sim.pending(), queued_before, "no controller reacts to custom resources");

    let action = sim.begin_action("kubectl delete crd crontabs.stable.example.com");
    sim.api().delete(&crd_key(), Propagation::Background, &Component::new("kubectl"), Cause::Action(action)).unwrap();
    sim.after_action();
    assert!(sim.get(&crd_key()).is_none(), "the CRD is gone");
    assert_eq!(sim.store().list(kind, None).count(), 0, "and every CronTab with it");
    assert!(sim.store().discovery().lookup("stable.example.com/v1", "CronTab").is_none());
    let chain = chain_of(sim.store(), action, "kubectl delete crd", sim.now());
    let writers: Vec<&str> = chain
        .nodes
        .iter()
        .filter_map(|n| match n {
            ChainNode::Write { by, .. } => Some(by.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(writers, ["kubectl", "crd-finalizer", "crd-finalizer", "crd-finalizer", "crd-finalizer", "crd-finalizer"], "{writers:?}");
}

#[test]
fn a_crd_waits_for_objects_that_hold_finalizers() {
    let mut sim = Sim::new(ClusterConfig::default());
    sim.apply("crd.yaml", CRD);
    let held = cron("held", "default").replace("namespace: default}", "namespace: default, finalizers: [example.com/hold]}");
    assert_eq!(lines(&mut sim, "held.yaml", &held), ["crontab.stable.example.com/held created"]);
    let kind = crontab_kind(&sim);
    let kubectl = Component::new("kubectl");
    sim.api().delete(&crd_key(), Propagation::Background, &kubectl, Cause::Bootstrap).unwrap();
    let Some(Object::CustomResourceDefinition(crd)) = sim.get(&crd_key()) else { panic!("still there") };
    let terminating = crd.status.as_ref().unwrap().conditions.as_ref().unwrap().iter().find(|c| c.type_ == "Terminating").unwrap();
    assert_eq!(terminating.reason.as_deref(), Some("InstanceDeletionCheck"));
    let refused = lines(&mut sim, "new.yaml", &cron("new", "default"));
    assert_eq!(
        refused,
        ["Error from server (MethodNotAllowed): error when creating \"new.yaml\": create not allowed while custom resource definition is terminating"]
    );
    let key = ObjectRef::new(kind, Some("default"), "held");
    let mut obj = sim.get(&key).unwrap().clone();
    obj.metadata_mut().finalizers = None;
    sim.api().update(obj, &kubectl, Cause::Bootstrap).unwrap();
    assert!(sim.get(&key).is_none());
    assert!(sim.get(&crd_key()).is_none(), "the last object gone, the CRD finishes");
}

#[test]
fn deleting_a_namespace_deletes_its_custom_objects() {
    let mut sim = Sim::new(ClusterConfig::default());
    sim.apply("crd.yaml", CRD);
    sim.apply("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n");
    sim.apply("b.yaml", &cron("b", "team"));
    let kind = crontab_kind(&sim);
    let ns = ObjectRef::new(Kind::Namespace, None, "team");
    sim.api().delete(&ns, Propagation::Background, &Component::new("kubectl"), Cause::Bootstrap).unwrap();
    sim.after_action();
    assert!(matches!(sim.settle(100), Settled::Quiescent { .. }));
    assert!(sim.get(&ns).is_none());
    assert_eq!(sim.store().list(kind, None).count(), 0);
}

/// The corpus's custom kinds (prometheus-operator's ServiceMonitor and PrometheusRule) are
/// refused until their CRDs exist, and apply once they do.
#[test]
fn corpus_custom_kinds_apply_once_their_crds_exist() {
    let dir = match std::env::var_os("FISHBOWL_CORPUS") {
        Some(d) => std::path::PathBuf::from(d),
        None => std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/kubernetes-examples")),
    };
    let hpa = dir.join("AI/vllm-deployment/hpa");
    let files = ["gpu-service-monitor-generic.yaml", "gpu-service-monitor-gke.yaml", "vllm-service-monitor.yaml", "prometheus-rule.yaml"];
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.to_string(), std::fs::read_to_string(hpa.join(f)).unwrap_or_else(|e| panic!("corpus file {f}: {e}"))))
        .collect();
    let mut sim = Sim::new(ClusterConfig::default());
    sim.apply("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring}\n");
    for (f, text) in &texts {
        let out = lines(&mut sim, f, text);
        assert!(out.iter().all(|l| l.contains("ensure CRDs are installed first")), "{f}: {out:?}");
    }
    let crd = |plural: &str, kind: &str| {
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {{name: {plural}.monitoring.coreos.com}}\nspec:\n  group: monitoring.coreos.com\n  scope: Namespaced\n  names: {{plural: {plural}, kind: {kind}}}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}\n"
        )
    };
    let installed = lines(&mut sim, "crds.yaml", &format!("{}---\n{}", crd("servicemonitors", "ServiceMonitor"), crd("prometheusrules", "PrometheusRule")));
    assert_eq!(installed.len(), 2, "{installed:?}");
    for (f, text) in &texts {
        let out = lines(&mut sim, f, text);
        // The generic and the GKE monitor share a name: the second configures the first.
        assert!(!out.is_empty() && out.iter().all(|l| l.ends_with(" created") || l.ends_with(" configured")), "{f}: {out:?}");
    }
}

/// With a `/status` subresource, writes to the main resource cannot set or change `status`;
/// without one, status is an ordinary field (and still pruned to the schema).
#[test]
fn a_status_subresource_keeps_status_out_of_main_resource_writes() {
    let mut sim = Sim::new(ClusterConfig::default());
    let with_status = CRD.replace("    storage: true\n", "    storage: true\n    subresources: {status: {}}\n").replace(
        "              replicas: {type: integer, default: 1}\n",
        "              replicas: {type: integer, default: 1}\n          status:\n            type: object\n            properties:\n              active: {type: integer}\n",
    );
    assert_eq!(lines(&mut sim, "crd.yaml", &with_status).len(), 1);
    let doc = cron("a", "default") + "status: {active: 3}\n";
    assert_eq!(lines(&mut sim, "a.yaml", &doc), ["crontab.stable.example.com/a created"]);
    let kind = crontab_kind(&sim);
    let Some(Object::Custom(a)) = sim.get(&ObjectRef::new(kind, Some("default"), "a")) else { panic!("stored") };
    assert!(!a.fields.contains_key("status"), "create cannot set status: {:?}", a.fields);
}
