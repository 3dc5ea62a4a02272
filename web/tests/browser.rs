//! Runs in headless Chromium via wasm-bindgen-test: the core compiled to wasm32 behaves as it
//! does natively, and the app mounted in a real DOM applies a manifest.

use std::time::Duration;

use fishbowl_core::{ClusterConfig, Sim};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  selector: {matchLabels: {app: shop}}\n  template:\n    metadata: {labels: {app: shop}}\n    spec:\n      containers: [{name: c, image: nginx}]\n";

#[wasm_bindgen_test]
fn core_applies_in_wasm_like_native() {
    let mut sim = Sim::new(ClusterConfig::default());
    let report = sim.apply("shop.yaml", DEPLOY);
    assert_eq!(report.outcomes[0].to_kubectl_line(), "deployment.apps/shop created");
    let again = sim.apply("shop.yaml", DEPLOY);
    assert_eq!(again.outcomes[0].to_kubectl_line(), "deployment.apps/shop unchanged");
}

#[wasm_bindgen_test]
fn wasm_draws_the_same_random_numbers_as_native() {
    // Golden values asserted natively by core/tests/golden_rng.rs.
    let mut r = fishbowl_core::rng::SimRng::seeded(42);
    assert_eq!(r.next_u64(), 10_580_897_095_847_554_459);
    assert_eq!(r.name_suffix(), "fmjfm");
}

async fn tick() {
    yew::platform::time::sleep(Duration::from_millis(30)).await;
}

#[wasm_bindgen_test]
async fn app_applies_a_manifest_typed_into_the_editor() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<fishbowl_web::App>::with_root(root.clone()).render();
    tick().await;

    let area: HtmlTextAreaElement = document.get_element_by_id("manifest").unwrap().dyn_into().unwrap();
    area.set_value(DEPLOY);
    let input = web_sys::InputEvent::new("input").unwrap();
    area.dispatch_event(&input).unwrap();
    tick().await;
    let button: HtmlElement = document.get_element_by_id("apply").unwrap().dyn_into().unwrap();
    button.click();
    tick().await;

    let output = document.get_element_by_id("apply-output").unwrap().text_content().unwrap();
    assert!(output.contains("deployment.apps/shop created"), "output: {output}");
    let row = document.query_selector("#objects tr[data-kind='Deployment'][data-name='shop']").unwrap();
    assert!(row.is_some(), "the Deployment is listed");
}

#[wasm_bindgen_test]
fn console_runs_kubectl_in_wasm() {
    use fishbowl_core::console::Console;
    use fishbowl_core::kubectl::NoFiles;
    let mut sim = Sim::new(ClusterConfig::default());
    let mut console = Console::new();
    let out = console.run_line(&mut sim, "kubectl get ns", &NoFiles);
    assert_eq!(out.status, 0);
    assert!(out.stdout.starts_with("NAME              STATUS   AGE\ndefault           Active   0s\n"), "{}", out.stdout);
    let out = console.run_line(&mut sim, "kubectl apply -f nowhere.yaml", &NoFiles);
    assert_eq!(out.stderr, "error: the path \"nowhere.yaml\" does not exist\n");
}
