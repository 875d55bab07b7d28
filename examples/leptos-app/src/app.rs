//! The example page: the app's own heading and styled content, the pledge widget as a
//! component, the last `pledge:signed` the app heard, and a button that removes and brings
//! back the widget (its stream closes and opens with it).

use leptos::prelude::*;
use pledge_widget::PledgeWidget;
use wasm_bindgen::JsCast;

/// The campaign the demo server seeds.
const CAMPAIGN: &str = "no-music-for-ice";

/// The value of `name` in the page's query string (`?campaign=…&lang=…`: the test gives a bad
/// campaign and other languages too).
fn from_address(name: &str) -> Option<String> {
    let search = window().location().search().unwrap_or_default();
    let value = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?;
    Some(value.replace("%20", " "))
}

/// `<meta name="pledge-endpoint" content="…">` of the page: where the pledge API is.
fn endpoint_from_page() -> Option<String> {
    document()
        .query_selector(r#"meta[name="pledge-endpoint"]"#)
        .ok()
        .flatten()?
        .get_attribute("content")
}

/// `detail.count` of a `pledge:signed` event (`None` when the endpoint gave no count).
fn signed_count(ev: &web_sys::Event) -> Option<u64> {
    let detail = ev.dyn_ref::<web_sys::CustomEvent>()?.detail();
    let count = js_sys::Reflect::get(&detail, &"count".into()).ok()?;
    count.as_f64().map(|n| n as u64)
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let endpoint = endpoint_from_page().unwrap_or_else(|| "http://127.0.0.1:8080/api/v1".into());
    let campaign = from_address("campaign").unwrap_or_else(|| CAMPAIGN.to_owned());
    let lang = from_address("lang");
    let shown = RwSignal::new(true);
    // What the app heard from the widget: a count, or a signature without one.
    let heard = RwSignal::new(None::<Option<u64>>);
    let on_signed = move |ev: web_sys::Event| heard.set(Some(signed_count(&ev)));
    view! {
        <header class="masthead">
            <h1>"The Engines on tour"</h1>
            <p class="tagline">"Dates, records and the pledge we stand behind."</p>
        </header>
        <main>
            <article class="news">
                <h2>"Why we signed"</h2>
                <p>
                    "We will not play venues that take contracts from ICE. Add your name below: "
                    "the count is live."
                </p>
            </article>
            <button class="toggle" on:click=move |_| shown.update(|s| *s = !*s)>
                {move || if shown.get() { "Hide the pledge" } else { "Show the pledge" }}
            </button>
            <p class="heard" role="status">
                {move || {
                    heard
                        .get()
                        .map(|count| match count {
                            Some(n) => format!("The app heard pledge:signed: {n} signatures"),
                            None => "The app heard pledge:signed".to_owned(),
                        })
                }}
            </p>
            // The widget's events bubble out of its shadow root (composed): the app listens
            // on a wrapper of its own.
            <section class="pledge-slot" on:pledge:signed=on_signed>
                <Show when=move || shown.get()>
                    <PledgeWidget endpoint=endpoint.clone() campaign=campaign.clone() lang=lang.clone()
                        attr:class="pledge"/>
                </Show>
            </section>
        </main>
    }
}
