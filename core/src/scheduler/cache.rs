//! The scheduler's cache: what kube-scheduler's informers and `internal/cache` hold. Nodes with
//! the sum of the requests of the pods bound to them, their used host ports and pod set; the
//! bound pods themselves; the node list in the order the scheduler walks it (the `nodeTree`:
//! zones round-robin, nodes of a zone in the order they appeared). It is kept current
//! incrementally from the store's watch log, so a scheduling attempt never scans the store.
//! `cache/pods.rs` accounts bound pods to their nodes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::{Kind, Object};
use crate::store::{ObjectRef, Store, WatchEventType};
use crate::time::SimTime;

use super::decisions::Decisions;
use super::image_states::ImageStates;
use super::framework::{Decision, NodeDecision};
use super::resources::Resources;

mod pods;

pub use super::node_info::{controller_uid, host_ports, HostPort, NodeInfo, PodInfo, LABEL_REGION, LABEL_ZONE};


/// A pod the scheduler has tried and failed to place (the unschedulable and back-off queues).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPod {
    pub attempts: u32,
    pub last_attempt: SimTime,
    /// resourceVersion of the scheduler's own status write: a later one means someone else
    /// updated the pod.
    pub written_rv: u64,
    /// The cluster-event epoch at the last attempt.
    pub epoch: u64,
}

/// The scheduler's view of the cluster, kept current from the watch log.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    cursor: u64,
    /// Node name → slot in `slab`; freed slots are reused.
    index: BTreeMap<String, usize>,
    slab: Vec<NodeInfo>,
    free: Vec<usize>,
    /// `nodeTree`: zone keys in order of appearance, each with its nodes in order of appearance.
    tree: Vec<(String, Vec<String>)>,
    /// The walk order (`nodeTree.list()`) as slots, rebuilt when nodes come, go or change zone.
    order: Vec<usize>,
    pods: BTreeMap<ObjectRef, PodInfo>,
    /// Owner uids and zone label values by number (`""` is zone 0), so that spreading counts
    /// compare numbers, not strings. Numbers are never reused (a relist starts afresh).
    owner_ids: BTreeMap<String, u32>,
    zone_ids: BTreeMap<String, u32>,
    /// Bound pods per owner number, per zone number: default zone spreading without a scan.
    zone_owners: BTreeMap<u32, Vec<u32>>,
    /// Image names the nodes list, with how many list each (ImageLocality).
    images: ImageStates,
    /// Bound pods that carry required pod anti-affinity terms.
    pub(crate) anti_affinity_pods: BTreeSet<ObjectRef>,
    /// Bound pods whose own terms score an incoming pod (InterPodAffinity PreScore): required
    /// or preferred pod affinity, preferred pod anti-affinity.
    pub(crate) affinity_score_pods: BTreeSet<ObjectRef>,
    /// Pods that failed to schedule, with their back-off bookkeeping.
    pub(crate) queue: BTreeMap<ObjectRef, QueuedPod>,
    /// Bumped by every event that may make an unschedulable pod schedulable (node added or
    /// changed, a bound pod gone, a claim created): kube-scheduler's move to the active queue.
    pub(crate) epoch: u64,
    decisions: Decisions,
    /// Where the next node walk starts (`nextStartNodeIndex`).
    pub(crate) next_start: usize,
    /// Nodes came, went or changed zone: rebuild `order` at the end of the sync.
    order_dirty: bool,
}

impl Cache {
    /// Applies the writes since the last sync.
    pub fn sync(&mut self, store: &Store) {
        // The log was compacted past what this cache has read: relist, as an informer does when
        // its watch gets "too old resource version".
        if store.log().first().is_some_and(|e| e.resource_version > self.cursor + 1) {
            self.relist(store);
            return;
        }
        for ev in store.events_since(self.cursor) {
            match ev.key.kind {
                Kind::Node => match ev.event_type {
                    WatchEventType::Deleted => self.remove_node(&ev.key.name),
                    _ => self.upsert_node(&ev.key.name, ev.object.clone()),
                },
                Kind::Pod => self.pod_event(&ev.key, ev.event_type, &ev.object),
                Kind::PersistentVolumeClaim | Kind::PersistentVolume if ev.event_type != WatchEventType::Deleted => {
                    self.epoch += 1
                }
                _ => {}
            }
        }
        self.cursor = store.resource_version();
        if self.order_dirty {
            self.rebuild_order();
            self.order_dirty = false;
        }
    }

    /// Rebuilds the node and pod view from the store, keeping the scheduling queue, decisions
    /// and walk position.
    fn relist(&mut self, store: &Store) {
        let fresh = Cache {
            queue: std::mem::take(&mut self.queue),
            epoch: self.epoch + 1,
            decisions: std::mem::take(&mut self.decisions),
            next_start: self.next_start,
            ..Cache::default()
        };
        *self = fresh;
        for obj in store.list(Kind::Node, None) {
            let name = obj.metadata().name.clone().unwrap_or_default();
            self.upsert_node(&name, obj.clone());
        }
        for obj in store.list(Kind::Pod, None) {
            self.pod_event(&ObjectRef::of(obj), WatchEventType::Added, obj);
        }
        self.cursor = store.resource_version();
        self.rebuild_order();
        self.order_dirty = false;
    }

    /// Every node known (including ones deleted while pods are still accounted to them), by name.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeInfo> + '_ {
        self.index.values().map(|&i| &self.slab[i])
    }

    pub fn node(&self, name: &str) -> Option<&NodeInfo> {
        self.index.get(name).map(|&i| &self.slab[i])
    }

    fn node_mut(&mut self, name: &str) -> Option<&mut NodeInfo> {
        self.index.get(name).map(|&i| &mut self.slab[i])
    }

    fn node_entry(&mut self, name: &str) -> &mut NodeInfo {
        let slot = match self.index.get(name) {
            Some(&i) => i,
            None => {
                let i = match self.free.pop() {
                    Some(i) => {
                        self.slab[i] = NodeInfo::empty(name);
                        i
                    }
                    None => {
                        self.slab.push(NodeInfo::empty(name));
                        self.slab.len() - 1
                    }
                };
                self.index.insert(name.to_string(), i);
                i
            }
        };
        &mut self.slab[slot]
    }

    fn drop_node(&mut self, name: &str) {
        if let Some(i) = self.index.remove(name) {
            self.slab[i] = NodeInfo::empty("");
            self.free.push(i);
        }
    }

    /// How many nodes the scheduler walks (nodes with a Node object).
    pub fn num_nodes(&self) -> usize {
        self.order.len()
    }

    /// The node at position `pos` of the walk order (`pos < num_nodes()`).
    pub fn node_at(&self, pos: usize) -> &NodeInfo {
        &self.slab[self.order[pos]]
    }

    /// Node names in the order the scheduler walks them.
    pub fn order(&self) -> impl Iterator<Item = &str> + '_ {
        self.order.iter().map(|&i| self.slab[i].name())
    }

    pub fn bound_pods(&self) -> &BTreeMap<ObjectRef, PodInfo> {
        &self.pods
    }

    pub fn bound_pod(&self, key: &ObjectRef) -> Option<&PodInfo> {
        self.pods.get(key)
    }

    /// The number standing for the owner uid `uid`, if any bound pod has had it as controller.
    pub fn owner_id(&self, uid: &str) -> Option<u32> {
        self.owner_ids.get(uid).copied()
    }

    /// Bound pods owned by owner number `owner`, indexed by zone number (missing: none).
    pub fn zone_owner_counts(&self, owner: u32) -> &[u32] {
        self.zone_owners.get(&owner).map_or(&[], Vec::as_slice)
    }

    /// How many zone numbers have been given (`""` included).
    pub fn zone_ids(&self) -> usize {
        self.zone_ids.len() + 1
    }

    pub fn images(&self) -> &ImageStates {
        &self.images
    }

    fn intern_zone(&mut self, zone: &str) -> u32 {
        if zone.is_empty() {
            return 0;
        }
        if let Some(&id) = self.zone_ids.get(zone) {
            return id;
        }
        let id = self.zone_ids.len() as u32 + 1;
        self.zone_ids.insert(zone.to_string(), id);
        id
    }

    fn intern_owner(&mut self, uid: &str) -> u32 {
        if let Some(&id) = self.owner_ids.get(uid) {
            return id;
        }
        let id = self.owner_ids.len() as u32;
        self.owner_ids.insert(uid.to_string(), id);
        id
    }

    /// The last scheduling attempt's decision for `pod`, if kept.
    pub fn decision(&self, pod: &ObjectRef) -> Option<&Decision> {
        self.decisions.get(pod)
    }

    pub fn queued(&self, pod: &ObjectRef) -> Option<&QueuedPod> {
        self.queue.get(pod)
    }

    pub(crate) fn keep_decision(&mut self, decision: Decision) {
        self.decisions.keep(decision);
    }

    /// An empty node list for a new decision, with room from an earlier one when there is.
    pub(crate) fn node_list(&mut self) -> Vec<NodeDecision> {
        self.decisions.node_list()
    }

    fn upsert_node(&mut self, name: &str, obj: Arc<Object>) {
        let Object::Node(node) = obj.as_ref() else { return };
        let status = node.status.as_ref();
        let allocatable = Resources::from_list(status.and_then(|s| s.allocatable.as_ref()));
        let allowed_pods = status
            .and_then(|s| s.allocatable.as_ref())
            .and_then(|a| a.get("pods"))
            .and_then(|q| crate::api::quantity::parse_quantity(q).ok())
            .map_or(0, |q| q.value());
        let info = self.node_entry(name);
        let before = info.node().map(|n| (n.metadata.labels.clone(), n.spec.clone()));
        let old_zone = info.node.as_ref().map(|_| (info.zone_id, info.zone_key()));
        let resources_changed = info.allocatable != allocatable || info.allowed_pods != allowed_pods;
        info.set_node(Some(obj.clone()));
        info.allocatable = allocatable;
        info.allowed_pods = allowed_pods;
        let after = info.node().map(|n| (n.metadata.labels.clone(), n.spec.clone()));
        let (zone, zone_key) = (info.zone(), info.zone_key());
        let zone = self.intern_zone(&zone);
        let old_images = self.node_mut(name).map(|i| std::mem::take(&mut i.images)).unwrap_or_default();
        let images = self.images.replace(&old_images, Some(node));
        if let Some(info) = self.node_mut(name) {
            info.zone_id = zone;
            info.images = images;
        }
        if before != after || resources_changed {
            self.epoch += 1;
        }
        match old_zone {
            None => {
                self.tree_insert(&zone_key, name);
                self.order_dirty = true;
            }
            Some((old, old_key)) => {
                if old != zone {
                    let owners: Vec<(u32, u32)> = self.node(name).map(|i| i.owners.iter().collect()).unwrap_or_default();
                    for (owner, n) in owners {
                        self.zone_count(old, owner, -(n as i64));
                        self.zone_count(zone, owner, n as i64);
                    }
                }
                if old_key != zone_key {
                    self.tree_remove(&old_key, name);
                    self.tree_insert(&zone_key, name);
                    self.order_dirty = true;
                }
            }
        }
    }

    fn remove_node(&mut self, name: &str) {
        let Some(info) = self.node_mut(name) else { return };
        let key = info.zone_key();
        info.set_node(None);
        let old_images = std::mem::take(&mut info.images);
        self.images.replace(&old_images, None);
        let Some(info) = self.node_mut(name) else { return };
        if info.pods.is_empty() {
            self.drop_node(name);
        }
        self.tree_remove(&key, name);
        self.order_dirty = true;
    }

    fn tree_insert(&mut self, zone: &str, name: &str) {
        match self.tree.iter_mut().find(|(z, _)| z == zone) {
            Some((_, names)) => names.push(name.to_string()),
            None => self.tree.push((zone.to_string(), vec![name.to_string()])),
        }
    }

    fn tree_remove(&mut self, zone: &str, name: &str) {
        if let Some(i) = self.tree.iter().position(|(z, _)| z == zone) {
            self.tree[i].1.retain(|n| n != name);
            if self.tree[i].1.is_empty() {
                self.tree.remove(i);
            }
        }
    }

    /// `nodeTree.list()`: one node from each zone in turn.
    fn rebuild_order(&mut self) {
        self.order.clear();
        let longest = self.tree.iter().map(|(_, n)| n.len()).max().unwrap_or(0);
        for i in 0..longest {
            for (_, names) in &self.tree {
                if let Some(&slot) = names.get(i).and_then(|n| self.index.get(n)) {
                    self.order.push(slot);
                }
            }
        }
        if self.next_start >= self.order.len() {
            self.next_start = 0;
        }
    }
}
