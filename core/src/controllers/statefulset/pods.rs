//! StatefulSet identities: pod names `<set>-<ordinal>`, claims `<template>-<set>-<ordinal>`,
//! and the pod and claim objects built from the set (`newStatefulSetPod`,
//! `getPersistentVolumeClaims`).

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, PodTemplateSpec, Volume};

use crate::api::Object;
use crate::controllers::replicaset::pod_from_template;
use crate::controllers::revision::POD_REVISION_LABEL;

pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";

pub fn pod_name(set: &str, ordinal: i32) -> String {
    format!("{set}-{ordinal}")
}

pub fn claim_name(claim: &str, set: &str, ordinal: i32) -> String {
    format!("{claim}-{set}-{ordinal}")
}

/// `getParentNameAndOrdinal`: the greedy `(.*)-([0-9]+)$` split; the ordinal when the parent
/// is `set`.
pub fn ordinal_of(set: &str, pod: &str) -> Option<i32> {
    let (parent, digits) = pod.rsplit_once('-')?;
    if parent != set || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The revision name a pod was made from (its `controller-revision-hash` label).
pub fn revision_of(p: &Pod) -> Option<&str> {
    p.metadata.labels.as_ref().and_then(|l| l.get(POD_REVISION_LABEL)).map(String::as_str)
}

/// `spec.ordinals.start` (0 by default).
pub fn start(set: &StatefulSet) -> i32 {
    set.spec.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0).max(0)
}

/// The claims pod `ordinal` uses: each volumeClaimTemplate renamed, in the set's namespace,
/// labelled with the template's labels and the set selector's matchLabels.
pub fn claims(set: &StatefulSet, ordinal: i32) -> Vec<PersistentVolumeClaim> {
    let set_name = set.metadata.name.as_deref().unwrap_or("");
    let selector_labels = set.spec.selector.match_labels.clone().unwrap_or_default();
    set.spec
        .volume_claim_templates
        .iter()
        .flatten()
        .map(|t| {
            let mut claim = t.clone();
            let template_name = t.metadata.name.clone().unwrap_or_default();
            claim.metadata.name = Some(claim_name(&template_name, set_name, ordinal));
            claim.metadata.namespace = set.metadata.namespace.clone();
            let labels = claim.metadata.labels.get_or_insert_with(BTreeMap::new);
            labels.extend(selector_labels.clone());
            claim.status = None;
            claim
        })
        .collect()
}

/// `newVersionedStatefulSetPod`: the template's pod named for its ordinal, with the set's
/// identity (hostname, subdomain, name and index labels), its claims as volumes (claim
/// volumes first, then the template's other volumes), and the revision label.
pub fn new_pod(owner: &Arc<Object>, set: &StatefulSet, template: &PodTemplateSpec, ordinal: i32, revision: &str) -> Pod {
    let set_name = set.metadata.name.as_deref().unwrap_or("");
    let name = pod_name(set_name, ordinal);
    let mut pod = pod_from_template(owner, set_name, template);
    pod.metadata.name = Some(name.clone());
    let labels = pod.metadata.labels.get_or_insert_with(BTreeMap::new);
    labels.insert(POD_NAME_LABEL.into(), name.clone());
    labels.insert(POD_INDEX_LABEL.into(), ordinal.to_string());
    labels.insert(POD_REVISION_LABEL.into(), revision.to_string());
    let spec = pod.spec.get_or_insert_with(Default::default);
    spec.hostname = Some(name);
    spec.subdomain = set.spec.service_name.clone().filter(|s| !s.is_empty());
    let templates: Vec<(String, String)> = set
        .spec
        .volume_claim_templates
        .iter()
        .flatten()
        .map(|t| {
            let n = t.metadata.name.clone().unwrap_or_default();
            let claim = claim_name(&n, set_name, ordinal);
            (n, claim)
        })
        .collect();
    if !templates.is_empty() {
        let mut volumes: Vec<Volume> = templates
            .iter()
            .map(|(n, claim)| Volume {
                name: n.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource { claim_name: claim.clone(), read_only: None }),
                ..Default::default()
            })
            .collect();
        let others = spec.volumes.take().unwrap_or_default().into_iter().filter(|v| !templates.iter().any(|(n, _)| *n == v.name));
        volumes.extend(others);
        spec.volumes = Some(volumes);
    }
    pod
}
