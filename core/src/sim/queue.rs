//! The discrete-event queue: tasks ordered by (time, sequence number). The sequence number
//! makes ties deterministic: two tasks due at the same instant run in the order they were queued.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::time::SimTime;

#[derive(Debug, Clone)]
pub struct Queue<T> {
    heap: BinaryHeap<Reverse<Entry<T>>>,
    next_seq: u64,
}

#[derive(Debug, Clone)]
struct Entry<T> {
    at: SimTime,
    seq: u64,
    task: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue { heap: BinaryHeap::new(), next_seq: 0 }
    }
}

impl<T> Queue<T> {
    pub fn push(&mut self, at: SimTime, task: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Entry { at, seq, task }));
    }

    /// When the next task is due.
    pub fn next_at(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse(e)| e.at)
    }

    /// Removes the earliest task if it is due at or before `limit`.
    pub fn pop_due(&mut self, limit: SimTime) -> Option<(SimTime, T)> {
        if self.next_at()? > limit {
            return None;
        }
        self.heap.pop().map(|Reverse(e)| (e.at, e.task))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_insertion_order() {
        let mut q = Queue::default();
        q.push(SimTime(5), "c");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "d");
        q.push(SimTime(1), "b");
        let mut out = vec![];
        while let Some((_, t)) = q.pop_due(SimTime(10)) {
            out.push(t);
        }
        assert_eq!(out, ["a", "b", "c", "d"]);
    }

    #[test]
    fn nothing_due_before_its_time() {
        let mut q = Queue::default();
        q.push(SimTime(5), ());
        assert!(q.pop_due(SimTime(4)).is_none());
        assert!(q.pop_due(SimTime(5)).is_some());
    }
}
