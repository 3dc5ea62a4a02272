//! Hashing for maps that are only looked up, never iterated (so no hash order reaches output):
//! keys that are 64-bit hashes already go in as they are.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by precomputed 64-bit hashes.
pub type PrehashedMap<V> = HashMap<u64, V, BuildHasherDefault<Prehashed>>;

/// A hasher for keys that are hashes already (anything else is hashed with FNV-1a).
#[derive(Default)]
pub struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// 64-bit FNV-1a: stable across runs and platforms, unlike the standard library's hasher.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_prehashed_key_is_its_own_hash() {
        let mut m: PrehashedMap<&str> = PrehashedMap::default();
        m.insert(7, "seven");
        m.insert(u64::MAX, "max");
        assert_eq!((m.get(&7), m.get(&u64::MAX), m.get(&8)), (Some(&"seven"), Some(&"max"), None));
    }
}
