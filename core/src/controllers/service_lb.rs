//! The service controller of cloud-controller-manager (kubernetes/cloud-provider
//! `controllers/service/controller.go`) with this simulation's cloud behind it: load balancers
//! for Services of type LoadBalancer without `spec.loadBalancerClass`.
//!
//! Ensuring (a new LoadBalancer Service, or one whose relevant fields changed): event
//! `EnsuringLoadBalancer` "Ensuring load balancer", the finalizer
//! `service.kubernetes.io/load-balancer-cleanup` added, an address taken from the pool
//! 198.51.100.0/24 (`spec.loadBalancerIP` if it is in the pool and free; the address the
//! Service already has otherwise; else the lowest free one), event `EnsuredLoadBalancer`
//! "Ensured load balancer", then `status.loadBalancer.ingress[0].ip`. A failure is the Warning
//! `SyncLoadBalancerFailed` "Error syncing load balancer: failed to ensure load balancer: …",
//! retried with back-off from 5 s. Cleanup (the Service deleted, or no longer of type
//! LoadBalancer, while it has the finalizer): `DeletingLoadBalancer` "Deleting load balancer"
//! when it had an address, the finalizer removed, `DeletedLoadBalancer` "Deleted load
//! balancer", the status emptied; the address is free again.
//!
//! Every change to a Service, an EndpointSlice or a Node re-programs the load balancer's data
//! plane (`net::cloud_lb`): targets and their health checks. When the hosts (the nodes not
//! labelled `node.kubernetes.io/exclude-from-external-load-balancers`) change, each load
//! balancer is updated with `UpdatedLoadBalancer` "Updated load balancer with new hosts".
//!
//! Simplified: the cloud answers at once (no provisioning time); the error texts of the pool
//! are this cloud's own; the node sync runs on every Node watch event (the real one also
//! every 100 s); "relevant fields" are compared as a whole (type, ports,
//! loadBalancerIP, traffic policy, health check port, source ranges, affinity, external IPs,
//! labels and annotations), where the real `needsUpdate` names each.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::{LoadBalancerIngress, LoadBalancerStatus, Service, ServiceStatus};
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::endpointslice::SERVICE_NAME_LABEL;
use super::{Ctx, Requeue};
use crate::api::{Kind, Object};
use crate::net::cloud_lb::{self, Listener};
use crate::net::kube_proxy::{service_ports, spn};
use crate::sim::events::{self, EventType};
use crate::store::{ObjectRef, WatchEvent};
use crate::time::SimDuration;

/// The finalizer that keeps a Service until its load balancer is gone.
pub const FINALIZER: &str = "service.kubernetes.io/load-balancer-cleanup";
/// The label that keeps a node out of load balancers' targets.
pub const EXCLUDE_LABEL: &str = "node.kubernetes.io/exclude-from-external-load-balancers";

/// What the controller remembers per Service: the fields it last ensured, the hosts it last
/// gave the cloud, and its back-off.
#[derive(Debug, Clone, Default)]
pub struct State {
    ensured: BTreeMap<ObjectRef, String>,
    hosts: BTreeMap<ObjectRef, Vec<String>>,
    backoff: BTreeMap<ObjectRef, SimDuration>,
}

/// The nodes the controller gives the cloud as a load balancer's hosts: every node not labelled
/// out (with StableLoadBalancerNodeSet a node that is not Ready stays a host; the load
/// balancer's health check takes it out of the targets).
fn hosts(store: &crate::store::Store) -> Vec<String> {
    store
        .list(Kind::Node, None)
        .filter_map(|o| match &**o {
            Object::Node(n) if !n.metadata.labels.as_ref().is_some_and(|l| l.contains_key(EXCLUDE_LABEL)) => n.metadata.name.clone(),
            _ => None,
        })
        .collect()
}

/// The node sync: each ensured load balancer whose hosts changed is updated, with
/// `UpdatedLoadBalancer` "Updated load balancer with new hosts" (or the Warning
/// `UnAvailableLoadBalancer` "There are no available nodes for LoadBalancer" without any).
fn sync_nodes(ctx: &mut Ctx<'_, '_>) {
    let now = hosts(ctx.api.store);
    let keys: Vec<ObjectRef> = ctx.state.service_lb.ensured.keys().cloned().collect();
    for key in keys {
        let Some(Object::Service(svc)) = ctx.api.store.get(&key).map(|o| &**o) else { continue };
        let svc = (**svc).clone();
        if ctx.state.service_lb.hosts.get(&key) == Some(&now) {
            continue;
        }
        if now.is_empty() {
            event(ctx, &svc, EventType::Warning, "UnAvailableLoadBalancer", "There are no available nodes for LoadBalancer");
        } else {
            event(ctx, &svc, EventType::Normal, "UpdatedLoadBalancer", "Updated load balancer with new hosts");
        }
        ctx.state.service_lb.hosts.insert(key, now.clone());
    }
}

/// The key that re-programs the data plane only.
pub fn sync_key() -> ObjectRef {
    ObjectRef::new(Kind::Service, None, "cloud-lb")
}

/// A Service that wants a load balancer or still has one to clean up queues itself (as the
/// real controller's informer does); EndpointSlices and Nodes re-program the data plane while
/// some load balancer exists.
pub fn keys_for(event: &WatchEvent, state: &State) -> Vec<ObjectRef> {
    match (&*event.object, event.key.kind) {
        (Object::Service(s), Kind::Service) if wants_load_balancer(s) || has_finalizer(s) => vec![event.key.clone()],
        (_, Kind::EndpointSlice | Kind::Node) if !state.ensured.is_empty() => vec![sync_key()],
        _ => Vec::new(),
    }
}

/// `wantsLoadBalancer`: type LoadBalancer and no `loadBalancerClass`.
pub fn wants_load_balancer(svc: &Service) -> bool {
    svc.spec.as_ref().is_some_and(|s| s.type_.as_deref() == Some("LoadBalancer") && s.load_balancer_class.is_none())
}

fn has_finalizer(svc: &Service) -> bool {
    svc.metadata.finalizers.iter().flatten().any(|f| f == FINALIZER)
}

/// The first ingress address of the Service's status.
pub fn ingress_ip(svc: &Service) -> Option<Ipv4Addr> {
    svc.status.as_ref()?.load_balancer.as_ref()?.ingress.as_ref()?.first()?.ip.as_deref()?.parse().ok()
}

fn fingerprint(svc: &Service) -> String {
    let s = svc.spec.clone().unwrap_or_default();
    let parts = (
        &s.type_,
        &s.ports,
        &s.load_balancer_ip,
        &s.external_traffic_policy,
        &s.health_check_node_port,
        &s.load_balancer_source_ranges,
        &s.session_affinity,
        &s.external_ips,
        &svc.metadata.labels,
        &svc.metadata.annotations,
    );
    serde_json::to_string(&parts).unwrap_or_default()
}

/// The address the cloud gives `svc` (see the module documentation for the order).
pub fn allocate(store: &crate::store::Store, svc: &Service) -> Result<Ipv4Addr, String> {
    let pool = crate::net::lb_pool();
    let me = svc.metadata.uid.as_deref();
    let live: BTreeSet<Ipv4Addr> = store
        .list(Kind::Service, None)
        .filter_map(|o| match &**o {
            Object::Service(s) if s.metadata.uid.as_deref() != me => ingress_ip(s),
            _ => None,
        })
        .filter(|ip| pool.contains(ip))
        .collect();
    let requested = svc.spec.as_ref().and_then(|s| s.load_balancer_ip.as_deref()).filter(|s| !s.is_empty());
    if let Some(text) = requested {
        let ip: Ipv4Addr = text.parse().map_err(|_| format!("requested load balancer IP {text:?} is not an IPv4 address"))?;
        if !pool.contains(&ip) || ip == pool.network() || ip == pool.broadcast() {
            return Err(format!("requested load balancer IP {ip} is not in the address pool {}", crate::net::LB_POOL));
        }
        if live.contains(&ip) {
            return Err(format!("requested load balancer IP {ip} is in use by another load balancer"));
        }
        return Ok(ip);
    }
    if let Some(ip) = ingress_ip(svc).filter(|ip| pool.contains(ip) && !live.contains(ip)) {
        return Ok(ip);
    }
    pool.hosts().find(|ip| !live.contains(ip)).ok_or_else(|| format!("no address left in the address pool {}", crate::net::LB_POOL))
}

fn with_status(svc: &Service, ip: Option<Ipv4Addr>) -> Service {
    let mut s = svc.clone();
    // `ipMode: VIP` is what the API server's defaulting adds to an ingress IP (LoadBalancerIPMode,
    // on by default since 1.30).
    let ingress = ip.map(|ip| vec![LoadBalancerIngress { ip: Some(ip.to_string()), ip_mode: Some("VIP".into()), ..Default::default() }]);
    let lb = LoadBalancerStatus { ingress };
    s.status.get_or_insert_with(ServiceStatus::default).load_balancer = Some(lb);
    s
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> Requeue {
    if *key == sync_key() {
        sync_nodes(ctx);
        program(ctx);
        return Requeue::Done;
    }
    let (requeue, changed) = sync_service(ctx, key);
    if changed {
        program(ctx);
    }
    requeue
}

fn event(ctx: &mut Ctx<'_, '_>, svc: &Service, t: EventType, reason: &str, message: &str) {
    let by = ctx.by.clone();
    events::record(ctx.api, &Object::Service(Box::new(svc.clone())), t, reason, message, &by, None, ctx.cause);
}

/// Writes `svc` and returns what was stored (None when it is gone, or the write failed).
fn write(ctx: &mut Ctx<'_, '_>, svc: Service) -> Option<Service> {
    let by = ctx.by.clone();
    match ctx.api.update(Object::Service(Box::new(svc)), &by, ctx.cause) {
        Ok(o) => match &*o {
            Object::Service(s) => Some((**s).clone()),
            _ => None,
        },
        Err(_) => None,
    }
}

/// Ensures or cleans up the load balancer of Service `key`; says whether the data plane may
/// have to change (the Service has, or had, a load balancer).
fn sync_service(ctx: &mut Ctx<'_, '_>, key: &ObjectRef) -> (Requeue, bool) {
    let svc = match ctx.api.store.get(key).map(|o| &**o) {
        Some(Object::Service(s)) => (**s).clone(),
        _ => {
            ctx.state.service_lb.hosts.remove(key);
            let had = ctx.state.service_lb.ensured.remove(key).is_some();
            return (Requeue::Done, had);
        }
    };
    let deleting = svc.metadata.deletion_timestamp.is_some();
    if has_finalizer(&svc) && (deleting || !wants_load_balancer(&svc)) {
        if ingress_ip(&svc).is_some() {
            event(ctx, &svc, EventType::Normal, "DeletingLoadBalancer", "Deleting load balancer");
        }
        let mut gone = svc.clone();
        if let Some(f) = gone.metadata.finalizers.as_mut() {
            f.retain(|f| f != FINALIZER);
        }
        let after = write(ctx, gone);
        event(ctx, &svc, EventType::Normal, "DeletedLoadBalancer", "Deleted load balancer");
        if let Some(s) = after.filter(|s| ingress_ip(s).is_some()) {
            write(ctx, with_status(&s, None));
        }
        ctx.state.service_lb.ensured.remove(key);
        ctx.state.service_lb.hosts.remove(key);
        ctx.state.service_lb.backoff.remove(key);
        return (Requeue::Done, true);
    }
    if deleting || !wants_load_balancer(&svc) {
        return (Requeue::Done, false);
    }
    let fp = fingerprint(&svc);
    if has_finalizer(&svc) && ingress_ip(&svc).is_some() && ctx.state.service_lb.ensured.get(key) == Some(&fp) {
        return (Requeue::Done, true);
    }
    event(ctx, &svc, EventType::Normal, "EnsuringLoadBalancer", "Ensuring load balancer");
    let mut current = svc.clone();
    if !has_finalizer(&svc) {
        current.metadata.finalizers.get_or_insert_with(Vec::new).push(FINALIZER.to_string());
        match write(ctx, current) {
            Some(s) => current = s,
            None => return (Requeue::After(SimDuration::from_secs(5)), false),
        }
    }
    match allocate(ctx.api.store, &current) {
        Ok(ip) => {
            event(ctx, &current, EventType::Normal, "EnsuredLoadBalancer", "Ensured load balancer");
            if ingress_ip(&current) != Some(ip) || current.status.as_ref().and_then(|s| s.load_balancer.as_ref()).and_then(|l| l.ingress.as_ref()).is_none_or(|i| i.len() != 1) {
                write(ctx, with_status(&current, Some(ip)));
            }
            ctx.state.service_lb.ensured.insert(key.clone(), fp);
            ctx.state.service_lb.hosts.insert(key.clone(), hosts(ctx.api.store));
            ctx.state.service_lb.backoff.remove(key);
            (Requeue::Done, true)
        }
        Err(e) => {
            let msg = format!("Error syncing load balancer: failed to ensure load balancer: {e}");
            event(ctx, &current, EventType::Warning, "SyncLoadBalancerFailed", &msg);
            let next = ctx.state.service_lb.backoff.get(key).map_or(SimDuration::from_secs(5), |d| SimDuration::from_micros((d.as_micros() * 2).min(300_000_000)));
            ctx.state.service_lb.backoff.insert(key.clone(), next);
            (Requeue::After(next), true)
        }
    }
}

/// The listeners of every Service with a load balancer, from the store and the network.
pub fn listeners(store: &crate::store::Store, net: &crate::net::Network) -> Vec<Listener> {
    let pool = crate::net::lb_pool();
    let services: Vec<(&Service, Ipv4Addr)> = store
        .list(Kind::Service, None)
        .filter_map(|o| match &**o {
            Object::Service(s) if wants_load_balancer(s) => ingress_ip(s).filter(|ip| pool.contains(ip)).map(|ip| (&**s, ip)),
            _ => None,
        })
        .collect();
    if services.is_empty() {
        return Vec::new();
    }
    let mut slices: BTreeMap<(String, String), Vec<&EndpointSlice>> = BTreeMap::new();
    for o in store.list(Kind::EndpointSlice, None) {
        if let Object::EndpointSlice(s) = &**o {
            let Some(svc) = s.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)) else { continue };
            slices.entry((s.metadata.namespace.clone().unwrap_or_default(), svc.clone())).or_default().push(s);
        }
    }
    let mut ready: Vec<(String, Ipv4Addr)> = Vec::new();
    for o in store.list(Kind::Node, None) {
        let Object::Node(n) = &**o else { continue };
        let name = n.metadata.name.clone().unwrap_or_default();
        let is_ready = n.status.as_ref().and_then(|s| s.conditions.as_ref()).into_iter().flatten().any(|c| c.type_ == "Ready" && c.status == "True");
        let excluded = n.metadata.labels.as_ref().is_some_and(|l| l.contains_key(EXCLUDE_LABEL));
        if let (true, false, Some(nn)) = (is_ready, excluded, net.node(&name)) {
            ready.push((name, nn.placement.ip));
        }
    }
    ready.sort();
    let mut out = Vec::new();
    for (svc, lb_ip) in services {
        let key = (svc.metadata.namespace.clone().unwrap_or_default(), svc.metadata.name.clone().unwrap_or_default());
        let empty = Vec::new();
        let ports = service_ports(svc, slices.get(&key).unwrap_or(&empty));
        for p in &ports {
            let Some(node_port) = p.node_port else { continue };
            let mut targets = ready.clone();
            if p.external_local {
                let healthy: Vec<_> = ready.iter().filter(|(n, _)| crate::net::kube_proxy::health::local_endpoints(&ports, n) > 0).cloned().collect();
                if !healthy.is_empty() {
                    targets = healthy;
                }
            }
            out.push(Listener { spn: spn(&p.namespace, &p.name, &p.port_name), protocol: p.protocol, lb_ip, port: p.port, node_port, targets });
        }
    }
    out
}

/// Re-programs the load balancer's namespace.
fn program(ctx: &mut Ctx<'_, '_>) {
    let list = listeners(ctx.api.store, ctx.api.net);
    let Some(id) = ctx.api.net.cloud_lb() else { return };
    if let Some(nf) = ctx.api.net.netfilter_mut(id) {
        if list.is_empty() && nf.tables.get(crate::net::netfilter::TableId::Nat).chain(cloud_lb::SERVICES_CHAIN).is_none() {
            return; // never programmed: the table stays unloaded
        }
        // Generated from validated objects, so it always parses; an error would be a bug here.
        let done = cloud_lb::sync(nf, &list);
        debug_assert!(done.is_ok(), "cloud-lb: {done:?}");
    }
}
