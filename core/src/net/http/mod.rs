//! HTTP between the simulated machines: the request curl and busybox wget send, the answer each
//! catalog server gives, and what the two tools print.
//!
//! ```text
//! request.rs    URLs as curl reads them, the request bytes curl and busybox wget send
//! response.rs   a response, its bytes, reason phrases, dates in IMF-fixdate
//! servers.rs    what each catalog server answers (nginx, Go net/http servers)
//! curl_args.rs  curl's command line: options, values, its usage errors
//! curl.rs       curl's stdout, stderr and exit status for one exchange (-s, -S, -I, -i, -v, -f, -w, -o)
//! wget.rs       busybox wget's command line and output
//! ```
//!
//! One fetch: `curl_args::parse_args` (or `wget::parse_args`) reads the command line; the caller
//! resolves `Url::host`, opens the connection on the simulated network and, when a server
//! accepts, asks `servers::respond` for its answer to `curl_args::CurlArgs::request`; the
//! result, an `Outcome`, goes to `curl::output` (or `wget::output`), which prints what the tool
//! prints. `curl::run` and `wget::run` do the whole sequence with a closure for the network.
//!
//! The curl modelled is Debian bookworm's curl 7.88.1 (the `curl` of the Debian-based images,
//! `User-Agent: curl/7.88.1`); the wget is BusyBox v1.36.1's applet.
//!
//! Simplifications: plain HTTP/1.1 only: no TLS (an `https://` URL is refused with a message
//! saying so), no HTTP/2, no chunked transfer encoding (every answer has a Content-Length), no
//! keep-alive reuse (one request per connection, one URL per command), no redirects (the
//! catalog's servers send none); IPv4 only; curl's standard output is taken to be a terminal
//! (no `{ [N bytes data]` lines in `-v`), and curl's progress meter, which `-o FILE` without
//! `-s` draws on stderr, is not drawn; the tools take the simulated elapsed time they are
//! given; a server that accepts and never answers keeps curl waiting forever unless `-m` is
//! given (and wget with `-T 0`): the console then interrupts it (exit status 130, nothing more
//! printed).

pub mod curl;
pub mod curl_args;
pub mod request;
pub mod response;
pub mod servers;
pub mod wget;

pub use curl_args::{parse_args, CurlArgs};
pub use request::{parse_url, Request, Url};
pub use response::Response;
pub use servers::{respond, DocRoot, Responder};

use std::net::Ipv4Addr;

/// The curl version every text of this module names.
pub const CURL_VERSION: &str = "7.88.1";

/// What happened on the network for one fetch, as the caller's data path saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The host name did not resolve (no such Service or name).
    Unresolved,
    /// The connection was refused (a RST: nothing listens, or a REJECT rule), after `after_ms`.
    Refused { addr: Ipv4Addr, after_ms: u64 },
    /// The SYNs went unanswered (dropped on the way): only a timeout ends the attempt.
    NoAnswer { addr: Ipv4Addr },
    /// The connection was accepted; `reply` is what came back, `after_ms` after the start.
    Connected { addr: Ipv4Addr, after_ms: u64, reply: Reply },
}

/// What a server that accepted the connection sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A complete HTTP response.
    Response(Response),
    /// The connection was closed without a byte of response (a server that does not speak HTTP).
    Closed,
    /// Nothing: the server keeps the connection open and never answers.
    Silent,
}

/// The time Linux takes to give up on a connection whose SYNs go unanswered
/// (`net.ipv4.tcp_syn_retries` = 6: retransmissions after 1, 2, 4, 8, 16 and 32 s, then 64 s).
pub const SYN_GIVE_UP_MS: u64 = 127_000;

#[cfg(test)]
mod curl_args_tests;
#[cfg(test)]
mod curl_tests;
#[cfg(test)]
mod request_tests;
#[cfg(test)]
mod response_tests;
#[cfg(test)]
mod wget_tests;
