//! VolumeBinding (pkg/scheduler/framework/plugins/volumebinding). PreFilter: every
//! PersistentVolumeClaim the pod mounts must exist, and claims of a StorageClass that binds
//! immediately (or with no class) must already be bound; otherwise the pod is unschedulable on
//! every node before any filter runs. Filter: a node must satisfy the node affinity of the
//! volumes bound to the pod's claims ("node(s) had volume node affinity conflict") and be the
//! node already selected for its delayed claims ("node(s) didn't find available persistent
//! volumes to bind"). Once a node is chosen, [`claims_to_bind`] names the delayed claims the
//! scheduler annotates with `volume.kubernetes.io/selected-node` (PreBind); the pod is bound
//! when they are.
//!
//! An unbound delayed claim not yet given a node (`FindPodVolumes`) is satisfied on a node by
//! a matching Available volume whose node affinity admits the node (the binder's own
//! matching rules, `pv_matching.rs`), or else by dynamic provisioning when its class names a
//! provisioner other than `kubernetes.io/no-provisioner` and the node's labels satisfy the
//! class's `allowedTopologies` (`MatchTopologySelectorTerms`: no terms admit every node, a term
//! without expressions admits none, a term needs all its expressions); otherwise the node
//! fails with "didn't find available persistent volumes to bind". Simplified: two claims of
//! one pod may be matched to the same volume while filtering, and CSI storage capacity is not
//! checked.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{NodeSelectorTerm, PersistentVolume, PersistentVolumeClaim, Pod, TopologySelectorTerm};

use super::super::cache::NodeInfo;
use super::super::framework::{PodCtx, Status};
use super::node_affinity::term_matches;
use crate::api::{Kind, Object};
use crate::controllers::pv_matching::{find_best_match, Node, ANN_SELECTED_NODE};
use crate::store::{ObjectRef, Store};

pub const ERR_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";
pub const ERR_NODE_CONFLICT: &str = "node(s) had volume node affinity conflict";
pub const ERR_BIND_CONFLICT: &str = "node(s) didn't find available persistent volumes to bind";

/// What the Filter checks, computed once per attempt.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Per bound volume with required node affinity: its terms (one must match).
    pub affinities: Vec<Vec<NodeSelectorTerm>>,
    /// The node already selected for the pod's delayed claims.
    pub selected: Option<String>,
    /// Delayed claims with no node yet that their class cannot provision everywhere.
    pub static_only: Vec<Unprovisioned>,
}

/// A delayed claim that needs a node where a matching volume fits or its class may provision.
#[derive(Debug, Clone)]
pub struct Unprovisioned {
    pub claim: PersistentVolumeClaim,
    /// The Available volumes of the store (one may fit on the node).
    pub volumes: Vec<PersistentVolume>,
    /// The class's allowedTopologies when it can provision (never empty); `None` when it cannot.
    pub provision_where: Option<Vec<TopologySelectorTerm>>,
}

impl Unprovisioned {
    fn fits(&self, node: &Node<'_>) -> bool {
        self.provision_where.as_ref().is_some_and(|terms| topology_matches(terms, node.labels))
            || find_best_match(&self.claim, &self.volumes, Some(node)).is_some()
    }
}

/// `MatchTopologySelectorTerms` over non-empty terms: one term whose expressions all hold
/// (label present with one of the values); a term with no expressions selects nothing.
pub fn topology_matches(terms: &[TopologySelectorTerm], labels: Option<&BTreeMap<String, String>>) -> bool {
    terms.iter().any(|term| {
        let exprs = term.match_label_expressions.as_deref().unwrap_or(&[]);
        !exprs.is_empty()
            && exprs.iter().all(|e| labels.and_then(|l| l.get(&e.key)).is_some_and(|v| e.values.iter().any(|x| x == v)))
    })
}

/// The provisioner that means "volumes of this class are created by hand".
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// Where the class can provision a volume: `None` nowhere (missing class or no real
/// provisioner), `Some(empty)` on every node, else on nodes its allowedTopologies admit.
fn provisionable(store: &Store, class: &str) -> Option<Vec<TopologySelectorTerm>> {
    match store.get(&ObjectRef::new(Kind::StorageClass, None, class))?.as_ref() {
        Object::StorageClass(sc) if !sc.provisioner.is_empty() && sc.provisioner != NO_PROVISIONER => {
            Some(sc.allowed_topologies.clone().unwrap_or_default())
        }
        _ => None,
    }
}

/// A claim a pod mounts: its name.
fn claim_names(pod: &Pod) -> impl Iterator<Item = String> + '_ {
    let volumes = pod.spec.as_ref().and_then(|s| s.volumes.as_deref()).unwrap_or(&[]);
    volumes.iter().filter_map(|v| match (&v.persistent_volume_claim, &v.ephemeral) {
        (Some(c), _) => Some(c.claim_name.clone()),
        // Generic ephemeral volumes: the claim is named <pod>-<volume>.
        (None, Some(_)) => Some(format!("{}-{}", pod.metadata.name.as_deref().unwrap_or(""), v.name)),
        _ => None,
    })
}

fn is_delayed(store: &Store, class: &str) -> bool {
    !class.is_empty()
        && store.get(&ObjectRef::new(Kind::StorageClass, None, class)).is_some_and(|sc| match sc.as_ref() {
            Object::StorageClass(sc) => sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"),
            _ => false,
        })
}

/// The PreFilter: the failure message, or the Filter's state.
pub fn pre_filter(store: &Store, pod: &Pod) -> Result<State, String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut state = State::default();
    let mut unbound_immediate = false;
    for name in claim_names(pod) {
        let Some(obj) = store.get(&ObjectRef::new(Kind::PersistentVolumeClaim, Some(ns), &name)) else {
            return Err(format!("persistentvolumeclaim \"{name}\" not found"));
        };
        let Object::PersistentVolumeClaim(pvc) = obj.as_ref() else { continue };
        if let Some(volume) = pvc.spec.as_ref().and_then(|s| s.volume_name.as_deref()).filter(|n| !n.is_empty()) {
            if let Some(Object::PersistentVolume(pv)) = store.get(&ObjectRef::new(Kind::PersistentVolume, None, volume)).map(|o| o.as_ref()) {
                let required = pv.spec.as_ref().and_then(|s| s.node_affinity.as_ref()).and_then(|a| a.required.as_ref());
                if let Some(r) = required {
                    state.affinities.push(r.node_selector_terms.clone());
                }
            }
            continue;
        }
        let class = pvc.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or("");
        if !is_delayed(store, class) {
            unbound_immediate = true;
        } else if let Some(node) = pvc.metadata.annotations.as_ref().and_then(|a| a.get(ANN_SELECTED_NODE)) {
            state.selected = Some(node.clone());
        } else {
            let provision_where = match provisionable(store, class) {
                Some(terms) if terms.is_empty() => continue, // any node will do
                where_ => where_,
            };
            let volumes = store
                .list(Kind::PersistentVolume, None)
                .filter_map(|o| match o.as_ref() {
                    Object::PersistentVolume(pv) => Some((**pv).clone()),
                    _ => None,
                })
                .collect();
            state.static_only.push(Unprovisioned { claim: (**pvc).clone(), volumes, provision_where });
        }
    }
    if unbound_immediate {
        return Err(ERR_UNBOUND_IMMEDIATE.to_string());
    }
    Ok(state)
}

pub fn filter(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<Status> {
    let state = &pod.volumes;
    if state.selected.as_deref().is_some_and(|s| s != &*node.name) {
        return Some(Status::unresolvable(ERR_BIND_CONFLICT));
    }
    if state.affinities.iter().any(|terms| !terms.iter().any(|t| term_matches(t, node))) {
        return Some(Status::unresolvable(ERR_NODE_CONFLICT));
    }
    if state.static_only.is_empty() {
        return None;
    }
    // Only now is the Node object itself read (a pod without such claims never touches it).
    let here = Node { name: node.name(), labels: node.labels() };
    let unmet = state.static_only.iter().any(|claim| !claim.fits(&here));
    unmet.then(|| Status::unresolvable(ERR_BIND_CONFLICT))
}

/// The pod's unbound claims of delayed classes: the scheduler names `node` on those not yet
/// annotated (the first element says which), and binds the pod only once none is left.
pub fn claims_to_bind(store: &Store, pod: &Pod) -> Vec<(ObjectRef, bool)> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut out = Vec::new();
    for name in claim_names(pod) {
        let key = ObjectRef::new(Kind::PersistentVolumeClaim, Some(ns), &name);
        let Some(Object::PersistentVolumeClaim(pvc)) = store.get(&key).map(|o| o.as_ref()) else { continue };
        let bound = pvc.spec.as_ref().and_then(|s| s.volume_name.as_deref()).is_some_and(|n| !n.is_empty());
        let class = pvc.spec.as_ref().and_then(|s| s.storage_class_name.as_deref()).unwrap_or("");
        if bound || !is_delayed(store, class) {
            continue;
        }
        let annotated = pvc.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(ANN_SELECTED_NODE));
        out.push((key, !annotated));
    }
    out
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::TopologySelectorLabelRequirement;

    use super::*;

    fn term(exprs: &[(&str, &[&str])]) -> TopologySelectorTerm {
        TopologySelectorTerm {
            match_label_expressions: Some(
                exprs
                    .iter()
                    .map(|(k, vs)| TopologySelectorLabelRequirement { key: k.to_string(), values: vs.iter().map(|v| v.to_string()).collect() })
                    .collect(),
            ),
        }
    }

    #[test]
    fn topology_terms_are_ored_and_their_expressions_anded() {
        let labels: BTreeMap<String, String> =
            [("zone", "a"), ("disk", "ssd")].into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let empty = TopologySelectorTerm { match_label_expressions: None };
        // (terms, matches)
        let table: Vec<(Vec<TopologySelectorTerm>, bool)> = vec![
            (vec![term(&[("zone", &["a", "b"])])], true),
            (vec![term(&[("zone", &["b"])])], false),
            (vec![term(&[("zone", &["a"]), ("disk", &["hdd"])])], false),
            (vec![term(&[("zone", &["b"])]), term(&[("disk", &["ssd"])])], true),
            (vec![term(&[("rack", &["1"])])], false),
            (vec![term(&[("zone", &[])])], false),
            (vec![empty.clone()], false),
            (vec![empty, term(&[("zone", &["a"])])], true),
        ];
        for (terms, want) in table {
            assert_eq!(topology_matches(&terms, Some(&labels)), want, "{terms:?}");
        }
        assert!(!topology_matches(&[term(&[("zone", &["a"])])], None));
    }
}
