//! Machines joining and failing at run time: `node add`, `node NAME stop|start`, and the
//! kubelet timers (lease, node status; `crate::kubelet::heartbeat`) each running kubelet keeps.

use crate::controllers::Controller;
use crate::store::{Cause, ObjectRef};
use crate::api::Kind;

use super::Sim;

impl Sim {
    /// A new machine joins the cluster; returns its node name.
    pub fn add_node(&mut self) -> Result<String, String> {
        let action = self.begin_action("node add");
        let name = self.register_node(Cause::Action(action));
        self.after_action();
        name
    }

    /// The node's kubelet stops (the machine loses power or its network): no more lease
    /// renewals, no more status, no more work on its pods. The node lifecycle controller
    /// notices when the lease is older than its grace period.
    pub fn stop_kubelet(&mut self, node: &str) -> Result<(), String> {
        self.node_key(node)?;
        if self.controllers.stopped_kubelets.contains_key(node) {
            return Err(format!("the kubelet on {node} is already stopped"));
        }
        self.begin_action(format!("node {node} stop"));
        self.controllers.stopped_kubelets.insert(node.to_string(), self.now);
        Ok(())
    }

    /// The kubelet comes back: it renews its lease, posts a healthy status again (the
    /// conditions flip back, with their Events) and resumes its pods.
    pub fn start_kubelet(&mut self, node: &str) -> Result<(), String> {
        let key = self.node_key(node)?;
        if self.controllers.stopped_kubelets.remove(node).is_none() {
            return Err(format!("the kubelet on {node} is running"));
        }
        let action = self.begin_action(format!("node {node} start"));
        let cause = Cause::Action(action);
        // On start the kubelet renews its lease and posts its status at once.
        if self.config.controllers.contains(&Controller::Kubelet) {
            self.enqueue(Controller::Kubelet, key, cause, crate::time::SimDuration::from_millis(1), false);
        }
        let pods: Vec<ObjectRef> = self
            .store
            .list(Kind::Pod, None)
            .filter(|o| match o.as_ref() {
                crate::api::Object::Pod(p) => p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node),
                _ => false,
            })
            .map(|o| ObjectRef::of(o))
            .collect();
        for pod in pods {
            self.enqueue(Controller::Kubelet, pod, cause, crate::time::SimDuration::from_millis(1), false);
        }
        self.after_action();
        Ok(())
    }

    /// Is this node's kubelet stopped?
    pub fn kubelet_stopped(&self, node: &str) -> bool {
        self.controllers.stopped_kubelets.contains_key(node)
    }

    /// Starts the node's kubelet timers (lease renewal, node status) after `delay`. Periodic
    /// work: `settle` does not wait for it.
    pub(super) fn start_heartbeats(&mut self, node: &str, delay: crate::time::SimDuration) {
        if self.config.controllers.contains(&Controller::Kubelet) {
            let key = ObjectRef::new(Kind::Node, None, node);
            self.enqueue(Controller::Kubelet, key, Cause::Timer(None), delay, true);
        }
    }

    fn node_key(&self, node: &str) -> Result<ObjectRef, String> {
        let key = ObjectRef::new(Kind::Node, None, node);
        if self.store.contains(&key) {
            Ok(key)
        } else {
            Err(format!("there is no node \"{node}\" (see `kubectl get nodes`)"))
        }
    }
}
