//! The EndpointSlice controller (`endpointslice-controller` in kube-controller-manager): for
//! every Service with a selector, EndpointSlices of at most 100 endpoints listing the selected
//! pods, as `pkg/controller/endpointslice` and its reconciler (`k8s.io/endpointslice`) do.
//!
//! Slices are named `<service>-<5 random characters>`, labelled with the Service's labels plus
//! `kubernetes.io/service-name`, `endpointslice.kubernetes.io/managed-by` (and
//! `service.kubernetes.io/headless` for headless Services), and owned by the Service (so the
//! garbage collector deletes them with it; the controller itself does not). Pods are grouped by
//! the ports they resolve; each endpoint carries the pod's address, its conditions (ready,
//! serving, terminating — terminating pods stay listed, not ready), node, zone and targetRef.
//! Existing slices are kept where they still fit: removed endpoints are dropped from their
//! slice, new ones fill slices being updated anyway (fullest first), then an unchanged slice
//! they fit in, then new slices. A Service with no endpoints keeps one empty placeholder slice.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::store::{ObjectRef, WatchEvent};

use super::service_pods::{self as sp, HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME};
use super::{Ctx, Requeue};

/// `--max-endpoints-per-slice` default.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
/// The label nodes carry their zone in.
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// This controller's component name, as its writes are recorded.
const COMPONENT: &str = "endpointslice-controller";

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match event.key.kind {
        Kind::Service | Kind::Pod => vec![event.key.clone()],
        // A managed slice changed or deleted by someone else: sync its Service again.
        Kind::EndpointSlice if event.by.as_str() != COMPONENT => {
            let labels = event.object.labels();
            let managed = labels.and_then(|l| l.get(MANAGED_BY_LABEL)).is_some_and(|v| v == CONTROLLER_NAME);
            match labels.and_then(|l| l.get(SERVICE_NAME_LABEL)) {
                Some(service) if managed => vec![ObjectRef { kind: Kind::Service, name: service.clone(), ..event.key.clone() }],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    sp::reconcile_services(ctx, key, |state| &state.endpointslice, sync_service)
}

/// Ports as the grouping key: sorted, so that pods resolving the same ports share slices.
type PortMapKey = Vec<(Option<String>, Option<i32>, Option<String>, Option<String>)>;

fn port_map_key(ports: &[EndpointPort]) -> PortMapKey {
    let mut key: PortMapKey =
        ports.iter().map(|p| (p.name.clone(), p.port, p.protocol.clone(), p.app_protocol.clone())).collect();
    key.sort();
    key
}

/// An endpoint's identity (`hashEndpoint`: addresses, hostname, targetRef namespace and name),
/// ordered by address so that new slices list endpoints by IP.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct EndpointKey {
    ips: Vec<Option<IpAddr>>,
    addresses: Vec<String>,
    hostname: String,
    namespace: String,
    name: String,
}

fn endpoint_key(e: &Endpoint) -> EndpointKey {
    let mut addresses = e.addresses.clone();
    addresses.sort();
    let target = e.target_ref.as_ref();
    EndpointKey {
        ips: addresses.iter().map(|a| a.parse().ok()).collect(),
        addresses,
        hostname: e.hostname.clone().unwrap_or_default(),
        namespace: target.and_then(|t| t.namespace.clone()).unwrap_or_default(),
        name: target.and_then(|t| t.name.clone()).unwrap_or_default(),
    }
}

fn slice_of(obj: &Object) -> Option<&EndpointSlice> {
    match obj {
        Object::EndpointSlice(s) => Some(s),
        _ => None,
    }
}

/// `syncService` and the reconciler's `Reconcile`.
fn sync_service(ctx: &mut Ctx<'_, '_>, ns: &str, name: &str) {
    let svc_key = ObjectRef::new(Kind::Service, Some(ns), name);
    let Some(obj) = ctx.api.store.get(&svc_key).cloned() else {
        // The Service is gone; its slices go with it through their ownerReferences.
        ctx.state.endpointslice.forget_service(ns, name);
        return;
    };
    let Object::Service(service) = obj.as_ref() else { return };
    let Some(selector) = sp::selector(service) else {
        ctx.state.endpointslice.set_selected(ns, name, BTreeSet::new());
        return;
    };
    let pods = sp::selected_pods(ctx.api.store, ns, selector);
    let names = pods.iter().map(|p| p.name().to_string()).collect();
    ctx.state.endpointslice.set_selected(ns, name, names);
    let trigger = ctx.state.endpointslice.trigger_time(ns, service, &pods);

    // The slices this controller manages for the Service, not already being deleted.
    let existing: Vec<EndpointSlice> = ctx
        .api
        .store
        .list(Kind::EndpointSlice, Some(ns))
        .filter_map(|o| slice_of(o))
        .filter(|s| {
            let labels = s.metadata.labels.as_ref();
            labels.and_then(|l| l.get(SERVICE_NAME_LABEL)).is_some_and(|v| v == name)
                && labels.and_then(|l| l.get(MANAGED_BY_LABEL)).is_some_and(|v| v == CONTROLLER_NAME)
                && s.metadata.deletion_timestamp.is_none()
        })
        .cloned()
        .collect();

    let address_type = if sp::service_is_ipv6(service) { "IPv6" } else { "IPv4" };
    let (same_type, mut to_delete): (Vec<EndpointSlice>, Vec<EndpointSlice>) =
        existing.into_iter().partition(|s| s.address_type == address_type);
    let plan = reconcile_by_address_type(ctx, service, &pods, same_type, address_type);
    to_delete.extend(plan.delete);
    finalize(ctx, service, plan.create, plan.update, to_delete, trigger);
}

struct Plan {
    create: Vec<EndpointSlice>,
    update: Vec<EndpointSlice>,
    delete: Vec<EndpointSlice>,
}

/// `reconcileByAddressType`.
fn reconcile_by_address_type(
    ctx: &Ctx<'_, '_>,
    service: &Service,
    pods: &[Arc<Object>],
    existing: Vec<EndpointSlice>,
    address_type: &str,
) -> Plan {
    let mut plan = Plan { create: Vec::new(), update: Vec::new(), delete: Vec::new() };
    let existing_count = existing.len();
    let uid = service.metadata.uid.clone().unwrap_or_default();
    let mut existing_by_ports: BTreeMap<PortMapKey, Vec<EndpointSlice>> = BTreeMap::new();
    for slice in existing {
        if owned_by(&slice, &uid) {
            existing_by_ports.entry(port_map_key(slice.ports.as_deref().unwrap_or_default())).or_default().push(slice);
        } else {
            plan.delete.push(slice);
        }
    }

    let spec = service.spec.clone().unwrap_or_default();
    let publish = spec.publish_not_ready_addresses.unwrap_or(false);
    let mut desired_ports: BTreeMap<PortMapKey, Vec<EndpointPort>> = BTreeMap::new();
    let mut desired: BTreeMap<PortMapKey, BTreeMap<EndpointKey, Endpoint>> = BTreeMap::new();
    for obj in pods {
        let Object::Pod(pod) = obj.as_ref() else { continue };
        if !sp::should_be_in_endpoints(pod, true) {
            continue;
        }
        let ports = endpoint_ports(service, pod);
        let key = port_map_key(&ports);
        desired_ports.entry(key.clone()).or_insert(ports);
        let endpoints = desired.entry(key).or_default();
        let node_name = pod.spec.as_ref().and_then(|s| s.node_name.clone()).filter(|n| !n.is_empty());
        let node = node_name.as_deref().and_then(|n| ctx.api.store.get(&ObjectRef::new(Kind::Node, None, n)));
        if node.is_none() && !publish {
            // A pod on a node that does not exist is left out until the pod is cleaned up
            // (unless the Service publishes not-ready addresses).
            continue;
        }
        let zone = node.and_then(|n| n.labels()).and_then(|l| l.get(ZONE_LABEL)).filter(|z| !z.is_empty()).cloned();
        let serving = sp::is_ready(pod);
        let terminating = pod.metadata.deletion_timestamp.is_some();
        let ipv6 = address_type == "IPv6";
        let addresses: Vec<String> = sp::pod_ips(pod).into_iter().filter(|ip| sp::is_ipv6(ip) == ipv6).collect();
        if addresses.is_empty() {
            continue;
        }
        let endpoint = Endpoint {
            addresses,
            conditions: Some(EndpointConditions {
                // Never ready while terminating, unless not-ready addresses are published.
                ready: Some(publish || (serving && !terminating)),
                serving: Some(serving),
                terminating: Some(terminating),
            }),
            hostname: sp::hostname(pod, service),
            node_name,
            target_ref: Some(sp::pod_ref(pod)),
            zone,
            ..Default::default()
        };
        endpoints.insert(endpoint_key(&endpoint), endpoint);
    }

    for (key, desired_set) in desired {
        let meta_ports = desired_ports.remove(&key).unwrap_or_default();
        let existing_slices = existing_by_ports.remove(&key).unwrap_or_default();
        let (c, u, d) = reconcile_by_port_mapping(service, existing_slices, desired_set, &meta_ports, address_type);
        plan.create.extend(c);
        plan.update.extend(u);
        plan.delete.extend(d);
    }
    // Port sets no pod resolves any more.
    for (_, slices) in existing_by_ports {
        plan.delete.extend(slices);
    }

    // With no slice left, one empty placeholder stands for the Service.
    if existing_count == plan.delete.len() && plan.create.is_empty() {
        let placeholder = new_slice(service, &[], address_type);
        let is_placeholder = |s: &EndpointSlice| {
            s.endpoints.as_ref().is_none_or(Vec::is_empty)
                && s.ports.as_ref().is_none_or(Vec::is_empty)
                && s.address_type == placeholder.address_type
                && s.metadata.labels == placeholder.metadata.labels
                && s.metadata.namespace == placeholder.metadata.namespace
        };
        if plan.delete.len() == 1 && is_placeholder(&plan.delete[0]) {
            plan.delete.clear();
        } else {
            plan.create.push(placeholder);
        }
    }
    plan
}

/// `getEndpointPorts`: every Service port the pod resolves (named ones per pod); a headless
/// Service may have none.
fn endpoint_ports(service: &Service, pod: &k8s_openapi::api::core::v1::Pod) -> Vec<EndpointPort> {
    let spec = service.spec.as_ref();
    let ports = spec.and_then(|s| s.ports.as_deref()).unwrap_or_default();
    let mut out: Vec<EndpointPort> = ports
        .iter()
        .filter_map(|p| {
            let number = sp::find_port(pod, p)?;
            Some(EndpointPort {
                name: Some(p.name.clone().unwrap_or_default()),
                port: Some(number),
                protocol: Some(p.protocol.clone().unwrap_or_else(|| "TCP".into())),
                app_protocol: p.app_protocol.clone(),
            })
        })
        .collect();
    // The real controller orders ports by a hash of each; a stable order stands in for it.
    out.sort_by(|a, b| (&a.name, a.port, &a.protocol).cmp(&(&b.name, b.port, &b.protocol)));
    out
}

fn owned_by(slice: &EndpointSlice, service_uid: &str) -> bool {
    slice.metadata.owner_references.iter().flatten().any(|o| o.uid == service_uid && o.kind == "Service" && o.api_version == "v1")
}

/// The labels a slice of `service` carries: the Service's own (minus the reserved keys), the
/// headless marker, the service name and the managing controller.
fn slice_labels(service: &Service) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = service
        .metadata
        .labels
        .iter()
        .flatten()
        .filter(|(k, _)| !matches!(k.as_str(), SERVICE_NAME_LABEL | MANAGED_BY_LABEL | HEADLESS_LABEL))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if sp::is_headless(service) {
        labels.insert(HEADLESS_LABEL.to_string(), String::new());
    }
    labels.insert(SERVICE_NAME_LABEL.to_string(), service.metadata.name.clone().unwrap_or_default());
    labels.insert(MANAGED_BY_LABEL.to_string(), CONTROLLER_NAME.to_string());
    labels
}

/// `newEndpointSlice`: generateName `<service>-`, owned by the Service, no endpoints yet.
fn new_slice(service: &Service, ports: &[EndpointPort], address_type: &str) -> EndpointSlice {
    let name = service.metadata.name.clone().unwrap_or_default();
    EndpointSlice {
        metadata: ObjectMeta {
            generate_name: Some(format!("{name}-")),
            namespace: service.metadata.namespace.clone(),
            labels: Some(slice_labels(service)),
            owner_references: Some(vec![OwnerReference {
                api_version: "v1".into(),
                kind: "Service".into(),
                name,
                uid: service.metadata.uid.clone().unwrap_or_default(),
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

/// `EndpointSet.PopAny`, in address order.
fn pop(desired: &mut BTreeMap<EndpointKey, Endpoint>) -> Option<Endpoint> {
    desired.pop_first().map(|(_, e)| e)
}

fn endpoint_count(s: &EndpointSlice) -> usize {
    s.endpoints.as_ref().map_or(0, Vec::len)
}

/// `reconcileByPortMapping`: (create, update, delete) for one set of ports.
fn reconcile_by_port_mapping(
    service: &Service,
    existing: Vec<EndpointSlice>,
    mut desired: BTreeMap<EndpointKey, Endpoint>,
    ports: &[EndpointPort],
    address_type: &str,
) -> (Vec<EndpointSlice>, Vec<EndpointSlice>, Vec<EndpointSlice>) {
    let labels = slice_labels(service);
    let mut by_name: BTreeMap<String, EndpointSlice> = BTreeMap::new();
    let mut unchanged: BTreeSet<String> = BTreeSet::new();
    let mut to_update: BTreeSet<String> = BTreeSet::new();
    let mut to_delete: BTreeSet<String> = BTreeSet::new();

    // 1. Drop endpoints no longer desired and refresh the ones that changed.
    for slice in existing {
        let name = slice.metadata.name.clone().unwrap_or_default();
        let old = slice.endpoints.clone().unwrap_or_default();
        let mut kept = Vec::with_capacity(old.len());
        let mut changed = false;
        for e in &old {
            if let Some(want) = desired.remove(&endpoint_key(e)) {
                changed |= want != *e;
                kept.push(want);
            }
        }
        let labels_changed = slice.metadata.labels.as_ref() != Some(&labels);
        if changed || kept.len() != old.len() {
            if kept.is_empty() {
                to_delete.insert(name.clone());
                by_name.insert(name, slice);
            } else {
                let mut s = slice;
                s.endpoints = Some(kept);
                s.metadata.labels = Some(labels.clone());
                to_update.insert(name.clone());
                by_name.insert(name, s);
            }
        } else if labels_changed {
            let mut s = slice;
            s.metadata.labels = Some(labels.clone());
            to_update.insert(name.clone());
            by_name.insert(name, s);
        } else {
            unchanged.insert(name.clone());
            by_name.insert(name, slice);
        }
    }

    // 2. Fill the slices being updated anyway, fullest first.
    if !desired.is_empty() && !to_update.is_empty() {
        let mut names: Vec<&String> = to_update.iter().collect();
        names.sort_by_key(|n| std::cmp::Reverse(endpoint_count(&by_name[*n])));
        let names: Vec<String> = names.into_iter().cloned().collect();
        for n in names {
            let Some(s) = by_name.get_mut(&n) else { continue };
            while endpoint_count(s) < MAX_ENDPOINTS_PER_SLICE {
                let Some(e) = pop(&mut desired) else { break };
                s.endpoints.get_or_insert_with(Vec::new).push(e);
            }
        }
    }

    // 3. What is left goes into an unchanged slice it fits in (the closest fit), else new slices.
    let mut to_create = Vec::new();
    while !desired.is_empty() {
        let mut target: Option<String> = None;
        if desired.len() < MAX_ENDPOINTS_PER_SLICE && !unchanged.is_empty() {
            let mut closest = MAX_ENDPOINTS_PER_SLICE;
            for n in &unchanged {
                let filled = desired.len() + endpoint_count(&by_name[n]);
                if filled <= MAX_ENDPOINTS_PER_SLICE && MAX_ENDPOINTS_PER_SLICE - filled < closest {
                    closest = MAX_ENDPOINTS_PER_SLICE - filled;
                    target = Some(n.clone());
                    if closest == 0 {
                        break;
                    }
                }
            }
        }
        match target {
            Some(n) => {
                let Some(s) = by_name.get_mut(&n) else { break };
                while endpoint_count(s) < MAX_ENDPOINTS_PER_SLICE {
                    let Some(e) = pop(&mut desired) else { break };
                    s.endpoints.get_or_insert_with(Vec::new).push(e);
                }
                unchanged.remove(&n);
                to_update.insert(n);
            }
            None => {
                let mut s = new_slice(service, ports, address_type);
                let mut endpoints = Vec::new();
                while endpoints.len() < MAX_ENDPOINTS_PER_SLICE {
                    let Some(e) = pop(&mut desired) else { break };
                    endpoints.push(e);
                }
                s.endpoints = Some(endpoints);
                to_create.push(s);
            }
        }
    }

    let update = to_update.iter().filter_map(|n| by_name.get(n).cloned()).collect();
    let delete = to_delete.iter().filter_map(|n| by_name.get(n).cloned()).collect();
    (to_create, update, delete)
}

/// `finalize`: creates paired with deletes become updates of the slice being deleted (its name
/// kept); new slices are not created for a Service being deleted; the trigger-time annotation is
/// set on everything written.
fn finalize(
    ctx: &mut Ctx<'_, '_>,
    service: &Service,
    mut create: Vec<EndpointSlice>,
    mut update: Vec<EndpointSlice>,
    mut delete: Vec<EndpointSlice>,
    trigger: Option<i64>,
) {
    let uid = service.metadata.uid.clone().unwrap_or_default();
    let mut i = 0;
    while i < delete.len() && !create.is_empty() {
        let reusable = owned_by(&delete[i], &uid) && create.last().is_some_and(|c| c.address_type == delete[i].address_type);
        if reusable {
            let old = delete.remove(i);
            let mut slice = create.pop().expect("a slice to create");
            slice.metadata.name = old.metadata.name.clone();
            update.push(slice);
        } else {
            i += 1;
        }
    }
    let annotate = |s: &mut EndpointSlice| {
        let mut annotations = s.metadata.annotations.take().unwrap_or_default();
        match trigger {
            Some(t) => {
                annotations.insert(LAST_CHANGE_TRIGGER_TIME.to_string(), sp::trigger_text(t));
            }
            None => {
                annotations.remove(LAST_CHANGE_TRIGGER_TIME);
            }
        }
        s.metadata.annotations = (!annotations.is_empty()).then_some(annotations);
        if s.endpoints.as_ref().is_some_and(Vec::is_empty) {
            s.endpoints = None;
        }
    };
    if service.metadata.deletion_timestamp.is_none() {
        for mut s in create {
            annotate(&mut s);
            let _ = ctx.api.create(s.into(), &ctx.by, ctx.cause);
        }
    }
    for mut s in update {
        annotate(&mut s);
        s.metadata.resource_version = None;
        let _ = ctx.api.update(s.into(), &ctx.by, ctx.cause);
    }
    for s in delete {
        let key = ObjectRef::new(Kind::EndpointSlice, s.metadata.namespace.as_deref(), s.metadata.name.as_deref().unwrap_or_default());
        let _ = ctx.api.delete(&key, Propagation::Background, &ctx.by, ctx.cause);
    }
}

#[cfg(test)]
#[path = "endpointslice_tests.rs"]
mod tests;
