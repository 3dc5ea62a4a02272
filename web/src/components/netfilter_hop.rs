//! A netfilter hop's detail cell, compact: the hook and the conntrack state on one line, a NAT
//! badge with the addresses it rewrote, the verdict when the packet was dropped or rejected;
//! and, in a row of its own under the hop, the `-j TRACE` lines behind a disclosure that is
//! open while the hop is the selected step.

use fishbowl_core::view::{NatRow, NetfilterRow, NfRuleRow};
use yew::prelude::*;

use crate::i18n::Lang;
use crate::i18n_netfilter::{ct_gloss, ct_help, hook_help, nat_help, nat_undo_help, nf_t, nf_tf, verdict_help, NfText};

/// The NAT badge's text: the target (`DNAT`), or for a reply the undoing of it (`undo DNAT`).
pub fn nat_badge(lang: Lang, n: &NatRow) -> String {
    if n.reply {
        nf_tf(lang, NfText::NatUndo, &[("target", n.target)])
    } else {
        n.target.to_string()
    }
}

/// The header stack's note on a NAT hop: what was rewritten, from what to what.
pub fn nat_note(lang: Lang, n: &NatRow) -> String {
    let text = if n.reply { NfText::HeadersNatReply } else { NfText::HeadersNat };
    let field = nf_t(lang, if n.destination { NfText::Destination } else { NfText::Source });
    nf_tf(lang, text, &[("target", n.target), ("field", field), ("from", &n.from), ("to", &n.to)])
}

/// The packet stopped here (DROP or REJECT).
pub fn stops(nf: &NetfilterRow) -> bool {
    nf.verdict != "ACCEPT"
}

/// How a TRACE line reads: `rule`, `return` or `policy` (from `table:chain:KIND:n`), and
/// whether its target rewrites addresses (`nat`) or stops the packet (`drop`).
pub fn rule_classes(r: &NfRuleRow) -> (&'static str, Option<&'static str>) {
    let kind = match r.trace.rsplit(':').nth(1) {
        Some("return") => "return",
        Some("policy") => "policy",
        _ => "rule",
    };
    let target = r.target.strip_prefix("-j ").unwrap_or(&r.target);
    let name = target.split(' ').next().unwrap_or("");
    let effect = match name {
        "DNAT" | "SNAT" | "MASQUERADE" | "REDIRECT" => Some("nat"),
        "DROP" | "REJECT" => Some("drop"),
        _ => None,
    };
    (kind, effect)
}

/// The detail cell's content for a netfilter hop: hook, conntrack, NAT, verdict.
pub fn netfilter_detail(lang: Lang, nf: &NetfilterRow) -> Html {
    let verdict = nf.verdict.to_ascii_lowercase();
    html! {
        <div class="nf-line">
            <span class="nf-hook" title={ hook_help(lang, nf.hook) }>{ nf.hook }</span>
            if nf.bridged {
                <span class="nf-bridged" title={ nf_t(lang, NfText::BridgedHelp) }>{ nf_t(lang, NfText::Bridged) }</span>
            }
            <span class={ classes!("nf-ct", format!("ct-{}", nf.conntrack.to_ascii_lowercase())) } title={ ct_help(lang, nf.conntrack) }>
                { "conntrack " }<span class="nf-ct-state">{ nf.conntrack }</span>
                if let Some(g) = ct_gloss(lang, nf.conntrack) { <span class="gloss">{ g }</span> }
            </span>
            if nf.new_entry {
                <span class="nf-new" title={ nf_t(lang, NfText::NewEntryHelp) }>{ nf_t(lang, NfText::NewEntry) }</span>
            }
            if let Some(n) = &nf.nat { { nat_view(lang, n) } }
            if stops(nf) {
                <span class={ classes!("nf-verdict", format!("verdict-{verdict}")) } title={ verdict_help(lang, nf.verdict) }>{ nf.verdict }</span>
                if let Some(with) = &nf.reject_with { <code class="nf-reject-with">{ with }</code> }
            }
        </div>
    }
}

/// The hop's `-j TRACE` lines behind a disclosure, open while the hop is the selected step;
/// nothing when no table had rules to trace.
pub fn trace_lines(lang: Lang, nf: &NetfilterRow, selected: bool) -> Html {
    if nf.rules.is_empty() {
        return Html::default();
    }
    html! {
        <details class="nf-rules" open={ selected }>
            <summary title={ nf_t(lang, NfText::TraceHelp) }>{ nf_tf(lang, NfText::TraceLines, &[("n", &nf.rules.len().to_string())]) }</summary>
            <ol>{ for nf.rules.iter().map(rule_line) }</ol>
        </details>
    }
}

fn nat_view(lang: Lang, n: &NatRow) -> Html {
    let help = if n.reply { nat_undo_help(lang) } else { nat_help(lang, n.target) };
    let field = if n.destination { "destination" } else { "source" };
    html! {
        <span class={ classes!("nat", n.reply.then_some("reply")) } data-nat={ n.target } data-field={ field }>
            <span class="nat-badge" title={ help }>{ nat_badge(lang, n) }</span>
            <code class="nat-map"><span class="nat-from">{ &n.from }</span>{ " → " }<span class="nat-to">{ &n.to }</span></code>
            if !n.by_rule {
                <span class="nat-by-conntrack" title={ nf_t(lang, NfText::NatByConntrackHelp) }>{ nf_t(lang, NfText::NatByConntrack) }</span>
            }
        </span>
    }
}

fn rule_line(r: &NfRuleRow) -> Html {
    let (kind, effect) = rule_classes(r);
    html! {
        <li class={ classes!(format!("visit-{kind}"), effect.map(|e| format!("rule-{e}"))) }>
            <code class="nf-trace">{ &r.trace }</code>
            if !r.target.is_empty() { { " " }<code class="nf-target">{ &r.target }</code> }
            if let Some(c) = &r.comment { { " " }<span class="nf-comment">{ format!("/* {c} */") }</span> }
        </li>
    }
}

#[cfg(test)]
#[path = "netfilter_hop_tests.rs"]
mod tests;
