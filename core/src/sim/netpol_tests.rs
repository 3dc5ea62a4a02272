//! NetworkPolicy enforced on traces: the policy agent at each node's FORWARD hook.

use std::net::Ipv4Addr;

use crate::net::forward::Probe;
use crate::net::trace::{Outcome, Stage, Trace};
use crate::sim::trace::Endpoint;
use crate::sim::{ClusterConfig, Sim};
use crate::time::SimDuration;

const APP: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec: {nodeName: node-2, containers: [{name: db, image: "nginx:1.27", ports: [{containerPort: 80, name: http}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, labels: {app: api}}
spec: {nodeName: node-1, containers: [{name: c, image: "busybox:1.36", command: [sleep, "3600"]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: stranger}
spec: {nodeName: node-2, containers: [{name: c, image: "busybox:1.36", command: [sleep, "3600"]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{port: http}]
"#;

fn cluster() -> Sim {
    let mut sim = Sim::new(ClusterConfig::bare());
    sim.apply("app.yaml", APP);
    sim.advance(SimDuration::from_secs(30));
    sim
}

fn pod(name: &str) -> Endpoint {
    Endpoint::Pod { namespace: "default".into(), name: name.into() }
}

fn agent_lines(t: &Trace) -> Vec<(String, Stage, String)> {
    t.hops.iter().filter(|h| h.detail.to_string().starts_with("policy agent:")).map(|h| (h.place.to_string(), h.stage, h.detail.to_string())).collect()
}

#[test]
fn the_rule_that_allows_is_named_and_other_pods_are_dropped() {
    let mut sim = cluster();
    let db: Ipv4Addr = crate::net::test_support::pod_ip(&sim, "db");
    let api_ip = crate::net::test_support::pod_ip(&sim, "api");
    let t = sim.trace(&pod("api"), db, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Delivered(_)), "{}", t.text());
    assert_eq!(
        agent_lines(&t),
        [("node-2".to_string(), Stage::Netfilter, format!("policy agent: NetworkPolicy default/db-from-api ingress rule 1 allows {api_ip} → TCP/80"))]
    );
    // A pod on db's own node, not selected by the rule: its SYN is dropped where it is bridged.
    let stranger = crate::net::test_support::pod_ip(&sim, "stranger");
    let t = sim.trace(&pod("stranger"), db, Probe::Tcp(80), None).unwrap();
    assert!(matches!(t.outcome, Outcome::Timeout(_)), "{}", t.text());
    let lines = agent_lines(&t);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].1, Stage::Drop);
    assert_eq!(lines[0].2, format!("policy agent: pod default/db is isolated for ingress by NetworkPolicies default/db-from-api, default/default-deny; no rule allows {stranger} → TCP/80"));
    // The allowed port only: 81 is not `http`.
    let t = sim.trace(&pod("api"), db, Probe::Tcp(81), None).unwrap();
    assert!(agent_lines(&t).iter().any(|l| l.1 == Stage::Drop), "{}", t.text());
}

#[test]
fn kubectl_describes_a_network_policy() {
    let mut sim = cluster();
    let out = crate::console::run_line(&mut sim, "kubectl describe networkpolicy db-from-api", &crate::kubectl::NoFiles).stdout;
    assert!(out.starts_with("Name:         db-from-api\nNamespace:    default\nCreated on:   2024-01-01 00:00:00 +0000 UTC\n"), "{out}");
    assert!(out.contains("  PodSelector:     app=db\n"), "{out}");
    assert!(out.contains("    To Port: http/TCP\n"), "{out}");
    assert!(out.contains("      PodSelector: app=api\n"), "{out}");
}
