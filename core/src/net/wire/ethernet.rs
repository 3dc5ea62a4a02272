//! Ethernet II: `destination MAC (6) | source MAC (6) | EtherType (2)`, 14 bytes.
//!
//! Captures (pcap, tcpdump) hold the frame without preamble and without the 4-byte FCS. A frame
//! on the wire is at least 60 bytes before the FCS; short frames are padded with zero bytes after
//! the payload (an ARP frame received from the wire is 60 bytes, one captured as it is sent is 42).

use std::fmt;

use super::{need, Result};

/// EtherType values (IEEE registry).
pub mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const VLAN: u16 = 0x8100;
    pub const IPV6: u16 = 0x86DD;
}

/// A 48-bit MAC address, written `0e:aa:bb:cc:dd:ee` (lowercase, as `ip link` and tcpdump do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    pub const BROADCAST: MacAddr = MacAddr([0xFF; 6]);
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }

    pub fn is_broadcast(&self) -> bool {
        self.0 == [0xFF; 6]
    }

    pub(crate) fn read(b: &[u8], at: usize) -> MacAddr {
        let mut m = [0u8; 6];
        m.copy_from_slice(&b[at..at + 6]);
        MacAddr(m)
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(f, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetHeader {
    pub dst: MacAddr,
    pub src: MacAddr,
    pub ethertype: u16,
}

impl EthernetHeader {
    pub const LEN: usize = 14;
    /// Smallest frame on the wire without the FCS; shorter frames are zero-padded.
    pub const MIN_FRAME: usize = 60;

    pub fn new(src: MacAddr, dst: MacAddr, ethertype: u16) -> Self {
        EthernetHeader { dst, src, ethertype }
    }

    /// Parses the header; the rest of `buf` is the payload (plus any padding).
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8])> {
        need("Ethernet", buf, Self::LEN)?;
        let h = EthernetHeader {
            dst: MacAddr::read(buf, 0),
            src: MacAddr::read(buf, 6),
            ethertype: super::be16(buf, 12),
        };
        Ok((h, &buf[Self::LEN..]))
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.dst.0);
        out.extend_from_slice(&self.src.0);
        out.extend_from_slice(&self.ethertype.to_be_bytes());
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        self.emit(&mut v);
        v
    }
}
