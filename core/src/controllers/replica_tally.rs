//! What the replica set controller's status walk learned about each pod it controls, kept
//! between syncs. `calculateStatus` looks at every owned pod on every sync, and while pods come
//! up a replica set is synced once per pod change: remembering each pod's facts for as long as
//! its stored object is the same allocation makes a sync touch only the pods that changed.
//! A pure cache: the status computed from it is the one computed from the pods.

use std::sync::{Arc, Weak};

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object};
use crate::store::selector::Selector;
use crate::store::{ObjectRef, Store};
use crate::time::SimTime;

use super::owner::{controller_of, is_active, ready_since};

/// What `calculateStatus` needs of one dependent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// A Pod in the owner's namespace naming the owner (by uid) as its controller.
    pub controlled: bool,
    /// The owner's selector matches its labels.
    pub matches: bool,
    /// `controller.IsPodActive`.
    pub active: bool,
    /// The template's labels match its labels (`fullyLabeledReplicas`).
    pub labeled: bool,
    /// When it became Ready, if it is.
    pub ready_since: Option<SimTime>,
}

/// Per owner (ReplicaSet or ReplicationController key): the scope the facts were computed in
/// and the dependents in the store's owner-index order.
#[derive(Debug, Clone, Default)]
pub struct Tallies {
    owners: BTreeMap<ObjectRef, Tally>,
}

#[derive(Debug, Clone)]
struct Tally {
    uid: String,
    sel: Selector,
    template_sel: Selector,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    key: Arc<ObjectRef>,
    /// The object the facts were read from; a write replaces the stored `Arc`, so a different
    /// allocation means the facts are stale. Weak: the cache keeps no object alive.
    obj: Weak<Object>,
    facts: Facts,
}

/// The owner a walk is for, and what facts depend on.
pub struct Scope<'a> {
    pub owner: &'a ObjectRef,
    /// The owner's kind as ownerReferences name it (`ReplicaSet`).
    pub kind_name: &'a str,
    pub uid: &'a str,
    pub sel: &'a Selector,
    pub template_sel: &'a Selector,
}

impl Tallies {
    /// The facts of every dependent of the scope's owner, in the store's owner-index order,
    /// recomputed only for objects written since the last walk.
    pub fn walk(&mut self, store: &Store, scope: &Scope<'_>) -> impl Iterator<Item = Facts> + '_ {
        let current = self
            .owners
            .get(scope.owner)
            .is_some_and(|t| t.uid == scope.uid && t.sel == *scope.sel && t.template_sel == *scope.template_sel);
        if !current {
            let fresh = Tally { uid: scope.uid.to_string(), sel: scope.sel.clone(), template_sel: scope.template_sel.clone(), entries: Vec::new() };
            self.owners.insert(scope.owner.clone(), fresh);
        }
        let tally = self.owners.get_mut(scope.owner).expect("inserted above when missing");
        // The usual sync: the same dependents as last time, one or two of them rewritten.
        // Walked in place, reading only pointers (no reference count is touched, so an
        // unchanged pod's memory is not either).
        let mut same = 0;
        let mut diverged = false;
        for (key, obj) in store.dependents_with_keys(scope.kind_name, &scope.owner.name) {
            match tally.entries.get_mut(same) {
                Some(e) if Arc::ptr_eq(&e.key, key) => {
                    if !std::ptr::eq(e.obj.as_ptr(), Arc::as_ptr(obj)) {
                        e.facts = facts_of(key, obj, scope, &tally.uid);
                        e.obj = Arc::downgrade(obj);
                    }
                    same += 1;
                }
                _ => {
                    diverged = true;
                    break;
                }
            }
        }
        if diverged || same != tally.entries.len() {
            tally.entries = merge(std::mem::take(&mut tally.entries), store, scope, &tally.uid);
        }
        tally.entries.iter().map(|e| e.facts)
    }

    /// The owner is gone: its facts go too.
    pub fn forget(&mut self, owner: &ObjectRef) {
        self.owners.remove(owner);
    }
}

/// The dependents' entries when the set changed: both lists are in key order, so a cached
/// entry is found by walking them together; an entry whose object was rewritten (or that is
/// new) is computed afresh.
fn merge(old: Vec<Entry>, store: &Store, scope: &Scope<'_>, uid: &str) -> Vec<Entry> {
    let mut old = old.into_iter().peekable();
    let mut entries = Vec::with_capacity(old.len());
    for (key, obj) in store.dependents_with_keys(scope.kind_name, &scope.owner.name) {
        let mut cached = None;
        while let Some(e) = old.peek() {
            if Arc::ptr_eq(&e.key, key) || *e.key == **key {
                cached = old.next();
                break;
            }
            if *e.key > **key {
                break;
            }
            old.next();
        }
        let facts = match cached {
            Some(e) if std::ptr::eq(e.obj.as_ptr(), Arc::as_ptr(obj)) => e.facts,
            _ => facts_of(key, obj, scope, uid),
        };
        entries.push(Entry { key: key.clone(), obj: Arc::downgrade(obj), facts });
    }
    entries
}

fn facts_of(key: &ObjectRef, obj: &Object, scope: &Scope<'_>, uid: &str) -> Facts {
    let pod: Option<&Pod> = match obj {
        Object::Pod(p) if key.kind == Kind::Pod && key.namespace == scope.owner.namespace => Some(p),
        _ => None,
    };
    let Some(p) = pod.filter(|p| controller_of(&p.metadata).is_some_and(|r| r.uid == uid)) else {
        return Facts { controlled: false, matches: false, active: false, labeled: false, ready_since: None };
    };
    let labels = p.metadata.labels.as_ref();
    Facts {
        controlled: true,
        matches: scope.sel.matches(labels),
        active: is_active(p),
        labeled: scope.template_sel.matches(labels),
        ready_since: ready_since(p),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    use super::*;
    use crate::store::{Cause, Component};

    fn pod(name: &str, owner_uid: &str, app: &str, ready: bool) -> Object {
        let Object::Pod(mut p) = crate::workload::pod(0) else { unreachable!() };
        p.metadata.name = Some(name.into());
        p.metadata.labels = Some(BTreeMap::from([("app".to_string(), app.to_string())]));
        p.metadata.owner_references = Some(vec![OwnerReference {
            api_version: "apps/v1".into(),
            kind: "ReplicaSet".into(),
            name: "web".into(),
            uid: owner_uid.into(),
            controller: Some(true),
            ..Default::default()
        }]);
        let status = p.status.get_or_insert_with(Default::default);
        status.phase = Some("Running".into());
        status.conditions = Some(vec![k8s_openapi::api::core::v1::PodCondition {
            type_: "Ready".into(),
            status: if ready { "True" } else { "False" }.into(),
            ..Default::default()
        }]);
        Object::Pod(p)
    }

    /// After every write, the remembered walk gives exactly what a walk from nothing gives.
    #[test]
    fn the_remembered_facts_are_those_of_a_fresh_walk() {
        let mut store = Store::new();
        let (by, cause, at) = (Component::new("test"), Cause::Bootstrap, SimTime::ZERO);
        let owner = ObjectRef::new(Kind::ReplicaSet, Some("default"), "web");
        let sel = crate::store::selector::from_map(&BTreeMap::from([("app".to_string(), "web".to_string())]));
        let everything = Selector::everything();
        let scope = Scope { owner: &owner, kind_name: "ReplicaSet", uid: "u1", sel: &sel, template_sel: &everything };
        let mut kept = Tallies::default();
        let mut check = |store: &Store, what: &str, expect_controlled: usize, expect_ready: usize| {
            let remembered: Vec<Facts> = kept.walk(store, &scope).collect();
            let fresh: Vec<Facts> = Tallies::default().walk(store, &scope).collect();
            assert_eq!(remembered, fresh, "{what}");
            let matching = || remembered.iter().filter(|f| f.controlled && f.matches);
            assert_eq!(matching().count(), expect_controlled, "{what}");
            assert_eq!(matching().filter(|f| f.ready_since.is_some()).count(), expect_ready, "{what}");
        };
        for name in ["web-a", "web-b", "web-c"] {
            store.create(pod(name, "u1", "web", false), at, by.clone(), cause).unwrap();
        }
        store.create(pod("other", "u2", "web", true), at, by.clone(), cause).unwrap();
        check(&store, "three pods of this owner, one of an owner with another uid", 3, 0);
        store.update(pod("web-b", "u1", "web", true), at, by.clone(), cause).unwrap();
        check(&store, "web-b became Ready", 3, 1);
        store.update(pod("web-c", "u1", "db", true), at, by.clone(), cause).unwrap();
        check(&store, "web-c's labels no longer match", 2, 1);
        store.remove(&ObjectRef::new(Kind::Pod, Some("default"), "web-a"), at, by.clone(), cause).unwrap();
        check(&store, "web-a deleted", 1, 1);
        store.create(pod("web-0", "u1", "web", true), at, by.clone(), cause).unwrap();
        check(&store, "a new pod sorting first", 2, 2);
    }
}
