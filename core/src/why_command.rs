//! `why [-n NS] pod/NAME`: the scheduler's last decision about a pod, as its framework made it.
//! Every node the filters looked at, in walk order, with the first Filter plugin that ruled it
//! out and that plugin's reason; then the Score plugins' scores of the feasible nodes
//! (normalized 0–100, with the raw score where NormalizeScore changed it), their weights, the
//! weighted totals and the node chosen. kube-scheduler only shows this in its logs at high
//! verbosity; `kubectl describe pod` shows the FailedScheduling event alone.
//!
//! Large clusters are summarised: past [`LIST_NODES`] filtered nodes, verdicts are counted by
//! plugin and reason; past [`SCORE_COLUMNS`] feasible nodes, the best totals are shown.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::api::{Kind, Object};
use crate::console::take_namespace;
use crate::controllers::scheduler::SCHEDULER_NAME;
use crate::kubectl::Output;
use crate::scheduler::framework::{NodeDecision, SCORE_PLUGINS};
use crate::scheduler::Decision;
use crate::sim::Sim;
use crate::store::ObjectRef;

/// Filtered nodes listed one by one up to this many; beyond, counted by verdict.
pub const LIST_NODES: usize = 12;
/// Feasible nodes given a score column up to this many; beyond, the best totals.
pub const SCORE_COLUMNS: usize = 6;

const USAGE: &str = "usage: why [-n NAMESPACE] pod/NAME  (the scheduler's last decision about the pod)";

pub fn why(sim: &Sim, rest: &[String]) -> Output {
    let Some((ns, words)) = take_namespace(rest) else { return Output::error(USAGE) };
    let [target] = words[..] else { return Output::error(USAGE) };
    let name = match target.split_once('/') {
        Some(("pod" | "pods" | "po", n)) if !n.is_empty() => n,
        Some(_) => return Output::error(format!("error: why explains where pods go: pod/NAME, not \"{target}\"")),
        None => target,
    };
    let key = ObjectRef::new(Kind::Pod, Some(&ns), name);
    let Some(Object::Pod(pod)) = sim.get(&key) else {
        return Output::error(format!("Error from server (NotFound): pods \"{name}\" not found"));
    };
    let spec = pod.spec.as_ref();
    let scheduler = spec.and_then(|s| s.scheduler_name.as_deref()).unwrap_or(SCHEDULER_NAME);
    let node = spec.and_then(|s| s.node_name.as_deref()).filter(|n| !n.is_empty());
    match sim.scheduling_decision(&key) {
        Some(d) => Output::ok(render(d, &ns)),
        None if scheduler != SCHEDULER_NAME => Output::ok(format!(
            "pod/{name} asks for schedulerName \"{scheduler}\": {SCHEDULER_NAME} leaves it alone, and no such scheduler runs here, so it stays Pending.\n"
        )),
        None => match node {
            Some(n) => Output::ok(format!(
                "pod/{name} is on {n}; no decision about it is kept: it was written with spec.nodeName (the scheduler never saw it), or it was scheduled before the {} most recent pods, whose decisions are the ones kept.\n",
                crate::scheduler::decisions::RECENT_DECISIONS
            )),
            None => Output::ok(format!("pod/{name} has not been through a scheduling attempt yet.\n")),
        },
    }
}

/// The decision as text.
pub fn render(d: &Decision, ns: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Pod {ns}/{}: scheduling attempt {} at {}", d.pod.name, d.attempt, d.at);
    let nodes = match d.num_nodes {
        1 => "1 node".to_string(),
        n => format!("{n} nodes"),
    };
    if d.absent > 0 {
        let kept = d.num_nodes - d.absent;
        let _ = writeln!(
            out,
            "{nodes} in the cluster; NodeAffinity's PreFilter keeps the {kept} the pod's required affinity names by metadata.name, the other {}: node(s) didn't satisfy plugin(s) [NodeAffinity].",
            d.absent
        );
    } else if d.nodes_to_find < d.num_nodes {
        let _ = writeln!(out, "{nodes} in the cluster; filtering stops once {} fit (percentageOfNodesToScore).", d.nodes_to_find);
    } else {
        let _ = writeln!(out, "{nodes} in the cluster; every one is filtered.");
    }
    if let Some((plugin, msg)) = &d.prefilter {
        let _ = writeln!(out, "\nPreFilter {plugin} failed: {msg}\nNo node was filtered.");
    } else if !d.nodes.is_empty() {
        filters(&mut out, d);
        scores(&mut out, d);
    }
    match (&d.selected, &d.message) {
        (Some(node), _) => {
            let feasible = d.nodes.iter().filter(|n| n.failed.is_none()).count();
            if feasible == 1 {
                let _ = writeln!(out, "\nSelected: {node} (the only node that fits: no scoring).");
            } else {
                let _ = writeln!(out, "\nSelected: {node} (highest total; nodes with equal totals are drawn at random).");
            }
        }
        (None, Some(msg)) => {
            let _ = writeln!(out, "\nNo node fits. Event FailedScheduling: {msg}");
        }
        (None, None) => {}
    }
    out
}

fn reason(n: &NodeDecision) -> String {
    match &n.failed {
        None => "passed every filter".to_string(),
        Some((plugin, status)) => format!("{plugin}: {}", status.reasons.join(", ")),
    }
}

fn filters(out: &mut String, d: &Decision) {
    let _ = writeln!(out, "\nFilters (a node is out at the first plugin that fails it; later plugins do not run):");
    if d.nodes.len() <= LIST_NODES {
        let width = d.nodes.iter().map(|n| n.node.len()).max().unwrap_or(0);
        for n in &d.nodes {
            let _ = writeln!(out, "  {:width$}  {}", n.node, reason(n));
        }
        return;
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for n in &d.nodes {
        *counts.entry(reason(n)).or_default() += 1;
    }
    let _ = writeln!(out, "  {} nodes filtered:", d.nodes.len());
    let mut rows: Vec<(String, usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (why, count) in rows {
        let _ = writeln!(out, "  {count:>6}  {why}");
    }
}

fn scores(out: &mut String, d: &Decision) {
    let mut feasible: Vec<&NodeDecision> = d.nodes.iter().filter(|n| n.failed.is_none()).collect();
    if feasible.len() < 2 || feasible.iter().all(|n| n.scores.iter().all(Option::is_none)) {
        return;
    }
    let total = feasible.len();
    if total > SCORE_COLUMNS {
        // The best totals, the selected node among them.
        feasible.sort_by_key(|n| std::cmp::Reverse(n.total));
        let selected = d.selected.as_deref();
        let mut shown: Vec<&NodeDecision> = feasible.iter().take(SCORE_COLUMNS).copied().collect();
        if let Some(sel) = feasible.iter().find(|n| Some(n.node) == selected) {
            if !shown.iter().any(|n| n.node == sel.node) {
                shown.pop();
                shown.push(sel);
            }
        }
        feasible = shown;
        let _ = writeln!(out, "\nScores of the {total} feasible nodes (the {} best shown), normalized 0-100 (raw):", feasible.len());
    } else {
        let _ = writeln!(out, "\nScores of the {total} feasible nodes, normalized 0-100 (raw where NormalizeScore changed it):");
    }
    let label = SCORE_PLUGINS.iter().map(|(p, _)| p.len()).max().unwrap_or(0).max("TOTAL".len());
    let cells: Vec<Vec<String>> = feasible
        .iter()
        .map(|n| {
            let mut col: Vec<String> = n
                .scores
                .iter()
                .map(|s| match s {
                    None => "-".to_string(),
                    Some(s) if s.raw == s.normalized => s.normalized.to_string(),
                    Some(s) => format!("{} ({})", s.normalized, s.raw),
                })
                .collect();
            col.push(n.total.to_string());
            col
        })
        .collect();
    let widths: Vec<usize> = feasible.iter().zip(&cells).map(|(n, c)| c.iter().map(String::len).chain([n.node.len()]).max().unwrap_or(0)).collect();
    let mut header = format!("  {:label$}  WEIGHT", "PLUGIN");
    for (n, w) in feasible.iter().zip(&widths) {
        let _ = write!(header, "  {:>w$}", n.node);
    }
    let _ = writeln!(out, "{header}");
    for (row, (plugin, weight)) in SCORE_PLUGINS.iter().enumerate() {
        let mut line = format!("  {plugin:label$}  {weight:>6}");
        for (c, w) in cells.iter().zip(&widths) {
            let _ = write!(line, "  {:>w$}", c[row]);
        }
        let _ = writeln!(out, "{line}");
    }
    let mut line = format!("  {:label$}  {:>6}", "TOTAL", "");
    for (c, w) in cells.iter().zip(&widths) {
        let _ = write!(line, "  {:>w$}", c[SCORE_PLUGINS.len()]);
    }
    let _ = writeln!(out, "{}", line.trim_end());
    let _ = writeln!(out, "  (TOTAL = sum of normalized score × weight; \"-\": the plugin had nothing to score and was skipped)");
}

#[cfg(test)]
#[path = "why_command_tests.rs"]
mod tests;
