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

/// An address in repacking: its IP and targetRef uid.
type AddrKey = (String, String);
/// An Endpoints port as a sortable key (name, port, protocol, appProtocol); port -1 stands for
/// "no ports", as the repacking's sentinel does.
type PortKey = (String, i32, Option<String>, Option<String>);

/// `endpoints.RepackSubsets`: every port mapped to the addresses serving it (an address not
/// ready for a port in any subset is not ready for it), then ports grouped by identical address
/// sets; addresses sorted by IP then uid.
pub fn repack(subsets: &[EndpointSubset]) -> Vec<EndpointSubset> {
    let mut all: BTreeMap<AddrKey, EndpointAddress> = BTreeMap::new();
    let mut by_port: BTreeMap<PortKey, BTreeMap<AddrKey, bool>> = BTreeMap::new();
    for subset in subsets {
        let ports: Vec<PortKey> = match subset.ports.as_deref() {
            None | Some([]) => vec![(String::new(), -1, None, None)],
            Some(ports) => ports.iter().map(|p| (p.name.clone().unwrap_or_default(), p.port, p.protocol.clone(), p.app_protocol.clone())).collect(),
        };
        let ready = subset.addresses.iter().flatten().map(|a| (a, true));
        let not_ready = subset.not_ready_addresses.iter().flatten().map(|a| (a, false));
        let addresses: Vec<(&EndpointAddress, bool)> = ready.chain(not_ready).collect();
        for port in ports {
            for (address, ready) in &addresses {
                let key = (address.ip.clone(), address.target_ref.as_ref().and_then(|r| r.uid.clone()).unwrap_or_default());
                all.entry(key.clone()).or_insert_with(|| (*address).clone());
                let was = by_port.entry(port.clone()).or_default().entry(key).or_insert(*ready);
                // Not ready always trumps ready.
                *was = *was && *ready;
            }
        }
    }
    let mut groups: BTreeMap<Vec<(AddrKey, bool)>, Vec<PortKey>> = BTreeMap::new();
    for (port, addrs) in by_port {
        let group = groups.entry(addrs.into_iter().collect()).or_default();
        if port.1 > 0 {
            group.push(port);
        }
    }
    let mut out: Vec<EndpointSubset> = groups
        .into_iter()
        .map(|(addrs, ports)| {
            let list = |want: bool| {
                let v: Vec<EndpointAddress> = addrs.iter().filter(|(_, r)| *r == want).filter_map(|(k, _)| all.get(k).cloned()).collect();
                (!v.is_empty()).then_some(v)
            };
            let ports: Vec<k8s_openapi::api::core::v1::EndpointPort> = ports
                .into_iter()
                .map(|(name, port, protocol, app_protocol)| k8s_openapi::api::core::v1::EndpointPort {
                    name: (!name.is_empty()).then_some(name),
                    port,
                    protocol,
                    app_protocol,
                })
                .collect();
            EndpointSubset { addresses: list(true), not_ready_addresses: list(false), ports: (!ports.is_empty()).then_some(ports) }
        })
        .collect();
    // The real repacking orders subsets by a hash of their contents; ports, then first
    // address, stand in for it.
    out.sort_by_cached_key(|s| {
        let ports: Vec<(Option<String>, i32)> = s.ports.iter().flatten().map(|p| (p.name.clone(), p.port)).collect();
        let first = s.addresses.iter().chain(s.not_ready_addresses.iter()).flatten().next().map(|a| a.ip.clone());
        (ports, first)
    });
    out
}

#[cfg(test)]
#[path = "desired_tests.rs"]
mod tests;
