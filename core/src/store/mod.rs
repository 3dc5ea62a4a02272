//! The versioned object store: the one place objects live, and the one mutation path.
//!
//! Every write bumps the global resourceVersion and appends a [`WatchEvent`] to the log, in
//! order. Keys are typed [`ObjectRef`]s, and the map is a `BTreeMap`, so iteration (and anything
//! printed from it) is ordered and deterministic.

pub mod field_selector;
pub mod selector;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::api::Kind;
use crate::time::SimTime;

/// A typed identity: kind, namespace (None for cluster-scoped kinds) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub kind: Kind,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn new(kind: Kind, namespace: Option<&str>, name: &str) -> Self {
        ObjectRef { kind, namespace: namespace.map(str::to_string), name: name.to_string() }
    }
}

/// Who performed a write: `kubectl`, `deployment-controller`, `kubelet/node-2`, …
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Component(pub String);

impl Component {
    pub fn new(name: impl Into<String>) -> Self {
        Component(name.into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WatchEventType {
    Added,
    Modified,
    Deleted,
}

impl WatchEventType {
    pub fn as_str(self) -> &'static str {
        match self {
            WatchEventType::Added => "ADDED",
            WatchEventType::Modified => "MODIFIED",
            WatchEventType::Deleted => "DELETED",
        }
    }
}

/// One entry of the store's ordered write log.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    pub resource_version: u64,
    pub event_type: WatchEventType,
    pub object: ObjectRef,
    pub at: SimTime,
    pub by: Component,
}

/// An object as stored: the full JSON body (metadata included) plus bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObject {
    pub value: Value,
    pub resource_version: u64,
    pub created: SimTime,
}

#[derive(Debug, Clone, Default)]
pub struct Store {
    objects: BTreeMap<ObjectRef, StoredObject>,
    resource_version: u64,
    log: Vec<WatchEvent>,
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &ObjectRef) -> Option<&StoredObject> {
        self.objects.get(key)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The current (latest) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ObjectRef, &StoredObject)> {
        self.objects.iter()
    }

    pub fn log(&self) -> &[WatchEvent] {
        &self.log
    }

    /// Creates or replaces `key`, stamping `metadata.resourceVersion`. Returns the new version.
    pub fn put(&mut self, key: ObjectRef, mut value: Value, now: SimTime, by: Component) -> u64 {
        self.resource_version += 1;
        let rv = self.resource_version;
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
        }
        let (event_type, created) = match self.objects.get(&key) {
            Some(old) => (WatchEventType::Modified, old.created),
            None => (WatchEventType::Added, now),
        };
        self.objects.insert(key.clone(), StoredObject { value, resource_version: rv, created });
        self.log.push(WatchEvent { resource_version: rv, event_type, object: key, at: now, by });
        rv
    }

    /// Removes `key`; returns the removed object.
    pub fn delete(&mut self, key: &ObjectRef, now: SimTime, by: Component) -> Option<StoredObject> {
        let old = self.objects.remove(key)?;
        self.resource_version += 1;
        self.log.push(WatchEvent {
            resource_version: self.resource_version,
            event_type: WatchEventType::Deleted,
            object: key.clone(),
            at: now,
            by,
        });
        Some(old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_bump_resource_version_and_log_in_order() {
        let mut s = Store::new();
        let k = ObjectRef::new(Kind::ConfigMap, Some("default"), "c");
        let rv1 = s.put(k.clone(), json!({"metadata": {"name": "c"}}), SimTime(1), Component::new("kubectl"));
        let rv2 = s.put(k.clone(), json!({"metadata": {"name": "c"}}), SimTime(2), Component::new("kubectl"));
        assert!(rv2 > rv1);
        assert_eq!(s.get(&k).unwrap().value["metadata"]["resourceVersion"], rv2.to_string());
        assert_eq!(s.get(&k).unwrap().created, SimTime(1));
        s.delete(&k, SimTime(3), Component::new("kubectl"));
        let types: Vec<_> = s.log().iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
        assert!(s.get(&k).is_none());
    }
}
