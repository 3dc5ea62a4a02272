//! The internet host's HTTP server: an echo server on TCP 80 at 203.0.113.10 (see
//! `net/outside.rs`), answering every path with the catalog's echo text, which names the
//! client address it saw. That address tells where masquerading happened on the way: a
//! node's address after flanneld's or ip-masq-agent's MASQUERADE, the pod's own when nothing
//! rewrote the source.
//!
//! The host also answers ping (its kernel does, as every namespace's does).

use std::net::Ipv4Addr;

use crate::kubelet::images::Http;
use crate::net::http::{self, Reply, Request, Responder};
use crate::time::SimTime;

/// The port the internet host's HTTP server listens on.
pub const HTTP_PORT: u16 = 80;

/// What the internet host's echo server answers `req` on a connection from `client` (the
/// address and port it saw) to `server` (its own address and port).
pub fn internet_reply(req: &Request, client: (Ipv4Addr, u16), server: (Ipv4Addr, u16), now: SimTime) -> Reply {
    Reply::Response(http::respond(&Responder::new(Http::EchoClient), req, client, server, now, 0))
}

