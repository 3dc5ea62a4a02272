//! Generated inputs for benchmarks: many ClusterIP services with ready endpoints.

use std::net::Ipv4Addr;

use super::iptables::NodeContext;
use super::model::{Endpoint, ServicePort};

/// `services` TCP ClusterIP services `bench-<i>/svc` (port `http` 80 → 8080) in the
/// 10.96.0.0/12 range, each with `endpoints_per_service` ready endpoints in 10.244.0.0/16
/// spread over three nodes, plus the node `node-1` (10.0.0.11, cluster CIDR 10.244.0.0/16)
/// that would sync them. Ports come sorted as [`super::model::service_ports`] leaves them.
pub fn cluster(services: usize, endpoints_per_service: usize) -> (Vec<ServicePort>, NodeContext) {
    let nodes = ["node-1", "node-2", "node-3"];
    let mut next_pod: u32 = 0;
    let mut ports = Vec::with_capacity(services);
    for i in 0..services {
        let cluster_ip = Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 96, 0, 10)) + i as u32);
        let mut sp = ServicePort::cluster_ip(&format!("bench-{i}"), "svc", "http", cluster_ip, 80);
        sp.endpoints = (0..endpoints_per_service)
            .map(|_| {
                next_pod += 1;
                let ip = Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 244, 0, 0)) + next_pod);
                Endpoint::ready(ip, 8080, Some(nodes[next_pod as usize % nodes.len()]))
            })
            .collect();
        sp.endpoints.sort_by(super::model::cmp_addr);
        ports.push(sp);
    }
    super::model::sort_ports(&mut ports);
    let node = NodeContext::new("node-1", vec![Ipv4Addr::new(10, 0, 0, 11)], "10.244.0.0/16".parse().expect("cidr"));
    (ports, node)
}
