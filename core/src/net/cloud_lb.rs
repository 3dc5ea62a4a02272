//! The cloud load balancer's data plane: for each load-balancer address and port, DNAT to
//! `<node IP>:<nodePort>` of one target node, keeping the client's address (as a network load
//! balancer with instance targets and client IP preservation does). Written as nat rules in
//! the `cloud-lb` namespace (see `outside.rs`) so that traces show the hop: a `-m statistic
//! --mode random` cascade picks the target, and conntrack un-NATs the replies. Real cloud load
//! balancers are not iptables; the rules stand for what they do to the packets.
//!
//! ```text
//! -A PREROUTING -m comment --comment "cloud load balancers" -j CLOUD-LB-SERVICES
//! -A CLOUD-LB-SERVICES -d 198.51.100.1/32 -p tcp -m comment --comment "default/web:http load balancer" -m tcp --dport 80 -j CLOUD-LB-<hash>
//! -A CLOUD-LB-<hash> -m comment --comment "default/web:http target node-1" -m statistic --mode random --probability 0.5000000000 -j DNAT --to-destination 192.168.56.11:30080
//! -A CLOUD-LB-<hash> -m comment --comment "default/web:http target node-2" -j DNAT --to-destination 192.168.56.12:30080
//! ```
//!
//! Targets: every Ready node for `externalTrafficPolicy: Cluster`; for `Local`, the nodes whose
//! health check on `healthCheckNodePort` passes. kube-proxy's health server answers 200 when
//! the node has local Ready endpoints of the service and 503 otherwise
//! (`kube_proxy::health::local_endpoints` counts them as kube-proxy's `LocalReadyEndpoints` does: an endpoint that is only
//! serving-and-terminating does not count, so a node whose pods are terminating is drained).
//! When no target passes, the load balancer fails open and uses all of them, as cloud load
//! balancers do. Without any Ready node there is no rule, and the address does not answer.
//!
//! Simplified: health checks are evaluated at each re-programming from the EndpointSlices,
//! not probed on an interval with thresholds, and the probes are not traced.

use std::net::Ipv4Addr;

use super::kube_proxy::hash::{port_proto_digest, push_port_chain};
use super::kube_proxy::iptables::probability;
use super::kube_proxy::Proto;
use super::netfilter::{Netfilter, TableId};

/// The chain PREROUTING jumps to.
pub const SERVICES_CHAIN: &str = "CLOUD-LB-SERVICES";
const CHAIN_PREFIX: &str = "CLOUD-LB-";
const JUMP: &str = "-m comment --comment \"cloud load balancers\" -j CLOUD-LB-SERVICES";

/// One listener: a load-balancer address and port forwarded to the node port on each target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// The service port name (`default/web:http`).
    pub spn: String,
    pub protocol: Proto,
    pub lb_ip: Ipv4Addr,
    pub port: u16,
    pub node_port: u16,
    /// `(node name, node IP)`, sorted by name.
    pub targets: Vec<(String, Ipv4Addr)>,
}

/// The listener's chain: `CLOUD-LB-` and the port's hash.
pub fn chain_name(spn: &str, protocol: Proto) -> String {
    let mut s = String::with_capacity(25);
    push_port_chain(&mut s, CHAIN_PREFIX, &port_proto_digest(spn, protocol));
    s
}

/// The nat table input for the listeners (sorted by address, protocol and port).
pub fn restore_input(listeners: &[Listener]) -> String {
    let mut sorted: Vec<&Listener> = listeners.iter().filter(|l| !l.targets.is_empty()).collect();
    sorted.sort_by_key(|l| (l.lb_ip, l.protocol, l.port));
    let mut out = format!("*nat\n:{SERVICES_CHAIN} - [0:0]\n");
    let chains: Vec<String> = sorted.iter().map(|l| chain_name(&l.spn, l.protocol)).collect();
    for c in &chains {
        out.push_str(&format!(":{c} - [0:0]\n"));
    }
    for (l, c) in sorted.iter().zip(&chains) {
        let p = l.protocol.as_str();
        out.push_str(&format!("-A {SERVICES_CHAIN} -d {}/32 -p {p} -m comment --comment \"{} load balancer\" -m {p} --dport {} -j {c}\n", l.lb_ip, l.spn, l.port));
    }
    for (l, c) in sorted.iter().zip(&chains) {
        let n = l.targets.len();
        for (i, (node, ip)) in l.targets.iter().enumerate() {
            let pick = if i + 1 < n { format!(" -m statistic --mode random --probability {}", probability(n - i)) } else { String::new() };
            out.push_str(&format!("-A {c} -m comment --comment \"{} target {node}\"{pick} -j DNAT --to-destination {ip}:{}\n", l.spn, l.node_port));
        }
    }
    out.push_str("COMMIT\n");
    out
}

/// Programs the load balancer's namespace: the listeners' chains (stale ones deleted) and the
/// PREROUTING jump.
pub fn sync(nf: &mut Netfilter, listeners: &[Listener]) -> Result<(), String> {
    nf.full_sync(&restore_input(listeners), |c| c.starts_with(CHAIN_PREFIX) && c != SERVICES_CHAIN)?;
    nf.ensure_first(TableId::Nat, "PREROUTING", JUMP)
}
