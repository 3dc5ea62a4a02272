//! `curl` and `wget`: each fetch is resolved, connected and answered through the simulated
//! cluster (`sim::http`). busybox images have busybox's `wget` and no `curl`; other images and
//! the nodes have curl 7.88 (Debian's).

use super::net::{At, Reply};
use crate::sim::Sim;

pub fn curl(sim: &mut Sim, at: &At, args: &[String]) -> Reply {
    let from = at.endpoint.clone();
    let (stdout, stderr, code) = crate::net::http::curl::run(args, |url, req| sim.http_fetch(&from, url, req));
    Reply { stdout, stderr, code }
}

pub fn wget(sim: &mut Sim, at: &At, args: &[String]) -> Reply {
    let from = at.endpoint.clone();
    let (stdout, stderr, code) = crate::net::http::wget::run(args, |url, req| sim.http_fetch(&from, url, req));
    Reply { stdout, stderr, code }
}
