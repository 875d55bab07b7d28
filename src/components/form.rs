//! The signer form: fields, consent, submit with one idempotency key per signature through the
//! outbox (kept until acknowledged, sent again when the network returns), and the mapping of
//! every answer (422, 429, network, 5xx) onto the form without losing input.

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsValue;

use super::external_link::ExternalLink;
use super::field::{Control, Field};
use super::{Ctx, id_of};
use crate::browser::{challenge, host, lazy, outbox};
use crate::campaign::{Campaign, FieldKind};
use crate::outcome::{Next, SubmitOutcome, ui_messages};
use crate::validate::{FormInput, check_form, label_of, message};
use pledge_contract::wire::{Consent, FieldValue, SignatureRequest};

/// What the form reports upward when a signature is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signed {
    /// Count after the signature, if the endpoint said.
    pub count: Option<u64>,
    /// The email had signed before.
    pub already: bool,
    /// It counts once the signer confirms their email address (the thanks say so).
    pub pending: bool,
}

fn props(
    key: &str,
    label: &str,
    kind: FieldKind,
    max_len: usize,
    autocomplete: &'static str,
) -> Control {
    Control {
        key: key.into(),
        label: label.into(),
        kind,
        required: true,
        max_len,
        autocomplete,
        choices: Vec::new(),
        lang: None,
    }
}

/// The request body of docs/api.md; checkbox fields are booleans, empty optional fields are
/// left out.
fn request(
    ctx: &Ctx,
    campaign: &Campaign,
    input: &FormInput,
    public: bool,
    website: &str,
) -> SignatureRequest {
    let fields = campaign
        .fields
        .iter()
        .filter_map(|spec| {
            let v = input
                .fields
                .iter()
                .find(|(k, _)| *k == spec.key)
                .map_or("", |(_, v)| v.trim());
            let value = match spec.kind {
                FieldKind::Checkbox if v == "true" => FieldValue::Checked(true),
                FieldKind::Checkbox => return None,
                _ if v.is_empty() => return None,
                _ => FieldValue::Text(v.to_owned()),
            };
            Some((spec.key.clone(), value))
        })
        .collect();
    SignatureRequest {
        name: input.name.trim().to_owned(),
        email: input.email.trim().to_owned(),
        fields,
        consent: Consent {
            given: input.consent,
            text: consent_text(ctx, campaign).to_owned(),
        },
        public,
        locale: ctx.s.tag.to_owned(),
        website: website.to_owned(),
        source_url: host::page_url().filter(|u| u.len() <= 2000),
        proof: None,
    }
}

/// The consent line as shown (and stored with the signature).
pub fn consent_text<'a>(ctx: &'a Ctx, campaign: &'a Campaign) -> &'a str {
    campaign
        .consent_text
        .as_deref()
        .unwrap_or(ctx.s.consent_default)
}

/// The form (`part="form"`) for `campaign` (or the minimal fallback): its fields, the consent,
/// the honeypot, the sign button and, while a signature waits in the outbox, its banner and
/// "Cancel".
#[component]
pub fn PledgeForm(
    /// The widget's context (options, language, host element for events).
    ctx: Ctx,
    /// The campaign to sign (fields, consent text, privacy link, proof of work).
    campaign: Arc<Campaign>,
    /// Called once a signature is stored (or was already).
    on_signed: Callback<Signed>,
) -> impl IntoView {
    let s = ctx.s;
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let consent = RwSignal::new(String::new());
    let public = RwSignal::new(String::new());
    let values: Vec<(String, RwSignal<String>)> = campaign
        .fields
        .iter()
        .map(|f| (f.key.clone(), RwSignal::new(String::new())))
        .collect();
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // A delivery is running (it ends when this value is disposed: the form is gone).
    let sending = StoredValue::new(false);
    // The signature waits in the outbox for the network.
    let saved = RwSignal::new(false);
    let trap = NodeRef::<leptos::html::Input>::new();

    let extra = campaign
        .fields
        .iter()
        .zip(values.iter())
        .map(|(f, (_, value))| {
            let control = Control {
                key: format!("fields.{}", f.key),
                label: f.label.clone(),
                kind: f.kind,
                required: f.required,
                max_len: f.max_len(),
                autocomplete: if f.kind == FieldKind::Country {
                    "country"
                } else {
                    "off"
                },
                choices: f.options.clone(),
                lang: f.lang.clone(),
            };
            view! { <Field ctx=ctx.clone() control value=*value errors/> }.into_any()
        })
        .collect_view();
    let privacy = campaign
        .privacy_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(|url| {
            let (href, text) = (url.to_owned(), s.privacy.to_owned());
            view! { <p class="notice"><ExternalLink href text/></p> }
        });
    let public_field = campaign.allow_public_names.then(|| {
        let mut control = props("public", s.public_name, FieldKind::Checkbox, 0, "off");
        control.required = false;
        view! { <Field ctx=ctx.clone() control value=public errors/> }
    });
    let (before, after) = s.required_marker();
    let consent_control = Control {
        lang: campaign.consent_lang.clone(),
        ..props(
            "consent",
            consent_text(&ctx, &campaign),
            FieldKind::Checkbox,
            0,
            "off",
        )
    };
    let base = ctx.opts.campaign_url();
    let cancel = {
        let base = base.clone();
        move |_| {
            outbox::remove(&base);
            outbox::wake();
            saved.set(false);
            banner.set(None);
        }
    };
    let needs_proof = campaign.proof_of_work.is_some();
    if needs_proof {
        let base = base.clone();
        spawn_local(async move { challenge::prepare(&base).await });
    }
    // The sending code is a lazy chunk: fetched now, while the supporter types (a failure
    // here is retried by the delivery itself).
    spawn_local(async move {
        let _ = lazy::preload_deliver().await;
    });

    // Sends what the outbox holds for this campaign and shows where it stands.
    let deliver = {
        let (ctx, campaign, base) = (ctx.clone(), campaign.clone(), base.clone());
        std::rc::Rc::new(move |input: FormInput| {
            let _ = sending.try_set_value(true);
            let (ctx, campaign, base) = (ctx.clone(), campaign.clone(), base.clone());
            spawn_local(async move {
                let alive = move || sending.try_get_value().is_some();
                let waiting = {
                    let (campaign, input) = (campaign.clone(), input.clone());
                    // Called at every retry: only a change is written, so the "saved" notice
                    // is announced once, not again at each attempt.
                    move |o: &SubmitOutcome| {
                        let keep = matches!(o.next(), Next::Retry);
                        busy.set(!keep);
                        if saved.get_untracked() != keep {
                            saved.set(keep);
                        }
                        let shown = if keep {
                            None
                        } else {
                            ui_messages(s, &campaign, &input, o, true).banner
                        };
                        if banner.get_untracked() != shown {
                            banner.set(shown);
                        }
                    }
                };
                let outcome = outbox::deliver_lazily(&base, needs_proof, alive, waiting).await;
                if sending.try_set_value(false).is_some() {
                    return;
                }
                busy.set(false);
                saved.set(false);
                let Some(outcome) = outcome else {
                    return;
                };
                if let SubmitOutcome::Signed {
                    count,
                    already,
                    pending,
                } = outcome
                {
                    on_signed.run(Signed {
                        count,
                        already,
                        pending,
                    });
                    return;
                }
                let ui = ui_messages(s, &campaign, &input, &outcome, false);
                if let Some((first, _)) = ui.fields.first() {
                    ctx.focus_within(&id_of(first));
                }
                errors.set(ui.fields);
                banner.set(ui.banner.clone());
                if let Some(code) = outcome.error_code() {
                    let detail = [
                        ("campaign", JsValue::from_str(&ctx.opts.campaign)),
                        ("code", JsValue::from_str(&code)),
                        ("message", JsValue::from_str(&ui.banner.unwrap_or_default())),
                    ];
                    host::emit(&ctx.host, "error", &detail);
                }
            });
        })
    };
    // A signature saved earlier (offline, timed out, page closed mid-request) is shown again in
    // its form and sent; the supporter can still cancel it.
    if let Some(p) = outbox::load(&base) {
        restore(&p.request, &[name, email, consent, public], &values);
        saved.set(true);
        deliver(input_of(name, email, consent, &values));
    }
    // Key and request of the last attempt: the same request reuses the same key.
    let mut attempt = None::<outbox::Pending>;
    let submit = {
        let (ctx, campaign, values) = (ctx.clone(), campaign.clone(), values.clone());
        move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let input = input_of(name, email, consent, &values);
            let problems = check_form(&campaign, &input);
            if let Some((first, _)) = problems.first() {
                errors.set(
                    problems
                        .iter()
                        .map(|(k, p)| (k.clone(), message(s, label_of(s, &campaign, k), *p)))
                        .collect(),
                );
                banner.set(Some(s.fix_fields.into()));
                ctx.focus(&id_of(first));
                return;
            }
            errors.set(Vec::new());
            let website = trap.get_untracked().map(|t| t.value()).unwrap_or_default();
            let public = public.get_untracked() == "true";
            let request = request(&ctx, &campaign, &input, public, &website);
            // The same signature keeps its key (a retry counts once); a corrected one gets a
            // new key. Saved before sending: a reload or crash mid-request does not lose it.
            let key = match outbox::load(&base).or(attempt.take()) {
                Some(p) if p.request == request => p.key,
                _ => host::random_key(),
            };
            outbox::save(&base, &key, &request);
            attempt = Some(outbox::Pending { key, request });
            busy.set(true);
            banner.set(None);
            if sending.try_get_value() == Some(true) {
                // The running delivery picks up the entry now.
                outbox::wake();
            } else {
                deliver(input);
            }
        }
    };
    view! {
        // Named by the pitch's title (Pitch), so "form, No Music for ICE" is heard.
        <form part="form" aria-labelledby="pw-title" novalidate on:submit=submit>
            <Field ctx=ctx.clone() control=props("name", s.name, FieldKind::Text, 200, "name") value=name errors/>
            <Field ctx=ctx.clone() control=props("email", s.email, FieldKind::Email, 254, "email") value=email errors/>
            {extra}
            // "Consent (required)": a visible name for the box, which its error repeats.
            <fieldset>
                <legend>{before}{s.consent_label}<span class="req">{after}</span></legend>
                <Field ctx=ctx.clone() control=consent_control value=consent errors/>
            </fieldset>
            {privacy}
            {public_field}
            // The honeypot: invisible to people and assistive tech, filled in by form-filling
            // bots. Its name means nothing to autofill (which fills "website", "url"…, and
            // often ignores autocomplete="off"); the body still calls it `website`.
            <input node_ref=trap name="pw-hp-7q" class="sr-only" tabindex="-1" autocomplete="off" aria-hidden="true"/>
            <p class="banner" role="alert" hidden=move || banner.with(Option::is_none)>{move || banner.get()}</p>
            // Information, not an error: said once, politely. The region stays in the tree
            // (empty while nothing waits), so the words are heard when they appear.
            <p class="info" role="status">{move || saved.get().then_some(s.offline)}</p>
            <p class="sr-only" role="status">{move || busy.get().then_some(s.submitting)}</p>
            <button type="submit" part="submit" aria-busy=move || if busy.get() { "true" } else { "false" }>
                {move || if busy.get() { s.submitting } else { s.submit }}
            </button>
            // Quieter than the sign button (outline, not filled): giving up is not the next step.
            <button class="secondary" type="button" hidden=move || !saved.get() on:click=cancel>{s.dont_send}</button>
        </form>
    }
}

fn input_of(
    name: RwSignal<String>,
    email: RwSignal<String>,
    consent: RwSignal<String>,
    values: &[(String, RwSignal<String>)],
) -> FormInput {
    FormInput {
        name: name.get_untracked(),
        email: email.get_untracked(),
        fields: values
            .iter()
            .map(|(k, v)| (k.clone(), v.get_untracked()))
            .collect(),
        consent: consent.get_untracked() == "true",
    }
}

/// Puts a saved request's values back into the form's signals (its controls follow them).
fn restore(
    request: &SignatureRequest,
    [name, email, consent, public]: &[RwSignal<String>; 4],
    values: &[(String, RwSignal<String>)],
) {
    let flag = |b: bool| if b { "true" } else { "" }.to_owned();
    name.set(request.name.clone());
    email.set(request.email.clone());
    consent.set(flag(request.consent.given));
    public.set(flag(request.public));
    for (k, v) in values {
        v.set(match request.fields.iter().find(|(key, _)| key == k) {
            Some((_, FieldValue::Text(t))) => t.clone(),
            Some((_, FieldValue::Checked(b))) => flag(*b),
            None => String::new(),
        });
    }
}
