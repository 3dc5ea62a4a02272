//! The exec probe: a command run inside the container (`cat /tmp/healthy`, `sh -c 'test -f
//! /tmp/ready'`), judged by its exit status, with the combined output the kubelet puts in the
//! `Unhealthy` event (`Liveness probe failed: cat: can't open '/tmp/healthy': No such file or
//! directory`).
//!
//! Rules: the container's files are the ones its process created (`touch`, redirections) and did
//! not remove, plus a few every image has (`/etc/hostname`, `/etc/hosts`, …) and those its
//! server ships (nginx's `index.html` and configuration). `> FILE` and `>> FILE` send a
//! command's standard output to a file (replacing or appending); `2>/dev/null` drops its
//! errors; `cat` prints what the process wrote (the image's own files read as empty). Messages follow
//! the image's userland: busybox (busybox, alpine and their descendants) or GNU coreutils (the
//! Debian-based images). An image without a shell or tools (`pause`) cannot run anything: the
//! runtime's `executable file not found` error.
//!
//! A command that sleeps for the probe's `timeoutSeconds` or longer times out (`command "…"
//! timed out`), as the kubelet's exec prober reports it.
//!
//! Simplifications: `cat`, `test`/`[`, `ls`, `stat`, `touch`, `rm`, `echo`, `sleep`, `true`,
//! `false`, `exit` and `sh -c` lists joined by `;`, `&&`, `||` and `|` are understood; other
//! commands succeed at once without output; variables are not expanded.

use std::collections::BTreeMap;

/// Whose tools an image ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Userland {
    BusyBox,
    Gnu,
    /// No shell and no tools (the pause image).
    Empty,
}

/// Repositories built on busybox or alpine.
const BUSYBOX: &[&str] = &["busybox", "alpine", "e2e-test-images/busybox", "curlimages/curl", "nicolaka/netshoot", "liveness"];

impl Userland {
    pub fn of_repository(repository: &str) -> Userland {
        if BUSYBOX.contains(&repository) || repository.starts_with("fishbowl/") {
            Userland::BusyBox
        } else if matches!(repository, "pause" | "kubernetes/pause") {
            Userland::Empty
        } else {
            Userland::Gnu
        }
    }
}

/// Files and directories every container has.
const BASE_FILES: &[&str] = &["/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/passwd", "/etc/group", "/etc/os-release", "/bin/sh", "/dev/null"];
const BASE_DIRS: &[&str] = &["/", "/tmp", "/etc", "/bin", "/dev", "/proc", "/root", "/usr", "/var", "/home"];

/// What a command did: exit status, combined output (as a probe reports it), the two
/// streams apart (as `kubectl exec` shows them) and how long it slept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    pub code: i32,
    pub output: String,
    pub stdout: String,
    pub stderr: String,
    pub slept_ms: u64,
}

/// A command's output so far and the time its `sleep`s took.
#[derive(Default)]
struct Io {
    /// Standard output and error, interleaved as a terminal shows them.
    text: String,
    /// Each stream alone.
    out: String,
    err: String,
    slept_ms: u64,
    /// Standard output goes here instead while a redirection holds it.
    captured: Option<String>,
    /// Standard error is dropped (`2>/dev/null`).
    quiet: bool,
}

impl Io {
    fn stdout(&mut self, s: &str) {
        match &mut self.captured {
            Some(file) => file.push_str(s),
            None => {
                self.text.push_str(s);
                self.out.push_str(s);
            }
        }
    }

    fn stderr(&mut self, s: &str) {
        if !self.quiet {
            self.text.push_str(s);
            self.err.push_str(s);
        }
    }
}

/// What a container's file system holds: the image's own files and what its process wrote
/// (path → contents).
pub struct Fs<'a> {
    pub image: &'a [&'a str],
    pub written: &'a mut BTreeMap<String, String>,
}

/// nginx's files.
pub const NGINX_FILES: &[&str] = &["/usr/share/nginx/html/index.html", "/usr/share/nginx/html/50x.html", "/etc/nginx/nginx.conf", "/etc/nginx/conf.d/default.conf"];

/// Runs `argv` in a container. `Err(program)` when the image has no such program.
pub fn run(argv: &[String], userland: Userland, mut fs: Fs<'_>) -> Result<Exit, String> {
    let Some(first) = argv.first() else { return Err(String::new()) };
    if userland == Userland::Empty {
        return Err(first.clone());
    }
    let exe = first.rsplit('/').next().unwrap_or(first);
    let mut out = Io::default();
    let code = if matches!(exe, "sh" | "bash" | "ash" | "dash") {
        match argv.iter().position(|a| a == "-c") {
            Some(i) => script(argv.get(i + 1).map(String::as_str).unwrap_or(""), userland, &mut fs, &mut out),
            None => 0,
        }
    } else {
        command(argv, userland, &mut fs, &mut out)
    };
    Ok(Exit { code, output: out.text, stdout: out.out, stderr: out.err, slept_ms: out.slept_ms })
}

/// The files `argv` would create, write or remove (`touch`, `rm`, output redirections), directly
/// or in its `sh -c` script; empty when it changes none.
pub fn changed_paths(argv: &[String]) -> Vec<String> {
    let exe = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let statements = match argv.iter().position(|a| a == "-c") {
        Some(i) if argv.first().is_some_and(|f| matches!(exe(f).as_str(), "sh" | "bash" | "ash" | "dash")) => {
            split(argv.get(i + 1).map(String::as_str).unwrap_or("")).into_iter().map(|(_, words)| words).collect()
        }
        _ => vec![argv.to_vec()],
    };
    let mut paths = Vec::new();
    for words in &statements {
        let (rest, target, _) = redirections(words);
        if let Some((path, _)) = target.filter(|(p, _)| !p.is_empty()) {
            paths.push(path);
        }
        if rest.first().is_some_and(|w| matches!(exe(w).as_str(), "touch" | "rm")) {
            paths.extend(rest[1..].iter().filter(|a| !a.starts_with('-')).cloned());
        }
    }
    paths
}

/// A `sh -c` list: statements joined by `;`, `&&`, `||`, `|` or newlines.
fn script(text: &str, userland: Userland, fs: &mut Fs<'_>, out: &mut Io) -> i32 {
    let mut status = 0;
    for (op, words) in split(text) {
        let run = match op {
            Join::And => status == 0,
            Join::Or => status != 0,
            Join::Seq | Join::Pipe => true,
        };
        if !run || words.is_empty() {
            continue;
        }
        if op == Join::Pipe {
            // Only the last command of a pipeline reports; earlier output feeds it.
            out.text.clear();
            out.out.clear();
        }
        status = command(&words, userland, fs, out);
    }
    status
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    Seq,
    And,
    Or,
    Pipe,
}

/// Splits a list into (how it joins the previous one, words), with '…' and "…" quoting.
fn split(text: &str) -> Vec<(Join, Vec<String>)> {
    let mut out = Vec::new();
    let (mut join, mut words, mut word, mut in_word) = (Join::Seq, Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let sep = match c {
            ';' | '\n' => Some(Join::Seq),
            '&' if chars.peek() == Some(&'&') => Some(Join::And),
            '|' if chars.peek() == Some(&'|') => Some(Join::Or),
            '|' => Some(Join::Pipe),
            _ => None,
        };
        if let Some(next) = sep {
            if matches!(next, Join::And | Join::Or) {
                chars.next();
            }
            if in_word {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
            out.push((join, std::mem::take(&mut words)));
            join = next;
            continue;
        }
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' | '"' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    word.push(q);
                }
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    out.push((join, words));
    out
}

fn is_dir(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    BASE_DIRS.contains(&if p.is_empty() { "/" } else { p })
}

fn exists(fs: &Fs<'_>, path: &str) -> bool {
    fs.written.contains_key(path) || fs.image.contains(&path) || BASE_FILES.contains(&path) || is_dir(path)
}

/// Where a command's streams go: `> FILE`, `>> FILE`, `>FILE`, `1> FILE`, `2>/dev/null`,
/// `2>&1`. Returns the remaining words, the output file (and whether it appends) and whether
/// errors are dropped.
fn redirections(words: &[String]) -> (Vec<String>, Option<(String, bool)>, bool) {
    let (mut rest, mut target, mut quiet) = (Vec::new(), None, false);
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let (fd, op) = match w.strip_prefix('2') {
            Some(op) if op.starts_with('>') => (2, op),
            _ => (1, w.strip_prefix('1').filter(|op| op.starts_with('>')).unwrap_or(w)),
        };
        if !op.starts_with('>') {
            rest.push(words[i].clone());
            i += 1;
            continue;
        }
        let append = op.starts_with(">>");
        let mut file = op.trim_start_matches('>').to_string();
        if file.is_empty() {
            i += 1;
            file = words.get(i).cloned().unwrap_or_default();
        }
        match (fd, file.as_str()) {
            (2, "&1") => {}
            (2, _) => quiet = true,
            (_, "/dev/null") => target = Some((String::new(), false)),
            _ => target = Some((file, append)),
        }
        i += 1;
    }
    (rest, target, quiet)
}

/// One command with its redirections; appends its output and returns its status.
fn command(words: &[String], userland: Userland, fs: &mut Fs<'_>, out: &mut Io) -> i32 {
    if !words.iter().any(|w| w.starts_with('>') || w.starts_with("1>") || w.starts_with("2>")) {
        return simple(words, userland, fs, out);
    }
    let (words, target, quiet) = redirections(words);
    let mut inner = Io { slept_ms: out.slept_ms, captured: target.as_ref().map(|_| String::new()), quiet, ..Io::default() };
    let code = simple(&words, userland, fs, &mut inner);
    out.slept_ms = inner.slept_ms;
    out.text.push_str(&inner.text);
    out.out.push_str(&inner.out);
    out.err.push_str(&inner.err);
    if let (Some((path, append)), Some(text)) = (target, inner.captured) {
        if !path.is_empty() {
            let file = fs.written.entry(path).or_default();
            if !append {
                file.clear();
            }
            file.push_str(&text);
        }
    }
    code
}

/// One command; appends its output and returns its status.
fn simple(words: &[String], userland: Userland, fs: &mut Fs<'_>, out: &mut Io) -> i32 {
    let Some(first) = words.first() else { return 0 };
    let exe = first.rsplit('/').next().unwrap_or(first);
    let args: Vec<&str> = words[1..].iter().map(String::as_str).filter(|a| !a.starts_with('-') || *a == "-").collect();
    let busybox = userland == Userland::BusyBox;
    match exe {
        "true" | ":" => 0,
        "sleep" => {
            let secs: f64 = args.first().and_then(|a| a.trim_end_matches('s').parse().ok()).unwrap_or(0.0);
            out.slept_ms = out.slept_ms.saturating_add((secs.clamp(0.0, 1e9) * 1000.0) as u64);
            0
        }
        "false" => 1,
        "exit" => words.get(1).and_then(|c| c.parse::<i32>().ok()).unwrap_or(0) & 0xff,
        "echo" => {
            out.stdout(&format!("{}\n", args.join(" ")));
            0
        }
        "cat" => {
            let mut code = 0;
            for f in args {
                if is_dir(f) {
                    out.stderr(&if busybox { "cat: read error: Is a directory\n".to_string() } else { format!("cat: {f}: Is a directory\n") });
                    code = 1;
                } else if let Some(text) = fs.written.get(f) {
                    out.stdout(text);
                } else if !exists(fs, f) {
                    out.stderr(&if busybox { format!("cat: can't open '{f}': No such file or directory\n") } else { format!("cat: {f}: No such file or directory\n") });
                    code = 1;
                }
            }
            code
        }
        "ls" | "stat" => {
            let mut code = 0;
            for f in args {
                if !exists(fs, f) {
                    let msg = match (exe, busybox) {
                        ("ls", true) => format!("ls: {f}: No such file or directory\n"),
                        ("ls", false) => format!("ls: cannot access '{f}': No such file or directory\n"),
                        (_, true) => format!("stat: can't stat '{f}': No such file or directory\n"),
                        (_, false) => format!("stat: cannot statx '{f}': No such file or directory\n"),
                    };
                    out.stderr(&msg);
                    code = if exe == "ls" && !busybox { 2 } else { 1 };
                }
            }
            code
        }
        "test" | "[" => test(&words[1..], fs),
        "touch" => {
            for f in args {
                fs.written.entry(f.to_string()).or_default();
            }
            0
        }
        "rm" => {
            let short = |c: char| words[1..].iter().any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains(c));
            let force = short('f') || words.iter().any(|w| w == "--force");
            let recursive = short('r') || short('R') || words.iter().any(|w| w == "--recursive");
            let verb = if busybox { "can't" } else { "cannot" };
            let mut code = 0;
            for f in args {
                let dir = f.trim_end_matches('/');
                let under = format!("{dir}/");
                let holds = fs.written.keys().any(|k| k.starts_with(&under));
                if is_dir(f) || holds {
                    if recursive {
                        // The directory's written files go; the image's own directories stay.
                        fs.written.retain(|k, _| !k.starts_with(&under));
                    } else {
                        out.stderr(&format!("rm: {verb} remove '{f}': Is a directory\n"));
                        code = 1;
                    }
                } else if fs.written.remove(f).is_none() && !force && !exists(fs, f) {
                    out.stderr(&format!("rm: {verb} remove '{f}': No such file or directory\n"));
                    code = 1;
                }
            }
            code
        }
        _ => 0,
    }
}

/// `test` / `[ … ]` with `-e -f -s -r -d` and `!`.
fn test(args: &[String], fs: &Fs<'_>) -> i32 {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    if args.last() == Some(&"]") {
        args.pop();
    }
    let negate = args.first() == Some(&"!");
    if negate {
        args.remove(0);
    }
    let ok = match args.as_slice() {
        ["-d", f] => is_dir(f),
        ["-e" | "-f" | "-s" | "-r", f] => exists(fs, f) && !(args[0] == "-f" && is_dir(f)),
        [s] => !s.is_empty(),
        [] => false,
        _ => true,
    };
    i32::from(ok == negate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn exit_status_and_output() {
        let mut files = BTreeMap::from([("/tmp/healthy".to_string(), String::new()), ("/tmp/msg".to_string(), "hi\n".to_string())]);
        let bb = Userland::BusyBox;
        let cases: Vec<(Vec<String>, Userland, i32, &str)> = vec![
            (argv(&["cat", "/tmp/healthy"]), bb, 0, ""),
            (argv(&["cat", "/tmp/msg", "/tmp/missing"]), bb, 1, "hi\ncat: can't open '/tmp/missing': No such file or directory\n"),
            (argv(&["sh", "-c", "cat /tmp/missing 2>/dev/null"]), bb, 1, ""),
            (argv(&["sh", "-c", "cat /tmp/msg > /dev/null"]), bb, 0, ""),
            (argv(&["cat", "/tmp/missing"]), bb, 1, "cat: can't open '/tmp/missing': No such file or directory\n"),
            (argv(&["cat", "/tmp/missing"]), Userland::Gnu, 1, "cat: /tmp/missing: No such file or directory\n"),
            (argv(&["cat", "/etc/hostname"]), bb, 0, ""),
            (argv(&["cat", "/usr/share/nginx/html/index.html"]), Userland::Gnu, 0, ""),
            (argv(&["ls", "/tmp/missing"]), Userland::Gnu, 2, "ls: cannot access '/tmp/missing': No such file or directory\n"),
            (argv(&["test", "-f", "/tmp/healthy"]), bb, 0, ""),
            (argv(&["test", "-f", "/tmp/missing"]), bb, 1, ""),
            (argv(&["sh", "-c", "[ -f /tmp/missing ] || exit 3"]), bb, 3, ""),
            (argv(&["sh", "-c", "test -f /tmp/healthy && echo ok"]), bb, 0, "ok\n"),
            (argv(&["/bin/sh", "-c", "cat /tmp/missing; true"]), bb, 0, "cat: can't open '/tmp/missing': No such file or directory\n"),
            (argv(&["sh", "-c", "echo a | grep a"]), bb, 0, ""),
            (argv(&["sh", "-c", "test ! -d /tmp"]), bb, 1, ""),
            (argv(&["false"]), bb, 1, ""),
            (argv(&["wget", "-q", "-O-", "http://localhost/"]), bb, 0, ""),
        ];
        for (cmd, userland, code, output) in cases {
            let got = run(&cmd, userland, Fs { image: NGINX_FILES, written: &mut files }).unwrap();
            assert_eq!((got.code, got.output.as_str()), (code, output), "{cmd:?}");
        }
    }

    #[test]
    fn the_paths_a_command_changes_are_named() {
        let got = changed_paths(&argv(&["sh", "-c", "touch /tmp/a; echo x >/tmp/b 2>/dev/null; rm -f /tmp/c; echo y > /dev/null"]));
        assert_eq!(got, ["/tmp/a", "/tmp/b", "/tmp/c"]);
    }

    #[test]
    fn commands_that_change_files_are_told_apart() {
        let table: [(&[&str], bool); 9] = [
            (&["touch", "/tmp/a"], true),
            (&["/bin/rm", "-f", "/tmp/a"], true),
            (&["sh", "-c", "echo hi > /tmp/a"], true),
            (&["sh", "-c", "echo hi >>/tmp/a"], true),
            (&["sh", "-c", "cat /tmp/a 2>/dev/null; ls /tmp"], false),
            (&["sh", "-c", "cat /tmp/a; ls /tmp"], false),
            (&["cat", "/tmp/rm"], false),
            (&["echo", "rm"], false),
            (&["ls", "/tmp"], false),
        ];
        for (words, want) in table {
            assert_eq!(!changed_paths(&argv(words)).is_empty(), want, "{words:?}");
        }
    }

    #[test]
    fn rm_of_a_missing_file_fails_unless_forced() {
        let mut files = BTreeMap::new();
        let gnu = run(&argv(&["rm", "/tmp/x"]), Userland::Gnu, Fs { image: &[], written: &mut files }).unwrap();
        assert_eq!((gnu.code, gnu.stderr.as_str(), gnu.stdout.as_str()), (1, "rm: cannot remove '/tmp/x': No such file or directory\n", ""));
        let forced = run(&argv(&["rm", "-rf", "/tmp/x"]), Userland::BusyBox, Fs { image: &[], written: &mut files }).unwrap();
        assert_eq!((forced.code, forced.output.as_str()), (0, ""));
        files.insert("/tmp/d/f".to_string(), String::new());
        let dir = run(&argv(&["rm", "/tmp"]), Userland::BusyBox, Fs { image: &[], written: &mut files }).unwrap();
        assert_eq!((dir.code, dir.stderr.as_str()), (1, "rm: can't remove '/tmp': Is a directory\n"));
        let dir = run(&argv(&["rm", "/tmp/d"]), Userland::Gnu, Fs { image: &[], written: &mut files }).unwrap();
        assert_eq!((dir.code, dir.stderr.as_str()), (1, "rm: cannot remove '/tmp/d': Is a directory\n"));
        let gone = run(&argv(&["rm", "-r", "/tmp/d"]), Userland::Gnu, Fs { image: &[], written: &mut files }).unwrap();
        assert_eq!(gone.code, 0);
        assert!(files.is_empty());
    }

    #[test]
    fn probes_can_change_files_and_pause_has_no_tools() {
        let mut files = BTreeMap::new();
        let touched = run(&argv(&["sh", "-c", "touch /tmp/a && cat /tmp/a"]), Userland::BusyBox, Fs { image: &[], written: &mut files });
        assert_eq!(touched.unwrap().code, 0);
        assert_eq!(files.get("/tmp/a").map(String::as_str), Some(""));
        let written = run(&argv(&["sh", "-c", "echo one > /tmp/b; echo two >>/tmp/b; cat /tmp/b"]), Userland::BusyBox, Fs { image: &[], written: &mut files });
        assert_eq!(written.unwrap().output, "one\ntwo\n");
        let replaced = run(&argv(&["sh", "-c", "echo three > /tmp/b && cat /tmp/missing > /tmp/c"]), Userland::Gnu, Fs { image: &[], written: &mut files });
        // The error is not redirected, but the file is still created, empty.
        assert_eq!(replaced.unwrap().output, "cat: /tmp/missing: No such file or directory\n");
        assert_eq!((files["/tmp/b"].as_str(), files["/tmp/c"].as_str()), ("three\n", ""));
        let slow = run(&argv(&["sh", "-c", "sleep 2; true"]), Userland::BusyBox, Fs { image: &[], written: &mut files });
        assert_eq!(slow.unwrap().slept_ms, 2000);
        assert_eq!(run(&argv(&["cat", "/tmp/a"]), Userland::Empty, Fs { image: &[], written: &mut files }), Err("cat".to_string()));
        assert_eq!(Userland::of_repository("nginx"), Userland::Gnu);
        assert_eq!(Userland::of_repository("busybox"), Userland::BusyBox);
    }
}
