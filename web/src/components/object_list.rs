use fishbowl_core::view::ObjectRow;
use yew::prelude::*;

use crate::i18n::{t, Lang, Text};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub lang: Lang,
    pub rows: Vec<ObjectRow>,
}

/// Every object the simulated API server holds.
#[function_component(ObjectList)]
pub fn object_list(props: &Props) -> Html {
    let lang = props.lang;
    html! {
        <section class="panel objects" aria-labelledby="objects-heading">
            <h2 id="objects-heading">{ t(lang, Text::ObjectsHeading) }</h2>
            <table id="objects">
                <thead>
                    <tr>
                        <th>{ t(lang, Text::ColKind) }</th>
                        <th>{ t(lang, Text::ColNamespace) }</th>
                        <th>{ t(lang, Text::ColName) }</th>
                        <th class="num">{ t(lang, Text::ColResourceVersion) }</th>
                        <th class="num">{ t(lang, Text::ColAge) }</th>
                    </tr>
                </thead>
                <tbody>
                    { for props.rows.iter().map(|r| html! {
                        <tr data-kind={ r.kind.clone() } data-name={ r.name.clone() }>
                            <td>{ &r.kind }</td>
                            <td>{ &r.namespace }</td>
                            <td>{ &r.name }</td>
                            <td class="num">{ r.resource_version }</td>
                            <td class="num">{ &r.age }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}
