//! The network probe handlers: what one httpGet, tcpSocket or grpc check answers against the
//! servers running in the pod, worded as the kubelet's probers report it (`pkg/probe/http`:
//! `HTTP probe failed with statuscode: 500`, Go's client errors such as `Get "http://…":
//! dial tcp …: connect: connection refused`; `pkg/probe/tcp`; `pkg/probe/grpc`).
//!
//! Rules: a check reaches the pod's address; a container that runs a catalog server listens on
//! the server's ports and speaks HTTP on its first one. HTTP succeeds when
//! `200 <= status < 400`. Nothing listening ⇒ connection refused; a server that accepts and
//! never answers (`fishbowl/hang`) ⇒ the client's timeout.
//!
//! Simplifications: a `host` in httpGet is printed in the URL but the pod is what answers; a
//! server that listens without speaking HTTP closes the connection (`EOF`); HTTPS is refused
//! by every catalog server, as a plain-HTTP server answers a TLS client; any listening server
//! that answers passes a grpc check (the catalog holds no gRPC health services); checks take no
//! simulated time, a timeout is reported at the probe's instant.

use std::net::Ipv4Addr;

use super::images::Http;
use crate::time::{go_duration, SimDuration};

/// A port a running container of the pod listens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listener {
    pub port: u16,
    /// How it answers HTTP, if it speaks HTTP on this port.
    pub http: Option<Http>,
    /// Whether it answers at all once connected.
    pub answers: bool,
    /// How long its process has run.
    pub up_for: SimDuration,
}

/// What one check returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Failed, with the prober's output (`… probe failed: {output}`).
    Failure(String),
    /// The check could not run (`… probe errored: {error}`); the kubelet throws the result away.
    Error(String),
}

/// A probe's port: a number or the name of one of the container's ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Port {
    Num(i32),
    Name(String),
}

/// `ResolveContainerPort`: a named port from the container's ports, else a number written as
/// a string; the error texts are Go's.
pub fn resolve_port(port: &Port, declared: &[(String, i32)]) -> Result<u16, String> {
    let n = match port {
        Port::Num(n) => *n,
        Port::Name(name) => match declared.iter().find(|(n, _)| n == name) {
            Some((_, p)) => *p,
            None => name.parse::<i32>().map_err(|_| format!("strconv.Atoi: parsing {name:?}: invalid syntax"))?,
        },
    };
    if n > 0 && n < 65536 {
        Ok(n as u16)
    } else {
        Err(format!("invalid port number: {n}"))
    }
}

/// The status an HTTP server answers for `path` (query stripped).
pub fn http_status(http: Http, path: &str, up_for: SimDuration) -> u16 {
    let path = path.split('?').next().unwrap_or("");
    match http {
        Http::NginxWelcome => match path {
            "/" | "/index.html" => 200,
            _ => 404,
        },
        Http::EchoClient | Http::Text(_) | Http::CoreDns | Http::IngressNginx => 200,
        Http::Liveness { healthy_secs } => match path {
            // agnhost compares seconds as a float: exactly 10 s is still healthy.
            "/healthz" if up_for > SimDuration::from_secs(healthy_secs) => 500,
            "/healthz" | "/started" => 200,
            _ => 404,
        },
        Http::WarmUp { after_secs } => {
            if up_for >= SimDuration::from_secs(after_secs) {
                200
            } else {
                503
            }
        }
    }
}

fn listener(listeners: &[Listener], port: u16) -> Option<&Listener> {
    listeners.iter().find(|l| l.port == port)
}

fn refused(ip: Ipv4Addr, port: u16) -> String {
    format!("dial tcp {ip}:{port}: connect: connection refused")
}

/// One httpGet check of `scheme://host:port/path` against the pod at `ip`.
pub fn http_get(scheme: &str, host: &str, ip: Ipv4Addr, port: u16, path: &str, listeners: &[Listener]) -> Outcome {
    let scheme = scheme.to_lowercase();
    let host = if host.is_empty() { ip.to_string() } else { host.to_string() };
    let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
    let url = format!("{scheme}://{host}:{port}{path}");
    let Some(l) = listener(listeners, port) else {
        return Outcome::Failure(format!("Get \"{url}\": {}", refused(ip, port)));
    };
    if !l.answers {
        return Outcome::Failure(format!("Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
    }
    let Some(http) = l.http else {
        return Outcome::Failure(format!("Get \"{url}\": EOF"));
    };
    if scheme == "https" {
        return Outcome::Failure(format!("Get \"{url}\": http: server gave HTTP response to HTTPS client"));
    }
    match http_status(http, &path, l.up_for) {
        code if (200..400).contains(&code) => Outcome::Success,
        code => Outcome::Failure(format!("HTTP probe failed with statuscode: {code}")),
    }
}

/// One tcpSocket check: can a connection be opened?
pub fn tcp_socket(ip: Ipv4Addr, port: u16, listeners: &[Listener]) -> Outcome {
    match listener(listeners, port) {
        Some(_) => Outcome::Success,
        None => Outcome::Failure(refused(ip, port)),
    }
}

/// One grpc check. Without a listener the blocking dial runs into the probe's timeout.
pub fn grpc(ip: Ipv4Addr, port: u16, timeout: SimDuration, listeners: &[Listener]) -> Outcome {
    match listener(listeners, port) {
        Some(l) if l.answers => Outcome::Success,
        Some(_) => Outcome::Failure(format!("timeout: health rpc did not complete within {}", go_duration(timeout.as_micros()))),
        None => Outcome::Failure(format!(
            "timeout: failed to connect service \"{ip}:{port}\" within {}: context deadline exceeded",
            go_duration(timeout.as_micros())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Ipv4Addr = Ipv4Addr::new(10, 244, 1, 5);

    fn l(port: u16, http: Option<Http>, answers: bool, up: u64) -> Listener {
        Listener { port, http, answers, up_for: SimDuration::from_secs(up) }
    }

    #[test]
    fn http_results_follow_the_status_code() {
        let nginx = [l(80, Some(Http::NginxWelcome), true, 5)];
        let live = |up| [l(8080, Some(Http::Liveness { healthy_secs: 10 }), true, up)];
        let cases: Vec<(&str, u16, &str, Vec<Listener>, Outcome)> = vec![
            ("HTTP", 80, "/", nginx.to_vec(), Outcome::Success),
            ("HTTP", 80, "/index.html", nginx.to_vec(), Outcome::Success),
            ("HTTP", 80, "/healthz", nginx.to_vec(), Outcome::Failure("HTTP probe failed with statuscode: 404".into())),
            ("HTTP", 8080, "/healthz", live(3).to_vec(), Outcome::Success),
            ("HTTP", 8080, "/healthz", live(10).to_vec(), Outcome::Success),
            ("HTTP", 8080, "/healthz", live(11).to_vec(), Outcome::Failure("HTTP probe failed with statuscode: 500".into())),
            ("HTTP", 8080, "/started", live(11).to_vec(), Outcome::Success),
            (
                "HTTP",
                8080,
                "/healthz",
                nginx.to_vec(),
                Outcome::Failure("Get \"http://10.244.1.5:8080/healthz\": dial tcp 10.244.1.5:8080: connect: connection refused".into()),
            ),
            (
                "HTTP",
                80,
                "/",
                vec![l(80, Some(Http::NginxWelcome), false, 5)],
                Outcome::Failure("Get \"http://10.244.1.5:80/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into()),
            ),
            ("HTTP", 6379, "/", vec![l(6379, None, true, 5)], Outcome::Failure("Get \"http://10.244.1.5:6379/\": EOF".into())),
            (
                "HTTPS",
                80,
                "/",
                nginx.to_vec(),
                Outcome::Failure("Get \"https://10.244.1.5:80/\": http: server gave HTTP response to HTTPS client".into()),
            ),
            ("HTTP", 8080, "/", vec![l(8080, Some(Http::WarmUp { after_secs: 20 }), true, 19)], Outcome::Failure("HTTP probe failed with statuscode: 503".into())),
            ("HTTP", 8080, "/", vec![l(8080, Some(Http::WarmUp { after_secs: 20 }), true, 20)], Outcome::Success),
        ];
        for (scheme, port, path, ls, want) in cases {
            assert_eq!(http_get(scheme, "", IP, port, path, &ls), want, "{scheme} {port} {path}");
        }
    }

    #[test]
    fn success_is_200_to_399() {
        for (code, ok) in [(199, false), (200, true), (302, true), (399, true), (400, false), (500, false)] {
            assert_eq!((200..400).contains(&code), ok);
        }
    }

    #[test]
    fn tcp_and_grpc_need_a_listener() {
        let hang = [l(80, Some(Http::NginxWelcome), false, 1)];
        assert_eq!(tcp_socket(IP, 80, &hang), Outcome::Success);
        assert_eq!(tcp_socket(IP, 8080, &hang), Outcome::Failure("dial tcp 10.244.1.5:8080: connect: connection refused".into()));
        assert_eq!(
            grpc(IP, 9090, SimDuration::from_secs(1), &hang),
            Outcome::Failure("timeout: failed to connect service \"10.244.1.5:9090\" within 1s: context deadline exceeded".into())
        );
        assert_eq!(grpc(IP, 80, SimDuration::from_secs(1), &[l(80, None, true, 1)]), Outcome::Success);
    }

    #[test]
    fn ports_resolve_by_name_or_number() {
        let declared = [("http".to_string(), 8080)];
        assert_eq!(resolve_port(&Port::Name("http".into()), &declared), Ok(8080));
        assert_eq!(resolve_port(&Port::Name("9090".into()), &declared), Ok(9090));
        assert_eq!(resolve_port(&Port::Num(80), &declared), Ok(80));
        assert_eq!(resolve_port(&Port::Name("web".into()), &declared), Err("strconv.Atoi: parsing \"web\": invalid syntax".into()));
        assert_eq!(resolve_port(&Port::Num(0), &declared), Err("invalid port number: 0".into()));
    }
}
