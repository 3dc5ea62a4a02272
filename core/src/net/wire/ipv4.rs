//! IPv4 header (RFC 791) without options, 20 bytes:
//!
//! ```text
//! 0  version 4 << 4 | IHL 5         1  DSCP (6 bits) << 2 | ECN (2 bits)
//! 2  total length (header + payload)
//! 4  identification                 6  flags (reserved 0x8000, DF 0x4000, MF 0x2000) | fragment
//!                                      offset in 8-byte units (13 bits)
//! 8  TTL          9  protocol (1 ICMP, 6 TCP, 17 UDP)          10 header checksum
//! 12 source address                 16 destination address
//! ```
//!
//! The header checksum covers the header only. Headers with options (IHL > 5) are reported as
//! unsupported: Linux sends none on the paths modelled here.

use std::net::Ipv4Addr;

use super::checksum;
use super::{be16, need, Result, WireError};

/// IP protocol numbers (IANA).
pub mod protocol {
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
}

const L: &str = "IPv4";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Header {
    /// Differentiated services code point, 6 bits.
    pub dscp: u8,
    /// Explicit congestion notification, 2 bits.
    pub ecn: u8,
    pub total_len: u16,
    pub ident: u16,
    pub dont_frag: bool,
    pub more_frags: bool,
    /// In units of 8 bytes, 13 bits.
    pub frag_offset: u16,
    pub ttl: u8,
    pub protocol: u8,
    pub checksum: u16,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
}

impl Ipv4Header {
    pub const LEN: usize = 20;

    /// A header as Linux sends a TCP/UDP/ICMP packet by default (TTL 64, DF set, DSCP 0),
    /// with the total length and checksum filled in.
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, payload_len: usize) -> Self {
        let total = (Self::LEN + payload_len).min(usize::from(u16::MAX)) as u16;
        let mut h = Ipv4Header {
            dscp: 0,
            ecn: 0,
            total_len: total,
            ident: 0,
            dont_frag: true,
            more_frags: false,
            frag_offset: 0,
            ttl: 64,
            protocol,
            checksum: 0,
            src,
            dst,
        };
        h.fill_checksum();
        h
    }

    /// Bytes after the header according to the total length.
    pub fn payload_len(&self) -> usize {
        usize::from(self.total_len).saturating_sub(Self::LEN)
    }

    /// True for the second and later fragments (no transport header follows).
    pub fn is_later_fragment(&self) -> bool {
        self.frag_offset != 0
    }

    /// Parses the header; the payload is bounded by the total length (bytes beyond it, such as
    /// Ethernet padding, are not part of it).
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8])> {
        need(L, buf, Self::LEN)?;
        let version = buf[0] >> 4;
        if version != 4 {
            return Err(WireError::bad(L, 0, "version", version.into(), "4"));
        }
        let ihl = buf[0] & 0x0F;
        if ihl < 5 {
            return Err(WireError::bad(L, 0, "header length (IHL)", ihl.into(), "5"));
        }
        if ihl > 5 {
            return Err(WireError::unsupported(L, 20, "IPv4 options (IHL > 5)", ihl.into()));
        }
        let total_len = be16(buf, 2);
        if usize::from(total_len) < Self::LEN {
            return Err(WireError::bad(L, 2, "total length", total_len.into(), ">= 20"));
        }
        if buf.len() < usize::from(total_len) {
            return Err(WireError::truncated(L, buf.len(), total_len.into(), buf.len()));
        }
        let flags = be16(buf, 6);
        if flags & 0x8000 != 0 {
            return Err(WireError::bad(L, 6, "reserved flag", 1, "0"));
        }
        let ip = |at: usize| Ipv4Addr::new(buf[at], buf[at + 1], buf[at + 2], buf[at + 3]);
        let h = Ipv4Header {
            dscp: buf[1] >> 2,
            ecn: buf[1] & 0x03,
            total_len,
            ident: be16(buf, 4),
            dont_frag: flags & 0x4000 != 0,
            more_frags: flags & 0x2000 != 0,
            frag_offset: flags & 0x1FFF,
            ttl: buf[8],
            protocol: buf[9],
            checksum: be16(buf, 10),
            src: ip(12),
            dst: ip(16),
        };
        Ok((h, &buf[Self::LEN..usize::from(total_len)]))
    }

    /// Writes the 20 bytes as they are (checksum included, not recomputed).
    pub fn emit(&self, out: &mut Vec<u8>) {
        let flags = (u16::from(self.dont_frag) << 14)
            | (u16::from(self.more_frags) << 13)
            | (self.frag_offset & 0x1FFF);
        out.push(0x45);
        out.push((self.dscp << 2) | (self.ecn & 0x03));
        out.extend_from_slice(&self.total_len.to_be_bytes());
        out.extend_from_slice(&self.ident.to_be_bytes());
        out.extend_from_slice(&flags.to_be_bytes());
        out.push(self.ttl);
        out.push(self.protocol);
        out.extend_from_slice(&self.checksum.to_be_bytes());
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        self.emit(&mut v);
        v
    }

    /// The header checksum these fields call for.
    pub fn compute_checksum(&self) -> u16 {
        let mut h = *self;
        h.checksum = 0;
        checksum::checksum(&h.to_bytes())
    }

    pub fn fill_checksum(&mut self) {
        self.checksum = self.compute_checksum();
    }

    pub fn checksum_ok(&self) -> bool {
        checksum::verify(&self.to_bytes())
    }
}
