//! The Endpoints controller (`endpoint-controller` in kube-controller-manager): for every Service
//! with a selector, an Endpoints object of the same name listing the selected pods.
//!
//! As `pkg/controller/endpoint` does: pods without an IP, terminal pods and (unless the Service
//! publishes not-ready addresses) terminating pods are left out; ready pods go to `addresses`,
//! the others to `notReadyAddresses`; each Service port becomes an endpoint port on the number
//! the pod serves it on (a named targetPort is looked up per pod, and a pod without that port
//! is left out of that port). The per-pod subsets are then repacked: addresses grouped by the
//! set of ports they serve, sorted by IP. Services without a selector and ExternalName Services
//! are left alone (their Endpoints are whatever users write). The Endpoints is deleted with its
//! Service. Beyond 1000 addresses the list is truncated and annotated `over-capacity`.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, Object};
use crate::sim::apiserver::Propagation;
use crate::store::{ObjectRef, WatchEvent, WatchEventType};

use super::service_pods::{self as sp, HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME};
use super::{Ctx, Requeue};

/// `maxCapacity`: the most addresses one Endpoints object holds.
pub const MAX_CAPACITY: usize = 1000;
pub const OVER_CAPACITY: &str = "endpoints.kubernetes.io/over-capacity";
/// The label the controller marks the Endpoints it manages with (`LabelManagedBy`).
pub const MANAGED_BY: &str = "endpoints.kubernetes.io/managed-by";
pub const CONTROLLER_NAME: &str = "endpoint-controller";

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match event.key.kind {
        Kind::Service | Kind::Pod => vec![event.key.clone()],
        // A deleted Endpoints is recreated if its Service still wants one.
        Kind::Endpoints if event.event_type == WatchEventType::Deleted => {
            vec![ObjectRef { kind: Kind::Service, ..event.key.clone() }]
        }
        _ => Vec::new(),
    }
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    sp::reconcile_services(ctx, key, |state| &state.endpoints, sync_service)
}

/// `syncService`.
fn sync_service(ctx: &mut Ctx<'_, '_>, ns: &str, name: &str) {
    let svc_key = ObjectRef::new(Kind::Service, Some(ns), name);
    let Some(obj) = ctx.api.store.get(&svc_key).cloned() else {
        // The Service is gone: so is its Endpoints.
        let ep_key = ObjectRef::new(Kind::Endpoints, Some(ns), name);
        if ctx.api.store.contains(&ep_key) {
            let _ = ctx.api.delete(&ep_key, Propagation::Background, &ctx.by, ctx.cause);
        }
        ctx.state.endpoints.forget_service(ns, name);
        return;
    };
    let Object::Service(service) = obj.as_ref() else { return };
    let Some(selector) = sp::selector(service) else {
        ctx.state.endpoints.set_selected(ns, name, BTreeSet::new());
        return;
    };
    let pods = sp::selected_pods(ctx.api.store, ns, selector);
    let names = pods.iter().map(|p| p.name().to_string()).collect();
    ctx.state.endpoints.set_selected(ns, name, names);
    let trigger = ctx.state.endpoints.trigger_time(ns, service, &pods);

    let subsets = repack(desired_subsets(service, &pods));
    let desired_labels = labels_for(service);
    let ep_key = ObjectRef::new(Kind::Endpoints, Some(ns), name);
    let current = match ctx.api.store.get(&ep_key).map(|o| o.as_ref()) {
        Some(Object::Endpoints(e)) => Some(e.as_ref().clone()),
        _ => None,
    };
    if let Some(cur) = &current {
        let same_subsets = cur.subsets.as_deref().unwrap_or_default() == subsets.as_slice();
        let same_labels = cur.metadata.labels.clone().unwrap_or_default() == desired_labels;
        if same_subsets && same_labels && capacity_annotation_correct(cur) {
            return;
        }
    }
    let creating = current.is_none();
    let mut endpoints = current.unwrap_or_else(|| Endpoints {
        metadata: ObjectMeta { name: Some(name.to_string()), namespace: Some(ns.to_string()), ..Default::default() },
        subsets: None,
    });
    let mut annotations = endpoints.metadata.annotations.take().unwrap_or_default();
    match trigger {
        Some(t) => {
            annotations.insert(LAST_CHANGE_TRIGGER_TIME.to_string(), sp::trigger_text(t));
        }
        None => {
            annotations.remove(LAST_CHANGE_TRIGGER_TIME);
        }
    }
    let mut subsets = subsets;
    if truncate(&mut subsets) {
        annotations.insert(OVER_CAPACITY.to_string(), "truncated".to_string());
    } else {
        annotations.remove(OVER_CAPACITY);
    }
    endpoints.metadata.annotations = (!annotations.is_empty()).then_some(annotations);
    endpoints.metadata.labels = Some(desired_labels);
    endpoints.subsets = (!subsets.is_empty()).then_some(subsets);
    let obj: Object = endpoints.into();
    // Failures (a namespace being terminated refuses creates) are dropped, as the real
    // controller drops them once the namespace is going.
    let _ = if creating { ctx.api.create(obj, &ctx.by, ctx.cause) } else { ctx.api.update(obj, &ctx.by, ctx.cause) };
}

/// The Service's labels, plus the headless marker for headless Services and the managed-by label.
fn labels_for(service: &Service) -> BTreeMap<String, String> {
    let mut labels = service.metadata.labels.clone().unwrap_or_default();
    if sp::is_headless(service) {
        labels.insert(HEADLESS_LABEL.to_string(), String::new());
    } else {
        labels.remove(HEADLESS_LABEL);
    }
    labels.insert(MANAGED_BY.to_string(), CONTROLLER_NAME.to_string());
    labels
}

/// One subset per (address, port), before repacking (`addEndpointSubset`); `port: None` for an
/// address serving no port.
pub(crate) struct PodSubset {
    pub(crate) address: EndpointAddress,
    pub(crate) port: Option<EndpointPort>,
    pub(crate) ready: bool,
}

fn desired_subsets(service: &Service, pods: &[std::sync::Arc<Object>]) -> Vec<PodSubset> {
    let spec = service.spec.clone().unwrap_or_default();
    let publish = spec.publish_not_ready_addresses.unwrap_or(false);
    let ipv6 = sp::service_is_ipv6(service);
    let ports = spec.ports.unwrap_or_default();
    let mut out = Vec::new();
    for obj in pods {
        let Object::Pod(pod) = obj.as_ref() else { continue };
        if !sp::should_be_in_endpoints(pod, publish) {
            continue;
        }
        // The address of the Service's IP family; a pod without one is skipped.
        let Some(ip) = sp::pod_ips(pod).into_iter().find(|ip| sp::is_ipv6(ip) == ipv6) else { continue };
        let address = EndpointAddress {
            ip,
            hostname: sp::hostname(pod, service),
            node_name: Some(pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default()),
            target_ref: Some(sp::pod_ref(pod)),
        };
        let ready = publish || sp::is_ready(pod);
        if ports.is_empty() {
            // A headless Service may have no ports: its addresses are listed without any.
            if spec.cluster_ip.as_deref() == Some("None") {
                out.push(PodSubset { address, port: None, ready });
            }
            continue;
        }
        for sp_port in &ports {
            let Some(number) = sp::find_port(pod, sp_port) else { continue };
            let port = EndpointPort {
                name: sp_port.name.clone().filter(|n| !n.is_empty()),
                port: number,
                protocol: sp_port.protocol.clone(),
                app_protocol: sp_port.app_protocol.clone(),
            };
            out.push(PodSubset { address: address.clone(), port: Some(port), ready });
        }
    }
    out
}

/// An endpoint port as a sortable key (name, port, protocol, appProtocol); port -1 stands for
/// "no ports", as the repacking's sentinel does.
type PortKey = (Option<String>, i32, Option<String>, Option<String>);
/// An address's identity in repacking: IP and pod uid.
type AddrKey = (String, String);

fn port_key(p: &Option<EndpointPort>) -> PortKey {
    match p {
        Some(p) => (p.name.clone(), p.port, p.protocol.clone(), p.app_protocol.clone()),
        None => (None, -1, None, None),
    }
}

/// `endpoints.RepackSubsets`: map every port to the addresses serving it (an address not ready
/// for any one subset is not ready), then group ports by identical address sets. Addresses are
/// sorted by IP (as bytes) then uid.
pub(crate) fn repack(subsets: impl IntoIterator<Item = PodSubset>) -> Vec<EndpointSubset> {
    let mut all: BTreeMap<AddrKey, EndpointAddress> = BTreeMap::new();
    let mut by_port: BTreeMap<PortKey, BTreeMap<AddrKey, bool>> = BTreeMap::new();
    for s in subsets {
        let uid = s.address.target_ref.as_ref().and_then(|r| r.uid.clone()).unwrap_or_default();
        let key = (s.address.ip.clone(), uid);
        all.entry(key.clone()).or_insert(s.address);
        let set = by_port.entry(port_key(&s.port)).or_default();
        let was = set.entry(key).or_insert(s.ready);
        // Not ready always trumps ready.
        *was = *was && s.ready;
    }
    let mut groups: BTreeMap<Vec<(AddrKey, bool)>, Vec<PortKey>> = BTreeMap::new();
    for (port, addrs) in by_port {
        let group = groups.entry(addrs.into_iter().collect()).or_default();
        if port.1 > 0 {
            group.push(port);
        }
    }
    let mut out: Vec<EndpointSubset> = groups
        .into_iter()
        .map(|(addrs, ports)| {
            let (ready, not_ready): (Vec<_>, Vec<_>) = addrs.into_iter().partition(|(_, r)| *r);
            let list = |v: Vec<(AddrKey, bool)>| {
                let v: Vec<EndpointAddress> = v.into_iter().filter_map(|(k, _)| all.get(&k).cloned()).collect();
                (!v.is_empty()).then_some(v)
            };
            let ports: Vec<EndpointPort> = ports
                .into_iter()
                .map(|(name, port, protocol, app_protocol)| EndpointPort { name, port, protocol, app_protocol })
                .collect();
            EndpointSubset {
                addresses: list(ready),
                not_ready_addresses: list(not_ready),
                ports: (!ports.is_empty()).then_some(ports),
            }
        })
        .collect();
    // The real repacking orders subsets by a hash of their contents; a stable order by ports,
    // then first address, stands in for it.
    out.sort_by_cached_key(|s| {
        let ports: Vec<PortKey> = s.ports.iter().flatten().map(|p| port_key(&Some(p.clone()))).collect();
        let first = s.addresses.iter().chain(s.not_ready_addresses.iter()).flatten().next().map(|a| a.ip.clone());
        (ports, first)
    });
    out
}

/// `capacityAnnotationSetCorrectly`: over capacity is never "correct" (it must be truncated);
/// under it, the annotation must be absent.
fn capacity_annotation_correct(ep: &Endpoints) -> bool {
    let n: usize = ep
        .subsets
        .iter()
        .flatten()
        .map(|s| s.addresses.as_ref().map_or(0, Vec::len) + s.not_ready_addresses.as_ref().map_or(0, Vec::len))
        .sum();
    if n > MAX_CAPACITY {
        return false;
    }
    !ep.metadata.annotations.as_ref().is_some_and(|a| a.contains_key(OVER_CAPACITY))
}

/// `truncateEndpoints`: keep at most 1000 addresses, ready ones first, spread over the subsets
/// in proportion to their size (rounded up, so the last subsets may get fewer).
fn truncate(subsets: &mut [EndpointSubset]) -> bool {
    let len = |v: &Option<Vec<EndpointAddress>>| v.as_ref().map_or(0, Vec::len);
    let total_ready: usize = subsets.iter().map(|s| len(&s.addresses)).sum();
    let total_not_ready: usize = subsets.iter().map(|s| len(&s.not_ready_addresses)).sum();
    if total_ready + total_not_ready <= MAX_CAPACITY {
        return false;
    }
    let truncate_ready = total_ready > MAX_CAPACITY;
    let (max, num_total) = if truncate_ready {
        (MAX_CAPACITY, total_ready)
    } else {
        (MAX_CAPACITY - total_ready, total_not_ready)
    };
    let mut can_be_added = max;
    for s in subsets.iter_mut() {
        let in_subset = if truncate_ready { len(&s.addresses) } else { len(&s.not_ready_addresses) };
        let share = ((in_subset as f64 / num_total as f64) * max as f64).ceil() as usize;
        let to_add = share.min(can_be_added);
        if truncate_ready {
            if let Some(a) = s.addresses.as_mut() {
                a.truncate(to_add);
            }
            s.not_ready_addresses = None;
            can_be_added -= len(&s.addresses);
        } else {
            if let Some(a) = s.not_ready_addresses.as_mut() {
                a.truncate(to_add);
            }
            can_be_added -= len(&s.not_ready_addresses);
        }
        if s.addresses.as_ref().is_some_and(Vec::is_empty) {
            s.addresses = None;
        }
        if s.not_ready_addresses.as_ref().is_some_and(Vec::is_empty) {
            s.not_ready_addresses = None;
        }
    }
    true
}

#[cfg(test)]
#[path = "endpoints_tests.rs"]
mod tests;
