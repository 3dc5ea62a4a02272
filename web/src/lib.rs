//! # fishbowl-web
//!
//! The Yew app. It owns no simulation logic: it holds a `fishbowl_core::Sim`, sends it the
//! user's actions, and draws `fishbowl_core::view` snapshots.
//!
//! ```text
//! state        AppState + Action: the pure reducer (the Sim lives behind an Rc<RefCell<_>>)
//! files        the console's files: the editor's text to read, downloads to write (`pcap`)
//! download     offering bytes as a browser download (Blob, object URL, <a download>)
//! i18n         every user-visible string, in English and 简体中文
//! i18n_netfilter  a netfilter hop's labels and help (hooks, conntrack, NAT, verdicts)
//! app          the root component: layout and wiring
//! components/  one file per panel: manifest editor, apply output, console, packet trace (with
//!              its header stack and netfilter hops), object list, language switch
//! ```

pub mod app;
pub mod components;
pub mod download;
pub mod files;
pub mod i18n;
pub mod i18n_netfilter;
pub mod state;

pub use app::App;

/// Mounts the app on `<body>`.
pub fn start() {
    yew::Renderer::<App>::new().render();
}

// Talc instead of the default dlmalloc: the simulation allocates many small objects, and
// talc is markedly faster at that in wasm; its memory grows geometrically (`wasm_heap.rs`).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: fishbowl_core::wasm_heap::WasmHeap = fishbowl_core::wasm_heap::allocator();
