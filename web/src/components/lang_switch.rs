use yew::prelude::*;

use crate::i18n::{t, Lang, Text};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub on_change: Callback<Lang>,
}

/// English / 简体中文.
#[function_component(LangSwitch)]
pub fn lang_switch(props: &Props) -> Html {
    let button = |lang: Lang, label: &'static str| {
        let on_change = props.on_change.clone();
        let pressed = props.lang == lang;
        html! {
            <button
                class={ classes!("lang", pressed.then_some("active")) }
                aria-pressed={ pressed.to_string() }
                lang={ lang.code() }
                onclick={ Callback::from(move |_: MouseEvent| on_change.emit(lang)) }
            >{ label }</button>
        }
    };
    html! {
        <div class="lang-switch" role="group" aria-label={ t(props.lang, Text::Language) }>
            { button(Lang::En, "English") }
            { button(Lang::Zh, "简体中文") }
        </div>
    }
}
