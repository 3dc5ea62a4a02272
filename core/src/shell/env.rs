//! Commands inside a container that read its configuration: `env`, `printenv [NAME…]`, `echo`
//! with `$VAR` / `${VAR}` expanded from the container's environment, and `sh -c 'SCRIPT'`
//! running such commands joined by `;`, `&&`, `||` or newlines. File commands are in
//! `files.rs`.
//!
//! The container's environment is the one it was started with (`crate::kubelet::view`), as
//! the real process's is. A `$VAR` typed outside `sh -c` would be expanded by the user's own
//! shell before kubectl ran; the console has none, so it is expanded here, in the container.

use crate::kubectl::Output;
use crate::kubelet::view::ContainerView;

use super::files;

/// Runs `argv` if it is one of these commands; `None` leaves it to the other tools.
pub fn run(view: &ContainerView, argv: &[String]) -> Option<Output> {
    let program = argv.first()?;
    let exe = program.rsplit('/').next().unwrap_or(program);
    if matches!(exe, "sh" | "bash" | "ash" | "dash") {
        // busybox images have sh and ash, not bash: the runtime's "not found" answers.
        if exe == "bash" && view.busybox {
            return None;
        }
        let Some(i) = argv.iter().position(|a| a == "-c") else {
            return Some(Output::error(format!(
                "fishbowl: an interactive `{exe}` is not simulated: run one command at a time, as in `kubectl exec POD -- {exe} -c 'COMMAND'`"
            )));
        };
        return Some(script(view, argv.get(i + 1).map(String::as_str).unwrap_or("")));
    }
    let words: Vec<String> = argv.iter().map(|w| expand(view, w)).collect();
    simple(view, &words)
}

/// One simple command, already expanded.
fn simple(view: &ContainerView, words: &[String]) -> Option<Output> {
    let exe = words.first()?.rsplit('/').next().unwrap_or("");
    let rest = &words[1..];
    Some(match exe {
        "hostname" if rest.is_empty() => Output::ok(format!("{}\n", lookup(view, "HOSTNAME"))),
        "env" | "printenv" if rest.is_empty() => Output::ok(view.env.iter().map(|(k, v)| format!("{k}={v}\n")).collect::<String>()),
        "printenv" => {
            let mut out = String::new();
            let mut missing = false;
            for name in rest {
                match view.env.iter().rev().find(|(k, _)| k == name) {
                    Some((_, v)) => out.push_str(&format!("{v}\n")),
                    None => missing = true,
                }
            }
            let mut o = Output::ok(out);
            if missing {
                o.push(exit_status(1));
            }
            o
        }
        "echo" => {
            let (rest, newline) = match rest.first().map(String::as_str) {
                Some("-n") => (&rest[1..], false),
                _ => (rest, true),
            };
            Output::ok(format!("{}{}", rest.join(" "), if newline { "\n" } else { "" }))
        }
        "cat" | "ls" => files::run(view, exe, rest),
        _ => return None,
    })
}

/// What kubectl prints when the remote command exits with a non-zero status.
pub fn exit_status(code: i32) -> Output {
    let mut o = Output::error(format!("command terminated with exit code {code}"));
    o.status = code;
    o
}

/// The value of `$NAME` in the container (empty when unset).
fn lookup<'v>(view: &'v ContainerView, name: &str) -> &'v str {
    view.env.iter().rev().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// `$VAR`, `${VAR}` and `$(COMMAND)` in a word.
pub fn expand(view: &ContainerView, word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            if let Some((text, next)) = substitution(view, &chars, i) {
                out.push_str(&text);
                i = next;
                continue;
            }
            if let Some((name, next)) = var_at(&chars, i) {
                out.push_str(lookup(view, &name));
                i = next;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A command substitution at `chars[i] == '$'` (`$(hostname)`, not nested): what the command
/// prints, less its trailing newlines, and the index after the `)`.
fn substitution(view: &ContainerView, chars: &[char], i: usize) -> Option<(String, usize)> {
    if chars.get(i + 1) != Some(&'(') {
        return None;
    }
    let end = chars[i + 2..].iter().position(|&c| c == ')')? + i + 2;
    let inner: String = chars[i + 2..end].iter().collect();
    let out = script(view, &inner);
    Some((out.stdout.trim_end_matches('\n').to_string(), end + 1))
}

/// A variable reference at `chars[i] == '$'`: its name and the index after it.
fn var_at(chars: &[char], i: usize) -> Option<(String, usize)> {
    if chars.get(i + 1) == Some(&'{') {
        let end = chars[i + 2..].iter().position(|&c| c == '}')? + i + 2;
        return Some((chars[i + 2..end].iter().collect(), end + 1));
    }
    let mut j = i + 1;
    while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
        j += 1;
    }
    (j > i + 1).then(|| (chars[i + 1..j].iter().collect(), j))
}

/// Splits a script into statements (with the operator before each) and each statement into
/// words, honouring quotes and expanding variables outside single quotes.
fn statements(view: &ContainerView, text: &str) -> Vec<(String, Vec<String>)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut words, mut word, mut in_word, mut op) = (Vec::new(), String::new(), false, String::from(";"));
    let mut i = 0;
    let flush = |words: &mut Vec<String>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => flush(&mut words, &mut word, &mut in_word),
            // `2>&1` is one word, not a background `&`.
            ';' | '\n' | '&' | '|' if !(c == '&' && in_word && word.ends_with('>')) => {
                flush(&mut words, &mut word, &mut in_word);
                let two = chars.get(i + 1) == Some(&c) && c != ';' && c != '\n';
                if !words.is_empty() {
                    out.push((std::mem::take(&mut op), std::mem::take(&mut words)));
                }
                op = if two { format!("{c}{c}") } else { ";".into() };
                if two {
                    i += 1;
                }
            }
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && matches!(chars.get(i + 1), Some('"' | '\\' | '$')) {
                        word.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    if let Some((text, next)) = (chars[i] == '$').then(|| substitution(view, &chars, i)).flatten() {
                        word.push_str(&text);
                        i = next;
                        continue;
                    }
                    match (chars[i] == '$').then(|| var_at(&chars, i)).flatten() {
                        Some((name, next)) => {
                            word.push_str(lookup(view, &name));
                            i = next;
                        }
                        None => {
                            word.push(chars[i]);
                            i += 1;
                        }
                    }
                }
            }
            '$' => match substitution(view, &chars, i) {
                Some((text, next)) => {
                    in_word = true;
                    word.push_str(&text);
                    i = next;
                    continue;
                }
                None => match var_at(&chars, i) {
                    Some((name, next)) => {
                        in_word = true;
                        word.push_str(lookup(view, &name));
                        i = next;
                        continue;
                    }
                    None => {
                        in_word = true;
                        word.push('$');
                    }
                },
            },
            c => {
                in_word = true;
                word.push(c);
            }
        }
        i += 1;
    }
    flush(&mut words, &mut word, &mut in_word);
    if !words.is_empty() {
        out.push((op, words));
    }
    out
}

/// Where a command's errors go: `2>&1` into its output, `2>/dev/null` nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Errors {
    Keep,
    Merge,
    Drop,
}

/// Strips `2>&1` and `2>/dev/null` (`2> /dev/null`).
fn error_redirect(words: Vec<String>) -> (Vec<String>, Errors) {
    let mut errors = Errors::Keep;
    let mut kept = Vec::with_capacity(words.len());
    let mut it = words.into_iter().peekable();
    while let Some(w) = it.next() {
        match w.as_str() {
            "2>&1" => errors = Errors::Merge,
            "2>/dev/null" => errors = Errors::Drop,
            "2>" if it.peek().is_some_and(|t| t == "/dev/null") => {
                it.next();
                errors = Errors::Drop;
            }
            _ => kept.push(w),
        }
    }
    (kept, errors)
}

/// Strips an output redirection (`> FILE`, `>> FILE`, `>FILE`): `Some(true)` when it goes to
/// `/dev/null`, `Some(false)` for a real file.
fn redirect(mut words: Vec<String>) -> (Vec<String>, Option<bool>) {
    let Some(i) = words.iter().position(|w| w.starts_with('>') || w.starts_with("1>")) else { return (words, None) };
    let op = words[i].trim_start_matches('1').trim_start_matches('>').to_string();
    let target = if op.is_empty() { words.get(i + 1).cloned().unwrap_or_default() } else { op };
    words.truncate(i);
    (words, Some(target == "/dev/null"))
}

/// `sh -c SCRIPT`: the statements in order; `&&` and `||` look at the last status.
fn script(view: &ContainerView, text: &str) -> Output {
    let mut out = Output::default();
    let mut status = 0;
    for (op, words) in statements(view, text) {
        if (op == "&&" && status != 0) || (op == "||" && status == 0) {
            continue;
        }
        let (words, errors) = error_redirect(words);
        let (words, to_null) = redirect(words);
        let o = match to_null {
            Some(false) => Output { stderr: "fishbowl: writing files inside a container is not simulated\n".into(), status: 1, ..Default::default() },
            _ => match simple(view, &words) {
            Some(o) => o,
            None => match words.first().map(String::as_str) {
                Some("true" | ":") => Output::ok(""),
                Some("false") => Output { status: 1, ..Default::default() },
                Some(p) => Output { stderr: format!("sh: {p}: not found\n"), status: 127, ..Default::default() },
                None => Output::ok(""),
            },
            },
        };
        let o = if to_null == Some(true) { Output { stdout: String::new(), ..o } } else { o };
        // Drop the per-command exit line: the script's own status is reported once.
        let stderr = o.stderr.lines().filter(|l| !l.starts_with("command terminated with exit code")).map(|l| format!("{l}\n")).collect::<String>();
        out.stdout.push_str(&o.stdout);
        match errors {
            Errors::Keep => out.stderr.push_str(&stderr),
            Errors::Merge => out.stdout.push_str(&stderr),
            Errors::Drop => {}
        }
        status = o.status;
    }
    if status != 0 {
        out.push(exit_status(status));
    }
    out.status = status;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubelet::view::{ContainerView, Entry};
    use crate::kubelet::volumes::File;

    fn view() -> ContainerView {
        let mut v = ContainerView {
            env: vec![("PATH".into(), "/bin".into()), ("HOSTNAME".into(), "web-0".into()), ("GREETING".into(), "hi there".into()), ("HOME".into(), "/root".into())],
            mounts: vec!["/etc/config".into()],
            ..Default::default()
        };
        v.files.insert("/etc/config".into(), Entry::Dir);
        v.files.insert("/etc/config/a".into(), Entry::File(File { data: b"one\n".to_vec(), mode: 0o644 }));
        v.files.insert("/etc/config/b".into(), Entry::File(File { data: b"two".to_vec(), mode: 0o644 }));
        v
    }

    fn argv(line: &str) -> Vec<String> {
        crate::kubectl::split_words(line).unwrap()
    }

    #[test]
    fn commands_read_the_container_env_and_files() {
        let v = view();
        for (line, stdout, stderr, status) in [
            ("env", "PATH=/bin\nHOSTNAME=web-0\nGREETING=hi there\nHOME=/root\n", "", 0),
            ("printenv HOME GREETING", "/root\nhi there\n", "", 0),
            ("printenv NOPE", "", "command terminated with exit code 1\n", 1),
            ("echo $GREETING ${HOSTNAME}!", "hi there web-0!\n", "", 0),
            ("sh -c 'echo \"$GREETING\" > /dev/null; echo $HOME'", "/root\n", "", 0),
            ("sh -c 'echo '\\''$HOME'\\'' && false || echo fallback'", "$HOME\nfallback\n", "", 0),
            ("sh -c 'cat /etc/config/a /etc/config/b'", "one\ntwo", "", 0),
            ("ls /etc/config/", "a\nb\n", "", 0),
            ("ls /etc/config/c", "", "ls: cannot access '/etc/config/c': No such file or directory\ncommand terminated with exit code 2\n", 2),
            ("cat /etc/config", "", "cat: /etc/config: Is a directory\ncommand terminated with exit code 1\n", 1),
            ("sh -c 'frob'", "", "sh: frob: not found\ncommand terminated with exit code 127\n", 127),
            ("sh -c 'cat /etc/config/c 2>&1'", "cat: /etc/config/c: No such file or directory\n", "command terminated with exit code 1\n", 1),
            ("sh -c 'cat /etc/config/c 2>/dev/null || echo none'", "none\n", "", 0),
            ("sh -c 'ls /etc/config/c 2> /dev/null'", "", "command terminated with exit code 2\n", 2),
            ("ls -l /etc/config", "", "fishbowl: `ls -l /etc/config` is not simulated: only `cat FILE…` and `ls [-1] [PATH…]` (names, one per line) are\n", 1),
            ("sh -c 'echo \"I am $(hostname)\" on $(cat /etc/config/a)'", "I am web-0 on one\n", "", 0),
            ("sh", "", "fishbowl: an interactive `sh` is not simulated: run one command at a time, as in `kubectl exec POD -- sh -c 'COMMAND'`\n", 1),
        ] {
            let out = run(&v, &argv(line)).unwrap();
            assert_eq!((out.stdout.as_str(), out.stderr.as_str(), out.status), (stdout, stderr, status), "{line}");
        }
        assert!(run(&v, &argv("ip route")).is_none());
        // busybox has no bash: the runtime's "not found" answers.
        assert!(run(&ContainerView { busybox: true, ..view() }, &argv("bash -c 'echo hi'")).is_none());
        assert!(run(&v, &argv("cat /etc/passwd")).unwrap().stderr.contains("only the container's volume mounts"));
    }
}
