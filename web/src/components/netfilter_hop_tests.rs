//! The netfilter hop's badge, header note and TRACE line classes.

use super::*;
use wasm_bindgen_test::wasm_bindgen_test;

fn nat(target: &'static str, reply: bool, destination: bool) -> NatRow {
    NatRow { target, by_rule: !reply, reply, destination, from: "10.96.0.20:80".into(), to: "10.244.1.3:80".into() }
}

#[wasm_bindgen_test]
fn badges_and_notes_say_what_was_rewritten() {
    let cases = [
        (nat("DNAT", false, true), Lang::En, "DNAT", "DNAT at this hop: destination 10.96.0.20:80 → 10.244.1.3:80"),
        (nat("MASQUERADE", false, false), Lang::En, "MASQUERADE", "MASQUERADE at this hop: source 10.96.0.20:80 → 10.244.1.3:80"),
        (nat("DNAT", true, false), Lang::En, "undo DNAT", "DNAT undone for the reply: source 10.96.0.20:80 → 10.244.1.3:80"),
        (nat("DNAT", false, true), Lang::Zh, "DNAT", "本跳做了 DNAT：目的地址 10.96.0.20:80 → 10.244.1.3:80"),
        (nat("DNAT", true, false), Lang::Zh, "还原 DNAT", "为回复报文还原 DNAT：源地址 10.96.0.20:80 → 10.244.1.3:80"),
    ];
    for (n, lang, badge, note) in cases {
        assert_eq!(nat_badge(lang, &n), badge);
        assert_eq!(nat_note(lang, &n), note);
    }
}

#[wasm_bindgen_test]
fn trace_lines_are_classed_by_kind_and_effect() {
    let line = |trace: &str, target: &str| NfRuleRow { trace: trace.into(), target: target.into(), comment: None };
    let cases = [
        (line("nat:PREROUTING:rule:1", "-j KUBE-SERVICES"), ("rule", None)),
        (line("nat:KUBE-SEP-VPJCWIHGOZWNRC6B:rule:2", "-j DNAT --to-destination 10.244.0.3:80"), ("rule", Some("nat"))),
        (line("nat:KUBE-POSTROUTING:rule:3", "-j MASQUERADE --random-fully"), ("rule", Some("nat"))),
        (line("filter:KUBE-SERVICES:rule:1", "-j REJECT --reject-with icmp-port-unreachable"), ("rule", Some("drop"))),
        (line("filter:KUBE-FORWARD:return:4", ""), ("return", None)),
        (line("mangle:PREROUTING:policy:1", "ACCEPT"), ("policy", None)),
        (line("filter:INPUT:policy:3", "DROP"), ("policy", Some("drop"))),
    ];
    for (r, expect) in cases {
        assert_eq!(rule_classes(&r), expect, "{}", r.trace);
    }
}

#[wasm_bindgen_test]
fn only_drop_and_reject_stop_the_packet() {
    let row = |verdict: &'static str| NetfilterRow {
        hook: "FORWARD",
        bridged: false,
        conntrack: "NEW",
        new_entry: false,
        rules: vec![],
        nat: None,
        verdict,
        reject_with: None,
    };
    assert!(!stops(&row("ACCEPT")));
    assert!(stops(&row("DROP")));
    assert!(stops(&row("REJECT")));
}
