//! userspace mode (removed from kube-proxy in v1.26): kube-proxy itself is the load balancer.
//! For every service port it opens a socket on a port the kernel picks, and iptables sends the
//! service's traffic to that socket; kube-proxy accepts the connection, picks a backend round
//! robin (`LoadBalancerRR`, sticky per client address with ClientIP affinity) and opens a new
//! connection to it from the node. So the backend sees the node's address, never the client's.
//!
//! The rules follow pkg/proxy/userspace/proxier.go (`iptablesInit`, `openOnePortal`,
//! `openNodePort`, `iptablesCommonPortalArgs` and the portal-args functions), with the proxy
//! listening on 0.0.0.0 (its default `--bind-address`):
//!
//! - nat `KUBE-PORTALS-CONTAINER` (from PREROUTING, first): traffic from pods and other
//!   machines to a cluster IP is `REDIRECT`ed to the proxy port (the incoming interface's
//!   primary address).
//! - nat `KUBE-PORTALS-HOST` (from OUTPUT, first): the node's own traffic is `DNAT`ed to the
//!   node's address and the proxy port (REDIRECT would answer from the wrong address).
//! - nat `KUBE-NODEPORT-CONTAINER` / `KUBE-NODEPORT-HOST` (from PREROUTING / OUTPUT, last,
//!   with `-m addrtype --dst-type LOCAL`): node ports, the same way.
//! - filter `KUBE-NODEPORT-NON-LOCAL` (from INPUT, first): accepts new connections to the
//!   proxy ports of node ports.
//!
//! Simplified: only cluster IPs and node ports are proxied (external IPs and load-balancer
//! IPs are not); the proxy port is drawn from the kernel's ephemeral range with the
//! simulation's RNG and kept for the service port's life; `-m state --state NEW` is listed as
//! iptables-nft lists it, `-m conntrack --ctstate NEW`; terminating endpoints are not used.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use super::model::{Proto, ServicePort};
use crate::time::{SimDuration, SimTime};

pub const PORTALS_CONTAINER: &str = "KUBE-PORTALS-CONTAINER";
pub const PORTALS_HOST: &str = "KUBE-PORTALS-HOST";
pub const NODEPORT_CONTAINER: &str = "KUBE-NODEPORT-CONTAINER";
pub const NODEPORT_HOST: &str = "KUBE-NODEPORT-HOST";
pub const NODEPORT_NON_LOCAL: &str = "KUBE-NODEPORT-NON-LOCAL";

/// The kernel's `net.ipv4.ip_local_port_range` (32768–60999): where bind(0) ports come from.
const EPHEMERAL: (u16, u16) = (32768, 60999);

/// One proxy socket: the service port it serves and the backends it balances over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySocket {
    /// `namespace/name:port`.
    pub spn: String,
    pub protocol: Proto,
    /// Ready endpoints, in the order kube-proxy got them.
    pub endpoints: Vec<(Ipv4Addr, u16)>,
    /// `sessionAffinity: ClientIP` timeout in seconds.
    pub affinity: Option<u32>,
    /// The index round robin hands out next.
    next: usize,
    /// ClientIP affinity: client → (endpoint, last used).
    sticky: BTreeMap<Ipv4Addr, ((Ipv4Addr, u16), SimTime)>,
}

impl ProxySocket {
    /// `LoadBalancerRR.NextEndpoint`: the client's sticky endpoint while its affinity lasts,
    /// otherwise the next one round robin. None without endpoints (the proxy then closes the
    /// client's connection).
    pub fn pick(&mut self, client: Ipv4Addr, now: SimTime) -> Option<(Ipv4Addr, u16)> {
        if self.endpoints.is_empty() {
            return None;
        }
        if let Some(t) = self.affinity {
            if let Some(&(ep, last)) = self.sticky.get(&client) {
                if self.endpoints.contains(&ep) && now.since(last) < SimDuration::from_secs(u64::from(t)) {
                    self.sticky.insert(client, (ep, now));
                    return Some(ep);
                }
            }
        }
        let ep = self.endpoints[self.next % self.endpoints.len()];
        self.next = (self.next + 1) % self.endpoints.len();
        if self.affinity.is_some() {
            self.sticky.insert(client, (ep, now));
        }
        Some(ep)
    }
}

/// The userspace proxy of one node: its sockets by (protocol, port).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserspaceProxy {
    pub sockets: BTreeMap<(Proto, u16), ProxySocket>,
}

impl UserspaceProxy {
    /// Brings the sockets in line with `ports`: a new service port gets a socket on a free
    /// ephemeral port (`rand` draws in [0, 1)); a kept one keeps its port and round-robin
    /// position; a removed one is closed.
    pub fn sync(&mut self, ports: &[ServicePort], rand: &mut dyn FnMut() -> f64) {
        let mut old: BTreeMap<(String, Proto), ((Proto, u16), ProxySocket)> =
            std::mem::take(&mut self.sockets).into_iter().map(|(k, s)| ((s.spn.clone(), s.protocol), (k, s))).collect();
        let mut fresh = Vec::new();
        for sp in ports {
            let spn = super::spn(&sp.namespace, &sp.name, &sp.port_name);
            let endpoints: Vec<(Ipv4Addr, u16)> = sp.endpoints.iter().filter(|e| e.ready).map(|e| (e.ip, e.port)).collect();
            match old.remove(&(spn.clone(), sp.protocol)) {
                Some((key, mut s)) => {
                    if s.endpoints != endpoints {
                        s.next = 0;
                        s.sticky.retain(|_, (ep, _)| endpoints.contains(ep));
                    }
                    s.endpoints = endpoints;
                    s.affinity = sp.affinity_timeout;
                    self.sockets.insert(key, s);
                }
                None => fresh.push(ProxySocket { spn, protocol: sp.protocol, endpoints, affinity: sp.affinity_timeout, next: 0, sticky: BTreeMap::new() }),
            }
        }
        for s in fresh {
            let span = u32::from(EPHEMERAL.1 - EPHEMERAL.0) + 1;
            let mut port = EPHEMERAL.0 + (rand() * f64::from(span)) as u16;
            while self.sockets.contains_key(&(s.protocol, port)) {
                port = if port == EPHEMERAL.1 { EPHEMERAL.0 } else { port + 1 };
            }
            self.sockets.insert((s.protocol, port), s);
        }
    }

    /// The proxy port of a service port.
    pub fn port_of(&self, spn: &str, protocol: Proto) -> Option<u16> {
        self.sockets.iter().find(|(_, s)| s.spn == spn && s.protocol == protocol).map(|((_, p), _)| *p)
    }
}

/// The jumps from the built-in chains, in the order they are ensured with
/// `Netfilter::ensure_first` so that the portal rules end up before the node-port rules:
/// `(table, chain, rule)`.
pub fn hook_jumps() -> Vec<(&'static str, &'static str, String)> {
    let portals = "-m comment --comment \"handle ClusterIPs; NOTE: this must be before the NodePort rules\"";
    let node_ports = "-m addrtype --dst-type LOCAL -m comment --comment \"handle service NodePorts; NOTE: this must be the last rule in the chain\"";
    vec![
        ("nat", "PREROUTING", format!("{node_ports} -j {NODEPORT_CONTAINER}")),
        ("nat", "OUTPUT", format!("{node_ports} -j {NODEPORT_HOST}")),
        ("nat", "PREROUTING", format!("{portals} -j {PORTALS_CONTAINER}")),
        ("nat", "OUTPUT", format!("{portals} -j {PORTALS_HOST}")),
        ("filter", "INPUT", format!("-m comment --comment \"Ensure that non-local NodePort traffic can flow\" -j {NODEPORT_NON_LOCAL}")),
    ]
}

/// The `iptables-restore` input of one sync on a node whose address is `host_ip`, with the
/// proxy ports `proxy` has open.
pub fn restore_input(ports: &[ServicePort], proxy: &UserspaceProxy, host_ip: Ipv4Addr) -> String {
    let mut nat = String::new();
    let mut filter = String::new();
    let (mut pc, mut ph, mut nc, mut nh) = (String::new(), String::new(), String::new(), String::new());
    for sp in ports {
        let spn = super::spn(&sp.namespace, &sp.name, &sp.port_name);
        let Some(proxy_port) = proxy.port_of(&spn, sp.protocol) else { continue };
        let p = sp.protocol.as_str();
        let common = |dst: Option<Ipv4Addr>, port: u16| match dst {
            Some(d) => format!("-d {d}/32 -p {p} -m comment --comment \"{spn}\" -m {p} --dport {port}"),
            None => format!("-p {p} -m comment --comment \"{spn}\" -m {p} --dport {port}"),
        };
        let _ = writeln!(pc, "-A {PORTALS_CONTAINER} {} -j REDIRECT --to-ports {proxy_port}", common(Some(sp.cluster_ip), sp.port));
        let _ = writeln!(ph, "-A {PORTALS_HOST} {} -j DNAT --to-destination {host_ip}:{proxy_port}", common(Some(sp.cluster_ip), sp.port));
        if let Some(np) = sp.node_port {
            let _ = writeln!(nc, "-A {NODEPORT_CONTAINER} {} -j REDIRECT --to-ports {proxy_port}", common(None, np));
            let _ = writeln!(nh, "-A {NODEPORT_HOST} {} -j DNAT --to-destination {host_ip}:{proxy_port}", common(None, np));
            let _ = writeln!(filter, "-A {NODEPORT_NON_LOCAL} {} -m conntrack --ctstate NEW -j ACCEPT", common(None, proxy_port));
        }
    }
    let _ = writeln!(nat, "*nat\n:{PORTALS_CONTAINER} - [0:0]\n:{PORTALS_HOST} - [0:0]\n:{NODEPORT_CONTAINER} - [0:0]\n:{NODEPORT_HOST} - [0:0]");
    nat.push_str(&pc);
    nat.push_str(&ph);
    nat.push_str(&nc);
    nat.push_str(&nh);
    nat.push_str("COMMIT\n");
    let _ = write!(nat, "*filter\n:{NODEPORT_NON_LOCAL} - [0:0]\n{filter}COMMIT\n");
    nat
}
