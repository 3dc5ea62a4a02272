//! client-go's EventAggregator (tools/record/events_cache.go): events from one source about one
//! object with the same type and reason but different messages are counted per 10-minute
//! window; from the tenth different message on, each is recorded as one aggregate Event,
//! `(combined from similar events): <latest message>`, whose count grows. The aggregator's
//! cache is an LRU of 4,096 entries, as client-go's.
//!
//! Simplification: client-go drops an arbitrary message from a full set (`PopAny`); here the
//! one with the smallest hash goes, so runs repeat exactly.

use std::collections::{BTreeMap, BTreeSet};

use crate::time::{SimDuration, SimTime};

/// `defaultAggregateMaxEvents`.
pub const MAX_SIMILAR: usize = 10;
/// `defaultAggregateIntervalInSeconds`.
pub const INTERVAL: SimDuration = SimDuration::from_secs(600);
/// `maxLruCacheEntries`.
pub const LRU_ENTRIES: usize = 4096;
/// `EventAggregatorByReasonMessageFunc`'s prefix.
pub const COMBINED: &str = "(combined from similar events): ";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    /// Hashes of the different messages seen in the window.
    messages: BTreeSet<u64>,
    last: SimTime,
    /// When the entry was last used (its place in the LRU order).
    used: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Aggregator {
    records: BTreeMap<u64, Record>,
    /// LRU order: use number → aggregate key.
    order: BTreeMap<u64, u64>,
    uses: u64,
}

impl Aggregator {
    /// `EventAggregate`: notes message `message` under aggregate key `key` at `now`; true when
    /// the event is to be recorded as the aggregate one.
    pub fn observe(&mut self, key: u64, message: u64, now: SimTime) -> bool {
        self.uses += 1;
        let used = self.uses;
        let record = match self.records.get_mut(&key) {
            Some(r) => {
                self.order.remove(&r.used);
                r
            }
            None => self.records.entry(key).or_insert(Record { messages: BTreeSet::new(), last: SimTime::ZERO, used }),
        };
        if record.messages.is_empty() || now.since(record.last) > INTERVAL {
            record.messages.clear();
        }
        record.messages.insert(message);
        record.last = now;
        record.used = used;
        let aggregate = record.messages.len() >= MAX_SIMILAR;
        if aggregate {
            record.messages.pop_first();
        }
        self.order.insert(used, key);
        while self.records.len() > LRU_ENTRIES {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            self.records.remove(&oldest);
        }
        aggregate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SimTime {
        SimTime(s * 1_000_000)
    }

    #[test]
    fn the_tenth_different_message_in_ten_minutes_is_aggregated() {
        let mut a = Aggregator::default();
        let got: Vec<bool> = (0..12).map(|m| a.observe(1, m, at(m))).collect();
        assert_eq!(got, [false, false, false, false, false, false, false, false, false, true, true, true]);
        // Repeats of a message already counted do not add to the set.
        let mut b = Aggregator::default();
        for i in 0..20 {
            assert!(!b.observe(1, 7, at(i)));
        }
        // Another key, or a quiet spell longer than the interval, starts afresh.
        assert!(!a.observe(2, 100, at(12)));
        assert!(!a.observe(1, 200, at(12 + 601)));
    }

    #[test]
    fn the_cache_keeps_the_most_recently_used_entries() {
        let mut a = Aggregator::default();
        for m in 0..9 {
            a.observe(0, m, at(0));
        }
        for k in 1..=LRU_ENTRIES as u64 {
            a.observe(k, 0, at(1));
        }
        // Key 0 was evicted: its nine messages are forgotten.
        assert!(!a.observe(0, 9, at(2)));
    }
}
