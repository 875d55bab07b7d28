//! The signer form: fields, consent, submit with one idempotency key per attempt, and the
//! mapping of every answer (422, 429, network, 5xx) onto the form without losing input.

use std::sync::Arc;

use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsValue;

use super::field::{Control, field};
use super::pitch::external_link;
use super::{Ctx, id_of};
use crate::browser::dom::{El, set_attr, set_text};
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

/// The form (`part="form"`) for `campaign` (or the minimal fallback). Calls `on_signed` once
/// a signature is stored (or was already).
pub fn pledge_form(ctx: &Ctx, campaign: Arc<Campaign>, on_signed: impl Fn(Signed) + 'static) -> El {
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
    // (idempotency key, body) of the last attempt: the same body reuses the same key.
    let attempt = StoredValue::new(None::<(String, String)>);

    let mut form = El::new("form")
        .attr("part", "form")
        .attr("novalidate", "")
        .child(field(
            ctx,
            props("name", s.name, FieldKind::Text, 200, "name"),
            name,
            errors,
        ))
        .child(field(
            ctx,
            props("email", s.email, FieldKind::Email, 254, "email"),
            email,
            errors,
        ));
    for (f, (_, value)) in campaign.fields.iter().zip(values.iter()) {
        let c = Control {
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
        form = form.child(field(ctx, c, *value, errors));
    }
    let consent_line = consent_text(ctx, &campaign).to_owned();
    form = form.child(field(
        ctx,
        props("consent", &consent_line, FieldKind::Checkbox, 0, "off"),
        consent,
        errors,
    ));
    if let Some(url) = campaign
        .privacy_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    {
        form = form.child(El::class("p", "notice").child(external_link(url, s.privacy)));
    }
    if campaign.allow_public_names {
        let mut c = props("public", s.public_name, FieldKind::Checkbox, 0, "off");
        c.required = false;
        form = form.child(field(ctx, c, public, errors));
    }
    let banner_el = El::class("p", "banner")
        .attr("role", "alert")
        .bind(move |el| set_text(el, banner.get().as_deref()));
    let button = El::new("button")
        .attr("type", "submit")
        .attr("part", "submit")
        .bind(move |el| {
            let b = busy.get();
            el.set_text_content(Some(if b { s.submitting } else { s.submit }));
            set_attr(el, "aria-busy", Some(if b { "true" } else { "false" }));
        });

    let ctx = ctx.clone();
    let on_signed = std::rc::Rc::new(on_signed);
    let form_el = form.0.clone();
    form.child(banner_el).child(button).on("submit", move |ev| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = FormInput {
            name: name.get_untracked(),
            email: email.get_untracked(),
            fields: values
                .iter()
                .map(|(k, v)| (k.clone(), v.get_untracked()))
                .collect(),
            consent: consent.get_untracked() == "true",
        };
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
        let (ctx, campaign, on_signed) = (ctx.clone(), campaign.clone(), on_signed.clone());
        let form_el = form_el.clone();
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
                on_signed(Signed { count, already });
                return;
            }
            let mut ui = ui_messages(s, &campaign, &input, &outcome, false);
            if outcome == SubmitOutcome::Unavailable && !host::online() {
                host::resubmit_when_online(&form_el);
                ui.banner = Some(s.offline.into());
            }
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
    })
}
