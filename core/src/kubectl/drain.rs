//! `kubectl drain NODE… [--ignore-daemonsets] [--delete-emptydir-data] [--force]
//! [--grace-period N] [-l SELECTOR]`: cordon, then evict the node's pods.
//!
//! Follows `pkg/cmd/drain/drain.go` (`RunDrain`, `deleteOrEvictPodsSimple`) and `pkg/drain`
//! (`filters.go`, `drain.go`) of kubectl 1.34:
//!
//! - every named node is cordoned first (`node/NAME cordoned` or `already cordoned`);
//! - each pod bound to the node (all namespaces, API list order) runs through the filters in
//!   kubectl's order — DaemonSet-managed, mirror, local storage (emptyDir), unreplicated — and
//!   only the last filter's verdict is kept, so an earlier warning can be replaced by a later
//!   `Okay` exactly as in kubectl;
//! - if any pod is refused, the node is not drained: `error: unable to drain node … continuing
//!   command...`, the pending nodes, then each refusal on its own line (kubectl's
//!   `MultipleErrors` output of the aggregate);
//! - otherwise the warnings are printed (`Warning: …`), each pod is evicted (`evicting pod
//!   NS/NAME`, then `pod/NAME evicted`) and the node reported `drained`.
//!
//! `--dry-run=client` writes nothing and prints `evicting pod NS/NAME (dry run)`;
//! `--dry-run=server` prints `(server dry run)` evictions without the `evicted` lines, as
//! kubectl does when the server only checks the request.
//!
//! Where kubectl ranges over Go maps (grouped errors and warnings) the order is the order in
//! which the pods were listed, so output is deterministic.
//!
//! Evicting a pod means deleting it through the API server: the simulator has no
//! PodDisruptionBudgets, so no eviction is ever refused with 429. A pod whose deletion waits on
//! finalizers is reported evicted once its deletion has started (kubectl would keep waiting).

use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::sim::{Propagation, Sim};
use crate::store::{selector, ActionId, Cause, Component, ObjectRef};

use super::rollout::DryRun;
use super::{Args, Output};

const DAEMON_SET_FATAL: &str = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
const DAEMON_SET_WARNING: &str = "ignoring DaemonSet-managed Pods";
const LOCAL_STORAGE_FATAL: &str = "Pods with local storage (use --delete-emptydir-data to override)";
const LOCAL_STORAGE_WARNING: &str = "deleting Pods with local storage";
const UNMANAGED_FATAL: &str = "cannot delete Pods that declare no controller (use --force to override)";
const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";
const USAGE_HINT: &str = "See 'kubectl drain -h' for help and examples";

/// A filter's verdict on one pod (`PodDeleteStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Okay,
    Skip,
    Warning { delete: bool, message: String },
    Error(String),
}

impl Verdict {
    fn delete(&self) -> bool {
        matches!(self, Verdict::Okay | Verdict::Warning { delete: true, .. })
    }
}

/// The drain flags the filters read.
#[derive(Debug, Clone, Copy, Default)]
pub struct DrainFlags {
    pub force: bool,
    pub ignore_daemonsets: bool,
    pub delete_emptydir_data: bool,
}

pub fn drain(sim: &mut Sim, args: &Args, rest: &[String]) -> Output {
    let node_selector = args.value("selector");
    if rest.is_empty() && node_selector.is_none() {
        return Output::error(format!("error: USAGE: drain NODE [flags]\n{USAGE_HINT}"));
    }
    if !rest.is_empty() && node_selector.is_some() {
        return Output::error(format!("error: cannot specify both a node name and a --selector option\n{USAGE_HINT}"));
    }
    if let Some(g) = args.value("grace-period") {
        if g.parse::<i64>().is_err() {
            return Output::error(format!(
                "error: invalid argument \"{g}\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"{g}\": invalid syntax"
            ));
        }
    }
    let dry_run = match DryRun::parse(args) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let nodes = match node_names(sim, rest, node_selector) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let flags = DrainFlags {
        force: args.flag("force"),
        ignore_daemonsets: args.flag("ignore-daemonsets"),
        delete_emptydir_data: args.flag("delete-emptydir-data"),
    };
    let summary = format!("kubectl drain {}", rest.join(" ")).trim_end().to_string();
    let action = (dry_run == DryRun::None).then(|| sim.begin_action(summary));
    let suffix = dry_run.suffix();
    let mut out = Output::default();
    for node in &nodes {
        cordon(sim, node, action, suffix, &mut out);
    }
    let mut failed: Vec<(String, Vec<String>)> = Vec::new();
    for node in &nodes {
        let pods = pods_on(sim, node);
        let verdicts: Vec<Verdict> = pods.iter().map(|p| verdict(sim, p, flags)).collect();
        let errors = grouped(&pods, &verdicts, |v| match v {
            Verdict::Error(m) => Some(m.clone()),
            _ => None,
        });
        if !errors.is_empty() {
            let errors: Vec<String> = errors
                .into_iter()
                .map(|(m, p)| {
                    if m.to_lowercase().starts_with("cannot delete") { format!("{m}: {p}") } else { format!("cannot delete {m}: {p}") }
                })
                .collect();
            out.stderr.push_str(&format!(
                "error: unable to drain node \"{node}\" due to error: {}, continuing command...\n",
                aggregate(&errors)
            ));
            failed.push((node.clone(), errors));
            continue;
        }
        let warnings = grouped(&pods, &verdicts, |v| match v {
            Verdict::Warning { message, .. } => Some(message.clone()),
            _ => None,
        });
        if !warnings.is_empty() {
            let text: Vec<String> = warnings.into_iter().map(|(m, p)| format!("{m}: {p}")).collect();
            out.stderr.push_str(&format!("Warning: {}\n", text.join("; ")));
        }
        let evict: Vec<&Pod> = pods.iter().zip(&verdicts).filter(|(_, v)| v.delete()).map(|(p, _)| p).collect();
        for p in &evict {
            out.stdout.push_str(&format!("evicting pod {}/{}{suffix}\n", ns_of(p), name_of(p)));
        }
        let Some(action) = action else {
            out.stdout.push_str(&format!("node/{node} drained{suffix}\n"));
            continue;
        };
        let mut evicted = Vec::new();
        for p in &evict {
            let key = ObjectRef::new(Kind::Pod, Some(ns_of(p)), name_of(p));
            evicted.push(key.clone());
            match sim.api().delete(&key, Propagation::Background, &Component::new("kubectl"), Cause::Action(action)) {
                Ok(_) => out.stdout.push_str(&format!("pod/{} evicted\n", name_of(p))),
                Err(e) if e.reason() == "NotFound" => {}
                Err(e) => {
                    out.stderr.push_str(&format!("error when evicting pods/\"{}\" -n \"{}\": {e}\n", name_of(p), ns_of(p)));
                    out.status = 1;
                }
            }
        }
        // kubectl waits for the evicted pods to be gone before it calls the node drained.
        sim.after_action();
        sim.run_until(super::write::WAIT_LIMIT, |sim| evicted.iter().all(|k| sim.get(k).is_none()));
        out.stdout.push_str(&format!("node/{node} drained\n"));
    }
    if action.is_some() {
        sim.after_action();
    }
    if !failed.is_empty() {
        out.stderr.push_str("There are pending nodes to be drained:\n");
        for (node, _) in &failed {
            out.stderr.push_str(&format!(" {node}\n"));
        }
        if let [(_, errors)] = failed.as_slice() {
            for e in errors {
                out.stderr.push_str(&format!("{e}\n"));
            }
        } else {
            for (_, errors) in &failed {
                out.stderr.push_str(&format!("{}\n", aggregate(errors)));
            }
        }
        out.status = 1;
    }
    out
}

/// The named nodes (all must exist), or those matching `-l`.
fn node_names(sim: &Sim, rest: &[String], node_selector: Option<&str>) -> Result<Vec<String>, Output> {
    if let Some(s) = node_selector {
        let sel = selector::parse(s).map_err(|e| Output::error(format!("error: {e}")))?;
        let names: Vec<String> =
            sim.store().list(Kind::Node, None).filter(|n| sel.matches(n.labels())).map(|n| n.name().to_string()).collect();
        if names.is_empty() {
            return Err(Output { stderr: "No resources found\n".into(), ..Default::default() });
        }
        return Ok(names);
    }
    for name in rest {
        if sim.get(&ObjectRef::new(Kind::Node, None, name)).is_none() {
            return Err(Output::error(format!("Error from server (NotFound): nodes \"{name}\" not found")));
        }
    }
    Ok(rest.to_vec())
}

/// Marks the node unschedulable (only reports it under `--dry-run`, when `action` is `None`).
fn cordon(sim: &mut Sim, node: &str, action: Option<ActionId>, suffix: &str, out: &mut Output) {
    let key = ObjectRef::new(Kind::Node, None, node);
    let Some(Object::Node(n)) = sim.get(&key).cloned() else { return };
    if n.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false) {
        out.stdout.push_str(&format!("node/{node} already cordoned{suffix}\n"));
        return;
    }
    let Some(action) = action else {
        out.stdout.push_str(&format!("node/{node} cordoned{suffix}\n"));
        return;
    };
    let mut n = *n;
    n.spec.get_or_insert_with(Default::default).unschedulable = Some(true);
    match sim.api().update(n.into(), &Component::new("kubectl"), Cause::Action(action)) {
        Ok(_) => out.stdout.push_str(&format!("node/{node} cordoned\n")),
        Err(e) => out.stderr.push_str(&format!("error: unable to cordon node \"{node}\": {}\n", e.message())),
    }
}

/// Pods bound to `node`, across namespaces, in API list order.
fn pods_on(sim: &Sim, node: &str) -> Vec<Pod> {
    sim.store()
        .list(Kind::Pod, None)
        .filter_map(|o| match o.as_ref() {
            Object::Pod(p) if p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node) => Some((**p).clone()),
            _ => None,
        })
        .collect()
}

fn ns_of(p: &Pod) -> &str {
    p.metadata.namespace.as_deref().unwrap_or("default")
}

fn name_of(p: &Pod) -> &str {
    p.metadata.name.as_deref().unwrap_or("")
}

fn finished(p: &Pod) -> bool {
    matches!(p.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Succeeded" | "Failed"))
}

/// The filters in kubectl's order; the first that refuses deletion decides, otherwise the last.
pub fn verdict(sim: &Sim, pod: &Pod, flags: DrainFlags) -> Verdict {
    let filters: [&dyn Fn() -> Verdict; 4] = [
        &|| daemon_set_filter(sim, pod, flags),
        &|| mirror_pod_filter(pod),
        &|| local_storage_filter(pod, flags),
        &|| unreplicated_filter(pod, flags),
    ];
    let mut last = Verdict::Okay;
    for f in filters {
        last = f();
        if !last.delete() {
            break;
        }
    }
    last
}

fn controller_of(pod: &Pod) -> Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference> {
    pod.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true))
}

fn daemon_set_filter(sim: &Sim, pod: &Pod, flags: DrainFlags) -> Verdict {
    let Some(owner) = controller_of(pod).filter(|o| o.kind == "DaemonSet") else { return Verdict::Okay };
    if finished(pod) {
        return Verdict::Okay;
    }
    if sim.get(&ObjectRef::new(Kind::DaemonSet, Some(ns_of(pod)), &owner.name)).is_none() {
        let message = format!("daemonsets.apps \"{}\" not found", owner.name);
        return if flags.force { Verdict::Warning { delete: true, message } } else { Verdict::Error(message) };
    }
    if !flags.ignore_daemonsets {
        return Verdict::Error(DAEMON_SET_FATAL.into());
    }
    Verdict::Warning { delete: false, message: DAEMON_SET_WARNING.into() }
}

fn mirror_pod_filter(pod: &Pod) -> Verdict {
    let mirror = pod.metadata.annotations.as_ref().is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
    if mirror { Verdict::Skip } else { Verdict::Okay }
}

fn local_storage_filter(pod: &Pod, flags: DrainFlags) -> Verdict {
    let local = pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()).any(|v| v.empty_dir.is_some());
    if !local || finished(pod) {
        return Verdict::Okay;
    }
    if !flags.delete_emptydir_data {
        return Verdict::Error(LOCAL_STORAGE_FATAL.into());
    }
    Verdict::Warning { delete: true, message: LOCAL_STORAGE_WARNING.into() }
}

fn unreplicated_filter(pod: &Pod, flags: DrainFlags) -> Verdict {
    if finished(pod) || controller_of(pod).is_some() {
        return Verdict::Okay;
    }
    if flags.force {
        return Verdict::Warning { delete: true, message: UNMANAGED_WARNING.into() };
    }
    Verdict::Error(UNMANAGED_FATAL.into())
}

/// Messages with the pods they apply to (`ns/name, ns/name`), in order of first appearance.
fn grouped(pods: &[Pod], verdicts: &[Verdict], pick: impl Fn(&Verdict) -> Option<String>) -> Vec<(String, String)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (p, v) in pods.iter().zip(verdicts) {
        let Some(message) = pick(v) else { continue };
        let id = format!("{}/{}", ns_of(p), name_of(p));
        match groups.iter_mut().find(|(m, _)| *m == message) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((message, vec![id])),
        }
    }
    groups.into_iter().map(|(m, ids)| (m, ids.join(", "))).collect()
}

/// `utilerrors.NewAggregate(errs).Error()`: one message as is, several as `[a, b]`.
fn aggregate(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

#[cfg(test)]
#[path = "drain_tests.rs"]
mod tests;
