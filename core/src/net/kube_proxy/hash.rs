//! Chain names: kube-proxy's `portProtoHash` and `servicePortEndpointChainName`.
//!
//! `KUBE-SVC-` / `KUBE-SVL-` / `KUBE-EXT-` / `KUBE-FW-` + the first 16 characters of
//! `base32(sha256(<spn><protocol>))`, and `KUBE-SEP-` + the first 16 characters of
//! `base32(sha256(<spn><protocol><ip>:<port>))`, RFC 4648 standard alphabet (`A-Z2-7`), the
//! protocol in lowercase. Sixteen base32 characters are exactly the first ten digest bytes,
//! so only those are encoded.

use std::net::Ipv4Addr;

use sha2::{Digest, Sha256};

use super::model::{AddrBuf, Proto};

/// The service port name kube-proxy prints and hashes: `<namespace>/<service>`, plus
/// `:<port name>` when the port is named.
pub fn spn(namespace: &str, service: &str, port_name: &str) -> String {
    let mut s = String::with_capacity(namespace.len() + service.len() + port_name.len() + 2);
    s.push_str(namespace);
    s.push('/');
    s.push_str(service);
    if !port_name.is_empty() {
        s.push(':');
        s.push_str(port_name);
    }
    s
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Appends the first 16 base32 characters of the digest: exactly its first ten bytes.
fn push_hash16(out: &mut String, digest: &[u8; 32]) {
    data_encoding::BASE32.encode_append(&digest[..10], out);
}

/// The digest behind `portProtoHash(spn, protocol)`, shared by a port's SVC, SVL, EXT and FW chains.
pub(crate) fn port_proto_digest(spn: &str, proto: Proto) -> [u8; 32] {
    digest(&[spn.as_bytes(), proto.as_str().as_bytes()])
}

/// Appends `prefix` and the port's hash: a SVC, SVL, EXT or FW chain name.
pub(crate) fn push_port_chain(out: &mut String, prefix: &str, port_digest: &[u8; 32]) {
    out.push_str(prefix);
    push_hash16(out, port_digest);
}

/// Appends `KUBE-SEP-` and the endpoint's hash.
pub(crate) fn push_sep_chain(out: &mut String, spn: &str, proto: Proto, ip: Ipv4Addr, port: u16) {
    let mut addr = AddrBuf::new();
    addr.push(ip, port);
    out.push_str(SEP_PREFIX);
    push_hash16(out, &digest(&[spn.as_bytes(), proto.as_str().as_bytes(), addr.as_bytes()]));
}

/// `portProtoHash(spn, protocol)`: the 16 characters after a SVC/SVL/EXT/FW prefix.
pub fn port_proto_hash(spn: &str, proto: Proto) -> String {
    let mut s = String::with_capacity(16);
    push_hash16(&mut s, &port_proto_digest(spn, proto));
    s
}

pub const SVC_PREFIX: &str = "KUBE-SVC-";
pub const SVL_PREFIX: &str = "KUBE-SVL-";
pub const EXT_PREFIX: &str = "KUBE-EXT-";
pub const FW_PREFIX: &str = "KUBE-FW-";
pub const SEP_PREFIX: &str = "KUBE-SEP-";

/// Whether a chain is one of kube-proxy's per-service chains (the ones it deletes when unused).
pub fn is_service_chain(name: &str) -> bool {
    [SVC_PREFIX, SVL_PREFIX, EXT_PREFIX, FW_PREFIX, SEP_PREFIX].iter().any(|p| name.starts_with(p))
}

fn port_chain(prefix: &str, spn: &str, proto: Proto) -> String {
    let mut s = String::with_capacity(prefix.len() + 16);
    push_port_chain(&mut s, prefix, &port_proto_digest(spn, proto));
    s
}

/// `KUBE-SVC-…`: the port's Cluster-policy dispatch chain.
pub fn svc_chain(spn: &str, proto: Proto) -> String {
    port_chain(SVC_PREFIX, spn, proto)
}

/// `KUBE-SVL-…`: the port's Local-policy dispatch chain.
pub fn svl_chain(spn: &str, proto: Proto) -> String {
    port_chain(SVL_PREFIX, spn, proto)
}

/// `KUBE-EXT-…`: where NodePort, external IP and load-balancer traffic enters.
pub fn ext_chain(spn: &str, proto: Proto) -> String {
    port_chain(EXT_PREFIX, spn, proto)
}

/// `KUBE-FW-…`: the loadBalancerSourceRanges filter.
pub fn fw_chain(spn: &str, proto: Proto) -> String {
    port_chain(FW_PREFIX, spn, proto)
}

/// `KUBE-SEP-…`: one endpoint's DNAT chain.
pub fn sep_chain(spn: &str, proto: Proto, ip: Ipv4Addr, port: u16) -> String {
    let mut s = String::with_capacity(SEP_PREFIX.len() + 16);
    push_sep_chain(&mut s, spn, proto, ip, port);
    s
}
