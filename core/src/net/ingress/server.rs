//! The nginx servers and locations ingress-nginx builds from the Ingresses it watches
//! (`createServers`, `getBackendServers` and `updateServerLocations`).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::networking::v1::{Ingress, IngressBackend};

use super::{Backend, PathType, PortRef, CATCH_ALL};

/// What a location proxies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationTarget {
    /// The controller's own default backend (it answers 404).
    ControllerDefault,
    Service(Backend),
    /// A location of the catch-all server that nginx answers itself with this status:
    /// `/healthz` (200, for cloud load balancers' health checks) and `/nginx_status` (403: only
    /// 127.0.0.1 and ::1 may read it).
    Status(u16),
}

/// One nginx `location` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The location's URI: `/foo/` for a prefix location, `/foo` for `location = /foo`.
    pub path: String,
    /// An exact (`=`) location.
    pub exact: bool,
    /// The server's root location that no Ingress path has claimed (ingress-nginx's
    /// `IsDefBackend`): the controller's default backend or an Ingress's `spec.defaultBackend`.
    pub default_root: bool,
    pub target: LocationTarget,
}

impl Location {
    /// The location as nginx.conf writes it: `= /foo` or `/foo/`.
    pub fn nginx(&self) -> String {
        if self.exact {
            format!("= {}", self.path)
        } else {
            self.path.clone()
        }
    }
}

/// One nginx `server` block: a host (`_` for the catch-all) and its locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub locations: Vec<Location>,
}

/// A location before the Prefix paths are turned into their nginx pair.
struct Draft {
    path: String,
    exact: bool,
    default_root: bool,
    target: LocationTarget,
}

impl Draft {
    fn root(target: LocationTarget) -> Draft {
        Draft { path: "/".to_string(), exact: false, default_root: true, target }
    }
}

/// The servers nginx is configured with for `ingresses` (the watched ones), sorted by name as
/// ingress-nginx sorts them; each server's locations longest first.
pub fn servers(ingresses: &[&Ingress]) -> Vec<Server> {
    let ordered = oldest_first(ingresses);
    let mut drafts: BTreeMap<String, Vec<Draft>> = BTreeMap::new();
    drafts.insert(CATCH_ALL.to_string(), vec![Draft::root(LocationTarget::ControllerDefault)]);

    // createServers: one server per host, its root on the Ingress's defaultBackend or the
    // controller's; an Ingress with a defaultBackend and no rules takes the catch-all's root.
    for ing in &ordered {
        let rules = ing.spec.as_ref().and_then(|s| s.rules.as_deref()).unwrap_or_default();
        let own_default =
            ing.spec.as_ref().and_then(|s| s.default_backend.as_ref()).and_then(|b| backend(ing, b, None));
        if let Some(b) = &own_default {
            let root = &mut drafts.get_mut(CATCH_ALL).expect("the catch-all server exists")[0];
            if root.default_root && rules.is_empty() {
                root.target = LocationTarget::Service(b.clone());
                root.default_root = false;
            }
        }
        let target = own_default.map_or(LocationTarget::ControllerDefault, LocationTarget::Service);
        for rule in rules {
            let host = rule.host.as_deref().filter(|h| !h.is_empty()).unwrap_or(CATCH_ALL);
            drafts.entry(host.to_string()).or_insert_with(|| vec![Draft::root(target.clone())]);
        }
    }

    // getBackendServers: the rules' paths merged into their host's server, first come first kept.
    for ing in &ordered {
        let rules = ing.spec.as_ref().and_then(|s| s.rules.as_deref()).unwrap_or_default();
        for (r, rule) in rules.iter().enumerate() {
            let host = rule.host.as_deref().filter(|h| !h.is_empty()).unwrap_or(CATCH_ALL);
            let (Some(server), Some(http)) = (drafts.get_mut(host), rule.http.as_ref()) else { continue };
            for p in &http.paths {
                let path = p.path.as_deref().filter(|p| !p.is_empty()).unwrap_or("/").to_string();
                let Some(b) = backend(ing, &p.backend, Some((r, path.clone(), PathType::parse(&p.path_type)))) else {
                    continue;
                };
                let exact = p.path_type == "Exact";
                merge(server, path, exact, b);
            }
        }
    }

    drafts
        .into_iter()
        .map(|(name, drafts)| {
            let mut locations = nginx_locations(drafts);
            locations.sort_by(|a, b| b.path.cmp(&a.path));
            locations.sort_by_key(|l| Reverse(l.path.len()));
            if name == CATCH_ALL {
                for (path, status) in [("/healthz", 200), ("/nginx_status", 403)] {
                    let target = LocationTarget::Status(status);
                    locations.push(Location { path: path.to_string(), exact: false, default_root: false, target });
                }
            }
            Server { name, locations }
        })
        .collect()
}

/// Locations nginx refuses to load (`nginx -t`: `duplicate location "/foo/"`), by server.
pub fn duplicate_locations(servers: &[Server]) -> Vec<String> {
    let mut out = Vec::new();
    for s in servers {
        let mut seen = BTreeSet::new();
        let mut reported = BTreeSet::new();
        for l in &s.locations {
            if !seen.insert((l.exact, l.path.as_str())) && reported.insert((l.exact, l.path.as_str())) {
                out.push(format!("duplicate location {:?} in server {}", l.nginx(), s.name));
            }
        }
    }
    out
}

/// The order ingress-nginx processes Ingresses in: oldest `creationTimestamp` first; on a tie
/// the greater `namespace/name` first.
fn oldest_first<'a>(ingresses: &[&'a Ingress]) -> Vec<&'a Ingress> {
    let mut out = ingresses.to_vec();
    out.sort_by(|a, b| {
        let created = |i: &Ingress| i.metadata.creation_timestamp.as_ref().map(|t| t.0);
        created(a).cmp(&created(b)).then_with(|| key(b).cmp(&key(a)))
    });
    out
}

fn namespace(ing: &Ingress) -> &str {
    ing.metadata.namespace.as_deref().unwrap_or("default")
}

fn key(ing: &Ingress) -> String {
    format!("{}/{}", namespace(ing), ing.metadata.name.as_deref().unwrap_or_default())
}

/// The Service backend of an Ingress entry (`None` for a `resource` backend, which ingress-nginx
/// skips). `entry` is the rule index, path and pathType; `None` for `spec.defaultBackend`.
fn backend(ing: &Ingress, b: &IngressBackend, entry: Option<(usize, String, Option<PathType>)>) -> Option<Backend> {
    let svc = b.service.as_ref()?;
    let port = svc.port.as_ref().map_or(PortRef::Number(0), |p| match p.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => PortRef::Name(name.to_string()),
        None => PortRef::Number(p.number.unwrap_or(0)),
    });
    let (rule, path, path_type) = match entry {
        Some((r, p, t)) => (Some(r), Some(p), t),
        None => (None, None, None),
    };
    Some(Backend {
        ingress: key(ing),
        rule,
        path,
        path_type,
        service: svc.name.clone(),
        namespace: namespace(ing).to_string(),
        port,
    })
}

/// Adds one Ingress path to a server: a path already there with the same type keeps its first
/// backend, unless it is the unclaimed root.
fn merge(server: &mut Vec<Draft>, path: String, exact: bool, b: Backend) {
    for loc in server.iter_mut() {
        if loc.path != path {
            continue;
        }
        if loc.exact != exact {
            break;
        }
        if loc.default_root {
            loc.target = LocationTarget::Service(b);
            loc.default_root = false;
        }
        return;
    }
    server.push(Draft { path, exact, default_root: false, target: LocationTarget::Service(b) });
}

/// `updateServerLocations`: a Prefix path `/p` becomes the prefix location `/p/` and, unless an
/// Exact `/p` exists, the exact location `= /p`; `/` and Exact paths stay as they are.
fn nginx_locations(drafts: Vec<Draft>) -> Vec<Location> {
    let exact_paths: Vec<String> = drafts.iter().filter(|d| d.exact).map(|d| d.path.clone()).collect();
    let mut out = Vec::new();
    for d in drafts {
        if d.path == "/" || d.exact {
            out.push(Location { path: d.path, exact: d.exact, default_root: d.default_root, target: d.target });
            continue;
        }
        let prefix = if d.path.ends_with('/') { d.path.clone() } else { format!("{}/", d.path) };
        let add_exact = !exact_paths.contains(&d.path);
        out.push(Location { path: prefix, exact: false, default_root: d.default_root, target: d.target.clone() });
        if add_exact {
            out.push(Location { path: d.path, exact: true, default_root: d.default_root, target: d.target });
        }
    }
    out
}
