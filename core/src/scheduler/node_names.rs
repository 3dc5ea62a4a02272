//! Node names, interned for the life of the program. A scheduling decision names each of the
//! hundreds of nodes it considered, for every pod; a `&'static str` costs nothing to copy or
//! drop, where a reference-counted name costs two atomic operations per node per decision.
//! Each distinct name is stored once, shared by every simulation in the process: there are as
//! many as distinct node names ever registered, and a cluster never reuses one.

use std::collections::BTreeSet;
use std::sync::Mutex;

static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// The one stored copy of `name`.
pub fn intern(name: &str) -> &'static str {
    let mut names = NAMES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&known) = names.get(name) {
        return known;
    }
    let stored: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(stored);
    stored
}

#[cfg(test)]
mod tests {
    use super::intern;

    #[test]
    fn a_name_is_stored_once() {
        let a = intern("node-interned-1");
        let b = intern(&String::from("node-interned-1"));
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "node-interned-1");
        assert!(!std::ptr::eq(a, intern("node-interned-2")));
    }
}
