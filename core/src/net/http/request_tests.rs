//! URLs as curl reads them, and the request bytes curl and busybox wget send.

use super::request::{parse_url, Request};

/// A URL and what curl makes of it: (host, port, target) or the error line.
type UrlCase<'a> = (&'a str, Result<(&'a str, u16, &'a str), &'a str>);

fn check_url(input: &str, expect: Result<(&str, u16, &str), &str>) {
    let got = parse_url(input).map(|u| (u.host.clone(), u.port, u.target.clone()));
    let want = expect.map(|(h, p, t)| (h.to_string(), p, t.to_string())).map_err(str::to_string);
    assert_eq!(got, want, "url {input:?}");
}

#[test]
fn urls_parse_as_curl_reads_them() {
    const BAD: &str = "curl: (3) URL using bad/illegal format or missing URL";
    let cases: &[UrlCase] = &[
        ("http://web", Ok(("web", 80, "/"))),
        ("web", Ok(("web", 80, "/"))),
        ("web:8080/healthz", Ok(("web", 8080, "/healthz"))),
        ("http://10.96.0.20:80/", Ok(("10.96.0.20", 80, "/"))),
        ("http://web.shop.svc.cluster.local:8080/api/v1", Ok(("web.shop.svc.cluster.local", 8080, "/api/v1"))),
        ("http://web/a/./b/../c?x=1#frag", Ok(("web", 80, "/a/c?x=1"))),
        ("http://web/a/..", Ok(("web", 80, "/"))),
        ("http://web/a/b/", Ok(("web", 80, "/a/b/"))),
        ("http://web?x=1", Ok(("web", 80, "/?x=1"))),
        ("http://user:pw@web/", Ok(("web", 80, "/"))),
        ("http://web:/", Ok(("web", 80, "/"))),
        ("HTTP://web/", Ok(("web", 80, "/"))),
        ("http://my_svc/", Ok(("my_svc", 80, "/"))),
        ("", Err(BAD)),
        ("http://", Err(BAD)),
        ("http:///path", Err(BAD)),
        ("http://web:99999/", Err(BAD)),
        ("http://web:0/", Err(BAD)),
        ("http://web:abc/", Err(BAD)),
        ("http://we b/", Err(BAD)),
        ("http://web/a b", Err(BAD)),
        ("http://[::1]/", Err(BAD)),
        ("https://web/", Err("curl: (1) https is not simulated: the simulated servers speak plain HTTP only (no TLS)")),
        ("ftp://web/", Err("curl: (1) Protocol \"ftp\" not supported or disabled in libcurl")),
        ("gopher://web/", Err("curl: (1) Protocol \"gopher\" not supported or disabled in libcurl")),
    ];
    for (input, expect) in cases {
        check_url(input, *expect);
    }
}

#[test]
fn host_header_carries_the_port_only_when_it_is_not_80() {
    for (input, host, text) in [
        ("web", "web", "http://web/"),
        ("web:80", "web", "http://web/"),
        ("web:8080", "web:8080", "http://web:8080/"),
        ("10.96.0.20:443/x", "10.96.0.20:443", "http://10.96.0.20:443/x"),
    ] {
        let url = parse_url(input).expect("valid url");
        assert_eq!(url.host_header(), host, "{input}");
        assert_eq!(url.text(), text, "{input}");
    }
}

fn check_request(url: &str, method: &str, extra: &[&str], expect: &str) {
    let url = parse_url(url).expect("valid url");
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    assert_eq!(Request::curl(&url, method, &extra).bytes(), expect, "{url:?} {method} {extra:?}");
}

#[test]
fn curl_sends_the_request_curl_7_88_1_sends() {
    let cases: &[(&str, &str, &[&str], &str)] = &[
        ("http://web", "GET", &[], "GET / HTTP/1.1\r\nHost: web\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"),
        ("http://web:8080/healthz", "GET", &[], "GET /healthz HTTP/1.1\r\nHost: web:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"),
        ("http://10.96.0.20:80/?q=1", "GET", &[], "GET /?q=1 HTTP/1.1\r\nHost: 10.96.0.20\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"),
        ("http://web/", "HEAD", &[], "HEAD / HTTP/1.1\r\nHost: web\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"),
        ("http://web/", "GET", &["accept: text/html"], "GET / HTTP/1.1\r\nHost: web\r\nUser-Agent: curl/7.88.1\r\naccept: text/html\r\n\r\n"),
        ("http://web/", "GET", &["X-Trace: 1"], "GET / HTTP/1.1\r\nHost: web\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nX-Trace: 1\r\n\r\n"),
        ("http://web/", "GET", &["User-Agent:"], "GET / HTTP/1.1\r\nHost: web\r\nAccept: */*\r\n\r\n"),
        ("http://web/", "GET", &["X-Empty;"], "GET / HTTP/1.1\r\nHost: web\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nX-Empty: \r\n\r\n"),
        ("http://web/", "GET", &["Host: shop.example"], "GET / HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"),
    ];
    for (url, method, extra, expect) in cases {
        check_request(url, method, extra, expect);
    }
}

#[test]
fn busybox_wget_sends_host_agent_and_close() {
    let url = parse_url("http://web:8080/x").expect("valid url");
    assert_eq!(Request::wget(&url).bytes(), "GET /x HTTP/1.1\r\nHost: web:8080\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n");
}

#[test]
fn request_headers_are_found_without_case() {
    let url = parse_url("web/p?q").expect("valid url");
    let req = Request::curl(&url, "GET", &[]);
    assert_eq!(req.header("host"), Some("web"));
    assert_eq!(req.header("ACCEPT"), Some("*/*"));
    assert_eq!(req.header("Cookie"), None);
    assert_eq!(req.path(), "/p");
}
