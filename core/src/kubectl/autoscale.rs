//! `kubectl autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS
//! [--cpu=CPU] [--memory=MEMORY] [--cpu-percent=CPU] [--name=NAME]`: a HorizontalPodAutoscaler
//! for a deployment, replica set, stateful set or replication controller.
//!
//! Follows kubectl 1.34 `pkg/cmd/autoscale/autoscale.go`: `--max` is required (cobra's
//! `required flag(s) "max" not set`), then `Validate` (max ≥ 1, max ≥ min, `--cpu-percent`
//! and `--cpu` exclusive, `parseResourceInput` for `--cpu` and `--memory`), then every target
//! is read from the server (or the file) and must have a scale subresource. The HPA is sent as
//! autoscaling/v2, named after the target unless `--name`: `minReplicas` only when `--min` > 0,
//! one Resource metric per CPU/memory target (`70%` is a Utilization target, `500m` or a bare
//! number — milli-CPU, or Mi for memory — an AverageValue target), no metrics at all when none
//! is given so that the server's default (cpu at 80 %) applies. `--cpu-percent` is deprecated:
//! pflag's notice goes to stderr. When the v2 create fails, kubectl 1.34 falls back to
//! autoscaling/v1 only if `canCreateHPAV1` allows it, and that check parses `--cpu` even when
//! it is empty: without `--cpu` the fallback fails with `... incompatible with autoscaling/v1:
//! empty input` whatever the server said (an existing HPA included); with a `--cpu` percentage
//! the v1 create is tried and its own error (AlreadyExists) is printed. The HPA is written
//! through the API server as one user action. `--dry-run=client` prints without writing,
//! `--dry-run=server` creates on a scratch copy of the cluster.
//!
//! Not modelled: `-o` printers, `--save-config`, `--record`.

use std::collections::BTreeMap;

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec, MetricTarget,
    ResourceMetricSource,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{parse_manifests, Kind};
use crate::sim::Sim;
use crate::store::{Cause, Component, ObjectRef};

use input::{int32_flag, parse_resource_input, strip_own, take_flags, Target};
use super::rollout::DryRun;
use super::write::namespace;
use super::{Args, Files, Output};

/// pflag's notice for the deprecated flag (printed once the flags parse).
pub const CPU_PERCENT_DEPRECATED: &str =
    "Flag --cpu-percent has been deprecated, Use --cpu with percentage or resource quantity format (e.g., '70%' for utilization or '500m' for milliCPU).";

#[path = "autoscale_input.rs"]
mod input;

/// The flags only autoscale has, which the shared parser does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    min: Option<String>,
    max: Option<String>,
    cpu_percent: Option<String>,
    cpu: Option<String>,
    memory: Option<String>,
}

/// Runs the line when its verb is `autoscale` (its own flags taken out before the shared
/// parser sees them); `None` for any other verb.
pub fn dispatch(sim: &mut Sim, words: &[String], files: &dyn Files) -> Option<Output> {
    let (rest, flags) = match take_flags(words) {
        Ok(split) => split,
        Err(e) => {
            let args = Args::parse(&strip_own(words)).ok()?;
            return (args.positional.first().map(String::as_str) == Some("autoscale"))
                .then(|| Output::error(format!("error: {e}\nSee 'kubectl --help' for usage.")));
        }
    };
    let args = Args::parse(&rest).ok()?;
    if args.positional.first().map(String::as_str) != Some("autoscale") {
        return None;
    }
    Some(autoscale(sim, &args, &flags, files))
}

/// Resolves `TYPE NAME…`, `TYPE/NAME…` (built-in and custom kinds), or `-f` documents, to
/// `(kind, name)` pairs as the Builder would, or its error.
fn targets(sim: &Sim, args: &Args, rest: &[String], files: &dyn Files) -> Result<Vec<(Kind, String)>, Output> {
    let discovery = sim.store().discovery();
    let paths = args.all("filename");
    if !paths.is_empty() {
        let mut out = Vec::new();
        for p in paths {
            let text = files.read(p).map_err(|e| Output::error(format!("error: {e}")))?;
            for doc in parse_manifests(&text) {
                let doc = doc.map_err(|d| Output::error(format!("error: error parsing {p}: {}", d.message)))?;
                let (api_version, kind_name) = (doc.value["apiVersion"].as_str().unwrap_or(""), doc.value["kind"].as_str().unwrap_or(""));
                let kind = discovery
                    .lookup(api_version, kind_name)
                    .ok_or_else(|| Output::error(format!("error: resource mapping not found for name: \"{}\" namespace: \"{}\" from \"{p}\": no matches for kind \"{kind_name}\" in version \"{api_version}\"", doc.value["metadata"]["name"].as_str().unwrap_or(""), doc.value["metadata"]["namespace"].as_str().unwrap_or(""))))?;
                if let (Some(explicit), Some(in_file)) = (args.value("namespace"), doc.value["metadata"]["namespace"].as_str()) {
                    if explicit != in_file {
                        return Err(Output::error(format!("error: the namespace from the provided object \"{in_file}\" does not match the namespace \"{explicit}\". You must pass '--namespace={in_file}' to perform this operation.")));
                    }
                }
                out.push((kind, doc.value["metadata"]["name"].as_str().unwrap_or("").to_string()));
            }
        }
        return Ok(out);
    }
    super::expose::type_name_args_with(rest, |t| super::resources::resource_kind(&discovery, t))
}

/// `ScaleForResource`: whether the kind serves `/scale` (custom kinds: the CRD's `scale`
/// subresource in the preferred version), or the resolver's error.
fn check_scale(sim: &Sim, kind: Kind) -> Result<(), String> {
    let info = kind.info();
    let version = info.versions.first().copied().unwrap_or("v1");
    let scalable = match kind {
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::ReplicationController => true,
        _ => sim.store().crd_for(kind).is_some_and(|crd| {
            crd.spec.versions.iter().any(|v| v.name == version && v.subresources.as_ref().is_some_and(|s| s.scale.is_some()))
        }),
    };
    if scalable {
        return Ok(());
    }
    Err(format!(
        "cannot autoscale a {}: could not find scale subresource for {}/{version}, Resource={} in discovery information",
        info.name, info.group, info.plural
    ))
}

/// The validated options.
struct Options {
    name: Option<String>,
    min: i32,
    max: i32,
    cpu_percent: i32,
    cpu: Option<Target>,
    memory: Option<Target>,
    /// `--cpu` as typed (the v1 fallback parses it again).
    cpu_text: String,
}

/// pflag's parse of the integer flags: `(min, max, cpu-percent)`.
fn int_flags(flags: &Flags) -> Result<(i32, i32, i32), String> {
    Ok((int32_flag("min", flags.min.as_ref(), -1)?, int32_flag("max", flags.max.as_ref(), -1)?, int32_flag("cpu-percent", flags.cpu_percent.as_ref(), -1)?))
}

/// The required flag, Complete's dry-run check and Validate, in kubectl's order.
fn options(args: &Args, flags: &Flags, (min, max, cpu_percent): (i32, i32, i32)) -> Result<Options, String> {
    if flags.max.is_none() {
        return Err("error: required flag(s) \"max\" not set".into());
    }
    DryRun::parse(args).map_err(|o| o.stderr.trim_end().to_string())?;
    if max < 1 {
        return Err(format!("error: --max=MAXPODS is required and must be at least 1, max: {max}"));
    }
    if max < min {
        return Err(format!("error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: {max}, min: {min}"));
    }
    let cpu_text = flags.cpu.clone().unwrap_or_default();
    if cpu_percent > 0 && !cpu_text.is_empty() {
        return Err("error: --cpu-percent and --cpu are mutually exclusive".into());
    }
    let parse = |text: &Option<String>, resource| {
        text.as_deref().filter(|t| !t.is_empty()).map(|t| parse_resource_input(t, resource).map_err(|e| format!("error: {e}"))).transpose()
    };
    let cpu = parse(&flags.cpu, "cpu")?;
    let memory = parse(&flags.memory, "memory")?;
    let name = args.value("name").filter(|n| !n.is_empty()).map(str::to_string);
    Ok(Options { name, min, max, cpu_percent, cpu, memory, cpu_text })
}

fn resource_metric(resource: &str, target: &Target) -> MetricSpec {
    let target = match target {
        Target::Utilization(p) => MetricTarget { type_: "Utilization".into(), average_utilization: Some(*p), ..Default::default() },
        Target::AverageValue(q) => MetricTarget { type_: "AverageValue".into(), average_value: Some(q.to_k8s()), ..Default::default() },
    };
    MetricSpec { type_: "Resource".into(), resource: Some(ResourceMetricSource { name: resource.into(), target }), ..Default::default() }
}

/// `createHorizontalPodAutoscalerV2` (`v1`: `createHorizontalPodAutoscalerV1`, in the v2 form the
/// store keeps: its only target is `--cpu-percent`).
fn build_hpa(o: &Options, kind: Kind, target: &str, ns: &str, v1: bool) -> HorizontalPodAutoscaler {
    let info = kind.info();
    let version = info.versions.first().copied().unwrap_or("v1");
    let api_version = if info.group.is_empty() { version.to_string() } else { format!("{}/{version}", info.group) };
    let mut metrics = Vec::new();
    if v1 {
        if o.cpu_percent >= 0 {
            metrics.push(resource_metric("cpu", &Target::Utilization(o.cpu_percent)));
        }
    } else {
        if o.cpu_percent > 0 {
            metrics.push(resource_metric("cpu", &Target::Utilization(o.cpu_percent)));
        }
        metrics.extend(o.cpu.iter().map(|t| resource_metric("cpu", t)));
        metrics.extend(o.memory.iter().map(|t| resource_metric("memory", t)));
    }
    HorizontalPodAutoscaler {
        metadata: ObjectMeta { name: Some(o.name.clone().unwrap_or_else(|| target.to_string())), namespace: Some(ns.to_string()), ..Default::default() },
        spec: HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference { api_version: Some(api_version), kind: info.name.to_string(), name: target.to_string() },
            min_replicas: (o.min > 0).then_some(o.min),
            max_replicas: o.max,
            metrics: (!metrics.is_empty()).then_some(metrics),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// One error of the run: the server's (printed as is) or kubectl's own (prefixed `error: `
/// when it is the only one, as `CheckErr` does).
enum Failure {
    Server(String),
    Kubectl(String),
}

pub fn autoscale(sim: &mut Sim, args: &Args, flags: &Flags, files: &dyn Files) -> Output {
    let ints = match int_flags(flags) {
        Ok(i) => i,
        Err(e) => return Output::error(e),
    };
    let mut out = Output::default();
    if flags.cpu_percent.is_some() {
        out.stderr.push_str(&format!("{CPU_PERCENT_DEPRECATED}\n"));
    }
    let fail = |mut out: Output, message: &str| {
        out.push(Output::error(message));
        out
    };
    if args.value("output").is_some() {
        return fail(out, "error: -o is not available for `kubectl autoscale` in this simulator; the HPA is printed by name");
    }
    let o = match options(args, flags, ints) {
        Ok(o) => o,
        Err(e) => return fail(out, &e),
    };
    let dry_run = DryRun::parse(args).unwrap_or(DryRun::None);
    let ns = namespace(args);
    let rest = &args.positional[1..];
    let targets = match targets(sim, args, rest, files) {
        Ok(t) => t,
        Err(e) => {
            out.push(e);
            return out;
        }
    };
    if targets.is_empty() {
        return fail(out, "error: no objects passed to autoscale");
    }
    let action = (dry_run == DryRun::None).then(|| sim.begin_action(summary(args, flags)));
    let cause = action.map_or(Cause::Bootstrap, Cause::Action);
    let by = Component::new("kubectl");
    let mut failures = Vec::new();
    for (kind, name) in targets {
        let key = ObjectRef::new(kind, kind.info().namespaced.then_some(ns.as_str()), &name);
        if args.all("filename").is_empty() && sim.get(&key).is_none() {
            failures.push(Failure::Server(format!("Error from server (NotFound): {} \"{name}\" not found", crate::sim::apiserver::resource_name(kind))));
            continue;
        }
        if let Err(e) = check_scale(sim, kind) {
            failures.push(Failure::Kubectl(e));
            continue;
        }
        let hpa = build_hpa(&o, kind, &name, &ns, false);
        let hpa_name = hpa.metadata.name.clone().unwrap_or_default();
        let mut create = |hpa: HorizontalPodAutoscaler| match dry_run {
            DryRun::Client => Ok(()),
            DryRun::Server => sim.clone().api().create(hpa.into(), &by, cause).map(|_| ()),
            DryRun::None => sim.api().create(hpa.into(), &by, cause).map(|_| ()),
        };
        let result = match create(hpa) {
            Ok(()) => Ok(()),
            // canCreateHPAV1 parses --cpu even when it is empty.
            Err(_) => match parse_resource_input(&o.cpu_text, "cpu") {
                Err(e) => Err(Failure::Kubectl(format!("failed to create autoscaling/v2 HPA and the configuration is incompatible with autoscaling/v1: {e}"))),
                Ok(t) if !((o.cpu_percent >= 0 && o.memory.is_none()) || (o.memory.is_none() && matches!(t, Target::Utilization(_)))) => {
                    Err(Failure::Kubectl("failed to create autoscaling/v2 HPA and the configuration is incompatible with autoscaling/v1: %!w(<nil>)".into()))
                }
                Ok(_) => create(build_hpa(&o, kind, &name, &ns, true)).map_err(|e| Failure::Server(e.to_string())),
            },
        };
        match result {
            Ok(()) => {
                let verb = if dry_run == DryRun::Client { "created" } else { "autoscaled" };
                out.stdout.push_str(&format!("horizontalpodautoscaler.autoscaling/{hpa_name} {verb}{}\n", dry_run.suffix()));
            }
            Err(f) => failures.push(f),
        }
    }
    if action.is_some() {
        sim.after_action();
    }
    let single = failures.len() == 1;
    for f in failures {
        let line = match f {
            Failure::Server(m) => m,
            Failure::Kubectl(m) if single => format!("error: {m}"),
            Failure::Kubectl(m) => m,
        };
        out.stderr.push_str(&format!("{line}\n"));
        out.status = 1;
    }
    out
}

/// The action's summary: the command as typed (flags in a fixed order).
fn summary(args: &Args, flags: &Flags) -> String {
    let mut s = String::from("kubectl autoscale");
    for p in &args.positional[1..] {
        s.push_str(&format!(" {p}"));
    }
    for f in args.all("filename") {
        s.push_str(&format!(" -f {f}"));
    }
    let named: BTreeMap<&str, &Option<String>> =
        [("cpu", &flags.cpu), ("cpu-percent", &flags.cpu_percent), ("max", &flags.max), ("memory", &flags.memory), ("min", &flags.min)].into();
    for (n, v) in named {
        if let Some(v) = v {
            s.push_str(&format!(" --{n}={v}"));
        }
    }
    s
}

#[cfg(test)]
#[path = "autoscale_tests.rs"]
mod tests;
