//! Typed packet headers: parse from bytes and emit back to the exact bytes Linux puts on the wire.
//!
//! ```text
//! ethernet.rs  Ethernet II (dst, src, EtherType; the 4-byte FCS is never part of a capture)
//! arp.rs       ARP for Ethernet/IPv4 (RFC 826), 28 bytes
//! ipv4.rs      IPv4 header without options (RFC 791), 20 bytes
//! icmp.rs      ICMP echo, destination unreachable (incl. RFC 1191 next-hop MTU), time exceeded
//! udp.rs       UDP (RFC 768) with the IPv4 pseudo-header checksum
//! tcp.rs       TCP (RFC 9293) with options: EOL, NOP, MSS, window scale, SACK, timestamps
//! vxlan.rs     VXLAN (RFC 7348), 8 bytes, UDP 8472 on Linux / flannel, 4789 IANA
//! checksum.rs  the Internet checksum (RFC 1071) and the IPv4 pseudo-header
//! packet.rs    a header stack (layers + payload): parse-all, emit, finalize lengths/checksums
//! ```
//!
//! Every header is `parse(&[u8]) -> Result<(Header, payload)>` and `emit(&self, &mut Vec<u8>)`
//! (appending) / `to_bytes()`. Multi-byte fields are big-endian. Parsing keeps what it reads
//! (including checksums, good or bad) so that `parse(emit(h)) == h`; checksums are checked
//! with the `checksum_ok` methods, not by parsing. Bad input gives a [`WireError`], never a panic.

pub mod arp;
pub mod checksum;
pub mod ethernet;
pub mod icmp;
pub mod ipv4;
pub mod packet;
pub mod tcp;
pub mod udp;
pub mod vxlan;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod tests_packet;
#[cfg(test)]
mod tests_pcap;

use std::fmt;

pub use arp::ArpPacket;
pub use checksum::ChecksumStatus;
pub use ethernet::{EthernetHeader, MacAddr};
pub use icmp::{IcmpHeader, IcmpMessage};
pub use ipv4::Ipv4Header;
pub use packet::{Layer, Packet};
pub use tcp::{TcpFlags, TcpHeader, TcpOption};
pub use udp::UdpHeader;
pub use vxlan::VxlanHeader;

/// What went wrong while parsing, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// The header being parsed: `"Ethernet"`, `"IPv4"`, `"TCP"`, ...
    pub layer: &'static str,
    /// Byte offset of the problem: from the start of the header for a single header, from the
    /// start of the frame when reported by [`Packet::parse`].
    pub offset: usize,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Fewer bytes than the header (or its length field) requires.
    Truncated { need: usize, have: usize },
    /// A field holds a value the format does not allow.
    BadField { field: &'static str, value: u64, expected: &'static str },
    /// A valid feature this model does not implement (e.g. IPv4 options).
    Unsupported { what: &'static str, value: u64 },
}

pub type Result<T> = std::result::Result<T, WireError>;

impl WireError {
    pub(crate) fn truncated(layer: &'static str, offset: usize, need: usize, have: usize) -> Self {
        WireError { layer, offset, kind: ErrorKind::Truncated { need, have } }
    }

    pub(crate) fn bad(
        layer: &'static str,
        offset: usize,
        field: &'static str,
        value: u64,
        expected: &'static str,
    ) -> Self {
        WireError { layer, offset, kind: ErrorKind::BadField { field, value, expected } }
    }

    pub(crate) fn unsupported(layer: &'static str, offset: usize, what: &'static str, value: u64) -> Self {
        WireError { layer, offset, kind: ErrorKind::Unsupported { what, value } }
    }

    /// The same error with its offset moved by `base` (a header's position in a frame).
    pub fn at(mut self, base: usize) -> Self {
        self.offset += base;
        self
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}: ", self.layer, self.offset)?;
        match &self.kind {
            ErrorKind::Truncated { need, have } => {
                write!(f, "truncated: need {need} bytes, have {have}")
            }
            ErrorKind::BadField { field, value, expected } => {
                write!(f, "bad {field} {value} (expected {expected})")
            }
            ErrorKind::Unsupported { what, value } => write!(f, "{what} not supported ({value})"),
        }
    }
}

impl std::error::Error for WireError {}

/// Fails with `Truncated` unless `buf` holds at least `need` bytes.
pub(crate) fn need(layer: &'static str, buf: &[u8], need: usize) -> Result<()> {
    if buf.len() < need {
        return Err(WireError::truncated(layer, buf.len(), need, buf.len()));
    }
    Ok(())
}

pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
