//! The simulation's one source of randomness.
//!
//! Every random choice (uids, name suffixes, allocator picks, tie breaks, `statistic` matches)
//! draws from one [`SimRng`] owned by the simulation and seeded from the cluster config, so the
//! same seed and the same inputs replay byte for byte. PCG64 (`rand_pcg::Pcg64Mcg`) is used
//! because its output sequence is value-stable across releases.

use rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// The seed used when a cluster config names none.
pub const DEFAULT_SEED: u64 = 0x6669_7368_626f_776c; // "fishbowl"

/// Alphabet of `metadata.generateName` suffixes: no vowels, no `y`, no `0 1 3`.
pub const NAME_SUFFIX_ALPHABET: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";

#[derive(Debug, Clone)]
pub struct SimRng {
    inner: Pcg64Mcg,
}

impl SimRng {
    pub fn seeded(seed: u64) -> Self {
        SimRng { inner: Pcg64Mcg::seed_from_u64(seed) }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform integer in `0..n` (Lemire's multiply-and-reject; no modulo bias).
    /// `n` must be non-zero.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "SimRng::below(0)");
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// A uniform float in `[0, 1)` with 53 bits of precision.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Five characters from the generateName alphabet, as the API server appends them.
    pub fn name_suffix(&mut self) -> String {
        (0..5)
            .map(|_| NAME_SUFFIX_ALPHABET[self.below(27) as usize] as char)
            .collect()
    }

    /// A random (version 4) UUID in its canonical text form.
    pub fn uuid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&hi.to_be_bytes());
        b[8..].copy_from_slice(&lo.to_be_bytes());
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(36);
        for (i, x) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                out.push('-');
            }
            out.push(HEX[usize::from(x >> 4)] as char);
            out.push(HEX[usize::from(x & 0x0f)] as char);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut a = SimRng::seeded(7);
        let mut b = SimRng::seeded(7);
        let xs: Vec<u64> = (0..16).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..16).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(SimRng::seeded(8).next_u64(), xs[0]);
    }

    #[test]
    fn suffix_uses_the_real_alphabet() {
        let mut r = SimRng::seeded(1);
        for _ in 0..200 {
            let s = r.name_suffix();
            assert_eq!(s.len(), 5);
            assert!(s.bytes().all(|c| NAME_SUFFIX_ALPHABET.contains(&c)), "{s}");
        }
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = SimRng::seeded(2);
        let mut seen = [false; 27];
        for _ in 0..2000 {
            let v = r.below(27) as usize;
            seen[v] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn uuid_text_is_the_canonical_hex_of_the_bytes() {
        let mut a = SimRng::seeded(11);
        let mut b = SimRng::seeded(11);
        for _ in 0..100 {
            let (hi, lo) = (b.next_u64(), b.next_u64());
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&hi.to_be_bytes());
            bytes[8..].copy_from_slice(&lo.to_be_bytes());
            bytes[6] = (bytes[6] & 0x0f) | 0x40;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            let h: String = bytes.iter().map(|x| format!("{x:02x}")).collect();
            let expected = format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]);
            assert_eq!(a.uuid(), expected);
        }
    }

    #[test]
    fn uuid_is_version_4() {
        let u = SimRng::seeded(3).uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }
}
