//! Classic libpcap capture files (what `tcpdump -w` writes), readable by tcpdump, tshark and
//! Wireshark.
//!
//! ```text
//! global header, 24 bytes, in the writer's byte order (little-endian here):
//!   magic 0xa1b2c3d4 (µs timestamps; written d4 c3 b2 a1) | version 2 (u16) | 4 (u16)
//!   thiszone 0 (i32) | sigfigs 0 (u32) | snaplen (u32) | link type (u32, 1 = Ethernet)
//! per packet, 16 bytes then the captured bytes:
//!   ts_sec (u32) | ts_usec (u32) | incl_len (u32, captured) | orig_len (u32, on the wire)
//! ```
//!
//! Timestamps are Unix time. Simulated instants are microseconds since the simulation epoch,
//! 2024-01-01T00:00:00Z (Unix 1704067200), unless another epoch is given.

use crate::time::EPOCH_UNIX_SECS;

pub const MAGIC_MICROS: u32 = 0xA1B2_C3D4;
pub const LINKTYPE_ETHERNET: u32 = 1;
/// tcpdump's default snapshot length (262144 bytes): whole frames are kept.
pub const SNAPLEN: u32 = 262_144;

/// One captured frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub ts_sec: u32,
    pub ts_usec: u32,
    /// The frame's length on the wire (`orig_len`); `data` may be shorter when cut at snaplen.
    pub orig_len: u32,
    pub data: Vec<u8>,
}

/// A capture being written, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcap {
    pub epoch_unix_secs: i64,
    pub snaplen: u32,
    pub linktype: u32,
    pub records: Vec<Record>,
}

impl Default for Pcap {
    fn default() -> Self {
        Self::new()
    }
}

impl Pcap {
    /// An Ethernet capture whose timestamps count from the simulation epoch.
    pub fn new() -> Self {
        Self::with_epoch(EPOCH_UNIX_SECS)
    }

    /// An Ethernet capture whose simulated zero is Unix time `epoch_unix_secs`.
    pub fn with_epoch(epoch_unix_secs: i64) -> Self {
        Pcap { epoch_unix_secs, snaplen: SNAPLEN, linktype: LINKTYPE_ETHERNET, records: Vec::new() }
    }

    /// Records `frame` seen at `at_micros` simulated microseconds, cut at the snapshot length.
    /// (Timestamps are u32 seconds in this format; instants past 2106 wrap.)
    pub fn push(&mut self, at_micros: u64, frame: &[u8]) {
        let secs = self.epoch_unix_secs.wrapping_add((at_micros / 1_000_000) as i64);
        let keep = frame.len().min(self.snaplen as usize);
        self.records.push(Record {
            ts_sec: secs as u32,
            ts_usec: (at_micros % 1_000_000) as u32,
            orig_len: u32::try_from(frame.len()).unwrap_or(u32::MAX),
            data: frame[..keep].to_vec(),
        });
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let size: usize = 24 + self.records.iter().map(|r| 16 + r.data.len()).sum::<usize>();
        let mut out = Vec::with_capacity(size);
        for v in [MAGIC_MICROS, 0x0004_0002, 0, 0, self.snaplen, self.linktype] {
            // version major 2 then minor 4, each u16 little-endian: 02 00 04 00
            out.extend_from_slice(&v.to_le_bytes());
        }
        for r in &self.records {
            for v in [r.ts_sec, r.ts_usec, r.data.len() as u32, r.orig_len] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&r.data);
        }
        out
    }

    /// Reads a classic pcap file in either byte order, microsecond timestamps only.
    pub fn parse(bytes: &[u8]) -> Result<Pcap, String> {
        let Some(head) = bytes.get(..24) else {
            return Err(format!("pcap: truncated global header ({} of 24 bytes)", bytes.len()));
        };
        let le = match head[..4] {
            [0xd4, 0xc3, 0xb2, 0xa1] => true,
            [0xa1, 0xb2, 0xc3, 0xd4] => false,
            _ => return Err(format!("pcap: unknown magic {:02x?}", &head[..4])),
        };
        let u32_at = |b: &[u8], at: usize| {
            let w = [b[at], b[at + 1], b[at + 2], b[at + 3]];
            if le {
                u32::from_le_bytes(w)
            } else {
                u32::from_be_bytes(w)
            }
        };
        let mut pcap = Pcap::with_epoch(0);
        pcap.snaplen = u32_at(head, 16);
        pcap.linktype = u32_at(head, 20);
        let mut at = 24;
        while at < bytes.len() {
            let Some(rh) = bytes.get(at..at + 16) else {
                return Err(format!("pcap: truncated record header at byte {at}"));
            };
            let incl = u32_at(rh, 8) as usize;
            let Some(data) = bytes.get(at + 16..).and_then(|b| b.get(..incl)) else {
                return Err(format!("pcap: record at byte {at} wants {incl} bytes"));
            };
            pcap.records.push(Record {
                ts_sec: u32_at(rh, 0),
                ts_usec: u32_at(rh, 4),
                orig_len: u32_at(rh, 12),
                data: data.to_vec(),
            });
            at += 16 + incl;
        }
        Ok(pcap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_header_bytes() {
        let mut p = Pcap::new();
        p.snaplen = 65535;
        let b = p.to_bytes();
        let want = [
            0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0,
            0x01, 0, 0, 0,
        ];
        assert_eq!(b, want);
        assert_eq!(&Pcap::new().to_bytes()[16..20], &[0x00, 0x00, 0x04, 0x00]);
    }

    #[test]
    fn record_timestamps_from_the_simulation_epoch() {
        let mut p = Pcap::new();
        p.push(5_250_000, &[1, 2, 3]);
        let b = p.to_bytes();
        assert_eq!(b.len(), 24 + 16 + 3);
        assert_eq!(&b[24..28], &(1_704_067_205u32).to_le_bytes());
        assert_eq!(&b[28..32], &250_000u32.to_le_bytes());
        assert_eq!(&b[32..36], &3u32.to_le_bytes());
        assert_eq!(&b[36..40], &3u32.to_le_bytes());
        assert_eq!(&b[40..], &[1, 2, 3]);
        let mut q = Pcap::with_epoch(0);
        q.push(1, &[9]);
        assert_eq!((q.records[0].ts_sec, q.records[0].ts_usec), (0, 1));
    }

    #[test]
    fn snaplen_cuts_and_reader_round_trips() {
        let mut p = Pcap::new();
        p.snaplen = 4;
        p.push(0, &[1, 2, 3, 4, 5, 6]);
        p.push(7, &[7]);
        let b = p.to_bytes();
        let back = Pcap::parse(&b).unwrap();
        assert_eq!(back.records, p.records);
        assert_eq!(back.records[0].orig_len, 6);
        assert_eq!(back.records[0].data, vec![1, 2, 3, 4]);
        for n in 0..b.len() {
            if n != 24 && n != 24 + 16 + 4 {
                assert!(Pcap::parse(&b[..n]).is_err(), "prefix {n}");
            }
        }
    }
}
