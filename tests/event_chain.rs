//! The event chain of one apply, end to end: the writes every component makes in reaction,
//! linked by cause, in causal order.

use std::collections::{BTreeMap, BTreeSet};

use fishbowl_core::api::{Kind, Object};
use fishbowl_core::sim::chain::{chain_of, Chain, ChainNode};
use fishbowl_core::store::WatchEventType;
use fishbowl_core::{ClusterConfig, Sim};

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.27\n        ports: [{containerPort: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n";

/// (index, resource_version, type, object, by) for every write in the chain.
/// One write of the chain: (node index, resourceVersion, event type, object, writer).
type Write = (usize, u64, WatchEventType, String, String);

fn writes(chain: &Chain) -> Vec<Write> {
    chain
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| match n {
            ChainNode::Write { resource_version, event_type, object, by, .. } => {
                Some((i, *resource_version, *event_type, object.clone(), by.clone()))
            }
            ChainNode::Action { .. } => None,
        })
        .collect()
}

/// Every node `i` descends from, through the chain's edges.
fn ancestors(chain: &Chain, i: usize) -> BTreeSet<usize> {
    let parent: BTreeMap<usize, usize> = chain.edges.iter().map(|&(a, b)| (b, a)).collect();
    let mut out = BTreeSet::new();
    let mut at = i;
    while let Some(&p) = parent.get(&at) {
        out.insert(p);
        at = p;
    }
    out
}

#[test]
fn apply_a_deployment_chain_runs_from_the_apply_to_the_endpoints() {
    // Without the DNS add-on, whose pods would start at the same time as these.
    let mut sim = Sim::new(ClusterConfig::bare());
    sim.apply("web.yaml", WEB);
    sim.settle(100_000);
    let action = sim.actions().last().unwrap().clone();
    let chain = chain_of(sim.store(), action.id, &action.summary, action.at);
    let w = writes(&chain);
    let find = |pred: &dyn Fn(&Write) -> bool| -> Vec<(usize, u64)> {
        w.iter().filter(|x| pred(x)).map(|x| (x.0, x.1)).collect()
    };
    let deploy = find(&|x| x.2 == WatchEventType::Added && x.3 == "deployment.apps/web" && x.4 == "kubectl");
    assert_eq!(deploy.len(), 1, "{}", chain.to_text());
    let rs = find(&|x| x.2 == WatchEventType::Added && x.3.starts_with("replicaset.apps/web-") && x.4 == "deployment-controller");
    assert_eq!(rs.len(), 1, "{}", chain.to_text());
    let pods = find(&|x| x.2 == WatchEventType::Added && x.3.starts_with("pod/web-") && x.4 == "replicaset-controller");
    assert_eq!(pods.len(), 3, "{}", chain.to_text());
    let bindings = find(&|x| x.2 == WatchEventType::Modified && x.3.starts_with("pod/web-") && x.4 == "default-scheduler");
    assert_eq!(bindings.len(), 3, "{}", chain.to_text());

    // The kubelet's first status write carrying the pod IP (the sandbox is up), per pod.
    let log: BTreeMap<u64, &Object> = sim.store().log().iter().map(|e| (e.resource_version, e.object.as_ref())).collect();
    let has_ip = |rv: u64| matches!(log.get(&rv), Some(Object::Pod(p)) if p.status.as_ref().and_then(|s| s.pod_ip.as_ref()).is_some());
    let mut sandboxes: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for x in w.iter().filter(|x| x.3.starts_with("pod/web-") && x.4.starts_with("kubelet/node-") && has_ip(x.1)) {
        sandboxes.entry(x.3.clone()).or_insert((x.0, x.1));
    }
    assert_eq!(sandboxes.len(), 3, "{}", chain.to_text());

    // Causal order: each step descends from the one before.
    assert!(ancestors(&chain, rs[0].0).contains(&deploy[0].0));
    for p in &pods {
        assert!(ancestors(&chain, p.0).contains(&rs[0].0), "pod created because of the ReplicaSet");
    }
    for b in &bindings {
        assert!(pods.iter().any(|p| ancestors(&chain, b.0).contains(&p.0)), "binding caused by a pod's creation");
    }
    for s in sandboxes.values() {
        assert!(bindings.iter().any(|b| ancestors(&chain, s.0).contains(&b.0)), "sandbox started because of a binding");
    }
    let endpoints = find(&|x| x.3 == "endpoints/web" && x.4 == "endpoint-controller");
    let slices = find(&|x| x.3.starts_with("endpointslice.discovery.k8s.io/web-") && x.4 == "endpointslice-controller");
    assert!(!endpoints.is_empty() && !slices.is_empty(), "{}", chain.to_text());
    assert!(
        endpoints.iter().any(|e| sandboxes.values().any(|s| ancestors(&chain, e.0).contains(&s.0))),
        "an Endpoints update follows a pod getting its address"
    );
    for e in endpoints.iter().chain(&slices).filter(|e| e.1 > deploy[0].1 + 10) {
        assert!(bindings.iter().any(|b| ancestors(&chain, e.0).contains(&b.0)), "endpoint changes come from pods starting");
    }

    // And the end state: three ready addresses behind the Service.
    let key = fishbowl_core::store::ObjectRef::new(Kind::Endpoints, Some("default"), "web");
    let Some(Object::Endpoints(ep)) = sim.get(&key) else { panic!("endpoints exist") };
    let ready: usize = ep.subsets.iter().flatten().map(|s| s.addresses.as_ref().map_or(0, Vec::len)).sum();
    assert_eq!(ready, 3);
}
