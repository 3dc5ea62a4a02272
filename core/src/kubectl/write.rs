//! Commands that write: apply, create, delete, scale, label, annotate, cordon/uncordon, taint.
//! Each runs as one user action; messages are kubectl's.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Taint;

use crate::api::{parse_manifests, Kind, Object};
use crate::sim::{ApplyOutcome, Deleted, Propagation, Sim};
use crate::store::{selector, Cause, Component, ObjectRef};

use super::{Args, Files, Output};

fn kubectl() -> Component {
    Component::new("kubectl")
}

/// The namespace a command works in (`-n`, else `default`).
pub fn namespace(args: &Args) -> String {
    args.value("namespace").unwrap_or("default").to_string()
}

fn read_files(args: &Args, files: &dyn Files) -> Result<Vec<(String, String)>, Output> {
    let paths = args.all("filename");
    if paths.is_empty() {
        return Err(Output::error("error: must specify one of -f and -k"));
    }
    let mut out = Vec::new();
    for p in paths {
        match files.read(p) {
            Ok(text) => out.push((p.clone(), text)),
            Err(e) => return Err(Output::error(format!("error: {e}"))),
        }
    }
    Ok(out)
}

pub fn apply(sim: &mut Sim, args: &Args, files: &dyn Files) -> Output {
    let sources = match read_files(args, files) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let action = sim.begin_action(format!("kubectl apply -f {}", args.all("filename").join(" -f ")));
    let mut out = Output::default();
    for (path, text) in sources {
        let report = sim.apply_as(&path, &text, args.value("namespace"), Cause::Action(action));
        let kinds: Vec<Kind> = report
            .outcomes
            .iter()
            .filter_map(|o| match o {
                ApplyOutcome::Applied { object, .. } => Some(object.kind),
                ApplyOutcome::Refused { .. } => None,
            })
            .collect();
        if !out.stderr.contains("Warning:") {
            out.stderr.push_str(&super::deprecation_warnings(&kinds));
        }
        for o in &report.outcomes {
            match o {
                ApplyOutcome::Applied { .. } => out.stdout.push_str(&format!("{}\n", o.to_kubectl_line())),
                ApplyOutcome::Refused { .. } => {
                    out.stderr.push_str(&format!("{}\n", o.to_kubectl_line()));
                    out.status = 1;
                }
            }
        }
    }
    sim.after_action();
    out
}

pub fn create(sim: &mut Sim, args: &Args, files: &dyn Files) -> Output {
    let rest = &args.positional[1..];
    if let Some(what) = rest.first() {
        return create_named(sim, what, &rest[1..], &namespace(args));
    }
    let sources = match read_files(args, files) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let discovery = sim.store().discovery();
    let action = sim.begin_action(format!("kubectl create -f {}", args.all("filename").join(" -f ")));
    let mut out = Output::default();
    for (path, text) in sources {
        for doc in parse_manifests(&text) {
            let result = doc.map_err(|d| format!("error: error parsing {path}: {}", d.message)).and_then(|doc| {
                let kind = doc
                    .value
                    .get("apiVersion")
                    .and_then(|a| a.as_str())
                    .zip(doc.value.get("kind").and_then(|k| k.as_str()))
                    .and_then(|(a, k)| discovery.lookup(a, k))
                    .ok_or_else(|| format!("error: unable to recognize \"{path}\": no matches for kind in this document"))?;
                let mut obj = match sim.store().crd_for(kind) {
                    Some(crd) => crate::api::custom::decode(&doc.value, &path, kind, crd).map_err(|e| e.diagnostic.message)?,
                    None => Object::from_value(kind, doc.value)
                        .map_err(|e| format!("error: error validating \"{path}\": {} at {}", e.inner(), e.path()))?,
                };
                if kind.info().namespaced && obj.namespace().is_none() {
                    obj.metadata_mut().namespace = Some(namespace(args));
                }
                sim.api()
                    .create(obj, &kubectl(), Cause::Action(action))
                    .map(|o| format!("{} created", ObjectRef::of(&o)))
                    .map_err(|e| format!("Error from server ({}): error when creating \"{path}\": {}", e.reason(), e.message()))
            });
            match result {
                Ok(line) => out.stdout.push_str(&format!("{line}\n")),
                Err(e) => {
                    out.stderr.push_str(&format!("{e}\n"));
                    out.status = 1;
                }
            }
        }
    }
    sim.after_action();
    out
}

/// `kubectl create namespace NAME` and `kubectl create serviceaccount NAME` (the generators
/// kubectl has for other kinds are not modelled).
fn create_named(sim: &mut Sim, what: &str, rest: &[String], namespace: &str) -> Output {
    if matches!(what, "serviceaccount" | "sa") {
        return create_service_account(sim, rest, namespace);
    }
    if !matches!(what, "namespace" | "ns") {
        return Output::error(format!(
            "error: `kubectl create {what}` is not available in this simulator; write a manifest and use `kubectl create -f` or `kubectl apply -f`"
        ));
    }
    let Some(name) = rest.first() else {
        return Output::error("error: exactly one NAME is required, got 0");
    };
    let ns = k8s_openapi::api::core::v1::Namespace {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta { name: Some(name.clone()), ..Default::default() },
        ..Default::default()
    };
    let action = sim.begin_action(format!("kubectl create namespace {name}"));
    let result = sim.api().create(ns.into(), &kubectl(), Cause::Action(action));
    sim.after_action();
    match result {
        Ok(_) => Output::ok(format!("namespace/{name} created\n")),
        Err(e) => Output::error(e.to_string()),
    }
}

fn create_service_account(sim: &mut Sim, rest: &[String], namespace: &str) -> Output {
    let Some(name) = rest.first() else {
        return Output::error("error: exactly one NAME is required, got 0");
    };
    let sa = k8s_openapi::api::core::v1::ServiceAccount {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace.to_string()),
            ..Default::default()
        },
        ..Default::default()
    };
    let action = sim.begin_action(format!("kubectl create serviceaccount {name}"));
    let result = sim.api().create(sa.into(), &kubectl(), Cause::Action(action));
    sim.after_action();
    match result {
        Ok(_) => Output::ok(format!("serviceaccount/{name} created\n")),
        Err(e) => Output::error(e.to_string()),
    }
}

/// Resolves `TYPE NAME…`, `TYPE/NAME…`, `TYPE -l SELECTOR` and `TYPE --all` to object keys.
pub fn resolve_targets(sim: &Sim, args: &Args, rest: &[String]) -> Result<Vec<ObjectRef>, Output> {
    let ns = namespace(args);
    let all_ns = args.flag("all-namespaces");
    let mut keys = Vec::new();
    if rest.is_empty() {
        return Err(Output::error("error: you must specify the type of resource to operate on"));
    }
    let discovery = sim.store().discovery();
    if rest.iter().all(|r| r.contains('/')) {
        for r in rest {
            let (t, name) = r.split_once('/').unwrap_or((r, ""));
            let kind = super::resources::resource_kind(&discovery, t)?;
            keys.push(key_for(kind, &ns, name));
        }
        return Ok(keys);
    }
    let mut kinds = Vec::new();
    for t in rest[0].split(',') {
        kinds.push(super::resources::resource_kind(&discovery, t)?);
    }
    let names = &rest[1..];
    if !names.is_empty() {
        for kind in &kinds {
            for n in names {
                keys.push(key_for(*kind, &ns, n));
            }
        }
        return Ok(keys);
    }
    let sel = match args.value("selector") {
        Some(s) => Some(selector::parse(s).map_err(|e| Output::error(format!("error: {e}")))?),
        None if args.flag("all") => None,
        None => {
            return Err(Output::error("error: resource(s) were provided, but no name was specified".to_string()))
        }
    };
    for kind in kinds {
        let scope = if kind.info().namespaced && !all_ns { Some(ns.as_str()) } else { None };
        for obj in sim.store().list(kind, scope) {
            if sel.as_ref().is_none_or(|s| s.matches(obj.labels())) {
                keys.push(ObjectRef::of(obj));
            }
        }
    }
    Ok(keys)
}

fn key_for(kind: Kind, ns: &str, name: &str) -> ObjectRef {
    ObjectRef::new(kind, kind.info().namespaced.then_some(ns), name)
}

/// A built-in resource type typed on the command line (custom kinds: `resources::resource_kind`).
pub fn kind_arg(t: &str) -> Result<Kind, Output> {
    Kind::from_resource_arg(t).ok_or_else(|| {
        Output::error(format!("error: the server doesn't have a resource type \"{t}\""))
    })
}

pub fn delete(sim: &mut Sim, args: &Args, rest: &[String], files: &dyn Files) -> Output {
    let propagation = match args.value("cascade").unwrap_or("background") {
        "background" | "true" => Propagation::Background,
        "foreground" => Propagation::Foreground,
        "orphan" | "false" => Propagation::Orphan,
        other => {
            return Output::error(format!(
                "error: invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""
            ))
        }
    };
    let keys = if args.all("filename").is_empty() {
        match resolve_targets(sim, args, rest) {
            Ok(k) => k,
            Err(o) => return o,
        }
    } else {
        let sources = match read_files(args, files) {
            Ok(s) => s,
            Err(o) => return o,
        };
        let discovery = sim.store().discovery();
        let mut keys = Vec::new();
        for (_, text) in sources {
            for doc in parse_manifests(&text).into_iter().flatten() {
                let v = &doc.value;
                let kind = v.get("apiVersion").and_then(|a| a.as_str()).zip(v.get("kind").and_then(|k| k.as_str()));
                if let Some(kind) = kind.and_then(|(a, k)| discovery.lookup(a, k)) {
                    let name = v.pointer("/metadata/name").and_then(|n| n.as_str()).unwrap_or("");
                    let ns = v.pointer("/metadata/namespace").and_then(|n| n.as_str()).map(str::to_string).unwrap_or_else(|| namespace(args));
                    keys.push(key_for(kind, &ns, name));
                }
            }
        }
        keys
    };
    if keys.is_empty() {
        let ns = namespace(args);
        return Output { stderr: format!("No resources found in {ns} namespace.\n"), ..Default::default() };
    }
    let action = sim.begin_action(format!("kubectl delete {}", rest.join(" ")));
    let mut out = Output::default();
    let waited_for = keys.clone();
    for key in keys {
        match sim.api().delete(&key, propagation, &kubectl(), Cause::Action(action)) {
            Ok(Deleted::Removed | Deleted::Pending) => out.stdout.push_str(&format!(
                "{} \"{}\" deleted{}\n",
                key.kind.qualified_singular(),
                key.name,
                match propagation {
                    Propagation::Background => "",
                    Propagation::Foreground => " (foreground)",
                    Propagation::Orphan => " (orphan)",
                }
            )),
            Err(e) if args.flag("ignore-not-found") && e.reason() == "NotFound" => {}
            Err(e) => {
                out.stderr.push_str(&format!("{e}\n"));
                out.status = 1;
            }
        }
    }
    sim.after_action();
    // `--wait` (the default): kubectl blocks until the objects are gone (a pod's kubelet
    // finishing its graceful shutdown, finalizers removed), up to a week by default.
    if args.flag_or_true("wait") {
        sim.run_until(WAIT_LIMIT, |sim| waited_for.iter().all(|k| sim.get(k).is_none()));
    }
    out
}

/// How long `kubectl delete --wait` and `drain` wait when no `--timeout` is given.
pub(crate) const WAIT_LIMIT: crate::time::SimDuration = crate::time::SimDuration::from_secs(7 * 24 * 3600);

pub fn scale(sim: &mut Sim, args: &Args, rest: &[String]) -> Output {
    let Some(replicas) = args.value("replicas") else {
        return Output::error("error: required flag(s) \"replicas\" not set");
    };
    let Ok(replicas) = replicas.parse::<i32>() else {
        return Output::error(format!("error: invalid argument \"{replicas}\" for \"--replicas\" flag: strconv.ParseInt: parsing \"{replicas}\": invalid syntax"));
    };
    if replicas < 0 {
        return Output::error("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
    }
    let keys = match resolve_targets(sim, args, rest) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let action = sim.begin_action(format!("kubectl scale {} --replicas={replicas}", rest.join(" ")));
    let mut out = Output::default();
    for key in keys {
        let result = modify(sim, &key, action, |obj| {
            match obj {
                Object::Deployment(d) => d.spec.replicas = Some(replicas),
                Object::ReplicaSet(r) => r.spec.replicas = Some(replicas),
                Object::ReplicationController(r) => r.spec.get_or_insert_with(Default::default).replicas = Some(replicas),
                Object::StatefulSet(s) => s.spec.replicas = Some(replicas),
                other => return Err(format!("error: cannot scale {}: it has no replicas", ObjectRef::of(other))),
            }
            Ok(())
        });
        match result {
            Ok(()) => out.stdout.push_str(&format!("{key} scaled\n")),
            Err(e) => {
                out.stderr.push_str(&format!("{e}\n"));
                out.status = 1;
            }
        }
    }
    sim.after_action();
    out
}

/// Reads, changes and writes back one object as `kubectl`.
fn modify(sim: &mut Sim, key: &ObjectRef, action: crate::store::ActionId, f: impl FnOnce(&mut Object) -> Result<(), String>) -> Result<(), String> {
    let Some(obj) = sim.get(key) else {
        return Err(format!("Error from server (NotFound): {} \"{}\" not found", crate::sim::apiserver::resource_name(key.kind), key.name));
    };
    let mut obj = obj.clone();
    f(&mut obj)?;
    sim.api().update(obj, &kubectl(), Cause::Action(action)).map(|_| ()).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaField {
    Labels,
    Annotations,
}

pub fn label_or_annotate(sim: &mut Sim, args: &Args, rest: &[String], field: MetaField) -> Output {
    let (verb, past, un) = match field {
        MetaField::Labels => ("label", "labeled", "unlabeled"),
        MetaField::Annotations => ("annotate", "annotated", "annotated"),
    };
    // Targets come first, then KEY=VALUE / KEY- changes.
    let split = rest.iter().position(|r| r.contains('=') || (r.ends_with('-') && !r.contains('/'))).unwrap_or(rest.len());
    let (targets, changes) = rest.split_at(split);
    if changes.is_empty() {
        return Output::error(format!("error: at least one {} update is required", if field == MetaField::Labels { "label" } else { "annotation" }));
    }
    let mut set = BTreeMap::new();
    let mut remove = Vec::new();
    for c in changes {
        if let Some((k, v)) = c.split_once('=') {
            if field == MetaField::Labels {
                if let Err(e) = selector::validate_label_key(k).and_then(|_| selector::validate_label_value(v)) {
                    return Output::error(format!("error: invalid label spec: {c}: {e}"));
                }
            }
            set.insert(k.to_string(), v.to_string());
        } else if let Some(k) = c.strip_suffix('-') {
            remove.push(k.to_string());
        }
    }
    let keys = match resolve_targets(sim, args, targets) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let action = sim.begin_action(format!("kubectl {verb} {}", rest.join(" ")));
    let mut out = Output::default();
    for key in keys {
        let mut changed = false;
        let result = modify(sim, &key, action, |obj| {
            let meta = obj.metadata_mut();
            let map = match field {
                MetaField::Labels => meta.labels.get_or_insert_with(Default::default),
                MetaField::Annotations => meta.annotations.get_or_insert_with(Default::default),
            };
            for (k, v) in &set {
                match map.get(k) {
                    Some(old) if old == v => {}
                    Some(old) if !args.flag("overwrite") => {
                        return Err(format!("error: '{k}' already has a value ({old}), and --overwrite is false"));
                    }
                    _ => {
                        map.insert(k.clone(), v.clone());
                        changed = true;
                    }
                }
            }
            for k in &remove {
                changed |= map.remove(k).is_some();
            }
            Ok(())
        });
        match result {
            Ok(()) => {
                let word = if !changed { format!("not {past}") } else if set.is_empty() { un.to_string() } else { past.to_string() };
                out.stdout.push_str(&format!("{key} {word}\n"));
            }
            Err(e) => {
                out.stderr.push_str(&format!("{e}\n"));
                out.status = 1;
            }
        }
    }
    sim.after_action();
    out
}

pub fn cordon(sim: &mut Sim, rest: &[String], on: bool) -> Output {
    let Some(name) = rest.first() else {
        return Output::error(format!("error: USAGE: {} NODE [flags]", if on { "cordon" } else { "uncordon" }));
    };
    let key = ObjectRef::new(Kind::Node, None, name);
    let action = sim.begin_action(format!("kubectl {} {name}", if on { "cordon" } else { "uncordon" }));
    let mut changed = false;
    let result = modify(sim, &key, action, |obj| {
        if let Object::Node(n) = obj {
            let spec = n.spec.get_or_insert_with(Default::default);
            changed = spec.unschedulable.unwrap_or(false) != on;
            spec.unschedulable = on.then_some(true);
        }
        Ok(())
    });
    sim.after_action();
    match result {
        Ok(()) => {
            let word = if on { "cordoned" } else { "uncordoned" };
            Output::ok(format!("node/{name} {}{word}\n", if changed { "" } else { "already " }))
        }
        Err(e) => Output::error(e),
    }
}

/// `kubectl taint nodes NODE key=value:Effect | key:Effect | key- | key:Effect-`
pub fn taint(sim: &mut Sim, args: &Args, rest: &[String]) -> Output {
    if rest.len() < 3 || kind_arg(&rest[0]).ok() != Some(Kind::Node) {
        return Output::error("error: at least one taint update is required");
    }
    let key = ObjectRef::new(Kind::Node, None, &rest[1]);
    let mut adds = Vec::new();
    let mut removes: Vec<(String, Option<String>)> = Vec::new();
    for spec in &rest[2..] {
        if let Some(r) = spec.strip_suffix('-') {
            let (k, effect) = match r.split_once(':') {
                Some((k, e)) => (k.to_string(), Some(e.to_string())),
                None => (r.to_string(), None),
            };
            removes.push((k, effect));
            continue;
        }
        let Some((kv, effect)) = spec.rsplit_once(':') else {
            return Output::error(format!("error: invalid taint spec: {spec}, unknown taint effect (must be one of NoSchedule, PreferNoSchedule, NoExecute)"));
        };
        if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            return Output::error(format!("error: invalid taint effect: {effect}, unsupported taint effect"));
        }
        let (k, v) = match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (kv.to_string(), None),
        };
        adds.push(Taint { key: k, value: v, effect: effect.to_string(), time_added: None });
    }
    let action = sim.begin_action(format!("kubectl taint {}", rest.join(" ")));
    let overwrite = args.flag("overwrite");
    let result = modify(sim, &key, action, |obj| {
        let Object::Node(n) = obj else { return Ok(()) };
        let taints = n.spec.get_or_insert_with(Default::default).taints.get_or_insert_with(Vec::new);
        for t in &adds {
            if let Some(existing) = taints.iter_mut().find(|x| x.key == t.key && x.effect == t.effect) {
                if !overwrite {
                    return Err(format!("error: node {} already has {} taint(s) with same effect(s) and --overwrite is false", key.name, t.key));
                }
                *existing = t.clone();
            } else {
                taints.push(t.clone());
            }
        }
        for (k, effect) in &removes {
            let before = taints.len();
            taints.retain(|x| !(x.key == *k && effect.as_ref().is_none_or(|e| *e == x.effect)));
            if taints.len() == before {
                // `Taint.ToString()` of what was asked for: `key`, or `key:effect`.
                let spec = match effect {
                    Some(e) => format!("{k}:{e}"),
                    None => k.clone(),
                };
                return Err(format!("error: taint {spec:?} not found"));
            }
        }
        if taints.is_empty() {
            n.spec.get_or_insert_with(Default::default).taints = None;
        }
        Ok(())
    });
    sim.after_action();
    match result {
        Ok(()) => Output::ok(format!("node/{} {}\n", key.name, if adds.is_empty() { "untainted" } else { "tainted" })),
        Err(e) => Output::error(e),
    }
}
