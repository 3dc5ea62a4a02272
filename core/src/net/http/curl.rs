//! What curl 7.88.1 prints for one fetch: standard output, standard error and exit status.
//!
//! stdout holds the body (nothing with `-o FILE`), the header block first with `-i`, only the
//! header block with `-I` (a HEAD request), then the `-w` text. stderr holds the `-v` trace
//! (`*` notes, `>` request and `<` response header lines, which keep the CRLF of the wire) and
//! the error line `curl: (N) …` unless `-s` is given without `-S`.
//!
//! Failures and their texts: a name that does not resolve, `(6) Could not resolve host: web`;
//! a refused connection, `(7) Failed to connect to web port 80 after 3 ms: Couldn't connect to
//! server`; unanswered SYNs end at the first of `-m` (`(28) Connection timed out after 5000
//! milliseconds`), `--connect-timeout` (`(28) Failed to connect to web port 80 after 5000 ms:
//! Timeout was reached`) and the kernel giving up after 127 s (`(7)`, `Couldn't connect to
//! server`); a server that closes without answering, `(52) Empty reply from server`; one that
//! never answers, `(28) Operation timed out after 5000 milliseconds with 0 bytes received` with
//! `-m` (without it curl waits until interrupted: exit 130, nothing more printed); `-f` and a
//! status of 400 or more, `(22) The requested URL returned error: 404`. With `-w`,
//! `%{http_code}` is `000` when no response came.
//!
//! `-w` understands `%{http_code}`, `%{response_code}`, `%{http_version}`, `%{remote_ip}`,
//! `%{remote_port}`, `%{size_download}`, `%{size_header}`, `%{size_request}`,
//! `%{content_type}`, `%{url_effective}`, `%{url}`, `%{method}`, `%{scheme}`, `%{exitcode}`,
//! `%{num_connects}`, `%{num_headers}`, `%{time_total}` (the simulated elapsed time), `%%`
//! and the escapes `\n`, `\r`, `\t`, `\\`; curl's other variables print nothing here; an
//! unknown name draws curl's warning.

use super::curl_args::{parse_args, CurlArgs};
use super::request::{parse, Request, Url};
use super::{Outcome, Reply, Response, SYN_GIVE_UP_MS};

/// curl's own default connect timeout (`DEFAULT_CONNECT_TIMEOUT`, 300 s).
const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 300_000;

/// What a run printed, and its exit status.
#[derive(Debug, Default)]
struct Printed {
    stdout: String,
    stderr: String,
    code: i32,
}

impl Printed {
    fn note(&mut self, args: &CurlArgs, line: &str) {
        if args.verbose {
            self.stderr.push_str(&format!("* {line}\n"));
        }
    }

    /// Ends the run with curl's error `(code) text`.
    fn fail(&mut self, args: &CurlArgs, code: i32, text: &str) {
        self.note(args, text);
        self.note(args, "Closing connection 0");
        if args.shows_errors() {
            self.stderr.push_str(&format!("curl: ({code}) {text}\n"));
        }
        self.code = code;
    }
}

/// Runs `curl` with `argv` (without the program name): `network` is asked what happens to the
/// request, once the arguments and the URL are valid.
pub fn run(argv: &[String], network: impl FnOnce(&Url, &Request) -> Outcome) -> (String, String, i32) {
    let args = match parse_args(argv) {
        Ok(a) => a,
        Err((text, code)) => return (String::new(), text, code),
    };
    let outcome = match parse(&args.url) {
        Ok(url) => network(&url, &args.request(&url)),
        Err(_) => Outcome::Unresolved,
    };
    output(&args, &outcome)
}

/// What curl prints for `args` when the network did `outcome`.
pub fn output(args: &CurlArgs, outcome: &Outcome) -> (String, String, i32) {
    let mut p = Printed::default();
    let url = match parse(&args.url) {
        Ok(u) => u,
        Err(e) => {
            // Refused before any connection exists: only the error line.
            if args.shows_errors() {
                p.stderr.push_str(&format!("{}\n", e.line()));
            }
            p.code = e.code;
            if let Some(fmt) = &args.write_out {
                p.stdout.push_str(&write_out(fmt, &Facts { code: e.code, ..Facts::default() }, &mut p.stderr));
            }
            return (p.stdout, p.stderr, p.code);
        }
    };
    let req = args.request(&url);
    let (host, port) = (url.host.as_str(), url.port);
    let mut facts = Facts { url: url.text(), method: req.method.clone(), ..Facts::default() };
    match outcome {
        Outcome::Unresolved => p.fail(args, 6, &format!("Could not resolve host: {host}")),
        Outcome::Refused { addr, after_ms } => {
            facts.remote = Some((addr.to_string(), port));
            facts.elapsed_ms = *after_ms;
            p.note(args, &format!("  Trying {addr}:{port}..."));
            p.note(args, &format!("connect to {addr} port {port} failed: Connection refused"));
            p.fail(args, 7, &format!("Failed to connect to {host} port {port} after {after_ms} ms: Couldn't connect to server"));
        }
        Outcome::NoAnswer { addr } => {
            facts.remote = Some((addr.to_string(), port));
            p.note(args, &format!("  Trying {addr}:{port}..."));
            let connect_limit = args.connect_timeout_ms.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS);
            match args.max_time_ms {
                Some(max) if max <= connect_limit.min(SYN_GIVE_UP_MS) => {
                    facts.elapsed_ms = max;
                    p.fail(args, 28, &format!("Connection timed out after {max} milliseconds"));
                }
                _ if connect_limit <= SYN_GIVE_UP_MS => {
                    facts.elapsed_ms = connect_limit;
                    p.note(args, &format!("ipv4 connect timeout after {connect_limit}ms, move on!"));
                    p.fail(args, 28, &format!("Failed to connect to {host} port {port} after {connect_limit} ms: Timeout was reached"));
                }
                _ => {
                    facts.elapsed_ms = SYN_GIVE_UP_MS;
                    p.note(args, &format!("connect to {addr} port {port} failed: Connection timed out"));
                    p.fail(args, 7, &format!("Failed to connect to {host} port {port} after {SYN_GIVE_UP_MS} ms: Couldn't connect to server"));
                }
            }
        }
        Outcome::Connected { addr, after_ms, reply } => {
            facts.remote = Some((addr.to_string(), port));
            facts.connects = 1;
            facts.elapsed_ms = *after_ms;
            facts.request_size = req.bytes().len();
            p.note(args, &format!("  Trying {addr}:{port}..."));
            p.note(args, &format!("Connected to {host} ({addr}) port {port} (#0)"));
            if args.verbose {
                for line in req.lines() {
                    p.stderr.push_str(&format!("> {line}\r\n"));
                }
                p.stderr.push_str("> \r\n");
            }
            match reply {
                Reply::Closed => p.fail(args, 52, "Empty reply from server"),
                Reply::Silent => match args.max_time_ms {
                    Some(max) => {
                        facts.elapsed_ms = max;
                        p.fail(args, 28, &format!("Operation timed out after {max} milliseconds with 0 bytes received"));
                    }
                    None => return (p.stdout, p.stderr, 130),
                },
                Reply::Response(resp) => answered(args, host, resp, &mut p, &mut facts),
            }
        }
    }
    facts.code = p.code;
    if let Some(fmt) = &args.write_out {
        let text = write_out(fmt, &facts, &mut p.stderr);
        p.stdout.push_str(&text);
    }
    (p.stdout, p.stderr, p.code)
}

/// A response arrived: the trace, the output, `-f`.
fn answered(args: &CurlArgs, host: &str, resp: &Response, p: &mut Printed, facts: &mut Facts) {
    facts.status = resp.status;
    facts.header_size = resp.head_bytes().len();
    facts.headers = resp.headers.len();
    facts.content_type = resp.header("Content-Type").map(str::to_string);
    if args.verbose {
        for line in resp.head_lines() {
            p.stderr.push_str(&format!("< {line}\r\n"));
        }
        p.stderr.push_str("< \r\n");
    }
    if args.fail && resp.status >= 400 {
        p.fail(args, 22, &format!("The requested URL returned error: {}", resp.status));
        return;
    }
    facts.download = if args.head { 0 } else { resp.body.len() };
    if args.output.is_none() {
        if args.head || args.include {
            p.stdout.push_str(&resp.head_bytes());
        }
        if !args.head {
            p.stdout.push_str(&resp.body);
        }
    }
    p.note(args, &format!("Connection #0 to host {host} left intact"));
}

/// What `-w` can report about a run.
#[derive(Debug, Default)]
struct Facts {
    url: String,
    method: String,
    status: u16,
    remote: Option<(String, u16)>,
    download: usize,
    header_size: usize,
    request_size: usize,
    headers: usize,
    connects: u32,
    content_type: Option<String>,
    code: i32,
    elapsed_ms: u64,
}

/// curl's `-w` variables (7.88.1) that print nothing in this model, separated by spaces.
const QUIET_VARIABLES: &str = "filename_effective ftp_entry_path header_json http_connect json local_ip local_port num_redirects onerror \
     proxy_ssl_verify_result redirect_url referer size_upload speed_download speed_upload ssl_verify_result stderr stdout time_appconnect \
     time_connect time_namelookup time_pretransfer time_redirect time_starttransfer urlnum";

/// Expands a `-w` format; warnings for unknown variables go to `stderr`.
fn write_out(fmt: &str, f: &Facts, stderr: &mut String) -> String {
    let mut out = String::new();
    let mut rest = fmt;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("%{") {
            if let Some(end) = after.find('}') {
                let name = &after[..end];
                match variable(name, f) {
                    Some(v) => out.push_str(&v),
                    None if QUIET_VARIABLES.split_whitespace().any(|v| v == name) => {}
                    None => stderr.push_str(&format!("curl: unknown --write-out variable: '{name}'\n")),
                }
                rest = &after[end + 1..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("%%") {
            out.push('%');
            rest = after;
            continue;
        }
        if let Some(after) = rest.strip_prefix('\\') {
            match after.chars().next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => {
                    out.push('\\');
                    break;
                }
            }
            rest = &after[after.chars().next().map_or(0, char::len_utf8)..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn variable(name: &str, f: &Facts) -> Option<String> {
    Some(match name {
        "http_code" | "response_code" => format!("{:03}", f.status),
        "http_version" => if f.status == 0 { "0" } else { "1.1" }.to_string(),
        "remote_ip" => f.remote.as_ref().map_or(String::new(), |(ip, _)| ip.clone()),
        "remote_port" => f.remote.as_ref().map_or(String::new(), |(_, p)| p.to_string()),
        "size_download" => f.download.to_string(),
        "size_header" => f.header_size.to_string(),
        "size_request" => f.request_size.to_string(),
        "content_type" => f.content_type.clone().unwrap_or_default(),
        "url_effective" => f.url.clone(),
        "url" => f.url.clone(),
        "method" => f.method.clone(),
        "scheme" => if f.url.is_empty() { "" } else { "HTTP" }.to_string(),
        "exitcode" => f.code.to_string(),
        "num_connects" => f.connects.to_string(),
        "num_headers" => f.headers.to_string(),
        "time_total" => format!("{}.{:06}", f.elapsed_ms / 1000, (f.elapsed_ms % 1000) * 1000),
        _ => return None,
    })
}
