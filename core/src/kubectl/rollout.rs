//! `kubectl rollout status|history|undo|pause|resume|restart`, with kubectl's messages and
//! errors (`pkg/cmd/rollout` and `pkg/polymorphichelpers`).
//!
//! - this file: the subcommands, the objects they name, pause / resume / restart, and the
//!   pieces `set` shares (targets, dry-run, printing a result, kubectl's error aggregation);
//! - `status`: the status viewers and the watch `rollout status` keeps open;
//! - `history`: revisions from a deployment's replica sets (`history`, `undo`).

mod history;
mod status;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::api::{parse_manifests, Kind, Object};
use crate::kubectl::printers;
use crate::sim::apiserver::resource_name;
use crate::sim::Sim;
use crate::store::{Cause, Component, ObjectRef};
use crate::time::rfc3339;

use super::write::{namespace, resolve_targets};
use super::{Args, Files, Output};

pub use status::{status_of, StatusWatch};

const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

const HELP: &str = "Manage the rollout of one or many resources.

 Valid resource types include:

  *  deployments
  *  daemonsets
  *  statefulsets

Available Commands:
  history       View rollout history
  pause         Mark the provided resource as paused
  restart       Restart a resource
  resume        Resume a paused resource
  status        Show the status of the rollout
  undo          Undo a previous rollout

Usage:
  kubectl rollout SUBCOMMAND [options]

Use \"kubectl rollout <command> --help\" for more information about a given command.
";

/// `kubectl rollout <subcommand> …`; `rest` starts at the subcommand.
pub fn rollout(sim: &mut Sim, args: &Args, rest: &[String], files: &dyn Files) -> Output {
    let Some(sub) = rest.first() else {
        return Output { stderr: HELP.to_string(), status: 1, ..Default::default() };
    };
    let rest = &rest[1..];
    match sub.as_str() {
        "status" => status::status(sim, args, rest, files),
        "history" => history::history(sim, args, rest, files),
        "undo" => history::undo(sim, args, rest, files),
        "pause" => pause_or_resume(sim, args, rest, files, true),
        "resume" => pause_or_resume(sim, args, rest, files, false),
        "restart" => restart(sim, args, rest, files),
        _ => Output::error(format!(
            "error: unknown command \"{}\"\nSee 'kubectl rollout -h' for help and examples",
            std::iter::once(sub).chain(rest).cloned().collect::<Vec<_>>().join(" ")
        )),
    }
}

/// What kubectl's `CheckErr` prints for the errors a command gathered: one error gets the
/// `error: ` prefix unless it already has one (or is a server error); several are listed as they are.
pub(crate) fn check_err(errors: &[String]) -> String {
    match errors {
        [] => String::new(),
        [one] => {
            let mut msg = if one.starts_with("error: ") || one.starts_with("Error from server") {
                one.clone()
            } else {
                format!("error: {one}")
            };
            if !msg.ends_with('\n') {
                msg.push('\n');
            }
            msg
        }
        many => many.iter().map(|e| format!("{e}\n")).collect(),
    }
}

/// Ends a command: what it printed, then its gathered errors.
pub(crate) fn finish(stdout: String, errors: &[String]) -> Output {
    Output { stdout, stderr: check_err(errors), status: i32::from(!errors.is_empty()), ..Default::default() }
}

/// `--dry-run[=client|server|none]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRun {
    None,
    Client,
    Server,
}

impl DryRun {
    pub fn parse(args: &Args) -> Result<DryRun, Output> {
        if !args.bools.contains_key("dry-run") {
            return Ok(DryRun::None);
        }
        match args.value("dry-run") {
            None | Some("client") | Some("true") => Ok(DryRun::Client),
            Some("server") => Ok(DryRun::Server),
            Some("none") | Some("false") => Ok(DryRun::None),
            Some(other) => Err(Output::error(format!(
                "error: Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
            ))),
        }
    }

    /// The name printer's suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

/// Checks `-o`: the name printer by default, or `name`, `yaml`, `json`.
pub(crate) fn check_output(args: &Args) -> Result<(), Output> {
    match args.value("output") {
        None | Some("name" | "yaml" | "json") => Ok(()),
        Some(other) => Err(Output::error(format!(
            "error: unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,name,yaml"
        ))),
    }
}

/// Prints a command's result for `obj` as kubectl's printers do: `deployment.apps/web paused`,
/// or the object for `-o name|yaml|json`.
pub(crate) fn print_result(args: &Args, obj: &Object, operation: &str) -> String {
    match args.value("output") {
        Some("name") => format!("{}\n", ObjectRef::of(obj)),
        Some("yaml") => printers::print_yaml(&[obj], false),
        Some("json") => printers::print_json(&[obj], false),
        _ if operation.is_empty() => format!("{}\n", ObjectRef::of(obj)),
        _ => format!("{} {operation}\n", ObjectRef::of(obj)),
    }
}

/// `Kind.group` as Go prints a `schema.GroupKind`: `Deployment.apps`, `Pod`.
pub(crate) fn group_kind(kind: Kind) -> String {
    let info = kind.info();
    if info.group.is_empty() {
        info.name.to_string()
    } else {
        format!("{}.{}", info.name, info.group)
    }
}

/// `{ Service}`, `{networking.k8s.io Ingress}`: a `GroupKindElement` printed with `%v`.
pub(crate) fn group_kind_element(kind: Kind) -> String {
    format!("{{{} {}}}", kind.info().group, kind.info().name)
}

/// Kinds kubectl's kind visitor knows (`pkg/apps/kind_visitor.go`).
pub(crate) fn visitable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::DaemonSet
            | Kind::Deployment
            | Kind::Job
            | Kind::Pod
            | Kind::ReplicaSet
            | Kind::ReplicationController
            | Kind::StatefulSet
            | Kind::CronJob
    )
}

/// The objects a command names: `TYPE NAME…`, `TYPE/NAME…`, `TYPE -l SELECTOR`, `TYPE --all`
/// or `-f FILE`. With `all_when_unnamed`, a bare `TYPE` means every object of it (rollout's
/// builders allow an empty selector). Objects are looked up; missing ones become kubectl's
/// NotFound errors.
pub(crate) fn lookup_targets(
    sim: &Sim,
    args: &Args,
    rest: &[String],
    files: &dyn Files,
    all_when_unnamed: bool,
) -> Result<(Vec<Object>, Vec<String>), Output> {
    let keys = if !args.all("filename").is_empty() {
        keys_from_files(args, files)?
    } else {
        if rest.iter().any(|r| r.contains('/')) && !rest.iter().all(|r| r.contains('/')) {
            return Err(Output::error(
                "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
            ));
        }
        let mut listing = args.clone();
        if all_when_unnamed && args.value("selector").is_none() {
            listing.bools.insert("all", true);
        }
        resolve_targets(sim, &listing, rest)?
    };
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for key in keys {
        match sim.get(&key) {
            Some(obj) => found.push(obj.clone()),
            None => errors.push(not_found(&key)),
        }
    }
    Ok((found, errors))
}

pub(crate) fn not_found(key: &ObjectRef) -> String {
    format!("Error from server (NotFound): {} \"{}\" not found", resource_name(key.kind), key.name)
}

fn keys_from_files(args: &Args, files: &dyn Files) -> Result<Vec<ObjectRef>, Output> {
    let mut keys = Vec::new();
    for path in args.all("filename") {
        let text = files.read(path).map_err(|e| Output::error(format!("error: {e}")))?;
        for doc in parse_manifests(&text).into_iter().flatten() {
            let v = &doc.value;
            let api_version = v.get("apiVersion").and_then(|a| a.as_str()).unwrap_or("");
            let kind = v.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            let Some(kind) = Kind::lookup(api_version, kind) else { continue };
            let name = v.pointer("/metadata/name").and_then(|n| n.as_str()).unwrap_or("");
            let ns = v.pointer("/metadata/namespace").and_then(|n| n.as_str()).map(str::to_string).unwrap_or_else(|| namespace(args));
            keys.push(ObjectRef::new(kind, kind.info().namespaced.then_some(ns.as_str()), name));
        }
    }
    Ok(keys)
}

/// Writes changed objects as one user action; returns each write's result in order.
pub(crate) fn write_all(sim: &mut Sim, summary: String, objects: Vec<Object>) -> Vec<Result<Object, String>> {
    if objects.is_empty() {
        return Vec::new();
    }
    let action = sim.begin_action(summary);
    let by = Component::new("kubectl");
    let results = objects
        .into_iter()
        .map(|obj| sim.api().update(obj, &by, Cause::Action(action)).map(|o| (*o).clone()).map_err(|e| e.message()))
        .collect();
    sim.after_action();
    results
}

fn pause_or_resume(sim: &mut Sim, args: &Args, rest: &[String], files: &dyn Files, pause: bool) -> Output {
    let (verb, done, gerund) = if pause { ("pause", "paused", "pausing") } else { ("resume", "resumed", "resuming") };
    if let Err(o) = require_resource(args, rest) {
        return o;
    }
    let (objects, mut errors, dry_run) = match write_targets(sim, args, rest, files) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let mut changed = Vec::new();
    for obj in objects {
        let key = ObjectRef::of(&obj);
        let mut obj = obj;
        let Object::Deployment(d) = &mut obj else {
            errors.push(format!("error: {} \"{}\" {gerund} is not supported", resource_name(key.kind), key.name));
            continue;
        };
        let paused = d.spec.paused.unwrap_or(false);
        if paused == pause {
            let state = if pause { "is already paused" } else { "is not paused" };
            errors.push(format!("error: {} \"{}\" {state}", resource_name(key.kind), key.name));
            continue;
        }
        d.spec.paused = pause.then_some(true);
        changed.push(obj);
    }
    write_changes(sim, args, format!("kubectl rollout {verb} {}", rest.join(" ")), changed, done, dry_run, errors)
}

/// Every rollout subcommand needs a resource: named, or from `-f`.
pub(crate) fn require_resource(args: &Args, rest: &[String]) -> Result<(), Output> {
    if rest.is_empty() && args.all("filename").is_empty() {
        return Err(Output::error("error: required resource not specified"));
    }
    Ok(())
}

/// What every rollout write starts with, after its own argument checks: a supported `-o`,
/// `--dry-run`, then the named objects and the errors for those not found.
pub(crate) fn write_targets(
    sim: &Sim,
    args: &Args,
    rest: &[String],
    files: &dyn Files,
) -> Result<(Vec<Object>, Vec<String>, DryRun), Output> {
    check_output(args)?;
    let dry_run = DryRun::parse(args)?;
    let (objects, errors) = lookup_targets(sim, args, rest, files, true)?;
    Ok((objects, errors, dry_run))
}

/// Writes (unless dry-run) and prints `TYPE/NAME <done>` for each changed object.
fn write_changes(
    sim: &mut Sim,
    args: &Args,
    summary: String,
    changed: Vec<Object>,
    done: &str,
    dry_run: DryRun,
    mut errors: Vec<String>,
) -> Output {
    let operation = format!("{done}{}", dry_run.suffix());
    let mut stdout = String::new();
    if dry_run != DryRun::None {
        for obj in &changed {
            stdout.push_str(&print_result(args, obj, &operation));
        }
        return finish(stdout, &errors);
    }
    for result in write_all(sim, summary, changed) {
        match result {
            Ok(obj) => stdout.push_str(&print_result(args, &obj, &operation)),
            Err(e) => errors.push(format!("failed to patch: {e}")),
        }
    }
    finish(stdout, &errors)
}

fn restart(sim: &mut Sim, args: &Args, rest: &[String], files: &dyn Files) -> Output {
    if let Err(o) = require_resource(args, rest) {
        return o;
    }
    let (objects, mut errors, dry_run) = match write_targets(sim, args, rest, files) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let now = rfc3339(sim.now());
    let mut changed = Vec::new();
    for obj in objects {
        let key = ObjectRef::of(&obj);
        let mut updated = obj.clone();
        let template = match &mut updated {
            Object::Deployment(d) if d.spec.paused.unwrap_or(false) => {
                errors.push(format!(
                    "error: {} \"{}\" can't restart paused deployment (run rollout resume first)",
                    resource_name(key.kind),
                    key.name
                ));
                continue;
            }
            Object::Deployment(d) => &mut d.spec.template,
            Object::DaemonSet(d) => &mut d.spec.template,
            Object::StatefulSet(s) => &mut s.spec.template,
            _ => {
                errors.push(format!("error: {} \"{}\" restarting is not supported", resource_name(key.kind), key.name));
                continue;
            }
        };
        let meta = template.metadata.get_or_insert_with(Default::default);
        let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
        annotations.insert(RESTARTED_AT.to_string(), now.clone());
        if updated == obj {
            errors.push(format!("failed to create patch for {}: empty patch", key.name));
        }
        changed.push(updated);
    }
    write_changes(sim, args, format!("kubectl rollout restart {}", rest.join(" ")), changed, "restarted", dry_run, errors)
}
