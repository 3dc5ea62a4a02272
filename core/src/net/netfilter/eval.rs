//! Traversal of one table at one hook, as `ipt_do_table` does it: rules in order, the first
//! decisive verdict wins; `-j CHAIN` pushes a return point, RETURN or the end of a user chain
//! pops it, the end of a built-in chain applies its policy. Every rule that matched is
//! recorded the way `-j TRACE` logs it (`nat:KUBE-SERVICES:rule:3`).

use std::net::Ipv4Addr;
use std::sync::Arc;

use super::rule::{Match, PacketInfo, Target};
use super::table::{Hook, Policy, Table, TableId};
use super::Counters;

/// What a TRACE line says about a rule the packet passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitKind {
    /// Rule number `n` (1-based) matched.
    Rule(usize),
    /// The end of a user chain: back to the caller (`return:n`, n = rules + 1).
    Return(usize),
    /// The end of a built-in chain: its policy (`policy:n`).
    Policy(usize),
}

/// One TRACE line: `table:chain:rule:n`, with the target the rule has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub table: TableId,
    pub chain: Arc<str>,
    pub kind: VisitKind,
    /// The rule's target as `iptables-save` prints it (`-j KUBE-SVC-…`), or the policy.
    pub target: Arc<str>,
    /// The rule's comment, if any.
    pub comment: Option<Arc<str>>,
}

impl Visit {
    /// `nat:KUBE-SERVICES:rule:3`, as in the kernel's TRACE log.
    pub fn trace_text(&self) -> String {
        let (what, n) = match self.kind {
            VisitKind::Rule(n) => ("rule", n),
            VisitKind::Return(n) => ("return", n),
            VisitKind::Policy(n) => ("policy", n),
        };
        format!("{}:{}:{what}:{n}", self.table.name(), self.chain)
    }
}

/// The decisive outcome of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Accept,
    Drop,
    Reject { with: String },
    Dnat { ip: Ipv4Addr, port: Option<u16> },
    Snat { ip: Ipv4Addr },
    Masquerade,
    Redirect { port: u16 },
}

/// What one table did with the packet. The matched rules are counted in `counters` as they
/// match, and their TRACE lines appended to the caller's list.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRun {
    pub verdict: Verdict,
    pub mark: u32,
    /// `-m recent --set` lists the packet's source was added to.
    pub recent_set: Vec<String>,
}

/// Runs `table`'s built-in chain for `hook` over the packet, counting `bytes` on every rule
/// that matched (and on the policy, when the end of the chain decides).
pub fn run_table(table: &Table, hook: Hook, p: &mut PacketInfo<'_>, trace: bool, visits: &mut Vec<Visit>, counters: &mut Counters, bytes: u64) -> TableRun {
    let mut out = TableRun { verdict: Verdict::Accept, mark: p.mark, recent_set: Vec::new() };
    let Some(start) = table.position(hook.chain()) else { return out };
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let (mut chain, mut idx) = (start, 0usize);
    let mut steps = 0usize;
    let dst = u32::from(p.dst);
    loop {
        steps += 1;
        if steps > 1_000_000 {
            out.verdict = Verdict::Drop; // a jump loop: the kernel refuses such tables (ELOOP)
            return out;
        }
        let c = &table.chains[chain];
        if let Some(q) = c.quick.as_deref().filter(|q| q.len() == c.rules.len()) {
            // Skip the rules whose -d cannot match, reading only the flat index.
            idx = q.get(idx..).and_then(|rest| rest.iter().position(|q| q.may_match(dst))).map_or(q.len(), |off| idx + off);
        }
        let Some(r) = c.rules.get(idx) else {
            if let Some((back, next)) = stack.pop() {
                if trace {
                    visits.push(visit(table.id, &c.name, VisitKind::Return(c.rules.len() + 1), "", None));
                }
                chain = back;
                idx = next;
                continue;
            }
            let policy = c.policy.unwrap_or(Policy::Accept);
            counters.count(table.id, chain, &c.name, 0, bytes);
            if trace {
                visits.push(visit(table.id, &c.name, VisitKind::Policy(c.rules.len() + 1), policy.name(), None));
            }
            out.verdict = if policy == Policy::Drop { Verdict::Drop } else { Verdict::Accept };
            return out;
        };
        p.mark = out.mark;
        if !r.matches(p) {
            idx += 1;
            continue;
        }
        counters.count(table.id, chain, &c.name, idx + 1, bytes);
        if trace {
            visits.push(Visit { table: table.id, chain: c.name.clone(), kind: VisitKind::Rule(idx + 1), target: r.target_text(), comment: r.comment_arc() });
        }
        for m in &r.matches {
            if let Match::Recent(rc) = m {
                if rc.set {
                    out.recent_set.push(rc.name.clone());
                }
            }
        }
        let decided = match &r.target {
            Target::Accept => Some(Verdict::Accept),
            Target::Drop => Some(Verdict::Drop),
            Target::Reject { with } => Some(Verdict::Reject { with: with.clone() }),
            Target::Dnat { ip, port } => Some(Verdict::Dnat { ip: *ip, port: *port }),
            Target::Snat { ip } => Some(Verdict::Snat { ip: *ip }),
            Target::Masquerade { .. } => Some(Verdict::Masquerade),
            Target::Redirect { port } => Some(Verdict::Redirect { port: *port }),
            Target::Mark { value, mask } => {
                out.mark = (out.mark & !mask) ^ value;
                None
            }
            Target::Continue(_) | Target::None => None,
            Target::Return => {
                match stack.pop() {
                    Some((back, next)) => {
                        chain = back;
                        idx = next;
                    }
                    None => {
                        let policy = c.policy.unwrap_or(Policy::Accept);
                        return TableRun { verdict: if policy == Policy::Drop { Verdict::Drop } else { Verdict::Accept }, ..out };
                    }
                }
                continue;
            }
            Target::Jump(to) | Target::Goto(to) => {
                let Some(next_chain) = table.position(to) else {
                    idx += 1;
                    continue;
                };
                if matches!(r.target, Target::Jump(_)) {
                    stack.push((chain, idx + 1));
                }
                chain = next_chain;
                idx = 0;
                continue;
            }
        };
        if let Some(v) = decided {
            out.verdict = v;
            return out;
        }
        idx += 1;
    }
}

fn visit(table: TableId, chain: &Arc<str>, kind: VisitKind, target: &str, comment: Option<&str>) -> Visit {
    Visit { table, chain: chain.clone(), kind, target: shared_word(target), comment: comment.map(Into::into) }
}

/// The texts a return or a policy shows, made once and shared by every TRACE line.
fn shared_word(word: &str) -> Arc<str> {
    static WORDS: std::sync::OnceLock<[Arc<str>; 3]> = std::sync::OnceLock::new();
    let words = WORDS.get_or_init(|| ["".into(), "ACCEPT".into(), "DROP".into()]);
    words.iter().find(|w| ***w == *word).cloned().unwrap_or_else(|| word.into())
}
