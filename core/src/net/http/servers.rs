//! What each catalog server answers to a request (`kubelet::images::Http`).
//!
//! nginx (`NginxWelcome`), as the official Debian-based image is configured: `/` and
//! `/index.html` answer 200 with the welcome page and the headers `Server`, `Date`,
//! `Content-Type: text/html`, `Content-Length`, `Last-Modified` (the page's modification time
//! in the image), `Connection: keep-alive`, `ETag` (`"<mtime hex>-<length hex>"`) and
//! `Accept-Ranges: bytes`; every other path answers nginx's own 404 page (its lines end in
//! CRLF and name the version). The version is the image tag's (`nginx:1.27.1` →
//! `nginx/1.27.1`; a `1.27` tag is that line's last release; `latest` and names are 1.27.3).
//!
//! The other catalog servers answer as Go's net/http does: the handler's own headers sorted by
//! name, then `Date`, `Content-Length` and the sniffed `Content-Type` (`text/html;
//! charset=utf-8` for a body that starts like HTML, `text/plain; charset=utf-8` otherwise);
//! unknown paths get `http.NotFound` (`404 page not found`, with `X-Content-Type-Options:
//! nosniff`). `EchoClient` answers every path with the catalog's echo text; `Text` answers
//! every path with its body; agnhost's `liveness` answers `/healthz` with `ok` while it is
//! healthy and `error: <seconds>` with 500 after, `/started` with its uptime as a Go duration;
//! fishbowl/slow-start (`WarmUp`) answers `http.Error(w, "warming up", 503)` until it is
//! ready and `ok` after. CoreDNS answers `OK` on `/health` (port 8080, the health plugin),
//! `/ready` (8181, the ready plugin) and `/metrics` (9153), 404 elsewhere. The ingress-nginx
//! controller answers `ok` on `/healthz` of its own server (10254, the apiserver library's
//! healthz handler), and nginx answers a plain-HTTP request on 443 with its `400 The plain
//! HTTP request was sent to HTTPS port` page; port 80 is routed by `sim::ingress_nginx` from
//! the cluster's Ingresses (without them, as here, every request gets the default backend's 404).
//!
//! A volume mounted over nginx's document root (`/usr/share/nginx/html`) replaces the image's
//! pages: its `index.html` is served for `/` (a ConfigMap's key, say), and without one `/` is
//! nginx's `403 Forbidden` (the directory has no index and listing is off) and `/index.html` a
//! 404, as with a freshly provisioned PersistentVolume. Such a file's `Last-Modified` (and
//! `ETag`) is the container's start, when the kubelet had just written the volume.
//!
//! Simplified: images whose real server is not Go (httpd, caddy, tomcat, …) answer with Go's
//! headers too; nginx's other file (`/50x.html`) is not served; methods other than GET and
//! HEAD are answered like GET; CoreDNS's `/metrics` answers `OK` as the catalog says, not
//! the Prometheus exposition.

use std::net::Ipv4Addr;

use super::request::Request;
use super::response::{imf_fixdate, imf_fixdate_unix, reason, Response};
use crate::kubelet::images::{echo_body, Http, NGINX_WELCOME};
use crate::net::ingress;
use crate::time::{go_duration, SimTime};

/// A server that speaks HTTP: how it answers and the image tag it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Responder {
    pub http: Http,
    /// The image tag (`1.27.3`, `latest`): names nginx's version.
    pub tag: String,
    /// What nginx's document root holds.
    pub root: DocRoot,
}

/// What nginx's document root (`/usr/share/nginx/html`) holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DocRoot {
    /// The image's own pages (the welcome page).
    #[default]
    Image,
    /// A volume mounted there: its `index.html`, if it has one, and when it was written.
    Volume { index: Option<(String, SimTime)> },
}

impl Responder {
    /// A server from an image pulled without a tag (`latest`).
    pub fn new(http: Http) -> Responder {
        Responder { http, tag: "latest".to_string(), root: DocRoot::Image }
    }

    pub fn tagged(http: Http, tag: &str) -> Responder {
        Responder { http, tag: tag.to_string(), root: DocRoot::Image }
    }
}

/// The nginx release the official image with `tag` runs.
pub fn nginx_version(tag: &str) -> String {
    let base = tag.split('-').next().unwrap_or("");
    let parts: Vec<&str> = base.split('.').collect();
    let numeric = !parts.is_empty() && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    match (numeric, parts.len()) {
        (true, 3) => base.to_string(),
        (true, 2) => match base {
            "1.25" => "1.25.5".to_string(),
            "1.26" => "1.26.3".to_string(),
            "1.27" => "1.27.5".to_string(),
            _ => format!("{base}.0"),
        },
        _ => DEFAULT_NGINX.to_string(),
    }
}

/// The release `nginx:latest` runs in the catalog.
pub const DEFAULT_NGINX: &str = "1.27.3";

/// The modification time (Unix seconds) of `/usr/share/nginx/html/index.html` in the
/// Debian-based image of a release; releases not listed use 1.27.3's.
fn index_mtime(version: &str) -> i64 {
    match version {
        "1.27.0" => 1_716_902_550,
        "1.27.1" => 1_723_472_461,
        _ => 1_732_636_500,
    }
}

/// nginx's 404 page (`ngx_http_error_404_page` and the tail with the version).
pub fn nginx_404_page(version: &str) -> String {
    format!(
        "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n</body>\r\n</html>\r\n"
    )
}

/// The answer of `responder` to `req`, sent at `now` by a process that has run `uptime_secs`.
pub fn respond(responder: &Responder, req: &Request, client: (Ipv4Addr, u16), server: (Ipv4Addr, u16), now: SimTime, uptime_secs: u64) -> Response {
    let path = req.path();
    let mut resp = match responder.http {
        Http::NginxWelcome => nginx(&nginx_version(&responder.tag), &responder.root, path, now),
        Http::EchoClient => {
            let host = req.header("Host").map_or_else(|| server.0.to_string(), str::to_string);
            go(200, &[], echo_body(client.0, client.1, &host, &req.target), now)
        }
        Http::Text(body) => go(200, &[], body.to_string(), now),
        Http::Liveness { healthy_secs } => match path {
            "/healthz" if uptime_secs > healthy_secs => go(500, &[], format!("error: {uptime_secs}"), now),
            "/healthz" => go(200, &[], "ok".to_string(), now),
            "/started" => go(200, &[], go_duration(uptime_secs.saturating_mul(1_000_000)), now),
            _ => not_found(now),
        },
        Http::WarmUp { after_secs } if uptime_secs < after_secs => http_error(503, "warming up", now),
        Http::WarmUp { .. } => go(200, &[], "ok\n".to_string(), now),
        Http::CoreDns => match (server.1, path) {
            (8080, "/health") | (8181, "/ready") | (9153, "/metrics") => go(200, &[], "OK".to_string(), now),
            _ => not_found(now),
        },
        Http::IngressNginx => match (server.1, path) {
            (10254, "/healthz") => go(200, &[("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")], "ok".to_string(), now),
            (10254, _) => not_found(now),
            (443, _) => ingress::Response::plain_http_to_https(req.header("User-Agent")).into_http(&imf_fixdate(now), &req.method),
            _ => ingress::Response::not_found(req.header("User-Agent")).into_http(&imf_fixdate(now), &req.method),
        },
        // A server kind added to the catalog later answers as an unknown path does.
        #[allow(unreachable_patterns)]
        _ => not_found(now),
    };
    if req.method == "HEAD" {
        resp.body.clear();
    }
    resp
}

fn nginx(version: &str, root: &DocRoot, path: &str, now: SimTime) -> Response {
    let server = format!("nginx/{version}");
    let index = match root {
        DocRoot::Image => Some((NGINX_WELCOME.to_string(), index_mtime(version))),
        DocRoot::Volume { index } => index.as_ref().map(|(body, at)| (body.clone(), crate::time::unix_secs(*at))),
    };
    if path == "/" && index.is_none() {
        return nginx_error(403, "403 Forbidden", &server, version, now);
    }
    if let (true, Some((body, mtime))) = (path == "/" || path == "/index.html", index) {
        let len = body.len();
        let headers = vec![
            ("Server", server),
            ("Date", imf_fixdate(now)),
            ("Content-Type", "text/html".to_string()),
            ("Content-Length", len.to_string()),
            ("Last-Modified", imf_fixdate_unix(mtime)),
            ("Connection", "keep-alive".to_string()),
            ("ETag", format!("\"{mtime:x}-{len:x}\"")),
            ("Accept-Ranges", "bytes".to_string()),
        ];
        return build(200, headers, body);
    }
    nginx_error(404, "404 Not Found", &server, version, now)
}

/// One of nginx's own error pages (`ngx_http_error_pages`), lines ending in CRLF.
fn nginx_error(status: u16, title: &str, server: &str, version: &str, now: SimTime) -> Response {
    let body = if status == 404 {
        nginx_404_page(version)
    } else {
        format!("<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n</body>\r\n</html>\r\n")
    };
    let headers = vec![
        ("Server", server.to_string()),
        ("Date", imf_fixdate(now)),
        ("Content-Type", "text/html".to_string()),
        ("Content-Length", body.len().to_string()),
        ("Connection", "keep-alive".to_string()),
    ];
    build(status, headers, body)
}

/// A Go net/http answer: the handler's headers sorted, then Date, Content-Length and the
/// sniffed Content-Type when the handler set none and wrote something.
fn go(status: u16, handler: &[(&str, &str)], body: String, now: SimTime) -> Response {
    let mut own: Vec<(&str, String)> = handler.iter().map(|(n, v)| (*n, v.to_string())).collect();
    own.sort();
    let typed = own.iter().any(|(n, _)| *n == "Content-Type");
    own.push(("Date", imf_fixdate(now)));
    own.push(("Content-Length", body.len().to_string()));
    if !typed && !body.is_empty() {
        own.push(("Content-Type", sniff(&body).to_string()));
    }
    build(status, own, body)
}

/// `http.Error(w, msg, code)`.
fn http_error(status: u16, msg: &str, now: SimTime) -> Response {
    go(status, &[("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")], format!("{msg}\n"), now)
}

/// `http.NotFound`.
fn not_found(now: SimTime) -> Response {
    http_error(404, "404 page not found", now)
}

fn build(status: u16, headers: Vec<(&str, String)>, body: String) -> Response {
    Response { status, reason: reason(status).to_string(), headers: headers.into_iter().map(|(n, v)| (n.to_string(), v)).collect(), body }
}

/// The HTML signatures of Go's `http.DetectContentType` (after leading white space, case
/// ignored, followed by a space or `>`).
const HTML_TAGS: &[&str] =
    &["<!DOCTYPE HTML", "<HTML", "<HEAD", "<SCRIPT", "<IFRAME", "<H1", "<DIV", "<FONT", "<TABLE", "<A", "<STYLE", "<TITLE", "<B", "<BODY", "<BR", "<P", "<!--"];

/// `http.DetectContentType` for the texts the catalog serves.
pub fn sniff(body: &str) -> &'static str {
    let text = body.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']).as_bytes();
    let html = HTML_TAGS.iter().any(|tag| {
        let tag = tag.as_bytes();
        text.len() > tag.len() && text[..tag.len()].eq_ignore_ascii_case(tag) && matches!(text[tag.len()], b' ' | b'>')
    });
    if html {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    }
}
