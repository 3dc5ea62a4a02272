//! Offers bytes as a file download: a `Blob`, an object URL for it and a temporary
//! `<a download>` that is clicked once and removed. The URL is revoked a little later, when the
//! browser has taken the bytes.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// How long the object URL stays valid after the click.
const REVOKE_AFTER_MS: i32 = 60_000;

/// The media type for a file name: pcap captures get their own, everything else is bytes.
pub fn media_type(name: &str) -> &'static str {
    if name.ends_with(".pcap") || name.ends_with(".cap") {
        "application/vnd.tcpdump.pcap"
    } else {
        "application/octet-stream"
    }
}

/// Asks the browser to save `bytes` as `name`.
pub fn offer(name: &str, bytes: &[u8]) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let body = document.body().ok_or("no body")?;

    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(media_type(name));
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;

    let anchor: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.set_hidden(true);
    body.append_child(&anchor)?;
    anchor.click();
    anchor.remove();

    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), REVOKE_AFTER_MS)?;
    Ok(())
}
