//! The Internet checksum (RFC 1071) used by IPv4, ICMP, UDP and TCP.
//!
//! The data is summed as big-endian 16-bit words (an odd last byte is padded with a zero byte
//! on the right) in one's-complement arithmetic: carries out of bit 15 are added back in
//! ("end-around carry"). The checksum field holds the one's complement of that sum, computed
//! with the field itself set to zero; a receiver summing everything, checksum included, gets
//! 0xFFFF.
//!
//! UDP and TCP over IPv4 also cover a 12-byte pseudo-header that is never sent:
//! `source address (4) | destination address (4) | zero (1) | protocol (1) | length (2)`,
//! where length is the UDP length / the TCP header plus data.

use std::net::Ipv4Addr;

/// How a received checksum compares with the data (the states tshark reports as
/// `*.checksum.status`: 1 good, 0 bad, 3 not present).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumStatus {
    Good,
    Bad,
    /// A UDP checksum of zero over IPv4: the sender computed none.
    Absent,
}

/// Adds `data` as 16-bit big-endian words to a running (unfolded) sum.
pub fn sum(data: &[u8], mut acc: u64) -> u64 {
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// Folds the carries back in until the sum fits 16 bits.
pub fn fold(mut acc: u64) -> u16 {
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    acc as u16
}

/// The checksum of `data` (computed with its checksum field zeroed).
pub fn checksum(data: &[u8]) -> u16 {
    !fold(sum(data, 0))
}

/// True when `data`, its checksum field included, sums to 0xFFFF.
pub fn verify(data: &[u8]) -> bool {
    fold(sum(data, 0)) == 0xFFFF
}

/// The unfolded sum of the IPv4 pseudo-header.
pub fn pseudo_header_sum(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: u16) -> u64 {
    let mut acc = sum(&src.octets(), 0);
    acc = sum(&dst.octets(), acc);
    acc += u64::from(protocol);
    acc + u64::from(length)
}

/// Checksum of a UDP datagram or TCP segment (`segment` = header with the checksum field zeroed,
/// then payload) under the IPv4 pseudo-header. The length in the pseudo-header is the segment's.
/// The raw result may be 0; UDP sends that as 0xFFFF (see `udp.rs`), TCP sends it as 0.
pub fn transport_checksum(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, segment: &[u8]) -> u16 {
    let len = u16::try_from(segment.len()).unwrap_or(u16::MAX);
    !fold(sum(segment, pseudo_header_sum(src, dst, protocol, len)))
}

/// True when `segment` (checksum field included) verifies under the pseudo-header.
pub fn transport_verify(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, segment: &[u8]) -> bool {
    let len = u16::try_from(segment.len()).unwrap_or(u16::MAX);
    fold(sum(segment, pseudo_header_sum(src, dst, protocol, len))) == 0xFFFF
}
