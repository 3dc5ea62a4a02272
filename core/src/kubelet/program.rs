//! What a container's process does: the image's default process from the catalog, or the
//! container's `command`/`args` read by a small shell.
//!
//! The shell understands the shapes lessons use: `sleep N` (seconds, fractions, `infinity`),
//! `echo …` (with `-n`), `printf`, `date`, `true`, `false`, `exit N`, statements joined by `;`,
//! `&&`, `||` or newlines, `while true; do …; done` (also `while :`), `for x in a b c; do …; done`
//! and `$VAR` / `${VAR}` from the container's env (plus `HOSTNAME` = the pod name). `touch F`,
//! `rm F` and output redirected to a file (`echo ok > /tmp/ready`) create and remove files in
//! the container's own file set, which exec probes read (`cat /tmp/healthy`). Other
//! commands (`wget`, `nslookup`, `cat`, …) print nothing here and succeed: the network tools'
//! output belongs to the data path. A command naming a server's own binary (`nginx -g …`,
//! `redis-server`) runs the image's server; agnhost's `liveness` argument runs its liveness
//! server.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Container;

use super::images::{App, Image, Server};

/// One step of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Print a line (already expanded).
    Echo(String),
    /// Print the current date (busybox `date` format).
    Date,
    Sleep { ms: u64 },
    /// `exit N`.
    Exit(i32),
    /// A command whose only effect is its exit status (`true`, `false`, unknown tools).
    Status(i32),
    /// Create a file if it is missing, keeping what it holds (`touch`).
    Touch(String),
    /// Write text to a file, replacing it or appending (`>` and `>>` redirections).
    Write { path: String, text: String, append: bool },
    /// Remove a file (`rm`).
    Remove(String),
}

/// A script: `prefix` runs once, then `body` repeats forever if it is not empty. With an empty
/// body the process exits with the last status when the prefix ends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub prefix: Vec<Step>,
    pub body: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    Script(Script),
    Server(Server),
    /// Exits with `code` after `after_ms`.
    Crash { after_ms: u64, code: i32 },
    /// Sleeps until stopped; exits at once on SIGTERM.
    Pause,
    /// The entrypoint refuses to start: logs `error` and exits 1 right away.
    Fail { error: String },
}

impl Program {
    /// What the process does on SIGTERM: `Some(ms)` until it exits, `None` if it ignores it
    /// (a shell or `sleep` running as PID 1 has no handler: only SIGKILL at the end of the grace
    /// period stops it).
    pub fn sigterm_exit_ms(&self) -> Option<u64> {
        match self {
            Program::Server(s) => s.sigterm_exit_ms,
            Program::Pause => Some(10),
            Program::Crash { .. } => Some(10),
            Program::Script(_) | Program::Fail { .. } => None,
        }
    }

    /// The exit status after SIGTERM, for processes that exit on it.
    pub fn sigterm_exit_code(&self) -> i32 {
        match self {
            Program::Server(s) => s.sigterm_code,
            _ => 0,
        }
    }
}

/// The process a container runs.
pub fn program_of(container: &Container, image: &Image, pod_name: &str) -> Program {
    let env: BTreeMap<String, String> = container
        .env
        .iter()
        .flatten()
        .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
        .chain(std::iter::once(("HOSTNAME".to_string(), pod_name.to_string())))
        .collect();
    let command = container.command.clone().filter(|c| !c.is_empty());
    let args = container.args.clone().unwrap_or_default();
    if image.repository == "e2e-test-images/agnhost" && command.is_none() && args.first().map(String::as_str) == Some("liveness") {
        return Program::Server(super::images::LIVENESS_SERVER);
    }
    let argv: Option<Vec<String>> = match (&command, image.app) {
        (Some(c), _) => Some(c.iter().cloned().chain(args.iter().cloned()).collect()),
        (None, App::Shell | App::Repl) if !args.is_empty() => Some(args.clone()),
        _ => None,
    };
    if let Some(argv) = argv {
        let exe = argv[0].rsplit('/').next().unwrap_or("");
        let is_shell = matches!(exe, "sh" | "bash" | "ash" | "dash" | "zsh");
        if is_shell {
            let text = match argv.iter().position(|a| a == "-c") {
                Some(i) => argv.get(i + 1).cloned().unwrap_or_default(),
                None => String::new(),
            };
            return Program::Script(parse_script(&text, &env));
        }
        if exe == "perl" {
            let prefix = match super::perl_bpi::output(&argv[1..]) {
                Some(digits) => vec![Step::Echo(digits), Step::Status(0)],
                None => vec![Step::Status(0)],
            };
            return Program::Script(Script { prefix, body: vec![] });
        }
        if BUILTINS.contains(&exe) {
            let line = argv.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
            return Program::Script(parse_script(&line, &env));
        }
        if !matches!(image.app, App::Server(_)) || command.is_none() {
            // agnhost-style subcommands and server flags keep the image's own process.
            if argv.first().map(String::as_str) == Some("pause") {
                return Program::Pause;
            }
        }
        if !matches!(image.app, App::Server(_) | App::Pause | App::Crash { .. }) {
            return Program::Script(Script { prefix: vec![Step::Status(0)], body: vec![] });
        }
    }
    match image.app {
        App::Server(s) => match s.requires_env {
            Some((var, error)) if !env.contains_key(var) => Program::Fail { error: error.to_string() },
            _ => Program::Server(s),
        },
        App::Shell | App::Repl => Program::Script(Script { prefix: vec![Step::Status(0)], body: vec![] }),
        App::Crash { after_secs, code } => Program::Crash { after_ms: after_secs * 1000, code },
        App::Pause => Program::Pause,
    }
}

/// Marks an unset variable's name in a word until `for` unrolling or `clean` resolves it.
const UNSET: char = '\u{1}';

/// A word with unset variables expanded to nothing.
fn clean(w: &str) -> String {
    if !w.contains(UNSET) {
        return w.to_string();
    }
    let mut out = String::new();
    for (i, part) in w.split(UNSET).enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        }
    }
    out
}

const BUILTINS: &[&str] = &["sleep", "echo", "printf", "date", "true", "false", "exit"];

fn quote(a: &str) -> String {
    format!("'{}'", a.replace('\'', "'\\''"))
}

/// A lexical token of the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    /// `;`, `&&`, `||`, `|`, newline: statement boundaries.
    Sep,
}

fn expand_var(chars: &[char], i: &mut usize, env: &BTreeMap<String, String>, out: &mut String) {
    // At chars[*i] == '$'.
    let mut j = *i + 1;
    let name: String;
    if j < chars.len() && chars[j] == '{' {
        let start = j + 1;
        while j < chars.len() && chars[j] != '}' {
            j += 1;
        }
        name = chars[start.min(chars.len())..j.min(chars.len())].iter().collect();
        j += 1;
    } else {
        let start = j;
        while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        name = chars[start..j].iter().collect();
    }
    if name.is_empty() {
        out.push('$');
        *i += 1;
        return;
    }
    match env.get(&name) {
        Some(v) => out.push_str(v),
        // Unset: empty, unless a `for` loop binds it (marked until the loop is unrolled).
        None => {
            out.push(UNSET);
            out.push_str(&name);
            out.push(UNSET);
        }
    }
    *i = j;
}

fn tokenize(text: &str, env: &BTreeMap<String, String>) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    let flush = |word: &mut String, in_word: &mut bool, toks: &mut Vec<Tok>| {
        if *in_word {
            toks.push(Tok::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                flush(&mut word, &mut in_word, &mut toks);
                i += 1;
            }
            '\n' | ';' | '|' | '&' => {
                flush(&mut word, &mut in_word, &mut toks);
                if toks.last() != Some(&Tok::Sep) {
                    toks.push(Tok::Sep);
                }
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
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
                i += 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() && matches!(chars[i + 1], '"' | '\\' | '$') {
                        word.push(chars[i + 1]);
                        i += 2;
                    } else if chars[i] == '$' {
                        expand_var(&chars, &mut i, env, &mut word);
                    } else {
                        word.push(chars[i]);
                        i += 1;
                    }
                }
                i += 1;
            }
            '\\' => {
                in_word = true;
                if let Some(&n) = chars.get(i + 1) {
                    if n != '\n' {
                        word.push(n);
                    }
                }
                i += 2;
            }
            '$' => {
                in_word = true;
                expand_var(&chars, &mut i, env, &mut word);
            }
            _ => {
                in_word = true;
                word.push(c);
                i += 1;
            }
        }
    }
    flush(&mut word, &mut in_word, &mut toks);
    toks
}

/// Statements: each a list of words.
fn statements(toks: &[Tok]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for t in toks {
        match t {
            Tok::Word(w) => {
                // `do` and `then` start a new statement after them.
                cur.push(w.clone());
                if cur.len() == 1 && matches!(w.as_str(), "do" | "then" | "else") {
                    out.push(std::mem::take(&mut cur));
                }
            }
            Tok::Sep => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Parses a `sh -c` script.
pub fn parse_script(text: &str, env: &BTreeMap<String, String>) -> Script {
    let stmts = statements(&tokenize(text, env));
    let mut script = Script::default();
    let mut i = 0;
    while i < stmts.len() {
        let s = &stmts[i];
        match s[0].as_str() {
            "while" | "until" => {
                // while COND; do BODY; done — an always-true condition loops forever.
                let (body, next) = block(&stmts, i + 1);
                script.body = body.iter().flat_map(|st| command(st)).collect();
                let _ = next;
                return script;
            }
            "for" => {
                // for VAR in ITEMS; do BODY; done — unrolled.
                let var = s.get(1).cloned().unwrap_or_default();
                let items: Vec<String> = if s.get(2).map(String::as_str) == Some("in") { s[3..].to_vec() } else { vec![] };
                let (body, next) = block(&stmts, i + 1);
                for item in items {
                    for st in &body {
                        let marker = format!("{UNSET}{var}{UNSET}");
                        let replaced: Vec<String> = st.iter().map(|w| w.replace(&marker, &item)).collect();
                        script.prefix.extend(command(&replaced));
                    }
                }
                i = next;
                continue;
            }
            _ => script.prefix.extend(command(s)),
        }
        i += 1;
    }
    script
}

/// The statements between `do` (at `start`) and the matching `done`; returns them and the index
/// after `done`.
fn block(stmts: &[Vec<String>], start: usize) -> (Vec<Vec<String>>, usize) {
    let mut i = start;
    while i < stmts.len() && stmts[i][0] != "do" {
        i += 1;
    }
    i += 1;
    let mut depth = 0;
    let mut body = Vec::new();
    while i < stmts.len() {
        match stmts[i][0].as_str() {
            "done" if depth == 0 => return (body, i + 1),
            "done" => depth -= 1,
            "do" => depth += 1,
            _ => {}
        }
        if stmts[i][0] != "do" && stmts[i][0] != "done" {
            body.push(stmts[i].clone());
        }
        i += 1;
    }
    (body, i)
}

fn command(words: &[String]) -> Vec<Step> {
    let mut words: Vec<String> = words.iter().map(|w| clean(w)).collect();
    // `> FILE`, `>> FILE`, `>FILE`: the output goes to the file, which now exists.
    if let Some(i) = words.iter().position(|w| w.starts_with('>') || w.starts_with("1>")) {
        let op = words[i].trim_start_matches('1');
        let append = op.starts_with(">>");
        let rest = op.trim_start_matches('>').to_string();
        let file = if rest.is_empty() { words.get(i + 1).cloned() } else { Some(rest) };
        words.truncate(i);
        let mut text = String::new();
        let mut steps: Vec<Step> = Vec::new();
        for step in command(&words) {
            match step {
                Step::Echo(line) => {
                    text.push_str(&line);
                    text.push('\n');
                }
                // The date is read when the step runs; its text is not kept.
                Step::Date => {}
                other => steps.push(other),
            }
        }
        if let Some(path) = file.filter(|f| f != "/dev/null") {
            steps.push(Step::Write { path, text, append });
        }
        return steps;
    }
    let Some(first) = words.first() else { return vec![] };
    let exe = first.rsplit('/').next().unwrap_or(first);
    let rest = &words[1..];
    match exe {
        "echo" => {
            let (rest, _newline) = match rest.first().map(String::as_str) {
                Some("-n") => (&rest[1..], false),
                Some("-e") => (&rest[1..], true),
                _ => (rest, true),
            };
            vec![Step::Echo(rest.join(" "))]
        }
        "printf" => {
            let text = rest.first().cloned().unwrap_or_default().replace("\\n", "\n");
            text.lines().map(|l| Step::Echo(l.to_string())).collect()
        }
        "date" => vec![Step::Date],
        "sleep" => {
            let secs = rest.first().map(String::as_str).unwrap_or("0");
            let ms = match secs {
                "inf" | "infinity" => u64::MAX,
                s => parse_seconds(s).unwrap_or(0),
            };
            vec![Step::Sleep { ms }]
        }
        "exit" => vec![Step::Exit(rest.first().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0) & 0xff)],
        "false" => vec![Step::Status(1)],
        "touch" => rest.iter().filter(|a| !a.starts_with('-')).map(|f| Step::Touch(f.clone())).collect(),
        "rm" => rest.iter().filter(|a| !a.starts_with('-')).map(|f| Step::Remove(f.clone())).collect(),
        "true" | ":" => vec![Step::Status(0)],
        "done" | "do" | "then" | "fi" | "else" | "if" => vec![],
        _ => vec![Step::Status(0)],
    }
}

/// `sleep`'s argument: seconds with an optional fraction and an optional s/m/h/d suffix.
fn parse_seconds(s: &str) -> Option<u64> {
    let (num, mult) = match s.chars().last()? {
        's' => (&s[..s.len() - 1], 1000.0),
        'm' => (&s[..s.len() - 1], 60_000.0),
        'h' => (&s[..s.len() - 1], 3_600_000.0),
        'd' => (&s[..s.len() - 1], 86_400_000.0),
        _ => (s, 1000.0),
    };
    let v: f64 = num.parse().ok()?;
    (v >= 0.0 && v.is_finite()).then(|| (v * mult).min(u64::MAX as f64 / 2.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Script {
        parse_script(text, &BTreeMap::from([("NAME".to_string(), "world".to_string())]))
    }

    #[test]
    fn parses_common_shapes() {
        assert_eq!(p("echo hi").prefix, vec![Step::Echo("hi".into())]);
        assert_eq!(p("echo \"hello $NAME\"; sleep 1.5; exit 3").prefix, vec![Step::Echo("hello world".into()), Step::Sleep { ms: 1500 }, Step::Exit(3)]);
        let s = p("while true; do echo tick; sleep 5; done");
        assert!(s.prefix.is_empty());
        assert_eq!(s.body, vec![Step::Echo("tick".into()), Step::Sleep { ms: 5000 }]);
        let s = p("for i in 1 2; do echo $i; done");
        assert_eq!(s.prefix, vec![Step::Echo("1".into()), Step::Echo("2".into())]);
        assert_eq!(p("sleep infinity").prefix, vec![Step::Sleep { ms: u64::MAX }]);
    }

    #[test]
    fn files_come_and_go() {
        let s = p("touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600");
        assert_eq!(
            s.prefix,
            vec![Step::Touch("/tmp/healthy".into()), Step::Sleep { ms: 30_000 }, Step::Remove("/tmp/healthy".into()), Step::Sleep { ms: 600_000 }]
        );
        let write = |text: &str, append| vec![Step::Write { path: "/tmp/ready".into(), text: text.into(), append }];
        assert_eq!(p("echo ok > /tmp/ready").prefix, write("ok\n", false));
        assert_eq!(p("echo ok >/tmp/ready").prefix, write("ok\n", false));
        assert_eq!(p("echo more >> /tmp/ready").prefix, write("more\n", true));
        assert_eq!(p("true > /tmp/ready").prefix, [vec![Step::Status(0)], write("", false)].concat());
        assert_eq!(p("echo quiet > /dev/null").prefix, vec![]);
    }
}
