//! TaintToleration. Filter: the node's NoSchedule and NoExecute taints must all be tolerated;
//! the first that is not is named in the reason. Score: the number of PreferNoSchedule taints
//! the pod does not tolerate, normalised in reverse (fewer is better).

use k8s_openapi::api::core::v1::{Taint, Toleration};

use crate::scheduler::cache::NodeInfo;
use crate::scheduler::framework::{PodCtx, Status};

/// `Toleration.ToleratesTaint`: same effect (or none given), and the key matched with Exists
/// (an empty key with Exists matches every taint) or Equal on the value.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(effect) = t.effect.as_deref().filter(|e| !e.is_empty()) {
        if effect != taint.effect {
            return false;
        }
    }
    let key = t.key.as_deref().unwrap_or("");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match t.operator.as_deref().unwrap_or("Equal") {
        "Exists" => true,
        "Equal" | "" => !key.is_empty() && t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        _ => false,
    }
}

pub fn filter(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<Status> {
    let tolerations = pod.spec.tolerations.as_deref().unwrap_or(&[]);
    let untolerated = node
        .taints()
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .find(|taint| !tolerations.iter().any(|t| tolerates(t, taint)))?;
    let value = untolerated.value.as_deref().unwrap_or("");
    Some(Status::unresolvable(format!("node(s) had untolerated taint {{{}: {}}}", untolerated.key, value)))
}

/// Raw score: intolerable PreferNoSchedule taints. Only tolerations with effect
/// PreferNoSchedule or no effect count here.
pub fn score(pod: &PodCtx<'_>, node: &NodeInfo) -> i64 {
    let tolerations = pod.spec.tolerations.as_deref().unwrap_or(&[]);
    let counts = |t: &&Toleration| t.effect.as_deref().is_none_or(|e| e.is_empty() || e == "PreferNoSchedule");
    node.taints()
        .iter()
        .filter(|t| t.effect == "PreferNoSchedule")
        .filter(|taint| !tolerations.iter().filter(counts).any(|t| tolerates(t, taint)))
        .count() as i64
}
