//! UDP (RFC 768): `source port (2) | destination port (2) | length (2) | checksum (2)`.
//!
//! The length counts the header and the data (at least 8). The checksum covers the IPv4
//! pseudo-header (protocol 17, length = the UDP length), the header and the data; a computed
//! value of 0 is sent as 0xFFFF, and 0 on IPv4 means the sender computed no checksum (what the
//! Linux VXLAN driver sends in outer headers by default).

use std::net::Ipv4Addr;

use super::checksum::{self, ChecksumStatus};
use super::ipv4::protocol;
use super::{be16, need, Result, WireError};

const L: &str = "UDP";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpHeader {
    pub src_port: u16,
    pub dst_port: u16,
    pub length: u16,
    pub checksum: u16,
}

impl UdpHeader {
    pub const LEN: usize = 8;

    /// A header for `payload_len` bytes of data, checksum not yet computed (0).
    pub fn new(src_port: u16, dst_port: u16, payload_len: usize) -> Self {
        let length = (Self::LEN + payload_len).min(usize::from(u16::MAX)) as u16;
        UdpHeader { src_port, dst_port, length, checksum: 0 }
    }

    /// Parses the header; the data is bounded by the length field.
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8])> {
        need(L, buf, Self::LEN)?;
        let length = be16(buf, 4);
        if usize::from(length) < Self::LEN {
            return Err(WireError::bad(L, 4, "length", length.into(), ">= 8"));
        }
        if buf.len() < usize::from(length) {
            return Err(WireError::truncated(L, buf.len(), length.into(), buf.len()));
        }
        let h = UdpHeader {
            src_port: be16(buf, 0),
            dst_port: be16(buf, 2),
            length,
            checksum: be16(buf, 6),
        };
        Ok((h, &buf[Self::LEN..usize::from(length)]))
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        out.extend_from_slice(&self.length.to_be_bytes());
        out.extend_from_slice(&self.checksum.to_be_bytes());
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        self.emit(&mut v);
        v
    }

    fn segment(&self, checksum: u16, payload: &[u8]) -> Vec<u8> {
        let mut h = *self;
        h.checksum = checksum;
        let mut v = h.to_bytes();
        v.extend_from_slice(payload);
        v
    }

    /// The checksum to send for this header and `payload` between `src` and `dst` (never 0).
    pub fn compute_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> u16 {
        match checksum::transport_checksum(src, dst, protocol::UDP, &self.segment(0, payload)) {
            0 => 0xFFFF,
            c => c,
        }
    }

    pub fn fill_checksum(&mut self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) {
        self.checksum = self.compute_checksum(src, dst, payload);
    }

    /// Good, bad, or absent (a zero checksum).
    pub fn checksum_status(&self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> ChecksumStatus {
        if self.checksum == 0 {
            return ChecksumStatus::Absent;
        }
        let seg = self.segment(self.checksum, payload);
        if checksum::transport_verify(src, dst, protocol::UDP, &seg) {
            ChecksumStatus::Good
        } else {
            ChecksumStatus::Bad
        }
    }
}
