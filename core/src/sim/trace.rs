//! Packet traces through the simulated data path: `Sim::trace` resolves the source (a pod's
//! network namespace, a node's, or the internet host outside the cluster), asks the kubelets which
//! sockets listen, and runs the network's forwarding code, which records every hop.

use std::net::Ipv4Addr;

use super::Sim;
use crate::api::Kind;
use crate::net::forward::{Probe, TraceRequest};
use crate::net::netns::Owner;
use crate::net::trace::Trace;
use crate::net::wire::ipv4::protocol;
use crate::store::ObjectRef;

/// Where a trace starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Pod { namespace: String, name: String },
    Node(String),
    /// The internet host (203.0.113.10), standing for a client outside the cluster.
    External,
}

/// Ports a node's root namespace listens on: sshd and the kubelet.
const NODE_TCP_PORTS: &[u16] = &[22, 10250];

/// Whether a socket listens on `port` in the namespace `owner` names: the pod's running
/// servers (TCP; UDP 53 for CoreDNS), a node's sshd and kubelet, the internet host's HTTP
/// server.
pub(super) fn listens(kubelet: &crate::kubelet::State, owner: &Owner, proto: u8, port: u16) -> bool {
    match owner {
        Owner::Pod { pod, .. } => {
            let (namespace, name) = pod.split_once('/').unwrap_or(("", pod));
            let key = ObjectRef::new(Kind::Pod, Some(namespace), name);
            match proto {
                protocol::TCP => kubelet.tcp_listening(&key, port),
                protocol::UDP => kubelet.udp_listening(&key, port),
                _ => false,
            }
        }
        Owner::Node(_) => proto == protocol::TCP && NODE_TCP_PORTS.contains(&port),
        Owner::External => proto == protocol::TCP && port == super::internet::HTTP_PORT,
        Owner::Router | Owner::CloudLb => false,
    }
}

impl Sim {
    /// Sends `probe` from `from` to `dst` and records its path and its replies. The trace is
    /// kept for `pcap` export. Changes the network's caches (ARP, FDB) as the packets do.
    pub fn trace(&mut self, from: &Endpoint, dst: Ipv4Addr, probe: Probe, size: Option<usize>) -> Result<Trace, String> {
        self.trace_at(from, dst, probe, size, self.now)
    }

    /// [`Sim::trace`] with the first packet sent at `start` (after a name lookup, say).
    pub fn trace_at(&mut self, from: &Endpoint, dst: Ipv4Addr, probe: Probe, size: Option<usize>, start: crate::time::SimTime) -> Result<Trace, String> {
        let ns = self.endpoint_netns(from)?;
        let req = TraceRequest { from: ns, dst, probe, size };
        let index = self.policy_index();
        let trace = self.run_trace(&req, None, start, index.as_ref());
        self.last_trace = Some(trace.clone());
        Ok(trace)
    }

    /// Runs one traced exchange with what the cluster's endpoints do: which sockets listen
    /// (the kubelets), what CoreDNS answers, what the nodes' policy agents allow (`index`).
    /// A connection that reaches kube-proxy's own socket (userspace mode) continues from the
    /// node to the backend the proxy picks.
    pub(super) fn run_trace(&mut self, req: &TraceRequest, payload: Option<Vec<u8>>, start: crate::time::SimTime, index: Option<&super::netpol::PolicyIndex>) -> Trace {
        let first = self.run_leg(req, payload.clone(), start, index);
        self.relay_userspace(req, payload, first, index)
    }

    /// One traced exchange on the data path.
    pub(super) fn run_leg(&mut self, req: &TraceRequest, payload: Option<Vec<u8>>, start: crate::time::SimTime, index: Option<&super::netpol::PolicyIndex>) -> Trace {
        let (kubelet, store) = (&self.controllers.kubelet, &self.store);
        let listening = |owner: &Owner, proto: u8, port: u16| listens(kubelet, owner, proto, port) || super::proxy_health::listens(store, owner, proto, port);
        let answer = |owner: &Owner, port: u16, _client: Ipv4Addr, data: &[u8]| super::dns::coredns_answer(store, kubelet, owner, port, data);
        let policy = |node: &str, s: Ipv4Addr, d: Ipv4Addr, p: u8, port: u16| index.and_then(|i| i.check(node, s, d, p, port));
        let apps = crate::net::forward::Apps { listening: &listening, answer: &answer, policy: Some(&policy) };
        self.net.trace_with(req, payload, start, &mut self.rng, apps)
    }

    /// Keeps `t` as the last trace (for `pcap` and the trace panel).
    pub fn set_last_trace(&mut self, t: Trace) {
        self.last_trace = Some(t);
    }

    /// The last trace run.
    pub fn last_trace(&self) -> Option<&Trace> {
        self.last_trace.as_ref()
    }

    /// The network namespace a trace from `from` starts in.
    pub fn endpoint_netns(&self, from: &Endpoint) -> Result<crate::net::NsId, String> {
        match from {
            Endpoint::External => self.net.internet().ok_or_else(|| "the cluster has no nodes, so no underlay".to_string()),
            Endpoint::Node(n) => self.net.node(n).map(|n| n.root).ok_or_else(|| format!("Error from server (NotFound): nodes \"{n}\" not found")),
            Endpoint::Pod { namespace, name } => {
                let key = ObjectRef::new(Kind::Pod, Some(namespace), name);
                if self.store.get(&key).is_none() {
                    return Err(format!("Error from server (NotFound): pods \"{name}\" not found"));
                }
                let Some(sb) = self.controllers.kubelet.sandbox(&key) else {
                    return Err(format!("pod {name} has no network namespace yet: its sandbox is not created (is it scheduled and started?)"));
                };
                let node = self.net.node(sb.node).ok_or_else(|| format!("node {} has no network", sb.node))?;
                if sb.host_network {
                    return Ok(node.root);
                }
                self.net.sandbox(sb.node, sb.id).ok_or_else(|| format!("pod {name}'s sandbox has no network namespace"))
            }
        }
    }

    /// flanneld restarts on every node with `backend` (see `Network::set_backend`).
    pub fn set_network_backend(&mut self, backend: crate::net::Backend) {
        self.config.network = backend;
        self.net.set_backend(backend, &mut self.rng);
    }

    /// The simulated network (read-only).
    pub fn net(&self) -> &crate::net::Network {
        &self.net
    }
}
