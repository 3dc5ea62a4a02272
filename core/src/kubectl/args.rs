//! kubectl's command line: positional arguments and flags (`-n ns`, `--namespace=ns`, `-oyaml`,
//! `-l a=b`, boolean flags), parsed the way cobra/pflag accept them.

use std::collections::BTreeMap;

/// Flags that take a value, by every spelling kubectl accepts.
const VALUE_FLAGS: &[(&str, &str)] = &[
    ("-n", "namespace"),
    ("--namespace", "namespace"),
    ("-o", "output"),
    ("--output", "output"),
    ("-l", "selector"),
    ("--selector", "selector"),
    ("--field-selector", "field-selector"),
    ("-f", "filename"),
    ("--filename", "filename"),
    ("--cascade", "cascade"),
    ("--replicas", "replicas"),
    ("--image", "image"),
    ("--port", "port"),
    ("--target-port", "target-port"),
    ("--type", "type"),
    ("--name", "name"),
    ("--to-revision", "to-revision"),
    ("--revision", "revision"),
    ("-L", "label-columns"),
    ("--label-columns", "label-columns"),
    ("--grace-period", "grace-period"),
    ("-c", "container"),
    ("--container", "container"),
    ("--restart", "restart"),
    ("--labels", "labels"),
    ("--protocol", "protocol"),
    ("--current-replicas", "current-replicas"),
    ("--resource-version", "resource-version"),
    ("--tail", "tail"),
    ("--timeout", "timeout"),
    ("--sort-by", "sort-by"),
    ("--env", "env"),
    ("--image-pull-policy", "image-pull-policy"),
    ("--cluster-ip", "cluster-ip"),
    ("--for", "for"),
    ("--types", "types"),
];

/// Boolean flags.
const BOOL_FLAGS: &[(&str, &str)] = &[
    ("-A", "all-namespaces"),
    ("--all-namespaces", "all-namespaces"),
    ("-w", "watch"),
    ("--watch", "watch"),
    ("--show-labels", "show-labels"),
    ("--all", "all"),
    ("--overwrite", "overwrite"),
    ("--ignore-daemonsets", "ignore-daemonsets"),
    ("--delete-emptydir-data", "delete-emptydir-data"),
    ("--force", "force"),
    ("--no-headers", "no-headers"),
    ("--ignore-not-found", "ignore-not-found"),
    ("--dry-run", "dry-run"),
    ("--short", "short"),
    ("--client", "client"),
    ("--wait", "wait"),
    ("-i", "stdin"),
    ("--stdin", "stdin"),
    ("-t", "tty"),
    ("--tty", "tty"),
    ("-it", "stdin"),
    ("--rm", "rm"),
    ("--attach", "attach"),
    ("--record", "record"),
    ("--namespaced", "namespaced"),
    ("--previous", "previous"),
    ("-p", "previous"),
    ("--command", "command"),
    ("--containers", "containers"),
    ("--follow", "follow"),
];

/// Spellings whose meaning depends on the command, as each command's cobra flag set defines
/// them: `logs -f` is `--follow` (not `--filename`); `run -l` and `expose -l` are `--labels`
/// (not `--selector`).
fn verb_flag(verb: Option<&str>, flag: &str) -> Option<(&'static str, bool)> {
    match (verb?, flag) {
        ("logs", "-f") => Some(("follow", false)),
        ("run" | "expose", "-l") => Some(("labels", true)),
        _ => None,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    pub positional: Vec<String>,
    /// Repeated flags keep every value in order (`-f a.yaml -f b.yaml`).
    pub values: BTreeMap<&'static str, Vec<String>>,
    pub bools: BTreeMap<&'static str, bool>,
    /// Everything after `--` (the command for `exec`, `run … --`).
    pub after_dash: Vec<String>,
}

impl Args {
    pub fn parse(words: &[String]) -> Result<Args, String> {
        let mut a = Args::default();
        let mut i = 0;
        while i < words.len() {
            let w = &words[i];
            i += 1;
            if w == "--" {
                a.after_dash = words[i..].to_vec();
                break;
            }
            if !w.starts_with('-') || w == "-" {
                a.positional.push(w.clone());
                continue;
            }
            let (flag, inline) = match w.split_once('=') {
                Some((f, v)) if f.starts_with("--") || f.len() == 2 => (f.to_string(), Some(v.to_string())),
                _ => (w.clone(), None),
            };
            let special = verb_flag(a.positional.first().map(String::as_str), &flag);
            if let Some((name, false)) = special {
                a.bools.insert(name, inline.as_deref().is_none_or(|v| v != "false"));
                continue;
            }
            let value_flag = special.map(|(name, _)| name).or_else(|| VALUE_FLAGS.iter().find(|(f, _)| *f == flag).map(|(_, n)| *n));
            if let Some(name) = value_flag {
                let value = match inline {
                    Some(v) => v,
                    None if i < words.len() => {
                        i += 1;
                        words[i - 1].clone()
                    }
                    None => return Err(format!("flag needs an argument: {flag}")),
                };
                a.values.entry(name).or_default().push(value);
                continue;
            }
            // Short flags with the value glued on: `-oyaml`, `-nkube-system`, `-lapp=web`.
            if let Some(short) = flag.get(..2).filter(|_| !flag.starts_with("--") && flag.len() > 2) {
                let special = verb_flag(a.positional.first().map(String::as_str), short).filter(|(_, v)| *v);
                let name = special.map(|(n, _)| n).or_else(|| VALUE_FLAGS.iter().find(|(f, _)| *f == short).map(|(_, n)| *n));
                if let Some(name) = name {
                    a.values.entry(name).or_default().push(w.get(2..).unwrap_or_default().to_string());
                    continue;
                }
            }
            if let Some((_, name)) = BOOL_FLAGS.iter().find(|(f, _)| *f == flag) {
                let on = inline.as_deref().is_none_or(|v| v != "false");
                a.bools.insert(name, on);
                if *name == "dry-run" && inline.is_some() {
                    a.values.entry("dry-run").or_default().push(inline.unwrap_or_default());
                }
                continue;
            }
            return Err(format!("unknown flag: {flag}"));
        }
        Ok(a)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.last()).map(String::as_str)
    }

    pub fn all(&self, name: &str) -> &[String] {
        self.values.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn flag(&self, name: &str) -> bool {
        self.bools.get(name).copied().unwrap_or(false)
    }

    /// A boolean flag whose default is true (`--wait`): false only when given as `=false`.
    pub fn flag_or_true(&self, name: &str) -> bool {
        self.bools.get(name).copied().unwrap_or(true)
    }
}

/// Splits a command line into words the way a POSIX shell would for simple input: whitespace
/// separates, single and double quotes group, backslash escapes. Returns an error for an
/// unterminated quote.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x @ ('"' | '\\' | '$' | '`')) => cur.push(x),
                            Some(x) => {
                                cur.push('\\');
                                cur.push(x);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(x) => cur.push(x),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(x) = chars.next() {
                    cur.push(x);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Args {
        Args::parse(&split_words(line).unwrap()).unwrap()
    }

    #[test]
    fn flags_in_every_spelling() {
        let cases: &[(&str, &str, &str)] = &[
            ("get pods -n kube-system", "namespace", "kube-system"),
            ("get pods --namespace=kube-system", "namespace", "kube-system"),
            ("get pods -nkube-system", "namespace", "kube-system"),
            ("get pods -oyaml", "output", "yaml"),
            ("get pods -o=wide", "output", "wide"),
            ("get pods -l app=web", "selector", "app=web"),
            ("get pods -lapp=web", "selector", "app=web"),
            ("get pods --selector 'tier in (a,b)'", "selector", "tier in (a,b)"),
        ];
        for (line, name, want) in cases {
            let a = parse(line);
            assert_eq!(a.value(name), Some(*want), "{line}");
            assert_eq!(a.positional, ["get", "pods"], "{line}");
        }
    }

    #[test]
    fn booleans_repeats_and_dash_dash() {
        let a = parse("apply -f a.yaml -f b.yaml -A --show-labels");
        assert_eq!(a.all("filename"), ["a.yaml", "b.yaml"]);
        assert!(a.flag("all-namespaces") && a.flag("show-labels") && !a.flag("watch"));
        let e = parse("exec web -- ip route get 10.0.0.1");
        assert_eq!(e.positional, ["exec", "web"]);
        assert_eq!(e.after_dash, ["ip", "route", "get", "10.0.0.1"]);
    }

    #[test]
    fn bad_flags_are_errors() {
        assert_eq!(Args::parse(&["get".into(), "--frobnicate".into()]).unwrap_err(), "unknown flag: --frobnicate");
        assert_eq!(Args::parse(&["get".into(), "-n".into()]).unwrap_err(), "flag needs an argument: -n");
        assert!(split_words("echo 'open").is_err());
    }

    #[test]
    fn flags_that_depend_on_the_command() {
        let l = parse("logs -f web -c app");
        assert!(l.flag("follow"));
        assert_eq!(l.positional, ["logs", "web"]);
        assert_eq!(parse("logs web -f").positional, ["logs", "web"]);
        assert_eq!(parse("run web --image=nginx -l app=web").value("labels"), Some("app=web"));
        assert_eq!(parse("expose pod web -lapp=web").value("labels"), Some("app=web"));
        assert_eq!(parse("expose pod web --selector app=web").value("selector"), Some("app=web"));
        assert_eq!(parse("get pods -l app=web").value("selector"), Some("app=web"));
        assert_eq!(Args::parse(&["get".into(), "-é".into()]).unwrap_err(), "unknown flag: -é");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(split_words(r#"a "b c" 'd e' f\ g"#).unwrap(), ["a", "b c", "d e", "f g"]);
    }
}
