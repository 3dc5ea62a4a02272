//! The real-manifest corpus (kubernetes/examples): every YAML document goes through parse →
//! decode → defaults → validate without a panic, and every refusal says what it refuses.
//!
//! The corpus lives in `tests/corpus/kubernetes-examples/` (copied verbatim, with its licence and
//! source commit), or in `$FISHBOWL_CORPUS`. A missing folder fails the test: an empty corpus
//! must never pass silently.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use fishbowl_core::api::decode::{decode_detailed, DecodeFailure};
use fishbowl_core::api::defaults::apply_defaults;
use fishbowl_core::api::validate::{kubectl_invalid_message, validate};
use fishbowl_core::api::{parse_manifests, Object};
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    match std::env::var_os("FISHBOWL_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/kubernetes-examples")),
    }
}

/// Every `*.yaml` / `*.yml` below `dir`, sorted.
fn manifest_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// What became of one document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Accepted(String),
    ParseError(String),
    Refused(DecodeFailure, String),
    Invalid(String),
}

/// Runs one document through the pipeline, checking the invariants on the way.
fn run_document(value: &Value, source: &str) -> Outcome {
    let kind_name = value.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    let mut obj: Object = match decode_detailed(value, source) {
        Ok(obj) => obj,
        Err(e) => {
            let msg = &e.diagnostic.message;
            assert!(!msg.trim().is_empty(), "{source}: empty refusal");
            let names_subject = match e.failure {
                DecodeFailure::NotAnObject => msg.contains("cannot unmarshal"),
                DecodeFailure::MissingTypeMeta => msg.contains("apiVersion") || msg.contains("kind"),
                DecodeFailure::UnknownField => msg.contains("unknown field \"") && msg.contains(&kind_name),
                DecodeFailure::UnknownKind | DecodeFailure::BadValue => msg.contains(&kind_name),
            };
            assert!(names_subject, "{source}: refusal names neither kind nor field: {msg}");
            return Outcome::Refused(e.failure, msg.clone());
        }
    };
    apply_defaults(&mut obj);
    let defaulted = obj.clone();
    apply_defaults(&mut obj);
    assert_eq!(obj, defaulted, "{source}: defaulting is not idempotent");
    // What the server stores must read back strictly as the same object.
    let stored = obj.to_value();
    match decode_detailed(&stored, source) {
        Ok(again) => assert_eq!(again, obj, "{source}: the defaulted {kind_name} does not round-trip"),
        Err(e) => panic!("{source}: the defaulted {kind_name} no longer decodes: {}", e.diagnostic.message),
    }
    let errors = validate(&obj);
    if errors.is_empty() {
        return Outcome::Accepted(kind_name);
    }
    for e in &errors {
        assert!(!e.path.is_empty() && !e.to_string().is_empty(), "{source}: a field error without a path: {e:?}");
    }
    let message = kubectl_invalid_message(obj.kind(), obj.name(), &errors);
    assert!(message.contains(&kind_name), "{source}: {message}");
    Outcome::Invalid(message)
}

fn run_file(path: &Path, root: &Path) -> Vec<Outcome> {
    let source = path.strip_prefix(root).unwrap_or(path).display().to_string();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {source}: {e}"));
    parse_manifests(&text)
        .into_iter()
        .map(|doc| match doc {
            Ok(doc) => run_document(&doc.value, &source),
            Err(d) => {
                assert!(!d.message.is_empty(), "{source}: empty parse error");
                Outcome::ParseError(d.message)
            }
        })
        .collect()
}

#[test]
fn every_corpus_document_decodes_defaults_and_validates_without_panicking() {
    let root = corpus_dir();
    assert!(
        root.is_dir(),
        "the manifest corpus is missing at {} (set FISHBOWL_CORPUS to its folder)",
        root.display()
    );
    let files = manifest_files(&root);
    assert!(files.len() >= 50, "only {} manifest files under {}", files.len(), root.display());

    let mut per_file: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
    let mut panics = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap_or(path).display().to_string();
        match catch_unwind(AssertUnwindSafe(|| run_file(path, &root))) {
            Ok(outcomes) => {
                per_file.insert(rel, outcomes);
            }
            Err(payload) => {
                let why = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panics.push(format!("{rel}: {why}"));
            }
        }
    }

    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    let mut refused: BTreeMap<String, usize> = BTreeMap::new();
    let mut invalid = Vec::new();
    let mut refusals = Vec::new();
    let mut documents = 0;
    for (file, outcomes) in &per_file {
        for o in outcomes {
            documents += 1;
            match o {
                Outcome::Accepted(kind) => *accepted.entry(kind.clone()).or_default() += 1,
                Outcome::ParseError(message) => {
                    *refused.entry("YAML parse error".into()).or_default() += 1;
                    refusals.push(format!("{file}: {message}"));
                }
                Outcome::Refused(f, message) => {
                    *refused.entry(format!("{f:?}")).or_default() += 1;
                    if *f != DecodeFailure::UnknownKind {
                        refusals.push(format!("{file}: {message}"));
                    }
                }
                Outcome::Invalid(message) => invalid.push(format!("{file}: {message}")),
            }
        }
    }
    println!("corpus: {} files, {documents} documents", files.len());
    println!("accepted: {} {accepted:?}", accepted.values().sum::<usize>());
    println!("refused: {refused:?}");
    for line in &refusals {
        println!("  {line}");
    }
    println!("invalid: {}", invalid.len());
    for line in &invalid {
        println!("  {line}");
    }
    assert!(panics.is_empty(), "panics:\n{}", panics.join("\n"));

    // Spot checks, each verified by reading the file.
    let outcome = |file: &str| per_file.get(file).unwrap_or_else(|| panic!("{file} not in the corpus")).clone();
    assert_eq!(
        outcome("web/guestbook/frontend-deployment.yaml"),
        vec![Outcome::Accepted("Deployment".into())],
        "a plain apps/v1 Deployment with matching selector"
    );
    assert_eq!(outcome("web/guestbook/frontend-service.yaml"), vec![Outcome::Accepted("Service".into())]);
    assert_eq!(
        outcome("web/guestbook/legacy/frontend-controller.yaml"),
        vec![Outcome::Accepted("ReplicationController".into())],
        "an RC whose selector is defaulted from the template"
    );
    assert!(documents > files.len() / 2, "too few documents read: {documents}");
    assert!(accepted.values().sum::<usize>() * 2 > documents, "most documents should be accepted");
}

/// The whole path a user takes: `kubectl apply -f <file>` into a running simulation, one file
/// at a time, into a cluster where the namespaces the corpus names exist. Every document is
/// applied or refused with a message; the simulation never panics; refused documents write
/// nothing.
#[test]
fn every_corpus_file_goes_through_kubectl_apply() {
    use fishbowl_core::console::Console;
    use fishbowl_core::kubectl::Files;
    use fishbowl_core::{ClusterConfig, Sim};

    struct Disk;
    impl Files for Disk {
        fn read(&self, path: &str) -> Result<String, String> {
            std::fs::read_to_string(path).map_err(|e| e.to_string())
        }
    }

    let dir = corpus_dir();
    let files = manifest_files(&dir);
    let mut sim = Sim::new(ClusterConfig::default());
    let mut console = Console::new();
    // Namespaces the corpus's manifests refer to, created the way a reader would first.
    let mut namespaces = std::collections::BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for line in text.lines() {
            if let Some(ns) = line.trim().strip_prefix("namespace:") {
                let ns = ns.trim().trim_matches('"');
                if !ns.is_empty() && ns.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                    namespaces.insert(ns.to_string());
                }
            }
        }
    }
    for ns in &namespaces {
        console.run_line(&mut sim, &format!("kubectl create namespace {ns}"), &Disk);
    }
    let (mut applied, mut refused) = (0usize, 0usize);
    for f in &files {
        let before = sim.store().resource_version();
        let path = f.to_string_lossy().into_owned();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            console.run_line(&mut sim, &format!("kubectl apply -f '{path}'"), &Disk)
        }));
        let out = result.unwrap_or_else(|_| panic!("kubectl apply panicked on {path}"));
        let ok_lines = out.stdout.lines().filter(|l| !l.is_empty()).count();
        let err_lines = out.stderr.lines().filter(|l| l.starts_with("error: ") || l.starts_with("Error from server") || l.starts_with("The ")).count();
        applied += ok_lines;
        refused += err_lines;
        assert!(ok_lines + err_lines > 0 || out.stdout.is_empty() && out.stderr.is_empty(), "{path}: no result lines:\n{}{}", out.stdout, out.stderr);
        if ok_lines == 0 {
            assert_eq!(sim.store().resource_version(), before, "{path}: a fully refused file wrote something");
        }
        for line in out.stderr.lines().filter(|l| l.starts_with("error: ") || l.starts_with("Error from server")) {
            assert!(line.len() > 20, "{path}: an unhelpful error: {line}");
        }
    }
    println!("kubectl apply over {} corpus files: {applied} objects applied, {refused} documents refused", files.len());
    assert!(applied >= 200, "most of the corpus applies ({applied})");
}
