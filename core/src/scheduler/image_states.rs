//! The cache's image states (`imageStates` in kube-scheduler's `internal/cache`): every image
//! name a node's status lists, by number, with how many nodes list it. ImageLocality scales an
//! image's size by that spread.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Node;

/// An image name's number in the cache and its size in bytes, as one node reports it.
pub type NodeImage = (u32, i64);

#[derive(Debug, Clone, Default)]
pub struct ImageStates {
    /// Image name (as listed in `status.images[].names`) → its number.
    ids: BTreeMap<String, u32>,
    /// Per number: how many nodes list the name.
    nodes: Vec<u32>,
}

impl ImageStates {
    /// The number of `name`, if some node has ever listed it.
    pub fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// How many nodes list the image name numbered `id` now.
    pub fn num_nodes(&self, id: u32) -> u32 {
        self.nodes.get(id as usize).copied().unwrap_or(0)
    }

    /// A node's images changed from `old` to what `node` lists (nothing for a deleted node):
    /// the counts move and the node's new list, sorted by number, is returned.
    pub fn replace(&mut self, old: &[NodeImage], node: Option<&Node>) -> Vec<NodeImage> {
        let mut new: Vec<NodeImage> = Vec::new();
        for image in node.and_then(|n| n.status.as_ref()).and_then(|s| s.images.as_ref()).into_iter().flatten() {
            let size = image.size_bytes.unwrap_or(0);
            for name in image.names.iter().flatten() {
                new.push((self.intern(name), size));
            }
        }
        new.sort_unstable();
        new.dedup_by_key(|e| e.0);
        if new.as_slice() != old {
            for &(id, _) in old {
                self.nodes[id as usize] = self.nodes[id as usize].saturating_sub(1);
            }
            for &(id, _) in &new {
                self.nodes[id as usize] += 1;
            }
        }
        new
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.nodes.len() as u32;
        self.ids.insert(name.to_string(), id);
        self.nodes.push(0);
        id
    }
}
