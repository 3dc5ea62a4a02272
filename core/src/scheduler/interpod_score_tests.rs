//! InterPodAffinity scoring: the PreScore sums per topology pair, counting the bound pods' own
//! terms (required affinity at hardPodAffinityWeight, preferred affinity, preferred
//! anti-affinity) as well as the incoming pod's preferred terms; the normalised column; and a
//! running simulation where a bound pod's preferred anti-affinity steers a plain pod away.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Affinity, Node, Pod, PodAffinity, PodAffinityTerm, PodAntiAffinity, WeightedPodAffinityTerm};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::framework::SCORE_PLUGINS;
use super::plugins::inter_pod_affinity::pre_filter;
use super::scenario_tests::{create, key, node_of};
use super::tests::{bound, labels, node, pod, run, with_labels, world};
use crate::api::{Kind, Object};
use crate::sim::{ClusterConfig, Sim};
use crate::store::{Cause, Component, ObjectRef};
use crate::time::SimTime;

const HOST: &str = "kubernetes.io/hostname";
const ZONE: &str = "topology.kubernetes.io/zone";

/// n1 and n2 in zone a, n3 in zone b.
fn nodes() -> Vec<Node> {
    [("n1", "a"), ("n2", "a"), ("n3", "b")]
        .iter()
        .map(|(name, zone)| {
            let mut n = node(name, "4", "8Gi");
            n.metadata.labels = labels(&[(HOST, name), (ZONE, zone)]);
            n
        })
        .collect()
}

fn term(app: &str, topology_key: &str) -> PodAffinityTerm {
    PodAffinityTerm {
        label_selector: Some(LabelSelector { match_labels: labels(&[("app", app)]), ..Default::default() }),
        topology_key: topology_key.into(),
        ..Default::default()
    }
}

fn weighted(weight: i32, t: PodAffinityTerm) -> WeightedPodAffinityTerm {
    WeightedPodAffinityTerm { weight, pod_affinity_term: t }
}

/// Terms a pod declares: required affinity, preferred affinity, required anti-affinity,
/// preferred anti-affinity.
#[derive(Default, Clone)]
struct Terms {
    required: Vec<PodAffinityTerm>,
    preferred: Vec<WeightedPodAffinityTerm>,
    required_anti: Vec<PodAffinityTerm>,
    preferred_anti: Vec<WeightedPodAffinityTerm>,
}

fn some<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn with_terms(mut p: Pod, t: Terms) -> Pod {
    let pa = PodAffinity {
        required_during_scheduling_ignored_during_execution: some(t.required),
        preferred_during_scheduling_ignored_during_execution: some(t.preferred),
    };
    let paa = PodAntiAffinity {
        required_during_scheduling_ignored_during_execution: some(t.required_anti),
        preferred_during_scheduling_ignored_during_execution: some(t.preferred_anti),
    };
    let affinity = Affinity { pod_affinity: Some(pa), pod_anti_affinity: Some(paa), ..Default::default() };
    p.spec.get_or_insert_with(Default::default).affinity = Some(affinity);
    p
}

fn pairs(v: &[(&str, &str, i64)]) -> Option<BTreeMap<(String, String), i64>> {
    Some(v.iter().map(|(k, val, s)| ((k.to_string(), val.to_string()), *s)).collect())
}

fn incoming() -> Pod {
    with_labels(pod("in", Some("100m"), None), &[("app", "web")])
}

#[test]
fn existing_pods_terms_add_to_the_topology_pairs_of_their_node() {
    type Case = (&'static str, &'static str, Terms, Terms, Option<BTreeMap<(String, String), i64>>);
    let t = Terms::default;
    let cases: Vec<Case> = vec![
        ("no affinity anywhere: skipped", "default", t(), t(), None),
        ("required affinity matching the incoming pod: hardPodAffinityWeight", "default",
            Terms { required: vec![term("web", ZONE)], ..t() }, t(), pairs(&[(ZONE, "a", 1)])),
        ("preferred affinity: +weight", "default",
            Terms { preferred: vec![weighted(30, term("web", HOST))], ..t() }, t(), pairs(&[(HOST, "n1", 30)])),
        ("preferred anti-affinity: -weight", "default",
            Terms { preferred_anti: vec![weighted(40, term("web", ZONE))], ..t() }, t(), pairs(&[(ZONE, "a", -40)])),
        ("required anti-affinity does not score", "default", Terms { required_anti: vec![term("db", HOST)], ..t() }, t(), None),
        ("selector not matching the incoming pod", "default",
            Terms { required: vec![term("db", ZONE)], preferred: vec![weighted(5, term("db", HOST))], ..t() }, t(), None),
        ("topologyKey the node lacks", "default",
            Terms { required: vec![term("web", "rack")], preferred_anti: vec![weighted(9, term("web", "rack"))], ..t() }, t(), None),
        ("other namespace, term defaults to it", "other", Terms { required: vec![term("web", HOST)], ..t() }, t(), None),
        ("other namespace, term names the incoming pod's", "other",
            Terms { required: vec![PodAffinityTerm { namespaces: Some(vec!["default".into()]), ..term("web", HOST) }], ..t() }, t(),
            pairs(&[(HOST, "n1", 1)])),
        ("other namespace, empty namespaceSelector: all namespaces", "other",
            Terms { preferred: vec![weighted(7, PodAffinityTerm { namespace_selector: Some(LabelSelector::default()), ..term("web", HOST) })], ..t() },
            t(), pairs(&[(HOST, "n1", 7)])),
        ("every kind on one pod", "default",
            Terms {
                required: vec![term("web", ZONE)],
                preferred: vec![weighted(10, term("web", HOST))],
                preferred_anti: vec![weighted(4, term("web", HOST)), weighted(3, term("web", ZONE))],
                ..t()
            },
            t(), pairs(&[(ZONE, "a", -2), (HOST, "n1", 6)])),
        ("terms cancelling out still score (the pair exists)", "default",
            Terms { preferred: vec![weighted(5, term("web", HOST))], preferred_anti: vec![weighted(5, term("web", HOST))], ..t() },
            t(), pairs(&[(HOST, "n1", 0)])),
        ("incoming pod's preferred terms add to the existing pod's", "default",
            Terms { preferred_anti: vec![weighted(3, term("web", HOST))], ..t() },
            Terms { preferred: vec![weighted(20, term("db", HOST))], ..t() }, pairs(&[(HOST, "n1", 17)])),
        ("incoming pod's preferred terms matching nothing: skipped", "default", t(),
            Terms { preferred_anti: vec![weighted(20, term("cache", HOST))], ..t() }, None),
    ];
    for (name, ns, existing_terms, incoming_terms, want) in cases {
        let mut existing = with_terms(with_labels(pod("x", Some("100m"), None), &[("app", "db")]), existing_terms);
        existing.metadata.namespace = Some(ns.into());
        let (store, cache) = world(nodes(), vec![bound(existing, "n1")]);
        let st = pre_filter(&cache, &store, &with_terms(incoming(), incoming_terms));
        assert_eq!(st.preferred, want, "{name}");
    }
}

#[test]
fn each_bound_pod_adds_at_its_own_node() {
    let anti = || Terms { preferred_anti: vec![weighted(10, term("web", ZONE))], ..Terms::default() };
    let pods = vec![
        bound(with_terms(pod("x1", Some("100m"), None), anti()), "n1"),
        bound(with_terms(pod("x2", Some("100m"), None), anti()), "n2"),
        bound(with_terms(pod("x3", Some("100m"), None), Terms { required: vec![term("web", HOST)], ..Terms::default() }), "n3"),
        bound(pod("plain", Some("100m"), None), "n3"),
    ];
    let (store, cache) = world(nodes(), pods);
    assert_eq!(cache.affinity_score_pods.len(), 3, "the plain pod is not tracked");
    let st = pre_filter(&cache, &store, &incoming());
    assert_eq!(st.preferred, pairs(&[(ZONE, "a", -20), (HOST, "n3", 1)]));
}

#[test]
fn a_deleted_bound_pod_stops_scoring() {
    let existing = with_terms(pod("x", Some("100m"), None), Terms { required: vec![term("web", HOST)], ..Terms::default() });
    let (mut store, mut cache) = world(nodes(), vec![bound(existing, "n1")]);
    assert_eq!(pre_filter(&cache, &store, &incoming()).preferred, pairs(&[(HOST, "n1", 1)]));
    let x = ObjectRef::new(Kind::Pod, Some("default"), "x");
    store.remove(&x, SimTime::ZERO, Component::new("test"), Cause::Bootstrap).unwrap();
    cache.sync(&store);
    assert!(cache.affinity_score_pods.is_empty());
    assert_eq!(pre_filter(&cache, &store, &incoming()).preferred, None);
}

#[test]
fn the_score_column_is_the_pairs_sum_normalised_min_max() {
    let existing = with_terms(pod("x", Some("100m"), None), Terms { preferred_anti: vec![weighted(40, term("web", ZONE))], ..Terms::default() });
    let (store, mut cache) = world(nodes(), vec![bound(existing, "n1")]);
    let d = run(&store, &mut cache, &incoming(), 1);
    let col = SCORE_PLUGINS.iter().position(|(n, _)| *n == "InterPodAffinity").unwrap();
    let mut got: Vec<(String, i64, i64)> =
        d.nodes.iter().map(|n| n.scores[col].map(|s| (n.node.to_string(), s.raw, s.normalized)).expect("scored")).collect();
    got.sort();
    assert_eq!(got, vec![("n1".into(), -40, 0), ("n2".into(), -40, 0), ("n3".into(), 0, 100)]);
    assert_eq!(d.selected.as_deref(), Some("n3"));

    // Nothing matched: the plugin is skipped at PreScore, no column at all.
    let (store, mut cache) = world(nodes(), vec![]);
    let d = run(&store, &mut cache, &incoming(), 1);
    assert!(d.nodes.iter().all(|n| n.scores[col].is_none()));
}

fn labelled_pod(name: &str, app: &str, spec_extra: serde_json::Value) -> Object {
    let mut v = serde_json::json!({
        "metadata": {"name": name, "namespace": "default", "labels": {"app": app}},
        "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}}]}
    });
    if let (Some(spec), Some(extra)) = (v["spec"].as_object_mut(), spec_extra.as_object()) {
        spec.extend(extra.clone());
    }
    Object::from_value(Kind::Pod, v).unwrap()
}

#[test]
fn a_bound_pods_preferred_anti_affinity_steers_plain_pods_away() {
    let mut sim = Sim::new(ClusterConfig::default());
    let guard = serde_json::json!({"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": HOST}}
    ]}}});
    create(&mut sim, labelled_pod("guard", "guard", guard));
    let guarded = node_of(&sim, "guard").expect("guard bound");
    let col = SCORE_PLUGINS.iter().position(|(n, _)| *n == "InterPodAffinity").unwrap();
    for i in 0..4 {
        let name = format!("web-{i}");
        create(&mut sim, labelled_pod(&name, "web", serde_json::json!({})));
        let at = node_of(&sim, &name).expect("bound");
        assert_ne!(at, guarded, "{name} kept off the guard's node");
        let d = sim.scheduling_decision(&key(&name)).expect("decision kept");
        for n in d.nodes.iter().filter(|n| n.failed.is_none()) {
            let s = n.scores[col].expect("InterPodAffinity scored");
            let want = if *n.node == *guarded { (-100, 0) } else { (0, 100) };
            assert_eq!((s.raw, s.normalized), want, "{name} on {}", n.node);
        }
    }
    // A pod the term does not select is not scored by the plugin.
    create(&mut sim, labelled_pod("db-0", "db", serde_json::json!({})));
    let d = sim.scheduling_decision(&key("db-0")).expect("decision kept");
    assert!(d.nodes.iter().all(|n| n.scores[col].is_none()));
}
