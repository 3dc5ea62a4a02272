//! What the Endpoints and EndpointSlice controllers share: which pods a Service selects, which
//! of them belong in its endpoints, the port each pod serves a Service port on, and the
//! bookkeeping both controllers keep in memory (the services each pod was last seen in, and the
//! trigger-time tracker behind `endpoints.kubernetes.io/last-change-trigger-time`).
//!
//! The helpers follow `k8s.io/endpointslice/util` and `pkg/api/v1/pod`: `ShouldPodBeInEndpoints`,
//! `ShouldSetHostname`, `FindPort`, `IsPodReady`, and the `TriggerTimeTracker`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{ObjectReference, Pod, Service, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::api::{Kind, Object};
use crate::store::{ObjectRef, Store};
use crate::time::{from_unix_secs, rfc3339};

use super::{ControllerState, Ctx, Requeue};

/// The annotation both controllers stamp with the time of the oldest change not yet reflected.
pub const LAST_CHANGE_TRIGGER_TIME: &str = "endpoints.kubernetes.io/last-change-trigger-time";
/// The label the API server's service registry and both controllers put on headless Services'
/// endpoints (`v1.IsHeadlessService`).
pub const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";

/// What a controller remembers between syncs: the services each pod was selected by at their
/// last sync (so that a pod whose labels changed, or which is gone, still updates the services
/// it used to be in — the informer hands the real controllers the old pod for that), and the
/// trigger-time tracker.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    /// (namespace, pod) → the services that selected it at their last sync.
    members: BTreeMap<(String, String), BTreeSet<String>>,
    /// (namespace, service) → the pods it selected at its last sync.
    selected: BTreeMap<(String, String), BTreeSet<String>>,
    /// (namespace, service) → the trigger times observed at its last sync.
    trigger: BTreeMap<(String, String), TriggerState>,
}

/// `endpointsliceutil.TriggerTimeTracker`'s per-service state: the Service's and each pod's
/// trigger time (Unix seconds) as seen at the last sync.
#[derive(Debug, Clone, Default)]
struct TriggerState {
    service: i64,
    pods: BTreeMap<String, i64>,
}

impl Cache {
    /// Records that `service` now selects exactly `pods`.
    pub fn set_selected(&mut self, ns: &str, service: &str, pods: BTreeSet<String>) {
        let key = (ns.to_string(), service.to_string());
        let old = self.selected.remove(&key).unwrap_or_default();
        for gone in old.difference(&pods) {
            let pod_key = (ns.to_string(), gone.clone());
            if let Some(set) = self.members.get_mut(&pod_key) {
                set.remove(service);
                if set.is_empty() {
                    self.members.remove(&pod_key);
                }
            }
        }
        for new in pods.difference(&old) {
            self.members.entry((ns.to_string(), new.clone())).or_default().insert(service.to_string());
        }
        if !pods.is_empty() {
            self.selected.insert(key, pods);
        }
    }

    /// Forgets a Service that is gone (or no longer selects pods).
    pub fn forget_service(&mut self, ns: &str, service: &str) {
        self.set_selected(ns, service, BTreeSet::new());
        self.trigger.remove(&(ns.to_string(), service.to_string()));
    }

    /// The services `pod` was in at their last syncs.
    fn previous_services(&self, ns: &str, pod: &str) -> impl Iterator<Item = &String> {
        self.members.get(&(ns.to_string(), pod.to_string())).into_iter().flatten()
    }

    /// `ComputeEndpointLastChangeTriggerTime`: for a Service seen for the first time, its
    /// creationTimestamp; afterwards the earliest pod trigger time (the Ready condition's
    /// lastTransitionTime) that moved since the last sync, or none. Unix seconds.
    pub fn trigger_time(&mut self, ns: &str, service: &Service, pods: &[Arc<Object>]) -> Option<i64> {
        let key = (ns.to_string(), service.metadata.name.clone().unwrap_or_default());
        let known = self.trigger.get(&key);
        let was_known = known.is_some();
        let mut min: Option<i64> = None;
        let mut seen = BTreeMap::new();
        for obj in pods {
            let Object::Pod(pod) = obj.as_ref() else { continue };
            let Some(t) = pod_trigger_time(pod) else { continue };
            let name = pod.metadata.name.clone().unwrap_or_default();
            let last = known.and_then(|s| s.pods.get(&name)).copied();
            if last.is_none_or(|l| t > l) {
                min = Some(min.map_or(t, |m| m.min(t)));
            }
            seen.insert(name, t);
        }
        let created = service.metadata.creation_timestamp.as_ref().map_or(0, |t| t.0.as_second());
        if known.is_none_or(|s| created > s.service) {
            min = Some(min.map_or(created, |m| m.min(created)));
        }
        self.trigger.insert(key, TriggerState { service: created, pods: seen });
        if !was_known {
            return Some(created);
        }
        min
    }
}

/// The annotation's text: RFC 3339 in UTC (Go's RFC3339Nano drops a zero fraction).
pub fn trigger_text(secs: i64) -> String {
    rfc3339(from_unix_secs(secs))
}

fn pod_trigger_time(pod: &Pod) -> Option<i64> {
    ready_condition(pod)?.last_transition_time.as_ref().map(|t| t.0.as_second())
}

fn ready_condition(pod: &Pod) -> Option<&k8s_openapi::api::core::v1::PodCondition> {
    pod.status.as_ref()?.conditions.as_ref()?.iter().find(|c| c.type_ == "Ready")
}

/// The selector the controllers manage endpoints for: none for ExternalName Services and for
/// Services without a selector (an empty selector does not survive storage, so it counts as none).
pub fn selector(service: &Service) -> Option<&BTreeMap<String, String>> {
    let spec = service.spec.as_ref()?;
    if spec.type_.as_deref() == Some("ExternalName") {
        return None;
    }
    spec.selector.as_ref().filter(|s| !s.is_empty())
}

/// `labels.Set(selector).AsSelectorPreValidated().Matches(labels)`.
pub fn selects(selector: &BTreeMap<String, String>, labels: Option<&BTreeMap<String, String>>) -> bool {
    let Some(labels) = labels else { return selector.is_empty() };
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// The pods in `ns` a selector picks, in name order (the pod lister's list).
pub fn selected_pods(store: &Store, ns: &str, selector: &BTreeMap<String, String>) -> Vec<Arc<Object>> {
    store
        .list(Kind::Pod, Some(ns))
        .filter(|o| selects(selector, o.labels()))
        .cloned()
        .collect()
}

/// What both endpoint controllers do with a key: a Service key syncs that Service; a Pod key
/// syncs every Service that selects the pod now or did at its last sync (`cache`).
pub fn reconcile_services(
    ctx: &mut Ctx<'_, '_>,
    key: &ObjectRef,
    cache: fn(&ControllerState) -> &Cache,
    sync_service: fn(&mut Ctx<'_, '_>, &str, &str),
) -> Requeue {
    let Some(ns) = key.namespace.clone() else { return Requeue::Done };
    match key.kind {
        Kind::Service => sync_service(ctx, &ns, &key.name),
        Kind::Pod => {
            for service in services_for_pod(ctx.api.store, cache(ctx.state), key) {
                sync_service(ctx, &ns, &service);
            }
        }
        _ => {}
    }
    Requeue::Done
}

/// The Services to sync after a pod changed: those in its namespace that select it now, and
/// those it was in at their last sync (its labels may have changed, or it may be gone).
pub fn services_for_pod(store: &Store, cache: &Cache, pod_key: &ObjectRef) -> Vec<String> {
    let Some(ns) = pod_key.namespace.as_deref() else { return Vec::new() };
    let mut names: BTreeSet<String> = cache.previous_services(ns, &pod_key.name).cloned().collect();
    if let Some(pod) = store.get(pod_key) {
        let labels = pod.labels();
        for obj in store.list(Kind::Service, Some(ns)) {
            let Object::Service(svc) = obj.as_ref() else { continue };
            if selector(svc).is_some_and(|sel| selects(sel, labels)) {
                names.insert(obj.name().to_string());
            }
        }
    }
    names.into_iter().collect()
}

/// `podutil.IsPodReady`: the Ready condition is True.
pub fn is_ready(pod: &Pod) -> bool {
    ready_condition(pod).is_some_and(|c| c.status == "True")
}

/// `endpointsliceutil.ShouldPodBeInEndpoints`: not terminal (Succeeded / Failed), has an IP,
/// and — unless terminating pods are included — not being deleted.
pub fn should_be_in_endpoints(pod: &Pod, include_terminating: bool) -> bool {
    let Some(status) = pod.status.as_ref() else { return false };
    if matches!(status.phase.as_deref(), Some("Succeeded") | Some("Failed")) {
        return false;
    }
    let has_ip = status.pod_ip.as_deref().is_some_and(|s| !s.is_empty())
        || status.pod_ips.as_ref().is_some_and(|ips| !ips.is_empty());
    if !has_ip {
        return false;
    }
    include_terminating || pod.metadata.deletion_timestamp.is_none()
}

/// The pod's addresses (`status.podIPs`, or `status.podIP` where the list is missing, as the
/// API server's conversion fills it).
pub fn pod_ips(pod: &Pod) -> Vec<String> {
    let Some(status) = pod.status.as_ref() else { return Vec::new() };
    match status.pod_ips.as_ref().filter(|ips| !ips.is_empty()) {
        Some(ips) => ips.iter().map(|ip| ip.ip.clone()).filter(|ip| !ip.is_empty()).collect(),
        None => status.pod_ip.iter().filter(|ip| !ip.is_empty()).cloned().collect(),
    }
}

pub fn is_ipv6(ip: &str) -> bool {
    matches!(ip.parse::<IpAddr>(), Ok(IpAddr::V6(_)))
}

/// Whether the Service is for IPv6 (its first IP family; IPv4 when unset).
pub fn service_is_ipv6(service: &Service) -> bool {
    let spec = service.spec.as_ref();
    match spec.and_then(|s| s.ip_families.as_ref()).and_then(|f| f.first()) {
        Some(family) => family == "IPv6",
        None => spec.and_then(|s| s.cluster_ip.as_deref()).is_some_and(is_ipv6),
    }
}

/// `!helper.IsServiceIPSet`: a headless Service (clusterIP `None`, or none at all).
pub fn is_headless(service: &Service) -> bool {
    match service.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) {
        None | Some("") | Some("None") => true,
        Some(_) => false,
    }
}

/// `ShouldSetHostname`: the pod names a hostname and this Service as its subdomain.
pub fn hostname(pod: &Pod, service: &Service) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    let host = spec.hostname.as_deref().filter(|h| !h.is_empty())?;
    let same_ns = pod.metadata.namespace == service.metadata.namespace;
    (spec.subdomain.as_deref() == service.metadata.name.as_deref() && same_ns).then(|| host.to_string())
}

/// `podutil.FindPort`: a numeric targetPort as is; a named one looked up among the pod's
/// containers (then its sidecars, init containers with restartPolicy Always) by name and
/// protocol. None when the pod has no such port.
pub fn find_port(pod: &Pod, port: &ServicePort) -> Option<i32> {
    let name = match &port.target_port {
        None => return Some(port.port),
        Some(IntOrString::Int(n)) => return Some(*n),
        Some(IntOrString::String(name)) => name,
    };
    let protocol = port.protocol.as_deref().unwrap_or("TCP");
    let spec = pod.spec.as_ref()?;
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"));
    spec.containers
        .iter()
        .chain(sidecars)
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(name.as_str()) && p.protocol.as_deref().unwrap_or("TCP") == protocol)
        .map(|p| p.container_port)
}

/// The `targetRef` both controllers write: kind Pod, namespace, name and uid.
pub fn pod_ref(pod: &Pod) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        namespace: pod.metadata.namespace.clone(),
        name: pod.metadata.name.clone(),
        uid: pod.metadata.uid.clone(),
        ..Default::default()
    }
}

#[cfg(test)]
#[path = "service_pods_tests.rs"]
pub(crate) mod tests;
