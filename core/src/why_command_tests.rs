//! `why`: what the console prints about the scheduler's decisions.

use crate::api::{Kind, Object};
use crate::console::run_line;
use crate::controllers::Controller;
use crate::kubectl::NoFiles;
use crate::sim::{ClusterConfig, Sim};
use crate::store::ObjectRef;

fn run(sim: &mut Sim, line: &str) -> (String, bool) {
    let out = run_line(sim, line, &NoFiles);
    (format!("{}{}", out.stdout, out.stderr), out.status == 0)
}

fn apply(sim: &mut Sim, yaml: &str) {
    let report = sim.apply("pod.yaml", yaml);
    assert!(report.ok(), "{:?}", report.outcomes);
    sim.settle(10_000);
}

fn pod_yaml(name: &str, cpu: &str, extra: &str) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n{extra}  containers:\n  - name: c\n    image: nginx\n    resources:\n      requests:\n        cpu: \"{cpu}\"\n")
}

fn node_of(sim: &Sim, name: &str) -> Option<String> {
    match sim.get(&ObjectRef::new(Kind::Pod, Some("default"), name)) {
        Some(Object::Pod(p)) => p.spec.as_ref().and_then(|s| s.node_name.clone()),
        _ => None,
    }
}

#[test]
fn a_scheduled_pod_shows_every_filter_verdict_and_the_scores() {
    let mut sim = Sim::new(ClusterConfig::default());
    apply(&mut sim, &pod_yaml("web", "100m", ""));
    let (out, ok) = run(&mut sim, "why pod/web");
    assert!(ok, "{out}");
    assert!(out.starts_with("Pod default/web: scheduling attempt 1 at t+"), "{out}");
    assert!(out.contains("3 nodes in the cluster; every one is filtered."), "{out}");
    for node in ["node-1", "node-2", "node-3"] {
        assert!(out.contains(&format!("  {node}  passed every filter\n")), "{out}");
    }
    // TaintToleration counts intolerable PreferNoSchedule taints (0 here); NormalizeScore
    // reverses them onto 0-100, so the raw score is shown beside the normalized one.
    let taint = out.lines().find(|l| l.trim_start().starts_with("TaintToleration")).expect("TaintToleration row");
    assert_eq!(taint.split_whitespace().collect::<Vec<_>>(), ["TaintToleration", "3", "100", "(0)", "100", "(0)", "100", "(0)"], "{out}");
    let node = node_of(&sim, "web").expect("bound");
    assert!(out.contains(&format!("\nSelected: {node} (highest total;")), "{out}");
}

#[test]
fn an_unschedulable_pod_shows_why_each_node_failed_and_the_event_text() {
    let mut sim = Sim::new(ClusterConfig::default());
    apply(&mut sim, &pod_yaml("huge", "64", ""));
    let (out, _) = run(&mut sim, "why pod/huge");
    assert_eq!(out.matches("NodeResourcesFit: Insufficient cpu\n").count(), 3, "{out}");
    assert!(!out.contains("Scores of"), "{out}");
    let event = sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some("huge") => Some((**e).clone()),
            _ => None,
        })
        .into_iter()
        .find(|e| e.reason.as_deref() == Some("FailedScheduling"))
        .and_then(|e| e.message)
        .expect("FailedScheduling event");
    assert!(out.ends_with(&format!("\nNo node fits. Event FailedScheduling: {event}\n")), "{out}");
}

#[test]
fn pods_the_scheduler_never_saw_and_bad_targets() {
    let mut sim = Sim::new(ClusterConfig::default());
    apply(&mut sim, &pod_yaml("mine", "100m", "  schedulerName: my-scheduler\n"));
    apply(&mut sim, &pod_yaml("pinned", "100m", "  nodeName: node-2\n"));
    let (out, ok) = run(&mut sim, "why mine");
    assert!(ok);
    assert_eq!(out, "pod/mine asks for schedulerName \"my-scheduler\": default-scheduler leaves it alone, and no such scheduler runs here, so it stays Pending.\n");
    let (out, _) = run(&mut sim, "why pod/pinned");
    assert!(out.starts_with("pod/pinned is on node-2; no decision about it is kept: it was written with spec.nodeName"), "{out}");
    for (line, want) in [
        ("why pod/nope", "Error from server (NotFound): pods \"nope\" not found\n"),
        ("why deploy/web", "error: why explains where pods go: pod/NAME, not \"deploy/web\"\n"),
        ("why", "usage: why [-n NAMESPACE] pod/NAME  (the scheduler's last decision about the pod)\n"),
    ] {
        let (out, ok) = run(&mut sim, line);
        assert!(!ok, "{line}");
        assert_eq!(out, want, "{line}");
    }
}

#[test]
fn large_clusters_are_summarised() {
    let mut sim = Sim::new(crate::workload::scale_config(300, &[Controller::Scheduler]));
    crate::workload::write_pods(&mut sim, (0..3).map(crate::workload::pod).collect());
    sim.after_action();
    sim.settle(100_000);
    let (out, _) = run(&mut sim, "why pod/web-2");
    // percentageOfNodesToScore at 300 nodes: 50 - 300/125 = 48% → 144 nodes.
    assert!(out.contains("300 nodes in the cluster; filtering stops once 144 fit (percentageOfNodesToScore)."), "{out}");
    assert!(out.contains("  144 nodes filtered:\n     144  passed every filter\n"), "{out}");
    assert!(out.contains("Scores of the 144 feasible nodes (the 6 best shown)"), "{out}");
    let header = out.lines().find(|l| l.trim_start().starts_with("PLUGIN")).expect("header");
    let node = node_of(&sim, "web-2").expect("bound");
    assert!(header.split_whitespace().any(|w| w == node), "the selected node has a column: {out}");
}
