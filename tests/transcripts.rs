//! Transcript tests: each file in `tests/transcripts/` is a console session — files, the
//! commands typed, and exactly what kubectl (or the console) prints back. The test replays the
//! commands on a fresh cluster and compares every byte.
//!
//! ```text
//! ## a comment (anywhere)
//! --- config nodes=1 seed=7       cluster options (before the first command)
//! --- file web.yaml               a file `-f web.yaml` can read, up to `--- end`
//! …
//! --- end
//! $ kubectl apply -f web.yaml     a command; the lines after it are its output
//! deployment.apps/web created     (stdout, then stderr, as a terminal shows them)
//! ```
//!
//! `FISHBOWL_BLESS=1 cargo test --test transcripts` rewrites the files with what the
//! simulator printed, for review in the diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fishbowl_core::console::Console;
use fishbowl_core::kubectl::Files;
use fishbowl_core::{ClusterConfig, Sim};

#[derive(Debug, Default)]
struct Transcript {
    config: ClusterConfig,
    /// The file's lines, with each command's expected output replaced on bless.
    items: Vec<Item>,
}

#[derive(Debug)]
enum Item {
    /// Lines kept as they are: comments, config, files.
    Verbatim(String),
    File { name: String, text: String },
    Command { line: String, expected: String },
}

struct MemFiles(BTreeMap<String, String>);

impl Files for MemFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        self.0.get(path).cloned().ok_or_else(|| format!("the path \"{path}\" does not exist"))
    }
}

fn parse(text: &str) -> Result<Transcript, String> {
    let mut t = Transcript::default();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((n, line)) = lines.next() {
        if let Some(spec) = line.strip_prefix("--- config ") {
            for pair in spec.split_whitespace() {
                match pair.split_once('=') {
                    Some(("nodes", v)) => t.config.nodes = v.parse().map_err(|_| format!("line {}: bad nodes", n + 1))?,
                    Some(("seed", v)) => t.config.seed = v.parse().map_err(|_| format!("line {}: bad seed", n + 1))?,
                    _ => return Err(format!("line {}: unknown config {pair:?}", n + 1)),
                }
            }
            t.items.push(Item::Verbatim(line.to_string()));
        } else if let Some(name) = line.strip_prefix("--- file ") {
            let mut body = String::new();
            loop {
                match lines.next() {
                    Some((_, "--- end")) => break,
                    Some((_, l)) => {
                        body.push_str(l);
                        body.push('\n');
                    }
                    None => return Err(format!("line {}: file {name} has no `--- end`", n + 1)),
                }
            }
            t.items.push(Item::File { name: name.to_string(), text: body });
        } else if let Some(command) = line.strip_prefix("$ ") {
            let mut expected = String::new();
            while let Some((_, next)) = lines.peek() {
                // Output may hold lines like ping's `--- 10.244.0.2 ping statistics ---`.
                if next.starts_with("$ ") || next.starts_with("--- file ") || next.starts_with("--- config ") || next.starts_with("## ") {
                    break;
                }
                expected.push_str(next);
                expected.push('\n');
                lines.next();
            }
            t.items.push(Item::Command { line: command.to_string(), expected });
        } else if line.starts_with("## ") || line.is_empty() {
            t.items.push(Item::Verbatim(line.to_string()));
        } else {
            return Err(format!("line {}: expected `$ command`, `--- file`, `--- config` or `## comment`: {line:?}", n + 1));
        }
    }
    Ok(t)
}

/// Replays a transcript; returns the text it should have had and the commands that differed.
fn replay(t: &Transcript) -> (String, Vec<String>) {
    let files = MemFiles(
        t.items
            .iter()
            .filter_map(|i| match i {
                Item::File { name, text } => Some((name.clone(), text.clone())),
                _ => None,
            })
            .collect(),
    );
    let mut sim = Sim::new(t.config.clone());
    let mut console = Console::new();
    let mut text = String::new();
    let mut failures = Vec::new();
    for item in &t.items {
        match item {
            Item::Verbatim(l) => {
                text.push_str(l);
                text.push('\n');
            }
            Item::File { name, text: body } => {
                text.push_str(&format!("--- file {name}\n{body}--- end\n"));
            }
            Item::Command { line, expected } => {
                let out = console.run_line(&mut sim, line, &files);
                let actual = format!("{}{}", out.stdout, out.stderr);
                let actual = if actual.is_empty() || actual.ends_with('\n') { actual } else { format!("{actual}\n") };
                if &actual != expected {
                    failures.push(format!("$ {line}\n--- expected\n{expected}--- actual\n{actual}"));
                }
                text.push_str(&format!("$ {line}\n{actual}"));
            }
        }
    }
    (text, failures)
}

fn transcripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/transcripts exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
}

#[test]
fn transcripts_replay_exactly() {
    let bless = std::env::var_os("FISHBOWL_BLESS").is_some();
    let mut report = String::new();
    let paths = transcripts();
    assert!(!paths.is_empty(), "no transcripts found");
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable transcript");
        let t = match parse(&text) {
            Ok(t) => t,
            Err(e) => {
                report.push_str(&format!("{}: {e}\n", path.display()));
                continue;
            }
        };
        let (actual, failures) = replay(&t);
        if bless && actual != text {
            std::fs::write(&path, &actual).expect("writable transcript");
        } else if !failures.is_empty() {
            report.push_str(&format!("=== {}\n{}\n", path.display(), failures.join("\n")));
        }
    }
    assert!(report.is_empty(), "transcripts differ (FISHBOWL_BLESS=1 rewrites them):\n{report}");
}

#[test]
fn a_wrong_expectation_is_caught() {
    let t = parse("$ kubectl get ns\nNAME STATUS AGE\n").expect("parses");
    let (_, failures) = replay(&t);
    assert_eq!(failures.len(), 1);
}
