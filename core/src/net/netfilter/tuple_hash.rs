//! The hash index of conntrack's tuples: a tuple packed into one integer, and the fixed hash
//! of those integers (the index is only looked up, never listed, so its order cannot show).

use std::hash::Hasher;

use super::conntrack::Tuple;

/// A tuple packed into one integer: the hash index's key.
pub(super) fn key(t: &Tuple) -> u128 {
    (u128::from(t.proto) << 96) | (u128::from(u32::from(t.src)) << 64) | (u128::from(u32::from(t.dst)) << 32) | (u128::from(t.sport) << 16) | u128::from(t.dport)
}

/// A multiply-rotate hash for the packed tuples (keys come from the simulation, not from an
/// adversary, so no keyed hash is needed).
#[derive(Debug, Clone, Copy, Default)]
pub struct TupleHasher(u64);

impl Hasher for TupleHasher {
    /// Ends with a 64-bit finalizer (murmur3's fmix64): a multiply only carries low bits
    /// upwards, and the table indexes buckets by the low bits, so without it the source port
    /// (low in the key, mixed in first) would reach only a few buckets.
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64);
    }
}
