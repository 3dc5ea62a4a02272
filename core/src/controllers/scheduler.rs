//! default-scheduler: binds pending pods to nodes.

use crate::store::{ObjectRef, WatchEvent};

use super::{Ctx, Requeue};

pub fn keys_for(_event: &WatchEvent) -> Vec<ObjectRef> {
    Vec::new()
}

pub fn reconcile(_ctx: &mut Ctx<'_, '_>, _key: &ObjectRef) -> Requeue {
    Requeue::Done
}
