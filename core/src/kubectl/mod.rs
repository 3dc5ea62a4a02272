//! The kubectl layer shared by the browser console and the `fishbowl` command line:
//! argument parsing, the commands, and output formatted as real kubectl prints it.
//!
//! ```text
//! mod.rs        run(): dispatch of `kubectl <verb> …`, Output, the Files trait
//! args.rs       flags and shell-style word splitting
//! write.rs      apply, create, delete, scale, label, annotate, cordon/uncordon, taint
//! get.rs        get (tables, -o name|yaml|json, -w)
//! info.rs       api-resources, version
//! printers/     `kubectl get` tables and -o name|yaml|json
//! describe_cmd.rs `kubectl describe`: lookups and context
//! describe/     the describers: one layout per kind
//! resources.rs  resource types on the command line → kinds (custom kinds through discovery)
//! expose.rs     expose: a Service from a pod, service, controller's selector and ports
//! autoscale.rs  autoscale: a HorizontalPodAutoscaler for a scalable workload
//! run.rs        run: one Pod from an image (attaching is not simulated)
//! rollout.rs    rollout status|history|undo|pause|resume|restart (rollout/: status, history)
//! set.rs        set image
//! drain.rs      drain: cordon, pod filters, eviction
//! logs.rs       logs: a container's log from the simulated log store
//! top.rs        top pod|node: usage from the simulated metrics source
//! events.rs     events: the newer event listing, sorted by time
//! exec.rs       exec: the checks before a command runs in a container (see crate::shell)
//! ```
//!
//! Every command that writes runs as one user action (`Sim::begin_action`), so the event
//! chain can start from it.

pub mod args;
pub mod autoscale;
pub mod describe;
pub mod describe_cmd;
pub mod drain;
pub mod events;
pub mod exec;
pub mod expose;
pub mod get;
pub mod info;
pub mod logs;
pub mod printers;
pub mod resources;
pub mod rollout;
pub mod run;
pub mod set;
pub mod top;
pub mod write;

#[cfg(test)]
pub(crate) mod test_support;

use crate::sim::Sim;

pub use args::{split_words, Args};

/// What a command asks the console to keep watching after it returns.
#[derive(Debug, Clone)]
pub enum WatchRequest {
    /// `get -w`: the rows of objects that change.
    Get(get::GetRequest),
    /// `rollout status`: a status line per change of the object until the rollout is done.
    RolloutStatus(rollout::StatusWatch),
}

/// What a command printed and how it ended.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    /// 0 on success, 1 on failure (kubectl's exit codes).
    pub status: i32,
    /// `get -w`, `rollout status`: what to keep watching; the console streams its changes.
    pub watch: Option<Box<WatchRequest>>,
}

impl Output {
    pub fn ok(stdout: impl Into<String>) -> Output {
        Output { stdout: stdout.into(), ..Default::default() }
    }

    pub fn error(message: impl Into<String>) -> Output {
        let mut stderr = message.into();
        if !stderr.ends_with('\n') {
            stderr.push('\n');
        }
        Output { stderr, status: 1, ..Default::default() }
    }

    /// Appends another command's output (used when one command does several things).
    pub fn push(&mut self, other: Output) {
        self.stdout.push_str(&other.stdout);
        self.stderr.push_str(&other.stderr);
        self.status = self.status.max(other.status);
    }
}

/// Where `-f <path>` contents come from: the file system for the CLI, the editor in the page.
pub trait Files {
    fn read(&self, path: &str) -> Result<String, String>;
    /// Writes a file the console produces (`pcap`). Where there is nowhere to write, says so.
    fn write(&self, path: &str, _bytes: &[u8]) -> Result<(), String> {
        Err(format!("cannot write \"{path}\" here"))
    }
}

/// No files at all (`-f` fails with kubectl's message).
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        Err(format!("the path \"{path}\" does not exist"))
    }
}

/// Runs `kubectl <words…>` (without the leading `kubectl`).
pub fn run(sim: &mut Sim, words: &[String], files: &dyn Files) -> Output {
    if let Some(out) = autoscale::dispatch(sim, words, files) {
        return out;
    }
    let args = match Args::parse(words) {
        Ok(a) => a,
        Err(e) => return Output::error(format!("error: {e}\nSee 'kubectl --help' for usage.")),
    };
    let Some(verb) = args.positional.first().cloned() else {
        return Output::error("error: a command is required, e.g. `kubectl get pods`");
    };
    let rest = &args.positional[1..];
    match verb.as_str() {
        "apply" => write::apply(sim, &args, files),
        "create" => write::create(sim, &args, files),
        "delete" => write::delete(sim, &args, rest, files),
        "scale" => write::scale(sim, &args, rest),
        "label" => write::label_or_annotate(sim, &args, rest, write::MetaField::Labels),
        "annotate" => write::label_or_annotate(sim, &args, rest, write::MetaField::Annotations),
        "cordon" => write::cordon(sim, rest, true),
        "uncordon" => write::cordon(sim, rest, false),
        "taint" => write::taint(sim, &args, rest),
        "events" => events::events(sim, &args, rest),
        "top" => top::top(sim, &args, rest),
        "logs" => logs::logs(sim, &args, rest),
        "drain" => drain::drain(sim, &args, rest),
        "expose" => expose::expose(sim, &args, rest),
        "run" => run::run(sim, &args, rest),
        "rollout" => rollout::rollout(sim, &args, rest, files),
        "set" => set::set(sim, &args, rest, files),
        "api-resources" => info::api_resources(sim, &args),
        "version" => info::version(&args),
        "get" => get::get_command(sim, &args, rest),
        "describe" => describe_cmd::describe_command(sim, &args, rest),
        "exec" => exec::exec(sim, &args, rest),
        other => match suggest(other) {
            Some(verb) => Output::error(format!(
                "error: unknown command \"{other}\" for \"kubectl\"\n\nDid you mean this?\n\t{verb}\n"
            )),
            None => Output::error(format!("error: unknown command \"{other}\" for \"kubectl\"")),
        },
    }
}

/// The warnings the API server attaches to requests for deprecated kinds, one line each, as
/// kubectl prints them on stderr (once per distinct text).
pub fn deprecation_warnings(kinds: &[crate::api::Kind]) -> String {
    let mut out = String::new();
    if kinds.contains(&crate::api::Kind::Endpoints) {
        out.push_str("Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n");
    }
    out
}

/// Runs a whole `kubectl …` line (words split as a shell would).
pub fn run_line(sim: &mut Sim, line: &str, files: &dyn Files) -> Output {
    match split_words(line) {
        Ok(words) => {
            let words = if words.first().map(String::as_str) == Some("kubectl") { &words[1..] } else { &words[..] };
            run(sim, words, files)
        }
        Err(e) => Output::error(format!("error: {e}")),
    }
}

const VERBS: &[&str] = &[
    "annotate", "api-resources", "apply", "autoscale", "cordon", "create", "delete", "describe", "drain", "events", "exec", "expose",
    "get", "label", "logs", "rollout", "run", "scale", "set", "taint", "top", "uncordon", "version",
];

/// Cobra's "Did you mean this?": verbs within edit distance 2, or that start with the word.
fn suggest(word: &str) -> Option<&'static str> {
    VERBS
        .iter()
        .filter(|v| levenshtein(word, v) <= 2 || v.starts_with(word))
        .min_by_key(|v| levenshtein(word, v))
        .copied()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
