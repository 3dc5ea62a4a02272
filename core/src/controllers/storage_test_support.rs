//! Helpers for the storage and ServiceAccount scenario tests: a cluster with every controller,
//! manifests applied through `kubectl apply -f`, objects and events read back.

use std::collections::BTreeMap;

use crate::api::{Kind, Object};
use crate::kubectl::{run_line, Files, Output};
use crate::sim::{ClusterConfig, Settled, Sim};
use crate::store::ObjectRef;

/// A pod `app` that mounts the claim `data` at /data.
pub const POD: &str = "
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
  - name: app
    image: nginx:1.25
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data}
";

/// In-memory files for `-f`.
pub struct Manifests(pub BTreeMap<String, String>);

impl Files for Manifests {
    fn read(&self, path: &str) -> Result<String, String> {
        self.0.get(path).cloned().ok_or_else(|| format!("the path \"{path}\" does not exist"))
    }
}

pub fn cluster(nodes: usize) -> Sim {
    Sim::new(ClusterConfig { nodes, ..ClusterConfig::default() })
}

/// `kubectl apply -f x.yaml` of `yaml`, then the cluster settles.
pub fn apply(sim: &mut Sim, yaml: &str) -> Output {
    let files = Manifests(BTreeMap::from([("x.yaml".to_string(), yaml.to_string())]));
    let out = run_line(sim, "kubectl apply -f x.yaml", &files);
    settle(sim);
    out
}

/// `kubectl create -f x.yaml` of `yaml`, without settling.
pub fn create(sim: &mut Sim, yaml: &str) -> Output {
    let files = Manifests(BTreeMap::from([("x.yaml".to_string(), yaml.to_string())]));
    run_line(sim, "kubectl create -f x.yaml", &files)
}

pub fn kubectl(sim: &mut Sim, line: &str) -> Output {
    let out = run_line(sim, line, &Manifests(BTreeMap::new()));
    settle(sim);
    out
}

pub fn settle(sim: &mut Sim) {
    let settled = sim.settle(100_000);
    assert!(matches!(settled, Settled::Quiescent { .. }), "{settled:?}");
}

pub fn get(sim: &Sim, kind: Kind, ns: Option<&str>, name: &str) -> Option<Object> {
    sim.get(&ObjectRef::new(kind, ns, name)).cloned()
}

/// `(reason, message)` of the events about the named object, oldest first.
pub fn events_about(sim: &Sim, ns: &str, name: &str) -> Vec<(String, String)> {
    sim.store()
        .list(Kind::Event, Some(ns))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) if e.involved_object.name.as_deref() == Some(name) => {
                Some((e.reason.clone().unwrap_or_default(), e.message.clone().unwrap_or_default()))
            }
            _ => None,
        })
        .collect()
}

pub fn phase(obj: &Object) -> String {
    let v = obj.to_value();
    v["status"]["phase"].as_str().unwrap_or("").to_string()
}
