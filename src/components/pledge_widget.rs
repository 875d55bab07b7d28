//! The widget for Leptos apps: `view! { <PledgeWidget endpoint=… campaign=…/> }` renders the
//! same widget `embed.js` mounts, in its own host element with an open shadow root.

use leptos::{html, prelude::*};
use send_wrapper::SendWrapper;
use web_sys::{ShadowRootInit, ShadowRootMode};

use crate::browser::host;
use crate::options::{Layout, Theme, WidgetOptions};
use crate::start::{Start, start};

/// The pledge widget, for a Leptos CSR app: the campaign's pitch, live count and form, as
/// `embed.js` shows them (docs/embedding.md, "From a Leptos app").
///
/// It renders a `<div data-pledge-widget-host>` and the widget inside that element's open
/// shadow root: the app's CSS cannot break it and its CSS stays inside. Theme it with the
/// `--pledge-*` custom properties and `::part()` names on that element (give it a class with
/// `attr:class="…"`). It dispatches the `pledge:ready`, `pledge:signed` and `pledge:error`
/// `CustomEvent`s on that element, bubbling and composed, so a listener on any ancestor hears
/// them (`on:pledge:signed=…` on a wrapper).
///
/// Props are reactive: a change starts the widget again with the new options, as an attribute
/// change on `<pledge-widget>` does. Removing the component (e.g. inside `<Show>`) stops
/// everything the widget started: its live-count stream, timers and listeners.
/// Bad `endpoint` or `campaign` values show the widget's short notice, log one
/// `console.error` naming the prop and fire `pledge:error` with code `bad_options`; nothing
/// panics.
#[component]
pub fn PledgeWidget(
    /// Base URL of the pledge API, `http(s)://…`, e.g. `https://pledge.example.org/api/v1`.
    /// Required.
    #[prop(into)]
    endpoint: Signal<String>,
    /// The campaign's slug, `[a-z0-9-]{1,64}`. Required.
    #[prop(into)]
    campaign: Signal<String>,
    /// Language of the widget, a BCP 47 tag. Default: the page's `<html lang>`, then the
    /// browser's languages, then English. Languages other than English need the crate's
    /// `bundled-locales` feature (without it the widget shows English).
    #[prop(into, optional)]
    lang: MaybeProp<String>,
    /// Colour scheme. Default [`Theme::Auto`]: follows the visitor's `prefers-color-scheme`.
    #[prop(into, optional)]
    theme: MaybeProp<Theme>,
    /// A CSS colour for buttons, links, the goal bar and the focus ring; text on it is black or
    /// white, whichever reads. Default: the stylesheet's `--pledge-accent` (`#1d4ed8` light,
    /// `#6ea8fe` dark). A value that is not a plain CSS colour is ignored.
    #[prop(into, optional)]
    accent: MaybeProp<String>,
    /// How much shows before the supporter acts. Default [`Layout::Full`]: pitch, count and
    /// form.
    #[prop(into, optional)]
    layout: MaybeProp<Layout>,
    /// Heading of the minimal form shown when the endpoint has no campaign route. Default: the
    /// translated "Sign the pledge".
    #[prop(into, optional)]
    title: MaybeProp<String>,
    /// Level of the widget's title, `1` to `6` (an `h1`…`h6`), to fit the app's outline;
    /// sub-headings sit one level below, never below `h6`. Default `2`. Another value shows
    /// the widget's notice and fires `pledge:error` (`bad_options`).
    #[prop(into, optional)]
    heading_level: MaybeProp<u8>,
    /// The widget's texts replaced: a JSON object of key → text, e.g.
    /// `r#"{"submit": "Add my name"}"#` (docs/i18n.md). Default: none.
    #[prop(into, optional)]
    strings: MaybeProp<String>,
) -> impl IntoView {
    let host_ref = NodeRef::<html::Div>::new();
    // Runs once the host element exists, and again when a prop changes: the effect's owner
    // is cleaned up first, which removes the previous widget and stops what it started.
    Effect::new(move |_| {
        let Some(el) = host_ref.get() else { return };
        let given = (endpoint.get(), campaign.get());
        let (lang, strings) = (lang.get(), strings.get());
        let (theme, layout, accent, title) = (theme.get(), layout.get(), accent.get(), title.get());
        let level = heading_level.get().map(|n| n.to_string());
        untrack(|| {
            let (endpoint, campaign) = given;
            let parsed = WidgetOptions::parse(|k| match k {
                "endpoint" => Some(endpoint.clone()),
                "campaign" => Some(campaign.clone()),
                "accent" => accent.clone(),
                "title" => title.clone(),
                "lang" => lang.clone(),
                "heading-level" => level.clone(),
                _ => None,
            })
            .map(|mut o| {
                o.theme = theme.unwrap_or_default();
                o.layout = layout.unwrap_or_default();
                o
            });
            let options = Start {
                parsed,
                campaign,
                lang,
                strings,
                locales: None,
                describe: |e, _| {
                    e.describe_as(
                        "<PledgeWidget> prop endpoint",
                        "<PledgeWidget> prop campaign",
                        "<PledgeWidget> prop heading_level",
                    )
                },
                attributes: false,
            };
            let shadow = match el.shadow_root() {
                Some(shadow) => Ok(shadow),
                None => el.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)),
            };
            let owner = Owner::new();
            match shadow.and_then(|shadow| start(&shadow, &owner, options)) {
                Ok(root) => {
                    let root = SendWrapper::new(root);
                    on_cleanup(move || {
                        owner.cleanup();
                        root.remove();
                    });
                }
                // No document or a host that refuses a shadow root: said once, never thrown.
                Err(e) => host::report(&format!("could not start: {e:?}")),
            }
        });
    });
    view! { <div data-pledge-widget-host node_ref=host_ref></div> }
}
