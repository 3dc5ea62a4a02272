//! The `iptables-restore` format kube-proxy writes (`*nat`, `:CHAIN - [0:0]`, `-A …`, `-X …`,
//! `COMMIT`), applied with `--noflush`: each table is committed whole. Changes are made in
//! place and logged, so a failing line puts the table back as it was (only the table that
//! another namespace shares is copied first).
//!
//! An appended rule whose text is the same as the text that made the rule at that place of the
//! chain before the restore keeps that rule object (kube-proxy writes mostly the same rules
//! on every sync), so the line is not parsed again; lines are recognised by a 64-bit hash of
//! their text.

use std::sync::Arc;

use super::parse::{rule, words};
use super::rule::{Rule, Target};
use super::table::{pristine, Chain, Policy, Quick, Table, TableId, Tables};

/// A 64-bit hash of a rule's text, to recognise a line that is the same as the one that made
/// a rule (multiply-rotate over 8-byte words). Never 0.
pub fn text_hash(s: &str) -> u64 {
    bytes_hash(s.as_bytes())
}

/// [`text_hash`] of bytes.
pub fn bytes_hash(b: &[u8]) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ u64::from_le_bytes(c.try_into().expect("8 bytes"))).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K) | 1
}

/// `-A CHAIN SPEC`: the chain and the spec, when the line is that simple (no quotes before the
/// spec).
fn append_line(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("-A ")?;
    let (chain, spec) = rest.split_once(' ')?;
    (!chain.is_empty() && !chain.contains('"')).then_some((chain, spec.trim_start()))
}

/// One change to a table, as what puts it back.
enum Undo {
    /// The chain at this position had these rules (and destination index).
    Rules(usize, Vec<Arc<Rule>>, Option<Box<[Quick]>>),
    /// The chain at this position had this policy.
    Policy(usize, Option<Policy>),
    /// A chain was added at the end.
    Pushed,
    /// This chain was deleted from this position.
    Deleted(usize, Chain),
}

/// The table between its `*name` and its `COMMIT`.
struct Section {
    id: TableId,
    undo: Vec<Undo>,
    /// Chain position → 1 + the index in `undo` of the rules it had before it was flushed (0:
    /// not flushed); given up after a chain is deleted (positions move).
    flushed: Vec<u32>,
    deleted: bool,
    /// The chain the last `-A` went to: (name, position).
    last: Option<(String, usize)>,
    /// The section's key in the shared sections when it started from a pristine table.
    share: Option<u64>,
}

impl Section {
    fn new(id: TableId) -> Section {
        Section { id, undo: Vec::new(), flushed: Vec::new(), deleted: false, last: None, share: None }
    }

    /// Empties the chain at `pos`, keeping its rules for the undo log and for reuse.
    fn flush(&mut self, t: &mut Table, pos: usize) {
        let c = &mut t.chains[pos];
        let rules = std::mem::take(&mut c.rules);
        let quick = c.quick.take();
        self.undo.push(Undo::Rules(pos, rules, quick));
        if !self.deleted {
            if self.flushed.len() <= pos {
                self.flushed.resize(pos + 1, 0);
            }
            self.flushed[pos] = u32::try_from(self.undo.len()).unwrap_or(0);
        }
    }

    /// The rules the chain at `pos` had before this section flushed it.
    fn old_rules(&self, pos: usize) -> Option<&[Arc<Rule>]> {
        match self.undo.get((*self.flushed.get(pos)? as usize).checked_sub(1)?)? {
            Undo::Rules(p, rules, _) if *p == pos => Some(rules),
            _ => None,
        }
    }

    /// Puts the table back as it was before the section.
    fn roll_back(self, t: &mut Table) {
        for u in self.undo.into_iter().rev() {
            match u {
                Undo::Rules(pos, rules, quick) => {
                    let c = &mut t.chains[pos];
                    c.rules = rules;
                    c.quick = quick;
                }
                Undo::Policy(pos, p) => t.chains[pos].policy = p,
                Undo::Pushed => t.pop_chain(),
                Undo::Deleted(pos, c) => t.insert_chain(pos, c),
            }
        }
        t.reindex();
    }
}

/// Applies `iptables-restore --noflush` input to `tables`. Each table is committed at its
/// `COMMIT`; an error stops the restore there, as `iptables-restore` does, names the line, and
/// leaves the failing table as it was.
pub fn restore(tables: &mut Tables, input: &str) -> Result<(), String> {
    let mut current: Option<Section> = None;
    // Lines up to this one are a section another namespace restored already.
    let mut skip = None;
    for (n, line) in input.lines().enumerate() {
        if skip.is_some_and(|s| n <= s) {
            continue;
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |why: String| format!("iptables-restore: line {} failed: {why}", n + 1);
        if let Some(name) = line.strip_prefix('*') {
            let id = TableId::parse(name).ok_or_else(|| fail(format!("table '{name}' does not exist")))?;
            if let Some(s) = current.replace(Section::new(id)) {
                // A table without COMMIT, then another: the first is not applied.
                let id = s.id;
                s.roll_back(tables.get_mut(id));
            }
            if Arc::ptr_eq(&tables.tables[id as usize], &pristine()[id as usize]) {
                if let Some((key, last)) = section_key(input, line, id) {
                    match super::share::section(key) {
                        Some(t) => {
                            tables.tables[id as usize] = t;
                            current = None;
                            skip = Some(n + last);
                        }
                        None => current.as_mut().expect("just opened").share = Some(key),
                    }
                }
            }
            continue;
        }
        if line == "COMMIT" {
            let s = current.take().ok_or_else(|| fail("COMMIT outside a table".into()))?;
            if !s.undo.is_empty() {
                tables.get_mut(s.id).reindex();
            }
            if let Some(key) = s.share {
                super::share::remember_section(key, &tables.tables[s.id as usize]);
            }
            continue;
        }
        let Some(s) = current.as_mut() else { return Err(fail("no table given: expected a line like *nat".into())) };
        let t = tables.get_mut(s.id);
        if let Err(e) = apply(s, t, line) {
            let s = current.take().expect("a section is open");
            s.roll_back(t);
            return Err(fail(e));
        }
    }
    if let Some(s) = current.take() {
        let id = s.id;
        s.roll_back(tables.get_mut(id));
        return Err("iptables-restore: COMMIT expected at the end of the input".to_string());
    }
    Ok(())
}

/// The key of the section that starts at `head` (a line of `input`), and how many lines after
/// it its COMMIT is; None without a COMMIT.
fn section_key(input: &str, head: &str, id: TableId) -> Option<(u64, usize)> {
    let start = head.as_ptr() as usize - input.as_ptr() as usize;
    let rest = &input[start..];
    let (k, commit) = rest.lines().enumerate().find(|(_, l)| l.trim() == "COMMIT")?;
    let end = commit.as_ptr() as usize - rest.as_ptr() as usize + commit.len();
    Some((text_hash(&rest[..end]) ^ ((id as u64) << 56), k))
}

/// One line inside a table's section.
fn apply(s: &mut Section, t: &mut Table, line: &str) -> Result<(), String> {
    if let Some(decl) = line.strip_prefix(':') {
        s.last = None;
        let mut parts = decl.split_whitespace();
        let name = parts.next().ok_or("empty chain declaration")?;
        match parts.next() {
            Some("-") | None => declare(s, t, name),
            Some(p) => {
                let policy = match p {
                    "ACCEPT" => Policy::Accept,
                    "DROP" => Policy::Drop,
                    _ => return Err(format!("bad policy \"{p}\"")),
                };
                let pos = t.position(name).ok_or_else(|| format!("{name} is not a built-in chain"))?;
                s.undo.push(Undo::Policy(pos, t.chains[pos].policy));
                t.chains[pos].policy = Some(policy);
            }
        }
        return Ok(());
    }
    let simple = append_line(line).and_then(|(chain, spec)| match &s.last {
        Some((name, pos)) if name == chain => Some((*pos, spec)),
        _ => {
            let pos = t.position(chain)?;
            s.last = Some((chain.to_string(), pos));
            Some((pos, spec))
        }
    });
    if let Some((pos, spec)) = simple {
        append(s, t, pos, spec)?;
        return Ok(());
    }
    s.last = None;
    let w = words(line)?;
    let (cmd, chain) = (w[0].as_ref(), w.get(1).map(|c| c.to_string()).unwrap_or_default());
    match cmd {
        "-A" | "--append" | "-I" | "--insert" => {
            let mut rest = &w[2..];
            let mut at = None;
            if cmd.starts_with("-I") || cmd == "--insert" {
                at = Some(0);
                if let Some(pos) = rest.first().and_then(|p| p.as_ref().parse::<usize>().ok()) {
                    at = Some(pos.saturating_sub(1));
                    rest = &rest[1..];
                }
            }
            let r = rule(rest)?;
            check_target(t, &r)?;
            let pos = t.position(&chain).ok_or_else(|| format!("chain {chain} does not exist"))?;
            let c = &mut t.chains[pos];
            s.undo.push(Undo::Rules(pos, c.rules.clone(), c.quick.take()));
            match at {
                Some(i) => c.rules.insert(i.min(c.rules.len()), Arc::new(r)),
                None => c.rules.push(Arc::new(r)),
            }
        }
        "-X" | "--delete-chain" => {
            let (pos, c) = t.remove_chain(&chain)?;
            s.undo.push(Undo::Deleted(pos, c));
            s.deleted = true;
            s.flushed.clear();
        }
        "-F" | "--flush" => match t.position(&chain) {
            Some(pos) => s.flush(t, pos),
            None if chain.is_empty() => (0..t.chains.len()).for_each(|pos| s.flush(t, pos)),
            None => return Err(format!("chain {chain} does not exist")),
        },
        "-N" | "--new-chain" => declare(s, t, &chain),
        _ => return Err(format!("unknown command \"{cmd}\"")),
    }
    Ok(())
}

/// `:NAME - [0:0]`: creates the chain, or empties it.
fn declare(s: &mut Section, t: &mut Table, name: &str) {
    match t.position(name) {
        Some(pos) => s.flush(t, pos),
        None => {
            t.declare(name);
            s.undo.push(Undo::Pushed);
        }
    }
}

/// `-A CHAIN SPEC` onto the chain at `pos`. The rule the chain had at this place before the
/// section flushed it is kept when it was made from the same text.
fn append(s: &mut Section, t: &mut Table, pos: usize, spec: &str) -> Result<(), String> {
    let hash = text_hash(spec);
    let at = t.chains[pos].rules.len();
    let kept = s.old_rules(pos).and_then(|old| old.get(at)).filter(|r| r.source == hash).cloned();
    let r = match kept {
        // The kept rule's jump was loaded before, and no chain was deleted since.
        Some(r) if !s.deleted => r,
        kept => {
            let r = match kept {
                Some(r) => r,
                None => super::share::rule(hash, || rule(&words(spec)?))?,
            };
            check_target(t, &r)?;
            r
        }
    };
    if s.old_rules(pos).is_none() {
        let c = &t.chains[pos];
        s.undo.push(Undo::Rules(pos, c.rules.clone(), c.quick.clone()));
        if !s.deleted {
            if s.flushed.len() <= pos {
                s.flushed.resize(pos + 1, 0);
            }
            s.flushed[pos] = u32::try_from(s.undo.len()).unwrap_or(0);
        }
    }
    let c = &mut t.chains[pos];
    c.quick = None;
    c.rules.push(r);
    Ok(())
}

/// A jump must go to a chain that exists.
fn check_target(t: &Table, r: &Rule) -> Result<(), String> {
    if let Target::Jump(to) | Target::Goto(to) = &r.target {
        if t.position(to).is_none() {
            return Err(format!("Couldn't load target `{to}':No such file or directory"));
        }
    }
    Ok(())
}
