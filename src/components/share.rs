//! Share actions after signing: the Web Share API where present, links for email and common
//! networks, and "copy link".

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::{Ctx, external_link::ExternalLink, heading::Heading};

fn enc(v: &str) -> String {
    String::from(js_sys::encode_uri_component(v))
}

fn prop(owner: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(owner, &name.into()).unwrap_or_default()
}

/// Calls `owner[name](arg)` if it is a function; the returned promise is left alone (it
/// rejects when the visitor cancels a share sheet: nothing to do then).
fn call(owner: &JsValue, name: &str, arg: &JsValue) -> bool {
    let f = prop(owner, name).dyn_into::<js_sys::Function>();
    f.is_ok_and(|f| f.call1(owner, arg).is_ok())
}

/// The share actions (a list of buttons and links) and the "copied" status under them.
#[component]
pub fn Share(
    /// The widget's context (its language).
    ctx: Ctx,
    /// The page to share.
    url: String,
    /// The text that goes with it (the campaign title).
    text: String,
) -> impl IntoView {
    let s = ctx.s;
    let level = ctx.opts.heading_level.below();
    let navigator: JsValue = web_sys::window()
        .map(|w| w.navigator().into())
        .unwrap_or_default();
    let (u, t) = (enc(&url), enc(&text));
    let links = [
        (s.email, format!("mailto:?subject={t}&body={t}%20{u}")),
        (
            "X",
            format!("https://twitter.com/intent/tweet?text={t}&url={u}"),
        ),
        (
            "Facebook",
            format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
        ),
        ("WhatsApp", format!("https://wa.me/?text={t}%20{u}")),
        (
            "Bluesky",
            format!("https://bsky.app/intent/compose?text={t}%20{u}"),
        ),
    ];
    let web_share = prop(&navigator, "share").is_function().then(|| {
        let data = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&data, &"url".into(), &JsValue::from_str(&url));
        let _ = js_sys::Reflect::set(&data, &"text".into(), &JsValue::from_str(&text));
        let nav = navigator.clone();
        let click = move |_| {
            call(&nav, "share", &data);
        };
        view! { <li><button type="button" on:click=click>{s.share}</button></li> }
    });
    let links = links
        .into_iter()
        .map(|(label, href)| {
            view! { <li><ExternalLink href text=label.to_owned()/></li> }.into_any()
        })
        .collect_view();
    let copied = RwSignal::new(false);
    let clipboard = prop(&navigator, "clipboard");
    let copy = clipboard.is_object().then(|| {
        let url = JsValue::from_str(&url);
        let click = move |_| {
            if call(&clipboard, "writeText", &url) {
                copied.set(true);
            }
        };
        view! {
            <li><button class="secondary" type="button" on:click=click>{s.copy_link}</button></li>
        }
    });
    view! {
        <div>
            {Heading { level, class: Some("sub"), ..Default::default() }.view(s.share_heading.into())}
            <ul class="share">{web_share}{links}{copy}</ul>
            // Always in the tree, empty until a copy: a region that appears with its words
            // is often not read.
            <p class="notice" role="status">
                {move || copied.get().then_some(s.copied)}
            </p>
        </div>
    }
}
