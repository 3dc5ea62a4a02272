//! curl's command line: options, values and the usage errors curl prints.

use super::curl_args::{parse_args, CurlArgs};

const TRY: &str = "curl: try 'curl --help' or 'curl --manual' for more information\n";

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn check(words: &[&str], expect: Result<CurlArgs, (String, i32)>) {
    assert_eq!(parse_args(&argv(words)), expect, "{words:?}");
}

fn args(url: &str, edit: impl FnOnce(&mut CurlArgs)) -> Result<CurlArgs, (String, i32)> {
    let mut a = CurlArgs { url: url.to_string(), ..CurlArgs::default() };
    edit(&mut a);
    Ok(a)
}

fn usage(first: &str) -> Result<CurlArgs, (String, i32)> {
    Err((format!("{first}\n{TRY}"), 2))
}

#[test]
fn options_and_values() {
    check(&["web"], args("web", |_| {}));
    check(&["-s", "http://web/"], args("http://web/", |a| a.silent = true));
    check(&["-sS", "web"], args("web", |a| (a.silent, a.show_error) = (true, true)));
    check(&["--silent", "--show-error", "web"], args("web", |a| (a.silent, a.show_error) = (true, true)));
    check(&["-v", "web"], args("web", |a| a.verbose = true));
    check(&["web", "-I"], args("web", |a| a.head = true));
    check(&["--head", "web"], args("web", |a| a.head = true));
    check(&["-i", "-f", "-L", "-k", "web"], args("web", |a| (a.include, a.fail) = (true, true)));
    check(
        &["-sS", "-o", "/dev/null", "-w", "%{http_code}", "web"],
        args("web", |a| {
            (a.silent, a.show_error) = (true, true);
            a.output = Some("/dev/null".into());
            a.write_out = Some("%{http_code}".into());
        }),
    );
    check(
        &["-sSo", "/dev/null", "-w%{http_code}", "web"],
        args("web", |a| {
            (a.silent, a.show_error) = (true, true);
            a.output = Some("/dev/null".into());
            a.write_out = Some("%{http_code}".into());
        }),
    );
    check(&["--connect-timeout", "5", "web"], args("web", |a| a.connect_timeout_ms = Some(5_000)));
    check(&["--connect-timeout", "0.5", "web"], args("web", |a| a.connect_timeout_ms = Some(500)));
    check(&["-m", "2.25", "web"], args("web", |a| a.max_time_ms = Some(2_250)));
    check(&["-m3", "web"], args("web", |a| a.max_time_ms = Some(3_000)));
    check(&["--max-time", "10", "web"], args("web", |a| a.max_time_ms = Some(10_000)));
    check(&["-H", "Host: shop", "-A", "probe/1", "web"], args("web", |a| a.headers = vec!["Host: shop".into(), "User-Agent: probe/1".into()]));
    check(&["-X", "HEAD", "web"], args("web", |a| a.method = Some("HEAD".into())));
    check(&["web", "other"], args("web", |_| {}));
}

#[test]
fn usage_errors_are_curls() {
    check(&["--bogus", "web"], usage("curl: option --bogus: is unknown"));
    check(&["-Q", "web"], usage("curl: option -Q: is unknown"));
    check(&["-sQ", "web"], usage("curl: option -sQ: is unknown"));
    check(&["--max-time=5", "web"], usage("curl: option --max-time=5: is unknown"));
    check(&[], usage("curl: no URL specified!"));
    check(&["-s"], usage("curl: no URL specified!"));
    check(&["web", "-o"], usage("curl: option -o: requires parameter"));
    check(&["web", "--connect-timeout"], usage("curl: option --connect-timeout: requires parameter"));
    check(&["-m", "abc", "web"], usage("curl: option -m: expected a proper numerical parameter"));
    check(&["--connect-timeout", "1.2.3", "web"], usage("curl: option --connect-timeout: expected a proper numerical parameter"));
    check(&["--connect-timeout", "-1", "web"], usage("curl: option --connect-timeout: expected a positive numerical parameter"));
    check(&["-d", "x=1", "web"], usage("curl: option -d: is not simulated by Fishbowl"));
    check(&["-sd", "x=1", "web"], usage("curl: option -d: is not simulated by Fishbowl"));
    check(&["--data", "x=1", "web"], usage("curl: option --data: is not simulated by Fishbowl"));
}

#[test]
fn methods_follow_head_and_request() {
    let parsed = |w: &[&str]| parse_args(&argv(w)).expect("valid");
    assert_eq!(parsed(&["web"]).method(), "GET");
    assert_eq!(parsed(&["-I", "web"]).method(), "HEAD");
    assert_eq!(parsed(&["-X", "DELETE", "-I", "web"]).method(), "DELETE");
    assert!(parsed(&["web"]).shows_errors());
    assert!(!parsed(&["-s", "web"]).shows_errors());
    assert!(parsed(&["-sS", "web"]).shows_errors());
}
