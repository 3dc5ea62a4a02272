//! `kubectl api-resources` and `kubectl version`.

use crate::api::KINDS;

use super::printers::table::tabwrite;
use super::{Args, Output};

/// The Kubernetes version the simulated cluster reports.
pub const SERVER_VERSION: &str = "v1.34.1";
/// The kubectl version the simulated client reports.
pub const CLIENT_VERSION: &str = "v1.34.1";

pub fn api_resources(args: &Args) -> Output {
    let mut rows: Vec<_> = KINDS.iter().collect();
    rows.sort_by_key(|k| (k.group, k.plural));
    let namespaced_filter = args.bools.get("namespaced").copied();
    let mut text = String::from("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND\n");
    for k in rows {
        if let Some(want) = namespaced_filter {
            if want != k.namespaced {
                continue;
            }
        }
        let api_version = if k.group.is_empty() { k.versions[0].to_string() } else { format!("{}/{}", k.group, k.versions[0]) };
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            k.plural,
            k.short_names.join(","),
            api_version,
            k.namespaced,
            k.name
        ));
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
