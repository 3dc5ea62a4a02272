//! The Deployment controller (`deployment-controller`): one ReplicaSet per pod template,
//! named `<deployment>-<pod-template-hash>`, rolled from old to new within maxSurge and
//! maxUnavailable (or Recreate), scaled proportionally mid-rollout, paused and resumed, with
//! revision annotations, history cleanup and the Available / Progressing conditions.
//!
//! ```text
//! mod.rs          watch keys and syncDeployment's order
//! util.rs         the arithmetic: fenceposts, NewRSNewReplicas, old scale-down, proportions, hash
//! annotations.rs  revision, revision-history, desired/max-replicas, copied annotations
//! replicasets.rs  claiming replica sets, the new one and its revision, creating it
//! rollout.rs      rolling update, Recreate, scale, history cleanup
//! status.rs       status counts and conditions, the progress deadline
//! ```

mod annotations;
mod replicasets;
mod shared_rs;
mod rollout;
pub mod status;
pub mod util;

#[cfg(test)]
pub(crate) mod scenario_tests;
#[cfg(test)]
mod tests;

use k8s_openapi::api::apps::v1::Deployment;

use crate::api::{Kind, Object};
use crate::sim::events::{self, EventType};
use crate::store::selector;
use crate::store::{ObjectRef, WatchEvent, WatchEventType};

use super::owner::controller_key;
use super::{Ctx, Requeue};
use replicasets::as_object;

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match event.key.kind {
        Kind::Deployment if event.event_type != WatchEventType::Deleted => vec![event.key.clone()],
        Kind::ReplicaSet => controller_key(event.object.metadata(), Kind::Deployment).into_iter().collect(),
        // A Recreate rollout waits for the old pods to be gone: a deleted pod of a replica set
        // named `<deployment>-<hash>` wakes its deployment.
        Kind::Pod if event.event_type == WatchEventType::Deleted => {
            let meta = event.object.metadata();
            let Some(rs) = controller_key(meta, Kind::ReplicaSet) else { return vec![] };
            let Some(hash) = meta.labels.as_ref().and_then(|l| l.get(util::HASH_LABEL)) else { return vec![] };
            match rs.name.strip_suffix(hash.as_str()).and_then(|n| n.strip_suffix('-')) {
                Some(d) if !d.is_empty() => vec![ObjectRef::new(Kind::Deployment, rs.namespace.as_deref(), d)],
                _ => vec![],
            }
        }
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(obj) = ctx.api.store.get(key).cloned() else { return Requeue::Done };
    let Object::Deployment(stored) = obj.as_ref() else { return Requeue::Done };
    let mut d: Deployment = stored.as_ref().clone();
    let requeue = sync(ctx, &mut d);
    if d != **stored {
        d.metadata.resource_version = None;
        let _ = ctx.api.update(d.into(), &ctx.by, ctx.cause);
    }
    requeue
}

/// `syncDeployment`, in the real order.
fn sync(ctx: &mut Ctx<'_, '_>, d: &mut Deployment) -> Requeue {
    let spec = &d.spec;
    let selects_all = spec.selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && spec.selector.match_expressions.as_ref().is_none_or(|e| e.is_empty());
    if selects_all {
        let msg = "This deployment is selecting all pods. A non-empty selector is required.";
        events::record(ctx.api, &as_object(d), EventType::Warning, "SelectingAll", msg, &ctx.by, None, ctx.cause);
        let status = d.status.get_or_insert_with(Default::default);
        if status.observed_generation < d.metadata.generation {
            status.observed_generation = d.metadata.generation;
        }
        return Requeue::Done;
    }
    let Ok(sel) = selector::from_label_selector(&spec.selector) else { return Requeue::Done };
    let owned = replicasets::claim(ctx, d, &sel);
    if d.metadata.deletion_timestamp.is_some() {
        let (new, olds) = replicasets::split_and_sync_revision(ctx, d, owned);
        rollout::plain_status(ctx, d, &olds, new.as_ref());
        return Requeue::Done;
    }
    status::check_paused(d, ctx.api.now);
    let (new, olds) = replicasets::split_and_sync_revision(ctx, d, owned);
    let paused = d.spec.paused.unwrap_or(false);
    if paused || rollout::is_scaling_event(d, new.as_ref(), &olds) {
        return rollout::scale_sync(ctx, d, new, olds);
    }
    if util::is_rolling(d) {
        rollout::rolling(ctx, d, new, olds)
    } else {
        rollout::recreate(ctx, d, new, olds)
    }
}
