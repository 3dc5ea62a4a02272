//! The event chain: from one user action to every write it caused, directly or through
//! components reacting to earlier writes. Built from the causes the store records, as a DAG
//! (petgraph), and handed to the UI as plain data.

use std::collections::BTreeMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::store::{ActionId, Cause, Store, WatchEventType};
use crate::time::SimTime;

/// One node of a chain: the action itself or one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainNode {
    Action { id: ActionId, summary: String, at: SimTime },
    Write {
        resource_version: u64,
        event_type: WatchEventType,
        /// `deployment.apps/web`
        object: String,
        namespace: Option<String>,
        by: String,
        at: SimTime,
    },
}

/// A chain as plain data: nodes in causal (resourceVersion) order; edges as (cause, effect)
/// indexes into `nodes`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chain {
    pub nodes: Vec<ChainNode>,
    pub edges: Vec<(usize, usize)>,
}

/// The DAG of everything `action` caused, from the store's log.
pub fn chain_of(store: &Store, action: ActionId, summary: &str, at: SimTime) -> Chain {
    let mut graph: DiGraph<ChainNode, ()> = DiGraph::new();
    let root = graph.add_node(ChainNode::Action { id: action, summary: summary.to_string(), at });
    let mut by_rv: BTreeMap<u64, NodeIndex> = BTreeMap::new();
    for event in store.history() {
        let parent = match event.cause {
            Cause::Action(a) if a == action => Some(root),
            Cause::Write(rv) | Cause::Timer(Some(rv)) => by_rv.get(&rv).copied(),
            _ => None,
        };
        let Some(parent) = parent else { continue };
        let node = graph.add_node(ChainNode::Write {
            resource_version: event.resource_version,
            event_type: event.event_type,
            object: event.key.to_string(),
            namespace: event.key.namespace.clone(),
            by: event.by.to_string(),
            at: event.at,
        });
        graph.add_edge(parent, node, ());
        by_rv.insert(event.resource_version, node);
    }
    Chain {
        nodes: graph.node_indices().map(|i| graph[i].clone()).collect(),
        edges: graph.edge_references().map(|e| (e.source().index(), e.target().index())).collect(),
    }
}

impl Chain {
    /// The chain as indented text, one line per node, children under their cause.
    pub fn to_text(&self) -> String {
        let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for &(a, b) in &self.edges {
            children.entry(a).or_default().push(b);
        }
        let mut out = String::new();
        if !self.nodes.is_empty() {
            self.write_node(0, 0, &children, &mut out);
        }
        out
    }

    fn write_node(&self, i: usize, depth: usize, children: &BTreeMap<usize, Vec<usize>>, out: &mut String) {
        let indent = "  ".repeat(depth);
        match &self.nodes[i] {
            ChainNode::Action { summary, at, .. } => out.push_str(&format!("{indent}{at} {summary}\n")),
            ChainNode::Write { resource_version, event_type, object, namespace, by, at } => {
                let ns = namespace.as_deref().map(|n| format!(" -n {n}")).unwrap_or_default();
                out.push_str(&format!(
                    "{indent}{at} [rv {resource_version}] {by}: {} {object}{ns}\n",
                    event_type.as_str()
                ));
            }
        }
        for &c in children.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
            self.write_node(c, depth + 1, children, out);
        }
    }
}
