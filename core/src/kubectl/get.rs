//! `kubectl get`: resolve what was asked for, filter by namespace and selectors, print as a
//! table (plain, wide, with labels) or as name / yaml / json; `-w` keeps a watch open.

use std::sync::Arc;

use crate::api::custom::Discovery;
use crate::api::{Kind, Object};
use crate::sim::Sim;
use crate::store::{field_selector, selector, ObjectRef};

use super::printers::{self, PrintOptions};
use super::resources::{custom_columns, resource_kind};
use super::write::namespace;
use super::{Args, Output};

/// The kinds `kubectl get all` lists, in kubectl's order.
pub const ALL: &[Kind] = &[
    Kind::Pod,
    Kind::Service,
    Kind::DaemonSet,
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::StatefulSet,
    Kind::ReplicationController,
    Kind::HorizontalPodAutoscaler,
    Kind::CronJob,
    Kind::Job,
];

/// A parsed `kubectl get` request, reusable by a watch.
#[derive(Debug, Clone)]
pub struct GetRequest {
    pub kinds: Vec<Kind>,
    pub names: Vec<(Kind, String)>,
    pub namespace: Option<String>,
    pub label_selector: Option<selector::Selector>,
    pub field_selector: Option<field_selector::FieldSelector>,
    pub output: String,
    pub opts: PrintOptions,
}

pub fn parse_request(args: &Args, rest: &[String], discovery: &Discovery) -> Result<GetRequest, Output> {
    if rest.is_empty() {
        return Err(Output::error(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.",
        ));
    }
    let mut kinds = Vec::new();
    let mut names = Vec::new();
    if rest.iter().all(|r| r.contains('/')) {
        for r in rest {
            let (t, n) = r.split_once('/').unwrap_or((r, ""));
            let k = resource_kind(discovery, t)?;
            names.push((k, n.to_string()));
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
    } else {
        for t in rest[0].split(',') {
            if t == "all" {
                kinds.extend_from_slice(ALL);
                kinds.extend(discovery.in_category("all"));
            } else {
                kinds.push(resource_kind(discovery, t)?);
            }
        }
        for n in &rest[1..] {
            for k in &kinds {
                names.push((*k, n.clone()));
            }
        }
    }
    let all_ns = args.flag("all-namespaces");
    let ns = namespace(args);
    let label_selector = match args.value("selector") {
        Some(s) => Some(selector::parse(s).map_err(|e| Output::error(format!("error: {e}")))?),
        None => None,
    };
    let field_selector = match args.value("field-selector") {
        Some(s) => {
            let fs = field_selector::parse(s).map_err(|e| Output::error(format!("error: {e}")))?;
            for k in &kinds {
                fs.check_supported(*k).map_err(|e| Output::error(format!("Error from server (BadRequest): {e}")))?;
            }
            Some(fs)
        }
        None => None,
    };
    let output = args.value("output").unwrap_or("").to_string();
    if !matches!(output.as_str(), "" | "wide" | "yaml" | "json" | "name") {
        return Err(Output::error(format!(
            "error: unable to match a printer suitable for the output format \"{output}\", allowed formats are: json,name,wide,yaml"
        )));
    }
    let opts = PrintOptions {
        wide: output == "wide",
        show_labels: args.flag("show-labels"),
        with_namespace: all_ns,
        no_headers: args.flag("no-headers"),
        label_columns: args.all("label-columns").iter().flat_map(|c| c.split(',')).map(str::to_string).collect(),
        with_kind: kinds.len() > 1 || rest[0] == "all",
        namespace: ns.clone(),
        custom_columns: Default::default(),
    };
    Ok(GetRequest {
        kinds,
        names,
        namespace: if all_ns { None } else { Some(ns) },
        label_selector,
        field_selector,
        output,
        opts,
    })
}

impl GetRequest {
    /// Does a watch event's object belong to this request?
    pub fn selects(&self, obj: &Object) -> bool {
        let kind = obj.kind();
        if !self.kinds.contains(&kind) {
            return false;
        }
        if kind.info().namespaced && self.namespace.is_some() && obj.namespace() != self.namespace.as_deref() {
            return false;
        }
        if !self.names.is_empty() && !self.names.iter().any(|(k, n)| *k == kind && n == obj.name()) {
            return false;
        }
        self.label_selector.as_ref().is_none_or(|s| s.matches(obj.labels()))
            && self.field_selector.as_ref().is_none_or(|s| s.matches(obj))
    }
}

pub fn get_command(sim: &Sim, args: &Args, rest: &[String]) -> Output {
    let discovery = sim.store().discovery();
    let mut req = match parse_request(args, rest, &discovery) {
        Ok(r) => r,
        Err(o) => return o,
    };
    req.opts.custom_columns = custom_columns(sim, &discovery, &req.kinds);
    let mut out = Output::default();
    let mut kinds: Vec<Kind> = req.kinds.iter().copied().chain(req.names.iter().map(|(k, _)| *k)).collect();
    kinds.dedup();
    out.stderr.push_str(&super::deprecation_warnings(&kinds));
    let mut found: Vec<Arc<Object>> = Vec::new();
    if req.names.is_empty() {
        for &kind in &req.kinds {
            let scope = if kind.info().namespaced { req.namespace.as_deref() } else { None };
            found.extend(sim.store().list(kind, scope).filter(|o| req.selects(o)).cloned());
        }
    } else {
        for (kind, name) in &req.names {
            let key = ObjectRef::new(*kind, kind.info().namespaced.then_some(req.opts.namespace.as_str()), name);
            match sim.store().get(&key) {
                Some(o) => found.push(o.clone()),
                None => {
                    out.stderr.push_str(&format!(
                        "Error from server (NotFound): {} \"{name}\" not found\n",
                        crate::sim::apiserver::resource_name(*kind)
                    ));
                    out.status = 1;
                }
            }
        }
    }
    let objects: Vec<&Object> = found.iter().map(|a| a.as_ref()).collect();
    let single = !req.names.is_empty() && req.names.len() == 1;
    match req.output.as_str() {
        "yaml" if !objects.is_empty() => out.stdout.push_str(&printers::print_yaml(&objects, !single)),
        "json" if !objects.is_empty() => out.stdout.push_str(&printers::print_json(&objects, !single)),
        "name" => out.stdout.push_str(&printers::print_names(&objects)),
        _ => {
            if objects.is_empty() && out.status == 0 {
                let kind = (req.kinds.len() == 1).then(|| req.kinds[0]);
                out.stderr.push_str(&printers::no_resources_message(kind, &req.opts));
            } else if !objects.is_empty() {
                let printed = if req.opts.with_kind {
                    printers::print_mixed(&objects, sim.now(), &req.opts)
                } else {
                    printers::print_table(req.kinds[0], &objects, sim.now(), &req.opts)
                };
                out.stdout.push_str(&printed.stdout);
                out.stderr.push_str(&printed.stderr);
            }
        }
    }
    if args.flag("watch") {
        out.watch = Some(Box::new(super::WatchRequest::Get(req)));
    }
    out
}
