//! ReplicaFailure: pod creations a ResourceQuota refuses, retried with back-off, mirrored on
//! the Deployment, cleared once a LimitRange supplies the missing requests and limits.

use crate::api::{Kind, Object};
use crate::sim::{ClusterConfig, Sim};
use crate::time::SimDuration;

use super::retry_backoff;

const QUOTA: &str = "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: compute}\nspec:\n  hard: {requests.cpu: \"2\", limits.cpu: \"4\", requests.memory: 2Gi, limits.memory: 4Gi}\n";
const LIMITS: &str = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m, memory: 256Mi}\n    defaultRequest: {cpu: 100m, memory: 128Mi}\n";
const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: nginx, image: \"nginx:1.27\"}]\n";

/// (type, status, reason, message) of each condition of the object.
fn conditions(sim: &Sim, kind: Kind) -> Vec<(String, String, String, String)> {
    let obj = sim.store().list(kind, Some("default")).next().expect("the object").clone();
    match obj.as_ref() {
        Object::ReplicaSet(rs) => rs.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default().into_iter()
            .map(|c| (c.type_.unwrap_or_default(), c.status.unwrap_or_default(), c.reason.unwrap_or_default(), c.message.unwrap_or_default()))
            .collect(),
        Object::Deployment(d) => d.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default().into_iter()
            .map(|c| (c.type_.unwrap_or_default(), c.status.unwrap_or_default(), c.reason.unwrap_or_default(), c.message.unwrap_or_default()))
            .collect(),
        _ => Vec::new(),
    }
}

fn failed_creates(sim: &Sim) -> Vec<(i32, String)> {
    sim.store()
        .list(Kind::Event, Some("default"))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.reason.as_deref() == Some("FailedCreate") => Some((e.count.unwrap_or(1), e.message.clone().unwrap_or_default())),
            _ => None,
        })
        .collect()
}

#[test]
fn retries_back_off_exponentially_to_a_thousand_seconds() {
    let got: Vec<u64> = [0, 1, 2, 10, 17, 18, 40].iter().map(|&n| retry_backoff(n).as_micros() / 1000).collect();
    assert_eq!(got, [5, 10, 20, 5_120, 655_360, 1_000_000, 1_000_000]);
}

#[test]
fn a_refused_creation_sets_replica_failure_until_a_limit_range_supplies_defaults() {
    let mut sim = Sim::new(ClusterConfig::default());
    assert!(sim.apply("quota.yaml", QUOTA).ok());
    assert!(sim.apply("web.yaml", WEB).ok());
    sim.advance(SimDuration::from_secs(120));
    let rs = conditions(&sim, Kind::ReplicaSet);
    assert_eq!(rs.len(), 1, "{rs:?}");
    let (ty, status, reason, message) = &rs[0];
    assert_eq!((ty.as_str(), status.as_str(), reason.as_str()), ("ReplicaFailure", "True", "FailedCreate"));
    assert!(message.starts_with("pods \"web-") && message.ends_with("\" is forbidden: failed quota: compute: must specify limits.cpu for: nginx; limits.memory for: nginx; requests.cpu for: nginx; requests.memory for: nginx"), "{message}");
    // The Deployment carries the replica set's condition.
    assert!(conditions(&sim, Kind::Deployment).iter().any(|c| c.0 == "ReplicaFailure" && c.2 == "FailedCreate" && &c.3 == message));
    // Retried with back-off: nine Events, then the tenth different message on is combined.
    let events = failed_creates(&sim);
    assert_eq!(events.len(), 10, "{events:?}");
    let combined: Vec<&(i32, String)> = events.iter().filter(|(_, m)| m.starts_with("(combined from similar events): Error creating: pods \"web-")).collect();
    assert_eq!(combined.len(), 1, "{events:?}");
    assert!(combined[0].0 > 1, "{events:?}");

    assert!(sim.apply("limits.yaml", LIMITS).ok());
    sim.advance(SimDuration::from_secs(600));
    assert!(conditions(&sim, Kind::ReplicaSet).is_empty());
    assert!(conditions(&sim, Kind::Deployment).iter().all(|c| c.0 != "ReplicaFailure"));
    let running = sim.store().list(Kind::Pod, Some("default")).count();
    assert_eq!(running, 2);
}
