//! NodeUnschedulable and NodeName: the two filters that read only the node's spec.

use k8s_openapi::api::core::v1::Taint;

use super::taint_toleration::tolerates;
use crate::scheduler::cache::NodeInfo;
use crate::scheduler::framework::{PodCtx, Status};

pub const ERR_UNSCHEDULABLE: &str = "node(s) were unschedulable";
pub const ERR_NODE_NAME: &str = "node(s) didn't match the requested node name";
/// The taint a cordoned node is treated as having: pods tolerating it (DaemonSet pods) may
/// still land there.
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// NodeUnschedulable: `spec.unschedulable` (kubectl cordon) turns new pods away unless they
/// tolerate `node.kubernetes.io/unschedulable:NoSchedule`.
pub fn unschedulable(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<Status> {
    if !node.unschedulable() {
        return None;
    }
    let taint = Taint { key: TAINT_UNSCHEDULABLE.into(), effect: "NoSchedule".into(), ..Default::default() };
    let tolerated = pod.spec.tolerations.iter().flatten().any(|t| tolerates(t, &taint));
    (!tolerated).then(|| Status::unresolvable(ERR_UNSCHEDULABLE))
}

/// NodeName: a pod naming a node fits only that node.
pub fn node_name(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<Status> {
    match pod.spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) if n != node.name() => Some(Status::unresolvable(ERR_NODE_NAME)),
        _ => None,
    }
}
