//! ICMP for IPv4 (RFC 792): `type (1) | code (1) | checksum (2) | 4 bytes by type | data`.
//!
//! - echo request (8) / echo reply (0): bytes 4-7 are identifier and sequence number; the data
//!   follows (Linux `ping` sends 56 bytes: an 8-byte timestamp and a pattern, 64 bytes of ICMP).
//! - destination unreachable (3): bytes 4-5 unused (zero); for code 4 "fragmentation needed and
//!   DF set" bytes 6-7 carry the next-hop MTU (RFC 1191). The data is the offending packet's IP
//!   header and at least its first 8 bytes (Linux quotes as much as fits in 576 bytes).
//! - time exceeded (11): code 0 TTL exceeded in transit, 1 reassembly; bytes 4-7 unused.
//!
//! The checksum covers the whole ICMP message (header and data), with no pseudo-header.

use super::checksum;
use super::{be16, be32, need, Result};

pub const TYPE_ECHO_REPLY: u8 = 0;
pub const TYPE_DEST_UNREACHABLE: u8 = 3;
pub const TYPE_ECHO_REQUEST: u8 = 8;
pub const TYPE_TIME_EXCEEDED: u8 = 11;

/// Destination-unreachable codes.
pub mod unreachable {
    pub const NET: u8 = 0;
    pub const HOST: u8 = 1;
    pub const PROTOCOL: u8 = 2;
    pub const PORT: u8 = 3;
    pub const FRAG_NEEDED: u8 = 4;
    pub const SOURCE_ROUTE_FAILED: u8 = 5;
    pub const NET_UNKNOWN: u8 = 6;
    pub const HOST_UNKNOWN: u8 = 7;
    pub const HOST_ISOLATED: u8 = 8;
    pub const NET_PROHIBITED: u8 = 9;
    pub const HOST_PROHIBITED: u8 = 10;
    pub const NET_TOS: u8 = 11;
    pub const HOST_TOS: u8 = 12;
    /// Communication administratively prohibited (what an iptables `REJECT
    /// --reject-with icmp-admin-prohibited` sends).
    pub const ADMIN_PROHIBITED: u8 = 13;
    pub const HOST_PRECEDENCE: u8 = 14;
    pub const PRECEDENCE_CUTOFF: u8 = 15;
}

/// Time-exceeded codes.
pub mod time_exceeded {
    pub const TTL: u8 = 0;
    pub const REASSEMBLY: u8 = 1;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcmpMessage {
    EchoReply { ident: u16, seq: u16 },
    EchoRequest { ident: u16, seq: u16 },
    /// `next_hop_mtu` is meaningful for code 4 only and zero otherwise.
    DestUnreachable { code: u8, next_hop_mtu: u16 },
    TimeExceeded { code: u8 },
    /// Any other type/code, bytes 4-7 kept as they are.
    Other { ty: u8, code: u8, rest: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpHeader {
    pub message: IcmpMessage,
    pub checksum: u16,
}

impl IcmpHeader {
    pub const LEN: usize = 8;

    pub fn new(message: IcmpMessage) -> Self {
        IcmpHeader { message, checksum: 0 }
    }

    pub fn ty(&self) -> u8 {
        match self.message {
            IcmpMessage::EchoReply { .. } => TYPE_ECHO_REPLY,
            IcmpMessage::EchoRequest { .. } => TYPE_ECHO_REQUEST,
            IcmpMessage::DestUnreachable { .. } => TYPE_DEST_UNREACHABLE,
            IcmpMessage::TimeExceeded { .. } => TYPE_TIME_EXCEEDED,
            IcmpMessage::Other { ty, .. } => ty,
        }
    }

    pub fn code(&self) -> u8 {
        match self.message {
            IcmpMessage::EchoReply { .. } | IcmpMessage::EchoRequest { .. } => 0,
            IcmpMessage::DestUnreachable { code, .. }
            | IcmpMessage::TimeExceeded { code }
            | IcmpMessage::Other { code, .. } => code,
        }
    }

    /// Parses the 8-byte header; the rest of `buf` is the message data. A destination
    /// unreachable or time exceeded whose unused bytes are not zero is kept as `Other` (with
    /// those bytes), so that it is emitted unchanged.
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8])> {
        need("ICMP", buf, Self::LEN)?;
        let (ty, code) = (buf[0], buf[1]);
        let (a, b) = (be16(buf, 4), be16(buf, 6));
        let message = match (ty, code) {
            (TYPE_ECHO_REPLY, 0) => IcmpMessage::EchoReply { ident: a, seq: b },
            (TYPE_ECHO_REQUEST, 0) => IcmpMessage::EchoRequest { ident: a, seq: b },
            (TYPE_DEST_UNREACHABLE, unreachable::FRAG_NEEDED) if a == 0 => {
                IcmpMessage::DestUnreachable { code, next_hop_mtu: b }
            }
            (TYPE_DEST_UNREACHABLE, c) if c <= 15 && a == 0 && b == 0 => {
                IcmpMessage::DestUnreachable { code, next_hop_mtu: 0 }
            }
            (TYPE_TIME_EXCEEDED, c) if c <= 1 && a == 0 && b == 0 => IcmpMessage::TimeExceeded { code },
            _ => IcmpMessage::Other { ty, code, rest: be32(buf, 4) },
        };
        Ok((IcmpHeader { message, checksum: be16(buf, 2) }, &buf[Self::LEN..]))
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.ty());
        out.push(self.code());
        out.extend_from_slice(&self.checksum.to_be_bytes());
        let rest: u32 = match self.message {
            IcmpMessage::EchoReply { ident, seq } | IcmpMessage::EchoRequest { ident, seq } => {
                (u32::from(ident) << 16) | u32::from(seq)
            }
            IcmpMessage::DestUnreachable { code, next_hop_mtu } => {
                if code == unreachable::FRAG_NEEDED {
                    u32::from(next_hop_mtu)
                } else {
                    0
                }
            }
            IcmpMessage::TimeExceeded { .. } => 0,
            IcmpMessage::Other { rest, .. } => rest,
        };
        out.extend_from_slice(&rest.to_be_bytes());
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        self.emit(&mut v);
        v
    }

    /// The checksum over this header (checksum zeroed) and `data`.
    pub fn compute_checksum(&self, data: &[u8]) -> u16 {
        let mut h = *self;
        h.checksum = 0;
        !checksum::fold(checksum::sum(data, checksum::sum(&h.to_bytes(), 0)))
    }

    pub fn fill_checksum(&mut self, data: &[u8]) {
        self.checksum = self.compute_checksum(data);
    }

    pub fn checksum_ok(&self, data: &[u8]) -> bool {
        checksum::fold(checksum::sum(data, checksum::sum(&self.to_bytes(), 0))) == 0xFFFF
    }
}
