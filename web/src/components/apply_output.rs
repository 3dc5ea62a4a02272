use yew::prelude::*;

use crate::i18n::{t, tf, Lang, Text};
use crate::state::OutputLine;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub lines: Vec<OutputLine>,
}

/// What `kubectl apply` printed, one line per document; errors carry their position.
#[function_component(ApplyOutput)]
pub fn apply_output(props: &Props) -> Html {
    let lang = props.lang;
    let body = if props.lines.is_empty() {
        html! { <p class="hint">{ t(lang, Text::OutputEmpty) }</p> }
    } else {
        props
            .lines
            .iter()
            .map(|l| {
                let position = match (l.line, l.column) {
                    (Some(line), Some(column)) => Some(tf(
                        lang,
                        Text::LineColumn,
                        &[("line", line.to_string()), ("column", column.to_string())],
                    )),
                    (Some(line), None) => Some(tf(lang, Text::Line, &[("line", line.to_string())])),
                    _ => None,
                };
                html! {
                    <li class={ classes!(l.is_error.then_some("error")) }>
                        if let Some(p) = position { <span class="position">{ p }</span> }
                        <pre>{ &l.text }</pre>
                    </li>
                }
            })
            .collect::<Html>()
    };
    html! {
        <section class="panel output" aria-labelledby="output-heading">
            <h2 id="output-heading"><code>{ t(lang, Text::OutputHeading) }</code></h2>
            <ul id="apply-output" aria-live="polite">{ body }</ul>
        </section>
    }
}
