//! Per-rule packet and byte counters, kept apart from the (shared) rules: every namespace
//! counts its own packets on rules it may share with other namespaces.
//!
//! For each table, the chains that counted something, each with `(rule number, packets,
//! bytes)` sorted by rule number (0 is the chain's policy). Counters belong to a chain's name
//! and a rule's number, as `iptables-save -c` shows them. A hook finds its chain's counters
//! through the chain's position in the table, checked against the name, so counting a packet
//! compares no strings while the table's chain list stays the same.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::table::TableId;

/// The counters of one namespace.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// Made on the first packet counted (most namespaces never count one).
    tables: Option<Box<[TableCounters; 4]>>,
}

/// (rule number, packets, bytes) of one chain, sorted by rule number.
type ChainCounters = Vec<(usize, u64, u64)>;

#[derive(Debug, Clone, Default)]
struct TableCounters {
    /// (chain name, its counters).
    chains: Vec<(Arc<str>, ChainCounters)>,
    by_name: BTreeMap<Arc<str>, usize>,
    /// A chain's position in the table → its index in `chains`, as last seen.
    at: Vec<u32>,
}

/// `TableCounters::at` for a position not seen yet.
const UNSEEN: u32 = u32::MAX;

impl TableCounters {
    /// The counters of the chain at `pos` in the table, named `name`.
    fn chain(&mut self, pos: usize, name: &Arc<str>) -> &mut ChainCounters {
        let known = self.at.get(pos).map(|&i| i as usize).filter(|&i| i < self.chains.len() && (Arc::ptr_eq(&self.chains[i].0, name) || self.chains[i].0 == *name));
        let i = match known {
            Some(i) => i,
            None => {
                let i = match self.by_name.get(name) {
                    Some(&i) => i,
                    None => {
                        self.chains.push((name.clone(), Vec::new()));
                        self.by_name.insert(name.clone(), self.chains.len() - 1);
                        self.chains.len() - 1
                    }
                };
                if self.at.len() <= pos {
                    self.at.resize(pos + 1, UNSEEN);
                }
                self.at[pos] = u32::try_from(i).unwrap_or(UNSEEN);
                i
            }
        };
        &mut self.chains[i].1
    }
}

impl Counters {
    /// Counts one packet of `bytes` on rule `rule` (0: the policy) of the chain at position
    /// `pos` of `table`, named `name`.
    pub fn count(&mut self, table: TableId, pos: usize, name: &Arc<str>, rule: usize, bytes: u64) {
        let list = self.tables.get_or_insert_with(Default::default)[table as usize].chain(pos, name);
        match list.binary_search_by_key(&rule, |e| e.0) {
            Ok(k) => {
                list[k].1 += 1;
                list[k].2 += bytes;
            }
            Err(k) => list.insert(k, (rule, 1, bytes)),
        }
    }

    /// (packets, bytes) of rule number `rule` of `chain`.
    pub fn rule(&self, table: TableId, chain: &str, rule: usize) -> (u64, u64) {
        let Some(t) = self.tables.as_ref().map(|t| &t[table as usize]) else { return (0, 0) };
        let Some(&i) = t.by_name.get(chain) else { return (0, 0) };
        let list = &t.chains[i].1;
        list.binary_search_by_key(&rule, |e| e.0).map_or((0, 0), |k| (list[k].1, list[k].2))
    }

    /// (packets, bytes) that ended at the policy of built-in `chain`.
    pub fn policy(&self, table: TableId, chain: &str) -> (u64, u64) {
        self.rule(table, chain, 0)
    }

    /// Forgets every counter.
    pub fn clear(&mut self) {
        self.tables = None;
    }
}
