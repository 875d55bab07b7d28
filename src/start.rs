//! Starting a widget in a shadow root: the one path that [`crate::mount`] (what `embed.js`
//! calls) and [`crate::PledgeWidget`] (the component for Leptos apps) share. It builds the
//! widget's context (stylesheet, root element, language, validated options, the host for
//! `pledge:*` events) and renders the widget, or the bad-options notice.

use leptos::{
    prelude::{IntoAny, Owner, view},
    task::spawn_local,
};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement, ShadowRoot};

use crate::browser::{host, locale};
use crate::components::{Ctx, CtxInner, notice::Notice, render_into, widget::Widget};
use crate::i18n;
use crate::options::{OptionsError, WidgetOptions};

/// How an options error is told, naming the options as the partner wrote them: with
/// `attributes` (see [`Start::attributes`]); [`OptionsError::describe`] for `data-*`
/// attributes and `mount()`, the component's own for its props. A function rather than an
/// enum of the three, so a build without the component (`pkg/`) carries none of its names.
pub(crate) type Describe = fn(&OptionsError, bool) -> String;

/// What starting a widget needs, before its language is known.
pub(crate) struct Start {
    /// The options, validated (or why they cannot start a widget).
    pub parsed: Result<WidgetOptions, OptionsError>,
    /// The `campaign` option as given (the detail of a `bad_options` error).
    pub campaign: String,
    /// The `lang` option.
    pub lang: Option<String>,
    /// The `strings` option: JSON text of key → text overrides.
    pub strings: Option<String>,
    /// Where the language files are (`embed.js`'s `locales` list); `None`: English only,
    /// unless the language is compiled in.
    pub locales: Option<String>,
    /// Tells an options error in the names the options were given by.
    pub describe: Describe,
    /// The options came from `data-*` attributes (the second argument of `describe`).
    pub attributes: bool,
}

/// Renders a widget into `shadow` (an open shadow root) under `owner`, and returns the root
/// element it renders into (remove it, and clean up `owner`, to unmount). A language other
/// than English is fetched first, unless compiled in (the root stays empty until then).
/// Bad options render a short notice, log one `console.error` and fire `pledge:error`.
pub(crate) fn start(
    shadow: &ShadowRoot,
    owner: &Owner,
    start: Start,
) -> Result<HtmlElement, JsValue> {
    let pick = i18n::pick(
        host::language_candidates(start.lang.as_deref())
            .iter()
            .map(String::as_str),
    );
    host::adopt_styles(shadow);
    let doc = host::document().ok_or("no document")?;
    let root: HtmlElement = doc.create_element("div")?.unchecked_into();
    root.set_class_name("root");
    root.set_attribute("part", "widget")?;
    shadow.append_child(&root)?;
    // Effects and tasks run on wasm-bindgen-futures (an Err = already initialised).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let url = (pick.lang != "en")
        .then(|| {
            start
                .locales
                .as_deref()
                .and_then(|l| locale::file_url(l, pick.lang))
        })
        .flatten();
    let pending = Pending {
        pick,
        start,
        host_el: shadow.host(),
        root: root.clone(),
        owner: owner.clone(),
    };
    match (url, bundled(pending.pick.lang)) {
        (_, Some(file)) => pending.render(Some(file.to_owned()))?,
        (Some(url), None) => spawn_local(async move {
            let file = locale::fetch_text(&url).await;
            // Unmounted while the language loaded: nothing to render into.
            if pending.root.is_connected() {
                let _ = pending.render(file);
            }
        }),
        (None, None) => pending.render(None)?,
    }
    Ok(root)
}

/// The language file of `lang` compiled into the crate (feature `bundled-locales`, for
/// Leptos apps that serve no `pkg/`); the embed fetches its files instead.
#[cfg(feature = "bundled-locales")]
fn bundled(lang: &str) -> Option<&'static str> {
    // `match lang { "de" => Some("…"), …, _ => None }`, written by src/build.rs.
    include!(concat!(env!("OUT_DIR"), "/bundled_locales.rs"))
}

#[cfg(not(feature = "bundled-locales"))]
fn bundled(_lang: &str) -> Option<&'static str> {
    None
}

/// What a start needs once its language is known.
struct Pending {
    pick: i18n::Pick,
    start: Start,
    host_el: Element,
    root: HtmlElement,
    owner: Owner,
}

impl Pending {
    /// Renders with the language `file` (English when `None`).
    fn render(self, file: Option<String>) -> Result<(), JsValue> {
        let Self {
            pick,
            start,
            host_el,
            root,
            owner,
        } = self;
        let s = locale::strings(pick, file, start.strings.as_deref());
        root.set_attribute("lang", s.tag)?;
        root.set_attribute("dir", i18n::dir(s.tag))?;
        let opts = match start.parsed {
            Ok(o) => o,
            Err(e) => {
                root.set_attribute("data-theme", "auto")?;
                let notice = view! { <Notice role="alert" text=s.misconfigured/> };
                owner.with(|| render_into(&root, notice.into_any()));
                host::refuse(
                    &host_el,
                    &start.campaign,
                    "bad_options",
                    &(start.describe)(&e, start.attributes),
                );
                return Ok(());
            }
        };
        root.set_attribute("data-theme", opts.theme.as_str())?;
        if let Some(accent) = &opts.accent {
            root.style().set_property("--pledge-accent", accent)?;
        }
        let ctx = Ctx::new(CtxInner {
            opts,
            s,
            host: host_el,
            root: root.clone(),
        });
        owner.with(|| render_into(&root, view! { <Widget ctx/> }.into_any()));
        Ok(())
    }
}
