//! `kubectl expose (TYPE NAME | TYPE/NAME) [--port] [--target-port] [--type] [--name]
//! [--protocol] [--selector] [--labels] [--cluster-ip]`: a Service for a pod, service,
//! replication controller, deployment or replica set.
//!
//! Follows kubectl 1.34 `pkg/cmd/expose/expose.go` (`RunExpose`, `createService`) and
//! `pkg/polymorphichelpers` (`canBeExposed`, `mapBasedSelectorForObject`, `portsForObject`,
//! `multiProtocolsForObject`): the selector is the object's map-based selector, the ports are
//! every port of the object when `--port` is not given (named `port-1`, `port-2`… when there are
//! several), each port's protocol comes from the object, the target port defaults to the port,
//! and the object's labels are copied when `--labels` is not given. `--dry-run=client` prints
//! without writing; `--dry-run=server` creates the Service on a scratch copy of the cluster.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSpec, Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::api::{Kind, Object};
use crate::sim::Sim;
use crate::store::{Cause, Component, ObjectRef};

use super::rollout::DryRun;
use super::write::{kind_arg, namespace};
use super::{Args, Output};

/// The Builder's error when no resource is named.
pub const MISSING_RESOURCE: &str = "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

/// `TYPE NAME…` or `TYPE/NAME…` as cli-runtime's `ResourceTypeOrNameArgs` accepts them when a
/// name is required.
pub fn type_name_args(rest: &[String]) -> Result<Vec<(Kind, String)>, Output> {
    type_name_args_with(rest, kind_arg)
}

/// [`type_name_args`] with the resource types resolved by `kind_of` (a command that knows the
/// custom kinds passes a resolver over discovery).
pub fn type_name_args_with(rest: &[String], kind_of: impl Fn(&str) -> Result<Kind, Output>) -> Result<Vec<(Kind, String)>, Output> {
    if rest.is_empty() {
        return Err(Output::error(MISSING_RESOURCE));
    }
    if rest.iter().any(|r| r.contains('/')) {
        if !rest.iter().all(|r| r.contains('/')) {
            return Err(Output::error("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'"));
        }
        return rest
            .iter()
            .map(|r| {
                let (t, n) = r.split_once('/').unwrap_or((r, ""));
                Ok((kind_of(t)?, n.to_string()))
            })
            .collect();
    }
    let kind = kind_of(&rest[0])?;
    if rest.len() == 1 {
        return Err(Output::error("error: resource(s) were provided, but no name was specified"));
    }
    Ok(rest[1..].iter().map(|n| (kind, n.clone())).collect())
}

pub fn expose(sim: &mut Sim, args: &Args, rest: &[String]) -> Output {
    let dry_run = match DryRun::parse(args) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let targets = match type_name_args(rest) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let ns = namespace(args);
    let action = (dry_run == DryRun::None).then(|| sim.begin_action(format!("kubectl expose {}", rest.join(" "))));
    let cause = action.map_or(Cause::Bootstrap, Cause::Action);
    let mut out = Output::default();
    for (kind, name) in targets {
        let key = ObjectRef::new(kind, kind.info().namespaced.then_some(ns.as_str()), &name);
        let result = match sim.get(&key).cloned() {
            None => Err(format!(
                "Error from server (NotFound): {} \"{name}\" not found",
                crate::sim::apiserver::resource_name(kind)
            )),
            Some(obj) => service_for(&obj, args, &ns).and_then(|svc| {
                let name = svc.metadata.name.clone().unwrap_or_default();
                let by = Component::new("kubectl");
                let created = match dry_run {
                    DryRun::Client => Ok(()),
                    DryRun::Server => sim.clone().api().create(svc.into(), &by, cause).map(|_| ()),
                    DryRun::None => sim.api().create(svc.into(), &by, cause).map(|_| ()),
                };
                created.map(|()| format!("service/{name} exposed{}", dry_run.suffix())).map_err(|e| e.to_string())
            }),
        };
        match result {
            Ok(line) => out.stdout.push_str(&format!("{line}\n")),
            Err(e) => {
                out.stderr.push_str(&format!("{e}\n"));
                out.status = 1;
            }
        }
    }
    if action.is_some() {
        sim.after_action();
    }
    out
}

/// What kubectl's `UsageErrorf` appends.
const USAGE_HINT: &str = "See 'kubectl expose -h' for help and examples";

/// The Service kubectl would send for `obj`, or kubectl's error (with its `error: ` prefix).
pub fn service_for(obj: &Object, args: &Args, ns: &str) -> Result<Service, String> {
    let pod_spec = pod_spec_of(obj).ok_or_else(|| format!("error: cannot expose a {}", group_kind(obj.kind())))?;
    let selector = match args.value("selector").filter(|s| !s.is_empty()) {
        Some(s) => s.to_string(),
        None => map_based_selector(obj)
            .map_err(|e| format!("error: couldn't retrieve selectors via --selector flag or introspection: {e}\n{USAGE_HINT}"))?,
    };
    let headless = args.value("cluster-ip") == Some("None");
    let mut port_text = args.value("port").unwrap_or("").to_string();
    if port_text.is_empty() {
        let ports = object_ports(obj, pod_spec);
        if ports.is_empty() && !headless {
            return Err(format!("error: couldn't find port via --port flag or introspection\n{USAGE_HINT}"));
        }
        port_text = ports.join(",");
    }
    let protocols = object_protocols(obj, pod_spec);
    let labels = match args.value("labels").filter(|l| !l.is_empty()) {
        Some(l) => Some(l.to_string()),
        None => obj.labels().filter(|l| !l.is_empty()).map(make_labels),
    };
    let selector = parse_labels(&selector)?;
    let labels = labels.map(|l| parse_labels(&l)).transpose()?;
    let name = match args.value("name").filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => obj.name().chars().take(63).collect(),
    };
    let mut ports = Vec::new();
    let port_strings: Vec<&str> = if port_text.is_empty() { Vec::new() } else { port_text.split(',').collect() };
    let protocol_flag = args.value("protocol").unwrap_or("");
    for (i, p) in port_strings.iter().enumerate() {
        let port: i32 = p.parse().map_err(|_| format!("error: strconv.Atoi: parsing {p:?}: invalid syntax"))?;
        let port_name = (port_strings.len() > 1).then(|| format!("port-{}", i + 1));
        let mut protocol = protocol_flag.to_string();
        if protocol.is_empty() {
            protocol = "TCP".into();
            match protocols.get(*p) {
                Some(list) if list.len() == 1 => protocol = list[0].clone(),
                Some(list) => {
                    for proto in list {
                        ports.push(service_port(Some(format!("port-{}-{}", i + 1, proto.to_lowercase())), port, proto));
                    }
                    continue;
                }
                None => {}
            }
        }
        ports.push(service_port(port_name, port, &protocol));
    }
    let target = args.value("target-port").filter(|t| !t.is_empty()).map(|t| match t.parse::<i32>() {
        Ok(n) => IntOrString::Int(n),
        Err(_) => IntOrString::String(t.to_string()),
    });
    for p in &mut ports {
        p.target_port = Some(target.clone().unwrap_or(IntOrString::Int(p.port)));
    }
    let spec = ServiceSpec {
        selector: Some(selector),
        ports: (!ports.is_empty()).then_some(ports),
        type_: args.value("type").filter(|t| !t.is_empty()).map(str::to_string),
        cluster_ip: args.value("cluster-ip").filter(|c| !c.is_empty()).map(str::to_string),
        ..Default::default()
    };
    Ok(Service {
        metadata: ObjectMeta { name: Some(name), namespace: Some(ns.to_string()), labels, ..Default::default() },
        spec: Some(spec),
        ..Default::default()
    })
}

fn service_port(name: Option<String>, port: i32, protocol: &str) -> ServicePort {
    ServicePort { name, port, protocol: Some(protocol.to_string()), ..Default::default() }
}

/// `schema.GroupKind.String()`: `DaemonSet.apps`, `ConfigMap`.
fn group_kind(kind: Kind) -> String {
    let info = kind.info();
    if info.group.is_empty() { info.name.to_string() } else { format!("{}.{}", info.name, info.group) }
}

fn empty_spec() -> &'static PodSpec {
    static EMPTY: std::sync::OnceLock<PodSpec> = std::sync::OnceLock::new();
    EMPTY.get_or_init(PodSpec::default)
}

/// The pod spec whose ports a kind exposes (a Service has none: its own ports are used), or
/// `None` for kinds `canBeExposed` refuses.
fn pod_spec_of(obj: &Object) -> Option<&PodSpec> {
    fn template(t: Option<&k8s_openapi::api::core::v1::PodTemplateSpec>) -> Option<&PodSpec> {
        t.and_then(|t| t.spec.as_ref())
    }
    match obj {
        Object::Pod(p) => Some(p.spec.as_ref().unwrap_or(empty_spec())),
        Object::Service(_) => Some(empty_spec()),
        Object::ReplicationController(r) => {
            Some(template(r.spec.as_ref().and_then(|s| s.template.as_ref())).unwrap_or(empty_spec()))
        }
        Object::Deployment(d) => Some(template(Some(&d.spec.template)).unwrap_or(empty_spec())),
        Object::ReplicaSet(r) => Some(template(r.spec.template.as_ref()).unwrap_or(empty_spec())),
        _ => None,
    }
}

/// `polymorphichelpers.MakeLabels`: `k=v,k=v`.
fn make_labels(map: &BTreeMap<String, String>) -> String {
    map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// expose's `parseLabels`.
fn parse_labels(spec: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for part in spec.split(',') {
        let kv: Vec<&str> = part.split('=').collect();
        if kv.len() != 2 {
            return Err(format!("error: unexpected label spec: {part}"));
        }
        if kv[0].is_empty() {
            return Err("error: unexpected empty label key".into());
        }
        out.insert(kv[0].to_string(), kv[1].to_string());
    }
    Ok(out)
}

/// `mapBasedSelectorForObject` for the exposable kinds.
fn map_based_selector(obj: &Object) -> Result<String, String> {
    let from_label_selector = |sel: &LabelSelector, what: &str| {
        let labels = sel.match_labels.as_ref().filter(|m| !m.is_empty());
        let Some(labels) = labels else {
            return Err(format!("invalid {what}: no selectors, therefore cannot be exposed"));
        };
        if let Some(exprs) = sel.match_expressions.as_ref().filter(|e| !e.is_empty()) {
            let shown: Vec<String> = exprs
                .iter()
                .map(|e| {
                    let values = e.values.as_deref().unwrap_or_default().join(" ");
                    format!("{{Key:{} Operator:{} Values:[{values}]}}", e.key, e.operator)
                })
                .collect();
            return Err(format!("couldn't convert expressions - \"[{}]\" to map-based selector format", shown.join(" ")));
        }
        Ok(make_labels(labels))
    };
    match obj {
        Object::ReplicationController(r) => {
            Ok(r.spec.as_ref().and_then(|s| s.selector.as_ref()).map(make_labels).unwrap_or_default())
        }
        Object::Pod(p) => match p.metadata.labels.as_ref().filter(|l| !l.is_empty()) {
            Some(l) => Ok(make_labels(l)),
            None => Err("the pod has no labels and cannot be exposed".into()),
        },
        Object::Service(s) => match s.spec.as_ref().and_then(|s| s.selector.as_ref()) {
            Some(sel) => Ok(make_labels(sel)),
            None => Err("the service has no pod selector set".into()),
        },
        Object::Deployment(d) => from_label_selector(&d.spec.selector, "deployment"),
        Object::ReplicaSet(r) => from_label_selector(&r.spec.selector, "replicaset"),
        other => Err(format!("cannot extract pod selector from {}", other.kind())),
    }
}

/// `portsForObject`: every container port (or every service port), in order.
fn object_ports(obj: &Object, spec: &PodSpec) -> Vec<String> {
    if let Object::Service(s) = obj {
        return s.spec.iter().flat_map(|s| s.ports.iter().flatten()).map(|p| p.port.to_string()).collect();
    }
    spec.containers.iter().flat_map(|c| c.ports.iter().flatten()).map(|p| p.container_port.to_string()).collect()
}

/// `multiProtocolsForObject`: the protocols of each port number, in order.
fn object_protocols(obj: &Object, spec: &PodSpec) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let proto = |p: Option<&String>| p.filter(|p| !p.is_empty()).cloned().unwrap_or_else(|| "TCP".into());
    if let Object::Service(s) = obj {
        for p in s.spec.iter().flat_map(|s| s.ports.iter().flatten()) {
            out.entry(p.port.to_string()).or_default().push(proto(p.protocol.as_ref()));
        }
        return out;
    }
    for p in spec.containers.iter().flat_map(|c| c.ports.iter().flatten()) {
        out.entry(p.container_port.to_string()).or_default().push(proto(p.protocol.as_ref()));
    }
    out
}

#[cfg(test)]
#[path = "expose_tests.rs"]
mod tests;
