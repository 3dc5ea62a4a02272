//! `select()`: the server nginx picks for a Host header and the location it picks for a URI.

use k8s_openapi::api::networking::v1::{Ingress, IngressClass};

use super::class::watch;
use super::server::{servers, Location, LocationTarget, Server};
use super::{Route, CATCH_ALL};

/// Where the controller `controller` with class name `class_name` sends a request for `host`
/// (the Host header as sent, port included; empty when the request has none) and `path` (the
/// request target: path and optional query).
pub fn select(
    ingresses: &[&Ingress],
    classes: &[&IngressClass],
    controller: &str,
    class_name: &str,
    host: &str,
    path: &str,
) -> Route {
    let host = match normalize_host(host) {
        Ok(h) => h,
        Err(reason) => return Route::BadRequest { reason },
    };
    let (uri, args) = path.split_once('?').unwrap_or((path, ""));
    if !uri.starts_with('/') {
        return Route::BadRequest { reason: "client sent invalid request".to_string() };
    }
    let uri = merge_slashes(uri);
    let watched: Vec<&Ingress> =
        ingresses.iter().copied().filter(|i| watch(i, classes, controller, class_name).is_watched()).collect();
    let servers = servers(&watched);
    let Some(server) = find_server(&servers, &host) else {
        return Route::DefaultBackend { server: CATCH_ALL.to_string(), location: "/".to_string() };
    };
    let name = server.name.clone();
    match find_location(&server.locations, &uri) {
        Found::Location(loc) => match &loc.target {
            LocationTarget::Service(b) => Route::Backend { server: name, location: loc.nginx(), backend: b.clone() },
            LocationTarget::ControllerDefault => Route::DefaultBackend { server: name, location: loc.nginx() },
            LocationTarget::Status(status) => Route::Status { server: name, location: loc.nginx(), status: *status },
        },
        Found::Redirect(loc) => {
            let target = if args.is_empty() { loc.path.clone() } else { format!("{}?{args}", loc.path) };
            Route::Redirect { server: name, location: loc.nginx(), target }
        }
        Found::Nothing => Route::DefaultBackend { server: name, location: "/".to_string() },
    }
}

/// The Host header as nginx keeps it (`ngx_http_validate_host`): lowercased, without the port
/// and without one trailing dot. `Err` is the reason nginx answers 400.
pub fn normalize_host(host: &str) -> Result<String, String> {
    if host.is_empty() {
        return Err("client sent HTTP/1.1 request without \"Host\" header".to_string());
    }
    let invalid = || Err("client sent invalid host header".to_string());
    let bytes = host.as_bytes();
    let mut end = bytes.len();
    let mut in_literal = false;
    let mut rest = false;
    let mut last_dot: Option<usize> = None;
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'.' => {
                if last_dot.is_some_and(|d| d + 1 == i) {
                    return invalid();
                }
                last_dot = Some(i);
            }
            b':' if !rest && !in_literal => {
                end = i;
                rest = true;
            }
            b'[' if i == 0 => in_literal = true,
            b']' if in_literal => {
                end = i + 1;
                in_literal = false;
                rest = true;
            }
            b'/' | b'\\' => return invalid(),
            c if c <= 0x20 || c == 0x7f => return invalid(),
            _ => {}
        }
    }
    if end > 0 && last_dot == Some(end - 1) {
        end -= 1;
    }
    if end == 0 {
        return invalid();
    }
    Ok(host[..end].to_ascii_lowercase())
}

/// `merge_slashes on`: runs of `/` become one.
fn merge_slashes(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    for c in uri.chars() {
        if c != '/' || !out.ends_with('/') {
            out.push(c);
        }
    }
    out
}

/// Exact server names first, then the wildcard servers (one label of `[A-Za-z0-9_-]` before the
/// rest of the name), then the catch-all.
fn find_server<'a>(servers: &'a [Server], host: &str) -> Option<&'a Server> {
    let named = |s: &&Server| s.name != CATCH_ALL && !s.name.starts_with('*');
    if let Some(s) = servers.iter().filter(named).find(|s| s.name.eq_ignore_ascii_case(host)) {
        return Some(s);
    }
    let wildcard = servers.iter().find(|s| {
        let Some(suffix) = s.name.strip_prefix("*.") else { return false };
        let Some((label, rest)) = host.split_once('.') else { return false };
        !label.is_empty()
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && rest.eq_ignore_ascii_case(suffix)
    });
    wildcard.or_else(|| servers.iter().find(|s| s.name == CATCH_ALL))
}

enum Found<'a> {
    Location(&'a Location),
    /// A location (prefix or exact) is the URI plus `/`: nginx redirects there.
    Redirect(&'a Location),
    Nothing,
}

/// nginx's static location lookup: an exact location equal to the URI, a prefix location equal
/// to it, the redirect to the URI plus `/` (nginx's `auto_redirect` of proxying locations whose
/// name ends in `/`), else the longest prefix location the URI starts with.
fn find_location<'a>(locations: &'a [Location], uri: &str) -> Found<'a> {
    if let Some(l) = locations.iter().find(|l| l.exact && l.path == uri) {
        return Found::Location(l);
    }
    if let Some(l) = locations.iter().find(|l| !l.exact && l.path == uri) {
        return Found::Location(l);
    }
    let redirect =
        locations.iter().find(|l| l.path.len() == uri.len() + 1 && l.path.starts_with(uri) && l.path.ends_with('/'));
    if let Some(l) = redirect {
        return Found::Redirect(l);
    }
    locations
        .iter()
        .filter(|l| !l.exact && uri.starts_with(l.path.as_str()))
        .max_by_key(|l| l.path.len())
        .map_or(Found::Nothing, Found::Location)
}
