//! The pod garbage collector's orphan sweep: pods bound to a node that no longer exists are
//! marked (`markFailedAndDeletePodWithCondition`: phase Failed unless already terminal, with the
//! `DisruptionTarget` condition `DeletionByPodGC` / `PodGC: node no longer exists`), then
//! deleted outright (no grace period: no kubelet is left to run one). The real collector
//! sweeps every 20 s and waits until a node has been missing for a 40 s quarantine; here the
//! sweep for a deleted node runs once, 40 s after the deletion.

use k8s_openapi::api::core::v1::PodCondition;

use crate::api::{Kind, Object};
use crate::sim::apiserver::{k8s_time, Propagation};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::SimDuration;

use super::{Ctx, Requeue};

/// The quarantine before a missing node's pods are collected.
pub const QUARANTINE: SimDuration = SimDuration::from_secs(40);

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type) {
        (Kind::Node, WatchEventType::Deleted) => vec![event.key.clone()],
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    if ctx.api.store.contains(key) {
        return Requeue::Done;
    }
    let orphans: Vec<ObjectRef> = ctx
        .api
        .store
        .list(Kind::Pod, None)
        .filter(|o| match o.as_ref() {
            Object::Pod(p) => p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(key.name.as_str()),
            _ => false,
        })
        .map(|o| ObjectRef::of(o))
        .collect();
    let now = ctx.api.now;
    for pod in orphans {
        let by = ctx.by.clone();
        if let Some(Object::Pod(p)) = ctx.api.store.get(&pod).map(|o| o.as_ref()) {
            let mut status = p.status.clone().unwrap_or_default();
            if !matches!(status.phase.as_deref(), Some("Succeeded" | "Failed")) {
                status.phase = Some("Failed".into());
                let conditions = status.conditions.get_or_insert_with(Vec::new);
                conditions.retain(|c| c.type_ != "DisruptionTarget");
                conditions.push(PodCondition {
                    type_: "DisruptionTarget".into(),
                    status: "True".into(),
                    reason: Some("DeletionByPodGC".into()),
                    message: Some("PodGC: node no longer exists".into()),
                    last_transition_time: Some(k8s_time(now)),
                    ..Default::default()
                });
                let _ = ctx.api.update_pod_status(&pod, status, &by, ctx.cause);
            }
        }
        let _ = ctx.api.delete_with_grace(&pod, Propagation::Background, Some(0), &by, ctx.cause);
    }
    Requeue::Done
}
