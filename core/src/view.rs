//! Plain-data snapshots of the simulation: the only API the UI reads.

use crate::sim::Sim;
use crate::store::rv_of;
use crate::time::{from_k8s, human_duration};

/// One row of the object list: what `kubectl get all -A` would show, reduced to identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub resource_version: u64,
    pub age: String,
}

/// Every object in the store, in store order (kind, namespace, name).
pub fn object_rows(sim: &Sim) -> Vec<ObjectRow> {
    sim.store()
        .iter()
        .map(|(key, obj)| ObjectRow {
            kind: key.kind.to_string(),
            namespace: key.namespace.clone().unwrap_or_default(),
            name: key.name.clone(),
            resource_version: rv_of(obj),
            age: obj
                .metadata()
                .creation_timestamp
                .as_ref()
                .map(|t| human_duration(sim.now().since(from_k8s(t))))
                .unwrap_or_default(),
        })
        .collect()
}
