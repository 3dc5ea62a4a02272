//! What a mount of a pod's API-backed volumes read: the ConfigMaps and Secrets it found and the
//! pod fields rendering reads. Files are rendered from it when someone looks, so they stay as
//! they were at that mount until the next remount (`volumes.rs`): an edited ConfigMap shows at
//! the pod's next sync, and a `subPath` mount keeps the snapshot its container was created with.
//!
//! Cost: the sources are the store's `Arc`s (no copy). Of the pod, a snapshot keeps its name,
//! namespace and uid, which cannot change while it exists (the sources' namespace, the stand-in
//! token, `metadata.name|namespace|uid` files), and keeps the rest rendering may read (node
//! name, service account, labels, annotations, container resources) only when a downward API
//! item of its volumes reads more than those fields and the addresses. So a pod whose only
//! API-backed volume is `kube-api-access-*` (token, `kube-root-ca.crt`, namespace) keeps three
//! strings and the `Arc` of the ConfigMap it read.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{DownwardAPIVolumeFile, Pod, ResourceRequirements};

use crate::api::{Kind, Object};

use super::downward::{reads_fixed_field, PodFields};

/// What the volumes held at a (re)mount.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// What rendering reads of the pod.
    pub pod: PodView,
    /// The ConfigMaps and Secrets found, in the order the volumes name them (one that was not
    /// found is absent).
    pub sources: Vec<Arc<Object>>,
}

impl Eq for Snapshot {}

impl Snapshot {
    /// The ConfigMap or Secret `name` of the pod's namespace as read then (`None`: not found).
    pub fn source(&self, kind: Kind, name: &str) -> Option<&Object> {
        self.sources.iter().map(|o| o.as_ref()).find(|o| o.kind() == kind && o.name() == name)
    }
}

/// The pod as a mount saw it, as far as rendering reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct PodView {
    name: String,
    namespace: Option<String>,
    uid: String,
    /// The fields that can change or that only some downward API items read; `None` when no
    /// item of the pod's volumes reads them.
    more: Option<Box<MoreFields>>,
}

#[derive(Debug, Clone, PartialEq)]
struct MoreFields {
    node_name: Option<String>,
    service_account_name: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    annotations: Option<BTreeMap<String, String>>,
    /// Each container's name and resources: init containers, then app containers.
    containers: Vec<(String, Option<ResourceRequirements>)>,
}

impl PodView {
    pub fn of(pod: &Pod) -> PodView {
        let meta = &pod.metadata;
        let more = reads_more(pod).then(|| {
            let spec = pod.spec.as_ref();
            let containers = spec
                .into_iter()
                .flat_map(|s| s.init_containers.iter().flatten().chain(s.containers.iter()))
                .map(|c| (c.name.clone(), c.resources.clone()))
                .collect();
            Box::new(MoreFields {
                node_name: spec.and_then(|s| s.node_name.clone()),
                service_account_name: spec.and_then(|s| s.service_account_name.clone()),
                labels: meta.labels.clone(),
                annotations: meta.annotations.clone(),
                containers,
            })
        });
        PodView { name: meta.name.clone().unwrap_or_default(), namespace: meta.namespace.clone(), uid: meta.uid.clone().unwrap_or_default(), more }
    }

    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The fields `fieldRef`s read (the ones not kept read empty; no item reads them).
    pub fn fields(&self) -> PodFields<'_> {
        let more = self.more.as_deref();
        PodFields {
            name: &self.name,
            namespace: self.namespace.as_deref().unwrap_or(""),
            uid: &self.uid,
            labels: more.and_then(|m| m.labels.as_ref()),
            annotations: more.and_then(|m| m.annotations.as_ref()),
            node_name: more.and_then(|m| m.node_name.as_deref()).unwrap_or(""),
            service_account_name: more.and_then(|m| m.service_account_name.as_deref()).unwrap_or(""),
        }
    }

    /// The resources of the container `name` (`None`: no such container).
    pub fn resources(&self, name: &str) -> Option<Option<&ResourceRequirements>> {
        let more = self.more.as_deref()?;
        more.containers.iter().find(|(n, _)| n == name).map(|(_, r)| r.as_ref())
    }

    /// Whether `pod` differs from this view in what a remount would render differently: the
    /// labels or annotations, when an item reads them.
    pub fn changed(&self, pod: &Pod) -> bool {
        self.more.as_deref().is_some_and(|m| m.labels != pod.metadata.labels || m.annotations != pod.metadata.annotations)
    }
}

/// Whether a downward API item of the pod's volumes (a `downwardAPI` volume or projected
/// source) reads more than the fields that are fixed for the pod's lifetime.
fn reads_more(pod: &Pod) -> bool {
    let vols = pod.spec.as_ref().and_then(|s| s.volumes.as_deref()).unwrap_or(&[]);
    let item_reads_more = |f: &DownwardAPIVolumeFile| f.resource_field_ref.is_some() || f.field_ref.as_ref().is_some_and(|r| !reads_fixed_field(&r.field_path));
    vols.iter().any(|v| {
        let own = v.downward_api.iter().flat_map(|d| d.items.iter().flatten());
        let projected = v.projected.iter().flat_map(|p| p.sources.iter().flatten()).flat_map(|s| s.downward_api.iter().flat_map(|d| d.items.iter().flatten()));
        own.chain(projected).any(item_reads_more)
    })
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
