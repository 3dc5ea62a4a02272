//! `curl` and `wget` in the cluster: the host name resolved by the client's resolver (traced
//! queries), the TCP connection and request traced through Services and NAT, and the answer
//! of the server that accepted it, built from the image catalog with the client address that
//! server saw (after any masquerade).
//!
//! Simplified: the trace carries the handshake, the request and the close; the response's own
//! segments are not traced (the response itself is the server's real one).

use std::net::Ipv4Addr;

use super::trace::Endpoint;
use super::Sim;
use crate::api::Kind;
use crate::net::forward::Probe;
use crate::net::http::{self, Outcome, Reply, Request, Responder, Url};
use crate::net::trace::{Outcome as TraceOutcome, Stage, Trace};
use crate::net::wire::packet::Layer;
use crate::store::ObjectRef;
use crate::time::SimDuration;

impl Sim {
    /// One HTTP fetch of `url` from `from`, as curl or wget makes it; the trace (lookup and
    /// connection) becomes the last trace.
    pub fn http_fetch(&mut self, from: &Endpoint, url: &Url, req: &Request) -> Outcome {
        let start = self.now;
        let mut hops = Vec::new();
        let addr = match url.host.parse::<Ipv4Addr>() {
            Ok(ip) => ip,
            Err(_) => match self.resolve(from, &url.host, false) {
                Ok(r) => {
                    hops = r.trace.hops;
                    match r.addr {
                        Some(a) => a,
                        None => return Outcome::Unresolved,
                    }
                }
                Err(_) => return Outcome::Unresolved,
            },
        };
        let at = hops.last().map_or(start, |h| h.at + SimDuration::from_micros(50));
        let Ok(mut t) = self.trace_at(from, addr, Probe::Tcp(url.port), Some(req.bytes().len()), at) else { return Outcome::Unresolved };
        let after_ms = t.hops.last().map_or(0, |h| h.at.since(start).as_micros() / 1000);
        let outcome = match &t.outcome {
            TraceOutcome::Delivered(_) => Outcome::Connected { addr, after_ms, reply: self.server_reply(&t, req) },
            TraceOutcome::Refused(_) => Outcome::Refused { addr, after_ms },
            _ => Outcome::NoAnswer { addr },
        };
        hops.append(&mut t.hops);
        t.hops = hops;
        t.started = start;
        self.set_last_trace(t);
        outcome
    }

    /// What the server that accepted the traced connection answers `req`.
    fn server_reply(&self, t: &Trace, req: &Request) -> Reply {
        // The SYN's delivery names the server's namespace and the addresses it saw.
        let Some(h) = t.hops.iter().find(|h| h.stage == Stage::Deliver && h.detail.to_string().starts_with("SYN for the socket")) else { return Reply::Closed };
        let (Some(Layer::Ipv4(ip)), Some(Layer::Tcp(tcp))) = (h.packet.layers.first(), h.packet.layers.get(1)) else { return Reply::Closed };
        let Some((_, pod)) = h.place.split_once(" pod ") else { return Reply::Closed };
        let (namespace, name) = pod.split_once('/').unwrap_or(("", pod));
        let key = ObjectRef::new(Kind::Pod, Some(namespace), name);
        let Some(server) = self.controllers.kubelet.http_server(&key, tcp.dst_port, self.now) else { return Reply::Closed };
        if !server.answers {
            return Reply::Silent;
        }
        let Some(kind) = server.http else { return Reply::Closed };
        let responder = Responder::tagged(kind, &server.tag);
        Reply::Response(http::respond(&responder, req, (ip.src, tcp.src_port), (ip.dst, tcp.dst_port), self.now, server.uptime_secs))
    }
}
