//! `kubectl top pod [NAME] [-n NS | -A] [-l SELECTOR] [--containers] [--sort-by cpu|memory]
//! [--no-headers]` and `kubectl top node [NAME] [-l SELECTOR] [--sort-by] [--no-headers]`:
//! usage from the simulated metrics source ([`crate::sim::metrics`]).
//!
//! Follows kubectl 1.34 `pkg/cmd/top/top_pod.go`, `top_node.go` and `pkg/metricsutil`
//! (`metrics_printer.go`, `metrics_sorter.go`): CPU is printed as `{millicores}m`, memory as
//! `{bytes / 2^20}Mi` (rounded down), node percentages as the integer part of usage over
//! allocatable. Every cell, the last included, ends with a tab in kubectl's tabwriter, so the
//! last column is padded too. Rows are sorted by name (namespace first with `-A`), or by usage,
//! highest first, with `--sort-by`.
//!
//! When a listing finds no metrics, kubectl explains why from the pods' ages: pods younger than
//! two minutes (`metricsCreationDelay`) mean `metrics not available yet`; an older one is named.

use k8s_openapi::api::core::v1::Pod;

use crate::api::quantity::parse_quantity;
use crate::api::{Kind, Object};
use crate::kubectl::printers::table::{tabwrite, GET_MIN_WIDTH, GET_PADDING};
use crate::sim::metrics::Usage;
use crate::sim::Sim;
use crate::store::{selector, ObjectRef};
use crate::time::{go_duration, SimDuration};

use super::write::namespace;
use super::{Args, Output};

/// `metricsCreationDelay` in top_pod.go.
const METRICS_CREATION_DELAY: SimDuration = SimDuration::from_secs(120);

const TOP_HELP: &str = "Display resource (CPU/memory) usage.\n\n The top command allows you to see the resource consumption for nodes or pods.\n\n This command requires Metrics Server to be correctly configured and working on the server.\n\nAvailable Commands:\n  node          Display resource (CPU/memory) usage of nodes\n  pod           Display resource (CPU/memory) usage of pods\n\nUsage:\n  kubectl top [flags] [options]\n\nUse \"kubectl top <command> --help\" for more information about a given command.\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n";

pub fn top(sim: &Sim, args: &Args, rest: &[String]) -> Output {
    let result = match rest.first().map(String::as_str) {
        None => Err(Output { stderr: TOP_HELP.into(), status: 1, ..Default::default() }),
        Some("pod" | "pods" | "po") => top_pod(sim, args, &rest[1..]),
        Some("node" | "nodes" | "no") => top_node(sim, args, &rest[1..]),
        Some(_) => Err(Output::error(format!(
            "error: unknown command {}\nSee 'kubectl top -h' for help and examples",
            go_quoted_list(rest)
        ))),
    };
    result.unwrap_or_else(|o| o)
}

/// `%q` of a `[]string`: `["a" "b"]`.
fn go_quoted_list(words: &[String]) -> String {
    format!("[{}]", words.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>().join(" "))
}

fn check_common(args: &Args, sim: &Sim, name: Option<&String>, selector_word: &str) -> Result<(), Output> {
    if let Some(s) = args.value("sort-by").filter(|s| !s.is_empty()) {
        if s != "cpu" && s != "memory" {
            return Err(Output::error("error: --sort-by accepts only cpu or memory"));
        }
    }
    if name.is_some() && args.value("selector").is_some_and(|s| !s.is_empty()) {
        return Err(Output::error(format!("error: only one of NAME or {selector_word} can be provided")));
    }
    if !sim.metrics().api_available() {
        return Err(Output::error("error: Metrics API not available"));
    }
    Ok(())
}

fn parse_selector(args: &Args) -> Result<selector::Selector, Output> {
    match args.value("selector").filter(|s| !s.is_empty()) {
        Some(s) => selector::parse(s).map_err(|e| Output::error(format!("error: {e}"))),
        None => Ok(selector::Selector::everything()),
    }
}

fn cpu_cell(u: Usage) -> String {
    format!("{}m", u.cpu_millis)
}

fn memory_cell(u: Usage) -> String {
    format!("{}Mi", u.memory_bytes / (1024 * 1024))
}

/// kubectl's `--sort-by`: highest first; otherwise the listing order (already by name).
fn sort_by_usage<T>(rows: &mut [T], sort_by: Option<&str>, usage: impl Fn(&T) -> Usage) {
    match sort_by {
        Some("cpu") => rows.sort_by_key(|r| std::cmp::Reverse(usage(r).cpu_millis)),
        Some("memory") => rows.sort_by_key(|r| std::cmp::Reverse(usage(r).memory_bytes)),
        _ => {}
    }
}

/// Cells each followed by a tab, as `printValue` writes them.
fn render(lines: &[Vec<String>]) -> String {
    let mut text = String::new();
    for cells in lines {
        for c in cells {
            text.push_str(c);
            text.push('\t');
        }
        text.push('\n');
    }
    tabwrite(&text, GET_MIN_WIDTH, GET_PADDING)
}

fn top_pod(sim: &Sim, args: &Args, rest: &[String]) -> Result<Output, Output> {
    if rest.len() > 1 {
        return Err(Output::error("error: pod [NAME | -l label]\nSee 'kubectl top pod -h' for help and examples"));
    }
    check_common(args, sim, rest.first(), "selector")?;
    let sel = parse_selector(args)?;
    let ns = namespace(args);
    let all = args.flag("all-namespaces");
    let sort_by = args.value("sort-by").filter(|s| !s.is_empty());
    let mut found: Vec<(Pod, Vec<(String, Usage)>)> = Vec::new();
    let with_metrics = |p: &Pod| {
        sim.metrics().pod_usage(sim.store(), p).map(|c| c.into_iter().collect::<Vec<_>>())
    };
    if let Some(name) = rest.first() {
        let key = ObjectRef::new(Kind::Pod, Some(&ns), name);
        let metrics = match sim.get(&key) {
            Some(Object::Pod(p)) => with_metrics(p).map(|m| ((**p).clone(), m)),
            _ => None,
        };
        let Some(entry) = metrics else {
            return Err(Output::error(format!(
                "Error from server (NotFound): podmetrics.metrics.k8s.io \"{ns}/{name}\" not found"
            )));
        };
        found.push(entry);
    } else {
        let scope = if all { None } else { Some(ns.as_str()) };
        for o in sim.store().list(Kind::Pod, scope) {
            if let Object::Pod(p) = o.as_ref() {
                if sel.matches(o.labels()) {
                    if let Some(m) = with_metrics(p) {
                        found.push(((**p).clone(), m));
                    }
                }
            }
        }
    }
    if found.is_empty() {
        return explain_empty(sim, &sel, &ns, all);
    }
    let total = |m: &Vec<(String, Usage)>| m.iter().fold(Usage::default(), |a, (_, u)| a + *u);
    sort_by_usage(&mut found, sort_by, |(_, m)| total(m));
    let containers = args.flag("containers");
    let mut lines: Vec<Vec<String>> = Vec::new();
    if !args.flag("no-headers") {
        let mut h: Vec<String> = Vec::new();
        if all {
            h.push("NAMESPACE".into());
        }
        if containers {
            h.push("POD".into());
        }
        h.extend(["NAME", "CPU(cores)", "MEMORY(bytes)"].map(String::from));
        lines.push(h);
    }
    for (pod, mut metrics) in found {
        let pod_ns = pod.metadata.namespace.clone().unwrap_or_default();
        let pod_name = pod.metadata.name.clone().unwrap_or_default();
        if containers {
            sort_by_usage(&mut metrics, sort_by, |(_, u)| *u);
            for (c, u) in metrics {
                let mut row = if all { vec![pod_ns.clone()] } else { Vec::new() };
                row.extend([pod_name.clone(), c, cpu_cell(u), memory_cell(u)]);
                lines.push(row);
            }
        } else {
            let u = total(&metrics);
            let mut row = if all { vec![pod_ns] } else { Vec::new() };
            row.extend([pod_name, cpu_cell(u), memory_cell(u)]);
            lines.push(row);
        }
    }
    Ok(Output::ok(render(&lines)))
}

/// `verifyEmptyMetrics`: why a listing found no metrics (it looks in the request's namespace
/// even with `-A`, as kubectl does).
fn explain_empty(sim: &Sim, sel: &selector::Selector, ns: &str, all: bool) -> Result<Output, Output> {
    let pods: Vec<_> = sim.store().list(Kind::Pod, Some(ns)).filter(|p| sel.matches(p.labels())).collect();
    if pods.is_empty() {
        let stderr = if all { "No resources found\n".to_string() } else { format!("No resources found in {ns} namespace.\n") };
        return Ok(Output { stderr, ..Default::default() });
    }
    for p in pods {
        let created = p.metadata().creation_timestamp.as_ref().map(crate::kubectl::printers::util::sim_time).unwrap_or_default();
        let age = sim.now().since(created);
        if age > METRICS_CREATION_DELAY {
            return Err(Output::error(format!(
                "error: Metrics not available for pod {}/{}, age: {}",
                p.namespace().unwrap_or(""),
                p.name(),
                go_duration(age.as_micros())
            )));
        }
    }
    Err(Output::error("error: metrics not available yet"))
}

fn top_node(sim: &Sim, args: &Args, rest: &[String]) -> Result<Output, Output> {
    if rest.len() > 1 {
        return Err(Output::error("error: node [NAME | -l label]\nSee 'kubectl top node -h' for help and examples"));
    }
    check_common(args, sim, rest.first(), "--selector")?;
    let sel = parse_selector(args)?;
    let nodes: Vec<_> = match rest.first() {
        Some(name) => match sim.get(&ObjectRef::new(Kind::Node, None, name)) {
            Some(Object::Node(n)) => vec![(**n).clone()],
            _ => {
                return Err(Output::error(format!(
                    "Error from server (NotFound): nodemetrics.metrics.k8s.io \"{name}\" not found"
                )))
            }
        },
        None => sim
            .store()
            .list(Kind::Node, None)
            .filter(|n| sel.matches(n.labels()))
            .filter_map(|n| match n.as_ref() {
                Object::Node(n) => Some((**n).clone()),
                _ => None,
            })
            .collect(),
    };
    if nodes.is_empty() {
        return Err(Output::error("error: metrics not available yet"));
    }
    let mut rows: Vec<(k8s_openapi::api::core::v1::Node, Usage)> = nodes
        .into_iter()
        .map(|n| {
            let u = sim.metrics().node_usage(sim.store(), n.metadata.name.as_deref().unwrap_or(""));
            (n, u)
        })
        .collect();
    sort_by_usage(&mut rows, args.value("sort-by").filter(|s| !s.is_empty()), |(_, u)| *u);
    let mut lines: Vec<Vec<String>> = Vec::new();
    if !args.flag("no-headers") {
        lines.push(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"].map(String::from).to_vec());
    }
    for (node, u) in rows {
        let allocatable = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
        let available = |res: &str| allocatable.and_then(|a| a.get(res)).and_then(|q| parse_quantity(q).ok());
        let mut row = vec![node.metadata.name.clone().unwrap_or_default(), cpu_cell(u)];
        if let Some(a) = available("cpu") {
            row.push(percent(i128::from(u.cpu_millis), i128::from(a.milli_value())));
        }
        row.push(memory_cell(u));
        if let Some(a) = available("memory") {
            row.push(percent(i128::from(u.memory_bytes) * 1000, i128::from(a.milli_value())));
        }
        lines.push(row);
    }
    Ok(Output::ok(render(&lines)))
}

/// `int64(float64(used milli) / float64(available milli) * 100)` followed by `%`.
fn percent(used_milli: i128, available_milli: i128) -> String {
    let fraction = if available_milli == 0 { 0.0 } else { used_milli as f64 / available_milli as f64 * 100.0 };
    format!("{}%", fraction as i64)
}

#[cfg(test)]
#[path = "top_tests.rs"]
mod tests;
