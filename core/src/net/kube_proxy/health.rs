//! kube-proxy's per-Service health check server (pkg/proxy/healthcheck/service_health.go): for
//! a Service of type LoadBalancer with `externalTrafficPolicy: Local`, kube-proxy listens on the
//! Service's `healthCheckNodePort` on every node and answers any path with the number of the
//! Service's ready endpoints on this node — 200 when there are some, 503 when there are none —
//! which is how a cloud load balancer learns which nodes to send the Service's traffic to.

use super::model::ServicePort;
use crate::net::http::response::{imf_fixdate, reason, Response};
use crate::time::SimTime;

/// The Service's ready endpoints on `node`, over all its ports (`localEndpoints`).
pub fn local_endpoints(ports: &[ServicePort], node: &str) -> usize {
    ports.iter().flat_map(|p| &p.endpoints).filter(|e| e.ready && e.is_local(node)).count()
}

/// The answer: JSON as `hcHandler.ServeHTTP` writes it (dedented and trimmed of newlines), Go's
/// handler headers in sorted order, then `Date` and `Content-Length` as net/http adds them.
pub fn response(namespace: &str, name: &str, local: usize, now: SimTime) -> Response {
    let status = if local > 0 { 200 } else { 503 };
    let body = format!(
        "{{\n\t\"service\": {{\n\t\t\"namespace\": {namespace:?},\n\t\t\"name\": {name:?}\n\t}},\n\t\"localEndpoints\": {local},\n\t\"serviceProxyHealthy\": true\n}}"
    );
    let headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("X-Content-Type-Options".to_string(), "nosniff".to_string()),
        ("X-Load-Balancing-Endpoint-Weight".to_string(), local.to_string()),
        ("Date".to_string(), imf_fixdate(now)),
        ("Content-Length".to_string(), body.len().to_string()),
    ];
    Response { status, reason: reason(status).to_string(), headers, body }
}
