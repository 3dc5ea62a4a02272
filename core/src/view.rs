//! Plain-data snapshots of the simulation: the only API the UI reads.

use crate::sim::Sim;
use crate::time::human_duration;

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
            resource_version: obj.resource_version,
            age: human_duration(sim.now().since(obj.created)),
        })
        .collect()
}
