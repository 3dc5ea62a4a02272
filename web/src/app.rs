//! The root component: the page layout, the reducer wiring, and the effects that reach outside
//! the page (the `<html lang>` attribute, downloads of files the console wrote).

use fishbowl_core::view::object_rows;
use yew::prelude::*;

use crate::components::{ApplyOutput, ConsolePanel, LangSwitch, ManifestEditor, ObjectList, TracePanel};
use crate::download;
use crate::i18n::{t, Text};
use crate::state::{Action, AppState};

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::default);
    let lang = state.lang;
    let rows = object_rows(&state.sim.borrow());

    {
        // Keep <html lang> in step with the chosen language (fonts, screen readers).
        use_effect_with(lang, move |lang| {
            if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
                let _ = el.set_attribute("lang", lang.code());
            }
        });
    }

    // Offer each file a console command wrote (`pcap FILE`) as a download, once.
    use_effect_with(state.download.clone(), |file| {
        if let Some(file) = file {
            if let Err(e) = download::offer(&file.name, &file.bytes) {
                web_sys::console::error_1(&e);
            }
        }
    });

    let on_edit = {
        let state = state.clone();
        Callback::from(move |text: String| state.dispatch(Action::EditManifest(text)))
    };
    let on_apply = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::Apply))
    };
    let on_run = {
        let state = state.clone();
        Callback::from(move |line: String| state.dispatch(Action::RunCommand(line)))
    };
    let on_lang = {
        let state = state.clone();
        Callback::from(move |l| state.dispatch(Action::SetLang(l)))
    };

    html! {
        <div class="app">
            <header>
                <h1>{ "Fishbowl" }</h1>
                <span class="tagline">{ t(lang, Text::Tagline) }</span>
                <LangSwitch lang={ lang } on_change={ on_lang } />
            </header>
            <p class="simplified" role="note">{ t(lang, Text::SimplifiedNote) }</p>
            <main>
                <div class="column">
                    <ManifestEditor lang={ lang } text={ state.manifest.clone() } on_edit={ on_edit } on_apply={ on_apply } />
                    <ApplyOutput lang={ lang } lines={ state.output.clone() } />
                </div>
                <div class="column">
                    <ConsolePanel lang={ lang } entries={ state.console_log.clone() } on_run={ on_run } />
                    <TracePanel key={ state.trace_serial.to_string() } lang={ lang } trace={ state.trace.clone() } />
                    <ObjectList lang={ lang } rows={ rows } />
                </div>
            </main>
        </div>
    }
}
