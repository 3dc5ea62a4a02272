//! The packet trace panel: the last trace's hops, one row each, grouped by the machine they
//! happened on so that every crossing between machines stands out; step controls (previous hop,
//! next hop, show all); the outcome; and the selected hop's header stack below. A netfilter
//! hop shows its hook, conntrack state, NAT and TRACE lines compactly (`netfilter_hop.rs`).

use std::rc::Rc;

use fishbowl_core::view::{TraceHopRow, TraceView};
use web_sys::{Element, ScrollIntoViewOptions, ScrollLogicalPosition};
use yew::prelude::*;

use super::header_stack::HeaderStack;
use super::netfilter_hop::{nat_note, netfilter_detail, stops, trace_lines};
use crate::i18n::{stage_gloss, stage_help, t, tf, Lang, Text};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    /// The last trace; None before the first.
    pub trace: Option<Rc<TraceView>>,
}

/// Where the student is in a trace of `len` hops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    pub selected: Option<usize>,
    /// Stepping shows the hops up to the selected one only; "show all" shows every hop.
    pub stepping: bool,
}

impl Cursor {
    /// From nothing selected, stepping starts at the first hop.
    pub fn next(self, len: usize) -> Cursor {
        match self.selected {
            _ if len == 0 => self,
            None => Cursor { selected: Some(0), stepping: true },
            Some(i) => Cursor { selected: Some((i + 1).min(len - 1)), ..self },
        }
    }

    pub fn previous(self) -> Cursor {
        Cursor { selected: self.selected.map(|i| i.saturating_sub(1)), ..self }
    }

    /// Every hop visible again; the selection stays.
    pub fn show_all(self) -> Cursor {
        Cursor { stepping: false, ..self }
    }

    pub fn select(self, i: usize) -> Cursor {
        Cursor { selected: Some(i), ..self }
    }

    /// How many hops, from the first, are shown.
    pub fn visible(self, len: usize) -> usize {
        match (self.stepping, self.selected) {
            (true, Some(i)) => (i + 1).min(len),
            _ => len,
        }
    }
}

/// Consecutive hops on one machine: `(machine, first index, hops)`.
pub fn machine_runs(hops: &[TraceHopRow]) -> Vec<(&str, usize, &[TraceHopRow])> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=hops.len() {
        if i == hops.len() || hops[i].machine != hops[start].machine {
            runs.push((hops[start].machine.as_str(), start, &hops[start..i]));
            start = i;
        }
    }
    runs
}

#[function_component(TracePanel)]
pub fn trace_panel(props: &Props) -> Html {
    let lang = props.lang;
    let cursor = use_state(Cursor::default);
    let table = use_node_ref();
    {
        // Keep the selected hop in view inside the scrolled table.
        let table = table.clone();
        use_effect_with(cursor.selected, move |selected| {
            if selected.is_some() {
                if let Some(row) = table.cast::<Element>().and_then(|t| t.query_selector("tr.selected").ok().flatten()) {
                    let options = ScrollIntoViewOptions::new();
                    options.set_block(ScrollLogicalPosition::Nearest);
                    row.scroll_into_view_with_scroll_into_view_options(&options);
                }
            }
        });
    }

    let Some(trace) = props.trace.as_ref() else {
        return html! {
            <section class="panel trace" aria-labelledby="trace-heading">
                <h2 id="trace-heading">{ t(lang, Text::TraceHeading) }</h2>
                <p class="hint">{ t(lang, Text::TraceEmpty) }</p>
            </section>
        };
    };
    let len = trace.hops.len();
    let cur = *cursor;
    let set = |f: fn(Cursor, usize) -> Cursor| {
        let cursor = cursor.clone();
        Callback::from(move |_: MouseEvent| cursor.set(f(*cursor, len)))
    };
    let on_prev = set(|c, _| c.previous());
    let on_next = set(Cursor::next);
    let on_all = set(|c, _| c.show_all());

    // Machines keep one colour for the whole trace, in the order they first appear.
    let mut machines: Vec<&str> = Vec::new();
    for h in &trace.hops {
        if !machines.contains(&h.machine.as_str()) {
            machines.push(&h.machine);
        }
    }
    let shown = &trace.hops[..cur.visible(len)];
    let runs = machine_runs(shown);
    let position = match cur.selected {
        Some(i) => tf(lang, Text::TracePosition, &[("n", (i + 1).to_string()), ("total", len.to_string())]),
        None => tf(lang, Text::TraceCount, &[("total", len.to_string())]),
    };

    let group = |k: usize, (machine, first, hops): (&str, usize, &[TraceHopRow])| {
        let colour = machines.iter().position(|m| *m == machine).unwrap_or(0) % 4;
        let name = match machine {
            "router" => t(lang, Text::Router).to_string(),
            "internet" => t(lang, Text::InternetHost).to_string(),
            "cloud-lb" => t(lang, Text::CloudLb).to_string(),
            _ => machine.to_string(),
        };
        let outside = matches!(machine, "router" | "internet" | "cloud-lb");
        let crossing = (k > 0).then(|| tf(lang, Text::Crossing, &[("from", runs[k - 1].0.to_string())]));
        html! {
            <tbody class={ classes!("machine", format!("m{colour}"), outside.then_some("router")) } data-machine={ machine.to_string() }>
                <tr class="machine-head">
                    <th colspan="5" scope="rowgroup">
                        if crossing.is_some() { <span class="crossing-arrow" aria-hidden="true">{ "⇣ " }</span> }
                        <span class="machine-name">{ name }</span>
                        if let Some(c) = crossing { <span class="crossing">{ c }</span> }
                    </th>
                </tr>
                { for hops.iter().enumerate().map(|(j, h)| hop_row(lang, first + j, h, cur.selected == Some(first + j), &cursor)) }
            </tbody>
        }
    };

    let selected = cur.selected.filter(|i| *i < len);
    html! {
        <section class="panel trace" aria-labelledby="trace-heading">
            <h2 id="trace-heading">{ t(lang, Text::TraceHeading) }</h2>
            <div class="trace-controls" role="toolbar" aria-label={ t(lang, Text::TraceSteps) }>
                <button id="trace-prev" type="button" disabled={ selected.is_none_or(|i| i == 0) } onclick={ on_prev }>{ t(lang, Text::TracePrev) }</button>
                <button id="trace-next" type="button" disabled={ selected == Some(len.saturating_sub(1)) } onclick={ on_next }>{ t(lang, Text::TraceNext) }</button>
                <button id="trace-all" type="button" aria-pressed={ (!cur.stepping).to_string() } onclick={ on_all }>{ t(lang, Text::TraceAll) }</button>
                <span id="trace-position" class="trace-position" aria-live="polite">{ position }</span>
            </div>
            <div class="trace-scroll" ref={ table }>
                <table id="trace-hops" aria-label={ t(lang, Text::TraceTable) }>
                    <thead>
                        <tr>
                            <th class="num">{ t(lang, Text::ColTime) }</th>
                            <th>{ t(lang, Text::ColPlace) }</th>
                            <th>{ t(lang, Text::ColDevice) }</th>
                            <th>{ t(lang, Text::ColStage) }</th>
                            <th>{ t(lang, Text::ColDetail) }</th>
                        </tr>
                    </thead>
                    { for runs.iter().copied().enumerate().map(|(k, run)| group(k, run)) }
                </table>
            </div>
            <p id="trace-outcome" class={ classes!("outcome", trace.outcome_kind) }>
                <strong>{ t(lang, Text::TraceResult) }</strong>{ " " }{ &trace.outcome }
            </p>
            if let Some(i) = selected {
                <HeaderStack lang={ lang } index={ i } headers={ trace.hops[i].headers.clone() }
                    previous={ i.checked_sub(1).map(|p| trace.hops[p].headers.clone()) }
                    nat={ trace.hops[i].netfilter.as_ref().and_then(|nf| nf.nat.as_ref()).map(|n| nat_note(lang, n)) } />
            } else {
                <p class="hint">{ t(lang, Text::HeadersHint) }</p>
            }
            <p class="hint pcap-hint">{ t(lang, Text::TracePcapHint) }</p>
        </section>
    }
}

fn hop_row(lang: Lang, i: usize, h: &TraceHopRow, selected: bool, cursor: &UseStateHandle<Cursor>) -> Html {
    let on_click = {
        let cursor = cursor.clone();
        Callback::from(move |_: MouseEvent| cursor.set(cursor.select(i)))
    };
    // A pod's place may wrap after its namespace: `pod default/` `web-7c5b9d-x2x4z`.
    let place = match &h.pod {
        Some(pod) => match pod.split_once('/') {
            Some((ns, name)) => html! { <>{ format!("pod {ns}/") }<wbr />{ name }</> },
            None => html! { { format!("pod {pod}") } },
        },
        None if matches!(h.machine.as_str(), "router" | "internet" | "cloud-lb") => html! { { h.machine.clone() } },
        None => html! { { t(lang, Text::HostNamespace) } },
    };
    let nf = h.netfilter.as_ref();
    let stop = nf.filter(|n| stops(n)).map(|_| "nf-stop");
    let row_classes = classes!("hop", format!("stage-{}", h.stage), selected.then_some("selected"), nf.and_then(|n| n.nat.as_ref()).map(|_| "nf-nat"), stop);
    html! {
        <>
        <tr class={ row_classes }
            data-stage={ h.stage } data-index={ i.to_string() }
            aria-current={ selected.then_some("step") } onclick={ on_click.clone() }>
            <td class="num">{ &h.at_ms }</td>
            <td class="place">{ place }</td>
            <td class="device">{ h.device.as_deref().unwrap_or("—") }</td>
            <td class="stage" title={ stage_help(lang, h.stage) }>
                <span class="stage-name">{ h.stage }</span>
                if let Some(g) = stage_gloss(lang, h.stage) { <span class="gloss">{ g }</span> }
            </td>
            if let Some(nf) = nf {
                <td class="detail nf">{ netfilter_detail(lang, nf) }</td>
            } else {
                <td class="detail">{ &h.detail }</td>
            }
        </tr>
        // The TRACE lines take the row's full width below it.
        if let Some(nf) = nf.filter(|n| !n.rules.is_empty()) {
            <tr class={ classes!("hop-rules", format!("stage-{}", h.stage), stop) } data-for={ i.to_string() } onclick={ on_click }>
                <td></td>
                <td colspan="4">{ trace_lines(lang, nf, selected) }</td>
            </tr>
        }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn stepping_reveals_hops_and_show_all_keeps_the_selection() {
        let c = Cursor::default();
        assert_eq!(c.visible(5), 5);
        let c = c.next(5);
        assert_eq!((c.selected, c.visible(5)), (Some(0), 1));
        let c = c.next(5).next(5);
        assert_eq!((c.selected, c.visible(5)), (Some(2), 3));
        let c = c.previous();
        assert_eq!((c.selected, c.visible(5)), (Some(1), 2));
        let c = c.show_all();
        assert_eq!((c.selected, c.visible(5)), (Some(1), 5));
        let c = c.next(5).next(5).next(5).next(5);
        assert_eq!(c.selected, Some(4), "stops at the last hop");
        assert_eq!(Cursor::default().next(0), Cursor::default());
    }

    fn hop(machine: &str) -> TraceHopRow {
        TraceHopRow { at_ms: "0.000".into(), machine: machine.into(), pod: None, device: None, stage: "send", detail: String::new(), headers: vec![], netfilter: None }
    }

    #[wasm_bindgen_test]
    fn hops_group_into_runs_per_machine() {
        let hops = [hop("node-1"), hop("node-1"), hop("node-2"), hop("node-1")];
        let runs: Vec<(&str, usize, usize)> = machine_runs(&hops).into_iter().map(|(m, i, h)| (m, i, h.len())).collect();
        assert_eq!(runs, [("node-1", 0, 2), ("node-2", 2, 1), ("node-1", 3, 1)]);
        assert!(machine_runs(&[]).is_empty());
    }
}
