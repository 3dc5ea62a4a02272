//! The userspace proxy's second connection: when a traced exchange ended at one of
//! kube-proxy's own sockets (userspace mode), kube-proxy picks a backend and connects to it
//! from the node, and that connection is traced too, after the first.
//!
//! Simplified: the proxy's relaying of the backend's answer back to the client is not traced
//! (a UDP answer is handed to the client as the backend sent it); the second connection
//! starts right after the first ends.

use std::net::Ipv4Addr;

use super::Sim;
use crate::net::forward::{Probe, TraceRequest};
use crate::net::kube_proxy::Proto;
use crate::net::netns::Owner;
use crate::net::trace::{Outcome, Stage, Trace};
use crate::net::wire::packet::Layer;
use crate::time::SimDuration;

/// Where a traced exchange reached a proxy socket: (node namespace, protocol, proxy port,
/// client address as the proxy saw it).
fn proxy_socket(sim: &Sim, t: &Trace) -> Option<(crate::net::NsId, Proto, u16, Ipv4Addr)> {
    if !matches!(t.outcome, Outcome::Delivered(_)) {
        return None;
    }
    t.hops.iter().filter(|h| h.stage == Stage::Deliver).find_map(|h| {
        let proxy = sim.net.userspace(h.ns)?;
        let Some(Layer::Ipv4(ip)) = h.packet.layers.first() else { return None };
        let (proto, port) = match h.packet.layers.get(1) {
            Some(Layer::Tcp(t)) => (Proto::Tcp, t.dst_port),
            Some(Layer::Udp(u)) => (Proto::Udp, u.dst_port),
            _ => return None,
        };
        proxy.sockets.contains_key(&(proto, port)).then_some((h.ns, proto, port, ip.src))
    })
}

impl Sim {
    /// `first` with, when it ended at a userspace proxy socket, the proxy's own connection to
    /// the backend it picked appended. `req` and `payload` are the client's.
    pub(super) fn relay_userspace(&mut self, req: &TraceRequest, payload: Option<Vec<u8>>, mut first: Trace, index: Option<&super::netpol::PolicyIndex>) -> Trace {
        let Some((ns, proto, port, client)) = proxy_socket(self, &first) else { return first };
        let now = first.hops.last().map_or(first.started, |h| h.at) + SimDuration::from_micros(20);
        let node = match self.net.netns(ns).map(|n| &n.owner) {
            Some(Owner::Node(n)) => n.clone(),
            _ => return first,
        };
        let Some(socket) = self.net.userspace_mut(ns).sockets.get_mut(&(proto, port)) else { return first };
        let spn = socket.spn.clone();
        let Some((ip, to_port)) = socket.pick(client, now) else {
            first.outcome = Outcome::Refused(format!("kube-proxy (userspace) on {node} accepted the connection for {spn} but has no endpoint: it closes it"));
            return first;
        };
        let probe = match proto {
            Proto::Udp => Probe::Udp(to_port),
            _ => Probe::Tcp(to_port),
        };
        let leg = TraceRequest { from: ns, dst: ip, probe, size: req.size };
        let second = self.run_leg(&leg, payload, now, index);
        let text = format!("kube-proxy (userspace) on {node} relays {spn} from {client} to {ip}:{to_port} on a connection of its own; ");
        first.hops.extend(second.hops);
        first.outcome = match second.outcome {
            Outcome::Delivered(s) => Outcome::Delivered(text + &s),
            Outcome::Refused(s) => Outcome::Refused(text + &s),
            Outcome::Unreachable(s) => Outcome::Unreachable(text + &s),
            Outcome::Timeout(s) => Outcome::Timeout(text + &s),
        };
        first.reply = second.reply;
        first
    }
}
