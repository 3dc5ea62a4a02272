//! What the ingress-nginx controller's nginx answers by itself, and the request headers it sends
//! to a backend.
//!
//! The pages are nginx's built-in ones (`ngx_http_special_response.c`) with the tail nginx writes
//! under ingress-nginx's default `server_tokens off` (`<hr><center>nginx</center>`, no version),
//! CRLF line ends. The controller also clears the `Server` response header (`more_clear_headers
//! Server`). The 404 comes from the controller's default backend (nginx's own server on port
//! 8181, `return 404`), the 503 from its Lua balancer when the Service has no ready endpoints.
//! For MSIE and Chrome user agents nginx pads 4xx and 5xx pages (`msie_padding on`).
//!
//! The proxied headers follow the controller's nginx.tmpl with its default ConfigMap
//! (`use-forwarded-headers: false`, `compute-full-forwarded-for: false`, `generate-request-id:
//! true`, `proxy-add-original-uri-header: false`, upstream keepalive on): nginx first writes the
//! `proxy_set_header` headers in the template's order, skipping those whose value is empty, then
//! the client's headers except the ones it sets or clears.

use std::net::Ipv4Addr;

const TAIL: &str = "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const PADDING_LINE: &str = "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n";

/// A response nginx builds itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: &'static str,
    /// In nginx's order, without `Date` (see [`Response::with_date`]).
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// `404 Not Found`: no Ingress path matched.
    pub fn not_found(user_agent: Option<&str>) -> Response {
        special(404, "Not Found", user_agent, true)
    }

    /// `503 Service Temporarily Unavailable`: the Service has no ready endpoints (or does not
    /// exist).
    pub fn service_unavailable(user_agent: Option<&str>) -> Response {
        special(503, "Service Temporarily Unavailable", user_agent, true)
    }

    /// `502 Bad Gateway`: the upstream refused the connection or closed it without answering.
    pub fn bad_gateway(user_agent: Option<&str>) -> Response {
        special(502, "Bad Gateway", user_agent, true)
    }

    /// `504 Gateway Time-out`: the upstream did not accept the connection within
    /// `proxy_connect_timeout` (5 s) or did not answer within `proxy_read_timeout` (60 s).
    pub fn gateway_timeout(user_agent: Option<&str>) -> Response {
        special(504, "Gateway Time-out", user_agent, true)
    }

    /// A plain-HTTP request on the TLS port 443 (nginx's internal 497): `400 Bad Request` with
    /// its own title and line; nginx closes the connection.
    pub fn plain_http_to_https(user_agent: Option<&str>) -> Response {
        let mut r = special(400, "Bad Request", user_agent, false);
        let what = "The plain HTTP request was sent to HTTPS port";
        r.body = r
            .body
            .replacen("<title>400 Bad Request</title>", &format!("<title>400 {what}</title>"), 1)
            .replacen("</h1></center>\r\n", &format!("</h1></center>\r\n<center>{what}</center>\r\n"), 1);
        let len = r.body.len().to_string();
        if let Some(h) = r.headers.iter_mut().find(|(n, _)| n == "Content-Length") {
            h.1 = len;
        }
        r
    }

    /// `403 Forbidden` (`/nginx_status` from a client other than the pod itself).
    pub fn forbidden(user_agent: Option<&str>) -> Response {
        special(403, "Forbidden", user_agent, true)
    }

    /// `200 OK` with no body (`/healthz`, `return 200;`): no `Content-Type`.
    pub fn empty_ok() -> Response {
        let headers =
            vec![("Content-Length".to_string(), "0".to_string()), ("Connection".to_string(), "keep-alive".to_string())];
        Response { status: 200, reason: "OK", headers, body: String::new() }
    }

    /// `400 Bad Request` (an invalid or missing Host header); nginx closes the connection.
    pub fn bad_request(user_agent: Option<&str>) -> Response {
        special(400, "Bad Request", user_agent, false)
    }

    /// `301 Moved Permanently` to `target` (a path with optional query) on `host` (the Host
    /// header as [`super::normalize_host`] leaves it): absolute, `http`, no port
    /// (`port_in_redirect off`), the request's own host (`server_name_in_redirect off`).
    pub fn moved_permanently(host: &str, target: &str) -> Response {
        let mut r = special(301, "Moved Permanently", None, true);
        let at = r.headers.len() - 1;
        r.headers.insert(at, ("Location".to_string(), format!("http://{host}{target}")));
        r
    }

    /// The status line: `HTTP/1.1 404 Not Found`.
    pub fn status_line(&self) -> String {
        format!("HTTP/1.1 {} {}", self.status, self.reason)
    }

    /// The response with nginx's `Date` header (first, as nginx writes it; `Server` is cleared).
    pub fn with_date(mut self, date: &str) -> Response {
        self.headers.insert(0, ("Date".to_string(), date.to_string()));
        self
    }

    /// The response as sent at `date` to a request made with `method` (a `HEAD` answer keeps
    /// the headers and drops the body).
    pub fn into_http(self, date: &str, method: &str) -> crate::net::http::Response {
        let r = self.with_date(date);
        let body = if method == "HEAD" { String::new() } else { r.body };
        crate::net::http::Response { status: r.status, reason: r.reason.to_string(), headers: r.headers, body }
    }
}

fn special(status: u16, reason: &'static str, user_agent: Option<&str>, keepalive: bool) -> Response {
    let title = format!("{status} {reason}");
    let mut body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n{TAIL}"
    );
    if status >= 400 && user_agent.is_some_and(padded_agent) {
        body.push_str(&PADDING_LINE.repeat(6));
    }
    let connection = if keepalive { "keep-alive" } else { "close" };
    let headers = vec![
        ("Content-Type".to_string(), "text/html".to_string()),
        ("Content-Length".to_string(), body.len().to_string()),
        ("Connection".to_string(), connection.to_string()),
    ];
    Response { status, reason, headers, body }
}

/// nginx's browser detection (`ngx_http_user_agent`): MSIE unless Opera; Chrome when neither
/// MSIE, Opera nor Gecko.
fn padded_agent(ua: &str) -> bool {
    let msie = ua.find("MSIE ").is_some_and(|i| i + 7 < ua.len());
    let opera = ua.contains("Opera");
    if opera {
        return false;
    }
    msie || (!ua.contains("Gecko/") && ua.contains("Chrome/"))
}

/// The connection a proxied request came in on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxied<'a> {
    /// The client's address as nginx sees it (`$remote_addr`).
    pub remote_addr: Ipv4Addr,
    /// The port nginx accepted the connection on (`$server_port`: 80 for HTTP).
    pub server_port: u16,
    /// `http` or `https` (`$scheme`).
    pub scheme: &'a str,
    /// nginx's `$request_id` (32 hex digits), used when the client sent no `X-Request-ID`.
    pub request_id: &'a str,
}

/// The headers nginx sends to the backend for a request with the client's `headers` (in the
/// client's order). Client headers with characters other than letters, digits and `-` in their
/// names are dropped (`ignore_invalid_headers on`, `underscores_in_headers off`).
pub fn proxy_headers(headers: &[(String, String)], conn: &Proxied) -> Vec<(String, String)> {
    let valid = |name: &str| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let client: Vec<&(String, String)> = headers.iter().filter(|(n, _)| valid(n)).collect();
    let get = |name: &str| {
        let values: Vec<&str> =
            client.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect();
        values.join(", ")
    };
    let host = get("Host");
    let upgrade = get("Upgrade");
    let connection = if upgrade.is_empty() { String::new() } else { "upgrade".to_string() };
    let request_id = Some(get("X-Request-ID")).filter(|v| !v.is_empty()).unwrap_or_else(|| conn.request_id.to_string());
    let remote = conn.remote_addr.to_string();
    let port = conn.server_port.to_string();
    let set: [(&str, String); 14] = [
        ("Host", host.clone()),
        ("Upgrade", upgrade),
        ("Connection", connection),
        ("X-Request-ID", request_id),
        ("X-Real-IP", remote.clone()),
        ("X-Forwarded-For", remote),
        ("X-Forwarded-Host", host),
        ("X-Forwarded-Port", port),
        ("X-Forwarded-Proto", conn.scheme.to_string()),
        ("X-Forwarded-Scheme", conn.scheme.to_string()),
        ("X-Scheme", conn.scheme.to_string()),
        ("X-Original-Forwarded-For", get("X-Forwarded-For")),
        ("Proxy", String::new()),
        ("Content-Length", String::new()),
    ];
    // nginx's own defaults after the configured ones; all empty for a request without a body.
    const CLEARED: [&str; 5] = ["Transfer-Encoding", "TE", "Keep-Alive", "Expect", "Upgrade"];
    let mut out: Vec<(String, String)> =
        set.iter().filter(|(_, v)| !v.is_empty()).map(|(n, v)| (n.to_string(), v.clone())).collect();
    let replaced = |n: &str| {
        set.iter().any(|(s, _)| s.eq_ignore_ascii_case(n)) || CLEARED.iter().any(|s| s.eq_ignore_ascii_case(n))
    };
    out.extend(client.into_iter().filter(|(n, _)| !replaced(n)).cloned());
    out
}

/// nginx's `$request_id` from 16 bytes (the caller's seeded generator supplies them).
pub fn request_id(bytes: [u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
