//! Name resolution as it happens in the cluster: a pod's `/etc/resolv.conf` as its kubelet
//! writes it, its resolver trying the search list one query at a time, and every query a real
//! UDP packet to the nameserver (kube-dns's ClusterIP, DNATed by kube-proxy to a CoreDNS pod),
//! answered by CoreDNS from the store and traced hop by hop like any other packet.
//!
//! Simplified: the resolver sends only the A query (glibc also sends AAAA alongside); names
//! outside the cluster domain would be forwarded upstream, which is not simulated, so CoreDNS
//! answers them SERVFAIL; a node's own resolv.conf names the underlay gateway, which runs no
//! DNS server (nodes do not use the cluster DNS, as on real clusters).

use std::net::Ipv4Addr;

use super::netpol::PolicyIndex;
use super::trace::Endpoint;
use super::Sim;
use crate::api::{Kind, Object};
use crate::net::dns::message::{rcode, rtype, Header};
use crate::net::dns::records::{self, CoreDns, Outcome as DnsOutcome};
use crate::net::dns::{Message, Question, RData, ResolvConf};
use crate::net::forward::{Probe, TraceRequest};
use crate::net::netns::Owner;
use crate::net::trace::Trace;
use crate::store::ObjectRef;
use crate::time::SimTime;

/// Time between a resolver receiving an answer and sending its next packet (illustrative).
const RESOLVER_US: u64 = 50;

/// What a lookup did: every query sent and its response, and the combined trace.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub server: Ipv4Addr,
    /// (name asked, response; None when nothing came back).
    pub queries: Vec<(String, Option<Message>)>,
    /// The first address found.
    pub addr: Option<Ipv4Addr>,
    pub trace: Trace,
}

impl Sim {
    /// A number from the simulation's seeded RNG (DNS ids, cookies).
    pub fn random_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// The node's own `/etc/resolv.conf` (kubelet's `--resolv-conf`): the underlay gateway.
    pub fn node_resolv_conf(&self, node: &str) -> ResolvConf {
        let gw = self.net.node(node).map(|n| n.placement.gateway);
        ResolvConf { nameservers: gw.into_iter().collect(), ..ResolvConf::default() }
    }

    /// The resolv.conf the resolver at `from` reads.
    pub fn resolv_conf(&self, from: &Endpoint) -> Result<ResolvConf, String> {
        match from {
            Endpoint::Node(n) => Ok(self.node_resolv_conf(n)),
            Endpoint::External => Ok(ResolvConf::default()),
            Endpoint::Pod { namespace, name } => {
                let key = ObjectRef::new(Kind::Pod, Some(namespace), name);
                let Some(Object::Pod(pod)) = self.store.get(&key).map(|o| &**o) else {
                    return Err(format!("Error from server (NotFound): pods \"{name}\" not found"));
                };
                let node = pod.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default();
                let dns = if self.config.dns { vec![self.config.cluster_dns_ip()] } else { Vec::new() };
                let (conf, _warnings) = crate::net::dns::resolv_conf::for_pod(pod, super::coredns::CLUSTER_DOMAIN, &dns, &self.node_resolv_conf(&node));
                Ok(conf)
            }
        }
    }

    /// Sends one DNS query from `from` to `server`:53 at `start`, traced.
    pub fn dns_query(&mut self, from: &Endpoint, server: Ipv4Addr, query: &Message, start: SimTime) -> Result<(Trace, Option<Message>), String> {
        let index = self.policy_index();
        self.dns_query_with(from, server, query, start, index.as_ref())
    }

    fn dns_query_with(&mut self, from: &Endpoint, server: Ipv4Addr, query: &Message, start: SimTime, index: Option<&PolicyIndex>) -> Result<(Trace, Option<Message>), String> {
        let ns = self.endpoint_netns(from)?;
        let payload = query.emit()?;
        let req = TraceRequest { from: ns, dst: server, probe: Probe::Udp(53), size: None };
        let trace = self.run_trace(&req, Some(payload), start, index);
        let reply = trace.reply.as_deref().and_then(|b| Message::parse(b).ok());
        Ok((trace, reply))
    }

    /// Resolves `name` at `from` as glibc does (search list, ndots), one traced query per
    /// candidate, until an address comes back. `nslookup` stops at the first answer that is
    /// not NXDOMAIN instead (`stop_on_nodata`).
    pub fn resolve(&mut self, from: &Endpoint, name: &str, stop_on_nodata: bool) -> Result<Resolution, String> {
        let conf = self.resolv_conf(from)?;
        let Some(&server) = conf.nameservers.first() else {
            return Err(format!("no nameserver in /etc/resolv.conf to ask for {name}"));
        };
        let mut queries = Vec::new();
        let mut hops = Vec::new();
        let mut at = self.now;
        let mut addr = None;
        let mut last_outcome = None;
        let index = self.policy_index();
        for candidate in crate::net::dns::search::candidates(name, &conf) {
            let id = self.rng.next_u64() as u16;
            let query = Message::query(id, Question::new(&candidate, rtype::A));
            let (trace, reply) = self.dns_query_with(from, server, &query, at, index.as_ref())?;
            at = trace.hops.last().map_or(at, |h| h.at) + crate::time::SimDuration::from_micros(RESOLVER_US);
            hops.extend(trace.hops);
            last_outcome = Some(trace.outcome);
            let stop = match &reply {
                None => true, // no answer at all: the resolver gives up (after its timeouts)
                Some(m) => {
                    addr = m.answers.iter().find_map(|r| match r.data {
                        RData::A(ip) => Some(ip),
                        _ => None,
                    });
                    addr.is_some() || (stop_on_nodata && m.header.rcode != rcode::NXDOMAIN)
                }
            };
            queries.push((candidate, reply));
            if stop {
                break;
            }
        }
        let outcome = last_outcome.unwrap_or(crate::net::trace::Outcome::Timeout("no query sent".into()));
        let trace = Trace { hops, outcome, started: self.now, reply: None };
        self.last_trace = Some(trace.clone());
        Ok(Resolution { server, queries, addr, trace })
    }
}

/// What a CoreDNS pod answers a datagram on port 53 (None for anything else: other pods,
/// other ports, a payload that is not a DNS query).
pub(super) fn coredns_answer(store: &crate::store::Store, kubelet: &crate::kubelet::State, owner: &Owner, port: u16, data: &[u8]) -> Option<Vec<u8>> {
    let Owner::Pod { pod, .. } = owner else { return None };
    let (namespace, name) = pod.split_once('/')?;
    if port != 53 || !kubelet.udp_listening(&ObjectRef::new(Kind::Pod, Some(namespace), name), port) {
        return None;
    }
    let query = Message::parse(data).ok()?;
    let coredns = CoreDns { ttl: super::coredns::TTL, ..CoreDns::new(super::coredns::CLUSTER_DOMAIN) };
    let reply = match records::respond(store, &coredns, &query) {
        DnsOutcome::Answer(m) | DnsOutcome::Chase { message: m, .. } => m,
        DnsOutcome::Forward => servfail(&query),
    };
    records::wire(&reply, &query).ok()
}

/// CoreDNS's answer when its upstream cannot be reached.
fn servfail(query: &Message) -> Message {
    let h = query.header;
    Message { header: Header { id: h.id, qr: true, rd: h.rd, ra: true, rcode: rcode::SERVFAIL, ..Header::default() }, questions: query.questions.clone(), ..Message::default() }
}
