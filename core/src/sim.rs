//! `Sim`: the simulated cluster. Owns the clock, the one seeded RNG and the store; every user
//! action enters through here.

use serde_json::{json, Value};

use crate::api::{parse_manifests, Diagnostic, Kind};
use crate::rng::{SimRng, DEFAULT_SEED};
use crate::store::{Component, ObjectRef, Store};
use crate::time::SimTime;

/// How the cluster is built. Plain data; `Default` is a small three-node cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    pub seed: u64,
    pub nodes: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig { seed: DEFAULT_SEED, nodes: 3 }
    }
}

/// What happened to one document of an apply.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplyOutcome {
    /// `deployment.apps/web created` (or `configured`, `unchanged`).
    Applied { object: ObjectRef, line: usize, message: String },
    /// The document was refused; nothing was written for it.
    Refused { line: Option<usize>, diagnostic: Diagnostic },
}

impl ApplyOutcome {
    /// The line kubectl would print for this document.
    pub fn to_kubectl_line(&self) -> String {
        match self {
            ApplyOutcome::Applied { message, .. } => message.clone(),
            ApplyOutcome::Refused { diagnostic, .. } => format!("error: {}", diagnostic.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApplyReport {
    pub outcomes: Vec<ApplyOutcome>,
}

impl ApplyReport {
    pub fn ok(&self) -> bool {
        self.outcomes.iter().all(|o| matches!(o, ApplyOutcome::Applied { .. }))
    }
}

pub struct Sim {
    now: SimTime,
    rng: SimRng,
    store: Store,
    config: ClusterConfig,
}

impl Sim {
    pub fn new(config: ClusterConfig) -> Sim {
        let mut sim = Sim { now: SimTime::ZERO, rng: SimRng::seeded(config.seed), store: Store::new(), config };
        sim.bootstrap();
        sim
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// The objects a fresh cluster starts with: the four system namespaces and the nodes
/// (`node-1` … `node-N`; the control plane runs off-node, as in a managed cluster).
    fn bootstrap(&mut self) {
        let system = Component::new("kube-apiserver");
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            self.create(ObjectRef::new(Kind::Namespace, None, ns), obj, system.clone());
        }
        for i in 0..self.config.nodes {
            let name = format!("node-{}", i + 1);
            let obj = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}});
            self.create(ObjectRef::new(Kind::Node, None, &name), obj, Component::new(format!("kubelet/{name}")));
        }
    }

    fn create(&mut self, key: ObjectRef, mut value: Value, by: Component) {
        let uid = self.rng.uuid();
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("uid".into(), Value::String(uid));
            meta.insert("creationTimestamp".into(), Value::String(self.timestamp()));
        }
        self.store.put(key, value, self.now, by);
    }

    /// RFC 3339 text for the simulated now. The simulated epoch is 2024-01-01T00:00:00Z.
    fn timestamp(&self) -> String {
        crate::time::rfc3339(self.now)
    }

    /// `kubectl apply -f <source>` with `text` as the file's contents. Documents are applied in
    /// order; a refused document changes nothing and the others still report their own result.
    pub fn apply(&mut self, source: &str, text: &str) -> ApplyReport {
        let mut report = ApplyReport::default();
        for doc in parse_manifests(text) {
            let outcome = match doc {
                Err(diagnostic) => ApplyOutcome::Refused {
                    line: diagnostic.line,
                    diagnostic: Diagnostic {
                        message: format!("error parsing {source}: {}", diagnostic.message),
                        ..diagnostic
                    },
                },
                Ok(doc) => match self.apply_one(source, doc.value) {
                    Ok((object, message)) => ApplyOutcome::Applied { object, line: doc.line, message },
                    Err(d) => ApplyOutcome::Refused { line: Some(doc.line), diagnostic: d },
                },
            };
            report.outcomes.push(outcome);
        }
        report
    }

    fn apply_one(&mut self, source: &str, mut value: Value) -> Result<(ObjectRef, String), Diagnostic> {
        let obj = value
            .as_object()
            .ok_or_else(|| Diagnostic::new(format!("error validating \"{source}\": the document is not an object (a YAML mapping)")))?;
        let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind_name = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind_name.is_empty() || api_version.is_empty() {
            let missing = if api_version.is_empty() { "apiVersion" } else { "kind" };
            return Err(Diagnostic::new(format!(
                "error validating \"{source}\": error validating data: {missing} not set"
            )));
        }
        let name = obj
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let Some(kind) = Kind::lookup(api_version, kind_name) else {
            let ns = obj.get("metadata").and_then(|m| m.get("namespace")).and_then(Value::as_str).unwrap_or("");
            return Err(Diagnostic::new(format!(
                "resource mapping not found for name: \"{name}\" namespace: \"{ns}\" from \"{source}\": no matches for kind \"{kind_name}\" in version \"{api_version}\"\nensure CRDs are installed first"
            )));
        };
        if name.is_empty() {
            return Err(Diagnostic::new(format!(
                "error when retrieving current configuration of:\nResource: \"{}\", Name: \"\"\nfrom server for: \"{source}\": resource name may not be empty",
                kind.info().plural
            )));
        }
        let namespace = if kind.info().namespaced {
            let ns = obj
                .get("metadata")
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_string();
            if self.store.get(&ObjectRef::new(Kind::Namespace, None, &ns)).is_none() {
                return Err(Diagnostic::new(format!(
                    "Error from server (NotFound): error when creating \"{source}\": namespaces \"{ns}\" not found"
                )));
            }
            Some(ns)
        } else {
            None
        };
        if let Some(ns) = &namespace {
            if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert("namespace".into(), Value::String(ns.clone()));
            }
        }
        let key = ObjectRef { kind, namespace, name };
        let display = format!("{}/{}", kind.qualified_singular(), key.name);
        let by = Component::new("kubectl");
        match self.store.get(&key) {
            None => {
                self.create(key.clone(), value, by);
                Ok((key, format!("{display} created")))
            }
            Some(existing) => {
                if same_desired_state(&existing.value, &value) {
                    return Ok((key, format!("{display} unchanged")));
                }
                let mut merged = value;
                carry_system_metadata(&existing.value, &mut merged);
                self.store.put(key.clone(), merged, self.now, by);
                Ok((key, format!("{display} configured")))
            }
        }
    }
}

/// Metadata the server owns survives an apply: uid, creationTimestamp.
fn carry_system_metadata(existing: &Value, new: &mut Value) {
    let Some(old_meta) = existing.get("metadata").and_then(Value::as_object) else { return };
    let Some(new_meta) = new.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    for key in ["uid", "creationTimestamp"] {
        if let Some(v) = old_meta.get(key) {
            new_meta.insert(key.into(), v.clone());
        }
    }
}

/// Compares what the user asked for, ignoring the fields the server fills in.
fn same_desired_state(existing: &Value, applied: &Value) -> bool {
    fn strip(v: &Value) -> Value {
        let mut v = v.clone();
        if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            for key in ["uid", "creationTimestamp", "resourceVersion", "generation", "managedFields"] {
                meta.remove(key);
            }
        }
        if let Some(o) = v.as_object_mut() {
            o.remove("status");
        }
        v
    }
    strip(existing) == strip(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.25\n";

    fn lines(r: &ApplyReport) -> Vec<String> {
        r.outcomes.iter().map(ApplyOutcome::to_kubectl_line).collect()
    }

    #[test]
    fn apply_reports_created_unchanged_configured() {
        let mut sim = Sim::new(ClusterConfig::default());
        assert_eq!(lines(&sim.apply("web.yaml", DEPLOY)), ["deployment.apps/web created"]);
        assert_eq!(lines(&sim.apply("web.yaml", DEPLOY)), ["deployment.apps/web unchanged"]);
        let changed = DEPLOY.replace("replicas: 3", "replicas: 5");
        assert_eq!(lines(&sim.apply("web.yaml", &changed)), ["deployment.apps/web configured"]);
        let key = ObjectRef::new(Kind::Deployment, Some("default"), "web");
        assert_eq!(sim.store().get(&key).unwrap().value["spec"]["replicas"], 5);
    }

    #[test]
    fn unknown_kind_is_refused_and_others_still_apply() {
        let mut sim = Sim::new(ClusterConfig::default());
        let text = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: old}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n";
        let before = sim.store().resource_version();
        let r = sim.apply("cron.yaml", text);
        let out = lines(&r);
        assert!(out[0].contains("no matches for kind \"CronJob\" in version \"batch/v1beta1\""), "{}", out[0]);
        assert_eq!(out[1], "configmap/cfg created");
        assert_eq!(sim.store().resource_version(), before + 1);
    }

    #[test]
    fn broken_yaml_reports_a_line_and_writes_nothing() {
        let mut sim = Sim::new(ClusterConfig::default());
        let before = sim.store().resource_version();
        let r = sim.apply("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n");
        assert!(!r.ok());
        match &r.outcomes[0] {
            ApplyOutcome::Refused { line, diagnostic } => {
                assert!(line.is_some());
                assert!(diagnostic.message.starts_with("error parsing bad.yaml: error converting YAML to JSON"), "{}", diagnostic.message);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(sim.store().resource_version(), before);
    }

    #[test]
    fn missing_namespace_is_not_found() {
        let mut sim = Sim::new(ClusterConfig::default());
        let r = sim.apply("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n");
        assert_eq!(lines(&r), ["error: Error from server (NotFound): error when creating \"cm.yaml\": namespaces \"shop\" not found"]);
    }

    #[test]
    fn same_seed_same_uids() {
        let uid = |seed| {
            let mut sim = Sim::new(ClusterConfig { seed, ..ClusterConfig::default() });
            sim.apply("web.yaml", DEPLOY);
            let key = ObjectRef::new(Kind::Deployment, Some("default"), "web");
            sim.store().get(&key).unwrap().value["metadata"]["uid"].clone()
        };
        assert_eq!(uid(1), uid(1));
        assert_ne!(uid(1), uid(2));
    }
}
