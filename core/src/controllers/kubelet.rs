//! The kubelets, one per node: each runs the pods bound to its node (`crate::kubelet`) and, keyed
//! by its Node, renews its Lease and posts its node status every 10 s. A deleted Node also
//! takes its flannel lease and network namespaces with it.

use crate::api::{Kind, Object};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};

use super::{Ctx, Requeue};

/// Pods bound to a node. The kubelet's own status writes are skipped (they change nothing it
/// acts on); a pod deleted from the API still reaches its kubelet so it can clean up.
pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    // A deleted Node: every flanneld drops its lease (the kube subnet manager watches Nodes).
    if event.key.kind == Kind::Node && event.event_type == WatchEventType::Deleted {
        return vec![event.key.clone()];
    }
    if event.key.kind != Kind::Pod || event.by.as_str().starts_with("kubelet/") && event.event_type != WatchEventType::Deleted {
        return Vec::new();
    }
    match event.object.as_ref() {
        Object::Pod(p) if p.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_some_and(|n| !n.is_empty()) => vec![event.key.clone()],
        _ => Vec::new(),
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    if key.kind == Kind::Node {
        if ctx.api.store.get(key).is_none() {
            ctx.api.net.remove_node(&key.name);
            return Requeue::Done;
        }
        // The node's own timers: lease renewal and node status (`crate::kubelet::heartbeat`).
        return crate::kubelet::heartbeat::tick(ctx, key);
    }
    // A stopped kubelet (`node NAME stop`) does nothing; `node NAME start` requeues its pods.
    if let Some(Object::Pod(p)) = ctx.api.store.get(key).map(|o| o.as_ref()) {
        let node = p.spec.as_ref().and_then(|s| s.node_name.as_deref()).unwrap_or("");
        if ctx.state.stopped_kubelets.contains_key(node) {
            return Requeue::Done;
        }
    }
    crate::kubelet::reconcile(ctx, key)
}
