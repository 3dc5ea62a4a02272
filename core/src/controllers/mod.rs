//! Controllers: level-triggered reconcilers, one file each.
//!
//! A controller never acts on "what changed in this event". The watch log only tells it which
//! keys to look at ([`Controller::keys_for`]); [`Controller::reconcile`] then reads the current
//! state from the store and writes the difference. Reconciles run as tasks on the simulation's
//! queue, a short reaction delay after the write that triggered them, and each write they make
//! names that triggering write as its cause.
//!
//! ```text
//! namespace.rs   namespace deletion: delete the contents, then the namespace
//! ```

pub mod namespace;

use crate::sim::apiserver::Api;
use crate::store::{Cause, Component, ObjectRef, WatchEvent};
use crate::time::SimDuration;

/// Every controller the simulation runs. An enum rather than trait objects: the set is closed,
/// dispatch is static, and `Sim` stays `Clone` for snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Controller {
    Namespace,
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
}

impl Controller {
    pub const ALL: &'static [Controller] = &[Controller::Namespace];

    /// The component name written as the author of this controller's writes.
    pub fn component(self) -> &'static str {
        match self {
            Controller::Namespace => "namespace-controller",
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
        }
    }

    pub fn reconcile(self, ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
        match self {
            Controller::Namespace => namespace::reconcile(ctx, key),
        }
    }
}
