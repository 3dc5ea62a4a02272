//! kube-proxy's health check servers as sockets on the nodes: every node listens on the
//! `healthCheckNodePort` of each LoadBalancer Service with `externalTrafficPolicy: Local`, and
//! answers with the Service's ready endpoints on that node (`net::kube_proxy::health`).

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::Sim;
use crate::api::{Kind, Object};
use crate::controllers::endpointslice::SERVICE_NAME_LABEL;
use crate::net::http::Reply;
use crate::net::kube_proxy::{health, service_ports};
use crate::net::netns::Owner;
use crate::net::wire::ipv4::protocol;
use crate::store::Store;

/// The Service whose `healthCheckNodePort` is `port`.
fn service_on(store: &Store, port: u16) -> Option<&Service> {
    store.list(Kind::Service, None).find_map(|o| match &**o {
        Object::Service(s) if s.spec.as_ref().and_then(|sp| sp.health_check_node_port) == Some(i32::from(port)) => Some(&**s),
        _ => None,
    })
}

/// Whether kube-proxy on a node listens on `port` (a health check node port).
pub(super) fn listens(store: &Store, owner: &Owner, proto: u8, port: u16) -> bool {
    matches!(owner, Owner::Node(_)) && proto == protocol::TCP && service_on(store, port).is_some()
}

impl Sim {
    /// kube-proxy's answer on `node`'s health check port `port`, if it is one.
    pub(super) fn proxy_health_reply(&self, node: &str, port: u16) -> Option<Reply> {
        let svc = service_on(&self.store, port)?;
        let namespace = svc.metadata.namespace.clone().unwrap_or_default();
        let name = svc.metadata.name.clone().unwrap_or_default();
        let slices: Vec<&EndpointSlice> = self
            .store
            .list(Kind::EndpointSlice, Some(&namespace))
            .filter_map(|o| match &**o {
                Object::EndpointSlice(s) if s.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)) == Some(&name) => Some(&**s),
                _ => None,
            })
            .collect();
        let ports = service_ports(svc, &slices);
        let local = health::local_endpoints(&ports, node);
        Some(Reply::Response(health::response(&namespace, &name, local, self.now)))
    }
}
