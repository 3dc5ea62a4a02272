//! The store's history: every write since the cluster began, without the objects (who wrote
//! what, when and why — all the event chain needs).
//!
//! Kept compact because it grows with every write for the life of the cluster: a record is 32
//! bytes (the key and the writer as indexes into tables holding each distinct key and writer
//! once, the cause packed as a tag and a number, the resourceVersion implied by the record's
//! place in a run of consecutive versions). Records and keys live in fixed-size chunks, so
//! growing never copies what is stored nor holds two copies at once, and a clone of the store
//! (a snapshot) shares every full chunk instead of copying it.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::{ActionId, Cause, Component, ObjectRef, WatchEventType};
use crate::hashing::{fnv1a, PrehashedMap};
use crate::time::SimTime;

/// Records (and keys) per chunk.
const CHUNK: usize = 4096;

/// One write as the history reads it back: who wrote what, when and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub resource_version: u64,
    pub event_type: WatchEventType,
    pub key: &'a ObjectRef,
    pub at: SimTime,
    pub by: &'a Component,
    pub cause: Cause,
}

/// A write as stored: 32 bytes.
#[derive(Debug, Clone, Copy)]
struct Entry {
    at: u64,
    cause: u64,
    key: u32,
    by: u32,
    cause_tag: u8,
    event_type: WatchEventType,
}

const BOOTSTRAP: u8 = 0;
const ACTION: u8 = 1;
const WRITE: u8 = 2;
const TIMER: u8 = 3;
const TIMER_OF: u8 = 4;

fn pack(cause: Cause) -> (u8, u64) {
    match cause {
        Cause::Bootstrap => (BOOTSTRAP, 0),
        Cause::Action(a) => (ACTION, a.0),
        Cause::Write(rv) => (WRITE, rv),
        Cause::Timer(None) => (TIMER, 0),
        Cause::Timer(Some(rv)) => (TIMER_OF, rv),
    }
}

fn unpack(tag: u8, value: u64) -> Cause {
    match tag {
        ACTION => Cause::Action(ActionId(value)),
        WRITE => Cause::Write(value),
        TIMER => Cause::Timer(None),
        TIMER_OF => Cause::Timer(Some(value)),
        _ => Cause::Bootstrap,
    }
}

/// An append-only list in fixed-size chunks; full chunks are shared between clones.
#[derive(Debug, Clone)]
struct Chunked<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new(), len: 0 }
    }
}

impl<T: Clone> Chunked<T> {
    fn push(&mut self, value: T) -> usize {
        if self.len % CHUNK == 0 {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        let last = self.chunks.last_mut().expect("a chunk was pushed above");
        Arc::make_mut(last).push(value);
        self.len += 1;
        self.len - 1
    }

    fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }
}

/// Every write, oldest first. [`History::get`] and iteration yield [`Record`]s.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Where each run of consecutive resourceVersions starts: (its first version, its first
    /// record). One run unless a write skipped a version.
    runs: Vec<(u64, usize)>,
    entries: Chunked<Entry>,
    /// Each key written, once, by index (the `Arc` the store's map held when it was first
    /// written, so the names are not copied).
    keys: Chunked<Arc<ObjectRef>>,
    /// Key hash → index of the first key with that hash; keys whose hash was taken are in
    /// `collided`. Looked up only, never iterated: a hash map's order never reaches output.
    key_index: PrehashedMap<u32>,
    collided: Vec<u32>,
    /// Each writer, once, by index.
    writers: Vec<Component>,
    /// Writer name hash → the writers with that hash (looked up only, never iterated).
    writer_index: PrehashedMap<Vec<u32>>,
    /// The index of the last writer, checked first (writes come in bursts from one component).
    last_writer: u32,
}

impl History {
    pub fn len(&self) -> usize {
        self.entries.len
    }

    pub fn is_empty(&self) -> bool {
        self.entries.len == 0
    }

    /// Appends a write.
    pub fn push(&mut self, resource_version: u64, event_type: WatchEventType, key: &Arc<ObjectRef>, at: SimTime, by: &Component, cause: Cause) {
        let key = self.key_id(key);
        let by = self.writer_id(by);
        let (cause_tag, cause) = pack(cause);
        let index = self.entries.len;
        let continues = self.runs.last().is_some_and(|&(rv, start)| rv + (index - start) as u64 == resource_version);
        if !continues {
            self.runs.push((resource_version, index));
        }
        self.entries.push(Entry { at: at.0, cause, key, by, cause_tag, event_type });
    }

    /// The `i`th write, oldest first.
    pub fn get(&self, i: usize) -> Option<Record<'_>> {
        let e = self.entries.get(i)?;
        let run = self.runs.partition_point(|&(_, start)| start <= i) - 1;
        let (first_rv, start) = self.runs[run];
        Some(Record {
            resource_version: first_rv + (i - start) as u64,
            event_type: e.event_type,
            key: self.keys.get(e.key as usize)?.as_ref(),
            at: SimTime(e.at),
            by: self.writers.get(e.by as usize)?,
            cause: unpack(e.cause_tag, e.cause),
        })
    }

    /// The writes, oldest first.
    pub fn iter(&self) -> Iter<'_> {
        Iter { history: self, range: 0..self.len() }
    }

    fn key_id(&mut self, key: &Arc<ObjectRef>) -> u32 {
        let hash = key_hash(key);
        match self.key_index.get(&hash) {
            None => {
                let id = self.keys.push(key.clone()) as u32;
                self.key_index.insert(hash, id);
                id
            }
            Some(&id) if self.keys.get(id as usize).is_some_and(|k| same_key(k, key)) => id,
            Some(_) => {
                if let Some(&id) = self.collided.iter().find(|&&id| self.keys.get(id as usize).is_some_and(|k| same_key(k, key))) {
                    return id;
                }
                let id = self.keys.push(key.clone()) as u32;
                self.collided.push(id);
                id
            }
        }
    }

    fn writer_id(&mut self, by: &Component) -> u32 {
        if self.writers.get(self.last_writer as usize).is_some_and(|w| w == by) {
            return self.last_writer;
        }
        let hash = fnv1a(by.as_str().as_bytes());
        let known = self.writer_index.get(&hash).and_then(|ids| ids.iter().copied().find(|&id| self.writers[id as usize] == *by));
        let id = match known {
            Some(id) => id,
            None => {
                let id = self.writers.len() as u32;
                self.writers.push(by.clone());
                self.writer_index.entry(hash).or_default().push(id);
                id
            }
        };
        self.last_writer = id;
        id
    }
}

/// The same key: the same shared `Arc` (the usual case: the store passes the key it holds),
/// or equal names.
fn same_key(a: &Arc<ObjectRef>, b: &Arc<ObjectRef>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// 64-bit FNV-1a of a key (stable across runs, unlike the standard library's hasher).
fn key_hash(key: &ObjectRef) -> u64 {
    struct Fnv(u64);
    impl Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.0 ^= u64::from(b);
                self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    key.hash(&mut h);
    h.finish()
}

/// The writes in order (double-ended: `rfind` finds the latest).
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    history: &'a History,
    range: std::ops::Range<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        let i = self.range.next()?;
        self.history.get(i)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let i = self.range.next_back()?;
        self.history.get(i)
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a History {
    type Item = Record<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
