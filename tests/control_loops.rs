//! Scenario tests of the control loops that run on timers: the HorizontalPodAutoscaler against
//! simulated CPU load, and a node whose kubelet stops and comes back.

use std::collections::BTreeMap;

use fishbowl_core::api::{Kind, Object};
use fishbowl_core::console::run_line;
use fishbowl_core::kubectl::Files;
use fishbowl_core::store::ObjectRef;
use fishbowl_core::time::{SimDuration, SimTime};
use fishbowl_core::{ClusterConfig, Settled, Sim};

struct NoFiles;
impl Files for NoFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        Err(format!("the path \"{path}\" does not exist"))
    }
}

fn run(sim: &mut Sim, line: &str) -> String {
    let out = run_line(sim, line, &NoFiles);
    assert_eq!(out.status, 0, "{line}: {}", out.stderr);
    out.stdout
}

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.27\n        resources:\n          requests: {cpu: 100m}\n";
const HPA: &str = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: 10\n  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target: {type: Utilization, averageUtilization: 50}\n";

fn replicas(sim: &Sim) -> i32 {
    match sim.get(&ObjectRef::new(Kind::Deployment, Some("default"), "web")) {
        Some(Object::Deployment(d)) => d.spec.replicas.unwrap_or(1),
        _ => panic!("deployment exists"),
    }
}

fn lease_renewed(sim: &Sim, node: &str) -> SimTime {
    match sim.get(&ObjectRef::new(Kind::Lease, Some("kube-node-lease"), node)) {
        Some(Object::Lease(l)) => fishbowl_core::kubelet::heartbeat::from_micro_time(l.spec.as_ref().and_then(|s| s.renew_time.as_ref()).expect("renewed")),
        _ => panic!("{node} has a lease"),
    }
}

fn taint_added(sim: &Sim, node: &str) -> SimTime {
    match sim.get(&ObjectRef::new(Kind::Node, None, node)) {
        Some(Object::Node(n)) => {
            let taints = n.spec.as_ref().and_then(|s| s.taints.as_ref()).expect("tainted");
            let t = taints.iter().find(|t| t.effect == "NoExecute").and_then(|t| t.time_added.as_ref()).expect("timeAdded");
            fishbowl_core::time::from_k8s(t)
        }
        _ => panic!("{node} exists"),
    }
}

fn events_with(sim: &Sim, reason: &str) -> Vec<String> {
    sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.reason.as_deref() == Some(reason) => e.message.clone(),
            _ => None,
        })
        .collect()
}

#[test]
fn hpa_scales_up_on_load_and_down_only_after_the_stabilization_window() {
    let mut sim = Sim::new(ClusterConfig::default());
    sim.apply("web.yaml", WEB);
    sim.apply("hpa.yaml", HPA);
    assert!(matches!(sim.settle(1_000_000), Settled::Quiescent { .. }), "periodic syncs do not keep settle busy");
    assert_eq!(replicas(&sim), 2);
    // The first sync comes while the pods have been Ready for less than one metric window:
    // their samples are set aside and there is no utilization yet.
    let table = run(&mut sim, "kubectl get hpa");
    assert!(table.contains("cpu: <unknown>/50%"), "{table}");
    sim.advance(SimDuration::from_secs(30));
    let table = run(&mut sim, "kubectl get hpa");
    assert!(table.contains("cpu: 0%/50%") || table.contains("cpu: 1%/50%"), "{table}");

    // 100m on a 100m request is 100 % of a 50 % target: ratio 2 → 4 replicas at the next sync.
    run(&mut sim, "load deployment/web 100");
    sim.advance(SimDuration::from_secs(15));
    sim.settle(1_000_000);
    assert_eq!(replicas(&sim), 4);
    assert_eq!(
        events_with(&sim, "SuccessfulRescale"),
        ["New size: 4; reason: cpu resource utilization (percentage of request) above target"]
    );

    // The load drops to 10 %: the recommendation is 1, but 4 was recommended in the last
    // five minutes, so the size holds until the window has passed.
    run(&mut sim, "load deployment/web 10");
    sim.advance(SimDuration::from_secs(240));
    sim.settle(1_000_000);
    assert_eq!(replicas(&sim), 4, "still inside the 300 s scale-down window");
    sim.advance(SimDuration::from_secs(120));
    sim.settle(1_000_000);
    assert_eq!(replicas(&sim), 1, "minReplicas bounds the scale-down");
    let rescales = events_with(&sim, "SuccessfulRescale");
    assert!(rescales.contains(&"New size: 1; reason: All metrics below target".to_string()), "{rescales:?}");
}

#[test]
fn an_unreachable_node_is_tainted_and_its_pods_evicted_after_300_seconds() {
    let mut sim = Sim::new(ClusterConfig::default());
    sim.apply("web.yaml", &WEB.replace("replicas: 2", "replicas: 6"));
    sim.settle(1_000_000);
    let on_node = |sim: &Sim, node: &str| -> Vec<String> {
        sim.store()
            .list(Kind::Pod, Some("default"))
            .filter_map(|o| match o.as_ref() {
                Object::Pod(p) if p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node) => {
                    p.metadata.name.clone()
                }
                _ => None,
            })
            .collect()
    };
    let victims = on_node(&sim, "node-2");
    assert!(!victims.is_empty(), "the scheduler spread pods onto node-2");
    run(&mut sim, "node node-2 stop");
    // The kubelet renewed its lease within the last 10 s; the controller notices on its first
    // 5 s tick more than 50 s after that renewal.
    let renewed = lease_renewed(&sim, "node-2");
    let since = sim.now().0 - renewed.0;
    assert!(since < 10_000_000, "renewed {since} µs ago");
    sim.advance(SimDuration(50_000_000 - since));
    let node = run(&mut sim, "kubectl get node node-2");
    assert!(node.contains(" Ready "), "not yet noticed: {node}");
    sim.advance(SimDuration::from_secs(5));
    let node = run(&mut sim, "kubectl get node node-2");
    assert!(node.contains("NotReady"), "{node}");
    let describe = run(&mut sim, "kubectl describe node node-2");
    assert!(describe.contains("node.kubernetes.io/unreachable:NoExecute"), "{describe}");
    assert!(describe.contains("Kubelet stopped posting node status."), "{describe}");

    // Pods tolerate the taint for 300 s (DefaultTolerationSeconds), then are evicted; with no
    // kubelet to finish the deletion they stay Terminating while replacements start elsewhere.
    // Counted from the taint's timeAdded, the tick that noticed the node.
    let tainted = taint_added(&sim, "node-2");
    sim.advance(SimDuration(tainted.0 + 299_000_000 - sim.now().0));
    assert!(events_with(&sim, "TaintManagerEviction").is_empty());
    sim.advance(SimDuration::from_secs(1));
    sim.settle(1_000_000);
    let evicted = events_with(&sim, "TaintManagerEviction");
    assert_eq!(evicted.len(), victims.len(), "{evicted:?}");
    let pods = run(&mut sim, "kubectl get pods");
    assert_eq!(pods.matches("Terminating").count(), victims.len(), "{pods}");
    assert_eq!(pods.matches("Running").count(), 6, "{pods}");

    // The kubelet returns: the taints go and the stuck pods finish terminating.
    run(&mut sim, "node node-2 start");
    sim.advance(SimDuration::from_secs(60));
    sim.settle(1_000_000);
    let node = run(&mut sim, "kubectl get node node-2");
    assert!(node.contains(" Ready "), "{node}");
    assert!(on_node(&sim, "node-2").is_empty(), "the evicted pods are gone");
}

#[test]
fn a_node_joins_and_a_deleted_node_s_pods_are_collected() {
    let mut sim = Sim::new(ClusterConfig::default());
    assert_eq!(run(&mut sim, "node add"), "node-4 joined the cluster\n");
    let key = ObjectRef::new(Kind::Node, None, "node-4");
    let Some(Object::Node(n)) = sim.get(&key) else { panic!("node-4 registered") };
    assert_eq!(n.spec.as_ref().and_then(|s| s.pod_cidr.as_deref()), Some("10.244.3.0/24"));
    sim.apply("web.yaml", &WEB.replace("replicas: 2", "replicas: 8"));
    sim.settle(1_000_000);
    let count = |sim: &Sim| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for o in sim.store().list(Kind::Pod, Some("default")) {
            if let Object::Pod(p) = o.as_ref() {
                *m.entry(p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default()).or_default() += 1;
            }
        }
        m
    };
    assert!(count(&sim).get("node-4").copied().unwrap_or(0) > 0, "{:?}", count(&sim));
    run(&mut sim, "kubectl delete node node-4");
    sim.advance(SimDuration::from_secs(39));
    assert!(count(&sim).contains_key("node-4"), "the pod GC waits out its quarantine");
    sim.advance(SimDuration::from_secs(2));
    sim.settle(1_000_000);
    let after = count(&sim);
    assert!(!after.contains_key("node-4"), "{after:?}");
    assert_eq!(after.values().sum::<usize>(), 8, "replacements were created: {after:?}");
    // Before each deletion the pod was marked Failed with the DisruptionTarget condition.
    let marked: Vec<(Option<String>, Option<String>)> = sim
        .store()
        .log()
        .iter()
        .filter(|e| e.by.as_str() == "pod-garbage-collector")
        .filter_map(|e| match e.object.as_ref() {
            Object::Pod(p) => {
                let status = p.status.as_ref()?;
                let c = status.conditions.as_ref()?.iter().find(|c| c.type_ == "DisruptionTarget")?;
                Some((status.phase.clone(), c.message.clone()))
            }
            _ => None,
        })
        .collect();
    assert!(!marked.is_empty());
    assert!(marked.iter().all(|m| *m == (Some("Failed".into()), Some("PodGC: node no longer exists".into()))), "{marked:?}");
}

#[test]
fn the_scheduler_relists_when_the_watch_log_was_compacted_past_it() {
    use fishbowl_core::controllers::Controller;
    use fishbowl_core::{workload, ClusterConfig};
    // More writes than the watch window before the scheduler first looks: its cache must
    // rebuild from a list, as an informer does after "too old resource version".
    let config = ClusterConfig { controllers: vec![Controller::Scheduler], ..ClusterConfig::default() };
    let mut sim = Sim::new(config);
    let writes = 2 * fishbowl_core::store::WATCH_WINDOW + 10;
    workload::write_pods(&mut sim, (0..writes).map(workload::pod).collect());
    sim.after_action();
    assert!(sim.store().log().len() < writes, "the log was compacted");
    sim.settle(u64::MAX);
    let (bound, all) = workload::bound(&sim);
    assert_eq!(all, writes);
    // Each pod requests 100m of a node's 4 CPUs: 40 per node fit, the rest stay Pending.
    assert_eq!(bound, 3 * 40);
}
