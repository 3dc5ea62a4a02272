//! The store's vocabulary: object keys ([`ObjectRef`]), writers ([`Component`]), causes and
//! the watch events the write log holds.

use std::fmt;
use std::sync::Arc;

use crate::api::{Kind, Object};
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

    /// The identity of `obj` as stored.
    pub fn of(obj: &Object) -> Self {
        let kind = obj.kind();
        let namespace = if kind.info().namespaced { obj.namespace().map(str::to_string) } else { None };
        ObjectRef { kind, namespace, name: obj.name().to_string() }
    }
}

impl fmt::Display for ObjectRef {
    /// `deployment.apps/web` — the form kubectl prints (namespace not included).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.qualified_singular(), self.name)
    }
}

/// Who performed a write: `kubectl`, `deployment-controller`, `kubelet/node-2`, …
/// Shared, so that stamping it on every write costs no allocation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Component(Arc<str>);

impl Component {
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        Component(name.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user action (one kubectl command, one apply): the root of an event chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionId(pub u64);

/// What caused a write: a user action directly, or an earlier write (by its resourceVersion)
/// that a component reacted to. Every chain leads back to an action or to the cluster's bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    Bootstrap,
    Action(ActionId),
    Write(u64),
    /// A timer a component set earlier (resync, back-off, schedule), with the write that set it up.
    Timer(Option<u64>),
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

/// One entry of the store's ordered write log; what a watch delivers.
#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub resource_version: u64,
    pub event_type: WatchEventType,
    pub key: ObjectRef,
    /// The object after the write (for DELETED: its last state).
    pub object: Arc<Object>,
    pub at: SimTime,
    pub by: Component,
    pub cause: Cause,
}
