//! DNS: the pod resolver (resolv.conf, the search list and ndots) and a CoreDNS view of the store.
//!
//! ```text
//! resolv_conf.rs  a pod's /etc/resolv.conf from dnsPolicy and dnsConfig (kubelet), its text
//! search.rs       the names glibc and musl try for one lookup (search list, ndots)
//! message.rs      DNS messages and their wire form with miekg/dns's name compression
//! parse.rs        reading messages from bytes, compression pointers checked
//! cluster.rs      what CoreDNS's kubernetes plugin matches in the store for a name
//! records.rs      CoreDNS's responses: answers, NXDOMAIN/NODATA with SOA, forwarding, wire size
//! text.rs         records in bind's presentation form
//! nslookup.rs     bind nslookup's output
//! dig.rs          dig's default output, with EDNS
//! ```
//!
//! A lookup from a pod: `resolv_conf::for_pod` gives the file; `search::candidates` the names
//! to try; for each, `records::respond` says what CoreDNS answers (or that it forwards the
//! query); `nslookup::output` and `dig::output` print what the tools show.
//!
//! Simplified: IPv4 only (no AAAA records from Services or Pods, no `ip6.arpa` answers: those
//! are forwarded as CoreDNS's `fallthrough` does when it has nothing); no DNSSEC; no TCP; no
//! `loadbalance` shuffling (answers keep store order); one cluster zone; CoreDNS's `cache` plugin
//! is not modelled (every query reaches the kubernetes plugin); NS answers only at the apex;
//! "pods insecure" only (not "pods verified"); the SOA serial is a setting (CoreDNS uses the time
//! of the last change it saw); identical SRV glue records are sent once; kubelet's merged
//! `dnsConfig` options come out sorted by name (the real order is a Go map's, random); labels
//! holding `.` or `\` cannot be written to the wire.

pub mod cluster;
pub mod dig;
pub mod message;
pub mod nslookup;
pub mod parse;
pub mod records;
pub mod resolv_conf;
pub mod search;
pub mod text;

pub use message::{Header, Message, Question, RData, Record};
pub use records::{CoreDns, Outcome};
pub use resolv_conf::ResolvConf;

#[cfg(test)]
mod message_tests;
#[cfg(test)]
mod records_tests;
#[cfg(test)]
mod resolv_conf_tests;
#[cfg(test)]
mod search_tests;
#[cfg(test)]
mod tools_tests;
