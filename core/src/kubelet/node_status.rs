//! The node status the kubelet posts, as pkg/kubelet/kubelet_node_status.go does it.
//!
//! Every `nodeStatusUpdateFrequency` (10 s) the kubelet runs its condition setters
//! (MemoryPressure, DiskPressure, PIDPressure, Ready): each stamps `lastHeartbeatTime` now and
//! moves `lastTransitionTime` only when the status flips, recording the matching Event
//! (`NodeHasSufficientMemory`, …, `NodeReady`). The update is written only when the status
//! differs from the stored one apart from heartbeat times (`nodeStatusHasChanged`) or when
//! `nodeStatusReportFrequency` (5 min) has passed since the last write; in between, the Lease
//! is the heartbeat. Simplification: the simulated machine never runs short of memory, disk or
//! PIDs, so a running kubelet always reports the healthy values. Conditions and the `images`
//! list (see `node_images.rs`) are synced; capacity and addresses do not change.

use k8s_openapi::api::core::v1::{Node, NodeCondition};

use crate::api::Object;
use crate::controllers::Ctx;
use crate::sim::apiserver::k8s_time;
use crate::sim::events::{self, EventType, Report};
use crate::time::{from_k8s, SimTime};

use super::heartbeat::STATUS_REPORT_FREQUENCY;

/// What a healthy kubelet's setters produce: (type, status, reason, message, event reason).
const HEALTHY: [(&str, &str, &str, &str, &str); 4] = [
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", "NodeHasSufficientMemory"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", "NodeHasSufficientPID"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status", "NodeReady"),
];

/// The conditions a healthy kubelet reports when its node registers.
pub fn initial_conditions(now: SimTime) -> Vec<NodeCondition> {
    let (conditions, _) = run_setters(&[], now);
    conditions
}

/// The setters over the stored conditions: the new list, and the Events of the flips.
fn run_setters(current: &[NodeCondition], now: SimTime) -> (Vec<NodeCondition>, Vec<&'static str>) {
    let t = k8s_time(now);
    let mut flipped = Vec::new();
    let mut out: Vec<NodeCondition> = current.iter().filter(|c| !HEALTHY.iter().any(|h| h.0 == c.type_)).cloned().collect();
    for (type_, status, reason, message, event) in HEALTHY {
        let old = current.iter().find(|c| c.type_ == type_);
        let transition = match old {
            Some(c) if c.status == status => c.last_transition_time.clone(),
            Some(_) => {
                flipped.push(event);
                Some(t.clone())
            }
            None => Some(t.clone()),
        };
        out.push(NodeCondition {
            type_: type_.into(),
            status: status.into(),
            reason: Some(reason.into()),
            message: Some(message.into()),
            last_heartbeat_time: Some(t.clone()),
            last_transition_time: transition,
        });
    }
    (out, flipped)
}

/// `nodeStatusHasChanged`: the conditions differ in anything but their heartbeat times.
fn changed(old: &[NodeCondition], new: &[NodeCondition]) -> bool {
    let strip = |c: &NodeCondition| NodeCondition { last_heartbeat_time: None, ..c.clone() };
    old.len() != new.len() || old.iter().zip(new).any(|(a, b)| strip(a) != strip(b))
}

/// One status sync of the node's kubelet: write when changed or when the report is due.
pub fn sync(ctx: &mut Ctx<'_, '_>, obj: &Object) {
    let Object::Node(node) = obj else { return };
    let name = node.metadata.name.clone().unwrap_or_default();
    let now = ctx.api.now;
    let current = node.status.as_ref().and_then(|s| s.conditions.clone()).unwrap_or_default();
    let (conditions, flipped) = run_setters(&current, now);
    let runtime = ctx.state.kubelet.nodes.entry(name.clone()).or_default();
    // `recordNodeSchedulableEvent`: a cordon or uncordon seen since the last sync.
    let unschedulable = node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false);
    let schedulable_event = (runtime.last_unschedulable != unschedulable).then_some(if unschedulable { "NodeNotSchedulable" } else { "NodeSchedulable" });
    runtime.last_unschedulable = unschedulable;
    if let Some(reason) = schedulable_event {
        let message = format!("Node {name} status is now: {reason}");
        let by = ctx.by.clone();
        events::record_for_node(ctx.api, &name, Report { event_type: EventType::Normal, reason, message: &message }, &by, ctx.cause);
    }
    let runtime = ctx.state.kubelet.nodes.entry(name.clone()).or_default();
    let images = super::node_images::list(&runtime.images, now);
    let reported_images = node.status.as_ref().and_then(|s| s.images.as_deref()).unwrap_or_default();
    let images_changed = reported_images != images.as_slice();
    let last_report = runtime.status_reported.or_else(|| node.metadata.creation_timestamp.as_ref().map(from_k8s)).unwrap_or(SimTime::ZERO);
    if !changed(&current, &conditions) && !images_changed && now < last_report + STATUS_REPORT_FREQUENCY {
        return;
    }
    runtime.status_reported = Some(now);
    let mut updated: Node = (**node).clone();
    let status = updated.status.get_or_insert_with(Default::default);
    status.conditions = Some(conditions);
    status.images = (!images.is_empty()).then_some(images);
    updated.metadata.resource_version = None;
    let by = ctx.by.clone();
    if ctx.api.update(Object::Node(Box::new(updated)), &by, ctx.cause).is_err() {
        return;
    }
    for reason in flipped {
        let message = format!("Node {name} status is now: {reason}");
        events::record_for_node(ctx.api, &name, Report { event_type: EventType::Normal, reason, message: &message }, &by, ctx.cause);
    }
}
