//! ImageLocality (Score): favours nodes that already hold the pod's images, by their size
//! scaled by how many nodes hold them (spreading the "node heating" an image would cause).
//!
//! For each container and init container whose image name, normalised (`:latest` appended
//! when no tag is given), is one of the names in the node's `status.images`: size × (nodes
//! listing it / all nodes), truncated. The sum, clamped to [23 MiB, 1000 MiB × containers],
//! maps linearly onto 0–100. The names must match as written: a pod asking for `nginx:1.27`
//! does not match a node listing `docker.io/library/nginx:1.27`, as in kube-scheduler.

use std::borrow::Cow;

use super::super::cache::{Cache, NodeInfo};
use super::super::framework::{PodCtx, MAX_NODE_SCORE};

const MB: i64 = 1024 * 1024;
/// `minThreshold`.
pub const MIN_THRESHOLD: i64 = 23 * MB;
/// `maxContainerThreshold`.
pub const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// `normalizedImageName`: `:latest` appended unless the last `:` comes after the last `/`.
pub fn normalized_image_name(name: &str) -> Cow<'_, str> {
    let colon = name.rfind(':').map_or(-1, |i| i as i64);
    let slash = name.rfind('/').map_or(-1, |i| i as i64);
    if colon <= slash {
        Cow::Owned(format!("{name}:latest"))
    } else {
        Cow::Borrowed(name)
    }
}

/// PreScore: the cache numbers of the pod's image names (those no node lists are left out),
/// and how many containers the pod has.
pub struct State {
    images: Vec<u32>,
    containers: usize,
    total_nodes: usize,
}

pub fn pre_score(cache: &Cache, ctx: &PodCtx<'_>) -> State {
    let all = ctx.spec.init_containers.iter().flatten().chain(&ctx.spec.containers);
    let mut images = Vec::new();
    let mut containers = 0;
    for c in all {
        containers += 1;
        if let Some(id) = c.image.as_deref().and_then(|i| cache.images().id(&normalized_image_name(i))) {
            images.push(id);
        }
    }
    State { images, containers, total_nodes: cache.num_nodes() }
}

/// The node's score (0–100).
pub fn score(cache: &Cache, state: &State, node: &NodeInfo) -> i64 {
    let mut sum = 0i64;
    for &id in &state.images {
        if let Some(size) = node.image_size(id) {
            let spread = cache.images().num_nodes(id) as f64 / state.total_nodes.max(1) as f64;
            sum += (size as f64 * spread) as i64;
        }
    }
    calculate_priority(sum, state.containers)
}

/// `calculatePriority`.
pub fn calculate_priority(sum: i64, containers: usize) -> i64 {
    let max = MAX_CONTAINER_THRESHOLD * containers.max(1) as i64;
    let sum = sum.clamp(MIN_THRESHOLD, max);
    MAX_NODE_SCORE * (sum - MIN_THRESHOLD) / (max - MIN_THRESHOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_names() {
        for (given, want) in [
            ("nginx", "nginx:latest"),
            ("nginx:1.27", "nginx:1.27"),
            ("localhost:5000/nginx", "localhost:5000/nginx:latest"),
            ("localhost:5000/nginx:1.27", "localhost:5000/nginx:1.27"),
            ("docker.io/library/nginx@sha256:abc", "docker.io/library/nginx@sha256:abc"),
        ] {
            assert_eq!(normalized_image_name(given), want, "{given}");
        }
    }

    #[test]
    fn priority_is_clamped_and_linear() {
        for (sum, containers, want) in [
            (0, 1, 0),
            (MIN_THRESHOLD, 1, 0),
            (MAX_CONTAINER_THRESHOLD, 1, 100),
            (5 * MAX_CONTAINER_THRESHOLD, 1, 100),
            // 72,080,558 bytes on every node: (72080558 − 24117248) × 100 / (1048576000 − 24117248).
            (72_080_558, 1, 4),
            (500 * MB, 1, 48),
            (500 * MB, 2, 24),
        ] {
            assert_eq!(calculate_priority(sum, containers), want, "{sum} bytes, {containers} containers");
        }
    }
}
