//! The FailedScheduling message, as `FitError.Error()` builds it:
//! `0/<N> nodes are available: <body>.` then ` <postfilter message>.` The body is the
//! PreFilter message when PreFilter failed, else every node's reasons counted, formatted
//! `<count> <reason>`, sorted as byte strings and joined with `, `. DefaultPreemption (the
//! PostFilter) contributes `preemption: ` + the same template over its own per-node verdicts,
//! which already ends in `.`; hence the `..` at the end of current events.

use std::collections::BTreeMap;

use super::framework::{Code, Status};

pub const NO_NODES: &str = "no nodes available to schedule pods";
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";
pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
pub const NEVER_PREEMPT: &str = "not eligible due to preemptionPolicy=Never.";

/// `<count> <reason>` entries sorted as byte strings, joined by `, `.
pub fn histogram<'a>(reasons: impl IntoIterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r).or_default() += 1;
    }
    let mut entries: Vec<String> = counts.into_iter().map(|(r, n)| format!("{n} {r}")).collect();
    entries.sort();
    entries.join(", ")
}

/// `0/<N> nodes are available: …` with an optional PostFilter message.
pub fn fit_error<'a>(num_nodes: usize, prefilter: Option<&str>, statuses: impl IntoIterator<Item = &'a Status>, post_filter: Option<&str>) -> String {
    let mut msg = format!("0/{num_nodes} nodes are available:");
    match prefilter {
        Some(p) => msg.push_str(&format!(" {p}.")),
        None => {
            let body = histogram(statuses.into_iter().flat_map(|s| s.reasons.iter().map(String::as_str)));
            if !body.is_empty() {
                msg.push_str(&format!(" {body}."));
            }
        }
    }
    if let Some(p) = post_filter {
        msg.push_str(&format!(" {p}."));
    }
    msg
}

/// DefaultPreemption's message when no pod can be evicted to make room (there are no lower
/// priority pods): nodes that failed with Unschedulable had "no victims"; nodes that failed
/// with UnschedulableAndUnresolvable are not helped by preemption at all.
pub fn preemption(num_nodes: usize, codes: impl IntoIterator<Item = Code>) -> String {
    let verdicts: Vec<Status> = codes
        .into_iter()
        .map(|c| {
            let r = if c == Code::Unschedulable { NO_VICTIMS } else { NOT_HELPFUL };
            Status { code: c, reasons: vec![r.to_string()] }
        })
        .collect();
    format!("preemption: {}", fit_error(num_nodes, None, verdicts.iter(), None))
}
