//! The serviceaccount controller (kube-controller-manager's `serviceaccount-controller`,
//! pkg/controller/serviceaccount/serviceaccounts_controller.go): every active namespace has a
//! ServiceAccount named `default`, created when the namespace appears and again whenever it is
//! deleted. Terminating namespaces are left alone.
//!
//! As in clusters since 1.24 the account gets no token Secret: pods get a bound token through
//! the projected volume the ServiceAccount admission plugin adds.

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, Object};
use crate::sim::apiserver::Api;
use crate::store::{Cause, Component, ObjectRef, WatchEvent, WatchEventType};

use super::{Ctx, Requeue};

pub const DEFAULT_NAME: &str = "default";

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match (event.key.kind, event.event_type) {
        (Kind::Namespace, WatchEventType::Added | WatchEventType::Modified) => vec![event.key.clone()],
        (Kind::ServiceAccount, WatchEventType::Deleted) if event.key.name == DEFAULT_NAME => {
            event.key.namespace.as_deref().map(|ns| vec![ObjectRef::new(Kind::Namespace, None, ns)]).unwrap_or_default()
        }
        _ => vec![],
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    let by = ctx.by.clone();
    ensure_default(ctx.api, &key.name, &by, ctx.cause);
    Requeue::Done
}

/// Creates `default` in the namespace if the namespace is active and the account is missing.
pub fn ensure_default(api: &mut Api<'_>, namespace: &str, by: &Component, cause: Cause) {
    let active = api
        .store
        .get(&ObjectRef::new(Kind::Namespace, None, namespace))
        .is_some_and(|ns| ns.metadata().deletion_timestamp.is_none());
    if !active || api.store.contains(&ObjectRef::new(Kind::ServiceAccount, Some(namespace), DEFAULT_NAME)) {
        return;
    }
    let sa = ServiceAccount {
        metadata: ObjectMeta { name: Some(DEFAULT_NAME.into()), namespace: Some(namespace.into()), ..Default::default() },
        ..Default::default()
    };
    let _ = api.create(Object::from(sa), by, cause);
}

#[cfg(test)]
#[path = "serviceaccount_tests.rs"]
mod tests;
