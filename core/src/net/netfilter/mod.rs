//! Netfilter: the tables, chains and rules of one network namespace, its conntrack table, and
//! what happens at each hook of the IPv4 stack.
//!
//! ```text
//! rule.rs       a rule: common fields, extension matches, target; matching a packet
//! table.rs      tables and chains; which tables run at which hook
//! parse.rs      rule specifications
//! restore.rs    the iptables-restore format, keeping the rules a line repeats
//! save.rs       iptables-save text
//! share.rs      rules and tables restored from the same text, shared between namespaces
//! eval.rs       traversing one table: jumps, RETURN, policies, the TRACE record
//! conntrack.rs  connections, their NAT, states and timeouts; conntrack -L
//! counters.rs   each namespace's packet and byte counters of the (shared) rules
//! tuple_hash.rs the hash index conntrack finds tuples with
//! hook.rs       one hook: conntrack, then raw/mangle/nat/filter in order, NAT applied
//! ```
//!
//! Rules are shared between namespaces that were given the same ruleset, as kube-proxy gives
//! every node the same rules unless a Service's traffic policy is Local: each table sits behind
//! an `Arc` (every namespace starts from the same pristine tables, and a table section restored
//! from the same text onto a pristine table is one table), and a rule restored from the same
//! text is one rule object (`share.rs`). Counters and conntrack are each namespace's own.

pub mod conntrack;
pub mod counters;
pub mod eval;
mod hook;
pub mod parse;
pub mod restore;
pub mod rule;
pub mod save;
mod share;
pub mod table;
mod tuple_hash;
#[cfg(test)]
mod conntrack_tests;
#[cfg(test)]
mod restore_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

pub use conntrack::{Conntrack, Tuple};
pub use counters::Counters;
pub use eval::{Verdict, Visit, VisitKind};
pub use hook::{HookCtx, HookResult, HookVerdict, L4, NatKind, NatNote};
pub use table::{Hook, TableId, Tables};

use crate::time::SimTime;

/// The netfilter state of one network namespace.
#[derive(Debug, Clone, Default)]
pub struct Netfilter {
    pub tables: Arc<Tables>,
    pub counters: Counters,
    pub conntrack: Conntrack,
    /// `-m recent` lists: (list name, source address) → last `--set`.
    pub recent: BTreeMap<(String, Ipv4Addr), SimTime>,
}

impl Netfilter {
    /// `iptables-restore --noflush` of `input` on these rules. On an error nothing of the
    /// failing table changes.
    pub fn restore(&mut self, input: &str) -> Result<(), String> {
        // Each table is committed whole at its COMMIT (parse::restore works on a copy of it).
        parse::restore(Arc::make_mut(&mut self.tables), input)
    }

    /// A full sync the way kube-proxy does one: `iptables-restore --noflush` of `input`, which
    /// declares (and so flushes) every chain it writes, plus `-X` for the chains `owned` says
    /// belong to the writer that the input no longer declares.
    pub fn full_sync(&mut self, input: &str, owned: impl Fn(&str) -> bool) -> Result<(), String> {
        // Which owned chains each table's section no longer declares (membership only, so a
        // hash set cannot leak its order).
        let mut stale: Vec<(usize, String)> = Vec::new();
        let mut table: Option<TableId> = None;
        let mut declared: std::collections::HashSet<&str> = Default::default();
        for (end, line) in input.lines().enumerate() {
            if let Some(name) = line.strip_prefix('*') {
                table = TableId::parse(name.trim());
                declared.clear();
            } else if let Some(decl) = line.strip_prefix(':') {
                declared.insert(decl.split_whitespace().next().unwrap_or(""));
            } else if line.trim() == "COMMIT" {
                if let Some(t) = table {
                    for c in &self.tables.get(t).chains {
                        if c.policy.is_none() && owned(&c.name) && !declared.contains(&*c.name) {
                            stale.push((end, format!(":{} - [0:0]\n-X {}\n", c.name, c.name)));
                        }
                    }
                }
            }
        }
        if stale.is_empty() {
            return self.restore(input);
        }
        // Deletions go just before their table's COMMIT.
        let mut out = String::with_capacity(input.len() + stale.len() * 64);
        let mut next = stale.iter().peekable();
        for (n, line) in input.lines().enumerate() {
            while let Some((_, text)) = next.next_if(|(end, _)| *end == n) {
                out.push_str(text);
            }
            out.push_str(line);
            out.push('\n');
        }
        self.restore(&out)
    }

    /// Inserts `spec` at the top of `chain` unless an identical rule is already there
    /// (`iptables -C`, then `iptables -I`), as kube-proxy and kubelet ensure their jumps.
    pub fn ensure_first(&mut self, table: TableId, chain: &str, spec: &str) -> Result<(), String> {
        let rule = parse::rule(&parse::words(spec)?)?;
        let t = self.tables.get(table);
        let Some(c) = t.chain(chain) else { return Err(format!("iptables: No chain/target/match by that name ({chain}).")) };
        if c.rules.iter().any(|r| **r == rule) {
            return Ok(());
        }
        if let rule::Target::Jump(to) = &rule.target {
            if t.chain(to).is_none() {
                return Err(format!("iptables v1.8.9 (nf_tables): Couldn't load target `{to}':No such file or directory"));
            }
        }
        let tables = Arc::make_mut(&mut self.tables);
        let t = tables.get_mut(table);
        let c = t.chain_mut(chain).expect("checked above");
        c.rules.insert(0, Arc::new(rule));
        c.quick = None;
        t.reindex();
        Ok(())
    }

    /// `iptables-save [-c] [-t TABLE]`.
    pub fn save(&self, only: Option<TableId>, counters: bool, now: SimTime) -> String {
        save::save(&self.tables, &self.counters, only, counters, now)
    }
}
