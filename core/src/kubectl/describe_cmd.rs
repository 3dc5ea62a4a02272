//! `kubectl describe`: finds the objects, gathers what their describers show besides the object
//! itself (events, owned replica sets and pods, endpoint slices, a node's pods and allocated
//! resources, a namespace's quotas), and prints them separated by blank lines.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::admission::quota::{pod_limits, pod_requests, ResourceList};
use crate::api::quantity::{parse_quantity, Quantity};
use crate::api::{Kind, Object};
use crate::sim::Sim;
use crate::store::{selector, ObjectRef};
use crate::time::human_duration;

use super::describe::{describe, AllocatedRow, DescribeContext, EventRow, NodePodRow, PodsStatus, ReplicaSetSummary};
use super::resources::resource_kind;
use super::write::namespace;
use super::{Args, Output};

pub fn describe_command(sim: &Sim, args: &Args, rest: &[String]) -> Output {
    let Some(first) = rest.first() else {
        return Output::error("error: You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.");
    };
    let ns = namespace(args);
    let discovery = sim.store().discovery();
    let mut targets: Vec<Arc<Object>> = Vec::new();
    let mut out = Output::default();
    let mut lookup = |kind: Kind, name: &str, out: &mut Output| {
        let key = ObjectRef::new(kind, kind.info().namespaced.then_some(ns.as_str()), name);
        match sim.store().get(&key) {
            Some(o) => targets.push(o.clone()),
            None => {
                out.stderr.push_str(&format!(
                    "Error from server (NotFound): {} \"{name}\" not found\n",
                    crate::sim::apiserver::resource_name(kind)
                ));
                out.status = 1;
            }
        }
    };
    if first.contains('/') {
        for r in rest {
            let (t, n) = r.split_once('/').unwrap_or((r, ""));
            match resource_kind(&discovery, t) {
                Ok(k) => {
                    if !out.stderr.contains("Warning:") {
                        out.stderr.push_str(&super::deprecation_warnings(&[k]));
                    }
                    lookup(k, n, &mut out)
                }
                Err(o) => return o,
            }
        }
    } else {
        let kind = match resource_kind(&discovery, first) {
            Ok(k) => k,
            Err(o) => return o,
        };
        out.stderr.push_str(&super::deprecation_warnings(&[kind]));
        if rest.len() > 1 {
            for n in &rest[1..] {
                lookup(kind, n, &mut out);
            }
        } else {
            let sel = match args.value("selector").map(selector::parse) {
                Some(Ok(s)) => Some(s),
                Some(Err(e)) => return Output::error(format!("error: {e}")),
                None => None,
            };
            let scope = if kind.info().namespaced && !args.flag("all-namespaces") { Some(ns.as_str()) } else { None };
            targets.extend(
                sim.store().list(kind, scope).filter(|o| sel.as_ref().is_none_or(|s| s.matches(o.labels()))).cloned(),
            );
            if targets.is_empty() {
                out.stderr.push_str(&format!("No resources found in {ns} namespace.\n"));
            }
        }
    }
    let texts: Vec<String> = targets.iter().map(|o| describe(o, &context(sim, o), sim.now())).collect();
    out.stdout.push_str(&texts.join("\n\n"));
    out
}

/// Everything the describer of `obj`'s kind shows besides the object.
fn context(sim: &Sim, obj: &Object) -> DescribeContext {
    let store = sim.store();
    let now = sim.now();
    let ns = obj.namespace().unwrap_or("default");
    let uid = obj.metadata().uid.clone();
    let owned_by = |o: &Object| {
        o.metadata().owner_references.as_ref().is_some_and(|refs| refs.iter().any(|r| Some(&r.uid) == uid.as_ref()))
    };
    // Nodes are cluster-scoped: their events live in `default`, and kubelets name the node by
    // its name where controllers use its uid, so `describe node` searches for both.
    let name_as_uid = matches!(obj, Object::Node(_)).then(|| obj.metadata().name.clone()).flatten();
    let mut events: Vec<&k8s_openapi::api::core::v1::Event> = store
        .list(Kind::Event, Some(ns))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.uid == uid || (name_as_uid.is_some() && e.involved_object.uid == name_as_uid) => {
                Some(e.as_ref())
            }
            _ => None,
        })
        .collect();
    // kubectl's SortableEvents: oldest "last seen" first (series, lastTimestamp, eventTime).
    events.sort_by(|a, b| (event_time(a), &a.metadata.name).cmp(&(event_time(b), &b.metadata.name)));
    let mut ctx = DescribeContext {
        events: Some(events.into_iter().map(|e| EventRow::from_event(e, now)).collect()),
        ..Default::default()
    };
    match obj {
        Object::Deployment(_) => {
            let mut sets: Vec<(i64, ReplicaSetSummary)> = store
                .list(Kind::ReplicaSet, Some(ns))
                .filter(|o| owned_by(o))
                .filter_map(|o| match o.as_ref() {
                    Object::ReplicaSet(rs) => {
                        let revision = rs
                            .metadata
                            .annotations
                            .as_ref()
                            .and_then(|a| a.get("deployment.kubernetes.io/revision"))
                            .and_then(|r| r.parse().ok())
                            .unwrap_or(0);
                        Some((revision, ReplicaSetSummary::from(rs.as_ref())))
                    }
                    _ => None,
                })
                .collect();
            sets.sort_by_key(|(rev, s)| (*rev, s.name.clone()));
            ctx.new_replica_set = sets.pop().map(|(_, s)| s);
            ctx.old_replica_sets = sets.into_iter().map(|(_, s)| s).collect();
        }
        Object::ReplicaSet(_) | Object::ReplicationController(_) | Object::StatefulSet(_) | Object::DaemonSet(_) => {
            let mut status = PodsStatus::default();
            for o in store.list(Kind::Pod, Some(ns)).filter(|o| owned_by(o)) {
                if let Object::Pod(p) = o.as_ref() {
                    match p.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending") {
                        "Running" => status.running += 1,
                        "Succeeded" => status.succeeded += 1,
                        "Failed" => status.failed += 1,
                        _ => status.waiting += 1,
                    }
                }
            }
            ctx.pods_status = status;
        }
        Object::Service(svc) => {
            let name = svc.metadata.name.clone().unwrap_or_default();
            ctx.endpoint_slices = store
                .list(Kind::EndpointSlice, Some(ns))
                .filter_map(|o| match o.as_ref() {
                    Object::EndpointSlice(s)
                        if s.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name")) == Some(&name) =>
                    {
                        Some(s.as_ref().clone())
                    }
                    _ => None,
                })
                .collect();
        }
        Object::Node(node) => node_context(sim, node, &mut ctx),
        Object::PersistentVolumeClaim(c) => {
            let name = c.metadata.name.as_deref().unwrap_or("");
            ctx.used_by = store
                .list(Kind::Pod, Some(ns))
                .filter(|o| match o.as_ref() {
                    Object::Pod(p) => p.spec.as_ref().and_then(|s| s.volumes.as_ref()).is_some_and(|vs| {
                        vs.iter().any(|v| v.persistent_volume_claim.as_ref().is_some_and(|c| c.claim_name == name))
                    }),
                    _ => false,
                })
                .map(|o| o.name().to_string())
                .collect();
        }
        Object::Namespace(n) => {
            let name = n.metadata.name.as_deref().unwrap_or("");
            for o in store.list(Kind::ResourceQuota, Some(name)) {
                if let Object::ResourceQuota(q) = o.as_ref() {
                    ctx.resource_quotas.push(q.as_ref().clone());
                }
            }
            for o in store.list(Kind::LimitRange, Some(name)) {
                if let Object::LimitRange(l) = o.as_ref() {
                    ctx.limit_ranges.push(l.as_ref().clone());
                }
            }
        }
        _ => {}
    }
    ctx
}

/// A node's non-terminated pods and the "Allocated resources" table, as kubectl computes them:
/// requests and limits summed over the pods, as a percentage of allocatable.
fn node_context(sim: &Sim, node: &k8s_openapi::api::core::v1::Node, ctx: &mut DescribeContext) {
    let name = node.metadata.name.as_deref().unwrap_or("");
    // The kubelet's heartbeat: Lease `kube-node-lease/<node>` (times shown to the second).
    let lease_key = crate::store::ObjectRef::new(Kind::Lease, Some("kube-node-lease"), name);
    if let Some(Object::Lease(lease)) = sim.get(&lease_key) {
        let spec = lease.spec.clone().unwrap_or_default();
        let time = |t: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime>| t.map(|t| k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(t.0));
        ctx.node_lease = Some(super::describe::NodeLease {
            holder_identity: spec.holder_identity,
            acquire_time: time(spec.acquire_time),
            renew_time: time(spec.renew_time),
        });
    }
    let allocatable: BTreeMap<String, Quantity> = node
        .status
        .as_ref()
        .and_then(|s| s.allocatable.as_ref())
        .map(|a| a.iter().filter_map(|(k, v)| parse_quantity(v).ok().map(|q| (k.clone(), q))).collect())
        .unwrap_or_default();
    let (mut req_total, mut lim_total) = (ResourceList::new(), ResourceList::new());
    for o in sim.store().list(Kind::Pod, None) {
        let Object::Pod(p) = o.as_ref() else { continue };
        if p.spec.as_ref().and_then(|s| s.node_name.as_deref()) != Some(name) {
            continue;
        }
        let phase = p.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("");
        if phase == "Succeeded" || phase == "Failed" {
            continue;
        }
        let (req, lim) = (pod_requests(p), pod_limits(p));
        let cell = |list: &ResourceList, r: &str| {
            let q = list.get(r).cloned().unwrap_or(Quantity::ZERO);
            format!("{q} ({}%)", percent(&q, allocatable.get(r)))
        };
        ctx.node_pods.push(NodePodRow {
            namespace: p.metadata.namespace.clone().unwrap_or_default(),
            name: p.metadata.name.clone().unwrap_or_default(),
            cpu_requests: cell(&req, "cpu"),
            cpu_limits: cell(&lim, "cpu"),
            memory_requests: cell(&req, "memory"),
            memory_limits: cell(&lim, "memory"),
            age: p
                .metadata
                .creation_timestamp
                .as_ref()
                .map(|t| human_duration(sim.now().since(crate::time::from_k8s(t))))
                .unwrap_or_default(),
        });
        for (k, v) in req {
            *req_total.entry(k).or_insert(Quantity::ZERO) += &v;
        }
        for (k, v) in lim {
            *lim_total.entry(k).or_insert(Quantity::ZERO) += &v;
        }
    }
    for r in ["cpu", "memory", "ephemeral-storage", "hugepages-1Gi", "hugepages-2Mi"] {
        let req = req_total.get(r).cloned().unwrap_or(Quantity::ZERO);
        let lim = lim_total.get(r).cloned().unwrap_or(Quantity::ZERO);
        ctx.allocated.push(AllocatedRow {
            resource: r.to_string(),
            requests: format!("{req} ({}%)", percent(&req, allocatable.get(r))),
            limits: format!("{lim} ({}%)", percent(&lim, allocatable.get(r))),
        });
    }
}

/// kubectl's integer percentage of allocatable (0 when nothing is allocatable).
fn percent(q: &Quantity, of: Option<&Quantity>) -> i64 {
    match of {
        Some(total) if total.milli_value() > 0 => q.milli_value() * 100 / total.milli_value(),
        _ => 0,
    }
}

/// The time kubectl sorts an event by: its series' last observation, else `lastTimestamp`,
/// else `eventTime`.
fn event_time(e: &k8s_openapi::api::core::v1::Event) -> Option<k8s_openapi::jiff::Timestamp> {
    e.series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref().map(|t| t.0))
        .or_else(|| e.last_timestamp.as_ref().map(|t| t.0))
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
}
