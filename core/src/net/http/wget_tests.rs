//! busybox wget's output: quiet and chatty fetches, -S, --spider, failures and usage errors.

use std::net::Ipv4Addr;

use super::request::Request;
use super::servers::{respond, Responder};
use super::wget::{parse_args, parse_url, progress_line, request, run, USAGE};
use super::{Outcome, Reply};
use crate::kubelet::images::{Http, NGINX_WELCOME};
use crate::time::SimTime;

const SVC: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 20);

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// Runs wget against nginx at SVC (or the given failure) and compares all three outputs.
fn check(words: &[&str], failure: Option<Outcome>, expect: (&str, &str, i32)) {
    let got = run(&argv(words), |url, req| {
        failure.unwrap_or_else(|| {
            let resp = respond(&Responder::new(Http::NginxWelcome), req, (Ipv4Addr::new(10, 244, 1, 7), 40312), (SVC, url.port), SimTime(60_000_000), 60);
            Outcome::Connected { addr: SVC, after_ms: 1, reply: Reply::Response(resp) }
        })
    });
    assert_eq!((got.0.as_str(), got.1.as_str(), got.2), expect, "wget {words:?}");
}

/// Arguments and (stdout, stderr, status).
type Case<'a> = (Vec<&'a str>, (&'a str, &'a str, i32));

const BAR: &str = "|********************************|   615  0:00:00 ETA\n";

#[test]
fn fetches() {
    let to_stdout = format!("Connecting to web (10.96.0.20:80)\nwriting to stdout\n-                    100% {BAR}written to stdout\n");
    let to_file = format!("Connecting to 10.96.0.20:80 (10.96.0.20:80)\nsaving to 'index.html'\nindex.html           100% {BAR}'index.html' saved\n");
    let named = format!("Connecting to web (10.96.0.20:80)\nsaving to 'page.html'\npage.html            100% {BAR}'page.html' saved\n");
    let cases: Vec<Case> = vec![
        (vec!["-qO-", "web"], (NGINX_WELCOME, "", 0)),
        (vec!["-q", "-O", "-", "http://web/"], (NGINX_WELCOME, "", 0)),
        (vec!["--quiet", "--output-document=-", "web"], (NGINX_WELCOME, "", 0)),
        (vec!["-O-", "web"], (NGINX_WELCOME, &to_stdout, 0)),
        (vec!["10.96.0.20:80"], ("", &to_file, 0)),
        (vec!["-O", "page.html", "web"], ("", &named, 0)),
        (vec!["-q", "web"], ("", "", 0)),
        (vec!["--spider", "web"], ("", "Connecting to web (10.96.0.20:80)\nremote file exists\n", 0)),
        (vec!["-q", "--spider", "web"], ("", "", 0)),
    ];
    for (words, expect) in cases {
        check(&words, None, expect);
    }
}

#[test]
fn server_response_lines_are_indented() {
    let expect = "  HTTP/1.1 200 OK\n  Server: nginx/1.27.3\n  Date: Mon, 01 Jan 2024 00:01:00 GMT\n  Content-Type: text/html\n  Content-Length: 615\n  Last-Modified: Tue, 26 Nov 2024 15:55:00 GMT\n  Connection: keep-alive\n  ETag: \"6745ef54-267\"\n  Accept-Ranges: bytes\n";
    check(&["-qSO-", "web"], None, (NGINX_WELCOME, expect, 0));
    check(&["-qS", "web/missing"], None, ("", "  HTTP/1.1 404 Not Found\nwget: server returned error: HTTP/1.1 404 Not Found\n", 1));
}

#[test]
fn failures_exit_1_with_busybox_texts() {
    let refused = Some(Outcome::Refused { addr: SVC, after_ms: 1 });
    let dropped = Some(Outcome::NoAnswer { addr: SVC });
    let cases: Vec<(Vec<&str>, Option<Outcome>, &str)> = vec![
        (vec!["-qO-", "web"], Some(Outcome::Unresolved), "wget: bad address 'web'\n"),
        (vec!["-O-", "web:8080"], Some(Outcome::Unresolved), "wget: bad address 'web:8080'\n"),
        (vec!["-qO-", "web"], refused.clone(), "wget: can't connect to remote host (10.96.0.20): Connection refused\n"),
        (vec!["-O-", "web"], refused, "Connecting to web (10.96.0.20:80)\nwget: can't connect to remote host (10.96.0.20): Connection refused\n"),
        (vec!["-qO-", "-T", "5", "web"], dropped.clone(), "wget: download timed out\n"),
        (vec!["-qO-", "--timeout=2", "web"], dropped.clone(), "wget: download timed out\n"),
        (vec!["-qO-", "-T", "18446744073709551615", "web"], dropped.clone(), "wget: can't connect to remote host (10.96.0.20): Connection timed out\n"),
        (vec!["-qO-", "web"], dropped, "wget: can't connect to remote host (10.96.0.20): Connection timed out\n"),
        (vec!["-qO-", "web"], Some(Outcome::Connected { addr: SVC, after_ms: 1, reply: Reply::Closed }), "wget: error getting response\n"),
        (vec!["-qO-", "-T", "3", "web"], Some(Outcome::Connected { addr: SVC, after_ms: 1, reply: Reply::Silent }), "wget: download timed out\n"),
        (vec!["-qO-", "web/healthz"], None, "wget: server returned error: HTTP/1.1 404 Not Found\n"),
        (vec!["-qO-", "https://web/"], None, "wget: https is not simulated: the simulated servers speak plain HTTP only (no TLS)\n"),
        (vec!["-qO-", "gopher://web/"], None, "wget: not an http or ftp url: gopher://web/\n"),
        (vec!["-qO-", "web:http/"], None, "wget: bad port spec 'web:http'\n"),
        (vec!["-qO-", "-T", "abc", "web"], None, "wget: invalid number 'abc'\n"),
    ];
    for (words, failure, stderr) in cases {
        check(&words, failure, ("", stderr, 1));
    }
    let silent = Some(Outcome::Connected { addr: SVC, after_ms: 1, reply: Reply::Silent });
    check(&["-qO-", "-T", "0", "web"], silent, ("", "", 130));
}

#[test]
fn usage_errors_print_getopts_line_and_the_usage() {
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["--bogus", "web"], format!("wget: unrecognized option '--bogus'\n{USAGE}")),
        (vec!["-Z", "web"], format!("wget: invalid option -- 'Z'\n{USAGE}")),
        (vec!["web", "-O"], format!("wget: option requires an argument -- 'O'\n{USAGE}")),
        (vec!["web", "--timeout"], format!("wget: option '--timeout' requires an argument\n{USAGE}")),
        (vec!["-q"], USAGE.to_string()),
    ];
    for (words, stderr) in cases {
        assert_eq!(parse_args(&argv(&words)), Err((stderr, 1)), "{words:?}");
    }
}

#[test]
fn busybox_requests_keep_the_authority_as_written() {
    for (url, user_agent, headers, bytes) in [
        ("web", None, vec![], "GET / HTTP/1.1\r\nHost: web\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n"),
        ("http://web:80/a?b", None, vec![], "GET /a?b HTTP/1.1\r\nHost: web:80\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n"),
        ("web", Some("probe"), vec!["X-Id: 7"], "GET / HTTP/1.1\r\nHost: web\r\nUser-Agent: probe\r\nConnection: close\r\nX-Id: 7\r\n\r\n"),
    ] {
        let mut args = parse_args(&argv(&[url])).expect("valid");
        args.user_agent = user_agent.map(str::to_string);
        args.headers = headers.into_iter().map(str::to_string).collect();
        let (authority, parsed) = parse_url(url).expect("valid url");
        let req: Request = request(&args, &authority, &parsed);
        assert_eq!(req.bytes(), bytes, "{url}");
    }
}

#[test]
fn progress_bar_columns() {
    assert_eq!(progress_line("-", 615), format!("-                    100% {BAR}"));
    assert_eq!(progress_line("/tmp/a-very-long-file-name.html", 12), "a-very-long-file-nam 100% |********************************|    12  0:00:00 ETA\n");
    assert_eq!(progress_line("big", 2_000_000), "big                  100% |********************************|  1953k 0:00:00 ETA\n");
}
