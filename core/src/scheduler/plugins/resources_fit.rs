//! NodeResourcesFit and NodeResourcesBalancedAllocation.
//!
//! Filter: the pod's real requests must fit in allocatable minus what the node's pods already
//! request, per resource (`Insufficient <name>`), and the node must have room for one more pod
//! (`Too many pods`). A node can report several reasons at once.
//!
//! LeastAllocated (the default scoring strategy), per resource with allocatable C and requested
//! R (existing pods + this one, with the non-zero defaults): `(C - R) * 100 / C`, 0 when R > C;
//! the node's score is the weighted mean (cpu and memory, weight 1 each), integer division.
//!
//! BalancedAllocation: with real requests, f = min(R / C, 1) per resource; the score is
//! `(1 - std(f)) * 100` truncated, std being `|f1 - f2| / 2` for two resources.

use crate::scheduler::cache::NodeInfo;
use crate::scheduler::framework::{PodCtx, Status, MAX_NODE_SCORE};

/// The resources the default scoring looks at, with their weights.
pub const SCORED: [(&str, i64); 2] = [("cpu", 1), ("memory", 1)];

pub fn filter(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<Status> {
    let mut reasons = Vec::new();
    if node.pods.len() as i64 + 1 > node.allowed_pods {
        reasons.push("Too many pods".to_string());
    }
    let req = &pod.requests.real;
    let free = |name: &str| node.allocatable.get(name) - node.requested.get(name);
    for (name, want) in [("cpu", req.milli_cpu), ("memory", req.memory), ("ephemeral-storage", req.ephemeral_storage)] {
        if want > 0 && want > free(name) {
            reasons.push(format!("Insufficient {name}"));
        }
    }
    for (name, want) in &req.scalar {
        if *want > 0 && *want > free(name) {
            reasons.push(format!("Insufficient {name}"));
        }
    }
    (!reasons.is_empty()).then(|| Status::unschedulable(reasons))
}

fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// LeastAllocated over (allocatable, requested) pairs with weights.
pub fn least_allocated_score(pairs: &[(i64, i64, i64)]) -> i64 {
    let (mut score, mut weights) = (0, 0);
    for &(alloc, req, w) in pairs {
        if alloc == 0 {
            continue;
        }
        score += least_requested(req, alloc) * w;
        weights += w;
    }
    if weights == 0 {
        0
    } else {
        score / weights
    }
}

pub fn least_allocated(pod: &PodCtx<'_>, node: &NodeInfo) -> i64 {
    let pairs = SCORED.map(|(r, w)| (node.allocatable.get(r), node.non_zero_requested.get(r) + pod.requests.non_zero.get(r), w));
    least_allocated_score(&pairs)
}

/// BalancedAllocation over (allocatable, requested) pairs.
pub fn balanced_score(pairs: &[(i64, i64)]) -> i64 {
    let mut fractions = [0f64; 8];
    let mut n = 0;
    for (a, r) in pairs.iter().filter(|(a, _)| *a != 0).take(fractions.len()) {
        fractions[n] = (*r as f64 / *a as f64).min(1.0);
        n += 1;
    }
    let fractions = &fractions[..n];
    let std = match fractions.len() {
        0 | 1 => 0.0,
        2 => ((fractions[0] - fractions[1]) / 2.0).abs(),
        n => {
            let mean = fractions.iter().sum::<f64>() / n as f64;
            (fractions.iter().map(|f| (f - mean) * (f - mean)).sum::<f64>() / n as f64).sqrt()
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// PreScore: best-effort pods (no cpu or memory request) are not scored for balance.
pub fn balanced_applies(pod: &PodCtx<'_>) -> bool {
    SCORED.iter().any(|(r, _)| pod.requests.real.get(r) != 0)
}

pub fn balanced(pod: &PodCtx<'_>, node: &NodeInfo) -> i64 {
    let pairs = SCORED.map(|(r, _)| (node.allocatable.get(r), node.requested.get(r) + pod.requests.real.get(r)));
    balanced_score(&pairs)
}
