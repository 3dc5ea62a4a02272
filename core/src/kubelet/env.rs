//! A container's environment, built once when the kubelet creates the container
//! (`makeEnvironmentVariables`) and never updated while it runs.
//!
//! Order of resolution, as the real kubelet: `envFrom` sources in order (a ConfigMap's `data`
//! or a Secret's decoded `data`, each key with the optional prefix; a missing optional source
//! is skipped), then `env` in declaration order: a `value` with `$(VAR)` references expanded
//! against the variables resolved so far and then the service variables, or a `valueFrom`
//! (`configMapKeyRef`, `secretKeyRef`, `fieldRef`, `resourceFieldRef`). Service variables
//! follow for every Service with a cluster IP in the pod's namespace (when
//! `enableServiceLinks`) plus `kubernetes` from `default` (always), as they exist at that
//! moment; a variable the container defines hides the service one.
//!
//! A missing ConfigMap, Secret or key that is not optional fails the container's creation:
//! `CreateContainerConfigError` with the kubelet's message (`configmap "x" not found`,
//! `couldn't find key k in ConfigMap ns/x`), retried when the pod worker's error back-off
//! (10 s; its jitter is omitted) ends. Since Kubernetes 1.30 the kubelet passes every
//! `envFrom` key through unchecked (RelaxedEnvironmentVariableValidation, GA in 1.34), so
//! no key is skipped and no `InvalidEnvironmentVariableNames` event is written.
//! Simplification: the Go map the kubelet keeps its variables in has a random order; here
//! `envFrom` keys come in key order per source, then `env`, then the services.
//!
//! Cost: service variables are built once per namespace while its Services do not change and
//! shared (`Arc`) by every container started meanwhile.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Container, Node, Pod};

use crate::api::{Kind, Object};
use crate::store::{ObjectRef, Store};
use crate::time::SimDuration;

use super::downward::{self, Addrs};
use super::envvars::{self, expand, replace_or_append, Var};

/// The pod worker's back-off after a failed sync (`backOffPeriod`).
pub const CONFIG_RETRY: SimDuration = SimDuration::from_secs(10);

/// What a container was created with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// The container's own variables (`envFrom`, then `env`), in the order resolved.
    pub vars: Vec<Var>,
    /// The service variables when it was created (shared between containers).
    pub services: Arc<Vec<Var>>,
    /// The volumes' contents when it was created: what `subPath` mounts keep showing.
    pub volumes: Option<Arc<super::volumes::Snapshot>>,
}

impl Config {
    /// The list the kubelet hands to the runtime: the container's variables, then the service
    /// variables it does not define itself.
    pub fn kubelet_vars(&self) -> Vec<Var> {
        let mut out = self.vars.clone();
        let own: std::collections::BTreeSet<&str> = self.vars.iter().map(|(k, _)| k.as_str()).collect();
        out.extend(self.services.iter().filter(|(k, _)| !own.contains(k.as_str())).cloned());
        out
    }
}

/// Service variables per (namespace, enableServiceLinks), with the (name, resourceVersion) of
/// the Services they were built from.
#[derive(Debug, Clone, Default)]
pub struct ServiceEnvCache {
    by_ns: BTreeMap<(String, bool), ServiceEnv>,
}

/// The (name, resourceVersion) of the Services seen, and the variables built from them.
type ServiceEnv = (Vec<(String, String)>, Arc<Vec<Var>>);

/// The service variables a container in `ns` gets now.
pub fn service_env(store: &Store, cache: &mut ServiceEnvCache, ns: &str, links: bool) -> Arc<Vec<Var>> {
    let mut services: BTreeMap<&str, &Arc<Object>> = BTreeMap::new();
    if let Some(o) = store.get(&ObjectRef::new(Kind::Service, Some("default"), "kubernetes")) {
        services.insert("kubernetes", o);
    }
    if links {
        for o in store.list(Kind::Service, Some(ns)) {
            services.insert(o.name(), o);
        }
    }
    let rv = |o: &Arc<Object>| o.metadata().resource_version.clone().unwrap_or_default();
    let key = (ns.to_string(), links);
    if let Some((seen, env)) = cache.by_ns.get(&key) {
        if seen.len() == services.len() && seen.iter().zip(services.iter()).all(|((n, v), (m, o))| n == m && *v == rv(o)) {
            return env.clone();
        }
    }
    let mut vars = Vec::new();
    for o in services.values() {
        if let Object::Service(s) = o.as_ref() {
            envvars::service_vars(s, &mut vars);
        }
    }
    let env = Arc::new(vars);
    let seen = services.iter().map(|(n, o)| (n.to_string(), rv(o))).collect();
    cache.by_ns.insert(key, (seen, env.clone()));
    env
}

/// The data of a ConfigMap (`data` and decoded `binaryData`) or a Secret (decoded `data` with
/// `stringData` merged over it, as the API server stores it), by key.
pub fn data_of(o: &Object) -> Option<BTreeMap<String, Vec<u8>>> {
    match o {
        Object::ConfigMap(c) => {
            let mut m: BTreeMap<String, Vec<u8>> = c.data.iter().flatten().map(|(k, v)| (k.clone(), v.clone().into_bytes())).collect();
            m.extend(c.binary_data.iter().flatten().map(|(k, v)| (k.clone(), v.0.clone())));
            Some(m)
        }
        Object::Secret(s) => {
            let mut m: BTreeMap<String, Vec<u8>> = s.data.iter().flatten().map(|(k, v)| (k.clone(), v.0.clone())).collect();
            m.extend(s.string_data.iter().flatten().map(|(k, v)| (k.clone(), v.clone().into_bytes())));
            Some(m)
        }
        _ => None,
    }
}

fn config_map_data(store: &Store, ns: &str, name: &str) -> Option<BTreeMap<String, Vec<u8>>> {
    data_of(store.get(&ObjectRef::new(Kind::ConfigMap, Some(ns), name))?)
}

fn secret_data(store: &Store, ns: &str, name: &str) -> Option<BTreeMap<String, Vec<u8>>> {
    data_of(store.get(&ObjectRef::new(Kind::Secret, Some(ns), name))?)
}

/// The node a pod runs on (for allocatable as the default of unset limits).
pub fn node_of<'s>(store: &'s Store, pod: &Pod) -> Option<&'s Node> {
    let name = pod.spec.as_ref()?.node_name.as_deref()?;
    match store.get(&ObjectRef::new(Kind::Node, None, name)).map(|o| o.as_ref()) {
        Some(Object::Node(n)) => Some(n),
        _ => None,
    }
}

/// Builds the container's variables, or the error that keeps it from being created.
pub fn resolve(store: &Store, services: Arc<Vec<Var>>, pod: &Pod, container: &Container, addrs: Addrs) -> Result<Config, String> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut vars: Vec<Var> = Vec::new();
    for from in container.env_from.iter().flatten() {
        let prefix = from.prefix.as_deref().unwrap_or("");
        let (data, optional) = if let Some(r) = &from.config_map_ref {
            (config_map_data(store, ns, &r.name).ok_or_else(|| format!("configmap \"{}\" not found", r.name)), r.optional)
        } else if let Some(r) = &from.secret_ref {
            (secret_data(store, ns, &r.name).ok_or_else(|| format!("secret \"{}\" not found", r.name)), r.optional)
        } else {
            continue;
        };
        let data = match data {
            Ok(d) => d,
            Err(_) if optional == Some(true) => continue,
            Err(e) => return Err(e),
        };
        for (k, v) in data {
            replace_or_append(&mut vars, &format!("{prefix}{k}"), &String::from_utf8_lossy(&v));
        }
    }
    let node = node_of(store, pod);
    for e in container.env.iter().flatten() {
        let value = match (&e.value, &e.value_from) {
            (Some(v), _) if !v.is_empty() => {
                let lookup = |name: &str| {
                    let own = vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                    own.or_else(|| services.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
                };
                expand(v, &lookup)
            }
            (_, Some(src)) => {
                if let Some(f) = &src.field_ref {
                    downward::field_value(f, &downward::PodFields::of(pod), addrs)?
                } else if let Some(r) = &src.resource_field_ref {
                    let target = match r.container_name.as_deref().filter(|n| !n.is_empty()) {
                        Some(n) => find_container(pod, n).unwrap_or(container),
                        None => container,
                    };
                    downward::resource_value(r, target.resources.as_ref(), node)?
                } else if let Some(r) = &src.config_map_key_ref {
                    let optional = r.optional == Some(true);
                    match config_map_data(store, ns, &r.name) {
                        None if optional => continue,
                        None => return Err(format!("configmap \"{}\" not found", r.name)),
                        Some(d) => match d.get(&r.key) {
                            Some(v) => String::from_utf8_lossy(v).into_owned(),
                            None if optional => continue,
                            None => return Err(format!("couldn't find key {} in ConfigMap {ns}/{}", r.key, r.name)),
                        },
                    }
                } else if let Some(r) = &src.secret_key_ref {
                    let optional = r.optional == Some(true);
                    match secret_data(store, ns, &r.name) {
                        None if optional => continue,
                        None => return Err(format!("secret \"{}\" not found", r.name)),
                        Some(d) => match d.get(&r.key) {
                            Some(v) => String::from_utf8_lossy(v).into_owned(),
                            None if optional => continue,
                            None => return Err(format!("couldn't find key {} in Secret {ns}/{}", r.key, r.name)),
                        },
                    }
                } else {
                    String::new()
                }
            }
            _ => String::new(),
        };
        replace_or_append(&mut vars, &e.name, &value);
    }
    Ok(Config { vars, services, volumes: None })
}

/// A container of the pod by name (init, then app containers).
pub fn find_container<'p>(pod: &'p Pod, name: &str) -> Option<&'p Container> {
    let spec = pod.spec.as_ref()?;
    spec.init_containers.iter().flatten().chain(spec.containers.iter()).find(|c| c.name == name)
}

/// The container with `$(VAR)` references in `command` and `args` expanded against its
/// variables (`kubecontainer.ExpandContainerCommandAndArgs`), if it has any.
pub fn expand_command(container: &Container, vars: &[Var]) -> Option<Container> {
    let mentions = |v: &Option<Vec<String>>| v.iter().flatten().any(|a| a.contains('$'));
    if !mentions(&container.command) && !mentions(&container.args) {
        return None;
    }
    let map = envvars::as_map(vars);
    let lookup = |n: &str| map.get(n).map(|v| v.to_string());
    let mut c = container.clone();
    for list in [&mut c.command, &mut c.args].into_iter().flatten() {
        for a in list.iter_mut() {
            *a = expand(a, &lookup);
        }
    }
    Some(c)
}
