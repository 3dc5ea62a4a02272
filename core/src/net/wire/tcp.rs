//! TCP header (RFC 9293), 20 bytes plus options:
//!
//! ```text
//! 0  source port     2  destination port     4  sequence number     8  acknowledgment number
//! 12 data offset (4 bits, header length in 32-bit words) | reserved (3) | AE (1)
//! 13 flags: CWR 0x80 ECE 0x40 URG 0x20 ACK 0x10 PSH 0x08 RST 0x04 SYN 0x02 FIN 0x01
//! 14 window          16 checksum             18 urgent pointer      20 options (0-40 bytes)
//! ```
//!
//! Options are kind (1), length (1), data, except EOL (0) and NOP (1), which are one byte; the
//! list is padded with zero (EOL) bytes to a multiple of 4. A Linux SYN carries 20 bytes:
//! `mss 1460, sackOK, TS val .. ecr 0, nop, wscale 7` (02 04 05 b4 04 02 08 0a .. .. 01 03 03 07).
//! The checksum covers the IPv4 pseudo-header (protocol 6), the header and the data.

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::checksum;
use super::ipv4::protocol;
use super::{be16, be32, need, Result, WireError};

const L: &str = "TCP";

/// The flag bits as the low 12 bits of header bytes 12-13 (reserved bits kept as they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    /// Accurate ECN (formerly NS, RFC 3540).
    pub const AE: u16 = 0x100;

    pub fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOption {
    /// End of option list (kind 0).
    Eol,
    /// No operation (kind 1), used to align the next option.
    Nop,
    /// Maximum segment size (kind 2, length 4).
    Mss(u16),
    /// Window scale shift count (kind 3, length 3).
    WindowScale(u8),
    /// SACK permitted (kind 4, length 2).
    SackPermitted,
    /// SACK blocks, left and right edges (kind 5, length 2 + 8n).
    Sack(Vec<(u32, u32)>),
    /// Timestamps (kind 8, length 10).
    Timestamps { tsval: u32, tsecr: u32 },
    Unknown { kind: u8, data: Vec<u8> },
    /// Bytes after EOL up to the data offset when they are not all zero (zero padding after
    /// EOL is not kept: emitting pads with zeros).
    AfterEol(Vec<u8>),
}

impl TcpOption {
    /// The options of a Linux SYN (or, with `tsecr` set, SYN-ACK) with default sysctls:
    /// `mss, sackOK, TS val tsval ecr tsecr, nop, wscale 7`.
    pub fn linux_syn(mss: u16, tsval: u32, tsecr: u32) -> Arc<[TcpOption]> {
        Arc::new([
            TcpOption::Mss(mss),
            TcpOption::SackPermitted,
            TcpOption::Timestamps { tsval, tsecr },
            TcpOption::Nop,
            TcpOption::WindowScale(7),
        ])
    }

    fn emit(&self, out: &mut Vec<u8>) {
        match self {
            TcpOption::Eol => out.push(0),
            TcpOption::Nop => out.push(1),
            TcpOption::Mss(m) => out.extend_from_slice(&[2, 4, (m >> 8) as u8, *m as u8]),
            TcpOption::WindowScale(s) => out.extend_from_slice(&[3, 3, *s]),
            TcpOption::SackPermitted => out.extend_from_slice(&[4, 2]),
            TcpOption::Sack(blocks) => {
                out.extend_from_slice(&[5, (2 + 8 * blocks.len()).min(255) as u8]);
                for (l, r) in blocks {
                    out.extend_from_slice(&l.to_be_bytes());
                    out.extend_from_slice(&r.to_be_bytes());
                }
            }
            TcpOption::Timestamps { tsval, tsecr } => {
                out.extend_from_slice(&[8, 10]);
                out.extend_from_slice(&tsval.to_be_bytes());
                out.extend_from_slice(&tsecr.to_be_bytes());
            }
            TcpOption::Unknown { kind, data } => {
                out.extend_from_slice(&[*kind, (2 + data.len()).min(255) as u8]);
                out.extend_from_slice(data);
            }
            TcpOption::AfterEol(bytes) => out.extend_from_slice(bytes),
        }
    }
}

/// Parses an option list (`base` = its offset in the header, for error positions).
fn parse_options(opts: &[u8], base: usize) -> Result<Vec<TcpOption>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        if kind == 0 {
            out.push(TcpOption::Eol);
            let after = &opts[i + 1..];
            if after.iter().any(|b| *b != 0) {
                out.push(TcpOption::AfterEol(after.to_vec()));
            }
            break;
        }
        if kind == 1 {
            out.push(TcpOption::Nop);
            i += 1;
            continue;
        }
        let Some(&len) = opts.get(i + 1) else {
            return Err(WireError::truncated(L, base + opts.len(), base + i + 2, base + opts.len()));
        };
        let len = usize::from(len);
        if len < 2 || i + len > opts.len() {
            return Err(WireError::bad(L, base + i + 1, "option length", len as u64, "2..=remaining options"));
        }
        let d = &opts[i + 2..i + len];
        let want = |ok: bool, expected: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(WireError::bad(L, base + i + 1, "option length", len as u64, expected))
            }
        };
        out.push(match kind {
            2 => want(len == 4, "4 for MSS").map(|_| TcpOption::Mss(be16(d, 0)))?,
            3 => want(len == 3, "3 for window scale").map(|_| TcpOption::WindowScale(d[0]))?,
            4 => want(len == 2, "2 for SACK permitted").map(|_| TcpOption::SackPermitted)?,
            5 => want(len >= 10 && (len - 2) % 8 == 0, "2 + 8n for SACK").map(|_| {
                TcpOption::Sack(d.chunks_exact(8).map(|c| (be32(c, 0), be32(c, 4))).collect())
            })?,
            8 => want(len == 10, "10 for timestamps")
                .map(|_| TcpOption::Timestamps { tsval: be32(d, 0), tsecr: be32(d, 4) })?,
            _ => TcpOption::Unknown { kind, data: d.to_vec() },
        });
        i += len;
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpHeader {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    pub window: u16,
    pub checksum: u16,
    pub urgent: u16,
    /// Shared: a packet copied on its way (every hop keeps the stack it saw) shares them.
    pub options: Arc<[TcpOption]>,
}

impl TcpHeader {
    pub const MIN_LEN: usize = 20;
    pub const MAX_OPTIONS: usize = 40;

    pub fn new(src_port: u16, dst_port: u16, seq: u32, ack: u32, flags: u16, window: u16) -> Self {
        TcpHeader {
            src_port,
            dst_port,
            seq,
            ack,
            flags: TcpFlags(flags),
            window,
            checksum: 0,
            urgent: 0,
            options: Arc::default(),
        }
    }

    /// The option bytes as sent: options that would pass the 40-byte limit are left out, and
    /// the list is padded with zero bytes to a multiple of 4.
    fn option_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::MAX_OPTIONS);
        for o in self.options.iter() {
            let start = out.len();
            o.emit(&mut out);
            if out.len() > Self::MAX_OPTIONS {
                out.truncate(start);
                break;
            }
        }
        out.resize(out.len().div_ceil(4) * 4, 0);
        out
    }

    /// Header length in bytes (20 + padded options), what the data offset encodes.
    pub fn header_len(&self) -> usize {
        Self::MIN_LEN + self.option_bytes().len()
    }

    /// Parses header and options; the rest of `buf` is the segment's data.
    pub fn parse(buf: &[u8]) -> Result<(Self, &[u8])> {
        need(L, buf, Self::MIN_LEN)?;
        let doff = usize::from(buf[12] >> 4) * 4;
        if doff < Self::MIN_LEN {
            return Err(WireError::bad(L, 12, "data offset", (doff / 4) as u64, ">= 5"));
        }
        if buf.len() < doff {
            return Err(WireError::truncated(L, buf.len(), doff, buf.len()));
        }
        let h = TcpHeader {
            src_port: be16(buf, 0),
            dst_port: be16(buf, 2),
            seq: be32(buf, 4),
            ack: be32(buf, 8),
            flags: TcpFlags(be16(buf, 12) & 0x0FFF),
            window: be16(buf, 14),
            checksum: be16(buf, 16),
            urgent: be16(buf, 18),
            options: parse_options(&buf[Self::MIN_LEN..doff], Self::MIN_LEN)?.into(),
        };
        Ok((h, &buf[doff..]))
    }

    pub fn emit(&self, out: &mut Vec<u8>) {
        let opts = self.option_bytes();
        let doff = ((Self::MIN_LEN + opts.len()) / 4) as u16;
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.ack.to_be_bytes());
        out.extend_from_slice(&((doff << 12) | (self.flags.0 & 0x0FFF)).to_be_bytes());
        out.extend_from_slice(&self.window.to_be_bytes());
        out.extend_from_slice(&self.checksum.to_be_bytes());
        out.extend_from_slice(&self.urgent.to_be_bytes());
        out.extend_from_slice(&opts);
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::MIN_LEN);
        self.emit(&mut v);
        v
    }

    fn segment(&self, checksum: u16, data: &[u8]) -> Vec<u8> {
        let mut h = self.clone();
        h.checksum = checksum;
        let mut v = h.to_bytes();
        v.extend_from_slice(data);
        v
    }

    pub fn compute_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr, data: &[u8]) -> u16 {
        checksum::transport_checksum(src, dst, protocol::TCP, &self.segment(0, data))
    }

    pub fn fill_checksum(&mut self, src: Ipv4Addr, dst: Ipv4Addr, data: &[u8]) {
        self.checksum = self.compute_checksum(src, dst, data);
    }

    pub fn checksum_ok(&self, src: Ipv4Addr, dst: Ipv4Addr, data: &[u8]) -> bool {
        checksum::transport_verify(src, dst, protocol::TCP, &self.segment(self.checksum, data))
    }
}
