//! Tables and chains: the four IPv4 tables with their built-in chains, and the user chains
//! programs add to them. Chains are kept in a Vec, so `iptables-save` can list them in a
//! stable order; a table with many chains also keeps a name index, so a jump is an index
//! lookup (a few chains are simply scanned).
//!
//! Each table sits behind its own `Arc`: namespaces share the tables nobody changed (every
//! namespace starts with the same four pristine tables) and a change copies only the table it
//! changes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::rule::Rule;

/// The tables, in the order the kernel visits them at a hook (raw, mangle, nat, filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TableId {
    Raw,
    Mangle,
    Nat,
    Filter,
}

impl TableId {
    pub const ALL: [TableId; 4] = [TableId::Raw, TableId::Mangle, TableId::Nat, TableId::Filter];

    pub fn name(self) -> &'static str {
        match self {
            TableId::Raw => "raw",
            TableId::Mangle => "mangle",
            TableId::Nat => "nat",
            TableId::Filter => "filter",
        }
    }

    pub fn parse(s: &str) -> Option<TableId> {
        TableId::ALL.into_iter().find(|t| t.name() == s)
    }

    /// The built-in chains of the table, in `iptables-save` order.
    pub fn builtins(self) -> &'static [Hook] {
        match self {
            TableId::Raw => &[Hook::Prerouting, Hook::Output],
            TableId::Mangle => &[Hook::Prerouting, Hook::Input, Hook::Forward, Hook::Output, Hook::Postrouting],
            TableId::Nat => &[Hook::Prerouting, Hook::Input, Hook::Output, Hook::Postrouting],
            TableId::Filter => &[Hook::Input, Hook::Forward, Hook::Output],
        }
    }
}

/// The netfilter hooks of the IPv4 stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hook {
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
}

impl Hook {
    pub fn chain(self) -> &'static str {
        match self {
            Hook::Prerouting => "PREROUTING",
            Hook::Input => "INPUT",
            Hook::Forward => "FORWARD",
            Hook::Output => "OUTPUT",
            Hook::Postrouting => "POSTROUTING",
        }
    }

    pub fn from_chain(s: &str) -> Option<Hook> {
        [Hook::Prerouting, Hook::Input, Hook::Forward, Hook::Output, Hook::Postrouting].into_iter().find(|h| h.chain() == s)
    }

    /// The tables that have a chain at this hook, in the order the kernel runs them.
    pub fn tables(self) -> impl Iterator<Item = TableId> {
        TableId::ALL.into_iter().filter(move |t| t.builtins().contains(&self))
    }
}

/// A chain: its rules and, for a built-in chain, the policy (ACCEPT or DROP).
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    pub name: Arc<str>,
    pub policy: Option<Policy>,
    /// Shared: a restore that keeps a chain copies pointers, and a trace keeps the rules it
    /// matched without copying them.
    pub rules: Vec<Arc<Rule>>,
    /// Each rule's destination match in a flat form, scanned before the rule itself is
    /// touched; rebuilt by [`Table::reindex`] after changes (`None` until then, and for a chain
    /// of a few rules).
    pub quick: Option<Box<[Quick]>>,
}

/// A rule's `-d` as a mask test: the packet can only match when
/// `(dst & mask == net) != neg`. Rules without `-d` have mask 0, which every address passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quick {
    pub net: u32,
    pub mask: u32,
    pub neg: bool,
}

impl Quick {
    pub fn of(r: &Rule) -> Quick {
        match r.dst {
            Some((n, neg)) => Quick { net: u32::from(n.network()), mask: u32::from(n.netmask()), neg },
            None => Quick { net: 0, mask: 0, neg: false },
        }
    }

    #[inline]
    pub fn may_match(self, dst: u32) -> bool {
        ((dst & self.mask) == self.net) != self.neg
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Accept,
    Drop,
}

impl Policy {
    pub fn name(self) -> &'static str {
        match self {
            Policy::Accept => "ACCEPT",
            Policy::Drop => "DROP",
        }
    }
}

/// One table's chains.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub id: TableId,
    pub chains: Vec<Chain>,
    /// Chain name → position; kept only while the table has more than [`SCAN`] chains. Only
    /// looked up, never listed, so a hash map's order cannot show.
    index: HashMap<Arc<str>, usize, BuildHasherDefault<NameHasher>>,
}

/// Chains longer than this get a destination index.
const QUICK_FROM: usize = 8;

/// Up to this many chains a table finds a chain by scanning its names.
const SCAN: usize = 16;

/// Hashes chain names for the index ([`super::restore::text_hash`] of the name).
#[derive(Debug, Clone, Copy, Default)]
pub struct NameHasher(u64);

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 ^= super::restore::bytes_hash(bytes);
    }

    fn write_u8(&mut self, _: u8) {
        // The 0xff `str` appends after its bytes: nothing to add to the name's hash.
    }
}

impl Table {
    /// A table with its built-in chains, empty, policy ACCEPT.
    pub fn new(id: TableId) -> Table {
        let mut t = Table { id, chains: Vec::new(), index: HashMap::default() };
        for h in id.builtins() {
            t.push_chain(Chain { name: h.chain().into(), policy: Some(Policy::Accept), rules: Vec::new(), quick: None });
        }
        t
    }

    fn push_chain(&mut self, c: Chain) {
        self.chains.push(c);
        if self.chains.len() > SCAN + 1 {
            let c = self.chains.last().expect("just pushed");
            self.index.insert(c.name.clone(), self.chains.len() - 1);
        } else {
            self.rebuild_index();
        }
    }

    fn rebuild_index(&mut self) {
        self.index.clear();
        if self.chains.len() > SCAN {
            self.index = self.chains.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
        }
    }

    pub fn position(&self, name: &str) -> Option<usize> {
        if self.chains.len() <= SCAN {
            return self.chains.iter().position(|c| &*c.name == name);
        }
        self.index.get(name).copied()
    }

    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.position(name).map(|i| &self.chains[i])
    }

    pub fn chain_mut(&mut self, name: &str) -> Option<&mut Chain> {
        self.position(name).map(|i| &mut self.chains[i])
    }

    /// Creates an empty user chain, or empties it if it exists (`:NAME - [0:0]` in
    /// `iptables-restore --noflush`).
    pub fn declare(&mut self, name: &str) {
        match self.chain_mut(name) {
            Some(c) => {
                c.rules.clear();
                c.quick = None;
            }
            None => self.push_chain(Chain { name: name.into(), policy: None, rules: Vec::new(), quick: None }),
        }
    }

    /// Deletes a user chain (`-X`). It must be empty and nothing may jump to it.
    pub fn delete(&mut self, name: &str) -> Result<(), String> {
        self.remove_chain(name).map(drop)
    }

    /// [`Table::delete`], giving back where the chain was and the chain.
    pub(super) fn remove_chain(&mut self, name: &str) -> Result<(usize, Chain), String> {
        let Some(i) = self.position(name) else { return Err(format!("iptables: No chain/target/match by that name ({name}).")) };
        if self.chains[i].policy.is_some() {
            return Err(format!("iptables: can't delete built-in chain {name}"));
        }
        let referenced = self.chains.iter().any(|c| c.rules.iter().any(|r| jumps_to(r, name)));
        if referenced || !self.chains[i].rules.is_empty() {
            return Err("iptables: Too many links.".to_string());
        }
        let c = self.chains.remove(i);
        self.rebuild_index();
        Ok((i, c))
    }

    /// Puts back a chain [`Table::remove_chain`] took out.
    pub(super) fn insert_chain(&mut self, i: usize, c: Chain) {
        self.chains.insert(i, c);
        self.rebuild_index();
    }

    /// Takes out the chain added last.
    pub(super) fn pop_chain(&mut self) {
        if let Some(c) = self.chains.pop() {
            self.index.remove(&c.name);
        }
        if self.chains.len() == SCAN {
            self.index.clear();
        }
    }

    /// Rebuilds every chain's destination index (after rules changed; a chain of a few rules
    /// needs none), and gives back the room the lists no longer need.
    pub fn reindex(&mut self) {
        self.chains.shrink_to_fit();
        for c in &mut self.chains {
            let fresh = c.quick.as_ref().is_some_and(|q| q.len() == c.rules.len());
            if !fresh {
                c.rules.shrink_to_fit();
                c.quick = (c.rules.len() > QUICK_FROM).then(|| c.rules.iter().map(|r| Quick::of(r)).collect());
            }
        }
    }

    /// Whether nothing was ever put in the table: no user chain, no rule, no DROP policy.
    /// Such a table is not loaded on a real node, so packets never pass through it.
    pub fn is_pristine(&self) -> bool {
        self.chains.iter().all(|c| c.policy == Some(Policy::Accept) && c.rules.is_empty())
    }

    /// The number of rules in all chains.
    pub fn rule_count(&self) -> usize {
        self.chains.iter().map(|c| c.rules.len()).sum()
    }
}

pub(super) fn jumps_to(r: &Rule, name: &str) -> bool {
    matches!(&r.target, super::rule::Target::Jump(t) | super::rule::Target::Goto(t) if t == name)
}

/// All four tables of one network namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct Tables {
    pub tables: [Arc<Table>; 4],
}

impl Default for Tables {
    /// The four pristine tables, shared with every other namespace that has not changed them.
    fn default() -> Self {
        Tables { tables: pristine().clone() }
    }
}

/// The pristine tables every namespace starts from.
pub(super) fn pristine() -> &'static [Arc<Table>; 4] {
    static PRISTINE: std::sync::OnceLock<[Arc<Table>; 4]> = std::sync::OnceLock::new();
    PRISTINE.get_or_init(|| TableId::ALL.map(|id| Arc::new(Table::new(id))))
}

impl Tables {
    pub fn get(&self, id: TableId) -> &Table {
        &self.tables[id as usize]
    }

    /// The table to change; copied first when another namespace shares it.
    pub fn get_mut(&mut self, id: TableId) -> &mut Table {
        Arc::make_mut(&mut self.tables[id as usize])
    }

    pub fn rule_count(&self) -> usize {
        self.tables.iter().map(|t| t.rule_count()).sum()
    }
}
