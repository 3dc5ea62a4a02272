//! busybox wget (BusyBox v1.36.1): its command line and what it prints for one fetch.
//!
//! The request is `GET /path HTTP/1.1` with `Host` (the URL's host and port as written),
//! `User-Agent: Wget` and `Connection: close`. Without `-q`, stderr gets `Connecting to web
//! (10.96.0.20:80)`, then `writing to stdout` (or `saving to 'index.html'`), the finished
//! progress bar as a terminal shows it (32 stars) and `written to stdout` (or `'index.html'
//! saved`); `-S` adds the status and header lines indented by two spaces; `--spider` only says
//! `remote file exists`. The body goes to stdout only with `-O -`; any other file is written in
//! the container (not modelled here). Every failure exits 1: `wget: bad address 'web'`, `wget:
//! can't connect to remote host (10.96.0.20): Connection refused` (or `Connection timed out`
//! when the kernel gives up on unanswered SYNs), `wget: download timed out` (`-T` seconds,
//! default 900, for the connect and for every read), `wget: error getting response` (the
//! server closed without answering), `wget: server returned error: HTTP/1.1 404 Not Found`.
//!
//! Options: `-q`, `-O FILE`, `-T SEC`, `-S`, `-U AGENT`, `--spider`, `--header STR` and their
//! long forms (`--quiet`, `--output-document`, `--timeout`, `--server-response`,
//! `--user-agent`; `--name=value` works, as with getopt_long). Usage errors print getopt's line
//! (`wget: unrecognized option '--bogus'`) and busybox's usage text; the usage banner's build
//! date is left out.

use super::request::{Request, Url};
use super::{Outcome, Reply, Response, SYN_GIVE_UP_MS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WgetArgs {
    pub url: String,
    pub quiet: bool,
    /// `-O FILE` (`-` is stdout).
    pub output: Option<String>,
    /// `-T SEC`: connect and read timeout.
    pub timeout_secs: u64,
    pub spider: bool,
    /// `-S`: print the server's response lines.
    pub server_response: bool,
    pub user_agent: Option<String>,
    pub headers: Vec<String>,
}

impl Default for WgetArgs {
    fn default() -> Self {
        WgetArgs {
            url: String::new(),
            quiet: false,
            output: None,
            timeout_secs: 900,
            spider: false,
            server_response: false,
            user_agent: None,
            headers: Vec::new(),
        }
    }
}

/// busybox's usage text for wget (after the version banner).
pub const USAGE: &str = "Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n\nRetrieve files via HTTP or FTP\n\n\t--spider\tOnly check URL existence: $? is 0 if exists\n\t--header STR\tAdd STR (of form 'header: value') to headers\n\t--post-data STR\tSend STR using POST method\n\t--post-file FILE\tSend FILE using POST method\n\t--no-check-certificate\tDon't validate the server's certificate\n\t-c\t\tContinue retrieval of aborted transfer\n\t-q\t\tQuiet\n\t-P DIR\t\tSave to DIR (default .)\n\t-S    \t\tShow server response\n\t-T SEC\t\tNetwork read timeout is SEC seconds\n\t-O FILE\t\tSave to FILE ('-' for stdout)\n\t-o LOGFILE\tLog messages to FILE\n\t-U STR\t\tUse STR for User-Agent header\n\t-Y on/off\tUse proxy\n";

fn usage(line: Option<String>) -> (String, i32) {
    let mut text = line.map(|l| format!("{l}\n")).unwrap_or_default();
    text.push_str(USAGE);
    (text, 1)
}

/// Options that take a value: short letter and long name.
const VALUED: &[(char, &str)] = &[('O', "output-document"), ('T', "timeout"), ('U', "user-agent"), ('\0', "header")];

fn set(args: &mut WgetArgs, letter: char, value: &str) -> Result<(), (String, i32)> {
    match letter {
        'O' => args.output = Some(value.to_string()),
        'T' => args.timeout_secs = value.parse().map_err(|_| (format!("wget: invalid number '{value}'\n"), 1))?,
        'U' => args.user_agent = Some(value.to_string()),
        _ => args.headers.push(value.to_string()),
    }
    Ok(())
}

fn flag(args: &mut WgetArgs, letter: char) -> bool {
    match letter {
        'q' => args.quiet = true,
        'S' => args.server_response = true,
        's' => args.spider = true,
        _ => return false,
    }
    true
}

/// Reads wget's arguments (without the program name); the error is stderr and the status.
pub fn parse_args(argv: &[String]) -> Result<WgetArgs, (String, i32)> {
    let mut args = WgetArgs::default();
    let mut url = None;
    let mut i = 0;
    while i < argv.len() {
        let word = &argv[i];
        i += 1;
        if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let flag_letter = match name {
                "quiet" => Some('q'),
                "server-response" => Some('S'),
                "spider" => Some('s'),
                _ => None,
            };
            if let Some(c) = flag_letter {
                flag(&mut args, c);
                continue;
            }
            let Some((letter, _)) = VALUED.iter().find(|(_, n)| *n == name) else {
                return Err(usage(Some(format!("wget: unrecognized option '--{name}'"))));
            };
            let value = match inline {
                Some(v) => v,
                None => match argv.get(i) {
                    Some(v) => {
                        i += 1;
                        v.clone()
                    }
                    None => return Err(usage(Some(format!("wget: option '--{name}' requires an argument")))),
                },
            };
            set(&mut args, *letter, &value)?;
            continue;
        }
        if word.len() > 1 && word.starts_with('-') {
            let letters: Vec<char> = word.chars().skip(1).collect();
            let mut j = 0;
            while j < letters.len() {
                let c = letters[j];
                j += 1;
                if c != 's' && flag(&mut args, c) {
                    continue;
                }
                if !matches!(c, 'O' | 'T' | 'U') {
                    return Err(usage(Some(format!("wget: invalid option -- '{c}'"))));
                }
                let attached: String = letters[j..].iter().collect();
                let value = if attached.is_empty() {
                    match argv.get(i) {
                        Some(v) => {
                            i += 1;
                            v.clone()
                        }
                        None => return Err(usage(Some(format!("wget: option requires an argument -- '{c}'")))),
                    }
                } else {
                    attached
                };
                set(&mut args, c, &value)?;
                break;
            }
            continue;
        }
        if url.is_none() {
            url = Some(word.clone());
        }
    }
    match url {
        Some(u) => {
            args.url = u;
            Ok(args)
        }
        None => Err(usage(None)),
    }
}

/// The URL as busybox reads it: the authority as written (`web:8080`) and the parsed URL.
pub fn parse_url(url: &str) -> Result<(String, Url), String> {
    let rest = match url.split_once("://") {
        Some(("http", rest)) => rest,
        Some(("https", _)) => return Err("wget: https is not simulated: the simulated servers speak plain HTTP only (no TLS)".to_string()),
        Some(("ftp", _)) => return Err("wget: ftp is not simulated".to_string()),
        Some(_) => return Err(format!("wget: not an http or ftp url: {url}")),
        None => url,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let path = match tail.chars().next() {
        Some(_) => &tail[1..],
        None => "",
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(n) => (h, n),
            Err(_) => return Err(format!("wget: bad port spec '{authority}'")),
        },
        None => (authority, 80),
    };
    if host.is_empty() {
        return Err(format!("wget: bad address '{authority}'"));
    }
    Ok((authority.to_string(), Url { host: host.to_string(), port, target: format!("/{path}") }))
}

/// The request busybox wget sends for `args` to `url`, whose authority was written `authority`.
pub fn request(args: &WgetArgs, authority: &str, url: &Url) -> Request {
    let mut req = Request::wget(url);
    req.headers[0].1 = authority.to_string();
    if let Some(agent) = &args.user_agent {
        req.headers[1].1 = agent.clone();
    }
    for h in &args.headers {
        if let Some((name, value)) = h.split_once(':') {
            let name = name.trim();
            match req.headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name) && n != "Connection") {
                Some(existing) => existing.1 = value.trim().to_string(),
                None => req.headers.push((name.to_string(), value.trim().to_string())),
            }
        }
    }
    req
}

/// Runs `wget` with `argv` (without the program name), asking `network` what happens.
pub fn run(argv: &[String], network: impl FnOnce(&Url, &Request) -> Outcome) -> (String, String, i32) {
    let args = match parse_args(argv) {
        Ok(a) => a,
        Err((text, code)) => return (String::new(), text, code),
    };
    let outcome = match parse_url(&args.url) {
        Ok((authority, url)) => network(&url, &request(&args, &authority, &url)),
        Err(_) => Outcome::Unresolved,
    };
    output(&args, &outcome)
}

/// What busybox wget prints for `args` when the network did `outcome`.
pub fn output(args: &WgetArgs, outcome: &Outcome) -> (String, String, i32) {
    let (authority, url) = match parse_url(&args.url) {
        Ok(v) => v,
        Err(text) => return (String::new(), format!("{text}\n"), 1),
    };
    let mut err = String::new();
    let die = |mut err: String, text: &str| {
        err.push_str(&format!("wget: {text}\n"));
        (String::new(), err, 1)
    };
    let addr = match outcome {
        Outcome::Unresolved => return die(err, &format!("bad address '{authority}'")),
        Outcome::Refused { addr, .. } | Outcome::NoAnswer { addr } | Outcome::Connected { addr, .. } => *addr,
    };
    if !args.quiet {
        err.push_str(&format!("Connecting to {authority} ({addr}:{})\n", url.port));
    }
    match outcome {
        Outcome::Refused { .. } => die(err, &format!("can't connect to remote host ({addr}): Connection refused")),
        Outcome::NoAnswer { .. } if args.timeout_secs > 0 && args.timeout_secs.saturating_mul(1000) < SYN_GIVE_UP_MS => die(err, "download timed out"),
        Outcome::NoAnswer { .. } => die(err, &format!("can't connect to remote host ({addr}): Connection timed out")),
        Outcome::Connected { reply: Reply::Closed, .. } => die(err, "error getting response"),
        // `-T 0` sets no alarm: wget waits until the console interrupts it.
        Outcome::Connected { reply: Reply::Silent, .. } if args.timeout_secs == 0 => (String::new(), err, 130),
        Outcome::Connected { reply: Reply::Silent, .. } => die(err, "download timed out"),
        Outcome::Connected { reply: Reply::Response(resp), .. } => fetched(args, &url, resp, err),
        Outcome::Unresolved => die(err, &format!("bad address '{authority}'")),
    }
}

/// Whether busybox wget takes a status as success (it follows redirects, and fails on the rest).
fn accepted(status: u16) -> bool {
    matches!(status, 200..=204 | 300..=303 | 307 | 308)
}

fn fetched(args: &WgetArgs, url: &Url, resp: &Response, mut err: String) -> (String, String, i32) {
    if args.server_response {
        err.push_str(&format!("  {}\n", resp.status_line()));
    }
    if !accepted(resp.status) {
        err.push_str(&format!("wget: server returned error: {}\n", resp.status_line()));
        return (String::new(), err, 1);
    }
    if args.server_response {
        for (n, v) in &resp.headers {
            err.push_str(&format!("  {n}: {v}\n"));
        }
    }
    if args.spider {
        if !args.quiet {
            err.push_str("remote file exists\n");
        }
        return (String::new(), err, 0);
    }
    let file = match &args.output {
        Some(f) => f.clone(),
        None => match url.path().rsplit('/').next() {
            Some(last) if !last.is_empty() => last.to_string(),
            _ => "index.html".to_string(),
        },
    };
    let to_stdout = file == "-";
    if !args.quiet {
        err.push_str(&if to_stdout { "writing to stdout\n".to_string() } else { format!("saving to '{file}'\n") });
        err.push_str(&progress_line(&file, resp.body.len()));
        err.push_str(&if to_stdout { "written to stdout\n".to_string() } else { format!("'{file}' saved\n") });
    }
    let stdout = if to_stdout { resp.body.clone() } else { String::new() };
    (stdout, err, 0)
}

/// The finished progress bar: the file's last path component in 20 columns, 100%, a bar of 32
/// stars (an 80-column terminal), the size (abbreviated with k, M, … from 100000 up) and the ETA.
pub fn progress_line(file: &str, size: usize) -> String {
    let name = file.rsplit('/').next().unwrap_or(file);
    let name: String = name.chars().take(20).collect();
    let mut size = size as u64;
    let mut unit = 0;
    while size >= 100_000 {
        unit += 1;
        size >>= 10;
    }
    let suffix = [' ', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'][unit.min(8)];
    format!("{name:<20} 100% |{}|{size:>6}{suffix} 0:00:00 ETA\n", "*".repeat(32))
}
