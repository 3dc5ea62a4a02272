//! Kinds defined by CustomResourceDefinitions.
//!
//! A custom kind is named by its group, plural, kind and scope: the part of a CRD's names that
//! cannot change once it is established. Each distinct identity is interned once per process
//! into a `&'static KindInfo`, so that [`Kind`] stays `Copy` and `kind.info()` keeps working for
//! every caller. What may change over a CRD's life (versions, short names, schemas, printer
//! columns) is read from the CRD object in the store when it is needed.
//!
//! Ordering compares the identity, never the interning order, so iteration over kinds is the
//! same whichever simulation interned a kind first.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::RwLock;

use super::{Kind, KindInfo};

static INTERNED: RwLock<Vec<&'static KindInfo>> = RwLock::new(Vec::new());

/// The info of a kind whose interning was lost (never happens; keeps lookups total).
static UNKNOWN: KindInfo = KindInfo {
    kind: Kind::CustomResourceDefinition,
    name: "Unknown",
    group: "",
    versions: &[],
    plural: "unknown",
    short_names: &[],
    namespaced: false,
};

/// A handle on an interned custom kind.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CustomKind(u32);

impl CustomKind {
    /// The kind served as `kind` under `group`, with resource name `plural`.
    pub fn intern(group: &str, plural: &str, kind: &str, namespaced: bool) -> CustomKind {
        let same = |k: &&KindInfo| k.group == group && k.plural == plural && k.name == kind && k.namespaced == namespaced;
        if let Some(i) = read().iter().position(same) {
            return CustomKind(i as u32);
        }
        let mut table = INTERNED.write().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = table.iter().position(same) {
            return CustomKind(i as u32);
        }
        let id = CustomKind(table.len() as u32);
        let info: &'static KindInfo = Box::leak(Box::new(KindInfo {
            kind: Kind::Custom(id),
            name: leak(kind),
            group: leak(group),
            versions: &[],
            plural: leak(plural),
            short_names: &[],
            namespaced,
        }));
        table.push(info);
        id
    }

    /// Group, plural, kind and scope. `versions` and `short_names` are empty: they live in the CRD.
    pub fn info(self) -> &'static KindInfo {
        read().get(self.0 as usize).copied().unwrap_or(&UNKNOWN)
    }

    /// The CRD's name: `<plural>.<group>`.
    pub fn crd_name(self) -> String {
        let info = self.info();
        format!("{}.{}", info.plural, info.group)
    }

    fn key(self) -> (&'static str, &'static str, &'static str, bool) {
        let i = self.info();
        (i.group, i.plural, i.name, i.namespaced)
    }
}

fn read() -> std::sync::RwLockReadGuard<'static, Vec<&'static KindInfo>> {
    INTERNED.read().unwrap_or_else(|e| e.into_inner())
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

impl Ord for CustomKind {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.0 == other.0 {
            return Ordering::Equal;
        }
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for CustomKind {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for CustomKind {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for CustomKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.info();
        write!(f, "{}.{}", i.name, i.group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent_and_keeps_the_identity() {
        let a = CustomKind::intern("stable.example.com", "crontabs", "CronTab", true);
        let b = CustomKind::intern("stable.example.com", "crontabs", "CronTab", true);
        assert_eq!(a, b);
        let info = Kind::Custom(a).info();
        assert_eq!((info.name, info.group, info.plural, info.namespaced), ("CronTab", "stable.example.com", "crontabs", true));
        assert_eq!(info.kind, Kind::Custom(a));
        assert_eq!(Kind::Custom(a).to_string(), "CronTab");
        assert_eq!(Kind::Custom(a).qualified_singular(), "crontab.stable.example.com");
        assert_eq!(a.crd_name(), "crontabs.stable.example.com");
        let cluster = CustomKind::intern("stable.example.com", "crontabs", "CronTab", false);
        assert_ne!(a, cluster);
    }

    #[test]
    fn ordering_follows_the_identity_not_the_interning_order() {
        let z = CustomKind::intern("z.example.com", "zebras", "Zebra", true);
        let a = CustomKind::intern("a.example.com", "apples", "Apple", true);
        assert!(Kind::Custom(a) < Kind::Custom(z));
        assert!(Kind::CustomResourceDefinition < Kind::Custom(a), "built-in kinds sort first");
    }
}
