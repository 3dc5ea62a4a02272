//! Helpers for command tests: a fresh cluster, objects from YAML through the API server, and
//! `kubectl …` lines run against it.

use std::sync::Arc;

use crate::api::{Kind, Object};
use crate::sim::{ClusterConfig, Sim};
use crate::store::{Cause, Component};

use super::{run_line, NoFiles, Output};

pub(crate) fn sim() -> Sim {
    Sim::new(ClusterConfig::default())
}

/// A cluster where only the namespace controller runs: no scheduler, kubelets or workload
/// controllers, so the status a test writes by hand stays as written.
pub(crate) fn static_sim() -> Sim {
    Sim::new(ClusterConfig { controllers: vec![crate::controllers::Controller::Namespace], ..ClusterConfig::default() })
}

/// Decodes one YAML object (panics on a broken fixture: tests only).
pub(crate) fn obj(yaml: &str) -> Object {
    let v: serde_json::Value = serde_norway::from_str(yaml).expect("test YAML parses");
    let kind = Kind::lookup(v["apiVersion"].as_str().unwrap_or(""), v["kind"].as_str().unwrap_or(""))
        .expect("test kind is served");
    Object::from_value(kind, v).expect("test object decodes")
}

/// Creates an object through the API server, as a component outside kubectl would.
pub(crate) fn create(sim: &mut Sim, yaml: &str) -> Arc<Object> {
    sim.api().create(obj(yaml), &Component::new("test"), Cause::Bootstrap).expect("test object is accepted")
}

/// Replaces an object's stored state (status included), as its controller would.
pub(crate) fn update(sim: &mut Sim, obj: Object) -> Arc<Object> {
    sim.api().update(obj, &Component::new("test"), Cause::Bootstrap).expect("test update is accepted")
}

pub(crate) fn kubectl(sim: &mut Sim, line: &str) -> Output {
    run_line(sim, line, &NoFiles)
}

/// A console line's stdout then stderr, as the console shows them.
pub(crate) fn sh(sim: &mut Sim, line: &str) -> String {
    let o = crate::console::run_line(sim, line, &NoFiles);
    format!("{}{}", o.stdout, o.stderr)
}

/// `[stdout, stderr]` and the exit status, for compact assertions.
pub(crate) fn outcome(out: &Output) -> (&str, &str, i32) {
    (out.stdout.as_str(), out.stderr.as_str(), out.status)
}
