//! The versioned object store: the one place objects live, and the one mutation path.
//!
//! ```text
//! mod.rs           Store: objects by ObjectRef, the global resourceVersion, the write log
//! keys.rs          ObjectRef, Component, Cause, WatchEvent: what keys and records a write
//! history.rs       every write ever made, compactly, without the objects (the event chain)
//! selector.rs      label selectors (kubectl -l, LabelSelector)
//! field_selector.rs field selectors (kubectl --field-selector)
//! ```
//!
//! Every write bumps the global resourceVersion and appends a [`WatchEvent`] to the log, in
//! order, recording who wrote it and what caused it. Keys are typed [`ObjectRef`]s in a
//! `BTreeMap`, so iteration (and anything printed from it) is ordered and deterministic.
//! Objects are shared (`Arc`) between the map, the log and readers, so watchers and snapshots
//! cost a reference count, not a copy.

pub mod field_selector;
pub mod history;
mod keys;
pub mod selector;

pub use history::{History, Record};
pub use keys::{ActionId, Cause, Component, ObjectRef, WatchEvent, WatchEventType};

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

use crate::api::custom::Discovery;
use crate::api::{Kind, Object};
use crate::time::SimTime;

/// How many write-log entries with their objects are kept behind the slowest reader, as
/// etcd keeps a window of history before compacting it.
pub const WATCH_WINDOW: usize = 10_000;

/// Why a write was refused by the store itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    AlreadyExists,
    NotFound,
    /// Optimistic concurrency: the caller's resourceVersion is not the stored one.
    Conflict { stored: u64, given: u64 },
}

/// One owner's dependents with their current objects, in key order.
type Dependents = BTreeMap<Arc<ObjectRef>, Arc<Object>>;

#[derive(Debug, Clone, Default)]
pub struct Store {
    /// Keys are shared with the history and the indexes below: one copy of each name.
    objects: BTreeMap<Arc<ObjectRef>, Arc<Object>>,
    /// How many objects of each kind are stored, so that listing an empty kind costs no search.
    per_kind: BTreeMap<Kind, usize>,
    resource_version: u64,
    /// The recent writes with their objects (what watches deliver); older ones are compacted.
    log: Vec<WatchEvent>,
    /// Every write since the cluster began, without the objects.
    history: History,
    /// Objects by each owner their ownerReferences name, as owner kind → owner name → the
    /// dependents with their current objects: what the garbage collector's graph and the
    /// controllers' "pods I own" lookups need without a scan or a lookup per dependent. Looked
    /// up by `&str`, so a query allocates nothing.
    dependents: BTreeMap<String, BTreeMap<String, Dependents>>,
    /// Objects (not Events) that name no controller: the candidates for adoption.
    uncontrolled: BTreeSet<Arc<ObjectRef>>,
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &ObjectRef) -> Option<&Arc<Object>> {
        self.objects.get(key)
    }

    pub fn contains(&self, key: &ObjectRef) -> bool {
        self.objects.contains_key(key)
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

    /// Every object, ordered by (kind, namespace, name).
    pub fn iter(&self) -> impl Iterator<Item = (&ObjectRef, &Arc<Object>)> {
        self.objects.iter().map(|(k, o)| (k.as_ref(), o))
    }

    /// The objects of one kind, optionally in one namespace, in name order.
    pub fn list(&self, kind: Kind, namespace: Option<&str>) -> impl Iterator<Item = &Arc<Object>> + '_ {
        let stored = self.per_kind.get(&kind).is_some_and(|n| *n > 0);
        let listed = stored.then(|| {
            let start = ObjectRef { kind, namespace: namespace.map(str::to_string), name: String::new() };
            let range = self.objects.range::<ObjectRef, _>((Bound::Included(&start), Bound::Unbounded));
            let ns = start.namespace;
            range.take_while(move |(k, _)| k.kind == kind && (ns.is_none() || k.namespace == ns))
        });
        listed.into_iter().flatten().map(|(_, o)| o)
    }

    /// Every object in one namespace, of every namespaced kind (built-in kinds in registry
    /// order, then custom kinds).
    pub fn list_all_in<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a Arc<Object>> + 'a {
        self.namespaced_kinds().flat_map(move |k| self.list(k, Some(namespace)))
    }

    /// The namespaced kinds: the built-in ones in registry order, then the custom kinds that
    /// have objects stored.
    pub fn namespaced_kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        let builtin = crate::api::KINDS.iter().filter(|k| k.namespaced).map(|k| k.kind);
        let custom = self
            .per_kind
            .iter()
            .skip_while(|(k, _)| !k.is_custom())
            .filter(|(k, n)| **n > 0 && k.info().namespaced)
            .map(|(k, _)| *k);
        builtin.chain(custom)
    }

    /// The stored CustomResourceDefinitions, by name.
    pub fn crds(&self) -> impl Iterator<Item = &CustomResourceDefinition> + '_ {
        self.list(Kind::CustomResourceDefinition, None).filter_map(|o| match o.as_ref() {
            Object::CustomResourceDefinition(c) => Some(c.as_ref()),
            _ => None,
        })
    }

    /// The CRD that defines the custom `kind`.
    pub fn crd_for(&self, kind: Kind) -> Option<&CustomResourceDefinition> {
        let Kind::Custom(c) = kind else { return None };
        let info = c.info();
        match self.get(&ObjectRef::new(Kind::CustomResourceDefinition, None, &c.crd_name()))?.as_ref() {
            Object::CustomResourceDefinition(crd)
                if crd.spec.names.kind == info.name && (crd.spec.scope == "Namespaced") == info.namespaced =>
            {
                Some(crd)
            }
            _ => None,
        }
    }

    /// What the API server serves now (kubectl's discovery).
    pub fn discovery(&self) -> Discovery {
        Discovery::new(self.crds())
    }

    /// The objects whose ownerReferences name an owner of kind `kind` (`ReplicaSet`) called
    /// `name`, in any namespace, in key order. Callers check the namespace and the uid.
    pub fn dependents_of(&self, kind: &str, name: &str) -> impl Iterator<Item = &ObjectRef> + '_ {
        self.dependents_with_objects(kind, name).map(|(k, _)| k)
    }

    /// [`Store::dependents_of`] with each dependent's stored object.
    pub fn dependents_with_objects(&self, kind: &str, name: &str) -> impl Iterator<Item = (&ObjectRef, &Arc<Object>)> + '_ {
        self.dependents.get(kind).and_then(|by_name| by_name.get(name)).into_iter().flatten().map(|(k, o)| (k.as_ref(), o))
    }

    /// [`Store::dependents_with_objects`] with the shared keys (for callers that remember
    /// dependents between calls and compare keys by pointer first).
    pub fn dependents_with_keys(&self, kind: &str, name: &str) -> impl Iterator<Item = (&Arc<ObjectRef>, &Arc<Object>)> + '_ {
        self.dependents.get(kind).and_then(|by_name| by_name.get(name)).into_iter().flatten()
    }

    /// Objects of `kind` in `namespace` that have no controller, in name order.
    pub fn uncontrolled<'a>(&'a self, kind: Kind, namespace: &'a str) -> impl Iterator<Item = &'a Arc<Object>> + 'a {
        let start = ObjectRef { kind, namespace: Some(namespace.to_string()), name: String::new() };
        self.uncontrolled
            .range::<ObjectRef, _>(start..)
            .take_while(move |k| k.kind == kind && k.namespace.as_deref() == Some(namespace))
            .filter_map(|k| self.objects.get(k.as_ref()))
    }

    /// Keeps the owner indexes current across a write (`old` → `new`): owners `old` named and
    /// `new` does not lose the key; every owner `new` names holds the new object.
    fn reindex(&mut self, key: &Arc<ObjectRef>, old: Option<&Object>, new: Option<&Arc<Object>>) {
        let (before, after) = (owner_refs(old), owner_refs(new.map(|o| o.as_ref())));
        for r in before {
            if after.iter().any(|a| a.kind == r.kind && a.name == r.name) {
                continue;
            }
            let Some(by_name) = self.dependents.get_mut(r.kind.as_str()) else { continue };
            if let Some(set) = by_name.get_mut(r.name.as_str()) {
                set.remove(key.as_ref());
                if set.is_empty() {
                    by_name.remove(r.name.as_str());
                }
            }
            if by_name.is_empty() {
                self.dependents.remove(r.kind.as_str());
            }
        }
        if let Some(new) = new {
            for r in after {
                if !self.dependents.contains_key(r.kind.as_str()) {
                    self.dependents.insert(r.kind.clone(), BTreeMap::new());
                }
                let by_name = self.dependents.get_mut(r.kind.as_str()).expect("inserted above");
                if !by_name.contains_key(r.name.as_str()) {
                    by_name.insert(r.name.clone(), BTreeMap::new());
                }
                let set = by_name.get_mut(r.name.as_str()).expect("inserted above");
                match set.get_mut(key.as_ref()) {
                    Some(slot) => *slot = new.clone(),
                    None => {
                        set.insert(key.clone(), new.clone());
                    }
                }
            }
        }
        if key.kind != Kind::Event {
            let controlled = new.is_some_and(|o| {
                o.metadata().owner_references.iter().flatten().any(|r| r.controller == Some(true))
            });
            if new.is_some() && !controlled {
                if !self.uncontrolled.contains(key.as_ref()) {
                    self.uncontrolled.insert(key.clone());
                }
            } else {
                self.uncontrolled.remove(key.as_ref());
            }
        }
    }

    /// The write log with objects, oldest first: the writes since the last compaction.
    pub fn log(&self) -> &[WatchEvent] {
        &self.log
    }

    /// Every write ever made, oldest first, without objects.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Drops the objects of writes older than the last [`WATCH_WINDOW`] before `read_rv` (the
    /// resourceVersion every component has read up to). Their records stay in the history.
    /// Runs in bulk, when the log holds a quarter of a window more than the window.
    pub fn compact(&mut self, read_rv: u64) {
        if self.log.len() < WATCH_WINDOW + WATCH_WINDOW / 4 {
            return;
        }
        let read = self.log.partition_point(|e| e.resource_version <= read_rv);
        let drop = read.saturating_sub(WATCH_WINDOW);
        if drop > 0 {
            self.log.drain(..drop);
        }
    }

    /// Logs a write; `key` is the shared form of `event.key`.
    fn push_log(&mut self, event: WatchEvent, key: &Arc<ObjectRef>) {
        self.history.push(event.resource_version, event.event_type, key, event.at, &event.by, event.cause);
        self.log.push(event);
    }

    /// Watch events with a resourceVersion greater than `rv`, oldest first.
    pub fn events_since(&self, rv: u64) -> &[WatchEvent] {
        let start = self.log.partition_point(|e| e.resource_version <= rv);
        &self.log[start..]
    }

    /// Creates `obj`; it must not exist yet. Stamps metadata.resourceVersion.
    pub fn create(&mut self, obj: Object, at: SimTime, by: Component, cause: Cause) -> Result<Arc<Object>, StoreError> {
        let key = ObjectRef::of(&obj);
        let shared = Arc::new(key.clone());
        let Entry::Vacant(slot) = self.objects.entry(shared.clone()) else {
            return Err(StoreError::AlreadyExists);
        };
        let obj = stamp(&mut self.resource_version, obj);
        slot.insert(obj.clone());
        *self.per_kind.entry(key.kind).or_default() += 1;
        self.reindex(&shared, None, Some(&obj));
        let event = WatchEvent {
            resource_version: self.resource_version,
            event_type: WatchEventType::Added,
            key,
            object: obj.clone(),
            at,
            by,
            cause,
        };
        self.push_log(event, &shared);
        Ok(obj)
    }

    /// Replaces an existing object. If `obj` carries a resourceVersion it must equal the stored
    /// one (optimistic concurrency); an empty one means "unconditional".
    pub fn update(&mut self, obj: Object, at: SimTime, by: Component, cause: Cause) -> Result<Arc<Object>, StoreError> {
        let key = ObjectRef::of(&obj);
        let (shared, stored) = self.objects.get_key_value(&key).ok_or(StoreError::NotFound)?;
        let stored_rv = rv_of(stored);
        if let Some(given) = obj.metadata().resource_version.as_deref().filter(|s| !s.is_empty()) {
            let given = given.parse::<u64>().unwrap_or(0);
            if given != stored_rv {
                return Err(StoreError::Conflict { stored: stored_rv, given });
            }
        }
        let shared = shared.clone();
        Ok(self.write(shared, key, obj, WatchEventType::Modified, at, by, cause))
    }

    /// Removes `key` for good; returns the removed object.
    pub fn remove(&mut self, key: &ObjectRef, at: SimTime, by: Component, cause: Cause) -> Result<Arc<Object>, StoreError> {
        let (shared, old) = self.objects.remove_entry(key).ok_or(StoreError::NotFound)?;
        if let Some(n) = self.per_kind.get_mut(&key.kind) {
            *n -= 1;
        }
        self.reindex(&shared, Some(old.as_ref()), None);
        self.resource_version += 1;
        let event = WatchEvent {
            resource_version: self.resource_version,
            event_type: WatchEventType::Deleted,
            key: key.clone(),
            object: old.clone(),
            at,
            by,
            cause,
        };
        self.push_log(event, &shared);
        Ok(old)
    }

    /// Writes `obj` under `key` (`shared` is the map's form of it), which exists.
    #[allow(clippy::too_many_arguments)]
    fn write(&mut self, shared: Arc<ObjectRef>, key: ObjectRef, obj: Object, event_type: WatchEventType, at: SimTime, by: Component, cause: Cause) -> Arc<Object> {
        let obj = stamp(&mut self.resource_version, obj);
        // An update replaces the value in place.
        let replaced = match self.objects.get_mut(&key) {
            Some(slot) => Some(std::mem::replace(slot, obj.clone())),
            None => self.objects.insert(shared.clone(), obj.clone()),
        };
        match replaced {
            None => {
                *self.per_kind.entry(key.kind).or_default() += 1;
                self.reindex(&shared, None, Some(&obj));
            }
            Some(old) => self.reindex(&shared, Some(old.as_ref()), Some(&obj)),
        }
        let rv = self.resource_version;
        self.push_log(WatchEvent { resource_version: rv, event_type, key, object: obj.clone(), at, by, cause }, &shared);
        obj
    }
}

/// Bumps the global resourceVersion and stamps it on `obj`.
fn stamp(resource_version: &mut u64, mut obj: Object) -> Arc<Object> {
    *resource_version += 1;
    obj.metadata_mut().resource_version = Some(resource_version.to_string());
    Arc::new(obj)
}

/// The ownerReferences of an object (none for no object).
fn owner_refs(o: Option<&Object>) -> &[k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference] {
    o.and_then(|o| o.metadata().owner_references.as_deref()).unwrap_or(&[])
}

/// The resourceVersion stamped on a stored object.
pub fn rv_of(obj: &Object) -> u64 {
    obj.metadata().resource_version.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod owner_index_tests;

#[cfg(test)]
mod tests;
