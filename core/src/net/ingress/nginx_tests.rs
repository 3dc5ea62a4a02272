//! nginx's own responses and the headers it sends to the backend.

use std::net::Ipv4Addr;

use super::{proxy_headers, request_id, Proxied, Response};

const PAGE_404: &str = concat!(
    "<html>\r\n",
    "<head><title>404 Not Found</title></head>\r\n",
    "<body>\r\n",
    "<center><h1>404 Not Found</h1></center>\r\n",
    "<hr><center>nginx</center>\r\n",
    "</body>\r\n",
    "</html>\r\n",
);
const PAGE_503: &str = concat!(
    "<html>\r\n",
    "<head><title>503 Service Temporarily Unavailable</title></head>\r\n",
    "<body>\r\n",
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n",
    "<hr><center>nginx</center>\r\n",
    "</body>\r\n",
    "</html>\r\n",
);
const CHROME: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";

fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[test]
fn pages() {
    // (response, status line, body, Content-Length, Connection)
    let cases = [
        (Response::not_found(Some("curl/8.5.0")), "HTTP/1.1 404 Not Found", Some(PAGE_404), "146", "keep-alive"),
        (Response::not_found(None), "HTTP/1.1 404 Not Found", Some(PAGE_404), "146", "keep-alive"),
        (
            Response::service_unavailable(None),
            "HTTP/1.1 503 Service Temporarily Unavailable",
            Some(PAGE_503),
            "190",
            "keep-alive",
        ),
        (Response::not_found(Some(FIREFOX)), "HTTP/1.1 404 Not Found", Some(PAGE_404), "146", "keep-alive"),
        // Chrome and MSIE get six padding comments after the page.
        (Response::not_found(Some(CHROME)), "HTTP/1.1 404 Not Found", None, "548", "keep-alive"),
        (
            Response::service_unavailable(Some("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)")),
            "HTTP/1.1 503 Service Temporarily Unavailable",
            None,
            "592",
            "keep-alive",
        ),
        (Response::bad_request(None), "HTTP/1.1 400 Bad Request", None, "150", "close"),
        (Response::forbidden(None), "HTTP/1.1 403 Forbidden", None, "146", "keep-alive"),
    ];
    for (r, status, body, length, connection) in cases {
        assert_eq!(r.status_line(), status);
        if let Some(body) = body {
            assert_eq!(r.body, body);
        }
        assert_eq!(r.body.len().to_string(), length, "{status}");
        assert_eq!(header(&r, "Content-Length"), Some(length));
        assert_eq!(header(&r, "Content-Type"), Some("text/html"));
        assert_eq!(header(&r, "Connection"), Some(connection));
        assert_eq!(header(&r, "Server"), None);
    }
    let padded = Response::not_found(Some(CHROME)).body;
    assert!(padded.starts_with(PAGE_404));
    assert!(padded.ends_with("<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n"));
}

#[test]
fn empty_ok() {
    let r = Response::empty_ok();
    assert_eq!(r.status_line(), "HTTP/1.1 200 OK");
    assert_eq!(r.body, "");
    assert_eq!(header(&r, "Content-Length"), Some("0"));
    assert_eq!(header(&r, "Content-Type"), None);
}

#[test]
fn redirect_and_date() {
    let r = Response::moved_permanently("shop.example", "/foo/?a=1").with_date("Mon, 01 Jan 2024 00:00:00 GMT");
    assert_eq!(r.status_line(), "HTTP/1.1 301 Moved Permanently");
    let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Date", "Content-Type", "Content-Length", "Location", "Connection"]);
    assert_eq!(header(&r, "Location"), Some("http://shop.example/foo/?a=1"));
    assert_eq!(header(&r, "Content-Length"), Some("162"));
    assert!(r.body.starts_with("<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n"));
    // Redirects are never padded.
    assert_eq!(Response::moved_permanently("h", "/a/").body.len(), 162);
}

/// Header lists as the tests write them.
type Pairs = Vec<(&'static str, &'static str)>;

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

#[test]
fn proxied_headers() {
    let conn = Proxied {
        remote_addr: Ipv4Addr::new(10, 244, 1, 7),
        server_port: 80,
        scheme: "http",
        request_id: "0123456789abcdef0123456789abcdef",
    };
    let base = [
        ("Host", "shop.example"),
        ("X-Request-ID", "0123456789abcdef0123456789abcdef"),
        ("X-Real-IP", "10.244.1.7"),
        ("X-Forwarded-For", "10.244.1.7"),
        ("X-Forwarded-Host", "shop.example"),
        ("X-Forwarded-Port", "80"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Scheme", "http"),
        ("X-Scheme", "http"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let cases: Vec<(Pairs, Pairs)> = vec![
        // curl's headers: Host replaced in place, the others after nginx's own.
        (
            vec![("Host", "shop.example"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*")],
            with(&[("User-Agent", "curl/8.5.0"), ("Accept", "*/*")]),
        ),
        // The client's X-Forwarded-For moves to X-Original-Forwarded-For; its own X-Real-IP is dropped.
        (
            vec![("Host", "shop.example"), ("X-Forwarded-For", "203.0.113.9"), ("X-Real-IP", "1.2.3.4")],
            with(&[("X-Original-Forwarded-For", "203.0.113.9")]),
        ),
        // A client X-Request-ID is kept; Proxy, Keep-Alive, TE and Expect are cleared; names
        // with underscores are invalid and dropped.
        (
            vec![
                ("host", "shop.example"),
                ("x-request-id", "abc"),
                ("Proxy", "http://evil"),
                ("Keep-Alive", "300"),
                ("TE", "trailers"),
                ("Expect", "100-continue"),
                ("X_Custom", "1"),
                ("X-Custom", "2"),
            ],
            {
                let mut v = with(&[("X-Custom", "2")]);
                v[1] = ("X-Request-ID", "abc");
                v
            },
        ),
        // A websocket upgrade is passed on with Connection: upgrade.
        (vec![("Host", "shop.example"), ("Connection", "Upgrade"), ("Upgrade", "websocket")], {
            let mut v = with(&[]);
            v.splice(1..1, [("Upgrade", "websocket"), ("Connection", "upgrade")]);
            v
        }),
        // The Host header as sent, port included.
        (vec![("Host", "shop.example:8080")], {
            let mut v = with(&[]);
            v[0] = ("Host", "shop.example:8080");
            v[4] = ("X-Forwarded-Host", "shop.example:8080");
            v
        }),
    ];
    for (client, expect) in cases {
        assert_eq!(proxy_headers(&h(&client), &conn), h(&expect), "client {client:?}");
    }
}

#[test]
fn request_ids_are_hex() {
    let id = request_id([0, 1, 2, 0xab, 0xcd, 0xef, 16, 32, 48, 64, 80, 96, 112, 128, 144, 255]);
    assert_eq!(id, "000102abcdef102030405060708090ff");
}

#[test]
fn upstream_error_pages_and_the_https_port() {
    let page = |title: &str, h1: &str, extra: &str| {
        format!("<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{h1}</h1></center>\r\n{extra}<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
    };
    let plain = "The plain HTTP request was sent to HTTPS port";
    // (response, status line, body, Connection)
    let cases = [
        (Response::bad_gateway(None), "HTTP/1.1 502 Bad Gateway", page("502 Bad Gateway", "502 Bad Gateway", ""), "keep-alive"),
        (Response::gateway_timeout(None), "HTTP/1.1 504 Gateway Time-out", page("504 Gateway Time-out", "504 Gateway Time-out", ""), "keep-alive"),
        (
            Response::plain_http_to_https(None),
            "HTTP/1.1 400 Bad Request",
            page(&format!("400 {plain}"), "400 Bad Request", &format!("<center>{plain}</center>\r\n")),
            "close",
        ),
    ];
    for (r, status, body, connection) in cases {
        assert_eq!(r.status_line(), status);
        assert_eq!(r.body, body, "{status}");
        assert_eq!(header(&r, "Content-Length"), Some(body.len().to_string().as_str()), "{status}");
        assert_eq!(header(&r, "Connection"), Some(connection), "{status}");
    }
}

#[test]
fn into_http_puts_the_date_first_and_drops_a_head_body() {
    let date = "Mon, 01 Jan 2024 00:00:05 GMT";
    let r = Response::not_found(None).into_http(date, "GET");
    assert_eq!(r.head_lines(), ["HTTP/1.1 404 Not Found", &format!("Date: {date}"), "Content-Type: text/html", "Content-Length: 146", "Connection: keep-alive"]);
    assert_eq!(r.body, PAGE_404);
    let r = Response::not_found(None).into_http(date, "HEAD");
    assert_eq!((r.body.as_str(), r.header("Content-Length")), ("", Some("146")));
}
