//! What the cache holds per node and per bound pod.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, Pod, PodSpec, Taint};

use crate::api::Object;
use crate::store::ObjectRef;

use super::image_states::NodeImage;
use super::resources::{PodRequests, Resources};

/// `topology.kubernetes.io/zone`.
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";
/// `topology.kubernetes.io/region`.
pub const LABEL_REGION: &str = "topology.kubernetes.io/region";
/// A host port a container asks for: (hostIP, protocol, port). `0.0.0.0` stands for every address.
pub type HostPort = (String, String, i32);

/// One node as the scheduler sees it.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    /// Interned (`node_names.rs`): decisions copy it for every node they consider.
    pub name: &'static str,
    /// The Node object; `None` while pods are still accounted to a node that was deleted.
    pub node: Option<Arc<Object>>,
    pub allocatable: Resources,
    pub allowed_pods: i64,
    /// Sum of the real requests of the pods bound here.
    pub requested: Resources,
    /// The same with the non-zero defaults (what LeastAllocated scores with).
    pub non_zero_requested: Resources,
    pub pods: BTreeSet<ObjectRef>,
    pub used_ports: BTreeMap<HostPort, u32>,
    /// Pods here per controlling owner (ReplicaSet, StatefulSet…), by the owner's number in
    /// the cache (see [`super::cache::Cache::owner_id`]): default spreading.
    pub owners: OwnerCounts,
    /// The number the cache gave this node's zone label value (`""` without one), and whether
    /// the node carries the zone and hostname labels: read once per node update, so that
    /// spreading compares numbers, not strings.
    pub(crate) zone_id: u32,
    pub(crate) has_zone: bool,
    pub(crate) has_hostname: bool,
    /// `spec.unschedulable` and whether `spec.taints` is non-empty, read once per node update
    /// so that filtering a node does not reach into its object.
    cordoned: bool,
    tainted: bool,
    /// The image names its status lists, by their number in the cache, with their sizes.
    pub(crate) images: Vec<NodeImage>,
}

impl NodeInfo {
    pub(crate) fn empty(name: &str) -> NodeInfo {
        NodeInfo {
            name: super::node_names::intern(name),
            node: None,
            allocatable: Resources::default(),
            allowed_pods: 0,
            requested: Resources::default(),
            non_zero_requested: Resources::default(),
            pods: BTreeSet::new(),
            used_ports: BTreeMap::new(),
            owners: OwnerCounts::default(),
            zone_id: 0,
            has_zone: false,
            has_hostname: false,
            cordoned: false,
            tainted: false,
            images: Vec::new(),
        }
    }

    /// Sets the Node object (or clears it) and what is read from it per filter.
    pub(crate) fn set_node(&mut self, node: Option<Arc<Object>>) {
        self.node = node;
        let spec = self.node().and_then(|n| n.spec.as_ref());
        let cordoned = spec.and_then(|s| s.unschedulable).unwrap_or(false);
        let tainted = spec.and_then(|s| s.taints.as_ref()).is_some_and(|t| !t.is_empty());
        (self.cordoned, self.tainted) = (cordoned, tainted);
        self.has_zone = self.label(LABEL_ZONE).is_some();
        self.has_hostname = self.label(super::plugins::topology_spread::LABEL_HOSTNAME).is_some();
    }

    pub fn node(&self) -> Option<&Node> {
        match self.node.as_deref() {
            Some(Object::Node(n)) => Some(n),
            _ => None,
        }
    }

    /// The size of the image named by cache number `id`, if the node's status lists it.
    pub fn image_size(&self, id: u32) -> Option<i64> {
        self.images.binary_search_by_key(&id, |e| e.0).ok().map(|i| self.images[i].1)
    }

    pub fn name(&self) -> &str {
        self.name
    }

    pub fn labels(&self) -> Option<&BTreeMap<String, String>> {
        self.node().and_then(|n| n.metadata.labels.as_ref())
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels().and_then(|l| l.get(key)).map(String::as_str)
    }

    pub fn taints(&self) -> &[Taint] {
        if !self.tainted {
            return &[];
        }
        self.node().and_then(|n| n.spec.as_ref()).and_then(|s| s.taints.as_deref()).unwrap_or(&[])
    }

    pub fn unschedulable(&self) -> bool {
        self.cordoned
    }

    pub fn zone(&self) -> String {
        self.label(LABEL_ZONE).unwrap_or("").to_string()
    }

    /// The `nodeTree` zone key: region and zone.
    pub(crate) fn zone_key(&self) -> String {
        let (region, zone) = (self.label(LABEL_REGION).unwrap_or(""), self.label(LABEL_ZONE).unwrap_or(""));
        if region.is_empty() && zone.is_empty() {
            String::new()
        } else {
            format!("{region}:\x00:{zone}")
        }
    }
}

/// Pods per owner number on one node: a short sorted list (a node holds pods of a few dozen
/// owners at most), searched in place, as spreading looks one owner up on every scored node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerCounts(Vec<(u32, u32)>);

impl OwnerCounts {
    pub fn get(&self, owner: u32) -> Option<u32> {
        self.0.binary_search_by_key(&owner, |e| e.0).ok().map(|i| self.0[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.0.iter().copied()
    }

    pub(crate) fn add(&mut self, owner: u32) {
        match self.0.binary_search_by_key(&owner, |e| e.0) {
            Ok(i) => self.0[i].1 += 1,
            Err(i) => self.0.insert(i, (owner, 1)),
        }
    }

    pub(crate) fn remove(&mut self, owner: u32) {
        if let Ok(i) = self.0.binary_search_by_key(&owner, |e| e.0) {
            self.0[i].1 -= 1;
            if self.0[i].1 == 0 {
                self.0.remove(i);
            }
        }
    }
}

/// A pod bound to a node, as the cache accounts it.
#[derive(Debug, Clone)]
pub struct PodInfo {
    pub node: String,
    pub pod: Arc<Object>,
    pub requests: PodRequests,
    pub ports: Vec<HostPort>,
    /// The controlling owner reference's number in the cache (its uid interned), if any.
    pub owner: Option<u32>,
}

impl PodInfo {
    pub fn pod(&self) -> Option<&Pod> {
        match self.pod.as_ref() {
            Object::Pod(p) => Some(p),
            _ => None,
        }
    }
}

/// The host ports a pod's containers ask for (`hostPort` > 0), with the host IP defaulted to
/// `0.0.0.0` and the protocol to TCP, as the NodePorts plugin reads them.
pub fn host_ports(spec: &PodSpec) -> Vec<HostPort> {
    let mut out = Vec::new();
    for c in &spec.containers {
        for p in c.ports.iter().flatten() {
            let Some(port) = p.host_port.filter(|p| *p > 0) else { continue };
            let ip = p.host_ip.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "0.0.0.0".into());
            let proto = p.protocol.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "TCP".into());
            out.push((ip, proto, port));
        }
    }
    out
}

/// The uid of the pod's controlling owner (`ownerReferences[].controller: true`).
pub fn controller_uid(pod: &Pod) -> Option<&str> {
    pod.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true)).map(|o| o.uid.as_str())
}
