//! Controllers: level-triggered reconcilers, one file each.
//!
//! A controller never acts on "what changed in this event". The watch log only tells it which
//! keys to look at ([`Controller::keys_for`]); [`Controller::reconcile`] then reads the current
//! state from the store and writes the difference. Reconciles run as tasks on the simulation's
//! queue, a short reaction delay after the write that triggered them, and each write they make
//! names that triggering write as its cause.
//!
//! ```text
//! namespace.rs        namespace deletion: delete the contents, then the namespace
//! scheduler.rs        default-scheduler: binds pending pods (framework in `crate::scheduler`)
//! replicaset.rs       ReplicaSet: pods from the template, adoption and orphaning
//! deployment.rs       Deployment: ReplicaSets per template, rolling update and recreate
//! garbagecollector.rs ownerReferences: background, foreground and orphan deletion
//! kubelet.rs          one kubelet per node: sandboxes, containers, status (`crate::kubelet`)
//! endpoints.rs        Endpoints from Service selectors and pod readiness
//! endpointslice.rs    EndpointSlices from Service selectors and pod readiness
//! ```

pub mod deployment;
pub mod endpoints;
pub mod endpointslice;
pub mod garbagecollector;
pub mod kubelet;
pub mod namespace;
pub mod replicaset;
pub mod scheduler;

use crate::sim::apiserver::Api;
use crate::store::{Cause, Component, ObjectRef, WatchEvent};
use crate::time::SimDuration;

/// Every controller the simulation runs. An enum rather than trait objects: the set is closed,
/// dispatch is static, and `Sim` stays `Clone` for snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Controller {
    Namespace,
    Scheduler,
    ReplicaSet,
    Deployment,
    GarbageCollector,
    Kubelet,
    Endpoints,
    EndpointSlice,
}

/// What a reconcile asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    Done,
    After(SimDuration),
}

/// What a reconcile may use: the API (store, RNG, clock), its own name, and the cause to stamp
/// on its writes.
pub struct Ctx<'a, 'b> {
    pub api: &'a mut Api<'b>,
    pub by: Component,
    pub cause: Cause,
    /// Caches controllers keep between reconciles (informer-style views of the store).
    pub state: &'a mut ControllerState,
}

/// What controllers remember between reconciles. Only caches derived from the store's watch
/// log and bookkeeping the real components keep in memory (such as scheduling back-off);
/// part of the `Sim`, so snapshots carry it.
#[derive(Debug, Clone, Default)]
pub struct ControllerState {
    pub scheduler: crate::scheduler::Cache,
}

impl Controller {
    pub const ALL: &'static [Controller] = &[
        Controller::Namespace,
        Controller::Scheduler,
        Controller::ReplicaSet,
        Controller::Deployment,
        Controller::GarbageCollector,
        Controller::Kubelet,
        Controller::Endpoints,
        Controller::EndpointSlice,
    ];

    /// The component name written as the author of this controller's writes. (Kubelets name
    /// their node: the kubelet reconcile replaces `Ctx::by` with `kubelet/<node>`.)
    pub fn component(self) -> &'static str {
        match self {
            Controller::Namespace => "namespace-controller",
            Controller::Scheduler => "default-scheduler",
            Controller::ReplicaSet => "replicaset-controller",
            Controller::Deployment => "deployment-controller",
            Controller::GarbageCollector => "garbage-collector",
            Controller::Kubelet => "kubelet",
            Controller::Endpoints => "endpoint-controller",
            Controller::EndpointSlice => "endpointslice-controller",
        }
    }

    /// How long after a watch event the controller's reconcile runs.
    pub fn reaction_delay(self) -> SimDuration {
        SimDuration::from_millis(1)
    }

    /// Which keys a watch event makes this controller look at.
    pub fn keys_for(self, event: &WatchEvent) -> Vec<ObjectRef> {
        match self {
            Controller::Namespace => namespace::keys_for(event),
            Controller::Scheduler => scheduler::keys_for(event),
            Controller::ReplicaSet => replicaset::keys_for(event),
            Controller::Deployment => deployment::keys_for(event),
            Controller::GarbageCollector => garbagecollector::keys_for(event),
            Controller::Kubelet => kubelet::keys_for(event),
            Controller::Endpoints => endpoints::keys_for(event),
            Controller::EndpointSlice => endpointslice::keys_for(event),
        }
    }

    pub fn reconcile(self, ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
        match self {
            Controller::Namespace => namespace::reconcile(ctx, key),
            Controller::Scheduler => scheduler::reconcile(ctx, key),
            Controller::ReplicaSet => replicaset::reconcile(ctx, key),
            Controller::Deployment => deployment::reconcile(ctx, key),
            Controller::GarbageCollector => garbagecollector::reconcile(ctx, key),
            Controller::Kubelet => kubelet::reconcile(ctx, key),
            Controller::Endpoints => endpoints::reconcile(ctx, key),
            Controller::EndpointSlice => endpointslice::reconcile(ctx, key),
        }
    }
}
