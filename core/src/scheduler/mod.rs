//! The scheduler: kube-scheduler's framework with the default profile's plugins.
//!
//! ```text
//! cache.rs       the cache kept from the watch log: nodes, bound pods, walk order, back-off
//! decisions.rs   the decisions kept for inspection (waiting pods, the newest scheduled ones)
//! node_info.rs   per node: requests of its pods, used host ports, owners; per bound pod
//! image_states.rs image names the nodes list, with how many nodes list each
//! resources.rs   a pod's effective requests (real and with the non-zero scoring defaults)
//! framework.rs   one scheduling cycle: PreFilter, Filter, PostFilter, Score; the Decision
//! message.rs     the FailedScheduling text and its `preemption:` part
//! plugins/       the Filter and Score plugins
//! ```
//!
//! The controller that drives it (queueing, binding, events) is `crate::controllers::scheduler`.

pub mod cache;
pub mod decisions;
pub mod framework;
pub mod image_states;
pub mod message;
pub mod node_info;
pub mod node_names;
pub mod plugins;
pub mod resources;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod scenario_tests;
#[cfg(test)]
mod spread_tests;
#[cfg(test)]
mod spread_scenario_tests;
#[cfg(test)]
mod volume_scenario_tests;
#[cfg(test)]
mod interpod_score_tests;

pub use cache::Cache;
pub use framework::{Decision, NodeDecision, PluginScore, Status, Verdict};

impl crate::sim::Sim {
    /// The last scheduling attempt's decision for a pod: every node's filter verdicts and
    /// scores. Kept for pods still unschedulable and for the most recently scheduled ones.
    pub fn scheduling_decision(&self, pod: &crate::store::ObjectRef) -> Option<&Decision> {
        self.controller_state().scheduler.decision(pod)
    }
}
