//! The scheduling decisions kept for inspection: the last attempt of every pod still waiting,
//! and those of the most recently scheduled pods. The node lists of dropped decisions are
//! emptied and reused by the next attempts rather than allocated anew for each pod.

use std::collections::{BTreeMap, VecDeque};

use super::framework::{Decision, NodeDecision};
use crate::store::ObjectRef;

/// How many decisions of successfully scheduled pods are kept (the newest).
pub const RECENT_DECISIONS: usize = 256;
/// How many emptied node lists are held for reuse.
const SPARE: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct Decisions {
    by_pod: BTreeMap<ObjectRef, Decision>,
    recent: VecDeque<ObjectRef>,
    spare: Vec<Vec<NodeDecision>>,
}

impl Decisions {
    pub fn get(&self, pod: &ObjectRef) -> Option<&Decision> {
        self.by_pod.get(pod)
    }

    /// Keeps `decision` as its pod's latest; beyond the newest successful ones, older
    /// successful decisions are dropped.
    pub fn keep(&mut self, decision: Decision) {
        let key = decision.pod.clone();
        if decision.selected.is_some() {
            self.recent.push_back(key.clone());
            while self.recent.len() > RECENT_DECISIONS {
                if let Some(old) = self.recent.pop_front() {
                    if old != key && self.by_pod.get(&old).is_some_and(|d| d.selected.is_some()) {
                        let dropped = self.by_pod.remove(&old);
                        self.recycle(dropped);
                    }
                }
            }
        }
        let replaced = self.by_pod.insert(key, decision);
        self.recycle(replaced);
    }

    /// A pending pod was deleted: its failed decision goes with it.
    pub fn forget_failed(&mut self, pod: &ObjectRef) {
        if self.by_pod.get(pod).is_some_and(|d| d.selected.is_none()) {
            let dropped = self.by_pod.remove(pod);
            self.recycle(dropped);
        }
    }

    /// An empty node list, with the capacity of an earlier decision's when there is one.
    pub fn node_list(&mut self) -> Vec<NodeDecision> {
        self.spare.pop().unwrap_or_default()
    }

    fn recycle(&mut self, decision: Option<Decision>) {
        if let Some(mut d) = decision {
            if self.spare.len() < SPARE {
                d.nodes.clear();
                self.spare.push(d.nodes);
            }
        }
    }
}
