//! The app state as a pure reducer: `AppState::reduce(action)`. The simulation itself is
//! behind an `Rc<RefCell<Sim>>`, mutated only here, and every change bumps `revision` so that
//! components re-render. What reaches outside the page (a file to download) is only recorded
//! here; the app performs it in an effect.

use std::cell::RefCell;
use std::rc::Rc;

use fishbowl_core::console::Console;
use fishbowl_core::view::{trace_rows, TraceView};
use fishbowl_core::{ApplyOutcome, ClusterConfig, Sim};
use yew::Reducible;

use crate::files::{Download, EditorFiles};
use crate::i18n::Lang;

/// A starting manifest: the Deployment the first lesson applies.
pub const SAMPLE_MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
";

/// One line of apply output, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputLine {
    pub text: String,
    pub is_error: bool,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// One command typed into the console and what it printed.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleEntry {
    pub command: String,
    pub stdout: String,
    pub stderr: String,
    pub ok: bool,
}

pub struct AppState {
    pub sim: Rc<RefCell<Sim>>,
    pub console: Rc<RefCell<Console>>,
    pub console_log: Vec<ConsoleEntry>,
    pub manifest: String,
    pub output: Vec<OutputLine>,
    pub lang: Lang,
    /// Bumped on every change to the simulation.
    pub revision: u64,
    /// The last packet trace, replaced only when a command ran a new one.
    pub trace: Option<Rc<TraceView>>,
    /// Bumped whenever `trace` is replaced (the trace panel starts over).
    pub trace_serial: u64,
    /// The last file a command wrote, for the app to offer as a download.
    pub download: Option<Rc<Download>>,
}

impl Default for AppState {
    fn default() -> Self {
        AppState {
            sim: Rc::new(RefCell::new(Sim::new(ClusterConfig::default()))),
            console: Rc::new(RefCell::new(Console::new())),
            console_log: Vec::new(),
            manifest: SAMPLE_MANIFEST.to_string(),
            output: Vec::new(),
            lang: Lang::default(),
            revision: 0,
            trace: None,
            trace_serial: 0,
            download: None,
        }
    }
}

impl PartialEq for AppState {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.sim, &other.sim)
            && self.revision == other.revision
            && self.manifest == other.manifest
            && self.output == other.output
            && self.lang == other.lang
            && self.console_log == other.console_log
            && self.trace_serial == other.trace_serial
            && self.download == other.download
    }
}

pub enum Action {
    EditManifest(String),
    Apply,
    SetLang(Lang),
    /// A console line: `kubectl …`, `advance 30s`, `settle`, `events`…
    RunCommand(String),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = AppState {
            sim: self.sim.clone(),
            console: self.console.clone(),
            console_log: self.console_log.clone(),
            manifest: self.manifest.clone(),
            output: self.output.clone(),
            lang: self.lang,
            revision: self.revision,
            trace: self.trace.clone(),
            trace_serial: self.trace_serial,
            download: self.download.clone(),
        };
        match action {
            Action::EditManifest(text) => next.manifest = text,
            Action::SetLang(lang) => next.lang = lang,
            Action::Apply => {
                let report = next.sim.borrow_mut().apply("manifest.yaml", &next.manifest);
                next.output = report.outcomes.iter().map(output_line).collect();
                next.revision += 1;
            }
            Action::RunCommand(line) => {
                let files = EditorFiles::new(&next.manifest);
                let out = next.console.borrow_mut().run_line(&mut next.sim.borrow_mut(), &line, &files);
                next.console_log.push(ConsoleEntry { command: line, stdout: out.stdout, stderr: out.stderr, ok: out.status == 0 });
                next.revision += 1;
                if let Some((name, bytes)) = files.into_written() {
                    next.download = Some(Rc::new(Download { serial: next.revision, name, bytes }));
                }
                // Only `trace`, `ping` and the like change the last trace; keep the panel's
                // place in it across every other command.
                let trace = trace_rows(&next.sim.borrow());
                if trace.as_ref() != next.trace.as_deref() {
                    next.trace = trace.map(Rc::new);
                    next.trace_serial += 1;
                }
            }
        }
        Rc::new(next)
    }
}

fn output_line(o: &ApplyOutcome) -> OutputLine {
    match o {
        ApplyOutcome::Applied { .. } => {
            OutputLine { text: o.to_kubectl_line(), is_error: false, line: None, column: None }
        }
        ApplyOutcome::Refused { line, diagnostic } => OutputLine {
            text: o.to_kubectl_line(),
            is_error: true,
            line: diagnostic.line.or(*line),
            column: diagnostic.column,
        },
    }
}
