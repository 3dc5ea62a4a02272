//! kube-proxy, one per node: on a change to a Service, an EndpointSlice or a Node, every
//! node's proxy rebuilds its state from the store. In iptables mode that is the rules, handed
//! to `iptables-restore --noflush`; in IPVS mode the virtual servers, the ipsets, the
//! addresses on `kube-ipvs0` and the mode's few rules. Then it makes sure the jumps from the
//! built-in chains exist.
//!
//! Changes are batched as kube-proxy's bounded-frequency runner does: a change syncs at once
//! if the last sync was at least `--iptables-min-sync-seconds` (1 s) ago, otherwise when that
//! second is over, taking in every change made meanwhile (one queued key). So the rules a
//! trace meets can lag the API by up to a second. All nodes sync at the same instant (real
//! proxies are independent and drift a little).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::endpointslice::SERVICE_NAME_LABEL;
use super::{Ctx, Requeue};
use crate::api::{Kind, Object};
use std::net::Ipv4Addr;

use crate::net::kube_proxy::{hook_jumps, ipvs_mode, restore_input, service_ports, userspace, NodeContext, ProxyMode};
use crate::net::netns::DeviceKind;
use crate::net::netfilter::TableId;
use crate::store::{ObjectRef, WatchEvent};
use crate::time::SimDuration;

/// `--iptables-min-sync-seconds` default.
pub const MIN_SYNC_PERIOD: SimDuration = SimDuration::from_secs(1);

/// The one key every change queues: the proxies resync everything.
pub fn sync_key() -> ObjectRef {
    ObjectRef::new(Kind::Service, None, "kube-proxy")
}

pub fn keys_for(event: &WatchEvent) -> Vec<ObjectRef> {
    match event.key.kind {
        Kind::Service | Kind::EndpointSlice | Kind::Node => vec![sync_key()],
        _ => Vec::new(),
    }
}

/// The chains kube-proxy owns per Service port (deleted when no longer written).
fn owned(chain: &str) -> bool {
    crate::net::kube_proxy::hash::is_service_chain(chain)
}

pub fn reconcile(ctx: &mut Ctx<'_, '_>, _key: &ObjectRef) -> Requeue {
    let now = ctx.api.now;
    // `--ipvs-min-sync-period` has no default (0 s): an IPVS proxy syncs on every change.
    // The userspace proxy is simplified to do the same.
    let min = if ctx.api.net.config.proxy_mode == ProxyMode::Iptables { MIN_SYNC_PERIOD } else { SimDuration::ZERO };
    if let Some(last) = ctx.state.kube_proxy_synced.filter(|_| min > SimDuration::ZERO) {
        let next = last + min;
        if now < next {
            return Requeue::After(next.since(now));
        }
    }
    ctx.state.kube_proxy_synced = Some(now);
    let store = &*ctx.api.store;
    let mut slices: BTreeMap<(String, String), Vec<&EndpointSlice>> = BTreeMap::new();
    for o in store.list(Kind::EndpointSlice, None) {
        if let Object::EndpointSlice(s) = &**o {
            let Some(svc) = s.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)) else { continue };
            slices.entry((s.metadata.namespace.clone().unwrap_or_default(), svc.clone())).or_default().push(s);
        }
    }
    let services: Vec<&Service> = store
        .list(Kind::Service, None)
        .filter_map(|o| match &**o {
            Object::Service(s) => Some(&**s),
            _ => None,
        })
        .collect();
    let mut ports = Vec::new();
    for svc in services {
        let key = (svc.metadata.namespace.clone().unwrap_or_default(), svc.metadata.name.clone().unwrap_or_default());
        let empty = Vec::new();
        ports.extend(service_ports(svc, slices.get(&key).unwrap_or(&empty)));
    }
    let net = &mut *ctx.api.net;
    let mode = net.config.proxy_mode;
    let nodes: Vec<(String, crate::net::NsId, Ipv4Addr)> = net.nodes().map(|(name, n)| (name.clone(), n.root, n.placement.ip)).collect();
    for (name, root, ip) in nodes {
        match mode {
            ProxyMode::Ipvs => sync_ipvs(net, &name, root, &ports, ctx.api.rng),
            ProxyMode::Userspace => sync_userspace(net, &name, root, ip, &ports, ctx.api.rng),
            ProxyMode::Iptables => sync_iptables(net, &name, root, ip, &ports),
        }
    }
    Requeue::Done
}

/// Writes the canary chains: kube-proxy's way of noticing that someone flushed its tables.
fn canaries(nf: &mut crate::net::netfilter::Netfilter) {
    for (table, chain) in crate::net::kube_proxy::iptables::canary_chains() {
        let _ = nf.restore(&format!("*{table}\n:{chain} - [0:0]\nCOMMIT\n"));
    }
}

/// Ensures each `(table, chain, rule)` jump is the first rule of its built-in chain.
fn ensure_jumps(nf: &mut crate::net::netfilter::Netfilter, jumps: Vec<(&'static str, &'static str, String)>) {
    for (table, chain, spec) in jumps {
        let Some(t) = TableId::parse(table) else { continue };
        let _ = nf.ensure_first(t, chain, &spec);
    }
}

/// iptables mode: one full `iptables-restore` of the node's rules.
fn sync_iptables(net: &mut crate::net::Network, name: &str, root: crate::net::NsId, ip: Ipv4Addr, ports: &[crate::net::kube_proxy::ServicePort]) {
    let node = NodeContext::new(name, vec![ip], net.config.network);
    let input = restore_input(ports, &node);
    let Some(nf) = net.netfilter_mut(root) else { return };
    canaries(nf);
    // Generated by the proxy itself, so it always parses; an error would be a bug there.
    if let Err(e) = nf.full_sync(&input, owned) {
        debug_assert!(false, "kube-proxy on {name}: {e}");
        return;
    }
    ensure_jumps(nf, hook_jumps());
}

/// IPVS mode: the virtual servers and ipsets, the service addresses on `kube-ipvs0`, and
/// the few iptables rules the mode still needs.
fn sync_ipvs(net: &mut crate::net::Network, name: &str, root: crate::net::NsId, ports: &[crate::net::kube_proxy::ServicePort], rng: &mut crate::rng::SimRng) {
    // nodePortAddresses "all": every local address but the service addresses, as kube-proxy
    // reads them from the kernel (eth0, cni0, flannel.1, …).
    let Some(space) = net.netns(root) else { return };
    let mut node_ips: Vec<Ipv4Addr> = space
        .devices
        .iter()
        .filter(|d| !matches!(d.kind, DeviceKind::Loopback | DeviceKind::Dummy))
        .flat_map(|d| d.addrs.iter().map(|a| a.addr))
        .collect();
    node_ips.sort_unstable();
    let node = NodeContext::new(name, node_ips, net.config.network);
    let state = ipvs_mode::sync(ports, &node);
    let addrs: Vec<Ipv4Addr> = state.dummy_addrs.iter().map(|n| n.addr()).collect();
    let Some(nf) = net.netfilter_mut(root) else { return };
    canaries(nf);
    if let Err(e) = nf.full_sync(&state.restore, |_| false) {
        debug_assert!(false, "kube-proxy on {name}: {e}");
        return;
    }
    ensure_jumps(nf, ipvs_mode::hook_jumps());
    net.set_ipvs(root, state.ipvs, state.ipsets, ipvs_mode::DUMMY_DEVICE, &addrs, rng);
}

/// userspace mode: the proxy's sockets (one per service port) and the portal rules that send
/// service traffic to them.
fn sync_userspace(net: &mut crate::net::Network, name: &str, root: crate::net::NsId, ip: Ipv4Addr, ports: &[crate::net::kube_proxy::ServicePort], rng: &mut crate::rng::SimRng) {
    let mut rand = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let proxy = net.userspace_mut(root);
    proxy.sync(ports, &mut rand);
    let input = userspace::restore_input(ports, proxy, ip);
    let Some(nf) = net.netfilter_mut(root) else { return };
    if let Err(e) = nf.full_sync(&input, |_| false) {
        debug_assert!(false, "kube-proxy on {name}: {e}");
        return;
    }
    ensure_jumps(nf, userspace::hook_jumps());
}
