//! Machines joining and failing at run time: `node add`, `node NAME stop|start`.

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

    /// The node's kubelet stops (the machine loses power or its network): no more status,
    /// no more work on its pods. The node lifecycle controller notices after its grace period.
    pub fn stop_kubelet(&mut self, node: &str) -> Result<(), String> {
        let key = self.node_key(node)?;
        if self.controllers.stopped_kubelets.contains_key(node) {
            return Err(format!("the kubelet on {node} is already stopped"));
        }
        let action = self.begin_action(format!("node {node} stop"));
        self.controllers.stopped_kubelets.insert(node.to_string(), self.now);
        let grace = crate::controllers::nodelifecycle::GRACE_PERIOD;
        self.enqueue(Controller::NodeLifecycle, key, Cause::Action(action), grace, false);
        Ok(())
    }

    /// The kubelet comes back: it posts a healthy status again and resumes its pods.
    pub fn start_kubelet(&mut self, node: &str) -> Result<(), String> {
        let key = self.node_key(node)?;
        if self.controllers.stopped_kubelets.remove(node).is_none() {
            return Err(format!("the kubelet on {node} is running"));
        }
        let action = self.begin_action(format!("node {node} start"));
        let cause = Cause::Action(action);
        self.post_ready(node, cause);
        self.enqueue(Controller::NodeLifecycle, key, cause, crate::time::SimDuration::from_millis(1), false);
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

    /// What the returning kubelet posts: every condition healthy again, and a `NodeReady` Event.
    fn post_ready(&mut self, node: &str, cause: Cause) {
        let key = ObjectRef::new(Kind::Node, None, node);
        let Some(crate::api::Object::Node(n)) = self.get(&key).cloned() else { return };
        let mut n = *n;
        let fresh = super::bootstrap::initial_node_conditions(self.now);
        if let Some(status) = n.status.as_mut() {
            status.conditions = Some(fresh);
        }
        n.metadata.resource_version = None;
        let by = crate::store::Component::new(format!("kubelet/{node}"));
        let _ = self.api().update(crate::api::Object::Node(Box::new(n)), &by, cause);
        let message = format!("Node {node} status is now: NodeReady");
        let report = super::events::Report { event_type: super::events::EventType::Normal, reason: "NodeReady", message: &message };
        super::events::record_for_node(&mut self.api(), node, report, &by, cause);
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
