//! The answers of the catalog servers, byte for byte, and the dates they carry.

use std::net::Ipv4Addr;

use super::request::{parse_url, Request};
use super::response::{imf_fixdate, imf_fixdate_unix};
use super::servers::{nginx_404_page, nginx_version, respond, sniff, Responder};
use crate::kubelet::images::{echo_body, Http, NGINX_WELCOME};
use crate::time::SimTime;

const CLIENT: (Ipv4Addr, u16) = (Ipv4Addr::new(10, 244, 1, 7), 40312);
const SERVER: (Ipv4Addr, u16) = (Ipv4Addr::new(10, 244, 2, 5), 80);
const AT_5S: SimTime = SimTime(5_000_000);
const DATE_5S: &str = "Mon, 01 Jan 2024 00:00:05 GMT";

fn get(url: &str) -> Request {
    Request::curl(&parse_url(url).expect("valid url"), "GET", &[])
}

fn head(url: &str) -> Request {
    Request::curl(&parse_url(url).expect("valid url"), "HEAD", &[])
}

/// The bytes `responder` sends for `req` from a process up for `up` seconds.
fn check(responder: &Responder, req: &Request, server: (Ipv4Addr, u16), up: u64, expect: &str) {
    let got = respond(responder, req, CLIENT, server, AT_5S, up).bytes();
    assert_eq!(got, expect, "{responder:?} {} {}", req.method, req.target);
}

#[test]
fn dates_are_imf_fixdate() {
    assert_eq!(imf_fixdate(SimTime::ZERO), "Mon, 01 Jan 2024 00:00:00 GMT");
    assert_eq!(imf_fixdate(SimTime(90_061_000_000)), "Tue, 02 Jan 2024 01:01:01 GMT");
    assert_eq!(imf_fixdate(SimTime((59 * 86_400 + 43_200) * 1_000_000)), "Thu, 29 Feb 2024 12:00:00 GMT");
    for (unix, text) in [
        (1_732_636_500, "Tue, 26 Nov 2024 15:55:00 GMT"),
        (1_716_902_550, "Tue, 28 May 2024 13:22:30 GMT"),
        (1_723_472_461, "Mon, 12 Aug 2024 14:21:01 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (1_735_689_599, "Tue, 31 Dec 2024 23:59:59 GMT"),
    ] {
        assert_eq!(imf_fixdate_unix(unix), text, "{unix}");
    }
}

#[test]
fn nginx_serves_its_welcome_page_with_the_image_headers() {
    assert_eq!(NGINX_WELCOME.len(), 615);
    let welcome_head = format!(
        "HTTP/1.1 200 OK\r\nServer: nginx/1.27.3\r\nDate: {DATE_5S}\r\nContent-Type: text/html\r\nContent-Length: 615\r\nLast-Modified: Tue, 26 Nov 2024 15:55:00 GMT\r\nConnection: keep-alive\r\nETag: \"6745ef54-267\"\r\nAccept-Ranges: bytes\r\n\r\n"
    );
    let nginx = Responder::new(Http::NginxWelcome);
    check(&nginx, &get("http://web/"), SERVER, 5, &format!("{welcome_head}{NGINX_WELCOME}"));
    check(&nginx, &get("http://web/index.html?x=1"), SERVER, 5, &format!("{welcome_head}{NGINX_WELCOME}"));
    check(&nginx, &head("http://web/"), SERVER, 5, &welcome_head);
    let older = Responder::tagged(Http::NginxWelcome, "1.27.1");
    check(
        &older,
        &head("http://web/"),
        SERVER,
        5,
        &format!("HTTP/1.1 200 OK\r\nServer: nginx/1.27.1\r\nDate: {DATE_5S}\r\nContent-Type: text/html\r\nContent-Length: 615\r\nLast-Modified: Mon, 12 Aug 2024 14:21:01 GMT\r\nConnection: keep-alive\r\nETag: \"66ba1a4d-267\"\r\nAccept-Ranges: bytes\r\n\r\n"),
    );
}

#[test]
fn nginx_answers_other_paths_with_its_404_page() {
    let page = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n";
    assert_eq!(nginx_404_page("1.27.3"), page);
    assert_eq!(page.len(), 153);
    let head_404 = format!(
        "HTTP/1.1 404 Not Found\r\nServer: nginx/1.27.3\r\nDate: {DATE_5S}\r\nContent-Type: text/html\r\nContent-Length: 153\r\nConnection: keep-alive\r\n\r\n"
    );
    let nginx = Responder::new(Http::NginxWelcome);
    check(&nginx, &get("http://web/healthz"), SERVER, 5, &format!("{head_404}{page}"));
    check(&nginx, &get("http://web/index.htm"), SERVER, 5, &format!("{head_404}{page}"));
    check(&nginx, &head("http://web/missing"), SERVER, 5, &head_404);
}

#[test]
fn nginx_version_follows_the_image_tag() {
    for (tag, version) in [
        ("latest", "1.27.3"),
        ("1.27.3", "1.27.3"),
        ("1.27.1", "1.27.1"),
        ("1.25.4-alpine", "1.25.4"),
        ("1.27", "1.27.5"),
        ("1.25", "1.25.5"),
        ("1.26", "1.26.3"),
        ("1.29", "1.29.0"),
        ("stable", "1.27.3"),
        ("alpine", "1.27.3"),
        ("", "1.27.3"),
    ] {
        assert_eq!(nginx_version(tag), version, "{tag}");
    }
}

/// A server, the request, the port it arrives on, the uptime in seconds and the bytes sent.
type Case = (Responder, Request, (Ipv4Addr, u16), u64, String);

fn go_head(status: &str, len: usize, content_type: &str) -> String {
    format!("HTTP/1.1 {status}\r\nDate: {DATE_5S}\r\nContent-Length: {len}\r\nContent-Type: {content_type}\r\n\r\n")
}

const GO_404: &str = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nDate: Mon, 01 Jan 2024 00:00:05 GMT\r\nContent-Length: 19\r\n\r\n404 page not found\n";

#[test]
fn go_servers_answer_with_date_length_and_sniffed_type() {
    let plain = "text/plain; charset=utf-8";
    let echo = echo_body(CLIENT.0, CLIENT.1, "web:8080", "/api?x=1");
    let live = Responder::new(Http::Liveness { healthy_secs: 10 });
    let warm = Responder::new(Http::WarmUp { after_secs: 20 });
    let port = |p| (SERVER.0, p);
    let cases: Vec<Case> = vec![
        (Responder::new(Http::EchoClient), get("http://web:8080/api?x=1"), port(8080), 5, format!("{}{echo}", go_head("200 OK", echo.len(), plain))),
        (Responder::new(Http::Text("hello-world\n")), get("http://web/anything"), SERVER, 5, format!("{}hello-world\n", go_head("200 OK", 12, plain))),
        (
            Responder::new(Http::Text("<html><body><h1>It works!</h1></body></html>\n")),
            get("http://web/"),
            SERVER,
            5,
            format!("{}<html><body><h1>It works!</h1></body></html>\n", go_head("200 OK", 45, "text/html; charset=utf-8")),
        ),
        (live.clone(), get("http://pod:8080/healthz"), port(8080), 10, format!("{}ok", go_head("200 OK", 2, plain))),
        (live.clone(), get("http://pod:8080/healthz"), port(8080), 11, format!("{}error: 11", go_head("500 Internal Server Error", 9, plain))),
        (live.clone(), get("http://pod:8080/started"), port(8080), 75, format!("{}1m15s", go_head("200 OK", 5, plain))),
        (live.clone(), get("http://pod:8080/"), port(8080), 3, GO_404.to_string()),
        (
            warm.clone(),
            get("http://pod:8080/"),
            port(8080),
            19,
            format!("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nDate: {DATE_5S}\r\nContent-Length: 11\r\n\r\nwarming up\n"),
        ),
        (warm, get("http://pod:8080/ready"), port(8080), 20, format!("{}ok\n", go_head("200 OK", 3, plain))),
        (Responder::new(Http::CoreDns), get("http://10.244.0.2:8080/health"), port(8080), 5, format!("{}OK", go_head("200 OK", 2, plain))),
        (Responder::new(Http::CoreDns), get("http://10.244.0.2:8181/ready"), port(8181), 5, format!("{}OK", go_head("200 OK", 2, plain))),
        (Responder::new(Http::CoreDns), get("http://10.244.0.2:8080/ready"), port(8080), 5, GO_404.to_string()),
        (
            Responder::tagged(Http::IngressNginx, "v1.11.3"),
            get("http://10.244.2.3:10254/healthz"),
            port(10254),
            5,
            format!("HTTP/1.1 200 OK\r\nContent-Type: {plain}\r\nX-Content-Type-Options: nosniff\r\nDate: {DATE_5S}\r\nContent-Length: 2\r\n\r\nok"),
        ),
        (Responder::tagged(Http::IngressNginx, "v1.11.3"), get("http://10.244.2.3:10254/metrics"), port(10254), 5, GO_404.to_string()),
    ];
    for (responder, req, server, up, expect) in cases {
        check(&responder, &req, server, up, &expect);
    }
}

#[test]
fn go_head_requests_keep_the_length_and_drop_the_body() {
    let resp = respond(&Responder::new(Http::Text("Hello World\n")), &head("http://web/"), CLIENT, SERVER, AT_5S, 1);
    assert_eq!(resp.bytes(), go_head("200 OK", 12, "text/plain; charset=utf-8"));
    assert_eq!(resp.header("content-length"), Some("12"));
}

#[test]
fn content_sniffing_follows_go() {
    for (body, expect) in [
        ("<!DOCTYPE html>\n<html>", "text/html; charset=utf-8"),
        ("<!doctype html><title>Grafana</title>\n", "text/html; charset=utf-8"),
        ("  \n<html ng-app=\"redis\"><title>Guestbook</title>\n", "text/html; charset=utf-8"),
        ("<title>x</title>", "text/html; charset=utf-8"),
        ("<p>hi", "text/html; charset=utf-8"),
        ("<html", "text/plain; charset=utf-8"),
        ("<htmlx>", "text/plain; charset=utf-8"),
        ("{}", "text/plain; charset=utf-8"),
        ("OK!", "text/plain; charset=utf-8"),
        ("", "text/plain; charset=utf-8"),
    ] {
        assert_eq!(sniff(body), expect, "{body:?}");
    }
}

#[test]
fn the_ingress_controller_answers_plain_http_on_443_with_its_400_page() {
    let resp = respond(&Responder::tagged(Http::IngressNginx, "v1.11.3"), &get("http://10.244.2.3:443/"), CLIENT, (SERVER.0, 443), AT_5S, 5);
    assert_eq!(resp.status_line(), "HTTP/1.1 400 Bad Request");
    assert_eq!(resp.header("Date"), Some(DATE_5S));
    assert_eq!(resp.header("Connection"), Some("close"));
    assert!(resp.body.contains("<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>"), "{}", resp.body);
    assert_eq!(resp.header("Server"), None);
}
