//! PodTopologySpread with the pod's own constraints: the skew arithmetic, the Filter's
//! verdicts and reasons, the FailedScheduling text, and the ScheduleAnyway scores.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod, TopologySpreadConstraint};
use k8s_openapi::api::core::v1::{Affinity, NodeAffinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::framework::{Verdict, SCORE_PLUGINS};
use super::plugins::spread_constraints::{pod_constraints, Constraint, DO_NOT_SCHEDULE};
use super::plugins::spread_filter::State;
use super::tests::{bound, labels, node, pod, run, taint, with_labels, world};
use crate::store::selector::Selector;

const ZONE: &str = "topology.kubernetes.io/zone";

fn zoned(name: &str, zone: Option<&str>) -> Node {
    let mut n = node(name, "4", "8Gi");
    if let Some(z) = zone {
        n.metadata.labels.as_mut().unwrap().insert(ZONE.into(), z.into());
    }
    n
}

fn web(name: &str) -> Pod {
    with_labels(pod(name, Some("100m"), Some("100Mi")), &[("app", "web")])
}

fn tsc(key: &str, max_skew: i32, action: &str) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        max_skew,
        topology_key: key.into(),
        when_unsatisfiable: action.into(),
        label_selector: Some(LabelSelector { match_labels: labels(&[("app", "web")]), ..Default::default() }),
        ..Default::default()
    }
}

fn spread(mut p: Pod, constraints: Vec<TopologySpreadConstraint>) -> Pod {
    p.spec.as_mut().unwrap().topology_spread_constraints = Some(constraints);
    p
}

#[test]
fn skew_is_count_plus_self_minus_the_global_minimum() {
    let constraint = |min_domains| Constraint {
        max_skew: 1,
        topology_key: ZONE.into(),
        selector: Selector::everything(),
        min_domains,
        honor_node_affinity: true,
        honor_node_taints: false,
    };
    // (domains, minDomains, self match, domain asked) → (global minimum, skew)
    type Case = (&'static [(&'static str, i64)], i64, bool, &'static str, i64, i64);
    let cases: [Case; 7] = [
        (&[("a", 2), ("b", 1)], 1, true, "a", 1, 2),
        (&[("a", 2), ("b", 1)], 1, true, "b", 1, 1),
        (&[("a", 2), ("b", 1)], 1, false, "a", 1, 1),
        // Fewer eligible domains than minDomains: the minimum is 0.
        (&[("a", 2), ("b", 1)], 3, true, "b", 0, 2),
        (&[("a", 2), ("b", 1)], 2, true, "b", 1, 1),
        // A domain with no eligible node counts as empty.
        (&[("a", 2), ("b", 1)], 1, true, "c", 1, 0),
        (&[], 1, true, "a", 0, 1),
    ];
    for (domains, min_domains, self_match, value, want_min, want_skew) in cases {
        let st = State {
            constraints: vec![constraint(min_domains)],
            domains: vec![domains.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>()],
            self_match: vec![self_match],
        };
        assert_eq!((st.min_match(0), st.skew(0, value)), (want_min, want_skew), "{domains:?} minDomains {min_domains} {value}");
    }
}

#[test]
fn match_label_keys_and_policies_are_read_with_their_defaults() {
    let mut c = tsc(ZONE, 2, DO_NOT_SCHEDULE);
    c.match_label_keys = Some(vec!["pod-template-hash".into(), "absent".into()]);
    let p = spread(with_labels(pod("p", None, None), &[("app", "web"), ("pod-template-hash", "abc")]), vec![c, tsc("rack", 1, "ScheduleAnyway")]);
    let got = pod_constraints(&p, DO_NOT_SCHEDULE);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].selector.to_string(), "app=web,pod-template-hash=abc");
    assert_eq!((got[0].max_skew, got[0].min_domains, got[0].honor_node_affinity, got[0].honor_node_taints), (2, 1, true, false));
}

/// Zone a: a1 (2 web pods), a2; zone b: b1 (1 web pod); c1 tainted in zone c; n1 has no zone.
fn zones() -> (crate::store::Store, super::Cache) {
    let mut c1 = zoned("c1", Some("c"));
    c1.spec.as_mut().unwrap().taints = Some(vec![taint("dedicated", "db", "NoSchedule")]);
    let mut other_ns = web("other-ns");
    other_ns.metadata.namespace = Some("kube-system".into());
    let mut terminating = web("terminating");
    terminating.metadata.deletion_timestamp = Some(crate::sim::apiserver::k8s_time(crate::time::SimTime::ZERO));
    world(
        vec![zoned("a1", Some("a")), zoned("a2", Some("a")), zoned("b1", Some("b")), c1, zoned("n1", None)],
        vec![
            bound(web("w1"), "a1"),
            bound(web("w2"), "a1"),
            bound(web("w3"), "b1"),
            bound(other_ns, "b1"),
            bound(terminating, "b1"),
            bound(with_labels(pod("db", None, None), &[("app", "db")]), "b1"),
        ],
    )
}

/// Tolerates every taint and requires zone a or b.
fn zones_a_or_b(p: &mut Pod) {
    let spec = p.spec.as_mut().unwrap();
    spec.tolerations = Some(vec![Toleration { operator: Some("Exists".into()), ..Default::default() }]);
    let term = NodeSelectorTerm {
        match_expressions: Some(vec![NodeSelectorRequirement { key: ZONE.into(), operator: "In".into(), values: Some(vec!["a".into(), "b".into()]) }]),
        ..Default::default()
    };
    spec.affinity = Some(Affinity {
        node_affinity: Some(NodeAffinity {
            required_during_scheduling_ignored_during_execution: Some(NodeSelector { node_selector_terms: vec![term] }),
            ..Default::default()
        }),
        ..Default::default()
    });
}

/// Each node's (first failing plugin, reason), in name order.
fn verdicts(d: &super::Decision) -> Vec<(String, Option<(&'static str, String)>)> {
    let mut v: Vec<_> = d.nodes.iter().map(|n| (n.node.to_string(), n.failed.as_ref().map(|(p, s)| (*p, s.reasons.join("; "))))).collect();
    v.sort();
    v
}

const SPREAD: &str = "PodTopologySpread";
const NOT_MATCH: &str = "node(s) didn't match pod topology spread constraints";
const NO_LABEL: &str = "node(s) didn't match pod topology spread constraints (missing required label)";
const TAINT: &str = "node(s) had untolerated taint {dedicated: db}";

#[test]
fn do_not_schedule_filters_by_skew() {
    type Case = (&'static str, fn(&mut TopologySpreadConstraint, &mut Pod), [Option<(&'static str, &'static str)>; 5]);
    let spread_fail = Some((SPREAD, NOT_MATCH));
    let no_label = Some((SPREAD, NO_LABEL));
    let taint_fail = Some(("TaintToleration", TAINT));
    let affinity_fail = Some(("NodeAffinity", "node(s) didn't match Pod's node affinity/selector"));
    // Verdicts for a1, a2, b1, c1, n1. Without taint honouring, c's empty domain is the
    // minimum (0): only zone c could take the pod, and its node is tainted.
    let cases: Vec<Case> = vec![
        ("maxSkew 1", |_, _| {}, [spread_fail, spread_fail, spread_fail, taint_fail, no_label]),
        ("maxSkew 2", |c, _| c.max_skew = 2, [spread_fail, spread_fail, None, taint_fail, no_label]),
        ("taints honoured: c1 is not a domain", |c, _| c.node_taints_policy = Some("Honor".into()), [spread_fail, spread_fail, None, taint_fail, no_label]),
        ("the pod does not select itself", |_, p| p.metadata.labels = labels(&[("app", "other")]), [spread_fail, spread_fail, None, taint_fail, no_label]),
        ("minDomains 4 > 3 domains: minimum 0", |c, _| {
            c.min_domains = Some(4);
            c.node_taints_policy = Some("Honor".into());
        }, [spread_fail, spread_fail, spread_fail, taint_fail, no_label]),
        ("matchLabelKeys narrows the selector", |c, p| {
            c.match_label_keys = Some(vec!["version".into()]);
            p.metadata.labels.as_mut().unwrap().insert("version".into(), "v2".into());
        }, [None, None, None, taint_fail, no_label]),
        // Zone c's node fails the pod's node affinity: honoured, it is no domain (minimum 1).
        ("node affinity honoured", |c, p| {
            c.max_skew = 2;
            zones_a_or_b(p);
        }, [None, None, None, affinity_fail, affinity_fail]),
        ("node affinity ignored", |c, p| {
            c.max_skew = 2;
            c.node_affinity_policy = Some("Ignore".into());
            zones_a_or_b(p);
        }, [spread_fail, spread_fail, None, affinity_fail, affinity_fail]),
    ];
    for (name, edit, want) in cases {
        let (store, mut cache) = zones();
        let mut c = tsc(ZONE, 1, DO_NOT_SCHEDULE);
        let mut p = web("incoming");
        edit(&mut c, &mut p);
        let p = spread(p, vec![c]);
        let d = run(&store, &mut cache, &p, 1);
        let got: Vec<Option<(&str, String)>> = verdicts(&d).into_iter().map(|(_, v)| v).collect();
        let want: Vec<Option<(&str, String)>> = want.iter().map(|w| w.map(|(p, r)| (p, r.to_string()))).collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn the_failed_scheduling_text_counts_both_reasons() {
    let (store, mut cache) = zones();
    let p = spread(web("incoming"), vec![tsc(ZONE, 1, DO_NOT_SCHEDULE)]);
    let d = run(&store, &mut cache, &p, 1);
    assert_eq!(
        d.message.as_deref(),
        Some(
            "0/5 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), 1 node(s) had untolerated taint {dedicated: db}, 3 node(s) didn't match pod topology spread constraints. preemption: 0/5 nodes are available: 2 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.."
        )
    );
    let a1 = d.nodes.iter().find(|n| n.node == "a1").unwrap();
    assert_eq!(a1.verdict("VolumeBinding"), Verdict::Passed);
    assert!(matches!(a1.verdict(SPREAD), Verdict::Failed(s) if s.reasons == [NOT_MATCH]));
    assert_eq!(a1.verdict("InterPodAffinity"), Verdict::NotRun);
}

#[test]
fn schedule_anyway_scores_domains_and_ignores_nodes_without_the_key() {
    let (store, mut cache) = world(
        vec![zoned("a1", Some("a")), zoned("a2", Some("a")), zoned("b1", Some("b")), zoned("n1", None)],
        vec![bound(web("w1"), "a1"), bound(web("w2"), "a2"), bound(web("w3"), "b1")],
    );
    let p = spread(web("incoming"), vec![tsc(ZONE, 1, "ScheduleAnyway")]);
    let d = run(&store, &mut cache, &p, 1);
    let i = SCORE_PLUGINS.iter().position(|(p, _)| *p == SPREAD).unwrap();
    let mut scores: Vec<(String, i64, i64)> = d.nodes.iter().map(|n| {
        let s = n.scores[i].unwrap();
        (n.node.to_string(), s.raw, s.normalized)
    }).collect();
    scores.sort();
    // Two zones: weight ln(4). a: round(2 × 1.386) = 3, b: round(1.386) = 1;
    // normalised 100 × (3 + 1 − s) / 3; n1 lacks the key and gets 0.
    assert_eq!(scores, [("a1".into(), 3, 33), ("a2".into(), 3, 33), ("b1".into(), 1, 100), ("n1".into(), 0, 0)]);
    assert_eq!(d.selected.as_deref(), Some("b1"));
    // Only DoNotSchedule constraints filter: nothing failed.
    assert!(d.nodes.iter().all(|n| n.failed.is_none()));
    // A hostname constraint counts each node's own pods.
    let p = spread(web("incoming"), vec![tsc("kubernetes.io/hostname", 2, "ScheduleAnyway")]);
    let d = run(&store, &mut cache, &p, 1);
    let mut raw: Vec<(String, i64)> = d.nodes.iter().map(|n| (n.node.to_string(), n.scores[i].unwrap().raw)).collect();
    raw.sort();
    // Every node has the key: weight ln(4 + 2); 1 × 1.79 + 1 rounds to 3, the empty n1 has 1.
    assert_eq!(raw, [("a1".into(), 3), ("a2".into(), 3), ("b1".into(), 3), ("n1".into(), 1)]);
}
