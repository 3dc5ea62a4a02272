//! What kube-proxy knows about one service port: plain data, independent of the store.
//!
//! [`service_ports`] turns a Service and its EndpointSlices into [`ServicePort`]s the way
//! kube-proxy's change trackers do (pkg/proxy/serviceport.go `newBaseServiceInfo`,
//! pkg/proxy/endpointslicecache.go), for the IPv4 family only:
//!
//! - Skipped services: `clusterIP` empty or `None` (headless), type `ExternalName`, no IPv4
//!   cluster IP, and services labelled `service.kubernetes.io/service-proxy-name` (kube-proxy's
//!   informers select them out). Slices labelled `service.kubernetes.io/headless` are ignored too.
//! - External IPs, load-balancer ingress IPs and `loadBalancerSourceRanges` are filtered to
//!   IPv4; ingress entries whose `ipMode` is `Proxy` are not captured on the node (only VIP
//!   mode is). Source ranges are trimmed of whitespace and printed as their network address.
//! - `external_local` is kube-proxy's `ExternalPolicyLocal`: the service is externally
//!   accessible by type (NodePort, LoadBalancer, or ClusterIP with external IPs) and its
//!   `externalTrafficPolicy` is `Local`. `health_check_node_port` is only set for LoadBalancer
//!   services with that policy.
//! - Endpoints come from slices in the service's namespace whose `kubernetes.io/service-name`
//!   label names the service and whose `addressType` is `IPv4`. A slice port matches the
//!   service port by name and protocol; slice ports without a name (nil, not `""`) or without
//!   a port number are ignored, as kube-proxy does. Each endpoint contributes `addresses[0]`;
//!   conditions default as the API documents them (ready and serving when nil, terminating
//!   when set). Duplicate `ip:port` pairs are kept once: the first seen, in slice order
//!   (kube-proxy walks a map of slices, and prefers the copy on its own node; a simulator
//!   has no reason to hold conflicting copies).
//! - Endpoints are sorted by their `ip:port` text, as kube-proxy's EndpointsMap sorts them.
//!
//! Which endpoints a node then uses is [`categorize`] (pkg/proxy/topology.go
//! `CategorizeEndpoints`) without topology hints: Ready endpoints, else serving-and-terminating
//! ones, chosen separately for the Cluster and the Local policy.

use std::cmp::Ordering;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;

/// A service port's protocol. Chain-name hashes and `-m`/`-p` arguments use the lowercase text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Sctp,
}

impl Proto {
    /// `tcp`, `udp` or `sctp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Sctp => "sctp",
        }
    }

    /// The API's spelling (`TCP`, `UDP`, `SCTP`); anything else is `None`.
    pub fn from_api(s: &str) -> Option<Proto> {
        match s {
            "TCP" => Some(Proto::Tcp),
            "UDP" => Some(Proto::Udp),
            "SCTP" => Some(Proto::Sctp),
            _ => None,
        }
    }
}

/// One endpoint of a service port, with the EndpointSlice conditions kube-proxy reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub ip: Ipv4Addr,
    pub port: u16,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
    /// `nodeName` of the slice endpoint; an endpoint is local to the node of that name.
    pub node: Option<String>,
}

impl Endpoint {
    /// A ready, serving endpoint on `node`.
    pub fn ready(ip: Ipv4Addr, port: u16, node: Option<&str>) -> Endpoint {
        Endpoint { ip, port, ready: true, serving: true, terminating: false, node: node.map(str::to_string) }
    }

    /// `ip:port`, the text kube-proxy hashes, sorts by and writes after `--to-destination`.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }

    /// Whether the endpoint runs on `node_name` (never for an empty node name).
    pub fn is_local(&self, node_name: &str) -> bool {
        !node_name.is_empty() && self.node.as_deref() == Some(node_name)
    }
}

/// Compares two endpoints by their `ip:port` text without allocating.
pub fn cmp_addr(a: &Endpoint, b: &Endpoint) -> Ordering {
    let (mut x, mut y) = (AddrBuf::new(), AddrBuf::new());
    x.push(a.ip, a.port);
    y.push(b.ip, b.port);
    x.as_bytes().cmp(y.as_bytes())
}

/// `ip:port` formatted on the stack (at most 21 bytes).
pub(crate) struct AddrBuf {
    buf: [u8; 21],
    len: usize,
}

impl AddrBuf {
    pub(crate) fn new() -> AddrBuf {
        AddrBuf { buf: [0; 21], len: 0 }
    }

    fn put(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    fn put_num(&mut self, mut n: u32) {
        let mut digits = [0u8; 5];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &d in &digits[i..] {
            self.put(d);
        }
    }

    pub(crate) fn push(&mut self, ip: Ipv4Addr, port: u16) {
        for (i, o) in ip.octets().into_iter().enumerate() {
            if i > 0 {
                self.put(b'.');
            }
            self.put_num(o as u32);
        }
        self.put(b':');
        self.put_num(port as u32);
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// One service port as kube-proxy's iptables proxier sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub namespace: String,
    pub name: String,
    /// The port's name, `""` when unnamed.
    pub port_name: String,
    pub protocol: Proto,
    pub cluster_ip: Ipv4Addr,
    pub port: u16,
    pub node_port: Option<u16>,
    pub external_ips: Vec<Ipv4Addr>,
    /// Load-balancer ingress IPs in VIP mode.
    pub load_balancer_ips: Vec<Ipv4Addr>,
    pub load_balancer_source_ranges: Vec<Ipv4Net>,
    /// kube-proxy's `ExternalPolicyLocal`: externally accessible and `externalTrafficPolicy: Local`.
    pub external_local: bool,
    /// `internalTrafficPolicy: Local`.
    pub internal_local: bool,
    pub health_check_node_port: Option<u16>,
    /// `sessionAffinity: ClientIP` with its timeout in seconds (default 10800).
    pub affinity_timeout: Option<u32>,
    /// Every endpoint of the port (whatever its conditions), sorted by `ip:port` text.
    pub endpoints: Vec<Endpoint>,
}

impl ServicePort {
    /// A TCP ClusterIP port with Cluster traffic policies and no endpoints; a base for tests
    /// and synthetic inputs.
    pub fn cluster_ip(namespace: &str, name: &str, port_name: &str, cluster_ip: Ipv4Addr, port: u16) -> ServicePort {
        ServicePort {
            namespace: namespace.to_string(),
            name: name.to_string(),
            port_name: port_name.to_string(),
            protocol: Proto::Tcp,
            cluster_ip,
            port,
            node_port: None,
            external_ips: Vec::new(),
            load_balancer_ips: Vec::new(),
            load_balancer_source_ranges: Vec::new(),
            external_local: false,
            internal_local: false,
            health_check_node_port: None,
            affinity_timeout: None,
            endpoints: Vec::new(),
        }
    }

    /// The service port name: `ns/svc` or `ns/svc:port` (see [`super::hash::spn`]).
    pub fn spn(&self) -> String {
        super::hash::spn(&self.namespace, &self.name, &self.port_name)
    }

    /// Reachable through something other than the cluster IP (kube-proxy's `ExternallyAccessible`).
    pub fn externally_accessible(&self) -> bool {
        self.node_port.is_some() || !self.load_balancer_ips.is_empty() || !self.external_ips.is_empty()
    }

    /// Whether some traffic uses the Cluster-policy endpoints (`UsesClusterEndpoints`): internal
    /// traffic with Cluster policy, or any external traffic (Local external policy still
    /// short-circuits pod and host traffic to the cluster chain).
    pub fn uses_cluster_endpoints(&self) -> bool {
        !self.internal_local || self.externally_accessible()
    }

    /// Whether some traffic uses the Local-policy endpoints (`UsesLocalEndpoints`).
    pub fn uses_local_endpoints(&self) -> bool {
        self.internal_local || (self.external_local && self.externally_accessible())
    }
}

/// The endpoints one node uses for a service port (`CategorizeEndpoints` without topology).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Categorized<'a> {
    /// Cluster-policy endpoints; empty when the port never uses the Cluster policy.
    pub cluster: Vec<&'a Endpoint>,
    /// Local-policy endpoints (on this node); empty when the port never uses the Local policy.
    pub local: Vec<&'a Endpoint>,
    /// Every endpoint this node may DNAT to (the union of the two), sorted by `ip:port`.
    pub reachable: Vec<&'a Endpoint>,
    /// Whether the port has usable endpoints anywhere in the cluster.
    pub has_any: bool,
}

/// Splits a port's endpoints into what `node_name` uses for each traffic policy.
///
/// "Usable" means Ready; when no endpoint is Ready, serving-and-terminating ones are used
/// instead, decided separately for the Cluster policy (over all endpoints) and the Local
/// policy (over this node's). Topology-aware routing (zone and node hints,
/// `trafficDistribution`) is not modelled: every ready endpoint is available everywhere.
/// The input order is kept (sorted by `ip:port` when it comes from [`service_ports`]); a
/// merged `reachable` list is sorted by `ip:port` (kube-proxy builds it from a map).
pub fn categorize<'a>(sp: &'a ServicePort, node_name: &str) -> Categorized<'a> {
    let mut out = Categorized::default();
    if sp.endpoints.is_empty() {
        return out;
    }
    let uses_cluster = sp.uses_cluster_endpoints();
    if uses_cluster {
        out.cluster = sp.endpoints.iter().filter(|e| e.ready).collect();
        if out.cluster.is_empty() {
            out.cluster = sp.endpoints.iter().filter(|e| e.serving && e.terminating).collect();
        }
        out.has_any = !out.cluster.is_empty();
    }
    if !sp.uses_local_endpoints() {
        out.reachable = out.cluster.clone();
        return out;
    }
    let (mut local_ready, mut local_serving_terminating) = (false, false);
    for e in &sp.endpoints {
        if e.ready {
            out.has_any = true;
            local_ready |= e.is_local(node_name);
        } else if e.serving && e.terminating {
            out.has_any = true;
            local_serving_terminating |= e.is_local(node_name);
        }
    }
    let mut serving_terminating = false;
    if local_ready {
        out.local = sp.endpoints.iter().filter(|e| e.is_local(node_name) && e.ready).collect();
    } else if local_serving_terminating {
        serving_terminating = true;
        out.local = sp.endpoints.iter().filter(|e| e.is_local(node_name) && e.serving && e.terminating).collect();
    }
    if !uses_cluster {
        out.reachable = out.local.clone();
        return out;
    }
    if !serving_terminating {
        // Local holds only ready endpoints, all of which are in the cluster list.
        out.reachable = out.cluster.clone();
        return out;
    }
    let mut all: Vec<&Endpoint> = out.cluster.iter().chain(out.local.iter()).copied().collect();
    all.sort_by(|a, b| cmp_addr(a, b));
    all.dedup_by(|a, b| a.ip == b.ip && a.port == b.port);
    out.reachable = all;
    out
}

const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
const SERVICE_PROXY_NAME_LABEL: &str = "service.kubernetes.io/service-proxy-name";
const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";
const DEFAULT_AFFINITY_TIMEOUT: u32 = 10800;

fn has_label(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta, key: &str) -> bool {
    meta.labels.as_ref().is_some_and(|l| l.contains_key(key))
}

fn parse_v4(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

fn port_u16(p: i32) -> Option<u16> {
    u16::try_from(p).ok().filter(|&p| p != 0)
}

/// The service's ports with their endpoints, as kube-proxy's iptables proxier would hold them
/// (see the module documentation for the rules). `slices` may hold slices of other services;
/// only the service's own are used.
pub fn service_ports(svc: &Service, slices: &[&EndpointSlice]) -> Vec<ServicePort> {
    let Some(spec) = svc.spec.as_ref() else { return Vec::new() };
    let namespace = svc.metadata.namespace.as_deref().unwrap_or("default");
    let Some(name) = svc.metadata.name.as_deref() else { return Vec::new() };
    let cluster_ip_text = spec.cluster_ip.as_deref().unwrap_or("");
    if cluster_ip_text.is_empty() || cluster_ip_text == "None" {
        return Vec::new();
    }
    let type_ = spec.type_.as_deref().unwrap_or("ClusterIP");
    if type_ == "ExternalName" || has_label(&svc.metadata, SERVICE_PROXY_NAME_LABEL) {
        return Vec::new();
    }
    // GetClusterIPByFamily: the IPv4 entry of clusterIPs (or clusterIP when that is empty).
    let cluster_ip = match spec.cluster_ips.as_deref() {
        Some(ips) if !ips.is_empty() => ips.iter().find_map(|s| parse_v4(s)),
        _ => parse_v4(cluster_ip_text),
    };
    let Some(cluster_ip) = cluster_ip else { return Vec::new() };

    let externally_accessible_by_type =
        type_ == "LoadBalancer" || type_ == "NodePort" || (type_ == "ClusterIP" && spec.external_ips.as_ref().is_some_and(|v| !v.is_empty()));
    let external_local = externally_accessible_by_type && spec.external_traffic_policy.as_deref() == Some("Local");
    let internal_local = spec.internal_traffic_policy.as_deref() == Some("Local");
    let health_check_node_port =
        if type_ == "LoadBalancer" && external_local { spec.health_check_node_port.and_then(port_u16) } else { None };
    let affinity_timeout = (spec.session_affinity.as_deref() == Some("ClientIP")).then(|| {
        spec.session_affinity_config
            .as_ref()
            .and_then(|c| c.client_ip.as_ref())
            .and_then(|c| c.timeout_seconds)
            .and_then(|t| u32::try_from(t).ok())
            .unwrap_or(DEFAULT_AFFINITY_TIMEOUT)
    });
    let external_ips: Vec<Ipv4Addr> = spec.external_ips.iter().flatten().filter_map(|s| parse_v4(s)).collect();
    let load_balancer_ips: Vec<Ipv4Addr> = svc
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
        .into_iter()
        .flatten()
        .filter(|ing| ing.ip_mode.as_deref().is_none_or(|m| m == "VIP"))
        .filter_map(|ing| ing.ip.as_deref().and_then(parse_v4))
        .collect();
    let load_balancer_source_ranges: Vec<Ipv4Net> = spec
        .load_balancer_source_ranges
        .iter()
        .flatten()
        .filter_map(|s| s.trim().parse::<Ipv4Net>().ok())
        .map(|n| n.trunc())
        .collect();

    let own_slices: Vec<&EndpointSlice> = slices
        .iter()
        .copied()
        .filter(|s| {
            s.metadata.namespace.as_deref().unwrap_or("default") == namespace
                && s.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)).map(String::as_str) == Some(name)
                && !has_label(&s.metadata, HEADLESS_LABEL)
                && s.address_type == "IPv4"
        })
        .collect();

    let mut out = Vec::new();
    for p in spec.ports.iter().flatten() {
        let Some(protocol) = Proto::from_api(p.protocol.as_deref().unwrap_or("TCP")) else { continue };
        let Some(port) = port_u16(p.port) else { continue };
        let port_name = p.name.clone().unwrap_or_default();
        let mut endpoints: Vec<Endpoint> = Vec::new();
        for slice in &own_slices {
            for sp in slice.ports.iter().flatten() {
                let (Some(sp_name), Some(sp_port)) = (sp.name.as_deref(), sp.port.and_then(port_u16)) else { continue };
                if sp_name != port_name || Proto::from_api(sp.protocol.as_deref().unwrap_or("TCP")) != Some(protocol) {
                    continue;
                }
                for e in slice.endpoints.iter().flatten() {
                    let Some(ip) = e.addresses.first().and_then(|a| parse_v4(a)) else { continue };
                    if endpoints.iter().any(|x| x.ip == ip && x.port == sp_port) {
                        continue;
                    }
                    let c = e.conditions.as_ref();
                    endpoints.push(Endpoint {
                        ip,
                        port: sp_port,
                        ready: c.and_then(|c| c.ready).unwrap_or(true),
                        serving: c.and_then(|c| c.serving).unwrap_or(true),
                        terminating: c.and_then(|c| c.terminating).unwrap_or(false),
                        node: e.node_name.clone(),
                    });
                }
            }
        }
        endpoints.sort_by(cmp_addr);
        out.push(ServicePort {
            namespace: namespace.to_string(),
            name: name.to_string(),
            port_name,
            protocol,
            cluster_ip,
            port,
            node_port: p.node_port.and_then(port_u16),
            external_ips: external_ips.clone(),
            load_balancer_ips: load_balancer_ips.clone(),
            load_balancer_source_ranges: load_balancer_source_ranges.clone(),
            external_local,
            internal_local,
            health_check_node_port,
            affinity_timeout,
            endpoints,
        });
    }
    out
}

/// Orders service ports as the simulator writes them: by service port name text, then
/// protocol text (kube-proxy itself walks a Go map, so its order varies between syncs).
pub fn sort_ports(ports: &mut [ServicePort]) {
    ports.sort_by_cached_key(|p| (p.spn(), p.protocol.as_str()));
}
