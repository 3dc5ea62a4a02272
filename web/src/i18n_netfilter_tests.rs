//! Every netfilter word the trace panel can show has its help in both languages.

use super::*;
use wasm_bindgen_test::wasm_bindgen_test;

fn check(help: fn(Lang, &str) -> &'static str, words: &[&str]) {
    for word in words {
        for lang in [Lang::En, Lang::Zh] {
            assert!(!help(lang, word).is_empty(), "{word} in {lang:?}");
        }
        assert_ne!(help(Lang::En, word), help(Lang::Zh, word), "{word}");
    }
    assert_eq!(help(Lang::En, "SOMETHING-ELSE"), "");
}

#[wasm_bindgen_test]
fn hooks_states_targets_and_verdicts_have_help() {
    check(hook_help, &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);
    check(ct_help, &["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"]);
    check(nat_help, &["DNAT", "SNAT", "MASQUERADE", "REDIRECT"]);
    check(verdict_help, &["DROP", "REJECT"]);
}

#[wasm_bindgen_test]
fn conntrack_states_get_a_chinese_gloss_only() {
    let cases = [("NEW", "新连接"), ("ESTABLISHED", "已建立"), ("RELATED", "关联连接"), ("INVALID", "无效"), ("UNTRACKED", "不跟踪")];
    for (state, gloss) in cases {
        assert_eq!(ct_gloss(Lang::Zh, state), Some(gloss));
        assert_eq!(ct_gloss(Lang::En, state), None);
    }
    assert_eq!(ct_gloss(Lang::Zh, "SNAT"), None);
}

#[wasm_bindgen_test]
fn placeholders_fill_in_both_languages() {
    let args = [("target", "DNAT"), ("field", "destination"), ("from", "10.96.0.20:80"), ("to", "10.244.1.3:80")];
    assert_eq!(nf_tf(Lang::En, NfText::HeadersNat, &args), "DNAT at this hop: destination 10.96.0.20:80 → 10.244.1.3:80");
    assert_eq!(nf_tf(Lang::Zh, NfText::NatUndo, &args), "还原 DNAT");
    assert_eq!(nf_tf(Lang::En, NfText::TraceLines, &[("n", "7")]), "-j TRACE: 7 lines");
    assert_eq!(nf_tf(Lang::Zh, NfText::TraceLines, &[("n", "7")]), "-j TRACE：7 条记录");
}
