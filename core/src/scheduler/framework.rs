//! One scheduling cycle, as kube-scheduler's framework runs it: PreFilter, Filter over the
//! nodes (walked from a rotating start, stopping once enough feasible nodes are found),
//! PostFilter (preemption) when none fits, else PreScore/Score/NormalizeScore, weights, and a
//! random pick among the best. Every verdict and score is kept in a [`Decision`].

use k8s_openapi::api::core::v1::{Pod, PodSpec};

use super::cache::{host_ports, Cache, HostPort, NodeInfo};
use super::message;
use super::plugins::{
    image_locality, inter_pod_affinity, node_affinity, node_basics, node_ports, resources_fit, spread_filter, spread_score, taint_toleration, topology_spread,
    volume_binding,
};
use super::resources::{pod_requests, PodRequests};
use crate::rng::SimRng;
use crate::store::{ObjectRef, Store};
use crate::time::SimTime;

pub const MAX_NODE_SCORE: i64 = 100;
/// `minFeasibleNodesToFind`.
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// `minFeasibleNodesPercentageToFind`.
const MIN_FEASIBLE_NODES_PERCENTAGE: usize = 5;

/// Why a node was turned down: Unschedulable (preemption might help) or
/// UnschedulableAndUnresolvable (it cannot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Unschedulable,
    UnschedulableAndUnresolvable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: Code,
    pub reasons: Vec<String>,
}

impl Status {
    pub fn unschedulable(reasons: Vec<String>) -> Status {
        Status { code: Code::Unschedulable, reasons }
    }
    pub fn unresolvable(reason: impl Into<String>) -> Status {
        Status { code: Code::UnschedulableAndUnresolvable, reasons: vec![reason.into()] }
    }
}

/// The Filter plugins, in the default profile's order.
pub const FILTER_PLUGINS: [&str; 9] = [
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "VolumeBinding",
    "PodTopologySpread",
    "InterPodAffinity",
];

/// The Score plugins with the default profile's weights, in its order.
pub const SCORE_PLUGINS: [(&str, i64); 7] = [
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodeResourcesFit", 1),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
];

/// One plugin's score for one node: as computed, and after NormalizeScore (before weighting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginScore {
    pub raw: i64,
    pub normalized: i64,
}

/// What happened to one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDecision {
    pub node: &'static str,
    /// The first Filter plugin that turned the node down; every plugin before it passed and
    /// none after it ran. `None`: all passed.
    pub failed: Option<(&'static str, Status)>,
    /// Per entry of [`SCORE_PLUGINS`]: `None` when the plugin was skipped at PreScore (or no
    /// scoring happened: a single feasible node is taken without scoring).
    pub scores: [Option<PluginScore>; SCORE_PLUGINS.len()],
    /// Σ normalized × weight.
    pub total: i64,
}

/// What a plugin said about a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<'a> {
    Passed,
    Failed(&'a Status),
    NotRun,
}

impl NodeDecision {
    pub fn verdict(&self, plugin: &str) -> Verdict<'_> {
        let Some((failed, status)) = &self.failed else { return Verdict::Passed };
        let pos = |p: &str| FILTER_PLUGINS.iter().position(|x| *x == p);
        match (pos(plugin), pos(failed)) {
            (Some(a), Some(b)) if a < b => Verdict::Passed,
            (Some(a), Some(b)) if a == b => Verdict::Failed(status),
            _ => Verdict::NotRun,
        }
    }
}

/// One scheduling attempt of one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub pod: ObjectRef,
    pub at: SimTime,
    pub attempt: u32,
    /// Nodes in the snapshot.
    pub num_nodes: usize,
    /// How many feasible nodes the walk was to find (percentageOfNodesToScore).
    pub nodes_to_find: usize,
    /// A PreFilter failure: plugin and message (no node was filtered then).
    pub prefilter: Option<(&'static str, String)>,
    /// Nodes a PreFilter result (NodeAffinity naming nodes by `metadata.name`) left out, never
    /// filtered: they count as `node(s) didn't satisfy plugin(s) [NodeAffinity]`.
    pub absent: usize,
    /// The nodes filtered, in walk order.
    pub nodes: Vec<NodeDecision>,
    pub selected: Option<String>,
    /// The FailedScheduling message when nothing fit.
    pub message: Option<String>,
}

/// The pod and what its PreFilter stage computed.
pub struct PodCtx<'a> {
    pub pod: &'a Pod,
    pub spec: &'a PodSpec,
    pub requests: PodRequests,
    pub ports: Vec<HostPort>,
    pub interpod: inter_pod_affinity::State,
    pub volumes: volume_binding::State,
    /// PodTopologySpread's PreFilter state; `None` skips its Filter.
    pub spread: Option<spread_filter::State>,
}

/// `numFeasibleNodesToFind` with the adaptive default percentage `50 - nodes/125`, at least 5%,
/// never fewer than 100 nodes.
pub fn num_feasible_nodes_to_find(num_all: usize) -> usize {
    if num_all < MIN_FEASIBLE_NODES_TO_FIND {
        return num_all;
    }
    let percentage = 50usize.saturating_sub(num_all / 125).max(MIN_FEASIBLE_NODES_PERCENTAGE);
    (num_all * percentage / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// A Filter plugin: `None` passes the node.
type Filter = fn(&PodCtx<'_>, &NodeInfo) -> Option<Status>;

fn run_filters(pod: &PodCtx<'_>, node: &NodeInfo) -> Option<(&'static str, Status)> {
    let filters: [(&'static str, Filter); FILTER_PLUGINS.len()] = [
        ("NodeUnschedulable", node_basics::unschedulable),
        ("NodeName", node_basics::node_name),
        ("TaintToleration", taint_toleration::filter),
        ("NodeAffinity", node_affinity::filter),
        ("NodePorts", node_ports::filter),
        ("NodeResourcesFit", resources_fit::filter),
        ("VolumeBinding", volume_binding::filter),
        ("PodTopologySpread", spread_filter::filter),
        ("InterPodAffinity", inter_pod_affinity::filter),
    ];
    filters.iter().find_map(|(name, f)| f(pod, node).map(|s| (*name, s)))
}

/// `DefaultNormalizeScore`: scale to 0..100 by the maximum; reversed, fewer is better.
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0).max(0);
    for s in scores.iter_mut() {
        if max == 0 {
            if reverse {
                *s = MAX_NODE_SCORE;
            }
            continue;
        }
        let v = MAX_NODE_SCORE * *s / max;
        *s = if reverse { MAX_NODE_SCORE - v } else { v };
    }
}

fn min_max_normalize(scores: &mut [i64]) {
    let (min, max) = (scores.iter().copied().min().unwrap_or(0), scores.iter().copied().max().unwrap_or(0));
    for s in scores.iter_mut() {
        *s = if max > min { (MAX_NODE_SCORE as f64 * ((*s - min) as f64 / (max - min) as f64)) as i64 } else { 0 };
    }
}

/// `selectHost`: the highest total wins; among equals each has the same chance, by reservoir
/// sampling over the walk order (one draw per tie met).
pub fn select_host(totals: &[i64], rng: &mut SimRng) -> Option<usize> {
    let mut best = 0;
    let mut count = 0u64;
    for (i, &t) in totals.iter().enumerate() {
        if i == 0 || t > totals[best] {
            best = i;
            count = 1;
        } else if t == totals[best] {
            count += 1;
            if rng.below(count) == 0 {
                best = i;
            }
        }
    }
    (!totals.is_empty()).then_some(best)
}

/// Runs one scheduling cycle for `pod` against the cache. Moves the walk's start index.
pub fn schedule(cache: &mut Cache, store: &Store, rng: &mut SimRng, key: &ObjectRef, pod: &Pod, now: SimTime, attempt: u32) -> Decision {
    let empty = PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&empty);
    let num_nodes = cache.num_nodes();
    let mut d = Decision {
        pod: key.clone(),
        at: now,
        attempt,
        num_nodes,
        nodes_to_find: num_feasible_nodes_to_find(num_nodes),
        prefilter: None,
        absent: 0,
        nodes: Vec::new(),
        selected: None,
        message: None,
    };
    if num_nodes == 0 {
        d.message = Some(message::NO_NODES.to_string());
        return d;
    }
    let never_preempt = spec.preemption_policy.as_deref() == Some("Never");
    let post_filter = |codes: &mut dyn Iterator<Item = Code>| {
        if never_preempt {
            format!("preemption: {}", message::NEVER_PREEMPT)
        } else {
            message::preemption(num_nodes, codes)
        }
    };
    // PreFilter.
    let volumes = match volume_binding::pre_filter(store, pod) {
        Ok(state) => state,
        Err(msg) => {
            let post = post_filter(&mut std::iter::repeat_n(Code::UnschedulableAndUnresolvable, num_nodes));
            d.message = Some(message::fit_error(num_nodes, Some(&msg), [], Some(&post)));
            d.prefilter = Some(("VolumeBinding", msg));
            return d;
        }
    };
    // NodeAffinity's PreFilter: the nodes a `metadata.name` term names, if that is all it names.
    let only: Option<std::collections::BTreeSet<String>> = match node_affinity::pre_filter(spec) {
        Ok(names) => names,
        Err(status) => {
            let msg = status.reasons.join(", ");
            let post = post_filter(&mut std::iter::repeat_n(Code::UnschedulableAndUnresolvable, num_nodes));
            d.message = Some(message::fit_error(num_nodes, Some(&msg), [], Some(&post)));
            d.prefilter = Some(("NodeAffinity", msg));
            return d;
        }
    };
    let mut ctx = PodCtx {
        pod,
        spec,
        requests: pod_requests(spec),
        ports: host_ports(spec),
        interpod: inter_pod_affinity::pre_filter(cache, store, pod),
        volumes,
        spread: None,
    };
    ctx.spread = spread_filter::pre_filter(cache, &ctx);
    // Filter, from where the last walk stopped, until enough feasible nodes are found (over
    // the PreFilter's nodes only, when it named some).
    if let Some(names) = &only {
        let named = (0..num_nodes).filter(|&pos| names.contains(cache.node_at(pos).name())).count();
        d.absent = num_nodes - named;
        d.nodes_to_find = num_feasible_nodes_to_find(named);
    }
    d.nodes = cache.node_list();
    d.nodes.reserve_exact(d.nodes_to_find);
    let start = cache.next_start;
    let walk = (0..num_nodes).map(|i| (start + i) % num_nodes).filter(|&pos| only.as_ref().is_none_or(|names| names.contains(cache.node_at(pos).name())));
    // (index in d.nodes, position in the walk order) of each feasible node.
    let mut feasible: Vec<(usize, usize)> = Vec::new();
    for pos in walk {
        let node = cache.node_at(pos);
        let failed = run_filters(&ctx, node);
        if failed.is_none() {
            feasible.push((d.nodes.len(), pos));
        }
        d.nodes.push(NodeDecision { node: node.name, failed, scores: [None; SCORE_PLUGINS.len()], total: 0 });
        if feasible.len() >= d.nodes_to_find {
            break;
        }
    }
    cache.next_start = (start + d.nodes.len()) % num_nodes;
    if feasible.is_empty() {
        let absent = Status::unresolvable(node_affinity::absent_reason());
        let absent_codes = std::iter::repeat_n(Code::UnschedulableAndUnresolvable, d.absent);
        let post = post_filter(&mut d.nodes.iter().filter_map(|n| n.failed.as_ref().map(|(_, s)| s.code)).chain(absent_codes));
        let statuses = d.nodes.iter().filter_map(|n| n.failed.as_ref().map(|(_, s)| s)).chain(std::iter::repeat_n(&absent, d.absent));
        d.message = Some(message::fit_error(num_nodes, None, statuses, Some(&post)));
        return d;
    }
    if feasible.len() == 1 {
        d.selected = Some(d.nodes[feasible[0].0].node.to_string());
        return d;
    }
    score(cache, store, &ctx, &mut d, &feasible, rng);
    d
}

/// PreScore, Score, NormalizeScore and weights over the feasible nodes, then selectHost.
fn score(cache: &Cache, store: &Store, ctx: &PodCtx<'_>, d: &mut Decision, feasible: &[(usize, usize)], rng: &mut SimRng) {
    let nodes: Vec<&NodeInfo> = feasible.iter().map(|&(_, pos)| cache.node_at(pos)).collect();
    // PodTopologySpread: the pod's ScheduleAnyway constraints if it declares any constraint,
    // else the system defaults. Ignored nodes (lacking a topology key) are marked.
    let declares = ctx.spec.topology_spread_constraints.as_ref().is_some_and(|c| !c.is_empty());
    let spread: Option<(Vec<i64>, Option<Vec<bool>>)> = if declares {
        spread_score::pre_score(cache, ctx, &nodes).map(|st| {
            let ignored = nodes.iter().map(|n| spread_score::ignored(&st, n)).collect();
            (nodes.iter().map(|n| spread_score::score(cache, &st, n)).collect(), Some(ignored))
        })
    } else {
        topology_spread::group(store, ctx.pod)
            .map(|g| topology_spread::pre_score(cache, g, &nodes))
            .map(|st| (nodes.iter().map(|n| topology_spread::score(cache, &st, n)).collect(), None))
    };
    let mut columns: Vec<Option<Vec<i64>>> = Vec::with_capacity(SCORE_PLUGINS.len());
    let raw = |f: &dyn Fn(&NodeInfo) -> i64| nodes.iter().map(|n| f(n)).collect::<Vec<i64>>();
    columns.push(Some(raw(&|n| taint_toleration::score(ctx, n))));
    columns.push(node_affinity::has_preferred(ctx).then(|| raw(&|n| node_affinity::score(ctx, n))));
    columns.push(Some(raw(&|n| resources_fit::least_allocated(ctx, n))));
    columns.push(spread.as_ref().map(|(raw, _)| raw.clone()));
    columns.push(ctx.interpod.preferred.is_some().then(|| raw(&|n| inter_pod_affinity::score(ctx, n))));
    columns.push(resources_fit::balanced_applies(ctx).then(|| raw(&|n| resources_fit::balanced(ctx, n))));
    let images = image_locality::pre_score(cache, ctx);
    columns.push(Some(raw(&|n| image_locality::score(cache, &images, n))));
    let normalized: Vec<Option<Vec<i64>>> = columns
        .iter()
        .enumerate()
        .map(|(p, column)| {
            let mut norm = column.clone()?;
            match SCORE_PLUGINS[p].0 {
                "TaintToleration" => default_normalize(&mut norm, true),
                "NodeAffinity" => default_normalize(&mut norm, false),
                "PodTopologySpread" => match spread.as_ref().and_then(|(_, ignored)| ignored.as_deref()) {
                    Some(ignored) => spread_score::normalize(&mut norm, ignored),
                    None => topology_spread::normalize(&mut norm),
                },
                "InterPodAffinity" => min_max_normalize(&mut norm),
                _ => {}
            }
            Some(norm)
        })
        .collect();
    // Node by node (each node's record written once), every plugin's score and the total.
    let mut totals = vec![0i64; nodes.len()];
    for (j, &(i, _)) in feasible.iter().enumerate() {
        let node = &mut d.nodes[i];
        for (p, (raw, norm)) in columns.iter().zip(&normalized).enumerate() {
            let (Some(raw), Some(norm)) = (raw, norm) else { continue };
            node.scores[p] = Some(PluginScore { raw: raw[j], normalized: norm[j] });
            totals[j] += norm[j] * SCORE_PLUGINS[p].1;
        }
        node.total = totals[j];
    }
    d.selected = select_host(&totals, rng).map(|j| d.nodes[feasible[j].0].node.to_string());
}
