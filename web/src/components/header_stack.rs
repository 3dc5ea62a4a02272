//! The selected hop's header stack, one header per line, outermost first. Headers inside a
//! tunnel (after VXLAN, or after flanneld's UDP) are indented under an "inner packet" mark, and
//! every line that differs from the previous hop's (a TTL gone down, a header added or removed)
//! is marked, so that encapsulation and each forwarding step stand out. When the stack keeps its
//! shape (no header added or removed but Ethernet), the fields that changed within a line are
//! marked too: the TTL a forward took down, the address a NAT rewrote, which a note names.

use yew::prelude::*;

use crate::i18n::{t, tf, Lang, Text};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    /// The hop's position in the trace, from 0.
    pub index: usize,
    /// Its headers, outermost first.
    pub headers: Vec<String>,
    /// The previous hop's headers (None for the first hop).
    pub previous: Option<Vec<String>>,
    /// What a NAT at this hop rewrote, in words (`DNAT at this hop: destination … → …`).
    #[prop_or_default]
    pub nat: Option<String>,
}

/// One header line, laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLine {
    /// The protocol: `eth`, `arp`, `ip`, `icmp`, `udp`, `tcp`, `vxlan`.
    pub proto: String,
    pub text: String,
    /// 0 for the outer packet, 1 inside one tunnel.
    pub depth: usize,
    /// Not among the previous hop's headers.
    pub changed: bool,
    /// The line's words (split at spaces), each with whether it differs from the same word of
    /// the previous hop's corresponding line; all unmarked when there is no such line.
    pub fields: Vec<(String, bool)>,
}

/// Lays out `headers` against the previous hop's.
pub fn header_lines(headers: &[String], previous: Option<&[String]>) -> Vec<HeaderLine> {
    let mut out = layout(headers);
    for line in &mut out {
        line.changed = previous.is_some_and(|p| !p.contains(&line.text));
    }
    let before = previous.map(layout).unwrap_or_default();
    mark_fields(&mut out, previous.map(|_| &before[..]));
    out
}

/// Protocols and depths, nothing compared yet.
fn layout(headers: &[String]) -> Vec<HeaderLine> {
    let mut depth = 0;
    let mut out = Vec::with_capacity(headers.len());
    for (i, text) in headers.iter().enumerate() {
        let proto = text.split(' ').next().unwrap_or("").to_string();
        // What follows a VXLAN header is an Ethernet frame; what follows a UDP datagram
        // carrying an IP packet (flanneld's udp backend) is that packet.
        let next_is_ip = headers.get(i + 1).is_some_and(|n| n.starts_with("ip "));
        let tunnel = proto == "vxlan" || (proto == "udp" && next_is_ip);
        out.push(HeaderLine { proto, text: text.clone(), depth, changed: false, fields: Vec::new() });
        if tunnel {
            depth += 1;
        }
    }
    out
}

/// Fills each line's `fields`. When both stacks have the same shape (protocols and depths,
/// Ethernet aside), a changed line's words are compared with its counterpart's.
fn mark_fields(lines: &mut [HeaderLine], before: Option<&[HeaderLine]>) {
    let shape = |ls: &[HeaderLine]| -> Vec<(String, usize)> { ls.iter().filter(|l| l.proto != "eth").map(|l| (l.proto.clone(), l.depth)).collect() };
    let same_shape = before.is_some_and(|b| shape(lines) == shape(b));
    let mut counterparts = before.unwrap_or_default().iter().filter(|l| l.proto != "eth");
    for line in lines.iter_mut() {
        let counterpart = if line.proto == "eth" || !same_shape { None } else { counterparts.next() };
        let words: Vec<&str> = line.text.split(' ').collect();
        let old: Vec<&str> = counterpart.map(|c| c.text.split(' ').collect()).unwrap_or_default();
        let compare = line.changed && old.len() == words.len();
        line.fields = words.iter().enumerate().map(|(i, w)| (w.to_string(), compare && old[i] != *w)).collect();
    }
}

#[function_component(HeaderStack)]
pub fn header_stack(props: &Props) -> Html {
    let lang = props.lang;
    let lines = header_lines(&props.headers, props.previous.as_deref());
    let changed_label = t(lang, Text::HeaderChanged);
    html! {
        <div id="trace-headers" class="header-stack" aria-live="polite">
            <h3>{ tf(lang, Text::HeadersHeading, &[("n", (props.index + 1).to_string())]) }</h3>
            if let Some(note) = &props.nat { <p class="nat-note">{ note }</p> }
            <ol>
                { for lines.iter().enumerate().map(|(i, l)| {
                    let starts_inner = l.depth > 0 && lines.get(i.wrapping_sub(1)).is_some_and(|p| p.depth < l.depth);
                    html! {
                        <li class={ classes!("header", format!("proto-{}", l.proto), format!("depth-{}", l.depth.min(3)), l.changed.then_some("changed")) }
                            data-proto={ l.proto.clone() }>
                            if starts_inner { <span class="inner-mark">{ t(lang, Text::InnerPacket) }</span> }
                            <code>{ for l.fields.iter().enumerate().map(|(k, (word, changed))| html! {
                                <>
                                    if k > 0 { { " " } }
                                    if *changed { <mark class="field-changed">{ word }</mark> } else { { word } }
                                </>
                            }) }</code>
                            if l.changed { <span class="changed-mark" title={ changed_label }>{ "●" }<span class="visually-hidden">{ changed_label }</span></span> }
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}

#[cfg(test)]
#[path = "header_stack_tests.rs"]
mod tests;
