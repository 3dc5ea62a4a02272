use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{t, Lang, Text};
use crate::state::ConsoleEntry;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub entries: Vec<ConsoleEntry>,
    pub on_run: Callback<String>,
}

/// A terminal: type `kubectl get pods`, `advance 30s`, `events`…; output below each command.
#[function_component(ConsolePanel)]
pub fn console_panel(props: &Props) -> Html {
    let input = use_node_ref();
    let on_submit = {
        let input = input.clone();
        let on_run = props.on_run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(el) = input.cast::<HtmlInputElement>() {
                let line = el.value();
                if !line.trim().is_empty() {
                    on_run.emit(line);
                    el.set_value("");
                }
            }
        })
    };
    html! {
        <section class="panel console" aria-labelledby="console-heading">
            <h2 id="console-heading">{ t(props.lang, Text::ConsoleHeading) }</h2>
            <div id="console-log" aria-live="polite">
                { for props.entries.iter().map(|e| html! {
                    <div class={ classes!("entry", (!e.ok).then_some("failed")) }>
                        <pre class="command">{ format!("$ {}", e.command) }</pre>
                        if !e.stdout.is_empty() { <pre class="stdout">{ &e.stdout }</pre> }
                        if !e.stderr.is_empty() { <pre class="stderr">{ &e.stderr }</pre> }
                    </div>
                }) }
            </div>
            <form onsubmit={ on_submit }>
                <span class="prompt">{ "$" }</span>
                <input id="console-input" ref={ input } type="text" autocomplete="off" spellcheck="false"
                    aria-label={ t(props.lang, Text::ConsoleLabel) }
                    placeholder="kubectl get pods -A" />
            </form>
        </section>
    }
}
