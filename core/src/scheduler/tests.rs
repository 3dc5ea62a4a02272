//! Unit tests: each filter's reason, the FailedScheduling text, the scoring arithmetic, the
//! node walk and tie breaking. Nodes and bound pods are written straight to a store and the
//! cache synced from its log, as the controller does.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, Container, ContainerPort, Node, NodeSpec, NodeStatus, Pod, PodAffinityTerm, PodAntiAffinity, PodAffinity, PodSpec,
    ResourceRequirements, Taint, Toleration,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::cache::Cache;
use super::framework::{num_feasible_nodes_to_find, schedule, select_host, Code, Decision, SCORE_PLUGINS};
use super::plugins::resources_fit::{balanced_score, least_allocated_score};
use crate::rng::SimRng;
use crate::store::{Cause, Component, ObjectRef, Store};
use crate::time::SimTime;

const GI: i64 = 1 << 30;

pub(super) fn labels(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
    Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

pub(super) fn node(name: &str, cpu: &str, memory: &str) -> Node {
    let alloc: BTreeMap<String, Quantity> =
        [("cpu", cpu), ("memory", memory), ("pods", "110")].iter().map(|(k, v)| (k.to_string(), Quantity(v.to_string()))).collect();
    Node {
        metadata: ObjectMeta { name: Some(name.into()), labels: labels(&[("kubernetes.io/hostname", name)]), ..Default::default() },
        spec: Some(NodeSpec::default()),
        status: Some(NodeStatus { allocatable: Some(alloc), ..Default::default() }),
    }
}

pub(super) fn pod(name: &str, cpu: Option<&str>, memory: Option<&str>) -> Pod {
    let mut requests = BTreeMap::new();
    if let Some(c) = cpu {
        requests.insert("cpu".to_string(), Quantity(c.into()));
    }
    if let Some(m) = memory {
        requests.insert("memory".to_string(), Quantity(m.into()));
    }
    Pod {
        metadata: ObjectMeta { name: Some(name.into()), namespace: Some("default".into()), uid: Some(format!("uid-{name}")), ..Default::default() },
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "c".into(),
                resources: Some(ResourceRequirements { requests: Some(requests), ..Default::default() }),
                ..Default::default()
            }],
            ..Default::default()
        }),
        status: None,
    }
}

pub(super) fn bound(mut p: Pod, node: &str) -> Pod {
    p.spec.get_or_insert_with(Default::default).node_name = Some(node.into());
    p
}

pub(super) fn world(nodes: Vec<Node>, pods: Vec<Pod>) -> (Store, Cache) {
    let mut store = Store::new();
    let by = Component::new("test");
    for n in nodes {
        store.create(n.into(), SimTime::ZERO, by.clone(), Cause::Bootstrap).unwrap();
    }
    for p in pods {
        store.create(p.into(), SimTime::ZERO, by.clone(), Cause::Bootstrap).unwrap();
    }
    let mut cache = Cache::default();
    cache.sync(&store);
    (store, cache)
}

pub(super) fn run(store: &Store, cache: &mut Cache, p: &Pod, seed: u64) -> Decision {
    let key = ObjectRef::new(crate::api::Kind::Pod, Some("default"), p.metadata.name.as_deref().unwrap_or(""));
    schedule(cache, store, &mut SimRng::seeded(seed), &key, p, SimTime::ZERO, 1)
}

pub(super) fn taint(key: &str, value: &str, effect: &str) -> Taint {
    Taint { key: key.into(), value: (!value.is_empty()).then(|| value.into()), effect: effect.into(), ..Default::default() }
}

fn term(app: &str) -> PodAffinityTerm {
    PodAffinityTerm {
        label_selector: Some(LabelSelector { match_labels: labels(&[("app", app)]), ..Default::default() }),
        topology_key: "kubernetes.io/hostname".into(),
        ..Default::default()
    }
}

pub(super) fn with_labels(mut p: Pod, pairs: &[(&str, &str)]) -> Pod {
    p.metadata.labels = labels(pairs);
    p
}

#[test]
fn each_filter_names_its_reason() {
    type Case = (&'static str, fn(&mut Node, &mut Pod, &mut Vec<Pod>), Option<(&'static str, &'static str, Code)>);
    use Code::{Unschedulable as U, UnschedulableAndUnresolvable as UU};
    let cases: Vec<Case> = vec![
        ("fits", |_, _, _| {}, None),
        ("cordoned", |n, _, _| n.spec.as_mut().unwrap().unschedulable = Some(true), Some(("NodeUnschedulable", "node(s) were unschedulable", UU))),
        ("cordoned, tolerated", |n, p, _| {
            n.spec.as_mut().unwrap().unschedulable = Some(true);
            p.spec.as_mut().unwrap().tolerations = Some(vec![Toleration { key: Some("node.kubernetes.io/unschedulable".into()), operator: Some("Exists".into()), effect: Some("NoSchedule".into()), ..Default::default() }]);
        }, None),
        ("node name", |_, p, _| p.spec.as_mut().unwrap().node_name = Some("elsewhere".into()), Some(("NodeName", "node(s) didn't match the requested node name", UU))),
        ("taint", |n, _, _| n.spec.as_mut().unwrap().taints = Some(vec![taint("dedicated", "db", "NoExecute")]), Some(("TaintToleration", "node(s) had untolerated taint {dedicated: db}", UU))),
        ("taint without value", |n, _, _| n.spec.as_mut().unwrap().taints = Some(vec![taint("node-role.kubernetes.io/control-plane", "", "NoSchedule")]), Some(("TaintToleration", "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }", UU))),
        ("PreferNoSchedule does not filter", |n, _, _| n.spec.as_mut().unwrap().taints = Some(vec![taint("soft", "x", "PreferNoSchedule")]), None),
        ("taint tolerated", |n, p, _| {
            n.spec.as_mut().unwrap().taints = Some(vec![taint("dedicated", "db", "NoSchedule")]);
            p.spec.as_mut().unwrap().tolerations = Some(vec![Toleration { key: Some("dedicated".into()), value: Some("db".into()), ..Default::default() }]);
        }, None),
        ("nodeSelector", |_, p, _| p.spec.as_mut().unwrap().node_selector = labels(&[("disk", "ssd")]), Some(("NodeAffinity", "node(s) didn't match Pod's node affinity/selector", UU))),
        ("affinity Gt", |n, p, _| {
            n.metadata.labels.as_mut().unwrap().insert("cores".into(), "4".into());
            p.spec.as_mut().unwrap().affinity = serde_json::from_value(serde_json::json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["8"]}]}]}}})).unwrap();
        }, Some(("NodeAffinity", "node(s) didn't match Pod's node affinity/selector", UU))),
        ("affinity matchFields", |_, p, _| {
            p.spec.as_mut().unwrap().affinity = serde_json::from_value(serde_json::json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}})).unwrap();
        }, None),
        ("cpu", |_, p, _| *p = pod("p", Some("5"), None), Some(("NodeResourcesFit", "Insufficient cpu", U))),
        ("memory", |_, p, _| *p = pod("p", None, Some("9Gi")), Some(("NodeResourcesFit", "Insufficient memory", U))),
        ("extended resource", |_, p, _| {
            let r = p.spec.as_mut().unwrap().containers[0].resources.as_mut().unwrap();
            r.requests.as_mut().unwrap().insert("nvidia.com/gpu".into(), Quantity("1".into()));
        }, Some(("NodeResourcesFit", "Insufficient nvidia.com/gpu", U))),
        ("pods", |n, _, others| {
            n.status.as_mut().unwrap().allocatable.as_mut().unwrap().insert("pods".into(), Quantity("1".into()));
            others.push(bound(pod("other", None, None), "n1"));
        }, Some(("NodeResourcesFit", "Too many pods", U))),
        ("host port", |_, p, others| {
            let port = ContainerPort { container_port: 80, host_port: Some(8080), ..Default::default() };
            let mut other = pod("other", None, None);
            other.spec.as_mut().unwrap().containers[0].ports = Some(vec![port.clone()]);
            others.push(bound(other, "n1"));
            p.spec.as_mut().unwrap().containers[0].ports = Some(vec![port]);
        }, Some(("NodePorts", "node(s) didn't have free ports for the requested pod ports", U))),
        ("anti-affinity", |_, p, others| {
            others.push(bound(with_labels(pod("web-1", None, None), &[("app", "web")]), "n1"));
            p.spec.as_mut().unwrap().affinity = Some(Affinity { pod_anti_affinity: Some(PodAntiAffinity { required_during_scheduling_ignored_during_execution: Some(vec![term("web")]), ..Default::default() }), ..Default::default() });
        }, Some(("InterPodAffinity", "node(s) didn't match pod anti-affinity rules", U))),
        ("affinity", |_, p, _| {
            p.spec.as_mut().unwrap().affinity = Some(Affinity { pod_affinity: Some(PodAffinity { required_during_scheduling_ignored_during_execution: Some(vec![term("db")]), ..Default::default() }), ..Default::default() });
        }, Some(("InterPodAffinity", "node(s) didn't match pod affinity rules", UU))),
        ("affinity to itself, first of its group", |_, p, _| {
            *p = with_labels(p.clone(), &[("app", "db")]);
            p.spec.as_mut().unwrap().affinity = Some(Affinity { pod_affinity: Some(PodAffinity { required_during_scheduling_ignored_during_execution: Some(vec![term("db")]), ..Default::default() }), ..Default::default() });
        }, None),
        ("existing pod's anti-affinity", |_, p, others| {
            *p = with_labels(p.clone(), &[("app", "web")]);
            let mut other = pod("lonely", None, None);
            other.spec.as_mut().unwrap().affinity = Some(Affinity { pod_anti_affinity: Some(PodAntiAffinity { required_during_scheduling_ignored_during_execution: Some(vec![term("web")]), ..Default::default() }), ..Default::default() });
            others.push(bound(other, "n1"));
        }, Some(("InterPodAffinity", "node(s) didn't satisfy existing pods anti-affinity rules", U))),
    ];
    for (name, setup, want) in cases {
        let (mut n, mut p, mut others) = (node("n1", "4", "8Gi"), pod("p", Some("100m"), Some("128Mi")), Vec::new());
        setup(&mut n, &mut p, &mut others);
        let (store, mut cache) = world(vec![n], others);
        let d = run(&store, &mut cache, &p, 1);
        let got = d.nodes[0].failed.as_ref().map(|(plugin, s)| (*plugin, s.reasons.join("; "), s.code));
        let want = want.map(|(plugin, r, c)| (plugin, r.to_string(), c));
        assert_eq!(got, want, "case {name}");
        assert_eq!(d.selected.is_some(), want.is_none(), "case {name}");
    }
}

#[test]
fn failed_scheduling_message_sorts_reasons_as_bytes() {
    let mut cp = node("control-plane", "4", "8Gi");
    cp.spec.as_mut().unwrap().taints = Some(vec![taint("node-role.kubernetes.io/control-plane", "", "NoSchedule")]);
    cp.metadata.labels.as_mut().unwrap().insert("tier".into(), "app".into());
    let other = node("other", "4", "8Gi");
    let mut small = Vec::new();
    for name in ["small-1", "small-2"] {
        let mut n = node(name, "4", "1Gi");
        n.metadata.labels.as_mut().unwrap().insert("tier".into(), "app".into());
        small.push(n);
    }
    let mut nodes = vec![cp, other];
    nodes.extend(small);
    let (store, mut cache) = world(nodes, vec![]);
    let mut p = pod("p", Some("500m"), Some("2Gi"));
    p.spec.as_mut().unwrap().node_selector = labels(&[("tier", "app")]);
    let d = run(&store, &mut cache, &p, 1);
    assert_eq!(
        d.message.as_deref(),
        Some("0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient memory. preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..")
    );
    assert_eq!(super::message::histogram(["Insufficient cpu"; 10].into_iter().chain(["Insufficient memory"; 2])), "10 Insufficient cpu, 2 Insufficient memory");
}

#[test]
fn preemption_policy_never_says_so() {
    let (store, mut cache) = world(vec![node("n1", "1", "1Gi")], vec![]);
    let mut p = pod("p", Some("2"), None);
    p.spec.as_mut().unwrap().preemption_policy = Some("Never".into());
    let d = run(&store, &mut cache, &p, 1);
    assert_eq!(d.message.as_deref(), Some("0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.."));
}

#[test]
fn least_allocated_and_balanced_worked_example() {
    let (c, m) = (4000, 8 * GI);
    assert_eq!(least_allocated_score(&[(c, 1500, 1), (m, 2 * GI, 1)]), 68);
    assert_eq!(balanced_score(&[(c, 1500), (m, 2 * GI)]), 93);
    assert_eq!(least_allocated_score(&[(c, 5000, 1), (m, 0, 1)]), 50);
    assert_eq!(least_allocated_score(&[(0, 1, 1)]), 0);
    // Through the framework: 1000m / 1536Mi already bound, 500m / 512Mi incoming.
    let (store, mut cache) = world(
        vec![node("a", "4", "8Gi"), node("b", "4", "8Gi")],
        vec![bound(pod("old", Some("1"), Some("1536Mi")), "a")],
    );
    let d = run(&store, &mut cache, &pod("p", Some("500m"), Some("512Mi")), 1);
    let a = d.nodes.iter().find(|n| n.node == "a").unwrap();
    let score = |name: &str| {
        let i = SCORE_PLUGINS.iter().position(|(p, _)| *p == name).unwrap();
        a.scores[i].map(|s| s.raw)
    };
    assert_eq!(score("NodeResourcesFit"), Some(68));
    assert_eq!(score("NodeResourcesBalancedAllocation"), Some(93));
    assert_eq!(d.selected.as_deref(), Some("b"));
}

#[test]
fn non_zero_defaults_count_for_least_allocated_only() {
    let (store, mut cache) = world(vec![node("a", "1", "1000Mi"), node("b", "1", "1000Mi")], vec![]);
    let d = run(&store, &mut cache, &pod("p", None, None), 1);
    let i = SCORE_PLUGINS.iter().position(|(p, _)| *p == "NodeResourcesFit").unwrap();
    // cpu (1000-100)*100/1000 = 90, memory (1000-200)*100/1000 = 80 → 85.
    assert_eq!(d.nodes[0].scores[i].map(|s| s.raw), Some(85));
    // Best-effort: BalancedAllocation is skipped.
    let b = SCORE_PLUGINS.iter().position(|(p, _)| *p == "NodeResourcesBalancedAllocation").unwrap();
    assert_eq!(d.nodes[0].scores[b], None);
}

#[test]
fn prefer_no_schedule_taints_score_lower() {
    let mut tainted = node("a", "4", "8Gi");
    tainted.spec.as_mut().unwrap().taints = Some(vec![taint("soft", "", "PreferNoSchedule")]);
    let (store, mut cache) = world(vec![tainted, node("b", "4", "8Gi")], vec![]);
    let d = run(&store, &mut cache, &pod("p", Some("1"), Some("1Gi")), 1);
    let i = SCORE_PLUGINS.iter().position(|(p, _)| *p == "TaintToleration").unwrap();
    let norm: Vec<i64> = d.nodes.iter().map(|n| n.scores[i].unwrap().normalized).collect();
    assert_eq!(norm, [0, 100]);
    assert_eq!(d.selected.as_deref(), Some("b"));
}

#[test]
fn ties_are_broken_by_the_seeded_rng() {
    let totals = [5, 7, 7, 3, 7];
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..64 {
        let a = select_host(&totals, &mut SimRng::seeded(seed));
        assert_eq!(a, select_host(&totals, &mut SimRng::seeded(seed)));
        seen.insert(a.unwrap());
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [1, 2, 4]);
    let nodes = (1..=4).map(|i| node(&format!("n{i}"), "4", "8Gi")).collect::<Vec<_>>();
    let (store, cache) = world(nodes, vec![]);
    let pick = |seed| run(&store, &mut cache.clone(), &pod("p", Some("1"), None), seed).selected;
    assert_eq!(pick(7), pick(7));
}

#[test]
fn feasible_nodes_to_find_is_adaptive() {
    for (nodes, want) in [(3, 3), (99, 99), (100, 100), (200, 100), (1000, 420), (5000, 500), (6000, 300)] {
        assert_eq!(num_feasible_nodes_to_find(nodes), want, "{nodes} nodes");
    }
}

#[test]
fn the_walk_stops_early_and_rotates() {
    let nodes = (1..=300).map(|i| node(&format!("n{i:03}"), "4", "8Gi")).collect::<Vec<_>>();
    let (store, mut cache) = world(nodes, vec![]);
    let d = run(&store, &mut cache, &pod("p", Some("1"), None), 1);
    // 300 nodes: 50 - 2 = 48% = 144 feasible nodes are enough.
    assert_eq!(d.nodes.len(), 144);
    assert_eq!(d.nodes[0].node, "n001");
    let d = run(&store, &mut cache, &pod("q", Some("1"), None), 1);
    assert_eq!(d.nodes[0].node, "n145");
}

#[test]
fn bound_pods_are_accounted_and_released() {
    let (mut store, mut cache) = world(vec![node("a", "2", "8Gi")], vec![bound(pod("old", Some("1500m"), None), "a")]);
    assert_eq!(cache.node("a").unwrap().requested.milli_cpu, 1500);
    let d = run(&store, &mut cache, &pod("p", Some("1"), None), 1);
    assert!(d.selected.is_none());
    let key = ObjectRef::new(crate::api::Kind::Pod, Some("default"), "old");
    store.remove(&key, SimTime::ZERO, Component::new("test"), Cause::Bootstrap).unwrap();
    cache.sync(&store);
    assert_eq!(cache.node("a").unwrap().requested.milli_cpu, 0);
    assert_eq!(run(&store, &mut cache, &pod("p", Some("1"), None), 1).selected.as_deref(), Some("a"));
}

#[test]
fn init_containers_and_overhead_in_requests() {
    let mut p = pod("p", Some("500m"), None);
    let spec = p.spec.as_mut().unwrap();
    let mut init = spec.containers[0].clone();
    init.resources.as_mut().unwrap().requests.as_mut().unwrap().insert("cpu".into(), Quantity("2".into()));
    spec.init_containers = Some(vec![init]);
    spec.overhead = Some([("cpu".to_string(), Quantity("250m".into()))].into());
    let r = super::resources::pod_requests(spec);
    assert_eq!(r.real.milli_cpu, 2250);
    assert_eq!(r.non_zero.memory, super::resources::DEFAULT_MEMORY_REQUEST);
}

#[test]
fn default_spreading_prefers_nodes_with_fewer_pods_of_the_same_owner() {
    use k8s_openapi::api::apps::v1::ReplicaSet;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
    let owned = |name: &str| {
        let mut p = pod(name, Some("100m"), Some("100Mi"));
        p.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "apps/v1".into(),
            kind: "ReplicaSet".into(),
            name: "web".into(),
            uid: "rs-uid".into(),
            controller: Some(true),
            ..Default::default()
        }]);
        p
    };
    let (mut store, mut cache) = world(
        vec![node("a", "4", "8Gi"), node("b", "4", "8Gi"), node("c", "4", "8Gi")],
        vec![bound(owned("web-1"), "a"), bound(owned("web-2"), "a"), bound(pod("filler-b", Some("200m"), Some("200Mi")), "b"), bound(pod("filler-c", Some("200m"), Some("200Mi")), "c")],
    );
    let rs = ReplicaSet {
        metadata: ObjectMeta { name: Some("web".into()), namespace: Some("default".into()), uid: Some("rs-uid".into()), ..Default::default() },
        ..Default::default()
    };
    store.create(rs.into(), SimTime::ZERO, Component::new("test"), Cause::Bootstrap).unwrap();
    cache.sync(&store);
    let d = run(&store, &mut cache, &owned("web-3"), 1);
    let i = SCORE_PLUGINS.iter().position(|(p, _)| *p == "PodTopologySpread").unwrap();
    // Hostname only (no zone labels): count × ln(3 + 2) + 2 → a: 5, b and c: 2; normalised
    // 100 × (max + min − s) / max.
    let scores: Vec<(i64, i64)> = d.nodes.iter().map(|n| n.scores[i].map(|s| (s.raw, s.normalized)).unwrap()).collect();
    assert_eq!(scores, [(5, 40), (2, 100), (2, 100)]);
    assert_ne!(d.selected.as_deref(), Some("a"));
    // A pod with no owner and no Service: the plugin is skipped.
    let d = run(&store, &mut cache, &pod("alone", Some("100m"), None), 1);
    assert_eq!(d.nodes[0].scores[i], None);
}

#[test]
fn unbound_immediate_claims_fail_prefilter() {
    use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, Volume};
    let (mut store, mut cache) = world(vec![node("a", "4", "8Gi")], vec![]);
    let pvc = PersistentVolumeClaim {
        metadata: ObjectMeta { name: Some("data".into()), namespace: Some("default".into()), ..Default::default() },
        spec: Some(PersistentVolumeClaimSpec::default()),
        status: None,
    };
    store.create(pvc.into(), SimTime::ZERO, Component::new("test"), Cause::Bootstrap).unwrap();
    cache.sync(&store);
    let mut p = pod("db", None, None);
    p.spec.as_mut().unwrap().volumes = Some(vec![Volume {
        name: "data".into(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource { claim_name: "data".into(), read_only: None }),
        ..Default::default()
    }]);
    let d = run(&store, &mut cache, &p, 1);
    assert_eq!(
        d.message.as_deref(),
        Some("0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..")
    );
    assert!(d.nodes.is_empty());
}

#[test]
fn the_walk_takes_zones_in_turn() {
    let zoned = |name: &str, zone: &str| {
        let mut n = node(name, "4", "8Gi");
        n.metadata.labels.as_mut().unwrap().insert("topology.kubernetes.io/zone".into(), zone.into());
        n
    };
    let (_, cache) = world(vec![zoned("a1", "a"), zoned("a2", "a"), zoned("a3", "a"), zoned("b1", "b"), zoned("c1", "c"), zoned("b2", "b")], vec![]);
    assert_eq!(cache.order().collect::<Vec<_>>(), ["a1", "b1", "c1", "a2", "b2", "a3"]);
}
