//! IPVS on the data path (kube-proxy's IPVS mode): the LOCAL_IN hook that takes packets for a
//! virtual server, schedules a real server, rewrites the destination and sends the packet on.
//!
//! The service addresses are local (they sit on `kube-ipvs0`), so a packet for a ClusterIP is
//! routed to INPUT. IPVS's hook (`ip_vs_remote_request4`, priority NF_IP_PRI_NAT_SRC - 2)
//! runs after the filter table's INPUT chain and before the nat table's, so the nat INPUT
//! chain never sees the packet, and the source NAT of the connection is still open for
//! KUBE-POSTROUTING's MASQUERADE. The scheduler (`rr`, with persistence for ClientIP
//! affinity) picks a real server; in masquerade mode (`ip_vs_nat_xmit`) the destination is
//! rewritten and, with `net.ipv4.vs.conntrack=1` as kube-proxy sets it, conntrack's reply
//! tuple is updated; the packet then goes out through the OUTPUT and POSTROUTING hooks.
//! Replies are rewritten back by IPVS (the virtual server becomes the source again).
//!
//! A connection the node itself opens to a service address takes the service address as its
//! source (the route to a local address says `src` that address); IPVS's LOCAL_OUT hook
//! (`ip_vs_local_request4`) takes it after the nat table's OUTPUT chain, before it would loop
//! back through `lo`, and KUBE-POSTROUTING masquerades it to the outgoing device's address.
//!
//! Simplified: IPVS's own connection table is the conntrack entry (one per connection, found
//! the same way); the reply's source is put back at POSTROUTING (or INPUT) where the kernel's
//! `ip_vs_out` does it at FORWARD; the TTL is not decremented.

use std::sync::Arc;

use super::{Engine, Pkt};
use crate::net::ipvs::table::proto_label;
use crate::net::kube_proxy::Proto;
use crate::net::netns::NsId;
use crate::net::trace::{Detail, IpvsDetail, Stage};
use crate::net::wire::icmp::{unreachable, IcmpMessage};
use crate::net::wire::packet::Layer;

/// How many IPVS connections a node remembers before dropping the ones conntrack forgot.
const PRUNE_AT: usize = 4096;

/// The virtual-server key of a packet: protocol, destination address and port.
fn vs_key(pkt: &Pkt) -> Option<crate::net::ipvs::VsKey> {
    let Some(Layer::Ipv4(h)) = pkt.layers.first() else { return None };
    match pkt.layers.get(1) {
        Some(Layer::Tcp(t)) => Some((Proto::Tcp, h.dst, t.dst_port)),
        Some(Layer::Udp(u)) => Some((Proto::Udp, h.dst, u.dst_port)),
        _ => None,
    }
}

impl Engine<'_> {
    /// Whether IPVS in `ns` has a virtual server for this packet (it will take it at LOCAL_IN).
    pub(super) fn ipvs_claims(&self, ns: NsId, pkt: &Pkt) -> bool {
        let Some(node) = self.net.ipvs.get(&ns) else { return false };
        vs_key(pkt).is_some_and(|k| node.table.get(k).is_some())
    }

    /// IPVS at LOCAL_IN (`dev` the device it came in on) or LOCAL_OUT (`dev` None). Gives the
    /// packet back when it is not for a virtual server (it goes on as usual).
    pub(super) fn ipvs_in(&mut self, ns: NsId, dev: Option<u32>, mut pkt: Pkt) -> Option<Pkt> {
        let Some(key) = vs_key(&pkt) else { return Some(pkt) };
        let Some(node) = self.net.ipvs.get_mut(&ns) else { return Some(pkt) };
        let Some(vs) = node.table.get(key) else { return Some(pkt) };
        let (scheduler, persistent) = (vs.scheduler.clone(), vs.persistent);
        let Some(Layer::Ipv4(h)) = pkt.layers.first() else { return Some(pkt) };
        let client = h.src;
        // A packet of a connection IPVS already scheduled: the real server is in the
        // conntrack entry's reply tuple.
        let ct = pkt.skb.ct.filter(|(_, reply)| !reply).map(|(id, _)| id);
        let known = ct
            .filter(|id| node.conns.contains(id))
            .and_then(|id| self.net.filters.get(&ns)?.conntrack.get(id))
            .filter(|e| e.dnat())
            .map(|e| (e.reply.src, e.reply.sport));
        let (real, scheduled) = match known {
            Some(r) => (Some(r), false),
            None => (node.table.pick_for(key, client, self.now), true),
        };
        let detail = IpvsDetail { proto: proto_label(key.0), vip: (key.1, key.2), scheduler, persistent, real, scheduled };
        let Some(real) = real else {
            self.hop(ns, dev, Stage::Drop, Detail::Ipvs(Box::new(detail)), &pkt);
            self.icmp_error(ns, &pkt, IcmpMessage::DestUnreachable { code: unreachable::PORT, next_hop_mtu: 0 });
            return None;
        };
        if scheduled {
            if let Some(id) = ct {
                if let Some(nf) = self.net.filters.get(&ns) {
                    // Connections conntrack has forgotten are IPVS's no more.
                    if node.conns.len() >= PRUNE_AT {
                        node.conns.retain(|c| nf.conntrack.get(*c).is_some());
                    }
                }
                node.conns.insert(id);
                if let Some(nf) = self.net.filters.get_mut(&ns) {
                    if let Some(e) = nf.conntrack.get(id) {
                        let mut reply = e.reply;
                        (reply.src, reply.sport) = real;
                        nf.conntrack.set_reply(id, reply, 0);
                    }
                }
            }
        }
        let p = Arc::make_mut(&mut pkt);
        let payload = p.payload.clone();
        if let Some(Layer::Ipv4(ip)) = p.layers.get_mut(0) {
            ip.dst = real.0;
            ip.fill_checksum();
        }
        let (src, dst) = match p.layers.first() {
            Some(Layer::Ipv4(ip)) => (ip.src, ip.dst),
            _ => return None,
        };
        match p.layers.get_mut(1) {
            Some(Layer::Tcp(t)) => {
                t.dst_port = real.1;
                t.fill_checksum(src, dst, &payload);
            }
            Some(Layer::Udp(u)) => {
                u.dst_port = real.1;
                u.fill_checksum(src, dst, &payload);
            }
            _ => {}
        }
        Arc::make_mut(&mut pkt).skb.ipvs = true;
        self.hop(ns, dev, Stage::Ipvs, Detail::Ipvs(Box::new(detail)), &pkt);
        self.ip_output(ns, pkt, false);
        None
    }
}
