//! The namespace controller (pkg/controller/namespace/deletion): when a namespace is marked for
//! deletion, delete everything in it, report progress in the namespace's status conditions,
//! then remove the namespace itself (the real controller removes its `kubernetes` finalizer).
//!
//! As Kubernetes 1.34 does it (`OrderedNamespaceDeletion`, locked on): pods are deleted first,
//! and while any pod remains nothing else is touched. Each kind's pass (`delete_kind`,
//! `deleteAllContentForGroupVersionResource`) estimates the pods' remaining grace period
//! (the longest `terminationGracePeriodSeconds` of the non-terminal pods, zero once that long
//! has passed since the namespace's deletionTimestamp), deletes every object, and counts what
//! is left and the finalizers holding it: items left behind an estimate or a finalizer (15 s)
//! are normal, items left with neither are the error `unexpected items still remain in
//! namespace: NS for gvr: GROUP/VERSION, Resource=PLURAL`.
//!
//! The five conditions (`status_condition_utils.go`) are written after every pass, in the
//! order NamespaceDeletionDiscoveryFailure, NamespaceDeletionGroupVersionParsingFailure,
//! NamespaceDeletionContentFailure, NamespaceContentRemaining, NamespaceFinalizersRemaining;
//! a condition with nothing to report gets its "ok" form (status False). Like 1.34, the pass
//! that stops early because pods remain reports neither the remaining pods nor their
//! finalizers (the counts are only reported by the full pass). lastTransitionTime moves only
//! when a condition's status changes.
//!
//! Simplified: discovery never fails (every served kind is known), so the first two
//! conditions are always the "ok" form; the status write of the pass that empties the
//! namespace is left out, as the namespace is removed in the same instant and nothing can
//! read it; each kind is deleted in its preferred version only
//! (real discovery lists every served version); the controller looks again every second while
//! content remains instead of after `estimate/2+1` seconds and the 5 s delay of namespace
//! events.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, NamespaceCondition, NamespaceStatus};

use crate::api::{Kind, Object};
use crate::kubectl::printers::util::sim_time;
use crate::sim::apiserver::{k8s_time, ApiError, Propagation};
use crate::store::{ObjectRef, WatchEvent, WatchEventType};
use crate::time::{SimDuration, SimTime};

use super::{Ctx, Requeue};

/// `finalizerEstimateSeconds`: the wait assumed for finalizers found on remaining items.
const FINALIZER_ESTIMATE_SECS: i64 = 15;

/// The condition types the controller maintains, in the order it first writes them.
pub const CONDITION_TYPES: [&str; 5] = [
    "NamespaceDeletionDiscoveryFailure",
    "NamespaceDeletionGroupVersionParsingFailure",
    "NamespaceDeletionContentFailure",
    "NamespaceContentRemaining",
    "NamespaceFinalizersRemaining",
];

/// The reason and message of each condition type when there is nothing to report.
fn ok_form(type_: &str) -> (&'static str, &'static str) {
    match type_ {
        "NamespaceDeletionDiscoveryFailure" => ("ResourcesDiscovered", "All resources successfully discovered"),
        "NamespaceDeletionGroupVersionParsingFailure" => ("ParsedGroupVersions", "All legacy kube types successfully parsed"),
        "NamespaceDeletionContentFailure" => ("ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
        "NamespaceContentRemaining" => ("ContentRemoved", "All content successfully removed"),
        _ => ("ContentHasNoFinalizers", "All content-preserving finalizers finished"),
    }
}

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type) {
        (Kind::Namespace, WatchEventType::Modified) if event.object.metadata().deletion_timestamp.is_some() => {
            vec![event.key.clone()]
        }
        _ => vec![],
    }
}

/// What one kind's pass left behind (`gvrDeletionMetadata`).
#[derive(Debug, Default)]
struct KindOutcome {
    estimate_secs: i64,
    remaining: usize,
    finalizers: BTreeMap<String, usize>,
}

/// The conditions one reconcile has to report (`namespaceConditionUpdater`).
#[derive(Debug, Default)]
struct Report {
    delete_errors: Vec<String>,
    /// `plural.group` → instances left (kinds with none are not listed).
    remaining: BTreeMap<String, usize>,
    finalizers: BTreeMap<String, usize>,
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let Some(Object::Namespace(ns)) = ctx.api.store.get(key).map(|o| o.as_ref()) else { return Requeue::Done };
    let Some(deleted_at) = ns.metadata.deletion_timestamp.as_ref().map(sim_time) else { return Requeue::Done };
    let mut report = Report::default();
    let pods = delete_kind(ctx, Kind::Pod, &key.name, deleted_at, &mut report);
    let mut estimate = pods.estimate_secs;
    if pods.remaining > 0 {
        // Pods first: nothing else is deleted while any remains.
        write_conditions(ctx, key, &report, false);
        return Requeue::After(SimDuration::from_secs(1));
    }
    let kinds: Vec<Kind> = ctx.api.store.namespaced_kinds().filter(|k| *k != Kind::Pod).collect();
    for kind in kinds {
        let outcome = delete_kind(ctx, kind, &key.name, deleted_at, &mut report);
        estimate = estimate.max(outcome.estimate_secs);
        if outcome.remaining > 0 {
            let info = kind.info();
            report.remaining.insert(format!("{}.{}", info.plural, info.group), outcome.remaining);
            for (f, n) in outcome.finalizers {
                *report.finalizers.entry(f).or_default() += n;
            }
        }
    }
    if estimate > 0 || !report.delete_errors.is_empty() || ctx.api.store.list_all_in(&key.name).next().is_some() {
        write_conditions(ctx, key, &report, true);
        // Objects with finalizers or a grace period are still terminating; look again shortly.
        return Requeue::After(SimDuration::from_secs(1));
    }
    let _ = ctx.api.store.remove(key, ctx.api.now, ctx.by.clone(), ctx.cause);
    Requeue::Done
}

/// `deleteAllContentForGroupVersionResource` for one kind: estimate, delete each object, count
/// what remains. A delete that fails, or items left with neither an estimate nor a finalizer,
/// add to the report's errors.
fn delete_kind(ctx: &mut Ctx<'_, '_>, kind: Kind, ns: &str, deleted_at: SimTime, report: &mut Report) -> KindOutcome {
    let mut estimate = 0;
    if kind == Kind::Pod {
        estimate = pod_grace_estimate(ctx, ns);
        if ctx.api.now.0.saturating_sub(deleted_at.0) >= SimDuration::from_secs(estimate.max(0) as u64).0 {
            estimate = 0;
        }
    }
    let keys: Vec<ObjectRef> = ctx.api.store.list(kind, Some(ns)).map(|o| ObjectRef::of(o)).collect();
    for k in keys {
        match ctx.api.delete(&k, Propagation::Background, &ctx.by, ctx.cause) {
            Ok(_) | Err(ApiError::NotFound { .. }) => {}
            Err(e) => {
                report.delete_errors.push(e.message());
                return KindOutcome { estimate_secs: estimate, ..Default::default() };
            }
        }
    }
    let left: Vec<_> = ctx.api.store.list(kind, Some(ns)).cloned().collect();
    if left.is_empty() {
        return KindOutcome::default();
    }
    let mut finalizers: BTreeMap<String, usize> = BTreeMap::new();
    for obj in &left {
        for f in obj.metadata().finalizers.iter().flatten() {
            *finalizers.entry(f.clone()).or_default() += 1;
        }
    }
    let estimate_secs = match (estimate, finalizers.is_empty()) {
        (0, false) => FINALIZER_ESTIMATE_SECS,
        (0, true) => {
            let info = kind.info();
            let version = info.versions.first().copied().unwrap_or("v1");
            report.delete_errors.push(format!(
                "unexpected items still remain in namespace: {ns} for gvr: {}/{version}, Resource={}",
                info.group, info.plural
            ));
            0
        }
        (e, _) => e,
    };
    KindOutcome { estimate_secs, remaining: left.len(), finalizers }
}

/// `estimateGracefulTerminationForPods`: the longest grace period of the pods not yet in a
/// terminal phase.
fn pod_grace_estimate(ctx: &Ctx<'_, '_>, ns: &str) -> i64 {
    ctx.api
        .store
        .list(Kind::Pod, Some(ns))
        .filter_map(|o| match o.as_ref() {
            Object::Pod(p) => Some(p),
            _ => None,
        })
        .filter(|p| !matches!(p.status.as_ref().and_then(|s| s.phase.as_deref()), Some("Succeeded" | "Failed")))
        .filter_map(|p| p.spec.as_ref().and_then(|s| s.termination_grace_period_seconds))
        .max()
        .unwrap_or(0)
}

/// The conditions of this pass (`ProcessContentTotals` only when `with_totals`, as the pass
/// that stops at the pods does not call it), merged into the namespace's status as
/// `updateConditions` does, and written when something changed.
fn write_conditions(ctx: &mut Ctx<'_, '_>, key: &ObjectRef, report: &Report, with_totals: bool) {
    let Some(Object::Namespace(ns)) = ctx.api.store.get(key).map(|o| o.as_ref()) else { return };
    let mut ns: Namespace = (**ns).clone();
    let now = ctx.api.now;
    let fresh = new_conditions(report, with_totals, now);
    let status = ns.status.get_or_insert_with(NamespaceStatus::default);
    if !merge_conditions(status, &fresh, now) {
        return;
    }
    ns.metadata.resource_version = None;
    let _ = ctx.api.update(Object::Namespace(Box::new(ns)), &ctx.by, ctx.cause);
}

fn condition(type_: &str, status: &str, reason: &str, message: String, now: SimTime) -> NamespaceCondition {
    NamespaceCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message),
        last_transition_time: Some(k8s_time(now)),
    }
}

/// The five conditions this pass reports, each in its failing or its "ok" form.
fn new_conditions(report: &Report, with_totals: bool, now: SimTime) -> Vec<NamespaceCondition> {
    let mut out = Vec::new();
    for type_ in CONDITION_TYPES {
        let failing = match type_ {
            "NamespaceDeletionContentFailure" if !report.delete_errors.is_empty() => {
                let mut msgs = report.delete_errors.clone();
                msgs.sort();
                Some(("ContentDeletionFailed", format!("Failed to delete all resource types, {} remaining: {}", msgs.len(), msgs.join(", "))))
            }
            "NamespaceContentRemaining" if with_totals && !report.remaining.is_empty() => {
                let mut parts: Vec<String> = report.remaining.iter().map(|(r, n)| format!("{r} has {n} resource instances")).collect();
                parts.sort();
                Some(("SomeResourcesRemain", format!("Some resources are remaining: {}", parts.join(", "))))
            }
            "NamespaceFinalizersRemaining" if with_totals && !report.finalizers.is_empty() => {
                let mut parts: Vec<String> = report.finalizers.iter().map(|(f, n)| format!("{f} in {n} resource instances")).collect();
                parts.sort();
                Some(("SomeFinalizersRemain", format!("Some content in the namespace has finalizers remaining: {}", parts.join(", "))))
            }
            _ => None,
        };
        out.push(match failing {
            Some((reason, message)) => condition(type_, "True", reason, message, now),
            None => {
                let (reason, message) = ok_form(type_);
                condition(type_, "False", reason, message.to_string(), now)
            }
        });
    }
    out
}

/// `updateConditions`: adds the types not yet present, rewrites those whose status, reason or
/// message changed (lastTransitionTime only on a status change). Whether anything changed.
fn merge_conditions(status: &mut NamespaceStatus, fresh: &[NamespaceCondition], now: SimTime) -> bool {
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    let mut changed = false;
    for new in fresh {
        match conditions.iter_mut().find(|c| c.type_ == new.type_) {
            None => {
                conditions.push(new.clone());
                changed = true;
            }
            Some(old) if old.status != new.status || old.reason != new.reason || old.message != new.message => {
                if old.status != new.status {
                    old.last_transition_time = Some(k8s_time(now));
                }
                old.status = new.status.clone();
                old.reason = new.reason.clone();
                old.message = new.message.clone();
                changed = true;
            }
            Some(_) => {}
        }
    }
    changed
}

#[cfg(test)]
#[path = "namespace_tests.rs"]
mod tests;
