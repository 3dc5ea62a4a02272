//! URLs as curl 7.88.1 reads them, and the request bytes curl and busybox wget send.
//!
//! Rules (curl's URL parser): a URL without a scheme is `http://`; the authority ends at the
//! first `/`, `?` or `#`; user information before `@` is dropped; the port is 1 to 65535
//! (default 80; an empty port after `:` means the default); the host is a name or an IPv4
//! address of letters, digits, `-`, `.` and `_`; the path defaults to `/`, loses its
//! `#fragment` and has its `.` and `..` segments removed; spaces and control characters are
//! refused. Anything else is curl's `(3) URL using bad/illegal format or missing URL`; an
//! unknown scheme is `(1) Protocol "x" not supported or disabled in libcurl`; `https` is
//! refused because TLS is not simulated. IPv6 literals (`[::1]`) are refused as malformed.
//!
//! The request line and headers: `GET /path HTTP/1.1`, `Host` (with `:port` only when the port
//! is not 80), `User-Agent: curl/7.88.1`, `Accept: */*`, then the `-H` headers (a `-H` header
//! named like one of these replaces it in place; `Name:` with nothing after the colon removes
//! it). busybox wget sends `Host`, `User-Agent: Wget` and `Connection: close`.

use super::CURL_VERSION;

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The host as written (a name or an IPv4 address).
    pub host: String,
    pub port: u16,
    /// The request target: path and query, starting with `/`.
    pub target: String,
}

impl Url {
    /// The `Host` header value: the host, with `:port` unless the port is 80.
    pub fn host_header(&self) -> String {
        if self.port == 80 {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL in its normal form (`http://web/`, `http://web:8080/healthz`).
    pub fn text(&self) -> String {
        format!("http://{}{}", self.host_header(), self.target)
    }

    /// The path of the target, without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }

    /// The host when it is an IPv4 address.
    pub fn ip(&self) -> Option<std::net::Ipv4Addr> {
        self.host.parse().ok()
    }
}

/// curl's text for a malformed URL (exit status 3).
pub const BAD_URL: &str = "URL using bad/illegal format or missing URL";

/// A URL curl refuses: its message (without the `curl: (N) ` prefix) and exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError {
    pub message: String,
    pub code: i32,
}

impl UrlError {
    fn bad() -> UrlError {
        UrlError { message: BAD_URL.to_string(), code: 3 }
    }

    /// The line curl prints: `curl: (3) URL using bad/illegal format or missing URL`.
    pub fn line(&self) -> String {
        format!("curl: ({}) {}", self.code, self.message)
    }
}

/// Reads a URL as curl does; the error is the line curl prints.
pub fn parse_url(url: &str) -> Result<Url, String> {
    parse(url).map_err(|e| e.line())
}

/// Reads a URL as curl does; the error carries curl's message and exit status.
pub fn parse(url: &str) -> Result<Url, UrlError> {
    if url.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlError::bad());
    }
    let rest = match url.split_once("://") {
        Some((scheme, rest)) => {
            let lower = scheme.to_ascii_lowercase();
            if lower == "https" {
                return Err(UrlError { message: "https is not simulated: the simulated servers speak plain HTTP only (no TLS)".to_string(), code: 1 });
            }
            if lower != "http" {
                if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
                    return Err(UrlError::bad());
                }
                return Err(UrlError { message: format!("Protocol \"{scheme}\" not supported or disabled in libcurl"), code: 1 });
            }
            rest
        }
        None => url,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, "")) => (h, 80),
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => match p.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) => (h, n as u16),
            _ => return Err(UrlError::bad()),
        },
        Some(_) => return Err(UrlError::bad()),
        None => (authority, 80),
    };
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)) {
        return Err(UrlError::bad());
    }
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    let mut target = remove_dot_segments(if path.is_empty() { "/" } else { path });
    if let Some(q) = query {
        target.push('?');
        target.push_str(q);
    }
    Ok(Url { host: host.to_string(), port, target })
}

/// RFC 3986 §5.2.4: `/a/./b/../c` → `/a/c`.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing = false;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => trailing = i == last,
            ".." => {
                out.pop();
                trailing = i == last;
            }
            s => {
                out.push(s);
                trailing = false;
            }
        }
    }
    let mut text = format!("/{}", out.join("/"));
    if trailing && !text.ends_with('/') {
        text.push('/');
    }
    text
}

/// An HTTP/1.1 request as a client sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET` or `HEAD`.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header lines in the order they are sent.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// What `curl URL` sends (`method` is `GET`, or `HEAD` for `-I`), with the `-H` headers.
    pub fn curl(url: &Url, method: &str, extra: &[String]) -> Request {
        let mut headers = vec![
            ("Host".to_string(), url.host_header()),
            ("User-Agent".to_string(), format!("curl/{CURL_VERSION}")),
            ("Accept".to_string(), "*/*".to_string()),
        ];
        for line in extra {
            let Some((name, value)) = line.split_once(':') else {
                // `Name;` sends the header with an empty value.
                if let Some(name) = line.strip_suffix(';') {
                    set_header(&mut headers, name, Some(""));
                }
                continue;
            };
            let value = value.trim();
            set_header(&mut headers, name.trim(), if value.is_empty() { None } else { Some(value) });
        }
        Request { method: method.to_string(), target: url.target.clone(), headers }
    }

    /// What busybox wget sends.
    pub fn wget(url: &Url) -> Request {
        let headers =
            vec![("Host".to_string(), url.host_header()), ("User-Agent".to_string(), "Wget".to_string()), ("Connection".to_string(), "close".to_string())];
        Request { method: "GET".to_string(), target: url.target.clone(), headers }
    }

    /// A header's value (names compare without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The target's path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("/")
    }

    /// The request line and header lines, each without its CRLF.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{} {} HTTP/1.1", self.method, self.target)];
        lines.extend(self.headers.iter().map(|(n, v)| format!("{n}: {v}")));
        lines
    }

    /// The bytes on the wire: lines ending in CRLF, then an empty line.
    pub fn bytes(&self) -> String {
        let mut text: String = self.lines().iter().map(|l| format!("{l}\r\n")).collect();
        text.push_str("\r\n");
        text
    }
}

/// Replaces a header in place (keeping the new spelling of its name), removes it (`None`), or
/// appends it.
fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: Option<&str>) {
    if name.is_empty() {
        return;
    }
    let at = headers.iter().position(|(n, _)| n.eq_ignore_ascii_case(name));
    match (at, value) {
        (Some(i), Some(v)) => headers[i] = (name.to_string(), v.to_string()),
        (Some(i), None) => {
            headers.remove(i);
        }
        (None, Some(v)) => headers.push((name.to_string(), v.to_string())),
        (None, None) => {}
    }
}
