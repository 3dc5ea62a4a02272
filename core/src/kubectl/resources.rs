//! Resource types typed on the command line, resolved the way kubectl's REST mapper resolves
//! them: built-in kinds, then the custom kinds that Established CRDs serve (by plural,
//! singular, short name or kind, optionally `.group` or `.version.group` qualified).

use std::collections::BTreeMap;

use crate::api::custom::Discovery;
use crate::api::Kind;
use crate::sim::Sim;

use super::printers::custom::{printer_columns, PrinterColumn};
use super::Output;

/// `kubectl get <t>`: the kind `t` names, or kubectl's error.
pub fn resource_kind(discovery: &Discovery, t: &str) -> Result<Kind, Output> {
    discovery
        .resource(t)
        .ok_or_else(|| Output::error(format!("error: the server doesn't have a resource type \"{t}\"")))
}

/// The printer columns of each custom kind among `kinds`, read in its preferred version.
pub fn custom_columns(sim: &Sim, discovery: &Discovery, kinds: &[Kind]) -> BTreeMap<Kind, Vec<PrinterColumn>> {
    let mut out = BTreeMap::new();
    for &kind in kinds.iter().filter(|k| k.is_custom()) {
        let (Some(served), Some(crd)) = (discovery.get(kind), sim.store().crd_for(kind)) else { continue };
        if let Some(version) = served.versions.first() {
            out.insert(kind, printer_columns(crd, version));
        }
    }
    out
}
