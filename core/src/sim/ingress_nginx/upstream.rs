//! A Service port's upstream as ingress-nginx builds it (`serviceEndpoints` and
//! `getEndpointsFromSlices`), and the round-robin position each controller keeps per upstream.
//!
//! The Service port is the one whose `port`, `name` or `targetPort` equals the Ingress
//! backend's port. Its endpoints are read from the Service's EndpointSlices (label
//! `kubernetes.io/service-name`): every TCP port of a slice whose name is the Service port's
//! name (any port when the Service port has no name; the Service's numeric `targetPort` when no
//! name matches), and of that slice every endpoint not marked `ready: false`, each address once.
//! The upstream is named `<namespace>-<service>-<port>` as nginx's configuration names it.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::ServicePort;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::api::{Kind, Object};
use crate::net::ingress::{Backend, PortRef};
use crate::rng::SimRng;
use crate::store::{ObjectRef, Store};

/// The label that ties an EndpointSlice to its Service.
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// The endpoints nginx balances a backend's requests over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `shop-web-8080`.
    pub name: String,
    /// Pod addresses and target ports, in address order.
    pub endpoints: Vec<(Ipv4Addr, u16)>,
    /// Why there is no endpoint, when there is none (the controller's log line).
    pub empty_because: Option<String>,
}

/// The upstream of an Ingress backend, from the store.
pub fn upstream(store: &Store, b: &Backend) -> Upstream {
    let name = format!("{}-{}-{}", b.namespace, b.service, b.port);
    let empty = |why: String| Upstream { name: name.clone(), endpoints: Vec::new(), empty_because: Some(why) };
    let key = ObjectRef::new(Kind::Service, Some(&b.namespace), &b.service);
    let Some(Object::Service(svc)) = store.get(&key).map(|o| &**o) else {
        return empty(format!("Service \"{}/{}\" does not exist", b.namespace, b.service));
    };
    let spec = svc.spec.clone().unwrap_or_default();
    if spec.type_.as_deref() == Some("ExternalName") {
        return empty(format!("Service \"{}/{}\" is of type ExternalName, which is not resolved here", b.namespace, b.service));
    }
    let ports = spec.ports.unwrap_or_default();
    let Some(port) = ports.iter().find(|p| matches_backend(p, &b.port)) else {
        return empty(format!("Service \"{}/{}\" has no port {}", b.namespace, b.service, b.port));
    };
    let mut slices: Vec<_> = store
        .list(Kind::EndpointSlice, Some(&b.namespace))
        .filter_map(|o| match &**o {
            Object::EndpointSlice(s) if s.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)) == Some(&b.service) => Some(s),
            _ => None,
        })
        .collect();
    slices.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let mut endpoints: Vec<(Ipv4Addr, u16)> = Vec::new();
    for slice in slices.iter().filter(|s| s.address_type == "IPv4") {
        for ep_port in slice.ports.iter().flatten() {
            if ep_port.protocol.as_deref().unwrap_or("TCP") != "TCP" {
                continue;
            }
            let name_matches = port.name.as_deref().is_none_or(str::is_empty) || port.name == ep_port.name;
            let target = match (&port.target_port, name_matches) {
                (_, true) => ep_port.port.unwrap_or(0),
                (Some(IntOrString::Int(n)), false) => *n,
                _ => 0,
            };
            let Ok(target) = u16::try_from(target) else { continue };
            if target == 0 {
                continue;
            }
            for ep in slice.endpoints.iter().flatten() {
                if ep.conditions.as_ref().and_then(|c| c.ready) == Some(false) {
                    continue;
                }
                for addr in ep.addresses.iter().filter_map(|a| a.parse::<Ipv4Addr>().ok()) {
                    if !endpoints.contains(&(addr, target)) {
                        endpoints.push((addr, target));
                    }
                }
            }
        }
    }
    endpoints.sort();
    let empty_because = endpoints.is_empty().then(|| format!("Service \"{}/{}\" does not have any active Endpoint", b.namespace, b.service));
    Upstream { name, endpoints, empty_because }
}

/// `serviceEndpoints`: the backend's port is the Service port's number, its name, or its
/// `targetPort` as text.
fn matches_backend(p: &ServicePort, backend: &PortRef) -> bool {
    let target = match &p.target_port {
        Some(IntOrString::Int(n)) => n.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => String::new(),
    };
    let text = backend.to_string();
    match backend {
        PortRef::Number(n) => p.port == *n || target == text,
        PortRef::Name(name) => p.name.as_deref() == Some(name.as_str()) || target == text,
    }
}

/// One round-robin balancer: the endpoints it was built for and the index of the next one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RoundRobin {
    endpoints: Vec<(Ipv4Addr, u16)>,
    next: usize,
}

/// Each controller pod's round-robin balancer per upstream, by (pod, upstream name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balancers(BTreeMap<(String, String), RoundRobin>);

impl Balancers {
    /// The endpoint the controller `pod` (`namespace/name`) sends the next request of
    /// `upstream` to. A new balancer, or one whose endpoints changed, starts at a random
    /// endpoint; each pick moves on by one.
    pub fn pick(&mut self, pod: &str, upstream: &Upstream, rng: &mut SimRng) -> Option<(Ipv4Addr, u16)> {
        let n = upstream.endpoints.len();
        if n == 0 {
            return None;
        }
        let key = (pod.to_string(), upstream.name.clone());
        let rr = self.0.entry(key).or_default();
        if rr.endpoints != upstream.endpoints {
            *rr = RoundRobin { endpoints: upstream.endpoints.clone(), next: rng.below(n as u64) as usize };
        }
        let at = rr.next % n;
        rr.next = (at + 1) % n;
        Some(upstream.endpoints[at])
    }
}
