//! The names a stub resolver tries for one lookup, in order, from the search list and `ndots`.
//!
//! glibc (`res_nsearch`; Debian, Ubuntu, distroless/base, the dnsutils image Kubernetes' DNS
//! debugging page uses, and bind's `nslookup`, which walks the same order itself): a name with at
//! least `ndots` dots is tried as-is first, then with each search domain; with fewer dots the
//! search domains come first and the bare name last. A name ending in `.` is tried alone.
//!
//! musl (`name_from_dns_search`; Alpine images and `busybox:musl`): a name with at least `ndots`
//! dots is tried only as-is; otherwise the search domains in order, then the bare name.
//!
//! Both cap `ndots` at 15 and default it to 1. The first positive answer ends a lookup; glibc moves
//! on after NXDOMAIN or NODATA. Candidates are returned with the final dot.

use super::resolv_conf::ResolvConf;

/// glibc's and musl's ceiling for `ndots`.
pub const MAX_NDOTS: u32 = 15;

/// The effective `ndots` of a resolv.conf: its option capped at 15, else 1.
pub fn ndots(conf: &ResolvConf) -> u32 {
    conf.ndots().map_or(1, |n| n.min(MAX_NDOTS))
}

/// The names glibc queries for `name`, in order.
pub fn candidates(name: &str, conf: &ResolvConf) -> Vec<String> {
    if name.is_empty() {
        return Vec::new();
    }
    if name.ends_with('.') {
        return vec![name.to_string()];
    }
    let dots = name.matches('.').count() as u32;
    let as_is = format!("{name}.");
    let mut out = Vec::new();
    let mut tried_as_is = false;
    if dots >= ndots(conf) {
        out.push(as_is.clone());
        tried_as_is = true;
    }
    for domain in &conf.search {
        let domain = domain.trim_start_matches('.').trim_end_matches('.');
        // A root entry in the list stands for the bare name.
        let candidate = if domain.is_empty() {
            tried_as_is = true;
            as_is.clone()
        } else {
            format!("{name}.{domain}.")
        };
        out.push(candidate);
    }
    if !tried_as_is {
        out.push(as_is);
    }
    out
}

/// The names musl queries for `name`, in order.
pub fn candidates_musl(name: &str, conf: &ResolvConf) -> Vec<String> {
    if name.is_empty() {
        return Vec::new();
    }
    if name.ends_with('.') {
        return vec![name.to_string()];
    }
    let dots = name.matches('.').count() as u32;
    let mut out = Vec::new();
    if dots < ndots(conf) {
        // musl reads at most 255 characters of the search line.
        let mut line_len = 0;
        for domain in &conf.search {
            line_len += domain.len() + 1;
            if line_len > 256 {
                break;
            }
            if name.len() + domain.len() + 1 < 255 {
                out.push(format!("{name}.{}.", domain.trim_end_matches('.')));
            }
        }
    }
    out.push(format!("{name}."));
    out
}
