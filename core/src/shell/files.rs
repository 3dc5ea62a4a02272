//! `cat` and `ls` inside a container, for the files the simulation knows: what its volume
//! mounts hold (ConfigMap keys, Secret values decoded, downward API fields), `/etc/hostname`,
//! and what the container's process wrote (`/tmp` and the files it created). Errors are worded as the image's userland words them (busybox or GNU
//! coreutils). `ls` writes one name per line, as it does without a terminal.
//!
//! The rest of the image's filesystem is not simulated; a path outside the mounts says so
//! rather than inventing contents.

use crate::kubectl::Output;
use crate::kubelet::view::{ContainerView, Entry};

use super::env::exit_status;

/// `cat FILE…` or `ls [PATH…]` (`exe` names which); other flags are not simulated.
pub fn run(view: &ContainerView, exe: &str, args: &[String]) -> Output {
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let flags_ok = args.iter().filter(|a| a.starts_with('-')).all(|f| matches!(f.as_str(), "-1" | "--"));
    if !flags_ok {
        return Output::error(format!(
            "fishbowl: `{exe} {}` is not simulated: only `cat FILE…` and `ls [-1] [PATH…]` (names, one per line) are",
            args.join(" ")
        ));
    }
    let mut out = Output::default();
    let mut failed = false;
    match exe {
        "cat" => {
            for p in &paths {
                let path = normalise(p);
                if !view.inside(&path) {
                    return not_simulated(exe, p);
                }
                match view.files.get(&path) {
                    Some(Entry::File(f)) => out.stdout.push_str(&String::from_utf8_lossy(&f.data)),
                    Some(Entry::Dir) => {
                        failed = true;
                        out.stderr.push_str(&if view.busybox { "cat: read error: Is a directory\n".to_string() } else { format!("cat: {p}: Is a directory\n") });
                    }
                    None => {
                        failed = true;
                        out.stderr.push_str(&if view.busybox { format!("cat: can't open '{p}': No such file or directory\n") } else { format!("cat: {p}: No such file or directory\n") });
                    }
                }
            }
        }
        _ => {
            let paths: Vec<&str> = if paths.is_empty() { vec!["/"] } else { paths.iter().map(|p| p.as_str()).collect() };
            let many = paths.len() > 1;
            let mut first = true;
            for p in paths {
                let path = normalise(p);
                if !view.inside(&path) {
                    return not_simulated(exe, p);
                }
                match view.files.get(&path) {
                    Some(Entry::File(_)) => out.stdout.push_str(&format!("{p}\n")),
                    Some(Entry::Dir) => {
                        if many {
                            out.stdout.push_str(&format!("{}{p}:\n", if first { "" } else { "\n" }));
                        }
                        for name in view.list(&path) {
                            out.stdout.push_str(&format!("{name}\n"));
                        }
                    }
                    None => {
                        failed = true;
                        out.stderr.push_str(&if view.busybox { format!("ls: {p}: No such file or directory\n") } else { format!("ls: cannot access '{p}': No such file or directory\n") });
                    }
                }
                first = false;
            }
        }
    }
    if failed {
        out.push(exit_status(if exe == "ls" && !view.busybox { 2 } else { 1 }));
    }
    out
}

/// `/etc/config/` → `/etc/config`; `a/../b` is not resolved.
fn normalise(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        "/".into()
    } else {
        t.replace("//", "/")
    }
}

fn not_simulated(exe: &str, path: &str) -> Output {
    Output::error(format!(
        "fishbowl: `{exe} {path}`: only the container's volume mounts, /etc/hostname, /tmp and the files its process wrote are simulated, not the rest of its filesystem"
    ))
}
