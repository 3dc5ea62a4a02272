//! The EndpointSlice mirroring controller (`endpointslice-mirroring-controller` in
//! kube-controller-manager, `pkg/controller/endpointslicemirroring`): for every Endpoints object
//! whose Service exists and has no selector, EndpointSlices that list the same addresses, so
//! that consumers reading only slices (kube-proxy) see hand-written endpoints.
//!
//! The Endpoints' subsets are first repacked into their canonical form (`RepackSubsets`:
//! subsets with identical ports merged, an address not ready for one port not ready for all).
//! Each repacked subset then becomes at most one slice per address family: `addresses` as
//! endpoints with `ready: true`, `notReadyAddresses` with `ready: false`, each with its hostname,
//! nodeName and targetRef; at most 1000 addresses a subset (`--mirroring-max-endpoints-per-subset`),
//! the rest skipped with a `TooManyAddressesToMirror` warning on the Endpoints (this controller
//! writes no annotation: `endpoints.kubernetes.io/over-capacity` is the Endpoints controller's, on
//! the Endpoints it manages). Addresses that are no IP are skipped with an `InvalidIPAddress`
//! warning.
//!
//! Slices are named `<endpoints>-<5 random characters>`, carry the Endpoints' labels plus
//! `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by:
//! endpointslicemirroring-controller.k8s.io`, its annotations but the last-change trigger time
//! and kubectl's last-applied configuration, and a controller ownerReference to the Endpoints.
//! A slice is rewritten in place (its name kept) when its endpoints, labels or annotations no
//! longer match. Endpoints labelled `endpointslice.kubernetes.io/skip-mirror: "true"` (the
//! `kubernetes` Service's), or holding a leader-election record, are not mirrored; slices are
//! deleted when the Endpoints goes, its Service goes or gains a selector. Slices managed by
//! anything else are never touched.
//!
//! `desired.rs` holds the conversion (repacking, addresses to endpoints, grouping); this file the
//! watch keys, the sync and the writes.
//!
//! Simplified: ports, subsets and endpoints are ordered by value where the real code orders them
//! by hashes or map order (see `desired.rs`). A slice relabelled to another Service by hand
//! requeues only its new Service (the real controller also requeues the old one).

mod desired;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Endpoints, Service};
use k8s_openapi::api::discovery::v1::{EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::sim::events::{self, EventType};
use crate::store::{Component, ObjectRef, WatchEvent, WatchEventType};

use super::endpointslice::{MANAGED_BY_LABEL, SERVICE_NAME_LABEL};
use super::service_pods::LAST_CHANGE_TRIGGER_TIME;
use super::{Controller, Ctx, Requeue};

pub use desired::{address_to_endpoint, desired, repack, Desired, DesiredSet, SliceKey, MAX_ENDPOINTS_PER_SUBSET};
use desired::{endpoint_key, slice_key};

/// The `managed-by` value of mirrored slices.
pub const CONTROLLER_NAME: &str = "endpointslicemirroring-controller.k8s.io";
/// The label that keeps an Endpoints from being mirrored (when `"true"`).
pub const SKIP_MIRROR_LABEL: &str = "endpointslice.kubernetes.io/skip-mirror";
/// `resourcelock.LeaderElectionRecordAnnotationKey`: Endpoints used as a leader-election lock.
const LEADER_ANNOTATION: &str = "control-plane.alpha.kubernetes.io/leader";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// This controller's component name, as its writes are recorded.
const COMPONENT: &str = "endpointslice-mirroring-controller";
/// The source its event recorder names.
const EVENT_SOURCE: &str = "endpoint-slice-mirroring-controller";

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    let endpoints = |name: &str| vec![ObjectRef { kind: Kind::Endpoints, name: name.to_string(), ..event.key.clone() }];
    let modified = event.event_type == WatchEventType::Modified;
    match (event.key.kind, event.object.as_ref()) {
        // Added or deleted when mirrored; any update (it may have gained or lost the skip label).
        (Kind::Endpoints, Object::Endpoints(e)) if modified || should_mirror(e) => vec![event.key.clone()],
        // Added or deleted without a selector; any update (a selector may have come or gone):
        // the Endpoints of the same name.
        (Kind::Service, Object::Service(s)) if modified || selectorless(s) => endpoints(&event.key.name),
        // A mirrored slice changed or deleted by someone else (or a slice relabelled by hand,
        // perhaps away from this controller): sync its Endpoints again.
        (Kind::EndpointSlice, slice) if event.by.as_str() != COMPONENT => {
            let labels = slice.labels();
            let ours = labels.and_then(|l| l.get(MANAGED_BY_LABEL)).is_some_and(|v| v == CONTROLLER_NAME);
            let edited = modified && event.by.as_str() != Controller::EndpointSlice.component();
            match labels.and_then(|l| l.get(SERVICE_NAME_LABEL)) {
                Some(service) if ours || edited => endpoints(service),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    if key.kind == Kind::Endpoints {
        if let Some(ns) = key.namespace.as_deref() {
            sync_endpoints(ctx, ns, &key.name);
        }
    }
    Requeue::Done
}

/// `shouldMirror`: not labelled skip-mirror, not a leader-election lock.
pub fn should_mirror(endpoints: &Endpoints) -> bool {
    let skip = endpoints.metadata.labels.as_ref().and_then(|l| l.get(SKIP_MIRROR_LABEL)).is_some_and(|v| v == "true");
    let leader = endpoints.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(LEADER_ANNOTATION));
    !skip && !leader
}

/// `spec.selector` nil (an empty selector does not survive storage, so it counts as none).
fn selectorless(service: &Service) -> bool {
    service.spec.as_ref().and_then(|s| s.selector.as_ref()).is_none_or(|s| s.is_empty())
}

/// `syncEndpoints`.
fn sync_endpoints(ctx: &mut Ctx<'_, '_>, ns: &str, name: &str) {
    let store = &*ctx.api.store;
    let ep_obj = store.get(&ObjectRef::new(Kind::Endpoints, Some(ns), name)).cloned();
    let endpoints = match ep_obj.as_deref() {
        Some(Object::Endpoints(e)) if should_mirror(e) => Some(e.as_ref().clone()),
        _ => None,
    };
    let service_without_selector = matches!(store.get(&ObjectRef::new(Kind::Service, Some(ns), name)).map(|o| o.as_ref()), Some(Object::Service(s)) if selectorless(s));
    let existing = mirrored_slices(ctx, ns, name);
    let (Some(endpoints), Some(ep_obj), true) = (endpoints, ep_obj, service_without_selector) else {
        // Gone, not to be mirrored, no Service, or a Service with a selector.
        delete_slices(ctx, existing);
        return;
    };
    let desired = desired(&endpoints);
    let source = Component::new(EVENT_SOURCE);
    if desired.invalid > 0 {
        let message = format!("Skipped {} invalid IP addresses when mirroring to EndpointSlices", desired.invalid);
        events::record(ctx.api, &ep_obj, EventType::Warning, "InvalidIPAddress", &message, &source, None, ctx.cause);
    }
    if desired.skipped > desired.invalid {
        let message = format!(
            "A max of {MAX_ENDPOINTS_PER_SUBSET} addresses can be mirrored to EndpointSlices per Endpoints subset. {} addresses were skipped",
            desired.skipped
        );
        events::record(ctx.api, &ep_obj, EventType::Warning, "TooManyAddressesToMirror", &message, &source, None, ctx.cause);
    }
    let plan = plan(&endpoints, desired.sets, existing);
    finalize(ctx, &endpoints, plan);
}

/// The slices this controller mirrored for the Endpoints `ns/name` (`endpointSlicesMirroredForService`).
fn mirrored_slices(ctx: &Ctx<'_, '_>, ns: &str, name: &str) -> Vec<EndpointSlice> {
    ctx.api
        .store
        .list(Kind::EndpointSlice, Some(ns))
        .filter_map(|o| match o.as_ref() {
            Object::EndpointSlice(s) => Some(s.as_ref()),
            _ => None,
        })
        .filter(|s| {
            let labels = s.metadata.labels.as_ref();
            labels.and_then(|l| l.get(SERVICE_NAME_LABEL)).is_some_and(|v| v == name)
                && labels.and_then(|l| l.get(MANAGED_BY_LABEL)).is_some_and(|v| v == CONTROLLER_NAME)
        })
        .cloned()
        .collect()
}

fn delete_slices(ctx: &mut Ctx<'_, '_>, slices: Vec<EndpointSlice>) {
    for s in slices {
        let key = ObjectRef::new(Kind::EndpointSlice, s.metadata.namespace.as_deref(), s.metadata.name.as_deref().unwrap_or_default());
        let _ = ctx.api.delete(&key, Propagation::Background, &ctx.by, ctx.cause);
    }
}

#[derive(Debug, Default)]
struct Plan {
    create: Vec<EndpointSlice>,
    update: Vec<EndpointSlice>,
    delete: Vec<EndpointSlice>,
}

/// `reconcile`'s second half and `reconcileByPortMapping`: per set, the first existing slice is
/// kept (rewritten if anything differs), any others deleted; groups no longer desired are
/// deleted; then `recycleSlices` turns creates paired with deletes into updates.
fn plan(endpoints: &Endpoints, sets: BTreeMap<SliceKey, DesiredSet>, existing: Vec<EndpointSlice>) -> Plan {
    let mut by_key: BTreeMap<SliceKey, Vec<EndpointSlice>> = BTreeMap::new();
    for slice in existing {
        by_key.entry(slice_key(&slice.address_type, slice.ports.as_deref().unwrap_or_default())).or_default().push(slice);
    }
    let mut plan = Plan::default();
    for (key, set) in sets {
        let mut slices = by_key.remove(&key).unwrap_or_default().into_iter();
        if set.endpoints.is_empty() {
            plan.delete.extend(slices);
            continue;
        }
        let first = slices.next();
        plan.delete.extend(slices);
        if first.as_ref().is_some_and(|f| unchanged(f, &set, endpoints)) {
            continue;
        }
        let name = first.and_then(|f| f.metadata.name);
        let mut slice = new_slice(endpoints, &set.ports, &key.0, name.clone());
        slice.endpoints = Some(set.endpoints.into_values().take(MAX_ENDPOINTS_PER_SUBSET).collect());
        if name.is_some() { plan.update.push(slice) } else { plan.create.push(slice) }
    }
    plan.delete.extend(by_key.into_values().flatten());

    // `recycleSlices`: the i-th create of an address type takes the name of the i-th delete.
    for family in ["IPv4", "IPv6"] {
        loop {
            let c = plan.create.iter().position(|s| s.address_type == family);
            let d = plan.delete.iter().position(|s| s.address_type == family);
            let (Some(c), Some(d)) = (c, d) else { break };
            let mut slice = plan.create.remove(c);
            slice.metadata.name = plan.delete.remove(d).metadata.name;
            plan.update.push(slice);
        }
    }
    plan
}

/// Whether `slice` already holds exactly the desired endpoints (`totalChanges` all zero), the
/// Endpoints' labels and its mirrored annotations.
fn unchanged(slice: &EndpointSlice, set: &DesiredSet, endpoints: &Endpoints) -> bool {
    let mut matches = 0;
    for e in slice.endpoints.iter().flatten() {
        match set.endpoints.get(&endpoint_key(e)) {
            Some(want) if want == e => matches += 1,
            _ => return false,
        }
    }
    let mut labels = slice.metadata.labels.clone().unwrap_or_default();
    labels.remove(MANAGED_BY_LABEL);
    labels.remove(SERVICE_NAME_LABEL);
    matches == set.endpoints.len()
        && labels == endpoints.metadata.labels.clone().unwrap_or_default()
        && slice.metadata.annotations.clone().unwrap_or_default() == mirrored_annotations(endpoints)
}

fn mirrored_annotations(endpoints: &Endpoints) -> BTreeMap<String, String> {
    let mut annotations = endpoints.metadata.annotations.clone().unwrap_or_default();
    annotations.remove(LAST_CHANGE_TRIGGER_TIME);
    annotations.remove(LAST_APPLIED);
    annotations
}

/// `newEndpointSlice`: the Endpoints' labels with the service name and managing controller
/// set, its mirrored annotations, owned by it; named `name`, else generateName `<endpoints>-`.
fn new_slice(endpoints: &Endpoints, ports: &[EndpointPort], address_type: &str, name: Option<String>) -> EndpointSlice {
    let ep_name = endpoints.metadata.name.clone().unwrap_or_default();
    let mut labels = endpoints.metadata.labels.clone().unwrap_or_default();
    labels.insert(SERVICE_NAME_LABEL.to_string(), ep_name.clone());
    labels.insert(MANAGED_BY_LABEL.to_string(), CONTROLLER_NAME.to_string());
    let annotations = mirrored_annotations(endpoints);
    EndpointSlice {
        metadata: ObjectMeta {
            generate_name: name.is_none().then(|| format!("{ep_name}-")),
            name,
            namespace: endpoints.metadata.namespace.clone(),
            labels: Some(labels),
            annotations: (!annotations.is_empty()).then_some(annotations),
            owner_references: Some(vec![OwnerReference {
                api_version: "v1".into(),
                kind: "Endpoints".into(),
                name: ep_name,
                uid: endpoints.metadata.uid.clone().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        },
        address_type: address_type.to_string(),
        endpoints: None,
        ports: (!ports.is_empty()).then(|| ports.to_vec()),
    }
}

/// `finalize`: no new slices for an Endpoints being deleted; failures (a namespace being
/// terminated refuses creates) are dropped.
fn finalize(ctx: &mut Ctx<'_, '_>, endpoints: &Endpoints, plan: Plan) {
    if endpoints.metadata.deletion_timestamp.is_none() {
        for s in plan.create {
            let _ = ctx.api.create(s.into(), &ctx.by, ctx.cause);
        }
    }
    for s in plan.update {
        let _ = ctx.api.update(s.into(), &ctx.by, ctx.cause);
    }
    delete_slices(ctx, plan.delete);
}

#[cfg(test)]
#[path = "endpointslice_mirroring_tests.rs"]
mod tests;
