//! What curl 7.88.1 prints: bodies, headers, the -v trace, -w, and every failure's text and
//! exit status.

use std::net::Ipv4Addr;

use super::curl::{output, run};
use super::curl_args::parse_args;
use super::request::parse_url;
use super::servers::{respond, Responder};
use super::{Outcome, Reply, Response};
use crate::kubelet::images::{Http, NGINX_WELCOME};
use crate::time::SimTime;

/// Arguments, what the network did, and (stdout, stderr, status).
type Case<'a> = (Vec<&'a str>, Outcome, (&'a str, &'a str, i32));

const SVC: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 20);
const DATE: &str = "Mon, 01 Jan 2024 00:01:00 GMT";

fn nginx(url: &str, method: &str) -> Response {
    let req = super::Request::curl(&parse_url(url).expect("valid url"), method, &[]);
    respond(&Responder::new(Http::NginxWelcome), &req, (Ipv4Addr::new(10, 244, 1, 7), 40312), (SVC, 80), SimTime(60_000_000), 60)
}

fn connected(url: &str, method: &str) -> Outcome {
    Outcome::Connected { addr: SVC, after_ms: 2, reply: Reply::Response(nginx(url, method)) }
}

fn check(words: &[&str], outcome: Outcome, expect: (&str, &str, i32)) {
    let argv: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let args = parse_args(&argv).expect("valid arguments");
    let (stdout, stderr, code) = output(&args, &outcome);
    assert_eq!((stdout.as_str(), stderr.as_str(), code), expect, "curl {words:?}");
}

fn welcome_head() -> String {
    format!(
        "HTTP/1.1 200 OK\r\nServer: nginx/1.27.3\r\nDate: {DATE}\r\nContent-Type: text/html\r\nContent-Length: 615\r\nLast-Modified: Tue, 26 Nov 2024 15:55:00 GMT\r\nConnection: keep-alive\r\nETag: \"6745ef54-267\"\r\nAccept-Ranges: bytes\r\n\r\n"
    )
}

const NOT_FOUND_PAGE: &str = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n";

#[test]
fn successful_fetches() {
    let head = welcome_head();
    let included = format!("{head}{NGINX_WELCOME}");
    let cases: Vec<Case> = vec![
        (vec!["http://web"], connected("http://web", "GET"), (NGINX_WELCOME, "", 0)),
        (vec!["-s", "web"], connected("http://web", "GET"), (NGINX_WELCOME, "", 0)),
        (vec!["-I", "web"], connected("http://web", "HEAD"), (&head, "", 0)),
        (vec!["-sI", "web"], connected("http://web", "HEAD"), (&head, "", 0)),
        (vec!["-i", "web"], connected("http://web", "GET"), (&included, "", 0)),
        (vec!["-o", "/dev/null", "-s", "web"], connected("http://web", "GET"), ("", "", 0)),
        (vec!["-sS", "-o", "/dev/null", "-w", "%{http_code}", "web"], connected("http://web", "GET"), ("200", "", 0)),
        (vec!["-s", "-o", "/dev/null", "-w", "%{http_code}\\n", "web/nope"], connected("http://web/nope", "GET"), ("404\n", "", 0)),
        (vec!["web/nope"], connected("http://web/nope", "GET"), (NOT_FOUND_PAGE, "", 0)),
        (vec!["--connect-timeout", "5", "-m", "10", "web"], connected("http://web", "GET"), (NGINX_WELCOME, "", 0)),
    ];
    for (words, outcome, expect) in cases {
        check(&words, outcome, expect);
    }
}

#[test]
fn verbose_traces_the_exchange() {
    let mut trace = String::from(
        "*   Trying 10.96.0.20:80...\n* Connected to web (10.96.0.20) port 80 (#0)\n> GET / HTTP/1.1\r\n> Host: web\r\n> User-Agent: curl/7.88.1\r\n> Accept: */*\r\n> \r\n",
    );
    for line in welcome_head().split("\r\n").filter(|l| !l.is_empty()) {
        trace.push_str(&format!("< {line}\r\n"));
    }
    trace.push_str("< \r\n* Connection #0 to host web left intact\n");
    check(&["-v", "http://web/"], connected("http://web/", "GET"), (NGINX_WELCOME, &trace, 0));

    let by_ip = "*   Trying 10.96.0.20:8080...\n* Connected to 10.96.0.20 (10.96.0.20) port 8080 (#0)\n> GET /healthz HTTP/1.1\r\n> Host: 10.96.0.20:8080\r\n> User-Agent: curl/7.88.1\r\n> Accept: */*\r\n> \r\n* Empty reply from server\n* Closing connection 0\ncurl: (52) Empty reply from server\n";
    check(&["-v", "10.96.0.20:8080/healthz"], Outcome::Connected { addr: SVC, after_ms: 1, reply: Reply::Closed }, ("", by_ip, 52));
}

#[test]
fn failures_print_curls_texts_and_statuses() {
    let refused = Outcome::Refused { addr: SVC, after_ms: 3 };
    let dropped = Outcome::NoAnswer { addr: SVC };
    let silent = Outcome::Connected { addr: SVC, after_ms: 1, reply: Reply::Silent };
    let closed = Outcome::Connected { addr: SVC, after_ms: 1, reply: Reply::Closed };
    let cases: Vec<Case> = vec![
        (vec!["web"], Outcome::Unresolved, ("", "curl: (6) Could not resolve host: web\n", 6)),
        (vec!["-s", "web"], Outcome::Unresolved, ("", "", 6)),
        (vec!["-sS", "web"], Outcome::Unresolved, ("", "curl: (6) Could not resolve host: web\n", 6)),
        (vec!["http://web:8080/"], refused.clone(), ("", "curl: (7) Failed to connect to web port 8080 after 3 ms: Couldn't connect to server\n", 7)),
        (vec!["10.96.0.20"], refused.clone(), ("", "curl: (7) Failed to connect to 10.96.0.20 port 80 after 3 ms: Couldn't connect to server\n", 7)),
        (vec!["--connect-timeout", "5", "web"], dropped.clone(), ("", "curl: (28) Failed to connect to web port 80 after 5000 ms: Timeout was reached\n", 28)),
        (vec!["-m", "3", "web"], dropped.clone(), ("", "curl: (28) Connection timed out after 3000 milliseconds\n", 28)),
        (vec!["-m", "3", "--connect-timeout", "5", "web"], dropped.clone(), ("", "curl: (28) Connection timed out after 3000 milliseconds\n", 28)),
        (
            vec!["-m", "10", "--connect-timeout", "2", "web"],
            dropped.clone(),
            ("", "curl: (28) Failed to connect to web port 80 after 2000 ms: Timeout was reached\n", 28),
        ),
        (vec!["web"], dropped.clone(), ("", "curl: (7) Failed to connect to web port 80 after 127000 ms: Couldn't connect to server\n", 7)),
        (vec!["web"], closed.clone(), ("", "curl: (52) Empty reply from server\n", 52)),
        (vec!["-m", "5", "web"], silent.clone(), ("", "curl: (28) Operation timed out after 5000 milliseconds with 0 bytes received\n", 28)),
        (vec!["web"], silent.clone(), ("", "", 130)),
        (vec!["-f", "web/nope"], connected("http://web/nope", "GET"), ("", "curl: (22) The requested URL returned error: 404\n", 22)),
        (vec!["-fsS", "web/nope"], connected("http://web/nope", "GET"), ("", "curl: (22) The requested URL returned error: 404\n", 22)),
        (vec!["-fs", "web/nope"], connected("http://web/nope", "GET"), ("", "", 22)),
        (
            vec!["-sS", "-o", "/dev/null", "-w", "%{http_code}", "web"],
            refused.clone(),
            ("000", "curl: (7) Failed to connect to web port 80 after 3 ms: Couldn't connect to server\n", 7),
        ),
        (vec!["-s", "-o", "/dev/null", "-w", "%{http_code}", "web"], Outcome::Unresolved, ("000", "", 6)),
        (vec!["http://we b/"], Outcome::Unresolved, ("", "curl: (3) URL using bad/illegal format or missing URL\n", 3)),
        (vec!["http://web:70000/"], refused, ("", "curl: (3) URL using bad/illegal format or missing URL\n", 3)),
    ];
    for (words, outcome, expect) in cases {
        check(&words, outcome, expect);
    }
}

#[test]
fn verbose_failures() {
    let cases: Vec<(Vec<&str>, Outcome, &str, i32)> = vec![
        (vec!["-v", "web"], Outcome::Unresolved, "* Could not resolve host: web\n* Closing connection 0\ncurl: (6) Could not resolve host: web\n", 6),
        (vec!["-v", "http://web:0/"], Outcome::Unresolved, "curl: (3) URL using bad/illegal format or missing URL\n", 3),
        (
            vec!["-v", "web"],
            Outcome::Refused { addr: SVC, after_ms: 1 },
            "*   Trying 10.96.0.20:80...\n* connect to 10.96.0.20 port 80 failed: Connection refused\n* Failed to connect to web port 80 after 1 ms: Couldn't connect to server\n* Closing connection 0\ncurl: (7) Failed to connect to web port 80 after 1 ms: Couldn't connect to server\n",
            7,
        ),
        (
            vec!["-v", "--connect-timeout", "5", "catalog.catalog/health"],
            Outcome::NoAnswer { addr: SVC },
            "*   Trying 10.96.0.20:80...\n* ipv4 connect timeout after 5000ms, move on!\n* Failed to connect to catalog.catalog port 80 after 5000 ms: Timeout was reached\n* Closing connection 0\ncurl: (28) Failed to connect to catalog.catalog port 80 after 5000 ms: Timeout was reached\n",
            28,
        ),
        (
            vec!["-v", "-m", "3", "web"],
            Outcome::NoAnswer { addr: SVC },
            "*   Trying 10.96.0.20:80...\n* Connection timed out after 3000 milliseconds\n* Closing connection 0\ncurl: (28) Connection timed out after 3000 milliseconds\n",
            28,
        ),
        (
            vec!["-sv", "-m", "10", "web:8000/color"],
            Outcome::Connected { addr: SVC, after_ms: 1, reply: Reply::Silent },
            "*   Trying 10.96.0.20:8000...\n* Connected to web (10.96.0.20) port 8000 (#0)\n> GET /color HTTP/1.1\r\n> Host: web:8000\r\n> User-Agent: curl/7.88.1\r\n> Accept: */*\r\n> \r\n* Operation timed out after 10000 milliseconds with 0 bytes received\n* Closing connection 0\n",
            28,
        ),
    ];
    for (words, outcome, stderr, code) in cases {
        check(&words, outcome, ("", stderr, code));
    }
}

#[test]
fn write_out_variables() {
    let ok = connected("http://web/", "GET");
    let cases: Vec<(&str, Outcome, &str, &str)> = vec![
        ("%{response_code}", ok.clone(), "200", ""),
        ("%{remote_ip}:%{remote_port}\\n", ok.clone(), "10.96.0.20:80\n", ""),
        ("%{size_download} %{num_headers} %{content_type}", ok.clone(), "615 8 text/html", ""),
        ("%{url_effective} %{method} %{scheme} %{http_version}", ok.clone(), "http://web/ GET HTTP 1.1", ""),
        ("%{size_request} %{size_header}", ok.clone(), "67 238", ""),
        ("%{time_total}s %{num_connects} %{exitcode}", ok.clone(), "0.002000s 1 0", ""),
        ("100%% %{time_namelookup}|", ok.clone(), "100% |", ""),
        ("a\\tb\\\\c", ok.clone(), "a\tb\\c", ""),
        ("[%{bogus}]", ok, "[]", "curl: unknown --write-out variable: 'bogus'\n"),
        ("%{http_code} %{exitcode} %{remote_ip}", Outcome::Unresolved, "000 6 ", ""),
        ("%{time_total}", Outcome::NoAnswer { addr: SVC }, "127.000000", ""),
    ];
    for (fmt, outcome, stdout, extra_err) in cases {
        let argv: Vec<String> = ["-s", "-o", "/dev/null", "-w", fmt, "web"].iter().map(|w| w.to_string()).collect();
        let args = parse_args(&argv).expect("valid arguments");
        let (out, err, _) = output(&args, &outcome);
        assert_eq!((out.as_str(), err.as_str()), (stdout, extra_err), "-w {fmt}");
    }
}

#[test]
fn run_parses_asks_the_network_and_prints() {
    let argv = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut asked = Vec::new();
    let got = run(&argv(&["-sI", "web:8080/x"]), |url, req| {
        asked.push((url.text(), req.bytes()));
        Outcome::Refused { addr: SVC, after_ms: 0 }
    });
    assert_eq!(got, (String::new(), String::new(), 7));
    assert_eq!(
        asked,
        vec![("http://web:8080/x".to_string(), "HEAD /x HTTP/1.1\r\nHost: web:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n".to_string())]
    );
    let unknown = run(&argv(&["--bogus", "web"]), |_, _| unreachable!("no network for a usage error"));
    assert_eq!(unknown, (String::new(), "curl: option --bogus: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n".to_string(), 2));
    let https = run(&argv(&["https://web/"]), |_, _| unreachable!("no network for a refused URL"));
    assert_eq!(https, (String::new(), "curl: (1) https is not simulated: the simulated servers speak plain HTTP only (no TLS)\n".to_string(), 1));
}
