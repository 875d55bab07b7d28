//! The signer form: fields, consent, submit with one idempotency key per attempt, and the
//! mapping of every answer (422, 429, network, 5xx) onto the form without losing input.

use std::sync::Arc;

use leptos::{ev::SubmitEvent, prelude::*, task::spawn_local};
use wasm_bindgen::JsValue;

use super::field::{Control, Field};
use super::{Ctx, id_of};
use crate::browser::{api, host};
use crate::campaign::{Campaign, FieldKind};
use crate::outcome::{SubmitOutcome, ui_messages};
use crate::validate::{FormInput, check_form, label_of, message};

/// What the form reports upward when a signature is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signed {
    /// Count after the signature, if the endpoint said.
    pub count: Option<u64>,
    /// The email had signed before.
    pub already: bool,
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
    }
}

fn set(obj: &js_sys::Object, key: &str, value: impl Into<JsValue>) {
    let _ = js_sys::Reflect::set(obj, &key.into(), &value.into());
}

/// The request body of docs/api.md as JSON text; checkbox fields are booleans, empty optional
/// fields are left out.
fn body(ctx: &Ctx, campaign: &Campaign, input: &FormInput, public: bool) -> Option<String> {
    let fields = js_sys::Object::new();
    for spec in &campaign.fields {
        let v = input
            .fields
            .iter()
            .find(|(k, _)| *k == spec.key)
            .map_or("", |(_, v)| v.trim());
        match spec.kind {
            FieldKind::Checkbox if v == "true" => set(&fields, &spec.key, true),
            _ if !v.is_empty() && spec.kind != FieldKind::Checkbox => set(&fields, &spec.key, v),
            _ => {}
        }
    }
    let consent = js_sys::Object::new();
    set(&consent, "given", input.consent);
    set(&consent, "text", consent_text(ctx, campaign));
    let b = js_sys::Object::new();
    set(&b, "name", input.name.trim());
    set(&b, "email", input.email.trim());
    set(&b, "fields", fields);
    set(&b, "consent", consent);
    set(&b, "public", public);
    set(&b, "locale", ctx.s.tag);
    if let Some(url) = host::page_url().filter(|u| u.len() <= 2000) {
        set(&b, "source_url", url);
    }
    js_sys::JSON::stringify(&b).ok()?.as_string()
}

/// The consent line as shown (and stored with the signature).
pub fn consent_text<'a>(ctx: &'a Ctx, campaign: &'a Campaign) -> &'a str {
    campaign
        .consent_text
        .as_deref()
        .unwrap_or(ctx.s.consent_default)
}

/// The form. Calls `on_signed` once a signature is stored (or was already).
#[component]
pub fn PledgeForm(
    /// Widget context.
    ctx: Ctx,
    /// The campaign (or the minimal fallback).
    campaign: Arc<Campaign>,
    /// Called with the stored signature's outcome.
    on_signed: Callback<Signed>,
) -> impl IntoView {
    let s = ctx.s;
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let consent = RwSignal::new(String::new());
    let public = RwSignal::new(String::new());
    let values: Arc<Vec<(String, RwSignal<String>)>> = Arc::new(
        campaign
            .fields
            .iter()
            .map(|f| (f.key.clone(), RwSignal::new(String::new())))
            .collect(),
    );
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let banner = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // (idempotency key, body) of the last attempt: the same body reuses the same key.
    let attempt = StoredValue::new(None::<(String, String)>);

    let input = {
        let values = values.clone();
        move || FormInput {
            name: name.get_untracked(),
            email: email.get_untracked(),
            fields: values
                .iter()
                .map(|(k, v)| (k.clone(), v.get_untracked()))
                .collect(),
            consent: consent.get_untracked() == "true",
        }
    };

    let on_submit = {
        let (ctx, campaign) = (ctx.clone(), campaign.clone());
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let input = input();
            let problems = check_form(&campaign, &input);
            if let Some((first, _)) = problems.first() {
                let first = id_of(first);
                errors.set(
                    problems
                        .iter()
                        .map(|(k, p)| (k.clone(), message(s, label_of(s, &campaign, k), *p)))
                        .collect(),
                );
                banner.set(Some(s.fix_fields.into()));
                ctx.focus(&first);
                return;
            }
            errors.set(Vec::new());
            let Some(body) = body(&ctx, &campaign, &input, public.get_untracked() == "true") else {
                return;
            };
            let key = match attempt.get_value() {
                Some((key, last)) if last == body => key,
                _ => host::random_key(),
            };
            attempt.set_value(Some((key.clone(), body.clone())));
            busy.set(true);
            banner.set(None);
            let (ctx, campaign) = (ctx.clone(), campaign.clone());
            spawn_local(async move {
                let url = ctx.opts.campaign_url();
                let mut outcome = api::post_signature(&url, &key, &body).await;
                if let SubmitOutcome::RateLimited { retry_after } = outcome {
                    banner.set(ui_messages(s, &campaign, &input, &outcome, true).banner);
                    host::sleep(retry_after * 1000).await;
                    outcome = api::post_signature(&url, &key, &body).await;
                }
                busy.set(false);
                if let SubmitOutcome::Signed { count, already } = outcome {
                    on_signed.run(Signed { count, already });
                    return;
                }
                let ui = ui_messages(s, &campaign, &input, &outcome, false);
                if let Some((first, _)) = ui.fields.first() {
                    ctx.focus(&id_of(first));
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
        }
    };

    let extra = campaign
        .fields
        .iter()
        .zip(values.iter())
        .map(|(f, (_, value))| {
            let p = Control {
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
            };
            view! { <Field ctx=ctx.clone() control=p value=*value errors=errors /> }
        })
        .collect_view();
    let privacy = campaign
        .privacy_url
        .clone()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let privacy = privacy.map(|u| {
        view! { <p class="notice"><a href=u target="_blank" rel="noopener noreferrer">{s.privacy}</a></p> }
    });
    let mut consent_props = props(
        "consent",
        consent_text(&ctx, &campaign),
        FieldKind::Checkbox,
        0,
        "off",
    );
    consent_props.label = consent_text(&ctx, &campaign).to_owned();
    let public_box = campaign.allow_public_names.then(|| {
        let mut p = props("public", s.public_name, FieldKind::Checkbox, 0, "off");
        p.required = false;
        view! { <Field ctx=ctx.clone() control=p value=public errors=errors /> }
    });
    let banner_view = move || {
        banner
            .get()
            .map(|m| view! { <p class="banner" role="alert">{m}</p> })
    };

    view! {
        <form part="form" novalidate on:submit=on_submit aria-busy=move || busy.get().to_string()>
            <Field ctx=ctx.clone() control=props("name", s.name, FieldKind::Text, 200, "name") value=name errors=errors />
            <Field ctx=ctx.clone() control=props("email", s.email, FieldKind::Email, 254, "email") value=email errors=errors />
            {extra}
            <Field ctx=ctx.clone() control=consent_props value=consent errors=errors />
            {privacy}
            {public_box}
            {banner_view}
            <button type="submit" part="submit" aria-busy=move || busy.get().to_string()>
                {move || if busy.get() { s.submitting } else { s.submit }}
            </button>
        </form>
    }
}
