//! VXLAN (RFC 7348), 8 bytes after the outer UDP header:
//!
//! ```text
//! 0    flags: only the I bit (0x08, "VNI valid") is set
//! 1-3  reserved, zero
//! 4-6  VNI, 24 bits big-endian
//! 7    reserved, zero
//! ```
//!
//! VNI 1 is `08 00 00 00 00 00 01 00`. An inner Ethernet frame follows. Linux (and so flannel)
//! uses UDP destination port 8472 by default; 4789 is the IANA port. Reserved bits are written
//! as zero and ignored when read, as the RFC asks; they are kept here so a frame read back is
//! emitted unchanged (and tcpdump's OTV decoding of port 8472 prints bytes 1-3).

use super::{need, Result};

/// The Linux kernel's default VXLAN port (flannel's `Port: 0`).
pub const PORT_LINUX: u16 = 8472;
/// The IANA-assigned VXLAN port.
pub const PORT_IANA: u16 = 4789;
/// The I flag: the VNI field is valid.
pub const FLAG_I: u8 = 0x08;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VxlanHeader {
    pub flags: u8,
    /// 24 bits; higher bits are dropped when emitted.
    pub vni: u32,
    /// Reserved bytes 1-3 and 7, zero when sent.
    pub reserved: [u8; 4],
}

impl VxlanHeader {
    pub const LEN: usize = 8;

    pub fn new(vni: u32) -> Self {
        VxlanHeader { flags: FLAG_I, vni: vni & 0x00FF_FFFF, reserved: [0; 4] }
    }

    /// Parses the header; the rest of `buf` is the inner Ethernet frame.
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8])> {
        need("VXLAN", buf, Self::LEN)?;
        let vni = u32::from_be_bytes([0, buf[4], buf[5], buf[6]]);
        let reserved = [buf[1], buf[2], buf[3], buf[7]];
        Ok((VxlanHeader { flags: buf[0], vni, reserved }, &buf[Self::LEN..]))
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        let v = (self.vni & 0x00FF_FFFF).to_be_bytes();
        let r = self.reserved;
        out.extend_from_slice(&[self.flags, r[0], r[1], r[2], v[1], v[2], v[3], r[3]]);
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        self.emit(&mut v);
        v
    }
}
