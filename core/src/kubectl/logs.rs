//! `kubectl logs (POD | TYPE/NAME) [CONTAINER] [-c CONTAINER] [-l SELECTOR] [--tail N]
//! [-p|--previous] [-f]`: a container's log from the simulated log store.
//!
//! Client side follows kubectl 1.34 `pkg/cmd/logs/logs.go` (`Complete`, `Validate`) and
//! `pkg/polymorphichelpers/logsforobject.go`: a bare NAME is a pod; TYPE/NAME picks one pod of
//! the object's selector, sorted by `podutils.ByLogging` (`Found N pods, using pod/NAME`); the
//! container defaults to the `kubectl.kubernetes.io/default-container` annotation, else the
//! first one (`Defaulted container "a" out of: a, b`); `-l` prints every matching pod with a
//! default tail of 10 lines.
//!
//! Server side follows the API server's `LogLocation` (an unscheduled pod has an empty log) and
//! the kubelet's `validateContainerLogStatus`, which turns the container's status into the
//! `Error from server (BadRequest): container "c" in pod "p" is waiting to start: …` family.
//!
//! Not simulated: `-f` prints what has been logged so far and returns (there is no stream to
//! follow); when TYPE/NAME selects no pod, kubectl waits `--pod-running-timeout` (20s) for one
//! and then fails, here the failure is reported at once without moving the clock.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::api::{Kind, Object};
use crate::sim::logs::LogLine;
use crate::sim::Sim;
use crate::store::{selector, ObjectRef};

use super::write::{kind_arg, namespace};
use super::{Args, Output};

const USAGE: &str = "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples";
const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

pub fn logs(sim: &Sim, args: &Args, rest: &[String]) -> Output {
    match run(sim, args, rest) {
        Ok(out) => out,
        Err(out) => out,
    }
}

fn run(sim: &Sim, args: &Args, rest: &[String]) -> Result<Output, Output> {
    let label_selector = args.value("selector").filter(|s| !s.is_empty());
    let (resource, inline_container) = match (rest, label_selector) {
        ([], None) | ([_, _, _, ..], _) => return Err(Output::error(USAGE)),
        ([_], Some(_)) => {
            return Err(Output::error("error: only a selector (-l) or a POD name is allowed\nSee 'kubectl logs -h' for help and examples"))
        }
        ([], Some(_)) => (None, None),
        ([r], None) => (Some(r.as_str()), None),
        ([r, c], _) => (Some(r.as_str()), Some(c.clone())),
    };
    let tail = match args.value("tail") {
        None => None,
        Some(t) => Some(t.parse::<i64>().map_err(|_| {
            Output::error(format!("error: invalid argument \"{t}\" for \"--tail\" flag: strconv.ParseInt: parsing \"{t}\": invalid syntax"))
        })?),
    };
    let ns = namespace(args);
    let mut out = Output::default();
    let targets: Vec<Object> = match resource {
        Some(r) => vec![lookup(sim, r, &ns)?],
        None => {
            let sel = selector::parse(label_selector.unwrap_or_default()).map_err(|e| Output::error(format!("error: {e}")))?;
            let pods: Vec<Object> = sim
                .store()
                .list(Kind::Pod, Some(&ns))
                .filter(|p| sel.matches(p.labels()))
                .map(|p| p.as_ref().clone())
                .collect();
            if pods.is_empty() {
                out.stderr.push_str(&format!("No resources found in {ns} namespace.\n"));
            }
            pods
        }
    };
    if args.value("container").is_some() && inline_container.is_some() {
        return Err(Output::error("error: only one of -c or an inline [CONTAINER] arg is allowed"));
    }
    if tail.is_some_and(|t| t < -1) {
        return Err(Output::error("error: --tail must be greater than or equal to -1"));
    }
    let tail = tail.unwrap_or(if label_selector.is_some() { 10 } else { -1 });
    let container = args.value("container").map(str::to_string).or(inline_container);
    for target in targets {
        let pod = match target {
            Object::Pod(p) => *p,
            other => pick_pod(sim, &other, &mut out)?,
        };
        let name = choose_container(&pod, container.as_deref(), &mut out)?;
        match read_log(sim, &pod, &name, args.flag("previous")) {
            Ok(lines) => {
                let skip = if tail < 0 { 0 } else { lines.len().saturating_sub(tail as usize) };
                for l in &lines[skip..] {
                    out.stdout.push_str(&l.text);
                    out.stdout.push('\n');
                }
            }
            Err(message) => {
                out.stderr.push_str(&format!("Error from server (BadRequest): {message}\n"));
                out.status = 1;
                return Err(out);
            }
        }
    }
    Ok(out)
}

/// `builder.ResourceNames("pods", arg)`: NAME is a pod, TYPE/NAME any kind.
fn lookup(sim: &Sim, arg: &str, ns: &str) -> Result<Object, Output> {
    let (kind, name) = match arg.split_once('/') {
        Some((t, n)) => (kind_arg(t)?, n),
        None => (Kind::Pod, arg),
    };
    let key = ObjectRef::new(kind, kind.info().namespaced.then_some(ns), name);
    sim.get(&key).cloned().ok_or_else(|| {
        Output::error(format!(
            "error: error from server (NotFound): {} \"{name}\" not found in namespace \"{ns}\"",
            crate::sim::apiserver::resource_name(kind)
        ))
    })
}

/// `SelectorsForObject` + `GetFirstPod` with `podutils.ByLogging`.
fn pick_pod(sim: &Sim, obj: &Object, out: &mut Output) -> Result<Pod, Output> {
    let from_label_selector = |s: &LabelSelector| {
        selector::from_label_selector(s).map_err(|e| format!("invalid label selector: {}", e.message()))
    };
    let sel = match obj {
        Object::ReplicationController(r) => {
            Ok(selector::from_map(&r.spec.as_ref().and_then(|s| s.selector.clone()).unwrap_or_default()))
        }
        Object::ReplicaSet(r) => from_label_selector(&r.spec.selector),
        Object::Deployment(d) => from_label_selector(&d.spec.selector),
        Object::DaemonSet(d) => from_label_selector(&d.spec.selector),
        Object::StatefulSet(s) => from_label_selector(&s.spec.selector),
        Object::Job(j) => match j.spec.as_ref().and_then(|s| s.selector.as_ref()) {
            Some(s) => from_label_selector(s),
            None => Ok(selector::Selector::everything()),
        },
        Object::Service(s) => match s.spec.as_ref().and_then(|s| s.selector.as_ref()).filter(|m| !m.is_empty()) {
            Some(m) => Ok(selector::from_map(m)),
            None => Err(format!("invalid service '{}': Service is defined without a selector", s.metadata.name.as_deref().unwrap_or(""))),
        },
        other => Err(format!("selector for {} not implemented", go_type(other.kind()))),
    }
    .map_err(|e| Output::error(format!("error: cannot get the logs from {}: {e}", go_type(obj.kind()))))?;
    let mut pods: Vec<Pod> = sim
        .store()
        .list(Kind::Pod, obj.namespace())
        .filter(|p| sel.matches(p.labels()))
        .filter_map(|p| match p.as_ref() {
            Object::Pod(p) => Some((**p).clone()),
            _ => None,
        })
        .collect();
    if pods.is_empty() {
        return Err(Output::error("error: timed out waiting for the condition"));
    }
    pods.sort_by(by_logging);
    let first = pods.swap_remove(0);
    if !pods.is_empty() {
        out.stderr.push_str(&format!("Found {} pods, using pod/{}\n", pods.len() + 1, first.metadata.name.as_deref().unwrap_or("")));
    }
    Ok(first)
}

/// The `%T` of the typed object kubectl decoded: `*v1.ConfigMap`, `*v2.HorizontalPodAutoscaler`.
fn go_type(kind: Kind) -> String {
    if kind.is_custom() {
        return "*unstructured.Unstructured".into();
    }
    let info = kind.info();
    format!("*{}.{}", info.versions.first().copied().unwrap_or("v1"), info.name)
}

/// `podutils.ByLogging`: scheduled, then Running < Unknown < Pending (other phases count as
/// Running), ready, ready longer, more restarts, older.
fn by_logging(a: &Pod, b: &Pod) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let node = |p: &Pod| p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default();
    let phase_rank = |p: &Pod| match p.status.as_ref().and_then(|s| s.phase.as_deref()) {
        Some("Pending") => 2,
        Some("Unknown") => 1,
        _ => 0,
    };
    let ready_since = |p: &Pod| {
        p.status.iter().flat_map(|s| s.conditions.iter().flatten()).find(|c| c.type_ == "Ready" && c.status == "True").map(|c| {
            c.last_transition_time.as_ref().map(|t| t.0.as_second()).unwrap_or(i64::MAX)
        })
    };
    let restarts = |p: &Pod| p.status.iter().flat_map(|s| s.container_statuses.iter().flatten()).map(|c| c.restart_count).max().unwrap_or(0);
    let created = |p: &Pod| p.metadata.creation_timestamp.as_ref().map(|t| t.0.as_second()).unwrap_or(i64::MAX);
    let (na, nb) = (node(a), node(b));
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return if na.is_empty() { Ordering::Greater } else { Ordering::Less };
    }
    phase_rank(a)
        .cmp(&phase_rank(b))
        .then_with(|| ready_since(b).is_some().cmp(&ready_since(a).is_some()))
        .then_with(|| ready_since(a).cmp(&ready_since(b)))
        .then_with(|| restarts(b).cmp(&restarts(a)))
        .then_with(|| created(a).cmp(&created(b)))
}

/// `-c`, else the default-container annotation, else the first container (with kubectl's notice).
pub(crate) fn choose_container(pod: &Pod, asked: Option<&str>, out: &mut Output) -> Result<String, Output> {
    let spec = pod.spec.clone().unwrap_or_default();
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    let exists = |n: &str| {
        spec.containers.iter().any(|c| c.name == n)
            || spec.init_containers.iter().flatten().any(|c| c.name == n)
            || spec.ephemeral_containers.iter().flatten().any(|c| c.name == n)
    };
    let mut name = asked.map(str::to_string);
    if name.is_none() {
        let annotated = pod.metadata.annotations.as_ref().and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION)).filter(|n| !n.is_empty());
        if let Some(a) = annotated {
            if exists(a) {
                name = Some(a.clone());
            } else {
                out.stderr.push_str(&format!("Default container name \"{a}\" not found in pod {pod_name}\n"));
            }
        }
    }
    let all_names = || {
        let mut names: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
        names.extend(spec.ephemeral_containers.iter().flatten().map(|c| format!("{} (ephem)", c.name)));
        names.extend(spec.init_containers.iter().flatten().map(|c| format!("{} (init)", c.name)));
        names.join(", ")
    };
    let name = match name {
        Some(n) => n,
        None => {
            let first = spec.containers.first().map(|c| c.name.clone()).unwrap_or_default();
            let others = spec.containers.len() > 1
                || spec.init_containers.as_ref().is_some_and(|c| !c.is_empty())
                || spec.ephemeral_containers.as_ref().is_some_and(|c| !c.is_empty());
            if others {
                out.stderr.push_str(&format!("Defaulted container {first:?} out of: {}\n", all_names()));
            }
            first
        }
    };
    if !exists(&name) {
        out.stderr.push_str(&format!("error: container {name} is not valid for pod {pod_name} out of: {}\n", all_names()));
        out.status = 1;
        return Err(std::mem::take(out));
    }
    Ok(name)
}

/// What the API server and kubelet return for one container, or the kubelet's refusal.
fn read_log(sim: &Sim, pod: &Pod, container: &str, previous: bool) -> Result<Vec<LogLine>, String> {
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    if pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_none_or(str::is_empty) {
        return Ok(Vec::new());
    }
    let status = pod.status.as_ref();
    let all = status.into_iter().flat_map(|s| {
        s.container_statuses.iter().flatten().chain(s.init_container_statuses.iter().flatten()).chain(s.ephemeral_container_statuses.iter().flatten())
    });
    let statuses: Vec<&ContainerStatus> = all.collect();
    let Some(cs) = statuses.into_iter().find(|c| c.name == container) else {
        return Err(format!("container {container:?} in pod {pod_name:?} is not available"));
    };
    let state = cs.state.clone().unwrap_or_default();
    let last = cs.last_state.as_ref().and_then(|l| l.terminated.as_ref());
    let id = |t: Option<&String>| t.is_some_and(|s| !s.is_empty());
    let newer_instance = state.running.is_some() || state.terminated.as_ref().is_some_and(|t| id(t.container_id.as_ref()));
    let generation_previous = if previous {
        if !last.is_some_and(|t| id(t.container_id.as_ref())) {
            return Err(format!("previous terminated container {container:?} in pod {pod_name:?} not found"));
        }
        newer_instance
    } else if state.running.is_some() || newer_instance {
        false
    } else if state.terminated.is_some() || last.is_some() {
        // The newest instance did not start (or exited without an id): the last one's log.
        if !last.is_some_and(|l| id(l.container_id.as_ref())) {
            return Err(format!("container {container:?} in pod {pod_name:?} is terminated"));
        }
        false
    } else if let Some(w) = &state.waiting {
        let reason = w.reason.clone().unwrap_or_default();
        return Err(match reason.as_str() {
            "ErrImagePull" => format!("container {container:?} in pod {pod_name:?} is waiting to start: image can't be pulled"),
            "ImagePullBackOff" => format!("container {container:?} in pod {pod_name:?} is waiting to start: trying and failing to pull image"),
            _ => format!("container {container:?} in pod {pod_name:?} is waiting to start: {reason}"),
        });
    } else {
        return Err(format!("container {container:?} in pod {pod_name:?} is waiting to start - no logs yet"));
    };
    let uid = pod.metadata.uid.as_deref().unwrap_or("");
    let log = sim.container_logs().get(uid, container);
    let lines = match (log, generation_previous) {
        (Some(l), true) => l.previous.as_deref().cloned().unwrap_or_default(),
        (Some(l), false) => l.current.as_ref().clone(),
        (None, _) => Vec::new(),
    };
    Ok(lines)
}

#[cfg(test)]
#[path = "logs_tests.rs"]
mod tests;
