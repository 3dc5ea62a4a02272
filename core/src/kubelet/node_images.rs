//! The node status `images` list, as the kubelet's `Images` setter builds it
//! (pkg/kubelet/nodestatus/setters.go): the image manager's list, largest first (equal sizes by
//! image id, descending), cut to `nodeStatusMaxImages` (50); each image named by its repo
//! digests, then its repo tags, at most five names. The scheduler's ImageLocality plugin reads
//! these names.
//!
//! Simplification: the node's image store holds only what its pods pulled; the sandbox
//! (`pause`) image, which a real node also lists, is not modelled.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ContainerImage;

use crate::time::SimTime;

use super::images::ImageRef;

/// `nodeStatusMaxImages`.
pub const NODE_STATUS_MAX_IMAGES: usize = 50;
/// `MaxNamesPerImageInNodeStatus`.
pub const MAX_NAMES_PER_IMAGE: usize = 5;

/// The images present at `now` in a node's image store (full reference → when its pull
/// completed), as node status reports them.
pub fn list(store: &BTreeMap<String, SimTime>, now: SimTime) -> Vec<ContainerImage> {
    let mut images: Vec<(u64, String, Vec<String>)> = store
        .iter()
        .filter(|(_, &at)| at <= now)
        .filter_map(|(full, _)| {
            let iref = ImageRef::parse(full);
            let size = iref.lookup()?.size_bytes;
            let id = iref.image_id();
            // Pulled by digest: no tag. Pulled by tag: the repo digest, then the tag.
            let mut names = vec![id.clone()];
            if iref.digest.is_none() {
                names.push(full.clone());
            }
            names.truncate(MAX_NAMES_PER_IMAGE);
            Some((size, id, names))
        })
        .collect();
    images.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    images.truncate(NODE_STATUS_MAX_IMAGES);
    images.into_iter().map(|(size, _, names)| ContainerImage { names: Some(names), size_bytes: Some(size as i64) }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(refs: &[(&str, u64)]) -> BTreeMap<String, SimTime> {
        refs.iter().map(|(r, s)| (ImageRef::parse(r).full(), SimTime(*s * 1_000_000))).collect()
    }

    #[test]
    fn largest_first_with_digest_then_tag() {
        let s = store(&[("busybox:1.36", 1), ("nginx:1.27", 1), ("redis:7", 1)]);
        let list = list(&s, SimTime(5_000_000));
        let sizes: Vec<i64> = list.iter().map(|i| i.size_bytes.unwrap()).collect();
        assert_eq!(sizes, vec![72_080_558, 45_007_296, 2_166_802]);
        let names = list[0].names.as_ref().unwrap();
        assert_eq!(names.len(), 2);
        assert!(names[0].starts_with("docker.io/library/nginx@sha256:"), "{names:?}");
        assert_eq!(names[1], "docker.io/library/nginx:1.27");
    }

    #[test]
    fn pulls_not_finished_and_unknown_images_are_not_listed() {
        let s = store(&[("nginx:1.27", 10), ("no-such-image:1", 1)]);
        assert!(list(&s, SimTime(5_000_000)).is_empty());
        assert_eq!(list(&s, SimTime(10_000_000)).len(), 1);
    }

    #[test]
    fn pulled_by_digest_is_named_by_its_digest_only() {
        let d = "registry.k8s.io/e2e-test-images/agnhost@sha256:0000000000000000000000000000000000000000000000000000000000000001";
        let list = list(&store(&[(d, 0)]), SimTime(1_000_000));
        assert_eq!(list[0].names.as_deref(), Some(&[d.to_string()][..]));
    }
}
