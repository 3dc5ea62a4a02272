//! `kubectl run NAME --image=IMAGE [--port] [--labels|-l] [--restart] [--env K=V]…
//! [--image-pull-policy] [--command] [-- COMMAND ARGS…]`: one Pod, built as kubectl builds it.
//!
//! Follows `pkg/cmd/run/run.go` of kubectl (`Complete`, `Validate`, `createPod`): the pod and
//! its one container are both named NAME, labelled `run=NAME` unless `--labels` is given, with
//! `dnsPolicy: ClusterFirst` and the restart policy asked for (default `Always`); words after
//! NAME become the container's `args`, or its `command` with `--command`. The server fills in
//! the rest (defaulting). Attaching (`-i`, `-t`, `--attach`, and so `--rm`) needs a running
//! container and a terminal, which the simulation does not have: it is refused with a message
//! saying so, after kubectl's own checks. `--dry-run=client` prints without writing;
//! `--dry-run=server` sends the pod through the API server's checks on a scratch copy of the
//! cluster and writes nothing.

use k8s_openapi::api::core::v1::{Container, ContainerPort, EnvVar, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::sim::Sim;
use crate::store::{Cause, Component};

use super::rollout::DryRun;
use super::write::namespace;
use super::{Args, Output};

pub fn run(sim: &mut Sim, args: &Args, rest: &[String]) -> Output {
    let (pod, dry_run) = match build_pod(args, rest) {
        Ok(pod) => pod,
        Err(message) => return Output::error(message),
    };
    let name = pod.metadata.name.clone().unwrap_or_default();
    let result = match dry_run {
        DryRun::Client => Ok(()),
        DryRun::Server => sim.clone().api().create(pod.into(), &Component::new("kubectl"), Cause::Bootstrap).map(|_| ()),
        DryRun::None => {
            let action = sim.begin_action(summary(args, rest));
            let result = sim.api().create(pod.into(), &Component::new("kubectl"), Cause::Action(action)).map(|_| ());
            sim.after_action();
            result
        }
    };
    match result {
        Ok(()) => Output::ok(format!("pod/{name} created{}\n", dry_run.suffix())),
        Err(e) => Output::error(e.to_string()),
    }
}

fn summary(args: &Args, rest: &[String]) -> String {
    let mut s = format!("kubectl run {} --image={}", rest.join(" "), args.value("image").unwrap_or(""));
    if !args.after_dash.is_empty() {
        s.push_str(&format!(" -- {}", args.after_dash.join(" ")));
    }
    s
}

/// The Pod kubectl would send and the dry-run mode, or kubectl's error text (with its
/// `error: ` prefix).
pub fn build_pod(args: &Args, rest: &[String]) -> Result<(Pod, DryRun), String> {
    let Some(image) = args.value("image") else {
        return Err("error: required flag(s) \"image\" not set".into());
    };
    // Complete: flags parsed in kubectl's order.
    let labels = match args.value("labels").filter(|l| !l.is_empty()) {
        Some(l) => Some(parse_labels(l).map_err(|e| format!("error: {e}"))?),
        None => None,
    };
    let mut env = Vec::new();
    for e in args.all("env") {
        match e.split_once('=') {
            Some((k, v)) if is_env_var_name(k) => env.push(EnvVar { name: k.into(), value: Some(v.into()), ..Default::default() }),
            _ => return Err(format!("error: invalid env: {e}")),
        }
    }
    let restart = args.value("restart").unwrap_or("Always");
    if !matches!(restart, "Always" | "OnFailure" | "Never") {
        return Err(format!("error: invalid restart policy: {restart}, valid values are: Always, OnFailure, Never"));
    }
    let pull = args.value("image-pull-policy").unwrap_or("");
    if !matches!(pull, "" | "Always" | "IfNotPresent" | "Never") {
        return Err(format!("error: invalid image pull policy: {pull}"));
    }
    let dry_run = DryRun::parse(args).map_err(|o| o.stderr.trim_end().to_string())?;
    // Validate.
    let Some(name) = rest.first() else {
        return Err("error: NAME is required for run".into());
    };
    if image.is_empty() {
        return Err("error: --image is required".into());
    }
    if !valid_image_reference(image) {
        return Err(format!("error: invalid image name {image:?}: invalid reference format"));
    }
    let (stdin, tty, attach) = (args.flag("stdin"), args.flag("tty"), args.flag("attach"));
    if tty && !stdin {
        return Err("error: -i/--stdin is required for containers with -t/--tty=true".into());
    }
    let port = args.value("port").unwrap_or("");
    let port_number = if port.is_empty() {
        None
    } else {
        Some(port.parse::<i32>().map_err(|_| "error: --port must be a number".to_string())?)
    };
    if !(stdin || attach) && args.flag("rm") {
        return Err("error: --rm should only be used for attached containers".into());
    }
    if stdin || attach {
        return Err("error: attaching to the container (-i/--stdin, -t/--tty, --attach, --rm) is not simulated: there is no terminal to connect; run it without them and read its output with `kubectl logs`".into());
    }
    // Run: createPod.
    let words: Vec<String> = rest[1..].iter().chain(&args.after_dash).cloned().collect();
    let mut container = Container {
        name: name.clone(),
        image: Some(image.to_string()),
        env: (!env.is_empty()).then_some(env),
        image_pull_policy: (!pull.is_empty()).then(|| pull.to_string()),
        ports: port_number.map(|p| vec![ContainerPort { container_port: p, ..Default::default() }]),
        ..Default::default()
    };
    if !words.is_empty() {
        if args.flag("command") {
            container.command = Some(words);
        } else {
            container.args = Some(words);
        }
    }
    let labels = labels.unwrap_or_else(|| [("run".to_string(), name.clone())].into());
    let pod = Pod {
        metadata: ObjectMeta { name: Some(name.clone()), namespace: Some(namespace(args)), labels: Some(labels), ..Default::default() },
        spec: Some(PodSpec {
            containers: vec![container],
            dns_policy: Some("ClusterFirst".into()),
            restart_policy: Some(restart.into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    Ok((pod, dry_run))
}

/// run's `parseLabels`.
fn parse_labels(spec: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut out = std::collections::BTreeMap::new();
    for part in spec.split(',') {
        let kv: Vec<&str> = part.split('=').collect();
        if kv.len() != 2 {
            return Err(format!("unexpected label spec: {part}"));
        }
        if kv[0].is_empty() {
            return Err("unexpected empty label key".into());
        }
        out.insert(kv[0].to_string(), kv[1].to_string());
    }
    Ok(out)
}

/// `validation.IsEnvVarName`: `[-._a-zA-Z][-._a-zA-Z0-9]*`.
fn is_env_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    let ok = |c: char, first: bool| c.is_ascii_alphabetic() || matches!(c, '-' | '.' | '_') || (!first && c.is_ascii_digit());
    chars.next().is_some_and(|c| ok(c, true)) && chars.all(|c| ok(c, false))
}

/// `reference.ReferenceRegexp` of the distribution library: `[domain[:port]/]path[:tag][@digest]`.
pub fn valid_image_reference(image: &str) -> bool {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    if digest.is_some_and(|d| !valid_digest(d)) {
        return false;
    }
    let last_slash = rest.rfind('/');
    let (name, tag) = match rest.rfind(':') {
        Some(i) if last_slash.is_none_or(|s| i > s) => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if tag.is_some_and(|t| !valid_tag(t)) {
        return false;
    }
    let parts: Vec<&str> = name.split('/').collect();
    if parts.iter().all(|p| valid_path_component(p)) {
        return true;
    }
    parts.len() > 1 && valid_domain(parts[0]) && parts[1..].iter().all(|p| valid_path_component(p))
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn valid_path_component(p: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let b: Vec<char> = p.chars().collect();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep: String = b[start..i].iter().collect();
        let dashes = sep.chars().all(|c| c == '-');
        if !(sep == "." || sep == "_" || sep == "__" || dashes) {
            return false;
        }
    }
    true
}

/// A host (DNS-ish name or bracketed IPv6) with an optional numeric port.
fn valid_domain(d: &str) -> bool {
    let (host, port) = if d.starts_with('[') {
        match d.find(']') {
            Some(end) => (&d[..=end], d[end + 1..].strip_prefix(':')),
            None => return false,
        }
    } else {
        match d.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if !d[host.len()..].is_empty() && port.is_none() {
        return false;
    }
    if port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        return false;
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty() && inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
    }
    host.split('.').all(|c| {
        !c.is_empty()
            && c.chars().all(|x| x.is_ascii_alphanumeric() || x == '-')
            && !c.starts_with('-')
            && !c.ends_with('-')
    })
}

/// `[\w][\w.-]{0,127}`
fn valid_tag(t: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    t.len() <= 128 && t.chars().next().is_some_and(word) && t.chars().all(|c| word(c) || c == '.' || c == '-')
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
fn valid_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else { return false };
    let alg_ok = alg.split(['-', '_', '+', '.']).all(|part| {
        part.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && part.chars().all(|c| c.is_ascii_alphanumeric())
    });
    alg_ok && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
