//! `curl` and `wget` in the cluster: the host name resolved by the client's resolver (traced
//! queries), the TCP connection and request traced through Services and NAT, and the answer
//! of the server that accepted it, built from the image catalog with the client address that
//! server saw (after any masquerade). When an ingress-nginx controller accepts the request on
//! its port 80, it is routed and proxied (`ingress_nginx`): the controller's own connection to
//! the backend pod is traced after the client's, and its answer comes back to the client.
//!
//! Which server answered which connection: each connection's trace starts with the client's
//! SYN; the hop that delivers a SYN with that sequence number to a listening socket names the
//! server's namespace and the addresses it saw (sequence numbers survive NAT), so a trace that
//! holds several connections is read one connection at a time.
//!
//! `trace SOURCE http://…` traces the handshake only; when an ingress-nginx controller accepts
//! it, the trace goes on with what the controller does for a `GET` of that URL as curl would
//! send it (`Sim::follow_ingress`).
//!
//! Simplified: the trace carries the handshake, the request and the close; the response's own
//! segments are not traced (the response itself is the server's real one), and the time a
//! fetch takes is the time of its last traced packet.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::trace::Endpoint;
use super::Sim;
use crate::api::{Kind, Object};
use crate::kubelet::images::Http;
use crate::kubelet::sockets::HttpServer;
use crate::kubelet::view::Entry;
use crate::net::forward::Probe;
use crate::net::http::{self, DocRoot, Outcome, Reply, Request, Responder, Url};
use crate::net::netns::NsId;
use crate::net::trace::{Hop, Outcome as TraceOutcome, Stage, Trace};
use crate::net::wire::packet::{Layer, Packet};
use crate::net::wire::tcp::TcpFlags;
use crate::store::ObjectRef;
use crate::time::{SimDuration, SimTime};

/// The server side of one traced connection, read from its hops.
#[derive(Debug, Clone)]
pub(super) struct Accepted {
    /// `node-2 pod shop/web-0`, `internet`.
    pub place: Arc<str>,
    pub ns: NsId,
    /// The client's address and port as the server saw them (after any SNAT).
    pub client: (Ipv4Addr, u16),
    /// The server's address and port (after any DNAT).
    pub server: (Ipv4Addr, u16),
    /// When the request's bytes reached the server (the SYN's delivery if none were sent).
    pub at: SimTime,
    /// The request segment as delivered (the SYN if none was sent).
    pub packet: Arc<Packet>,
}

impl Accepted {
    /// The pod that accepted the connection, if a pod did.
    pub fn pod(&self) -> Option<ObjectRef> {
        let (_, pod) = self.place.split_once(" pod ")?;
        let (namespace, name) = pod.split_once('/')?;
        Some(ObjectRef::new(Kind::Pod, Some(namespace), name))
    }
}

/// The server side of the connection whose client SYN is the first one `hops` send.
pub(super) fn accepted(hops: &[Hop]) -> Option<Accepted> {
    let syn = |h: &Hop| match h.packet.layers.get(1) {
        Some(Layer::Tcp(t)) if t.flags.has(TcpFlags::SYN) && !t.flags.has(TcpFlags::ACK) => Some(t.seq),
        _ => None,
    };
    let isn = hops.iter().filter(|h| h.stage == Stage::Send).find_map(syn)?;
    let at = hops.iter().position(|h| h.stage == Stage::Deliver && syn(h) == Some(isn) && h.detail.to_string().starts_with("SYN for the socket"))?;
    let h = &hops[at];
    let (Some(Layer::Ipv4(ip)), Some(Layer::Tcp(tcp))) = (h.packet.layers.first(), h.packet.layers.get(1)) else { return None };
    let data = hops[at..].iter().find(|d| d.ns == h.ns && d.stage == Stage::Deliver && !d.packet.payload.is_empty()).unwrap_or(h);
    Some(Accepted { place: h.place.clone(), ns: h.ns, client: (ip.src, tcp.src_port), server: (ip.dst, tcp.dst_port), at: data.at, packet: data.packet.clone() })
}

impl Sim {
    /// One HTTP fetch of `url` from `from`, as curl or wget makes it; the trace (lookup and
    /// connections) becomes the last trace.
    pub fn http_fetch(&mut self, from: &Endpoint, url: &Url, req: &Request) -> Outcome {
        let start = self.now;
        let mut hops = Vec::new();
        let addr = match url.host.parse::<Ipv4Addr>() {
            Ok(ip) => ip,
            // getaddrinfo reads /etc/hosts before DNS; the kubelet's file maps localhost.
            Err(_) if url.host.eq_ignore_ascii_case("localhost") => Ipv4Addr::LOCALHOST,
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
        let connected_ms = t.hops.last().map_or(0, |h| h.at.since(start).as_micros() / 1000);
        let outcome = match &t.outcome {
            TraceOutcome::Delivered(_) => {
                let reply = self.answer(&mut t, req);
                let after_ms = t.hops.iter().map(|h| h.at).max().map_or(0, |last| last.since(start).as_micros() / 1000);
                Outcome::Connected { addr, after_ms, reply }
            }
            TraceOutcome::Refused(_) => Outcome::Refused { addr, after_ms: connected_ms },
            _ => Outcome::NoAnswer { addr },
        };
        hops.append(&mut t.hops);
        t.hops = hops;
        t.started = start;
        self.set_last_trace(t);
        outcome
    }

    /// After `trace SOURCE http://…` (`destination`) traced a handshake into `t`: when an
    /// ingress-nginx controller accepted it, what the controller does for the `GET` curl would
    /// send there is appended to `t` (its routing note and its own connection), the outcome says
    /// what came back, and `t` becomes the last trace. Other traces are left as they are.
    pub fn follow_ingress(&mut self, destination: &str, t: &mut Trace) {
        let Ok(url) = http::parse_url(destination) else { return };
        if !destination.contains("://") {
            return;
        }
        if !matches!(t.outcome, TraceOutcome::Delivered(_)) {
            return;
        }
        let Some(acc) = accepted(&t.hops) else { return };
        let acc = self.through_userspace(&t.hops, acc);
        if !acc.packet.payload.is_empty() || !self.is_ingress_controller(&acc) {
            return;
        }
        let req = Request::curl(&url, "GET", &[]);
        let mut arrival = super::ingress_nginx::Arrival::new(&acc);
        // The request would follow the handshake's last ACK.
        if let Some(last) = t.hops.iter().rev().find(|h| h.ns == acc.ns) {
            arrival.at = last.at;
            arrival.packet = last.packet.clone();
        }
        let (reply, hops) = self.ingress_proxy(&arrival, &req);
        t.hops.extend(hops);
        let answer = match &reply {
            Reply::Response(r) => format!("ingress-nginx answers a GET {} with {}", req.target, r.status_line()),
            Reply::Closed => "ingress-nginx closes the connection without an answer".to_string(),
            Reply::Silent => "ingress-nginx never answers".to_string(),
        };
        t.outcome = TraceOutcome::Delivered(format!("{}; {answer}", t.outcome.text()));
        self.set_last_trace(t.clone());
    }

    /// When `acc` is kube-proxy's own socket (userspace mode), the connection kube-proxy opened
    /// to a backend instead: the request goes on there.
    fn through_userspace(&self, hops: &[Hop], acc: Accepted) -> Accepted {
        let proxied = self.net.userspace(acc.ns).is_some_and(|u| u.sockets.contains_key(&(crate::net::kube_proxy::Proto::Tcp, acc.server.1)));
        if !proxied {
            return acc;
        }
        let syn = |h: &Hop| matches!(h.packet.layers.get(1), Some(Layer::Tcp(t)) if t.flags.has(TcpFlags::SYN) && !t.flags.has(TcpFlags::ACK));
        match hops.iter().position(|h| h.ns == acc.ns && h.stage == Stage::Send && syn(h)) {
            Some(start) => accepted(&hops[start..]).unwrap_or(acc),
            None => acc,
        }
    }

    /// Whether the connection was accepted on port 80 of a running ingress-nginx controller.
    fn is_ingress_controller(&self, acc: &Accepted) -> bool {
        let Some(key) = acc.pod() else { return false };
        let server = self.controllers.kubelet.http_server(&key, acc.server.1, self.now);
        acc.server.1 == 80 && server.is_some_and(|s| s.answers && s.http == Some(Http::IngressNginx))
    }

    /// What came back on the connection traced in `t`; a request an ingress-nginx controller
    /// proxies adds the controller's connection to `t`.
    fn answer(&mut self, t: &mut Trace, req: &Request) -> Reply {
        let Some(acc) = accepted(&t.hops) else { return Reply::Closed };
        let acc = self.through_userspace(&t.hops, acc);
        if self.is_ingress_controller(&acc) {
            let arrival = super::ingress_nginx::Arrival::new(&acc);
            let (reply, hops) = self.ingress_proxy(&arrival, req);
            t.hops.extend(hops);
            return reply;
        }
        self.server_reply(&acc, req)
    }

    /// What nginx's document root holds in the container that serves: the image's pages, or
    /// a volume mounted over `/usr/share/nginx/html` (or a directory above it) with the
    /// `index.html` the container sees there.
    fn nginx_root(&self, key: &ObjectRef, server: &HttpServer) -> DocRoot {
        const ROOT: &str = "/usr/share/nginx/html";
        let Some(Object::Pod(pod)) = self.get(key) else { return DocRoot::Image };
        let Some(c) = crate::kubelet::env::find_container(pod, &server.container) else { return DocRoot::Image };
        let covers = |m: &str| {
            let m = m.trim_end_matches('/');
            m.is_empty() || ROOT == m || ROOT.strip_prefix(m).is_some_and(|r| r.starts_with('/'))
        };
        if !c.volume_mounts.iter().flatten().any(|m| covers(&m.mount_path)) {
            return DocRoot::Image;
        }
        let hostname = pod.spec.as_ref().and_then(|s| s.hostname.as_deref()).unwrap_or(&key.name);
        let view = crate::kubelet::view::container_view(self, pod, &server.container, hostname);
        let index = match view.files.get(&format!("{ROOT}/index.html")) {
            Some(Entry::File(f)) => Some((String::from_utf8_lossy(&f.data).into_owned(), server.started)),
            _ => None,
        };
        DocRoot::Volume { index }
    }

    /// What the catalog server (or the internet host) that accepted `acc` answers `req`.
    pub(super) fn server_reply(&self, acc: &Accepted, req: &Request) -> Reply {
        if &*acc.place == "internet" {
            return super::internet::internet_reply(req, acc.client, acc.server, self.now);
        }
        let Some(key) = acc.pod() else {
            return self.proxy_health_reply(&acc.place, acc.server.1).unwrap_or(Reply::Closed);
        };
        let Some(server) = self.controllers.kubelet.http_server(&key, acc.server.1, self.now) else { return Reply::Closed };
        if !server.answers {
            return Reply::Silent;
        }
        let Some(kind) = server.http else { return Reply::Closed };
        let mut responder = Responder::tagged(kind, &server.tag);
        if kind == Http::NginxWelcome {
            responder.root = self.nginx_root(&key, &server);
        }
        Reply::Response(http::respond(&responder, req, acc.client, acc.server, self.now, server.uptime_secs))
    }
}
