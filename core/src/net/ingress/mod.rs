//! Ingress routing as the ingress-nginx controller does it: which Ingresses it watches, the nginx
//! servers and locations it builds from them, the location a request lands in, and the
//! responses nginx itself returns. `sim::ingress_nginx` runs it for the requests that reach an
//! ingress-nginx controller pod.
//!
//! Which Ingresses the controller (`--controller-class=k8s.io/ingress-nginx`,
//! `--ingress-class=nginx`) watches, in the order its store checks them:
//!
//! - `spec.ingressClassName` set: watched only if an IngressClass of that name exists whose
//!   `spec.controller` is the controller's (the controller keeps no other class). A missing or
//!   foreign class means the Ingress is ignored, whatever its annotation says.
//! - otherwise the legacy `kubernetes.io/ingress.class` annotation: watched only if it equals the
//!   controller's class name (`nginx`).
//! - otherwise the Ingress has no class. ingress-nginx itself ignores it (without
//!   `--watch-ingress-without-class`), but in a real cluster the API server's DefaultIngressClass
//!   admission plugin has written the default class into `spec.ingressClassName` when the Ingress
//!   was created: the class annotated `ingressclass.kubernetes.io/is-default-class: "true"`, the
//!   newest one if several are (ties by name). This module applies that choice to Ingresses that
//!   still have no class, so one created before its default class existed is treated as if it had
//!   been created after.
//!
//! How the watched Ingresses become nginx servers (`controller.go`, `location.go`):
//!
//! - Ingresses are taken oldest first by `creationTimestamp`; on equal timestamps the one whose
//!   `namespace/name` sorts *last* comes first (ingress-nginx's `sortIngressSlice`).
//! - One server per host (`host` absent = the catch-all server `_`, which also answers every Host
//!   no other server names). Every server starts with a root location `/` on the controller's
//!   default backend, or on `spec.defaultBackend` of the first Ingress naming that host.
//! - An Ingress with `spec.defaultBackend` and no rules at all becomes the catch-all server's
//!   root location (the first such Ingress); a defaultBackend next to rules only serves the root
//!   of the servers that Ingress creates.
//! - Rules of the same host from several Ingresses are merged into one server. The same path with
//!   the same pathType twice is a conflict: the Ingress taken first (the oldest) keeps it and the
//!   later one is skipped, except that an explicit `/` (Prefix) replaces the server's default
//!   root. The same path with different pathTypes is not a conflict: both are kept.
//! - `ImplementationSpecific` is treated as `Prefix` (ingress-nginx rewrites the pathType before
//!   building the configuration), and a path left empty is `/`.
//! - A Prefix path `/p` becomes the nginx prefix location `/p/` plus an exact location `= /p`
//!   (no exact one when an Exact `/p` exists), which gives the element-wise matching of the API:
//!   `/foo` matches `/foo`, `/foo/` and `/foo/bar` but not `/foobar`. Exact paths are `= /p`.
//!
//! How nginx picks the location (`ngx_http_core_find_location`): an exact location equal to the
//! URI wins; then a prefix location equal to the URI; then, when a location of either kind is the
//! URI plus a trailing slash (a path written with its slash, `/foo/`), nginx answers `301` to the
//! URI with the slash appended (its `auto_redirect` for proxying locations), so the Prefix and
//! the Exact path `/foo/` both serve a request for `/foo` after a redirect; otherwise the
//! longest prefix location that starts the URI. The Host header is lowercased, stripped of its
//! port and of one trailing dot (`ngx_http_validate_host`; an empty or malformed one is a 400); a
//! wildcard host `*.example.com` is a regular expression matching exactly one more label of
//! `[A-Za-z0-9_-]`, and exact names are tried before wildcards.
//!
//! The catch-all server also holds two locations of the controller's template that nginx answers
//! itself: `/healthz` (200) and `/nginx_status` (403 to anyone but the pod itself).
//!
//! Simplifications: HTTP on port 80 only (no TLS, no SSL passthrough, no HTTPS redirects), no
//! annotations other than the class (no rewrite-target, use-regex, canary, custom default backend,
//! auth, rate limits, aliases), no `resource` backends (ignored as ingress-nginx does), no URI
//! percent-decoding or dot-segment resolution (slashes are merged, as `merge_slashes on` does),
//! and no namespace restriction of the controller. A configuration with two locations of the same
//! name (a Prefix `/p` next to a Prefix `/p/`) is refused by `nginx -t`; [`duplicate_locations`]
//! reports it, and routing then uses the first of them.
//!
//! ```text
//! mod.rs     Backend, PortRef, PathType, Route and its trace sentence
//! class.rs   which Ingresses the controller watches; the default class admission picks
//! server.rs  the nginx servers and locations built from the watched Ingresses
//! route.rs   select(): Host → server, URI → location → Route
//! nginx.rs   the pages nginx returns (404, 503, 502, 504, 301, 400, 403) and the headers it adds when proxying
//! ```

mod class;
mod nginx;
mod route;
mod server;

#[cfg(test)]
mod class_tests;
#[cfg(test)]
mod nginx_tests;
#[cfg(test)]
mod route_tests;
#[cfg(test)]
mod server_tests;
#[cfg(test)]
mod test_support;

use std::fmt;

pub use class::{default_class, watch, Watch, ANNOTATION_CLASS, ANNOTATION_DEFAULT_CLASS};
pub use nginx::{proxy_headers, request_id, Proxied, Response};
pub use route::{normalize_host, select};
pub use server::{duplicate_locations, servers, Location, LocationTarget, Server};

/// The controller ingress-nginx registers in `IngressClass.spec.controller`.
pub const CONTROLLER: &str = "k8s.io/ingress-nginx";
/// ingress-nginx's `--ingress-class` default: the class annotation value it accepts.
pub const CLASS_NAME: &str = "nginx";
/// The name nginx gives the catch-all server.
pub const CATCH_ALL: &str = "_";

/// A Service port as an Ingress backend names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PortRef {
    Number(i32),
    Name(String),
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(n) => f.write_str(n),
        }
    }
}

/// An Ingress path's `pathType`, as written in the Ingress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathType {
    Exact,
    Prefix,
    ImplementationSpecific,
}

impl PathType {
    /// The API value; `None` for anything else (validation refuses it).
    pub fn parse(s: &str) -> Option<PathType> {
        match s {
            "Exact" => Some(PathType::Exact),
            "Prefix" => Some(PathType::Prefix),
            "ImplementationSpecific" => Some(PathType::ImplementationSpecific),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PathType::Exact => "Exact",
            PathType::Prefix => "Prefix",
            PathType::ImplementationSpecific => "ImplementationSpecific",
        }
    }
}

/// The Service a request is proxied to, and the Ingress entry that sent it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    /// `namespace/name` of the Ingress.
    pub ingress: String,
    /// Index of the rule in `spec.rules`; `None` for the Ingress's `spec.defaultBackend`.
    pub rule: Option<usize>,
    /// The path as the Ingress writes it (`/` when left empty); `None` for `spec.defaultBackend`.
    pub path: Option<String>,
    pub path_type: Option<PathType>,
    pub service: String,
    /// The Ingress's namespace, where the Service is looked up.
    pub namespace: String,
    pub port: PortRef,
}

impl Backend {
    /// `Ingress shop/web rule 0, path /api (Prefix) → service api:8080`.
    pub fn explain(&self) -> String {
        let entry = match (self.rule, &self.path) {
            (Some(r), Some(p)) => {
                let kind = self.path_type.map_or("", PathType::as_str);
                format!("rule {r}, path {p} ({kind})")
            }
            _ => "defaultBackend".to_string(),
        };
        format!("Ingress {} {entry} → service {}:{}", self.ingress, self.service, self.port)
    }
}

/// Where ingress-nginx sends one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Proxied to a Service through the nginx `location` of `server`.
    Backend { server: String, location: String, backend: Backend },
    /// nginx answers `301 Moved Permanently` to `target` (the URI with a slash appended): the
    /// request named a location written with its trailing slash, without that slash.
    Redirect { server: String, location: String, target: String },
    /// The controller's own default backend: `404 Not Found`.
    DefaultBackend { server: String, location: String },
    /// A location of the catch-all server nginx answers itself: `/healthz` (200) and
    /// `/nginx_status` (403 for any client but the pod itself).
    Status { server: String, location: String, status: u16 },
    /// The Host header is not a valid host: nginx answers `400 Bad Request`.
    BadRequest { reason: String },
}

impl Route {
    /// One sentence for a packet trace.
    pub fn explain(&self) -> String {
        match self {
            Route::Backend { server, location, backend } => {
                format!("server {server}, location {location}: {}", backend.explain())
            }
            Route::Redirect { server, location, target } => {
                format!("server {server}, location {location}: 301 Moved Permanently to {target}")
            }
            Route::DefaultBackend { server, location } => {
                let what = "no Ingress path matches, the controller's default backend answers 404 Not Found";
                format!("server {server}, location {location}: {what}")
            }
            Route::Status { server, location, status } => {
                format!("server {server}, location {location}: nginx answers {status} itself")
            }
            Route::BadRequest { reason } => format!("400 Bad Request: {reason}"),
        }
    }
}
