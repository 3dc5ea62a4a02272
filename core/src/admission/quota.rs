//! ResourceQuota: what each object charges against a quota, which quotas an object falls under,
//! the admission check with the API server's refusal texts, and the usage the quota controller
//! writes to `status.used`.
//!
//! - Usage ([`object_usage`], [`pod_usage`]): the evaluators of `pkg/quota/v1/evaluator/core` —
//!   pods (compute resources from [`pod_requests`] / [`pod_limits`]: the sum of app containers,
//!   at least each init container, plus sidecars and overhead), services (node ports, load
//!   balancers), persistent volume claims (storage, per storage class), the legacy object counts
//!   (`configmaps`, `secrets`, …) and `count/<resource>.<group>` for every namespaced kind.
//! - Scopes ([`quota_matches`]): Terminating, NotTerminating, BestEffort, NotBestEffort,
//!   PriorityClass (In / NotIn / Exists / DoesNotExist) and CrossNamespacePodAffinity; a scoped
//!   quota never matches objects other than pods.
//! - [`admit`]: the ResourceQuota admission plugin for a create — `failed quota: … must specify`,
//!   `status unknown for quota`, `exceeded quota: …, requested: …, used: …, limited: …`.
//! - [`usage`]: `status.used` for a quota's hard resources over a namespace's objects.
//!
//! Resource lists are `BTreeMap<String, Quantity>`: sorted keys, as the texts print them.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Container, PersistentVolumeClaim, Pod, ResourceQuota, ScopedResourceSelectorRequirement,
    Service,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::kinds::Kind;
use crate::api::object::Object;
use crate::api::quantity::{Format, Quantity};

/// A resource list: resource name → quantity, in name order.
pub type ResourceList = BTreeMap<String, Quantity>;

/// The resources a compute quota requires every container to state (`validationSet`).
const MUST_SPECIFY: [&str; 6] = [
    "cpu",
    "limits.cpu",
    "limits.memory",
    "memory",
    "requests.cpu",
    "requests.memory",
];

const POD_RESOURCES: [&str; 11] = [
    "count/pods",
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
];
const SERVICE_RESOURCES: [&str; 4] = [
    "count/services",
    "services",
    "services.loadbalancers",
    "services.nodeports",
];
const STORAGE_CLASS_SUFFIX: &str = ".storageclass.storage.k8s.io/";

/// Parses a k8s-openapi resource list. A value that does not parse (validation refuses those
/// before admission) counts as zero rather than disappearing, so "is it specified" stays true.
pub fn resource_list(list: Option<&BTreeMap<String, K8sQuantity>>) -> ResourceList {
    list.into_iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                crate::api::quantity::parse_quantity(v).unwrap_or_default(),
            )
        })
        .collect()
}

/// The message the API server wraps an admission refusal in:
/// `pods "web-abc" is forbidden: <reason>`. The name is the object's name, else its
/// `generateName`, else `Unknown`.
pub fn forbidden(kind: Kind, meta: &ObjectMeta, reason: &str) -> String {
    let info = kind.info();
    let resource = if info.group.is_empty() {
        info.plural.to_string()
    } else {
        format!("{}.{}", info.plural, info.group)
    };
    let name = match (meta.name.as_deref(), meta.generate_name.as_deref()) {
        (Some(n), _) if !n.is_empty() => n,
        (_, Some(g)) if !g.is_empty() => g,
        _ => "Unknown",
    };
    format!("{resource} \"{name}\" is forbidden: {reason}")
}

/// Go's `addResourceList`: a missing name is copied, a present one summed.
pub(crate) fn add_into(list: &mut ResourceList, other: &ResourceList) {
    for (name, q) in other {
        match list.get_mut(name) {
            Some(v) => *v += q,
            None => {
                list.insert(name.clone(), q.clone());
            }
        }
    }
}

/// Go's `maxResourceList`: each name in `other` that is larger replaces the entry.
pub(crate) fn max_into(list: &mut ResourceList, other: &ResourceList) {
    for (name, q) in other {
        if list.get(name).is_none_or(|v| q > v) {
            list.insert(name.clone(), q.clone());
        }
    }
}

fn is_sidecar(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

/// Requests (or limits) of the containers of a pod, as the kubelet and the scheduler see them:
/// app containers and sidecars (`restartPolicy: Always` init containers) add up; every other init
/// container, with the sidecars started before it, sets a floor.
pub(crate) fn aggregate_containers(pod: &Pod, limits: bool) -> ResourceList {
    let pick = |c: &Container| {
        let r = c.resources.as_ref();
        resource_list(if limits {
            r.and_then(|r| r.limits.as_ref())
        } else {
            r.and_then(|r| r.requests.as_ref())
        })
    };
    let mut total = ResourceList::new();
    let Some(spec) = pod.spec.as_ref() else {
        return total;
    };
    for c in &spec.containers {
        add_into(&mut total, &pick(c));
    }
    let mut sidecars = ResourceList::new();
    let mut init_floor = ResourceList::new();
    for c in spec.init_containers.iter().flatten() {
        let own = pick(c);
        let during = if is_sidecar(c) {
            add_into(&mut total, &own);
            add_into(&mut sidecars, &own);
            sidecars.clone()
        } else {
            let mut tmp = own;
            add_into(&mut tmp, &sidecars);
            tmp
        };
        max_into(&mut init_floor, &during);
    }
    max_into(&mut total, &init_floor);
    total
}

fn pod_level(pod: &Pod, limits: bool) -> ResourceList {
    let r = pod.spec.as_ref().and_then(|s| s.resources.as_ref());
    let list = resource_list(if limits {
        r.and_then(|r| r.limits.as_ref())
    } else {
        r.and_then(|r| r.requests.as_ref())
    });
    list.into_iter()
        .filter(|(k, _)| k == "cpu" || k == "memory")
        .collect()
}

/// The pod's effective requests (`resourcehelper.PodRequests`): the container aggregate,
/// replaced by pod-level `spec.resources.requests` for cpu and memory, plus `spec.overhead`.
pub fn pod_requests(pod: &Pod) -> ResourceList {
    let mut reqs = aggregate_containers(pod, false);
    reqs.extend(pod_level(pod, false));
    let overhead = resource_list(pod.spec.as_ref().and_then(|s| s.overhead.as_ref()));
    add_into(&mut reqs, &overhead);
    reqs
}

/// The pod's effective limits (`resourcehelper.PodLimits`): as [`pod_requests`], with overhead
/// added only to the limits that are set.
pub fn pod_limits(pod: &Pod) -> ResourceList {
    let mut limits = aggregate_containers(pod, true);
    limits.extend(pod_level(pod, true));
    let overhead = resource_list(pod.spec.as_ref().and_then(|s| s.overhead.as_ref()));
    for (name, q) in &overhead {
        if let Some(v) = limits.get_mut(name) {
            *v += q;
        }
    }
    limits
}

fn one() -> Quantity {
    Quantity::from_units(1, Format::DecimalSI)
}

fn count(n: usize) -> Quantity {
    Quantity::from_units(i64::try_from(n).unwrap_or(i64::MAX), Format::DecimalSI)
}

fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `podComputeUsageHelper`: the quota names a set of requests and limits fills in.
fn compute_usage(requests: &ResourceList, limits: &ResourceList) -> ResourceList {
    let mut out = ResourceList::new();
    out.insert("pods".into(), one());
    for res in ["cpu", "memory", "ephemeral-storage"] {
        if let Some(q) = requests.get(res) {
            out.insert(res.into(), q.clone());
            out.insert(format!("requests.{res}"), q.clone());
        }
        if let Some(q) = limits.get(res) {
            out.insert(format!("limits.{res}"), q.clone());
        }
    }
    for (name, q) in requests {
        if name.starts_with("hugepages-") {
            out.insert(name.clone(), q.clone());
            out.insert(format!("requests.{name}"), q.clone());
        }
        if !is_native(name) && !name.starts_with("requests.") {
            out.insert(format!("requests.{name}"), q.clone());
        }
    }
    out
}

fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// What a pod charges: `count/pods` always; `pods` and the compute resources only while the pod
/// is not terminal (Succeeded / Failed).
pub fn pod_usage(pod: &Pod) -> ResourceList {
    let mut out = ResourceList::new();
    out.insert("count/pods".into(), one());
    if is_terminal(pod) {
        return out;
    }
    out.extend(compute_usage(&pod_requests(pod), &pod_limits(pod)));
    out
}

fn service_usage(svc: &Service) -> ResourceList {
    let spec = svc.spec.as_ref();
    let ports = spec.and_then(|s| s.ports.as_ref());
    let n_ports = ports.map_or(0, Vec::len);
    let zero = Quantity::ZERO;
    let mut out = ResourceList::new();
    out.insert("count/services".into(), one());
    out.insert("services".into(), one());
    out.insert("services.loadbalancers".into(), zero.clone());
    out.insert("services.nodeports".into(), zero);
    match spec.and_then(|s| s.type_.as_deref()) {
        Some("NodePort") => {
            out.insert("services.nodeports".into(), count(n_ports));
        }
        Some("LoadBalancer") => {
            let nodeports = if spec.and_then(|s| s.allocate_load_balancer_node_ports) == Some(false)
            {
                ports
                    .into_iter()
                    .flatten()
                    .filter(|p| p.node_port.is_some_and(|n| n != 0))
                    .count()
            } else {
                n_ports
            };
            out.insert("services.nodeports".into(), count(nodeports));
            out.insert("services.loadbalancers".into(), one());
        }
        _ => {}
    }
    out
}

fn pvc_storage_class(pvc: &PersistentVolumeClaim) -> Option<&str> {
    let beta = pvc
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
        .map(String::as_str);
    beta.or(pvc
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.as_deref()))
        .filter(|s| !s.is_empty())
}

fn pvc_usage(pvc: &PersistentVolumeClaim) -> ResourceList {
    let mut out = ResourceList::new();
    out.insert("persistentvolumeclaims".into(), one());
    out.insert("count/persistentvolumeclaims".into(), one());
    let class = pvc_storage_class(pvc);
    if let Some(class) = class {
        out.insert(
            format!("{class}{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"),
            one(),
        );
    }
    let requests = resource_list(
        pvc.spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref()),
    );
    let mut storage = requests.get("storage").map(|q| q.round_up(0));
    let allocated = resource_list(
        pvc.status
            .as_ref()
            .and_then(|s| s.allocated_resources.as_ref()),
    );
    if let (Some(s), Some(a)) = (storage.as_ref(), allocated.get("storage")) {
        if a > s {
            storage = Some(a.round_up(0));
        }
    }
    if let Some(storage) = storage {
        if let Some(class) = class {
            out.insert(
                format!("{class}{STORAGE_CLASS_SUFFIX}requests.storage"),
                storage.clone(),
            );
        }
        out.insert("requests.storage".into(), storage);
    }
    out
}

/// `count/<resource>` for the core group, `count/<resource>.<group>` otherwise.
fn count_name(kind: Kind) -> String {
    let info = kind.info();
    if info.group.is_empty() {
        format!("count/{}", info.plural)
    } else {
        format!("count/{}.{}", info.plural, info.group)
    }
}

/// The names kept for backward compatibility besides `count/…`.
fn legacy_alias(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::ConfigMap => Some("configmaps"),
        Kind::Secret => Some("secrets"),
        Kind::ReplicationController => Some("replicationcontrollers"),
        Kind::ResourceQuota => Some("resourcequotas"),
        _ => None,
    }
}

/// What one object charges against a quota in its namespace. Cluster-scoped kinds charge nothing.
pub fn object_usage(obj: &Object) -> ResourceList {
    match obj {
        Object::Pod(p) => pod_usage(p),
        Object::Service(s) => service_usage(s),
        Object::PersistentVolumeClaim(p) => pvc_usage(p),
        _ => {
            let kind = obj.kind();
            let mut out = ResourceList::new();
            if !kind.info().namespaced {
                return out;
            }
            out.insert(count_name(kind), one());
            if let Some(alias) = legacy_alias(kind) {
                out.insert(alias.into(), one());
            }
            out
        }
    }
}

/// Whether the quota evaluator for `kind` tracks the resource `name` (`MatchingResources`).
fn tracks(kind: Kind, name: &str) -> bool {
    match kind {
        Kind::Pod => {
            POD_RESOURCES.contains(&name)
                || name.starts_with("hugepages-")
                || name.starts_with("requests.hugepages-")
                || (!is_native(name) && name.starts_with("requests."))
        }
        Kind::Service => SERVICE_RESOURCES.contains(&name),
        Kind::PersistentVolumeClaim => {
            matches!(
                name,
                "count/persistentvolumeclaims" | "persistentvolumeclaims" | "requests.storage"
            ) || name.ends_with(&format!("{STORAGE_CLASS_SUFFIX}persistentvolumeclaims"))
                || name.ends_with(&format!("{STORAGE_CLASS_SUFFIX}requests.storage"))
        }
        _ => {
            kind.info().namespaced && (name == count_name(kind) || legacy_alias(kind) == Some(name))
        }
    }
}

/// The quota's hard limits: `status.hard` as the quota controller last copied it, or `spec.hard`
/// while the status is still empty.
pub fn hard(quota: &ResourceQuota) -> ResourceList {
    let status = quota
        .status
        .as_ref()
        .and_then(|s| s.hard.as_ref())
        .filter(|h| !h.is_empty());
    resource_list(status.or(quota.spec.as_ref().and_then(|s| s.hard.as_ref())))
}

/// The quota's scopes as selector requirements: `spec.scopes` (operator Exists) then
/// `spec.scopeSelector.matchExpressions`.
fn scope_selectors(quota: &ResourceQuota) -> Vec<ScopedResourceSelectorRequirement> {
    let spec = quota.spec.as_ref();
    let scopes = spec
        .and_then(|s| s.scopes.as_ref())
        .into_iter()
        .flatten()
        .map(|scope| ScopedResourceSelectorRequirement {
            scope_name: scope.clone(),
            operator: "Exists".into(),
            values: None,
        });
    let exprs = spec
        .and_then(|s| s.scope_selector.as_ref())
        .and_then(|s| s.match_expressions.as_ref())
        .into_iter()
        .flatten()
        .cloned();
    scopes.chain(exprs).collect()
}

/// Terminating scope: `spec.activeDeadlineSeconds` is set (and not negative).
pub fn is_terminating(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.active_deadline_seconds)
        .is_some_and(|d| d >= 0)
}

/// BestEffort QoS (see [`crate::api::qos`]); a class already in the status wins.
pub fn is_best_effort(pod: &Pod) -> bool {
    crate::api::qos::pod_qos(pod) == crate::api::qos::QosClass::BestEffort
}

fn uses_cross_namespace_affinity(pod: &Pod) -> bool {
    let Some(aff) = pod.spec.as_ref().and_then(|s| s.affinity.as_ref()) else {
        return false;
    };
    let cross = |t: &k8s_openapi::api::core::v1::PodAffinityTerm| {
        t.namespaces.as_ref().is_some_and(|n| !n.is_empty()) || t.namespace_selector.is_some()
    };
    let terms = [
        aff.pod_affinity.as_ref().map(|a| {
            (
                &a.required_during_scheduling_ignored_during_execution,
                &a.preferred_during_scheduling_ignored_during_execution,
            )
        }),
        aff.pod_anti_affinity.as_ref().map(|a| {
            (
                &a.required_during_scheduling_ignored_during_execution,
                &a.preferred_during_scheduling_ignored_during_execution,
            )
        }),
    ];
    terms.into_iter().flatten().any(|(req, pref)| {
        req.iter().flatten().any(cross)
            || pref.iter().flatten().any(|w| cross(&w.pod_affinity_term))
    })
}

/// One scope requirement against a pod (`podMatchesScopeFunc`). For the fixed scopes the operator
/// is not consulted, as in the real evaluator.
fn pod_matches_scope(sel: &ScopedResourceSelectorRequirement, pod: &Pod) -> bool {
    match sel.scope_name.as_str() {
        "Terminating" => is_terminating(pod),
        "NotTerminating" => !is_terminating(pod),
        "BestEffort" => is_best_effort(pod),
        "NotBestEffort" => !is_best_effort(pod),
        "CrossNamespacePodAffinity" => uses_cross_namespace_affinity(pod),
        "PriorityClass" => {
            let class = pod
                .spec
                .as_ref()
                .and_then(|s| s.priority_class_name.as_deref())
                .filter(|c| !c.is_empty());
            let values = sel.values.as_deref().unwrap_or_default();
            match sel.operator.as_str() {
                "Exists" => class.is_some(),
                "DoesNotExist" => class.is_none(),
                "In" => class.is_some_and(|c| values.iter().any(|v| v == c)),
                "NotIn" => class.is_none_or(|c| !values.iter().any(|v| v == c)),
                _ => false,
            }
        }
        _ => false,
    }
}

fn object_matches_scopes(quota: &ResourceQuota, obj: &Object) -> bool {
    let selectors = scope_selectors(quota);
    match obj {
        Object::Pod(pod) => selectors.iter().all(|s| pod_matches_scope(s, pod)),
        _ => selectors.is_empty(),
    }
}

/// Whether `quota` applies to `pod`: it limits at least one resource pods consume and the pod
/// matches every scope.
pub fn quota_matches(quota: &ResourceQuota, pod: &Pod) -> bool {
    quota_matches_object(quota, &Object::Pod(Box::new(pod.clone())))
}

/// [`quota_matches`] for any kind (`generic.Matches`): objects other than pods match only
/// unscoped quotas.
pub fn quota_matches_object(quota: &ResourceQuota, obj: &Object) -> bool {
    let kind = obj.kind();
    hard(quota).keys().any(|k| tracks(kind, k)) && object_matches_scopes(quota, obj)
}

/// `status.used` for `quota`: for each hard resource some evaluator tracks, the sum over the
/// objects of the quota's namespace that match its scopes. Terminal pods count only in
/// `count/pods`.
pub fn usage<'a>(quota: &ResourceQuota, objects: impl Iterator<Item = &'a Object>) -> ResourceList {
    let hard = hard(quota);
    let namespace = quota.metadata.namespace.as_deref();
    let tracked = |name: &str| {
        crate::api::kinds::KINDS
            .iter()
            .any(|k| tracks(k.kind, name))
    };
    let mut used: ResourceList = hard
        .keys()
        .filter(|k| tracked(k))
        .map(|k| (k.clone(), Quantity::ZERO))
        .collect();
    for obj in objects {
        if obj.namespace() != namespace || !object_matches_scopes(quota, obj) {
            continue;
        }
        let kind = obj.kind();
        let charged: ResourceList = object_usage(obj)
            .into_iter()
            .filter(|(k, _)| used.contains_key(k) && tracks(kind, k))
            .collect();
        add_into(&mut used, &charged);
    }
    used
}

fn pretty(list: &ResourceList) -> String {
    list.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn mask(list: &ResourceList, names: &BTreeSet<String>) -> ResourceList {
    list.iter()
        .filter(|(k, _)| names.contains(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `Constraints` of the pod evaluator: a quota on cpu or memory requires every container to state
/// it. `must specify limits.cpu for: nginx; limits.memory for: nginx`.
fn must_specify(pod: &Pod, restricted: &BTreeSet<String>) -> Option<String> {
    let required: BTreeSet<&str> = MUST_SPECIFY
        .into_iter()
        .filter(|r| restricted.contains(*r))
        .collect();
    if required.is_empty() {
        return None;
    }
    let mut missing: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let spec = pod.spec.as_ref()?;
    for c in spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
    {
        let r = c.resources.as_ref();
        let stated = compute_usage(
            &resource_list(r.and_then(|r| r.requests.as_ref())),
            &resource_list(r.and_then(|r| r.limits.as_ref())),
        );
        for res in &required {
            if !stated.contains_key(*res) {
                missing.entry(res).or_default().insert(c.name.as_str());
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let parts: Vec<String> = missing
        .iter()
        .map(|(res, names)| {
            format!(
                "{res} for: {}",
                names.iter().copied().collect::<Vec<_>>().join(",")
            )
        })
        .collect();
    Some(format!("must specify {}", parts.join("; ")))
}

/// The ResourceQuota admission check for creating `obj` in a namespace with `quotas` (in the
/// order the API server lists them), where `used(quota)` is the quota's current `status.used`.
/// Returns the API server's refusal text, e.g.
/// `pods "p" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, used: requests.cpu=1500m, limited: requests.cpu=2`.
pub fn admit(
    obj: &Object,
    quotas: &[&ResourceQuota],
    used: impl Fn(&ResourceQuota) -> BTreeMap<String, Quantity>,
) -> Result<(), String> {
    let kind = obj.kind();
    if !kind.info().namespaced {
        return Ok(());
    }
    let refuse = |reason: String| Err(forbidden(kind, obj.metadata(), &reason));

    let mut interesting = Vec::new();
    for &quota in quotas {
        if !quota_matches_object(quota, obj) {
            continue;
        }
        let quota_name = quota.metadata.name.as_deref().unwrap_or("");
        let hard = hard(quota);
        let restricted: BTreeSet<String> =
            hard.keys().filter(|k| tracks(kind, k)).cloned().collect();
        if let Object::Pod(pod) = obj {
            if let Some(reason) = must_specify(pod, &restricted) {
                return refuse(format!("failed quota: {quota_name}: {reason}"));
            }
        }
        let used = used(quota);
        if restricted.iter().any(|r| !used.contains_key(r)) {
            let names = restricted.iter().cloned().collect::<Vec<_>>().join(",");
            return refuse(format!(
                "status unknown for quota: {quota_name}, resources: {names}"
            ));
        }
        interesting.push((quota_name, hard, used));
    }
    if interesting.is_empty() {
        return Ok(());
    }

    let input = object_usage(obj);
    let negative: Vec<&str> = input
        .iter()
        .filter(|(_, q)| q.sign() < 0)
        .map(|(k, _)| k.as_str())
        .collect();
    if !negative.is_empty() {
        return refuse(format!(
            "quota usage is negative for resource(s): {}",
            negative.join(",")
        ));
    }
    let delta: ResourceList = input.into_iter().filter(|(_, q)| !q.is_zero()).collect();
    if delta.is_empty() {
        return Ok(());
    }

    for (quota_name, hard, used) in interesting {
        let hard_names: BTreeSet<String> = hard.keys().cloned().collect();
        let requested = mask(&delta, &hard_names);
        let mut new_usage = used.clone();
        for (name, q) in &requested {
            let v = new_usage.entry(name.clone()).or_insert(Quantity::ZERO);
            *v = &*v + q;
        }
        let exceeded: BTreeSet<String> = requested
            .keys()
            .filter(|name| matches!((new_usage.get(*name), hard.get(*name)), (Some(n), Some(h)) if n > h))
            .cloned()
            .collect();
        if !exceeded.is_empty() {
            return refuse(format!(
                "exceeded quota: {quota_name}, requested: {}, used: {}, limited: {}",
                pretty(&mask(&requested, &exceeded)),
                pretty(&mask(&used, &exceeded)),
                pretty(&mask(&hard, &exceeded)),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(yaml: &str) -> Object {
        let value: serde_json::Value = serde_norway::from_str(yaml).expect("test YAML parses");
        let api_version = value["apiVersion"].as_str().unwrap_or("v1").to_string();
        let kind =
            Kind::lookup(&api_version, value["kind"].as_str().unwrap_or("")).expect("known kind");
        Object::from_value(kind, value).expect("test object decodes")
    }

    fn pod(yaml: &str) -> Pod {
        match object(yaml) {
            Object::Pod(p) => *p,
            other => panic!("not a pod: {:?}", other.kind()),
        }
    }

    fn quota(yaml: &str) -> ResourceQuota {
        match object(yaml) {
            Object::ResourceQuota(q) => *q,
            other => panic!("not a quota: {:?}", other.kind()),
        }
    }

    fn show(list: &ResourceList) -> String {
        pretty(list)
    }

    const NGINX: &str = "
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers:
  - name: nginx
    image: nginx
    resources:
      requests: {cpu: 500m, memory: 256Mi}
      limits: {cpu: 1, memory: 512Mi}
";

    /// Usage of one object: input YAML → `name=value,…`.
    fn check_usage(input: &str, expect: &str) {
        assert_eq!(show(&object_usage(&object(input))), expect, "{input}");
    }

    #[test]
    fn usage_of_objects() {
        let cases: &[(&str, &str)] = &[
            (NGINX, "count/pods=1,cpu=500m,limits.cpu=1,limits.memory=512Mi,memory=256Mi,pods=1,requests.cpu=500m,requests.memory=256Mi"),
            (
                "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x}]}}",
                "count/pods=1,pods=1",
            ),
            (
                "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x, resources: {requests: {cpu: 1}}}]}, status: {phase: Succeeded}}",
                "count/pods=1",
            ),
            (
                "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x, resources: {requests: {cpu: 1}}}]}, status: {phase: Failed}}",
                "count/pods=1",
            ),
            (
                "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x, resources: {requests: {cpu: 1}}}]}, status: {phase: Running}}",
                "count/pods=1,cpu=1,pods=1,requests.cpu=1",
            ),
            // Two app containers add up; an init container sets a floor.
            (
                "
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: init, image: x, resources: {requests: {cpu: 2, memory: 64Mi}}}
  containers:
  - {name: a, image: x, resources: {requests: {cpu: 500m, memory: 1Gi}}}
  - {name: b, image: x, resources: {requests: {cpu: 250m, memory: 512Mi}}}
",
                "count/pods=1,cpu=2,memory=1536Mi,pods=1,requests.cpu=2,requests.memory=1536Mi",
            ),
            // A sidecar adds to the app containers and to every later init container.
            (
                "
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: proxy, image: x, restartPolicy: Always, resources: {requests: {cpu: 100m}}}
  - {name: migrate, image: x, resources: {requests: {cpu: 1}}}
  containers:
  - {name: a, image: x, resources: {requests: {cpu: 500m}}}
",
                "count/pods=1,cpu=1100m,pods=1,requests.cpu=1100m",
            ),
            // Overhead adds to requests and to the limits that are set.
            (
                "
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  overhead: {cpu: 250m, memory: 120Mi}
  containers:
  - {name: a, image: x, resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 2}}}
",
                "count/pods=1,cpu=1250m,limits.cpu=2250m,memory=1144Mi,pods=1,requests.cpu=1250m,requests.memory=1144Mi",
            ),
            // Pod-level resources replace the container sums for cpu and memory.
            (
                "
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  resources: {requests: {cpu: 2}, limits: {cpu: 4}}
  containers:
  - {name: a, image: x, resources: {requests: {cpu: 1, ephemeral-storage: 1Gi}}}
",
                "count/pods=1,cpu=2,ephemeral-storage=1Gi,limits.cpu=4,pods=1,requests.cpu=2,requests.ephemeral-storage=1Gi",
            ),
            (
                "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x, resources: {requests: {example.com/gpu: 1, hugepages-2Mi: 4Mi}}}]}}",
                "count/pods=1,hugepages-2Mi=4Mi,pods=1,requests.example.com/gpu=1,requests.hugepages-2Mi=4Mi",
            ),
            (
                "{apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [{port: 80}]}}",
                "count/services=1,services=1,services.loadbalancers=0,services.nodeports=0",
            ),
            (
                "{apiVersion: v1, kind: Service, metadata: {name: s}, spec: {type: NodePort, ports: [{port: 80}, {port: 443}]}}",
                "count/services=1,services=1,services.loadbalancers=0,services.nodeports=2",
            ),
            (
                "{apiVersion: v1, kind: Service, metadata: {name: s}, spec: {type: LoadBalancer, ports: [{port: 80}]}}",
                "count/services=1,services=1,services.loadbalancers=1,services.nodeports=1",
            ),
            (
                "{apiVersion: v1, kind: Service, metadata: {name: s}, spec: {type: LoadBalancer, allocateLoadBalancerNodePorts: false, ports: [{port: 80}, {port: 81, nodePort: 30001}]}}",
                "count/services=1,services=1,services.loadbalancers=1,services.nodeports=1",
            ),
            (
                "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: c}, spec: {storageClassName: fast, resources: {requests: {storage: 1.5Gi}}}}",
                "count/persistentvolumeclaims=1,fast.storageclass.storage.k8s.io/persistentvolumeclaims=1,fast.storageclass.storage.k8s.io/requests.storage=1536Mi,persistentvolumeclaims=1,requests.storage=1536Mi",
            ),
            (
                "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: c}, spec: {resources: {requests: {storage: 1500m}}}}",
                "count/persistentvolumeclaims=1,persistentvolumeclaims=1,requests.storage=2",
            ),
            ("{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}", "configmaps=1,count/configmaps=1"),
            ("{apiVersion: v1, kind: Secret, metadata: {name: c}}", "count/secrets=1,secrets=1"),
            ("{apiVersion: v1, kind: ResourceQuota, metadata: {name: q}}", "count/resourcequotas=1,resourcequotas=1"),
            (
                "{apiVersion: v1, kind: ReplicationController, metadata: {name: r}}",
                "count/replicationcontrollers=1,replicationcontrollers=1",
            ),
            ("{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}}", "count/deployments.apps=1"),
            ("{apiVersion: batch/v1, kind: Job, metadata: {name: j}}", "count/jobs.batch=1"),
            ("{apiVersion: v1, kind: ServiceAccount, metadata: {name: s}}", "count/serviceaccounts=1"),
            ("{apiVersion: v1, kind: Node, metadata: {name: n}}", ""),
            ("{apiVersion: v1, kind: Namespace, metadata: {name: n}}", ""),
        ];
        for (input, expect) in cases {
            check_usage(input, expect);
        }
    }

    /// Scope matching: quota YAML, pod YAML → matches.
    fn check_match(quota_yaml: &str, pod_yaml: &str, expect: bool) {
        assert_eq!(
            quota_matches(&quota(quota_yaml), &pod(pod_yaml)),
            expect,
            "{quota_yaml}\n{pod_yaml}"
        );
    }

    #[test]
    fn scopes() {
        let best_effort = "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x}]}}";
        let burstable = NGINX;
        let zero_request =
            "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x, resources: {requests: {cpu: '0'}}}]}}";
        let storage_only =
            "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: x, resources: {requests: {ephemeral-storage: 1Gi}}}]}}";
        let terminating = "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {activeDeadlineSeconds: 60, containers: [{name: a, image: x}]}}";
        let high = "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {priorityClassName: high, containers: [{name: a, image: x}]}}";
        let cross = "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {affinity: {podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: k, namespaces: [other]}]}}, containers: [{name: a, image: x}]}}";
        let q = |scopes: &str| {
            format!("{{apiVersion: v1, kind: ResourceQuota, metadata: {{name: q}}, spec: {{hard: {{pods: '10'}}, {scopes}}}}}")
        };
        let sel = |op: &str, values: &str| {
            q(&format!("scopeSelector: {{matchExpressions: [{{scopeName: PriorityClass, operator: {op}{values}}}]}}"))
        };
        let cases: Vec<(String, &str, bool)> = vec![
            (q("scopes: []"), best_effort, true),
            (q("scopes: [BestEffort]"), best_effort, true),
            (q("scopes: [BestEffort]"), zero_request, true),
            (q("scopes: [BestEffort]"), storage_only, true),
            (q("scopes: [BestEffort]"), burstable, false),
            (q("scopes: [NotBestEffort]"), burstable, true),
            (q("scopes: [NotBestEffort]"), best_effort, false),
            (q("scopes: [Terminating]"), terminating, true),
            (q("scopes: [Terminating]"), best_effort, false),
            (q("scopes: [NotTerminating]"), best_effort, true),
            (q("scopes: [NotTerminating, BestEffort]"), terminating, false),
            (q("scopes: [Terminating, BestEffort]"), terminating, true),
            (q("scopes: [CrossNamespacePodAffinity]"), cross, true),
            (q("scopes: [CrossNamespacePodAffinity]"), best_effort, false),
            (sel("In", ", values: [high, medium]"), high, true),
            (sel("In", ", values: [low]"), high, false),
            (sel("In", ", values: [high]"), best_effort, false),
            (sel("NotIn", ", values: [low]"), high, true),
            (sel("NotIn", ", values: [low]"), best_effort, true),
            (sel("NotIn", ", values: [high]"), high, false),
            (sel("Exists", ""), high, true),
            (sel("Exists", ""), best_effort, false),
            (sel("DoesNotExist", ""), best_effort, true),
            // A quota on resources pods do not consume never matches a pod.
            (
                "{apiVersion: v1, kind: ResourceQuota, metadata: {name: q}, spec: {hard: {services: '1'}}}".to_string(),
                best_effort,
                false,
            ),
        ];
        for (quota_yaml, pod_yaml, expect) in &cases {
            check_match(quota_yaml, pod_yaml, *expect);
        }
    }

    /// Admission: quotas, objects already in the namespace, the new object → the result.
    /// `used` is what the quota controller would have computed from the existing objects.
    fn check(input: (&[&str], &[&str], &str), expect: Result<(), &str>) {
        let (quota_yamls, existing_yamls, new_yaml) = input;
        let quotas: Vec<ResourceQuota> = quota_yamls.iter().map(|y| quota(y)).collect();
        let refs: Vec<&ResourceQuota> = quotas.iter().collect();
        let existing: Vec<Object> = existing_yamls.iter().map(|y| object(y)).collect();
        let got = admit(&object(new_yaml), &refs, |q| usage(q, existing.iter()));
        assert_eq!(
            got,
            expect.map_err(str::to_string),
            "new object:\n{new_yaml}"
        );
    }

    fn app(name: &str, cpu: &str, memory: &str) -> String {
        format!(
            "{{apiVersion: v1, kind: Pod, metadata: {{name: {name}, namespace: ns}}, spec: {{containers: [{{name: nginx, image: nginx, resources: {{requests: {{cpu: '{cpu}', memory: '{memory}'}}, limits: {{cpu: '{cpu}', memory: '{memory}'}}}}}}]}}}}"
        )
    }

    #[test]
    fn admission() {
        let compute = "{apiVersion: v1, kind: ResourceQuota, metadata: {name: compute-quota, namespace: ns}, spec: {hard: {requests.cpu: '2', requests.memory: 2Gi, limits.cpu: '4', limits.memory: 4Gi}}}";
        let cpu_only = "{apiVersion: v1, kind: ResourceQuota, metadata: {name: compute-quota, namespace: ns}, spec: {hard: {requests.cpu: '2'}}}";
        let pods2 = "{apiVersion: v1, kind: ResourceQuota, metadata: {name: pod-count, namespace: ns}, spec: {hard: {pods: '2'}}}";
        let objects = "{apiVersion: v1, kind: ResourceQuota, metadata: {name: object-counts, namespace: ns}, spec: {hard: {configmaps: '1', count/deployments.apps: '1', services.nodeports: '1', services.loadbalancers: '0'}}}";
        let best_effort_only = "{apiVersion: v1, kind: ResourceQuota, metadata: {name: be, namespace: ns}, spec: {hard: {pods: '1'}, scopes: [BestEffort]}}";
        let storage = "{apiVersion: v1, kind: ResourceQuota, metadata: {name: storage, namespace: ns}, spec: {hard: {requests.storage: 10Gi, fast.storageclass.storage.k8s.io/requests.storage: 1Gi}}}";

        let bare = "{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: ns}, spec: {containers: [{name: nginx, image: nginx}]}}";
        let requests_only = "{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: ns}, spec: {containers: [{name: nginx, image: nginx, resources: {requests: {cpu: 100m, memory: 64Mi}}}, {name: sidecar, image: envoy}]}}";
        let generated = "{apiVersion: v1, kind: Pod, metadata: {generateName: web-, namespace: ns}, spec: {containers: [{name: nginx, image: nginx}]}}";
        let a1500: &str = &app("a", "1500m", "1Gi");
        let p500: &str = &app("p", "500m", "512Mi");
        let p600: &str = &app("p", "600m", "512Mi");
        let big_mem: &str = &app("p", "100m", "1.5Gi");
        let done = "{apiVersion: v1, kind: Pod, metadata: {name: old, namespace: ns}, spec: {containers: [{name: c, image: x, resources: {requests: {cpu: '2', memory: 1Gi}, limits: {cpu: '2', memory: 1Gi}}}]}, status: {phase: Succeeded}}";
        let other_ns = "{apiVersion: v1, kind: Pod, metadata: {name: elsewhere, namespace: other}, spec: {containers: [{name: c, image: x, resources: {requests: {cpu: '2', memory: 1Gi}, limits: {cpu: '2', memory: 1Gi}}}]}}";
        let cm = |n: &str| {
            format!("{{apiVersion: v1, kind: ConfigMap, metadata: {{name: {n}, namespace: ns}}}}")
        };
        let deploy = |n: &str| {
            format!(
                "{{apiVersion: apps/v1, kind: Deployment, metadata: {{name: {n}, namespace: ns}}}}"
            )
        };
        let nodeport = |n: &str| {
            format!("{{apiVersion: v1, kind: Service, metadata: {{name: {n}, namespace: ns}}, spec: {{type: NodePort, ports: [{{port: 80}}]}}}}")
        };
        let lb = "{apiVersion: v1, kind: Service, metadata: {name: lb, namespace: ns}, spec: {type: LoadBalancer, ports: [{port: 80}]}}";
        let clusterip = "{apiVersion: v1, kind: Service, metadata: {name: web, namespace: ns}, spec: {ports: [{port: 80}]}}";
        let pvc = |n: &str, class: &str, size: &str| {
            format!("{{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {{name: {n}, namespace: ns}}, spec: {{storageClassName: {class}, resources: {{requests: {{storage: {size}}}}}}}}}")
        };

        let (cm_a, cm_b): (&str, &str) = (&cm("a"), &cm("b"));
        let (deploy_a, deploy_b): (&str, &str) = (&deploy("a"), &deploy("b"));
        let (np_a, np_b): (&str, &str) = (&nodeport("a"), &nodeport("b"));
        let (pvc_a5, pvc_fast_a, pvc_fast_b): (&str, &str, &str) = (
            &pvc("a", "slow", "5Gi"),
            &pvc("a", "fast", "512Mi"),
            &pvc("b", "fast", "1Gi"),
        );
        let (pvc_a8, pvc_b_slow): (&str, &str) =
            (&pvc("a", "slow", "8Gi"), &pvc("b", "slow", "2049Mi"));

        type Case<'a> = ((Vec<&'a str>, Vec<&'a str>, &'a str), Result<(), &'a str>);
        let cases: Vec<Case> = vec![
            ((vec![compute], vec![], p500), Ok(())),
            (
                (vec![compute], vec![], bare),
                Err("pods \"p\" is forbidden: failed quota: compute-quota: must specify limits.cpu for: nginx; limits.memory for: nginx; requests.cpu for: nginx; requests.memory for: nginx"),
            ),
            (
                (vec![compute], vec![], requests_only),
                Err("pods \"p\" is forbidden: failed quota: compute-quota: must specify limits.cpu for: nginx,sidecar; limits.memory for: nginx,sidecar; requests.cpu for: sidecar; requests.memory for: sidecar"),
            ),
            (
                (vec![cpu_only], vec![], generated),
                Err("pods \"web-\" is forbidden: failed quota: compute-quota: must specify requests.cpu for: nginx"),
            ),
            (
                (vec![compute], vec![a1500], p500),
                Ok(()),
            ),
            (
                (vec![compute], vec![a1500], p600),
                Err("pods \"p\" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=600m, used: requests.cpu=1500m, limited: requests.cpu=2"),
            ),
            (
                (vec![compute], vec![a1500], big_mem),
                Err("pods \"p\" is forbidden: exceeded quota: compute-quota, requested: requests.memory=1536Mi, used: requests.memory=1Gi, limited: requests.memory=2Gi"),
            ),
            (
                (vec![compute], vec![a1500, a1500], p500),
                Err("pods \"p\" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m,requests.memory=512Mi, used: requests.cpu=3,requests.memory=2Gi, limited: requests.cpu=2,requests.memory=2Gi"),
            ),
            // Terminal pods and pods of other namespaces do not count.
            ((vec![compute], vec![done, other_ns, a1500], p500), Ok(())),
            ((vec![pods2], vec![a1500, done], p500), Ok(())),
            (
                (vec![pods2], vec![a1500, p600], bare),
                Err("pods \"p\" is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=2, limited: pods=2"),
            ),
            // A BestEffort-scoped quota ignores pods with resources.
            ((vec![best_effort_only], vec![bare], p500), Ok(())),
            (
                (vec![best_effort_only], vec![bare], generated),
                Err("pods \"web-\" is forbidden: exceeded quota: be, requested: pods=1, used: pods=1, limited: pods=1"),
            ),
            // The first quota that refuses is reported.
            (
                (vec![pods2, cpu_only], vec![a1500, p600], p500),
                Err("pods \"p\" is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=2, limited: pods=2"),
            ),
            // Object counts.
            ((vec![objects], vec![], cm_a), Ok(())),
            (
                (vec![objects], vec![cm_a], cm_b),
                Err("configmaps \"b\" is forbidden: exceeded quota: object-counts, requested: configmaps=1, used: configmaps=1, limited: configmaps=1"),
            ),
            (
                (vec![objects], vec![deploy_a], deploy_b),
                Err("deployments.apps \"b\" is forbidden: exceeded quota: object-counts, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1"),
            ),
            ((vec![objects], vec![np_a], clusterip), Ok(())),
            (
                (vec![objects], vec![np_a], np_b),
                Err("services \"b\" is forbidden: exceeded quota: object-counts, requested: services.nodeports=1, used: services.nodeports=1, limited: services.nodeports=1"),
            ),
            (
                (vec![objects], vec![], lb),
                Err("services \"lb\" is forbidden: exceeded quota: object-counts, requested: services.loadbalancers=1, used: services.loadbalancers=0, limited: services.loadbalancers=0"),
            ),
            // Objects the quota does not track pass; scoped quotas ignore other kinds.
            ((vec![compute], vec![], cm_a), Ok(())),
            ((vec![objects], vec![], p500), Ok(())),
            // Storage, overall and per storage class.
            ((vec![storage], vec![], pvc_a5), Ok(())),
            (
                (vec![storage], vec![pvc_fast_a], pvc_fast_b),
                Err("persistentvolumeclaims \"b\" is forbidden: exceeded quota: storage, requested: fast.storageclass.storage.k8s.io/requests.storage=1Gi, used: fast.storageclass.storage.k8s.io/requests.storage=512Mi, limited: fast.storageclass.storage.k8s.io/requests.storage=1Gi"),
            ),
            (
                (vec![storage], vec![pvc_a8], pvc_b_slow),
                Err("persistentvolumeclaims \"b\" is forbidden: exceeded quota: storage, requested: requests.storage=2049Mi, used: requests.storage=8Gi, limited: requests.storage=10Gi"),
            ),
        ];
        for ((quotas, existing, new), expect) in &cases {
            check((quotas, existing, new), *expect);
        }
    }

    #[test]
    fn status_unknown_and_status_hard() {
        let q = quota("{apiVersion: v1, kind: ResourceQuota, metadata: {name: q, namespace: ns}, spec: {hard: {pods: '5', requests.cpu: '1', services: '1'}}}");
        let p = object(&app("p", "100m", "64Mi"));
        assert_eq!(
            admit(&p, &[&q], |_| ResourceList::new()),
            Err("pods \"p\" is forbidden: status unknown for quota: q, resources: pods,requests.cpu".to_string())
        );
        // status.hard, once the controller has copied it, is what admission reads.
        let with_status = quota("{apiVersion: v1, kind: ResourceQuota, metadata: {name: q, namespace: ns}, spec: {hard: {pods: '5'}}, status: {hard: {pods: '0'}, used: {pods: '0'}}}");
        assert_eq!(
            admit(&p, &[&with_status], |q| usage(q, std::iter::empty())),
            Err("pods \"p\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=0, limited: pods=0".to_string())
        );
        let objects = [object(NGINX), object(&app("x", "1", "1Gi"))];
        let used = usage(&q, objects.iter());
        assert_eq!(show(&used), "pods=2,requests.cpu=1500m,services=0");
        let untracked = quota("{apiVersion: v1, kind: ResourceQuota, metadata: {name: q, namespace: ns}, spec: {hard: {widgets: '1', count/widgets.example.com: '1'}}}");
        assert_eq!(show(&usage(&untracked, std::iter::empty())), "");
    }
}
