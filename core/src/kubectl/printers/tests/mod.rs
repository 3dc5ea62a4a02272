//! Golden tests of `kubectl get` output: `pods` (the table and the STATUS logic), `tables`
//! (every other kind, options, empty listings, `get all`), `output` (`-o name|json|yaml`).

mod output;
mod pods;
mod tables;

use crate::api::{Kind, Object};
use crate::time::SimTime;

/// An object from a YAML manifest (the kind is looked up from `apiVersion` + `kind`).
pub(crate) fn obj(yaml: &str) -> Object {
    let v: serde_json::Value = serde_norway::from_str(yaml).expect("test YAML parses");
    let kind = Kind::lookup(v["apiVersion"].as_str().unwrap_or(""), v["kind"].as_str().unwrap_or(""))
        .expect("test kind is served");
    Object::from_value(kind, v).expect("test object decodes")
}

pub(crate) fn at(secs: u64) -> SimTime {
    SimTime(secs * 1_000_000)
}

/// The expected table text: the lines joined, each ending with a newline.
pub(crate) fn lines(ls: &[&str]) -> String {
    ls.iter().map(|l| format!("{l}\n")).collect()
}
