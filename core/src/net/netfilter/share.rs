//! What namespaces share beyond one namespace's own restores: a rule restored from the same
//! text anywhere is the same rule object, a comment the same string, and a table section
//! restored onto a pristine table from the same text is the same table (flanneld and kube-proxy give every node mostly the
//! same rules, and the rules never change once made). Both are found by a 64-bit hash of the
//! text, in process-wide maps that hold weak references only, so a rule or table that no
//! namespace holds any more is not kept; the maps drop such references as they grow.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, Weak};

use super::rule::Rule;
use super::table::Table;

/// Keys are hashes already.
#[derive(Debug, Clone, Copy, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = super::restore::bytes_hash(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

struct Cache<T: ?Sized> {
    map: HashMap<u64, Weak<T>, BuildHasherDefault<KeyHasher>>,
    /// The size at which references nobody holds are dropped.
    prune_at: usize,
}

impl<T: ?Sized> Cache<T> {
    const fn new() -> Cache<T> {
        Cache { map: HashMap::with_hasher(BuildHasherDefault::new()), prune_at: 1024 }
    }

    fn get(&self, key: u64) -> Option<Arc<T>> {
        self.map.get(&key)?.upgrade()
    }

    fn put(&mut self, key: u64, v: &Arc<T>) {
        if self.map.len() >= self.prune_at {
            self.map.retain(|_, w| w.strong_count() > 0);
            self.prune_at = (self.map.len() * 2).max(1024);
        }
        self.map.insert(key, Arc::downgrade(v));
    }
}

static RULES: Mutex<Cache<Rule>> = Mutex::new(Cache::new());
static TEXTS: Mutex<Cache<str>> = Mutex::new(Cache::new());
static SECTIONS: Mutex<Cache<Table>> = Mutex::new(Cache::new());

/// The rule restored from the text hashed to `source`, made by `parse` if no namespace holds
/// one.
pub fn rule(source: u64, parse: impl FnOnce() -> Result<Rule, String>) -> Result<Arc<Rule>, String> {
    if let Some(r) = RULES.lock().ok().and_then(|c| c.get(source)) {
        return Ok(r);
    }
    let mut r = parse()?;
    r.source = source;
    let r = Arc::new(r);
    if let Ok(mut c) = RULES.lock() {
        c.put(source, &r);
    }
    Ok(r)
}

/// `text` as a shared string (rule comments repeat across rules and namespaces).
pub fn text(text: &str) -> Arc<str> {
    let key = super::restore::text_hash(text);
    let Ok(mut c) = TEXTS.lock() else { return text.into() };
    if let Some(t) = c.get(key).filter(|t| **t == *text) {
        return t;
    }
    let t: Arc<str> = text.into();
    c.put(key, &t);
    t
}

/// The table that the section hashed to `key` made from a pristine table, if a namespace
/// still holds it.
pub fn section(key: u64) -> Option<Arc<Table>> {
    SECTIONS.lock().ok()?.get(key)
}

/// Remembers the table a section made from a pristine table.
pub fn remember_section(key: u64, t: &Arc<Table>) {
    if let Ok(mut c) = SECTIONS.lock() {
        c.put(key, t);
    }
}
