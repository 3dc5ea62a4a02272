//! A pod's `/etc/resolv.conf`: what kubelet decides from the pod's `dnsPolicy` and `dnsConfig`
//! (pkg/kubelet/network/dns), and the text the CRI runtime writes (containerd's order).
//!
//! kubelet merges `dnsConfig.options` through a Go map, so the real order of merged options is
//! random; here they come out sorted by name, which is one of the orders a real pod can show.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use k8s_openapi::api::core::v1::Pod;

/// At most this many `nameserver` lines (validation.MaxDNSNameservers).
pub const MAX_NAMESERVERS: usize = 3;
/// At most this many search domains (validation.MaxDNSSearchPaths).
pub const MAX_SEARCH_PATHS: usize = 32;
/// At most this many characters on the search line, spaces included.
pub const MAX_SEARCH_CHARS: usize = 2048;
/// A search domain longer than a DNS-1123 subdomain is dropped.
const MAX_DOMAIN_LEN: usize = 253;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolvConf {
    pub search: Vec<String>,
    pub nameservers: Vec<Ipv4Addr>,
    pub options: Vec<String>,
}

impl ResolvConf {
    /// The file as containerd (and CRI-O) writes it: `search`, one `nameserver` line per server,
    /// `options`; lines that would be empty are left out.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if !self.search.is_empty() {
            out.push_str(&format!("search {}\n", self.search.join(" ")));
        }
        for ns in &self.nameservers {
            out.push_str(&format!("nameserver {ns}\n"));
        }
        if !self.options.is_empty() {
            out.push_str(&format!("options {}\n", self.options.join(" ")));
        }
        out
    }

    /// Reads a resolv.conf as kubelet reads the node's: `nameserver` (IPv4 kept), `search` (the
    /// last line wins, trailing dots trimmed, `.` dropped), `domain` (ignored, as kubelet does),
    /// `options` (each line adds, a later value of the same option replaces the earlier one).
    /// Comments start with `#` or `;`.
    pub fn parse(text: &str) -> Result<ResolvConf, String> {
        let mut conf = ResolvConf::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let fields: Vec<&str> = line.split_whitespace().collect();
            let Some((&key, rest)) = fields.split_first() else { continue };
            match key {
                "nameserver" => {
                    let Some(addr) = rest.first() else {
                        return Err(format!("line {}: nameserver without an address", n + 1));
                    };
                    if let Ok(ip) = addr.parse::<Ipv4Addr>() {
                        conf.nameservers.push(ip);
                    } else if addr.parse::<std::net::Ipv6Addr>().is_err() {
                        return Err(format!("line {}: invalid nameserver address {addr:?}", n + 1));
                    }
                }
                "search" => {
                    conf.search = rest.iter().filter(|s| **s != ".").map(|s| s.trim_end_matches('.').to_string()).collect();
                }
                "options" => conf.options = merge_options(&conf.options, rest.iter().map(|o| option_pair(o))),
                _ => {}
            }
        }
        Ok(conf)
    }

    /// The value of `ndots` in the options (the last one wins), if present and numeric.
    pub fn ndots(&self) -> Option<u32> {
        self.options.iter().rev().find_map(|o| o.strip_prefix("ndots:")).and_then(|v| v.parse().ok())
    }
}

fn option_pair(o: &str) -> (String, Option<String>) {
    match o.split_once(':') {
        Some((k, v)) => (k.to_string(), Some(v.to_string())),
        None => (o.to_string(), None),
    }
}

/// kubelet's mergeDNSOptions: existing options, then each new one replaces the same name.
fn merge_options(existing: &[String], more: impl Iterator<Item = (String, Option<String>)>) -> Vec<String> {
    let mut map: BTreeMap<String, Option<String>> = existing.iter().map(|o| option_pair(o)).collect();
    for (k, v) in more {
        map.insert(k, v.filter(|v| !v.is_empty()));
    }
    map.into_iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}:{v}"),
            None => k,
        })
        .collect()
}

/// Keeps the first of each repeated entry.
fn omit_duplicates<T: Ord + Clone>(items: Vec<T>) -> Vec<T> {
    let mut seen = std::collections::BTreeSet::new();
    items.into_iter().filter(|i| seen.insert(i.clone())).collect()
}

/// The resolv.conf kubelet gives `pod`, and the `DNSConfigForming` warning messages it records.
///
/// `node` is the node's own resolv.conf (kubelet's `--resolv-conf`). Nameservers in
/// `dnsConfig` that are not IPv4 addresses are left out (this model is IPv4-only). A
/// `ClusterFirst` pod on a kubelet without cluster DNS gets the node's file, as kubelet falls
/// back to `Default` (its `MissingClusterDNS` event is not among the returned warnings).
pub fn for_pod(pod: &Pod, cluster_domain: &str, cluster_dns: &[Ipv4Addr], node: &ResolvConf) -> (ResolvConf, Vec<String>) {
    let spec = pod.spec.as_ref();
    let host_network = spec.and_then(|s| s.host_network).unwrap_or(false);
    let policy = spec.and_then(|s| s.dns_policy.as_deref()).unwrap_or("ClusterFirst");
    let cluster = match policy {
        "None" => None,
        "ClusterFirstWithHostNet" => Some(true),
        "Default" => Some(false),
        _ => Some(!host_network),
    };
    let mut conf = match cluster {
        None => ResolvConf::default(),
        Some(true) if !cluster_dns.is_empty() => {
            ResolvConf { nameservers: cluster_dns.to_vec(), search: cluster_search(pod, cluster_domain, &node.search), options: vec!["ndots:5".to_string()] }
        }
        // Default, hostNetwork with ClusterFirst, or no cluster DNS known: the node's file.
        Some(_) => node.clone(),
    };
    if let Some(dc) = spec.and_then(|s| s.dns_config.as_ref()) {
        let mut servers = conf.nameservers;
        servers.extend(dc.nameservers.iter().flatten().filter_map(|s| s.parse::<Ipv4Addr>().ok()));
        conf.nameservers = omit_duplicates(servers);
        let mut search = conf.search;
        search.extend(dc.searches.iter().flatten().cloned());
        conf.search = omit_duplicates(search);
        let pod_options = dc.options.iter().flatten().map(|o| (o.name.clone().unwrap_or_default(), o.value.clone()));
        conf.options = merge_options(&conf.options, pod_options);
    }
    let mut warnings = Vec::new();
    if conf.nameservers.len() > MAX_NAMESERVERS {
        conf.nameservers.truncate(MAX_NAMESERVERS);
        let line: Vec<String> = conf.nameservers.iter().map(Ipv4Addr::to_string).collect();
        warnings.push(format!("Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: {}", line.join(" ")));
    }
    let (search, cut) = search_fits_limits(conf.search);
    conf.search = search;
    if cut {
        warnings.push(format!("Search Line limits were exceeded, some search paths have been omitted, the applied search line is: {}", conf.search.join(" ")));
    }
    (conf, warnings)
}

/// `<ns>.svc.<domain> svc.<domain> <domain>` and the node's domains, duplicates removed; only
/// the node's list when the cluster domain is empty.
fn cluster_search(pod: &Pod, domain: &str, node_search: &[String]) -> Vec<String> {
    if domain.is_empty() {
        return node_search.to_vec();
    }
    let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
    let mut search = vec![format!("{ns}.svc.{domain}"), format!("svc.{domain}"), domain.to_string()];
    search.extend(node_search.iter().cloned());
    omit_duplicates(search)
}

/// kubelet's formDNSSearchFitsLimits: at most 32 entries, entries over 253 characters dropped,
/// then whole domains cut from the end until the line fits 2048 characters.
fn search_fits_limits(mut search: Vec<String>) -> (Vec<String>, bool) {
    let mut cut = false;
    if search.len() > MAX_SEARCH_PATHS {
        search.truncate(MAX_SEARCH_PATHS);
        cut = true;
    }
    let before = search.len();
    search.retain(|s| s.len() <= MAX_DOMAIN_LEN);
    cut |= search.len() != before;
    let mut line_len = search.join(" ").len();
    if line_len > MAX_SEARCH_CHARS {
        while line_len > MAX_SEARCH_CHARS {
            let Some(last) = search.pop() else { break };
            line_len = line_len.saturating_sub(last.len() + 1);
        }
        cut = true;
    }
    (search, cut)
}
