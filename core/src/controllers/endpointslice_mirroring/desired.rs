//! What an Endpoints object mirrors to: its subsets repacked into canonical form
//! (`endpoints.RepackSubsets`), then each address converted to an EndpointSlice endpoint and
//! grouped by (address type, ports), at most 1000 addresses a subset (`desiredCalc`,
//! `addressToEndpoint` in `pkg/controller/endpointslicemirroring`).
//!
//! Simplified: ports are ordered by (name, port, protocol) and subsets by their ports, where the
//! real code orders both by hashes; a set lists its endpoints by address, where the real set
//! pops them in map order.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use k8s_openapi::api::core::v1::{EndpointAddress, EndpointSubset, Endpoints};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort};

use crate::controllers::endpoints::PodSubset;

/// `--mirroring-max-endpoints-per-subset` default.
pub const MAX_ENDPOINTS_PER_SUBSET: usize = 1000;

/// A group of slices: address type, then the ports as a sorted, order-free key.
pub type SliceKey = (String, Vec<(String, i32, String, Option<String>)>);

pub(super) fn slice_key(address_type: &str, ports: &[EndpointPort]) -> SliceKey {
    let mut key: Vec<_> = ports
        .iter()
        .map(|p| (p.name.clone().unwrap_or_default(), p.port.unwrap_or_default(), p.protocol.clone().unwrap_or_else(|| "TCP".into()), p.app_protocol.clone()))
        .collect();
    key.sort();
    (address_type.to_string(), key)
}

/// An endpoint's identity in the desired set (`hashEndpoint`: addresses, hostname, targetRef
/// namespace and name), ordered by address.
pub(super) type EndpointKey = (Vec<Option<IpAddr>>, Vec<String>, String, String, String);

pub(super) fn endpoint_key(e: &Endpoint) -> EndpointKey {
    let target = e.target_ref.as_ref();
    (
        e.addresses.iter().map(|a| a.parse().ok()).collect(),
        e.addresses.clone(),
        e.hostname.clone().unwrap_or_default(),
        target.and_then(|t| t.namespace.clone()).unwrap_or_default(),
        target.and_then(|t| t.name.clone()).unwrap_or_default(),
    )
}

/// The endpoints one slice should hold, and its ports.
#[derive(Debug, Clone, Default)]
pub struct DesiredSet {
    pub ports: Vec<EndpointPort>,
    pub(super) endpoints: BTreeMap<EndpointKey, Endpoint>,
}

impl DesiredSet {
    /// The endpoints, in address order.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.endpoints.values().cloned().collect()
    }
}

/// What an Endpoints object mirrors to (`desiredCalc`): a set per (address type, ports), and
/// the addresses left out.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub sets: BTreeMap<SliceKey, DesiredSet>,
    /// Addresses that are no IP.
    pub invalid: usize,
    /// Every address not mirrored: the invalid ones and those beyond the per-subset maximum.
    pub skipped: usize,
}

/// The desired state for `endpoints` (`reconcile`'s first half). Both address types get a
/// (possibly empty) set for every subset, as `initPorts` makes them.
pub fn desired(endpoints: &Endpoints) -> Desired {
    let mut d = Desired::default();
    for subset in repack(endpoints.subsets.as_deref().unwrap_or_default()) {
        let ports: Vec<EndpointPort> = subset
            .ports
            .iter()
            .flatten()
            .map(|p| EndpointPort {
                name: Some(p.name.clone().unwrap_or_default()),
                port: Some(p.port),
                protocol: Some(p.protocol.clone().unwrap_or_else(|| "TCP".into())),
                app_protocol: p.app_protocol.clone(),
            })
            .collect();
        for family in ["IPv4", "IPv6"] {
            d.sets.entry(slice_key(family, &ports)).or_default().ports = ports.clone();
        }
        let ready = subset.addresses.iter().flatten().map(|a| (a, true));
        let not_ready = subset.not_ready_addresses.iter().flatten().map(|a| (a, false));
        let total = subset.addresses.as_ref().map_or(0, Vec::len) + subset.not_ready_addresses.as_ref().map_or(0, Vec::len);
        let mut added = 0;
        for (address, ready) in ready.chain(not_ready) {
            if added >= MAX_ENDPOINTS_PER_SUBSET {
                break;
            }
            match address_to_endpoint(address, ready) {
                Some((endpoint, family)) => {
                    let set = d.sets.entry(slice_key(family, &ports)).or_default();
                    set.endpoints.insert(endpoint_key(&endpoint), endpoint);
                    added += 1;
                }
                None => d.invalid += 1,
            }
        }
        d.skipped += total - added;
    }
    d
}

/// `addressToEndpoint`: the address re-written in canonical form (an IPv4-mapped IPv6
/// address is IPv4), with its address type; None when it is no IP.
pub fn address_to_endpoint(address: &EndpointAddress, ready: bool) -> Option<(Endpoint, &'static str)> {
    let (ip, family) = match parse_ip_sloppy(&address.ip)? {
        IpAddr::V4(v4) => (v4.to_string(), "IPv4"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (v4.to_string(), "IPv4"),
            None => (v6.to_string(), "IPv6"),
        },
    };
    let endpoint = Endpoint {
        addresses: vec![ip],
        conditions: Some(EndpointConditions { ready: Some(ready), serving: None, terminating: None }),
        hostname: address.hostname.clone().filter(|h| !h.is_empty()),
        node_name: address.node_name.clone(),
        target_ref: address.target_ref.clone(),
        ..Default::default()
    };
    Some((endpoint, family))
}

/// `netutils.ParseIPSloppy`: an IP, where IPv4 octets may carry leading zeros (read as decimal).
fn parse_ip_sloppy(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    let octets: Vec<u8> = text
        .split('.')
        .map(|part| {
            let digits = part.trim_start_matches('0');
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 3 {
                return None;
            }
            if digits.is_empty() { Some(0) } else { digits.parse().ok() }
        })
        .collect::<Option<_>>()?;
    let [a, b, c, d] = octets[..] else { return None };
    Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
}

/// `endpoints.RepackSubsets` over hand-written subsets: every (port, address) pair, ports
/// first as the real code walks them, repacked as the Endpoints controller repacks its own
/// (an unnamed port and one named `""` are the same port).
pub fn repack(subsets: &[EndpointSubset]) -> Vec<EndpointSubset> {
    let mut pairs = Vec::new();
    for subset in subsets {
        let ports: Vec<Option<k8s_openapi::api::core::v1::EndpointPort>> = match subset.ports.as_deref() {
            None | Some([]) => vec![None],
            Some(ports) => ports
                .iter()
                .map(|p| Some(k8s_openapi::api::core::v1::EndpointPort { name: p.name.clone().filter(|n| !n.is_empty()), ..p.clone() }))
                .collect(),
        };
        let ready = subset.addresses.iter().flatten().map(|a| (a, true));
        let not_ready = subset.not_ready_addresses.iter().flatten().map(|a| (a, false));
        let addresses: Vec<(&EndpointAddress, bool)> = ready.chain(not_ready).collect();
        for port in ports {
            for (address, ready) in &addresses {
                pairs.push(PodSubset { address: (*address).clone(), port: port.clone(), ready: *ready });
            }
        }
    }
    crate::controllers::endpoints::repack(pairs)
}

#[cfg(test)]
#[path = "desired_tests.rs"]
mod tests;
