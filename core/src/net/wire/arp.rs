//! ARP for IPv4 over Ethernet (RFC 826), 28 bytes:
//!
//! ```text
//! 0  hardware type 1 (Ethernet)      2  protocol type 0x0800 (IPv4)
//! 4  hardware length 6               5  protocol length 4
//! 6  operation: 1 request, 2 reply
//! 8  sender MAC (6)   14 sender IPv4 (4)   18 target MAC (6)   24 target IPv4 (4)
//! ```
//!
//! Linux sends a request to the broadcast MAC with the target MAC all zero; the reply is unicast
//! with sender = the answering host. Other hardware/protocol types are reported as unsupported.

use std::net::Ipv4Addr;

use super::ethernet::{ethertype, MacAddr};
use super::{be16, need, Result, WireError};

pub const OP_REQUEST: u16 = 1;
pub const OP_REPLY: u16 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpPacket {
    pub operation: u16,
    pub sender_mac: MacAddr,
    pub sender_ip: Ipv4Addr,
    pub target_mac: MacAddr,
    pub target_ip: Ipv4Addr,
}

impl ArpPacket {
    pub const LEN: usize = 28;

    /// `who-has target_ip tell sender_ip`.
    pub fn request(sender_mac: MacAddr, sender_ip: Ipv4Addr, target_ip: Ipv4Addr) -> Self {
        ArpPacket { operation: OP_REQUEST, sender_mac, sender_ip, target_mac: MacAddr::ZERO, target_ip }
    }

    /// The answer to `request`: `sender_ip is-at sender_mac`, sent back to the asker.
    pub fn reply_to(request: &ArpPacket, mac: MacAddr) -> Self {
        ArpPacket {
            operation: OP_REPLY,
            sender_mac: mac,
            sender_ip: request.target_ip,
            target_mac: request.sender_mac,
            target_ip: request.sender_ip,
        }
    }

    /// Parses the 28 bytes; the rest of `buf` (Ethernet padding) is returned.
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8])> {
        const L: &str = "ARP";
        need(L, buf, Self::LEN)?;
        let htype = be16(buf, 0);
        if htype != 1 {
            return Err(WireError::unsupported(L, 0, "hardware type", htype.into()));
        }
        let ptype = be16(buf, 2);
        if ptype != ethertype::IPV4 {
            return Err(WireError::unsupported(L, 2, "protocol type", ptype.into()));
        }
        if buf[4] != 6 {
            return Err(WireError::bad(L, 4, "hardware length", buf[4].into(), "6"));
        }
        if buf[5] != 4 {
            return Err(WireError::bad(L, 5, "protocol length", buf[5].into(), "4"));
        }
        let ip = |at: usize| Ipv4Addr::new(buf[at], buf[at + 1], buf[at + 2], buf[at + 3]);
        let p = ArpPacket {
            operation: be16(buf, 6),
            sender_mac: MacAddr::read(buf, 8),
            sender_ip: ip(14),
            target_mac: MacAddr::read(buf, 18),
            target_ip: ip(24),
        };
        Ok((p, &buf[Self::LEN..]))
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&ethertype::IPV4.to_be_bytes());
        out.extend_from_slice(&[6, 4]);
        out.extend_from_slice(&self.operation.to_be_bytes());
        out.extend_from_slice(&self.sender_mac.0);
        out.extend_from_slice(&self.sender_ip.octets());
        out.extend_from_slice(&self.target_mac.0);
        out.extend_from_slice(&self.target_ip.octets());
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        self.emit(&mut v);
        v
    }
}
