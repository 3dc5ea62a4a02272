//! Which pods a ReplicaSet deletes first when it has too many (`controller.ActivePodsWithRanks`):
//!
//! 1. not yet scheduled before scheduled;
//! 2. Pending before Unknown before Running;
//! 3. not Ready before Ready;
//! 4. lower `controller.kubernetes.io/pod-deletion-cost` before higher;
//! 5. pods doubled up on a node (more related pods on the same node) before the others;
//! 6. Ready for a shorter time before Ready for longer;
//! 7. more container restarts before fewer;
//! 8. newer before older (then by name, so the order is total).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use super::owner::ready_since;

pub const DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

fn node_of(p: &Pod) -> &str {
    p.spec.as_ref().and_then(|s| s.node_name.as_deref()).unwrap_or("")
}

fn phase_ordinal(p: &Pod) -> u8 {
    match p.status.as_ref().and_then(|s| s.phase.as_deref()) {
        Some("Unknown") => 1,
        Some("Running") => 2,
        _ => 0,
    }
}

fn deletion_cost(p: &Pod) -> i64 {
    let a = p.metadata.annotations.as_ref().and_then(|a| a.get(DELETION_COST));
    a.and_then(|v| v.parse::<i32>().ok()).map_or(0, i64::from)
}

fn restarts(p: &Pod) -> i32 {
    let statuses = p.status.as_ref().and_then(|s| s.container_statuses.as_ref());
    statuses.into_iter().flatten().map(|c| c.restart_count).max().unwrap_or(0)
}

fn created(p: &Pod) -> i64 {
    p.metadata.creation_timestamp.as_ref().map_or(i64::MIN, |t| t.0.as_second())
}

/// Orders `pods` so that the ones to delete first come first.
pub fn rank_for_deletion(pods: &mut [&Pod]) {
    let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
    for p in pods.iter() {
        let node = node_of(p);
        if !node.is_empty() {
            *per_node.entry(node).or_default() += 1;
        }
    }
    let rank = |p: &Pod| per_node.get(node_of(p)).copied().unwrap_or(0);
    pods.sort_by(|a, b| compare(a, b, rank(a), rank(b)));
}

fn compare(a: &Pod, b: &Pod, rank_a: usize, rank_b: usize) -> Ordering {
    let assigned = |p: &Pod| !node_of(p).is_empty();
    assigned(a)
        .cmp(&assigned(b))
        .then_with(|| phase_ordinal(a).cmp(&phase_ordinal(b)))
        .then_with(|| ready_since(a).is_some().cmp(&ready_since(b).is_some()))
        .then_with(|| deletion_cost(a).cmp(&deletion_cost(b)))
        .then_with(|| rank_b.cmp(&rank_a))
        .then_with(|| match (ready_since(a), ready_since(b)) {
            (Some(x), Some(y)) => y.cmp(&x),
            _ => Ordering::Equal,
        })
        .then_with(|| restarts(b).cmp(&restarts(a)))
        .then_with(|| created(b).cmp(&created(a)))
        .then_with(|| b.metadata.name.cmp(&a.metadata.name))
}
