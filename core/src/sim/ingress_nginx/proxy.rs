//! One request through an ingress-nginx controller pod: the route `net::ingress` picks from the
//! store's Ingresses, nginx's own pages, and the proxied connection to a backend pod.
//!
//! The backend's answer is relayed as nginx relays it: nginx's own `Date` first, then the
//! backend's `Content-Type` and `Content-Length`, `Connection` for the client's connection
//! (`keep-alive`, or `close` when the client asked for it), then the backend's other headers
//! in its order; the backend's `Date`, `Server` (cleared by the controller's
//! `more_clear_headers Server`), `Connection`, `Keep-Alive` and `Transfer-Encoding` are not
//! passed. A backend that refuses the connection or closes it without answering gives nginx's
//! `502 Bad Gateway`; one whose SYNs go unanswered or that never answers gives `504 Gateway
//! Time-out`.

use std::net::Ipv4Addr;
use std::sync::Arc;

use k8s_openapi::api::networking::v1::{Ingress, IngressClass};

use super::upstream;
use crate::api::{Kind, Object};
use crate::net::forward::Probe;
use crate::net::http::response::imf_fixdate;
use crate::net::http::{Reply, Request, Response};
use crate::net::ingress::{self, normalize_host, proxy_headers, request_id, select, Backend, Proxied, Route, CLASS_NAME, CONTROLLER};
use crate::net::netns::NsId;
use crate::net::trace::{Hop, Outcome as TraceOutcome, Stage};
use crate::net::wire::packet::Packet;
use crate::sim::http::{accepted, Accepted};
use crate::sim::trace::Endpoint;
use crate::sim::Sim;
use crate::store::ObjectRef;
use crate::time::{SimDuration, SimTime};

/// A request that reached a controller pod's nginx.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub controller: ObjectRef,
    pub place: Arc<str>,
    pub ns: NsId,
    /// The client's address as nginx saw it (`$remote_addr`).
    pub remote: Ipv4Addr,
    /// The port nginx accepted the connection on (`$server_port`).
    pub server_port: u16,
    /// When the request reached nginx, and the segment that carried it.
    pub at: SimTime,
    pub packet: Arc<Packet>,
}

impl Arrival {
    /// The arrival on the connection `acc`, accepted by a pod.
    pub(in crate::sim) fn new(acc: &Accepted) -> Arrival {
        let controller = acc.pod().unwrap_or_else(|| ObjectRef::new(Kind::Pod, None, ""));
        Arrival { controller, place: acc.place.clone(), ns: acc.ns, remote: acc.client.0, server_port: acc.server.1, at: acc.at, packet: acc.packet.clone() }
    }

    /// A hop at the controller that says what nginx decided.
    fn note(&self, text: String) -> Hop {
        Hop { at: self.at, ns: self.ns, place: self.place.clone(), device: None, stage: Stage::Deliver, detail: text.into(), packet: self.packet.clone() }
    }
}

/// Headers of a backend's response nginx does not pass on (its own `Date`, the cleared
/// `Server`, hop-by-hop headers), or writes at its own place (`Content-Type`, `Content-Length`).
const NOT_PASSED: [&str; 10] =
    ["Date", "Server", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Type", "Content-Length", "X-Pad", "X-Accel-Expires", "X-Accel-Redirect"];

impl Sim {
    /// What the controller does with `req` (see the module docs): the reply the client gets,
    /// and the hops to add to the client's trace (the routing note, the proxied connection).
    pub(in crate::sim) fn ingress_proxy(&mut self, arrival: &Arrival, req: &Request) -> (Reply, Vec<Hop>) {
        let ua = req.header("User-Agent");
        let date = imf_fixdate(self.now);
        let connection = if req.header("Connection").is_some_and(|c| c.eq_ignore_ascii_case("close")) { "close" } else { "keep-alive" };
        let page = |r: ingress::Response| Reply::Response(with_connection(r.into_http(&date, &req.method), connection));
        let route = self.ingress_route(&arrival.controller, req);
        let backend = match &route {
            Route::Backend { backend, .. } => backend.clone(),
            other => {
                let note = arrival.note(format!("ingress-nginx: {}", other.explain()));
                let resp = match other {
                    Route::Redirect { target, .. } => {
                        let host = normalize_host(req.header("Host").unwrap_or_default()).unwrap_or_default();
                        ingress::Response::moved_permanently(&host, target)
                    }
                    Route::Status { status: 200, .. } => ingress::Response::empty_ok(),
                    Route::Status { .. } => ingress::Response::forbidden(ua),
                    Route::BadRequest { .. } => ingress::Response::bad_request(ua),
                    _ => ingress::Response::not_found(ua),
                };
                return (page(resp), vec![note]);
            }
        };
        let up = upstream(&self.store, &backend);
        let pod = format!("{}/{}", arrival.controller.namespace.as_deref().unwrap_or_default(), arrival.controller.name);
        let Some((ip, port)) = self.ingress_balancers.pick(&pod, &up, &mut self.rng) else {
            let why = up.empty_because.unwrap_or_default();
            let text = format!("ingress-nginx: {}; upstream {}: {why}: nginx answers 503 Service Temporarily Unavailable", route.explain(), up.name);
            return (page(ingress::Response::service_unavailable(ua)), vec![arrival.note(text)]);
        };
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.rng.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.rng.next_u64().to_be_bytes());
        let id = request_id(bytes);
        let conn = Proxied { remote_addr: arrival.remote, server_port: arrival.server_port, scheme: "http", request_id: &id };
        let proxied = Request { method: req.method.clone(), target: req.target.clone(), headers: proxy_headers(&req.headers, &conn) };
        let text = format!(
            "ingress-nginx proxies to {ip}:{port} ({}): server {}, upstream {} (round robin over {} endpoint(s)); a new connection from this pod to the EndpointSlice address, not to the Service's ClusterIP, so kube-proxy's Service rules play no part; the request gains X-Real-IP and X-Forwarded-For {}, X-Request-ID {}",
            entry(&backend),
            server_name(&route),
            up.name,
            up.endpoints.len(),
            arrival.remote,
            proxied.header("X-Request-ID").unwrap_or_default()
        );
        let mut hops = vec![arrival.note(text)];
        let from = Endpoint::Pod { namespace: arrival.controller.namespace.clone().unwrap_or_default(), name: arrival.controller.name.clone() };
        let start = arrival.at + SimDuration::from_micros(50);
        let Ok(mut t) = self.trace_at(&from, ip, Probe::Tcp(port), Some(proxied.bytes().len()), start) else {
            return (page(ingress::Response::bad_gateway(ua)), hops);
        };
        let reply = match &t.outcome {
            TraceOutcome::Delivered(_) => match accepted(&t.hops).map(|acc| self.server_reply(&acc, &proxied)) {
                Some(Reply::Response(r)) => Reply::Response(relay(r, &date, connection, &req.method)),
                Some(Reply::Silent) => page(ingress::Response::gateway_timeout(ua)),
                _ => page(ingress::Response::bad_gateway(ua)),
            },
            TraceOutcome::Timeout(_) => page(ingress::Response::gateway_timeout(ua)),
            _ => page(ingress::Response::bad_gateway(ua)),
        };
        hops.append(&mut t.hops);
        (reply, hops)
    }

    /// The route the controller pod `controller` picks for `req`, with the classes its
    /// arguments name.
    fn ingress_route(&self, controller: &ObjectRef, req: &Request) -> Route {
        let (controller_class, class_name) = self.controller_flags(controller);
        let ingresses: Vec<&Ingress> = self.store.list(Kind::Ingress, None).filter_map(|o| if let Object::Ingress(i) = &**o { Some(&**i) } else { None }).collect();
        let classes: Vec<&IngressClass> =
            self.store.list(Kind::IngressClass, None).filter_map(|o| if let Object::IngressClass(c) = &**o { Some(&**c) } else { None }).collect();
        select(&ingresses, &classes, &controller_class, &class_name, req.header("Host").unwrap_or_default(), &req.target)
    }

    /// The controller container's `--controller-class` and `--ingress-class` (ingress-nginx's
    /// defaults when absent).
    fn controller_flags(&self, pod: &ObjectRef) -> (String, String) {
        let (mut controller, mut class) = (CONTROLLER.to_string(), CLASS_NAME.to_string());
        let Some(Object::Pod(p)) = self.store.get(pod).map(|o| &**o) else { return (controller, class) };
        let containers = p.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or_default();
        let image = |c: &&k8s_openapi::api::core::v1::Container| {
            c.image.as_deref().is_some_and(|i| crate::kubelet::images::ImageRef::parse(i).path == "ingress-nginx/controller")
        };
        let Some(c) = containers.iter().find(image) else { return (controller, class) };
        let words: Vec<&String> = c.command.iter().flatten().chain(c.args.iter().flatten()).collect();
        for (i, w) in words.iter().enumerate() {
            for (flag, slot) in [("--controller-class", &mut controller), ("--ingress-class", &mut class)] {
                if let Some(v) = w.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                    *slot = v.to_string();
                } else if w.as_str() == flag {
                    if let Some(v) = words.get(i + 1) {
                        *slot = v.to_string();
                    }
                }
            }
        }
        (controller, class)
    }
}

/// `Ingress shop/web, rule 0, path /api Prefix` or `Ingress shop/web, defaultBackend`.
fn entry(b: &Backend) -> String {
    match (b.rule, &b.path) {
        (Some(r), Some(p)) => format!("Ingress {}, rule {r}, path {p} {}", b.ingress, b.path_type.map_or("", |t| t.as_str())),
        _ => format!("Ingress {}, defaultBackend", b.ingress),
    }
}

fn server_name(route: &Route) -> String {
    match route {
        Route::Backend { server, location, .. } => format!("{server}, location {location}"),
        _ => String::new(),
    }
}

fn with_connection(mut r: Response, connection: &str) -> Response {
    if let Some(h) = r.headers.iter_mut().find(|(n, _)| n == "Connection") {
        if h.1 == "keep-alive" {
            h.1 = connection.to_string();
        }
    }
    r
}

/// The backend's response as nginx sends it on to the client (see the module docs).
fn relay(up: Response, date: &str, connection: &str, method: &str) -> Response {
    let mut headers = vec![("Date".to_string(), date.to_string())];
    for name in ["Content-Type", "Content-Length"] {
        if let Some(v) = up.header(name) {
            headers.push((name.to_string(), v.to_string()));
        }
    }
    headers.push(("Connection".to_string(), connection.to_string()));
    headers.extend(up.headers.iter().filter(|(n, _)| !NOT_PASSED.iter().any(|x| x.eq_ignore_ascii_case(n))).cloned());
    let body = if method == "HEAD" { String::new() } else { up.body };
    Response { status: up.status, reason: up.reason, headers, body }
}
