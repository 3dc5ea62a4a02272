//! Golden tests of `kubectl describe` layouts: `workloads` (pod, deployment, service, quota),
//! `sets` (stateful set, daemon set), `jobs` (job, cron job), `hpa`
//! and `cluster` (limit range, node, namespace, config map, fallback, events).

mod cluster;
mod hpa;
mod jobs;
mod sets;
mod workloads;

use super::EventRow;
use crate::api::{Kind, Object};

pub(crate) fn obj(yaml: &str) -> Object {
    let v: serde_json::Value = serde_norway::from_str(yaml).expect("test YAML parses");
    let kind = Kind::lookup(v["apiVersion"].as_str().unwrap_or(""), v["kind"].as_str().unwrap_or(""))
        .expect("test kind is served");
    Object::from_value(kind, v).expect("test object decodes")
}

/// `line`'s output after `yaml` is applied to a default cluster and `secs` have passed.
pub(crate) fn describe_after(yaml: &str, secs: u64, line: &str) -> String {
    let mut sim = crate::sim::Sim::new(crate::sim::ClusterConfig::default());
    assert!(sim.apply("x.yaml", yaml).ok());
    sim.advance(crate::time::SimDuration::from_secs(secs));
    let out = crate::console::run_line(&mut sim, line, &crate::kubectl::NoFiles);
    assert_eq!(out.status, 0, "{line}: {}", out.stderr);
    out.stdout
}

pub(crate) fn lines(ls: &[&str]) -> String {
    ls.iter().map(|l| format!("{l}\n")).collect()
}

pub(crate) fn ev(type_: &str, reason: &str, age: &str, from: &str, message: &str) -> EventRow {
    EventRow { type_: type_.into(), reason: reason.into(), age: age.into(), from: from.into(), message: message.into() }
}
