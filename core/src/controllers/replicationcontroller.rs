//! The ReplicationController manager (`replication-controller`, pkg/controller/replication):
//! like the real one, the ReplicaSet controller run on a ReplicaSet view of each
//! ReplicationController (its map selector as `matchLabels`, defaulting to the template's
//! labels), so pods, adoption, orphaning, `SuccessfulCreate` / `FailedCreate` events and the
//! status counts and the ReplicaFailure condition follow the same rules; the status is written
//! back in the ReplicationController's shape. Creations refused for a missing
//! ServiceAccount are retried when it is created.

use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetCondition, ReplicaSetSpec, ReplicaSetStatus};
use k8s_openapi::api::core::v1::{ReplicationController, ReplicationControllerCondition, ReplicationControllerStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::api::{Kind, Object};
use crate::store::selector;
use crate::store::{ObjectRef, WatchEvent};

use super::replicaset::{keys_for_owner, owners_to_sync, sync_as, sync_each};
use super::{Ctx, Requeue};

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    keys_for_owner(event, Kind::ReplicationController)
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    match key.kind {
        Kind::ReplicationController => sync(ctx, key),
        _ => {
            let owners = owners_to_sync(ctx, key, Kind::ReplicationController, |o, labels| match o {
                Object::ReplicationController(rc) => {
                    let sel = selector_of(rc);
                    !sel.is_empty() && selector::from_map(&sel).matches(labels)
                }
                _ => false,
            });
            sync_each(ctx, owners, sync)
        }
    }
}

fn sync(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(obj) = ctx.api.store.get(key).cloned() else {
        super::replicaset::forget(ctx, key);
        return Requeue::Done;
    };
    let Object::ReplicationController(rc) = obj.as_ref() else { return Requeue::Done };
    let rs = as_replica_set(rc);
    sync_as(ctx, &obj, &rs)
}

/// `spec.selector`, or the template's labels when it is empty.
fn selector_of(rc: &ReplicationController) -> std::collections::BTreeMap<String, String> {
    let spec = rc.spec.as_ref();
    let explicit = spec.and_then(|s| s.selector.clone()).filter(|s| !s.is_empty());
    explicit
        .or_else(|| spec.and_then(|s| s.template.as_ref()).and_then(|t| t.metadata.as_ref()).and_then(|m| m.labels.clone()))
        .unwrap_or_default()
}

/// The ReplicaSet form the sync runs on (`conversion.go`).
pub fn as_replica_set(rc: &ReplicationController) -> ReplicaSet {
    let spec = rc.spec.clone().unwrap_or_default();
    let status = rc.status.clone().unwrap_or_default();
    ReplicaSet {
        metadata: rc.metadata.clone(),
        spec: ReplicaSetSpec {
            replicas: spec.replicas,
            min_ready_seconds: spec.min_ready_seconds,
            selector: LabelSelector { match_labels: Some(selector_of(rc)), match_expressions: None },
            template: spec.template,
        },
        status: Some(ReplicaSetStatus {
            replicas: status.replicas,
            fully_labeled_replicas: status.fully_labeled_replicas,
            ready_replicas: status.ready_replicas,
            available_replicas: status.available_replicas,
            observed_generation: status.observed_generation,
            conditions: status.conditions.map(|cs| {
                cs.into_iter()
                    .map(|c| ReplicaSetCondition {
                        type_: Some(c.type_),
                        status: Some(c.status),
                        reason: c.reason,
                        message: c.message,
                        last_transition_time: c.last_transition_time,
                    })
                    .collect()
            }),
            terminating_replicas: None,
        }),
    }
}

/// Writes the ReplicaSet status computed by the sync in the ReplicationController's shape.
pub(crate) fn update_status(ctx: &mut Ctx<'_, '_>, rc: &ReplicationController, status: ReplicaSetStatus) {
    let new = ReplicationControllerStatus {
        replicas: status.replicas,
        fully_labeled_replicas: status.fully_labeled_replicas,
        ready_replicas: status.ready_replicas,
        available_replicas: status.available_replicas,
        observed_generation: status.observed_generation,
        // The ReplicaSet sync's conditions (ReplicaFailure), in the ReplicationController's type.
        conditions: status.conditions.map(|cs| {
            cs.into_iter()
                .map(|c| ReplicationControllerCondition {
                    type_: c.type_.unwrap_or_default(),
                    status: c.status.unwrap_or_default(),
                    reason: c.reason,
                    message: c.message,
                    last_transition_time: c.last_transition_time,
                })
                .collect()
        }),
    };
    if rc.status.as_ref() == Some(&new) {
        return;
    }
    let mut updated = rc.clone();
    updated.status = Some(new);
    updated.metadata.resource_version = None;
    let _ = ctx.api.update(Object::from(updated), &ctx.by, ctx.cause);
}

#[cfg(test)]
#[path = "replicationcontroller_tests.rs"]
mod tests;
