//! curl's command line: the options this model understands, their values, and curl's usage
//! errors (exit status 2).
//!
//! Short options combine (`-sS`, `-sSo /dev/null`) and take their value attached or as the next
//! word (`-w%{http_code}`, `-m 5`); long options take the next word (`--max-time 5`; curl has
//! no `--opt=value` form, so that is an unknown option). The first word that is not an option
//! is the URL. Timeouts are seconds with an optional fraction (`0.5`).
//!
//! Understood: `-s/--silent`, `-S/--show-error`, `-v/--verbose`, `-I/--head`, `-i/--include`,
//! `-f/--fail`, `-L/--location` and `-k/--insecure` (accepted; the catalog has no redirects and
//! no TLS), `-o/--output`, `-w/--write-out`, `--connect-timeout`, `-m/--max-time`,
//! `-H/--header`, `-A/--user-agent`, `-X/--request`, `-4/--ipv4`, `--http1.1`,
//! `--no-progress-meter`. Common real options that are not modelled (`-d`, `-u`, `-x`, …) are
//! refused with a message saying so, not called unknown. Long options must be written out
//! whole (curl also takes unambiguous prefixes); one URL per command (later ones are ignored).

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurlArgs {
    pub url: String,
    /// `-s`: no error messages (unless `-S`), no progress meter.
    pub silent: bool,
    /// `-S`: error messages even with `-s`.
    pub show_error: bool,
    pub verbose: bool,
    /// `-I`: a HEAD request; the headers go to stdout.
    pub head: bool,
    /// `-i`: the headers go to stdout before the body.
    pub include: bool,
    /// `-f`: HTTP errors (>= 400) print nothing to stdout and exit 22.
    pub fail: bool,
    /// `-o FILE`: the body goes to FILE (`/dev/null` discards it).
    pub output: Option<String>,
    /// `-w FORMAT`.
    pub write_out: Option<String>,
    pub connect_timeout_ms: Option<u64>,
    pub max_time_ms: Option<u64>,
    /// `-H` lines (and `-A` as a `User-Agent:` line), in order.
    pub headers: Vec<String>,
    /// `-X METHOD`.
    pub method: Option<String>,
}

impl CurlArgs {
    /// The request method: `-X`, else HEAD for `-I`, else GET.
    pub fn method(&self) -> &str {
        match (&self.method, self.head) {
            (Some(m), _) => m,
            (None, true) => "HEAD",
            (None, false) => "GET",
        }
    }

    /// The request this command sends to `url`.
    pub fn request(&self, url: &super::Url) -> super::Request {
        super::Request::curl(url, self.method(), &self.headers)
    }

    /// Whether error messages are printed.
    pub fn shows_errors(&self) -> bool {
        !self.silent || self.show_error
    }
}

const TRY: &str = "curl: try 'curl --help' or 'curl --manual' for more information";

fn usage(text: String) -> (String, i32) {
    (format!("{text}\n{TRY}\n"), 2)
}

/// Real curl options the model does not run, separated by spaces.
const NOT_MODELLED: &str = "-d --data --data-raw --data-binary --json -F --form -u --user -x --proxy -O --remote-name -T --upload-file -b --cookie \
     -c --cookie-jar -e --referer -r --range --resolve --compressed --http2 -V --version -h --help -# --progress-bar --retry -6 --ipv6 \
     --cacert --cert --key --unix-socket";

fn not_modelled(option: &str) -> bool {
    NOT_MODELLED.split_whitespace().any(|o| o == option)
}

/// What a short option letter means: a flag, or an option taking a value.
enum Kind {
    Flag(fn(&mut CurlArgs)),
    Value(&'static str),
}

fn short(c: char) -> Option<Kind> {
    Some(match c {
        's' => Kind::Flag(|a| a.silent = true),
        'S' => Kind::Flag(|a| a.show_error = true),
        'v' => Kind::Flag(|a| a.verbose = true),
        'I' => Kind::Flag(|a| a.head = true),
        'i' => Kind::Flag(|a| a.include = true),
        'f' => Kind::Flag(|a| a.fail = true),
        'L' | 'k' | '4' => Kind::Flag(|_| {}),
        'o' => Kind::Value("--output"),
        'w' => Kind::Value("--write-out"),
        'm' => Kind::Value("--max-time"),
        'H' => Kind::Value("--header"),
        'A' => Kind::Value("--user-agent"),
        'X' => Kind::Value("--request"),
        _ => return None,
    })
}

/// Long options that take a value.
const LONG_VALUES: &[&str] = &["--output", "--write-out", "--max-time", "--connect-timeout", "--header", "--user-agent", "--request"];

fn long(name: &str) -> Option<Kind> {
    if let Some(n) = LONG_VALUES.iter().find(|n| **n == name) {
        return Some(Kind::Value(n));
    }
    Some(match name {
        "--silent" => Kind::Flag(|a| a.silent = true),
        "--show-error" => Kind::Flag(|a| a.show_error = true),
        "--verbose" => Kind::Flag(|a| a.verbose = true),
        "--head" => Kind::Flag(|a| a.head = true),
        "--include" => Kind::Flag(|a| a.include = true),
        "--fail" => Kind::Flag(|a| a.fail = true),
        "--location" | "--insecure" | "--ipv4" | "--http1.1" | "--no-progress-meter" => Kind::Flag(|_| {}),
        _ => return None,
    })
}

/// Seconds with an optional fraction, as milliseconds.
fn seconds_ms(text: &str, opt: &str) -> Result<u64, (String, i32)> {
    let bad = || usage(format!("curl: option {opt}: expected a proper numerical parameter"));
    if text.starts_with('-') && text.len() > 1 && text[1..].chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(usage(format!("curl: option {opt}: expected a positive numerical parameter")));
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty() || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let mut ms = 0u64;
    for (i, d) in frac.chars().take(3).enumerate() {
        ms += u64::from(d.to_digit(10).unwrap_or(0)) * [100, 10, 1][i];
    }
    whole.checked_mul(1000).and_then(|w| w.checked_add(ms)).ok_or_else(bad)
}

fn set_value(args: &mut CurlArgs, long_name: &str, typed: &str, value: &str) -> Result<(), (String, i32)> {
    match long_name {
        "--output" => args.output = Some(value.to_string()),
        "--write-out" => args.write_out = Some(value.to_string()),
        "--max-time" => args.max_time_ms = Some(seconds_ms(value, typed)?),
        "--connect-timeout" => args.connect_timeout_ms = Some(seconds_ms(value, typed)?),
        "--header" => args.headers.push(value.to_string()),
        "--user-agent" => args.headers.push(format!("User-Agent: {value}")),
        _ => args.method = Some(value.to_string()),
    }
    Ok(())
}

/// Reads curl's arguments (without the program name). The error is curl's text for stderr and
/// its exit status.
pub fn parse_args(args: &[String]) -> Result<CurlArgs, (String, i32)> {
    let mut out = CurlArgs::default();
    let mut url: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let word = &args[i];
        i += 1;
        if not_modelled(word) {
            return Err(usage(format!("curl: option {word}: is not simulated by Fishbowl")));
        }
        if word.starts_with("--") {
            match long(word) {
                Some(Kind::Flag(set)) => set(&mut out),
                Some(Kind::Value(name)) => {
                    let Some(value) = args.get(i) else {
                        return Err(usage(format!("curl: option {word}: requires parameter")));
                    };
                    i += 1;
                    set_value(&mut out, name, word, value)?;
                }
                None => return Err(usage(format!("curl: option {word}: is unknown"))),
            }
            continue;
        }
        if word.len() > 1 && word.starts_with('-') {
            let letters: Vec<char> = word.chars().skip(1).collect();
            let mut j = 0;
            while j < letters.len() {
                let c = letters[j];
                j += 1;
                match short(c) {
                    Some(Kind::Flag(set)) => set(&mut out),
                    Some(Kind::Value(name)) => {
                        let attached: String = letters[j..].iter().collect();
                        let value = if attached.is_empty() {
                            let Some(v) = args.get(i) else {
                                return Err(usage(format!("curl: option {word}: requires parameter")));
                            };
                            i += 1;
                            v.clone()
                        } else {
                            attached
                        };
                        set_value(&mut out, name, word, &value)?;
                        break;
                    }
                    None if not_modelled(&format!("-{c}")) => {
                        return Err(usage(format!("curl: option -{c}: is not simulated by Fishbowl")));
                    }
                    None => return Err(usage(format!("curl: option {word}: is unknown"))),
                }
            }
            continue;
        }
        if url.is_none() {
            url = Some(word.clone());
        }
    }
    match url {
        Some(u) => {
            out.url = u;
            Ok(out)
        }
        None => Err(usage("curl: no URL specified!".to_string())),
    }
}
