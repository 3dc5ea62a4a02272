use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::i18n::{t, Lang, Text};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub text: AttrValue,
    pub on_edit: Callback<String>,
    pub on_apply: Callback<()>,
}

/// The manifest textarea and the Apply button.
#[function_component(ManifestEditor)]
pub fn manifest_editor(props: &Props) -> Html {
    let on_input = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            on_edit.emit(area.value());
        })
    };
    let on_click = {
        let on_apply = props.on_apply.clone();
        Callback::from(move |_: MouseEvent| on_apply.emit(()))
    };
    html! {
        <section class="panel editor" aria-labelledby="manifest-heading">
            <h2 id="manifest-heading">{ t(props.lang, Text::ManifestHeading) }</h2>
            <textarea
                id="manifest"
                aria-label={ t(props.lang, Text::ManifestLabel) }
                spellcheck="false"
                value={ props.text.clone() }
                oninput={ on_input }
            />
            <button id="apply" class="primary" onclick={ on_click }>{ t(props.lang, Text::Apply) }</button>
        </section>
    }
}
