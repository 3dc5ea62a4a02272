//! The Event recorder: components report what they did (`Scheduled`, `ScalingReplicaSet`,
//! `FailedCreate`…) as Event objects, aggregated the way client-go's EventCorrelator does:
//! a repeat of the same (source, involved object, type, reason, message) bumps `count` and
//! `lastTimestamp` on the existing Event instead of creating another; many different messages
//! with the same reason become one `(combined from similar events)` Event
//! (`event_aggregator.rs`).

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::Object;
use crate::sim::apiserver::{k8s_time, Api};
use crate::store::{Cause, Component, ObjectRef};

use super::event_aggregator::COMBINED;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// Records `reason`/`message` about `involved`, from `source` (the component's name, e.g.
/// `deployment-controller`, `default-scheduler`, `kubelet`), optionally naming the host.
#[allow(clippy::too_many_arguments)]
pub fn record(
    api: &mut Api<'_>,
    involved: &Object,
    event_type: EventType,
    reason: &str,
    message: &str,
    source: &Component,
    host: Option<&str>,
    cause: Cause,
) {
    let meta = involved.metadata();
    let involved_ref = ObjectReference {
        api_version: Some(api_version_of(involved)),
        kind: Some(involved.kind().info().name.to_string()),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        ..Default::default()
    };
    record_about(api, involved_ref, Report { event_type, reason, message }, source, host, cause);
}

/// What an event says.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub event_type: EventType,
    pub reason: &'a str,
    pub message: &'a str,
}

/// Records an event about a node the way the kubelet does: its reference names the node by
/// name in place of the uid (`describe node` looks for both).
pub fn record_for_node(api: &mut Api<'_>, node: &str, report: Report<'_>, source: &Component, cause: Cause) {
    let involved_ref = ObjectReference {
        kind: Some("Node".into()),
        name: Some(node.to_string()),
        uid: Some(node.to_string()),
        ..Default::default()
    };
    record_about(api, involved_ref, report, source, Some(node), cause);
}

/// Records an event about the object `involved_ref` names; cluster-scoped objects' events
/// go to `default`, as client-go's recorder puts them.
pub fn record_about(
    api: &mut Api<'_>,
    involved_ref: ObjectReference,
    report: Report<'_>,
    source: &Component,
    host: Option<&str>,
    cause: Cause,
) {
    let Report { event_type, reason, message } = report;
    let namespace = involved_ref.namespace.clone().unwrap_or_else(|| "default".into());
    let involved_name = involved_ref.name.clone().unwrap_or_default();
    let source_name = source.as_str().split('/').next().unwrap_or("").to_string();
    // Aggregate with an identical earlier event, found through the recorder's correlation
    // cache (client-go keeps one per process; here one for the cluster, keyed the same way).
    let uid = involved_ref.uid.as_deref().unwrap_or("");
    let similar = correlation_key(&[&namespace, uid, &involved_name, reason, event_type.as_str(), &source_name, "\u{1}similar"]);
    let aggregated = api.recorder.aggregator.observe(similar, correlation_key(&[message]), api.now);
    let combined;
    let (cache_key, message) = if aggregated {
        combined = format!("{COMBINED}{message}");
        (similar, combined.as_str())
    } else {
        (correlation_key(&[&namespace, uid, &involved_name, reason, message, event_type.as_str(), &source_name]), message)
    };
    let existing = api
        .recorder
        .seen
        .get(&cache_key)
        .and_then(|nanos| api.store.get(&ObjectRef::new(crate::api::Kind::Event, Some(&namespace), &event_name(&involved_name, *nanos))))
        .filter(|o| match o.as_ref() {
            // The key is a hash: confirm that the Event is the same one.
            Object::Event(e) => {
                e.involved_object.uid == involved_ref.uid
                    && e.involved_object.name == involved_ref.name
                    && e.reason.as_deref() == Some(reason)
                    && (aggregated || e.message.as_deref() == Some(message))
                    && e.type_.as_deref() == Some(event_type.as_str())
                    && e.source.as_ref().and_then(|s| s.component.as_deref()) == Some(source_name.as_str())
            }
            _ => false,
        })
        .cloned();
    let now = k8s_time(api.now);
    if let Some(existing) = existing {
        if let Object::Event(e) = existing.as_ref() {
            let mut e: Event = (**e).clone();
            e.count = Some(e.count.unwrap_or(1) + 1);
            e.last_timestamp = Some(now);
            if aggregated {
                e.message = Some(message.to_string());
            }
            e.metadata.resource_version = None;
            let _ = api.update(Object::Event(Box::new(e)), source, cause);
        }
        return;
    }
    // client-go names events `<object name>.<unix nanoseconds as hex>`.
    let nanos = (crate::time::unix_secs(api.now) as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add((api.now.as_micros() % 1_000_000) * 1_000);
    // Several events in one simulated microsecond: use the nanoseconds below it to keep
    // names unique, as real clocks would.
    let mut nanos = nanos;
    let mut key = ObjectRef { kind: crate::api::Kind::Event, namespace: Some(namespace), name: event_name(&involved_name, nanos) };
    while api.store.contains(&key) {
        nanos = nanos.wrapping_add(1);
        key.name = event_name(&involved_name, nanos);
    }
    let event = Event {
        metadata: ObjectMeta { name: Some(key.name), namespace: key.namespace, ..Default::default() },
        involved_object: involved_ref,
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        type_: Some(event_type.as_str().to_string()),
        source: Some(EventSource { component: Some(source_name), host: host.map(str::to_string) }),
        first_timestamp: Some(now.clone()),
        last_timestamp: Some(now),
        count: Some(1),
        reporting_component: Some(String::new()),
        reporting_instance: Some(String::new()),
        ..Default::default()
    };
    if api.create(Object::Event(Box::new(event)), source, cause).is_ok() {
        api.recorder.seen.insert(cache_key, nanos);
    }
}

/// client-go's Event name: `<object name>.<unix nanoseconds as hex>`.
fn event_name(involved_name: &str, nanos: u64) -> String {
    format!("{involved_name}.{nanos:x}")
}

/// Which Event each (involved object, reason, message, type, source) was last recorded as,
/// so that a repeat bumps its count instead of creating another. Entries whose Event is gone
/// are simply not found in the store and a new Event is created.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    /// 64-bit FNV-1a of the correlation fields → the nanoseconds the Event's name carries (the
    /// name is the involved object's name, which is part of the key, and those nanoseconds).
    /// Looked up only, never iterated.
    seen: crate::hashing::PrehashedMap<u64>,
    aggregator: super::event_aggregator::Aggregator,
}

fn correlation_key(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

fn api_version_of(obj: &Object) -> String {
    if let Object::Custom(c) = obj {
        return c.api_version.clone();
    }
    let info = obj.kind().info();
    if info.group.is_empty() {
        info.versions[0].to_string()
    } else {
        format!("{}/{}", info.group, info.versions[0])
    }
}

/// The events a node's first minute leaves behind: the kubelet starting and reporting its
/// conditions, then the node lifecycle controller registering it.
pub fn node_registered(api: &mut Api<'_>, node: &Object, cause: Cause) {
    let name = node.metadata().name.clone().unwrap_or_default();
    let kubelet = Component::new(format!("kubelet/{name}"));
    record_for_node(api, &name, normal("Starting", "Starting kubelet."), &kubelet, cause);
    record_for_node(api, &name, normal("NodeAllocatableEnforced", "Updated Node Allocatable limit across pods"), &kubelet, cause);
    for condition in ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"] {
        let message = format!("Node {name} status is now: {condition}");
        record_for_node(api, &name, normal(condition, &message), &kubelet, cause);
    }
    let message = format!("Node {name} event: Registered Node {name} in Controller");
    record(api, node, EventType::Normal, "RegisteredNode", &message, &Component::new("node-controller"), None, cause);
    let message = format!("Node {name} status is now: NodeReady");
    record_for_node(api, &name, normal("NodeReady", &message), &kubelet, cause);
}

fn normal<'a>(reason: &'a str, message: &'a str) -> Report<'a> {
    Report { event_type: EventType::Normal, reason, message }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
