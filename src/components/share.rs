//! Share actions after signing: the Web Share API where present, links for email and common
//! networks, and "copy link".

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::Ctx;

fn enc(v: &str) -> String {
    String::from(js_sys::encode_uri_component(v))
}

/// `navigator[name]` as a function bound to its owner, if the browser has it.
fn method(owner: &JsValue, name: &str) -> Option<js_sys::Function> {
    js_sys::Reflect::get(owner, &name.into())
        .ok()?
        .dyn_into()
        .ok()
}

/// Share buttons for `url` with `text`.
#[component]
pub fn Share(
    /// Widget context.
    ctx: Ctx,
    /// Link to share.
    url: String,
    /// Message to go with it (the campaign title).
    text: String,
) -> impl IntoView {
    let s = ctx.s;
    let navigator: JsValue = web_sys::window()
        .map(|w| w.navigator().into())
        .unwrap_or_default();
    let (u, t) = (enc(&url), enc(&text));
    let links = [
        (s.email, format!("mailto:?subject={t}&body={t}%20{u}")),
        ("X", format!("https://twitter.com/intent/tweet?text={t}&url={u}")),
        ("Facebook", format!("https://www.facebook.com/sharer/sharer.php?u={u}")),
        ("WhatsApp", format!("https://wa.me/?text={t}%20{u}")),
        ("Bluesky", format!("https://bsky.app/intent/compose?text={t}%20{u}")),
    ]
    .into_iter()
    .map(|(label, href)| view! { <li><a href=href target="_blank" rel="noopener noreferrer">{label}</a></li> })
    .collect_view();

    let native = method(&navigator, "share").map(|share| {
        let (nav, url, text) = (navigator.clone(), url.clone(), text.clone());
        let nav = send_wrapper::SendWrapper::new((nav, share));
        view! {
            <li><button type="button" on:click=move |_| {
                let data = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&data, &"url".into(), &url.as_str().into());
                let _ = js_sys::Reflect::set(&data, &"text".into(), &text.as_str().into());
                // The promise rejects when the visitor cancels: nothing to do then.
                let _ = nav.1.call1(&nav.0, &data);
            }>{s.share}</button></li>
        }
    });

    let copied = RwSignal::new(false);
    let clipboard =
        js_sys::Reflect::get(&navigator, &"clipboard".into()).is_ok_and(|c| c.is_object());
    let copy = clipboard.then(|| {
        let nav = send_wrapper::SendWrapper::new(navigator.clone());
        view! {
            <li><button type="button" class="secondary" on:click=move |_| {
                let clip = js_sys::Reflect::get(&nav, &"clipboard".into()).unwrap_or_default();
                if let Some(write) = method(&clip, "writeText") {
                    let _ = write.call1(&clip, &url.as_str().into());
                    copied.set(true);
                }
            }>{s.copy_link}</button></li>
        }
    });

    view! {
        <h3>{s.share_heading}</h3>
        <ul class="share">{native}{links}{copy}</ul>
        <p class="notice" role="status">{move || copied.get().then_some(s.copied)}</p>
    }
}
