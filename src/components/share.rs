//! Share actions after signing: the Web Share API where present, links for email and common
//! networks, and "copy link".

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::{Ctx, pitch::external_link};
use crate::browser::dom::{El, set_text};

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

/// Share actions for `url` with `text` (the campaign title).
pub fn share(ctx: &Ctx, url: &str, text: &str) -> El {
    let s = ctx.s;
    let navigator: JsValue = web_sys::window()
        .map(|w| w.navigator().into())
        .unwrap_or_default();
    let (u, t) = (enc(url), enc(text));
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
    let mut list = El::class("ul", "share");
    if prop(&navigator, "share").is_function() {
        let data = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&data, &"url".into(), &url.into());
        let _ = js_sys::Reflect::set(&data, &"text".into(), &text.into());
        let nav = navigator.clone();
        let button = El::new("button").attr("type", "button").text(s.share);
        list = list.child(El::new("li").child(button.on("click", move |_| {
            call(&nav, "share", &data);
        })));
    }
    list = list.children(
        links
            .iter()
            .map(|(label, href)| El::new("li").child(external_link(href, label))),
    );
    let copied = RwSignal::new(false);
    let clipboard = prop(&navigator, "clipboard");
    if clipboard.is_object() {
        let url = JsValue::from_str(url);
        let button = El::class("button", "secondary")
            .attr("type", "button")
            .text(s.copy_link);
        list = list.child(El::new("li").child(button.on("click", move |_| {
            if call(&clipboard, "writeText", &url) {
                copied.set(true);
            }
        })));
    }
    let status = El::class("p", "notice")
        .attr("role", "status")
        .bind(move |el| set_text(el, copied.get().then_some(s.copied)));
    El::new("div")
        .child(El::new("h3").text(s.share_heading))
        .child(list)
        .child(status)
}
