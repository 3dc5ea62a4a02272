//! A replica set as the deployment controller works with it: the store's shared object, read
//! in place and copied only when the controller writes a change (a sync that changes nothing,
//! the common case while pods come up, copies no replica set).

use std::ops::Deref;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::ReplicaSet;

use crate::api::Object;

/// An `Arc<Object>` known to hold a ReplicaSet.
#[derive(Debug, Clone)]
pub(super) struct SharedRs(Arc<Object>);

impl SharedRs {
    /// `None` unless `obj` is a ReplicaSet.
    pub(super) fn new(obj: Arc<Object>) -> Option<SharedRs> {
        matches!(obj.as_ref(), Object::ReplicaSet(_)).then_some(SharedRs(obj))
    }

    /// A copy to change and write back.
    pub(super) fn to_owned_rs(&self) -> ReplicaSet {
        self.deref().clone()
    }
}

impl Deref for SharedRs {
    type Target = ReplicaSet;

    fn deref(&self) -> &ReplicaSet {
        match self.0.as_ref() {
            Object::ReplicaSet(rs) => rs,
            // `new` admits only replica sets; an empty one is never reached.
            _ => empty(),
        }
    }
}

fn empty() -> &'static ReplicaSet {
    static EMPTY: std::sync::OnceLock<ReplicaSet> = std::sync::OnceLock::new();
    EMPTY.get_or_init(ReplicaSet::default)
}
