//! `kubectl api-resources` and `kubectl version`.

use crate::api::KINDS;
use crate::sim::Sim;

use super::printers::table::tabwrite;
use super::{Args, Output};

/// The Kubernetes version the simulated cluster reports.
pub const SERVER_VERSION: &str = "v1.34.1";
/// The kubectl version the simulated client reports.
pub const CLIENT_VERSION: &str = "v1.34.1";

/// `kubectl api-resources`: the built-in kinds and the custom kinds of Established CRDs,
/// sorted by group, then name.
pub fn api_resources(sim: &Sim, args: &Args) -> Output {
    struct Row {
        group: String,
        plural: String,
        short_names: String,
        api_version: String,
        namespaced: bool,
        kind: String,
    }
    let mut rows: Vec<Row> = KINDS
        .iter()
        .map(|k| Row {
            group: k.group.to_string(),
            plural: k.plural.to_string(),
            short_names: k.short_names.join(","),
            api_version: if k.group.is_empty() { k.versions[0].to_string() } else { format!("{}/{}", k.group, k.versions[0]) },
            namespaced: k.namespaced,
            kind: k.name.to_string(),
        })
        .collect();
    for s in sim.store().discovery().custom() {
        rows.push(Row {
            group: s.group.clone(),
            plural: s.plural.clone(),
            short_names: s.short_names.join(","),
            api_version: s.api_version(),
            namespaced: s.namespaced,
            kind: s.kind.info().name.to_string(),
        });
    }
    rows.sort_by(|a, b| (&a.group, &a.plural).cmp(&(&b.group, &b.plural)));
    let namespaced_filter = args.bools.get("namespaced").copied();
    let mut text = String::from("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND\n");
    for r in rows {
        if namespaced_filter.is_some_and(|want| want != r.namespaced) {
            continue;
        }
        text.push_str(&format!("{}\t{}\t{}\t{}\t{}\n", r.plural, r.short_names, r.api_version, r.namespaced, r.kind));
    }
    Output::ok(tabwrite(&text, 0, 3))
}

pub fn version(args: &Args) -> Output {
    if args.flag("client") {
        return Output::ok(format!("Client Version: {CLIENT_VERSION}\nKustomize Version: v5.7.1\n"));
    }
    Output::ok(format!(
        "Client Version: {CLIENT_VERSION}\nKustomize Version: v5.7.1\nServer Version: {SERVER_VERSION}\n"
    ))
}
