//! The whole widget: loads the campaign, follows the live count, and switches between
//! loading, pitch + form (or the compact opener), thanks, and "not available".

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsValue;

use super::{
    Ctx,
    count::Count,
    form::{PledgeForm, Signed},
    pitch::Pitch,
    thanks::Thanks,
};
use crate::browser::{
    api::{FetchError, get},
    decode, host, live,
};
use crate::campaign::Campaign;
use crate::options::Layout;

/// Where the campaign document stands.
#[derive(Clone)]
enum Load {
    Loading,
    Ready(Arc<Campaign>),
    /// The endpoint says the campaign does not exist.
    Missing,
}

/// The minimal campaign (name, email, consent) for endpoints without the campaign route.
fn fallback(ctx: &Ctx) -> Campaign {
    let title = ctx.opts.title.clone();
    Campaign::fallback(title.unwrap_or_else(|| ctx.s.fallback_title.into()))
}

/// The widget root view.
#[component]
pub fn Widget(
    /// Widget context.
    ctx: Ctx,
) -> impl IntoView {
    let s = ctx.s;
    let load = RwSignal::new(Load::Loading);
    let count = RwSignal::new(None::<u64>);
    let goal = RwSignal::new(None::<u64>);
    let done = RwSignal::new(None::<bool>);
    let open = RwSignal::new(ctx.opts.layout == Layout::Full);
    let announce = RwSignal::new("");

    let base = ctx.opts.campaign_url();
    let id = live::subscribe(
        &base,
        std::rc::Rc::new(move |n, g| {
            count.set(Some(n));
            if g.is_some() {
                goal.set(g);
            }
        }),
    );
    on_cleanup(move || live::unsubscribe(&base, id));

    {
        let ctx = ctx.clone();
        spawn_local(async move {
            let fetched = get(&ctx.opts.campaign_url()).await;
            let campaign = match fetched.as_ref().map(decode::campaign) {
                Ok(Some(c)) => c,
                // Not the documented shape: treat like a missing campaign route.
                Ok(None) => fallback(&ctx),
                Err(FetchError::Status(404, Some(code))) if code == "campaign_not_found" => {
                    load.set(Load::Missing);
                    let detail = [
                        ("campaign", JsValue::from_str(&ctx.opts.campaign)),
                        ("code", code.into()),
                        ("message", s.unavailable.into()),
                    ];
                    host::emit(&ctx.host, "error", &detail);
                    return;
                }
                // No campaign route (or no network yet): the POST may still work.
                Err(_) => fallback(&ctx),
            };
            if count.get_untracked().is_none() && campaign.count.is_some() {
                count.set(campaign.count);
            }
            if campaign.goal.is_some() {
                goal.set(campaign.goal);
            }
            load.set(Load::Ready(Arc::new(campaign)));
            host::emit(
                &ctx.host,
                "ready",
                &[("campaign", JsValue::from_str(&ctx.opts.campaign))],
            );
        });
    }

    let on_signed = {
        let ctx = ctx.clone();
        Callback::new(move |signed: Signed| {
            if signed.count.is_some() {
                count.set(signed.count);
            }
            done.set(Some(signed.already));
            announce.set(s.announce);
            let n = signed
                .count
                .map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64));
            let status = if signed.already {
                "already_signed"
            } else {
                "signed"
            };
            let detail = [
                ("campaign", JsValue::from_str(&ctx.opts.campaign)),
                ("count", n),
                ("status", status.into()),
            ];
            host::emit(&ctx.host, "signed", &detail);
            ctx.focus("pw-thanks");
        })
    };

    let body = move || match load.get() {
        Load::Loading => view! { <p class="notice" role="status">{s.loading}</p> }.into_any(),
        Load::Missing => view! { <p class="notice" role="alert">{s.unavailable}</p> }.into_any(),
        Load::Ready(c) => {
            let ctx = ctx.clone();
            let share_url = c
                .share_url
                .clone()
                .or_else(host::page_url)
                .unwrap_or_default();
            let main = move || {
                match done.get() {
                Some(already) => view! {
                    <Thanks ctx=ctx.clone() already=already count=count goal=goal share_url=share_url.clone() share_text=c.title.clone() />
                }
                .into_any(),
                None if open.get() => view! {
                    <Pitch title=c.title.clone() text=c.text.clone() />
                    <Count ctx=ctx.clone() count=count goal=goal />
                    <PledgeForm ctx=ctx.clone() campaign=c.clone() on_signed=on_signed />
                }
                .into_any(),
                None => view! {
                    <h2 part="title">{c.title.clone()}</h2>
                    <Count ctx=ctx.clone() count=count goal=goal />
                    <button type="button" aria-expanded="false" on:click=move |_| open.set(true)>{s.open_form}</button>
                }
                .into_any(),
            }
            };
            main.into_any()
        }
    };

    view! {
        {body}
        <p class="sr-only" aria-live="polite">{move || announce.get()}</p>
    }
}
