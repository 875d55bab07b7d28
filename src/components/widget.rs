//! The whole widget: loads the campaign, follows the live count, and switches between
//! loading, pitch + form (or the compact opener), thanks, and "not available".

use std::rc::Rc;
use std::sync::{
    Arc,
    atomic::{AtomicU32, Ordering::Relaxed},
};

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};

use super::{
    Ctx,
    close_button::CloseButton,
    count::{Count, count_phrase},
    form::{PledgeForm, Signed},
    notice::Notice,
    pitch::Pitch,
    summary::Summary,
    wall_slot::{WallPart, WallSlot},
};
use crate::availability::{self, Unavailable};
use crate::browser::{api::get, host, lazy, live, outbox};
use crate::campaign::Campaign;
use crate::document::{self, CampaignDoc};
use crate::milestone;
use crate::options::Layout;

/// Switches to the thanks view after a signature, announces it and fires `pledge:signed`.
/// Nothing happens when the widget was unmounted meanwhile (its signals are gone).
fn show_thanks(
    c: &Ctx,
    signed: Signed,
    count: RwSignal<Option<u64>>,
    done: RwSignal<Option<Signed>>,
    announce: RwSignal<String>,
) {
    // Asked before the view changes: the control that had focus is about to go.
    let inside = c.has_focus();
    if done.try_set(Some(signed)).is_some() {
        return;
    }
    if signed.count.is_some() {
        count.set(signed.count);
    }
    // One thing said, the heading's words: read as the focused heading when focus was in the
    // widget, else once by the polite live line (focus stays where the reader is). A
    // signature awaiting confirmation is not counted yet: the line says what to do instead.
    if signed.pending {
        announce.set(c.s.check_inbox.into());
    } else if !inside {
        announce.set(thanks_heading(c.s, signed.already).into());
    }
    let n = signed
        .count
        .map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64));
    let status = if signed.already {
        "already_signed"
    } else {
        "signed"
    };
    let detail = [campaign_detail(c), ("count", n), ("status", status.into())];
    host::emit(&c.host, "signed", &detail);
    if inside {
        let c = c.clone();
        // After the thanks view is in place (it is built on the next tick).
        host::after(0, move || c.focus("pw-thanks"));
    }
}

/// The thanks view's heading: the thanks, or the friendly "already signed".
pub(crate) fn thanks_heading(s: &crate::i18n::Strings, already: bool) -> &'static str {
    if already { s.already } else { s.thanks }
}

/// Where the campaign document stands.
#[derive(Clone)]
pub(crate) enum Load {
    Loading,
    Ready(Arc<Campaign>),
    /// No form here: the notice to show instead.
    Unavailable(&'static str),
}

/// The minimal campaign (name, email, consent) for endpoints without the campaign route.
fn fallback(ctx: &Ctx) -> Campaign {
    let title = ctx.opts.title.clone();
    Campaign::fallback(title.unwrap_or_else(|| ctx.s.fallback_title.into()))
}

/// The page's origin (`scheme://host[:port]`), cut from its URL.
fn page_origin() -> String {
    let url = host::page_url().unwrap_or_default();
    let end = url.match_indices('/').nth(2).map_or(url.len(), |(i, _)| i);
    url[..end].to_owned()
}

fn campaign_detail(ctx: &Ctx) -> (&'static str, JsValue) {
    ("campaign", JsValue::from_str(&ctx.opts.campaign))
}

/// `pledge:error` with `code` and `message`: the widget cannot sign (docs/embedding.md).
fn error_event(ctx: &Ctx, code: &str, message: &str) {
    let detail = [
        campaign_detail(ctx),
        ("code", code.into()),
        ("message", message.into()),
    ];
    host::emit(&ctx.host, "error", &detail);
}

/// The whole widget: loads and follows the campaign, then shows loading, the pitch and form
/// (or the compact, banner and wall openers, or the closed campaign), the thanks, or why it
/// cannot take signatures here; a polite live region says the milestones and the thanks.
/// Everything it starts stops when its owner is disposed (unmount).
#[component]
pub fn Widget(
    /// The widget's context: options, language, host and root elements.
    ctx: Ctx,
) -> impl IntoView {
    let ctx = &ctx;
    let s = ctx.s;
    let load = RwSignal::new(Load::Loading);
    let count = RwSignal::new(None::<u64>);
    let goal = RwSignal::new(None::<u64>);
    let done = RwSignal::new(None::<Signed>);
    // A signature waiting in the outbox shows its form at once, whatever the layout.
    let open = RwSignal::new(
        ctx.opts.layout == Layout::Full || outbox::load(&ctx.opts.campaign_url()).is_some(),
    );
    let announce = RwSignal::new(String::new());
    // Closed (no form, the final count): from the campaign document, then from `campaign`
    // events while the widget is open (an organiser closed or reopened it).
    let closed = RwSignal::new(false);

    // The live count follows once the campaign is known to take signatures here: an unknown
    // campaign or a dead endpoint opens no stream (and logs no stream errors).
    // Subscription ids start at 1: 0 is "none yet".
    let base = ctx.opts.campaign_url();
    let feed = Arc::new(AtomicU32::new(0));
    on_cleanup({
        let feed = feed.clone();
        move || live::unsubscribe(&base, feed.load(Relaxed))
    });
    let c = ctx.clone();
    spawn_local(async move {
        let fetched = get::<CampaignDoc>(&c.opts.campaign_url()).await;
        // Unmounted (or remounted by an attribute change) while the campaign loaded: its
        // signals are disposed, and touching them would trap the wasm in the host page.
        if load.try_get_untracked().is_none() {
            return;
        }
        let verdict = match &fetched {
            Ok(doc) => match document::campaign(doc) {
                Some(c) if !c.can_sign_here => Err(Unavailable::OriginNotAllowed),
                Some(mut campaign) => {
                    document::translate(doc, s.tag, &mut campaign);
                    Ok(Some(campaign))
                }
                None => Err(Unavailable::LoadFailed(200, None)),
            },
            // The endpoint said it has no campaign route: the POST may still work.
            Err(e) => availability::after_error(e).map(|()| None),
        };
        let campaign = match verdict {
            Ok(Some(campaign)) => {
                let on_close = c.clone();
                let id = live::subscribe(
                    &c.opts.campaign_url(),
                    Rc::new(move |(n, g, shut)| {
                        count.set(Some(n));
                        if g.is_some() {
                            goal.set(g);
                        }
                        // Only a change: setting it re-renders, which would clear a form being
                        // filled.
                        if let Some(shut) = shut
                            && closed.get_untracked() != shut
                        {
                            closed.set(shut);
                            if shut {
                                error_event(&on_close, "campaign_closed", s.closed);
                            }
                        }
                    }),
                );
                feed.store(id, Relaxed);
                campaign
            }
            Ok(None) => fallback(&c),
            Err(why) => {
                let notice = match why {
                    Unavailable::CampaignNotFound | Unavailable::Archived => s.unavailable,
                    Unavailable::OriginNotAllowed => s.not_here,
                    Unavailable::EndpointUnreachable => s.unreachable,
                    Unavailable::LoadFailed(..) => s.misconfigured,
                };
                load.set(Load::Unavailable(notice));
                let fix = why.fix(&page_origin(), &c.opts.campaign, &c.opts.endpoint);
                host::refuse(&c.host, &c.opts.campaign, why.code(), &fix);
                return;
            }
        };
        if count.get_untracked().is_none() && campaign.count.is_some() {
            count.set(campaign.count);
        }
        if campaign.goal.is_some() {
            goal.set(campaign.goal);
        }
        let shut = campaign.closed;
        closed.set(shut);
        load.set(Load::Ready(Arc::new(campaign)));
        // `ready` only for a widget that can sign.
        if shut {
            error_event(&c, "campaign_closed", s.closed);
        } else {
            host::emit(&c.host, "ready", &[campaign_detail(&c)]);
        }
    });

    let c = ctx.clone();
    let on_signed = Callback::new(move |signed: Signed| {
        let c = c.clone();
        // The thanks view is in the `deliver` chunk (loaded: it sent the signature); its split
        // function is linked first, so the view is built at once.
        spawn_local(async move {
            let _ = lazy::preload_thanks().await;
            show_thanks(&c, signed, count, done, announce);
        });
    });

    // The form, once opened, stays built: closing the compact and banner layouts hides it, so
    // what was typed is still there when it opens again.
    // (A signal set by an effect, not a Memo: Memo's code would be new in the main module.)
    let built = RwSignal::new(open.get_untracked());
    Effect::new(move |_| {
        if open.get() && !built.get_untracked() {
            built.set(true);
        }
    });
    let body = {
        let ctx = ctx.clone();
        move || {
            let state = (load.get(), done.get(), built.get(), closed.get());
            // What the view reads while it is built is not a reason to build it again.
            untrack(|| {
                let (load, done, form_built, shut) = state;
                match load {
                    Load::Loading => view! { <Notice role="status" text=s.loading/> }.into_any(),
                    Load::Unavailable(notice) => {
                        view! { <Notice role="alert" text=notice/> }.into_any()
                    }
                    Load::Ready(c) => match done {
                        Some(Signed {
                            already, pending, ..
                        }) => {
                            let url = c
                                .share_url
                                .clone()
                                .or_else(host::page_url)
                                .unwrap_or_default();
                            let title = c.title.clone();
                            // Linked by `preload_thanks` before the thanks show.
                            let thanks = lazy::thanks_view(
                                ctx.clone(),
                                already,
                                pending,
                                count,
                                goal,
                                url,
                                title,
                            );
                            lazy::ready_now(thanks)
                                .and_then(Result::ok)
                                .unwrap_or_else(|| {
                                    let text = thanks_heading(s, already);
                                    view! { <Notice role="status" text/> }.into_any()
                                })
                        }
                        None if form_built && !shut => {
                            let compact = ctx.opts.layout != Layout::Full;
                            let close =
                                compact.then(|| view! { <CloseButton ctx=ctx.clone() open/> });
                            // The opener, while the form is closed again.
                            let summary = compact.then(|| {
                                let (ctx, c) = (ctx.clone(), c.clone());
                                move || {
                                    (!open.get()).then(|| {
                                        let (ctx, campaign) = (ctx.clone(), c.clone());
                                        view! { <Summary ctx campaign count goal open closed=false/> }
                                    })
                                }
                            });
                            view! {
                                {summary}
                                <div hidden=move || !open.get()>
                                    {close}
                                    <Pitch title=c.title.clone() text=c.text.clone() lang=c.lang.clone() level=ctx.opts.heading_level/>
                                    <Count ctx=ctx.clone() count goal/>
                                    <WallSlot ctx=ctx.clone() campaign=c.clone() count part=WallPart::Ticker/>
                                    <PledgeForm ctx=ctx.clone() campaign=c on_signed/>
                                </div>
                            }
                            .into_any()
                        }
                        // The compact opener, or (any layout) a closed campaign.
                        None => view! {
                            <Summary ctx=ctx.clone() campaign=c count goal open closed=shut/>
                        }
                        .into_any(),
                    },
                }
            })
        }
    };
    // Says the count aloud when it passes a milestone, not on every tick (and not after the
    // visitor's own signature, whose confirmation is being read).
    let last = StoredValue::new(None::<u64>);
    let feed_url = ctx.opts.campaign_url();
    Effect::new(move |_| {
        let Some(n) = count.get() else { return };
        if milestone::passed(last.get_value(), n, goal.get_untracked())
            && done.get_untracked().is_none()
            && first_to_tell(&feed_url, milestone::milestone(n, goal.get_untracked()))
        {
            announce.set(count_phrase(s, n));
        }
        last.set_value(Some(n));
    });
    if ctx.opts.layout != Layout::Full {
        // Escape anywhere in the open compact form closes it, like the Close button.
        let c = ctx.clone();
        let on_key =
            Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |ev: web_sys::KeyboardEvent| {
                // Escape on a select is the select's (it closes its list, or does nothing).
                let on_select = ev
                    .target()
                    .is_some_and(|t| t.has_type::<web_sys::HtmlSelectElement>());
                if ev.key() == "Escape"
                    && !on_select
                    && open.get_untracked()
                    && done.get_untracked().is_none()
                {
                    close(&c, open);
                }
            })
            .into_js_value();
        let _ = ctx
            .root
            .add_event_listener_with_callback("keydown", on_key.unchecked_ref());
    }
    // A named region (a landmark a screen reader lists), named by the campaign's title.
    let name = move || match load.get() {
        Load::Ready(c) => Some(c.title.clone()),
        _ => None,
    };
    view! {
        <section aria-label=name>{body}</section>
        <p class="sr-only" aria-live="polite">{move || announce.get()}</p>
    }
}

thread_local! {
    /// Milestones already said on this page, by campaign: several widgets of one campaign
    /// (a banner and a full form) say each once, not once each.
    static TOLD: std::cell::RefCell<Vec<(String, u64)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether this widget is the first on the page to pass milestone `m` of `campaign`.
fn first_to_tell(campaign: &str, m: u64) -> bool {
    TOLD.with_borrow_mut(|told| {
        let new = !told.iter().any(|(c, t)| c == campaign && *t == m);
        if new {
            told.push((campaign.to_owned(), m));
        }
        new
    })
}

/// Closes the compact form and gives focus back to the button that opened it.
pub(crate) fn close(ctx: &Ctx, open: RwSignal<bool>) {
    open.set(false);
    let c = ctx.clone();
    host::after(0, move || c.focus("pw-open"));
}
