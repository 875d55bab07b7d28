//! Admin-only data pages: a supporter looked up by email (what is stored, as a page and as
//! the JSON of `supporter export`, and their erasure), a campaign's CSV (the `campaign export` format) and the audit
//! log. The email asked about travels in POST bodies only (never a URL, so never a log
//! line), and the audit log records that a lookup, export or erasure happened, not whom.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::auth::Organiser;
use super::change::AdminChange;
use super::dashboard::campaign;
use super::layout::{csrf, page};
use super::{ConsoleError, FormFields, audit};
use crate::delivery::cli::utc_ms;
use crate::domain::SignerEmail;
use crate::export::write_csv;
use crate::state::AppState;
use crate::store::console::ConsoleStore;
use crate::store::erasure::ErasureStore;
use crate::store::supporter_data::{StoredSignature, SupporterDataStore};
use crate::supporter::export_document;

fn lookup_form(who: &Organiser, email: &str) -> Markup {
    html! {
        form method="post" action="/admin/supporters" {
            (csrf(who))
            label for="email" { "Supporter's email" }
            input #email type="email" name="email" required value=(email) autocomplete="off";
            button type="submit" { "Look up" }
        }
    }
}

/// `GET /admin/supporters`
pub(super) async fn lookup_page(who: Organiser) -> Result<Markup, ConsoleError> {
    who.require_admin()?;
    Ok(page(&who, "Supporters", lookup_form(&who, "")))
}

/// The parsed email of the form, or a 400 naming the field.
fn asked_email(form: &FormFields) -> Result<SignerEmail, ConsoleError> {
    SignerEmail::parse(form.get("email").unwrap_or_default())
        .map_err(|why| ConsoleError::BadRequest(format!("email: {why}")))
}

/// Everything stored about this email: `supporter export`'s store query.
async fn stored(
    state: &AppState,
    email: &SignerEmail,
) -> Result<Vec<StoredSignature>, ConsoleError> {
    Ok(state
        .campaigns
        .store()
        .supporter_data(email.normalised())
        .await?)
}

/// `POST /admin/supporters`: what is stored about an email.
pub(super) async fn lookup(
    State(state): State<AppState>,
    AdminChange { who, form }: AdminChange,
) -> Result<Markup, ConsoleError> {
    let email = asked_email(&form)?;
    let found = stored(&state, &email).await?;
    audit(
        &state,
        &who.user.email,
        "supporter.lookup",
        None,
        String::new(),
    )
    .await?;
    let shown = form.get("email").unwrap_or_default();
    Ok(page(
        &who,
        "Supporters",
        html! {
            (lookup_form(&who, shown))
            h2 { "Stored for this email" }
            @if found.is_empty() {
                p role="status" { "No signature with this email." }
            } @else {
                @for r in &found {
                    section.record {
                        h3 { (r.campaign_title) " (" (r.campaign_slug) ") — " (r.status) }
                        dl {
                            dt { "Name" } dd { (r.name) }
                            dt { "Email" } dd { (r.email) }
                            dt { "Signed (UTC)" } dd { (r.signed_at) }
                            @for (k, v) in &r.fields {
                                dt { (k) } dd { (v.as_str().map_or_else(|| v.to_string(), str::to_owned)) }
                            }
                            dt { "Name on the public wall" } dd { @if r.public { "asked for (" (r.wall_state) ")" } @else { "no" } }
                            dt { "Language" } dd { (r.locale.as_deref().unwrap_or("–")) }
                            dt { "Signed on page" } dd { (r.source_url.as_deref().unwrap_or("–")) }
                            dt { "Consent" } dd { (r.consent_text) " (" (r.consent_at) ")" }
                            dt { "Sent to the organisers' tools" } dd { (r.deliveries.len()) " event(s)" }
                        }
                    }
                }
                form method="post" action="/admin/supporters/export" {
                    (csrf(&who))
                    input type="hidden" name="email" value=(shown);
                    button type="submit" { "Download as JSON" }
                }
                form method="post" action="/admin/supporters/erase" {
                    (csrf(&who))
                    input type="hidden" name="email" value=(shown);
                    input #confirm type="checkbox" name="confirm" value="yes" required;
                    label for="confirm" { "Erase every signature of this supporter: counts go down, webhooks hear it, and it cannot be undone." }
                    button.danger type="submit" { "Erase" }
                }
            }
        },
    ))
}

/// `POST /admin/supporters/export`: the same as JSON, to hand to the supporter.
pub(super) async fn export_json(
    State(state): State<AppState>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    let email = asked_email(&form)?;
    let found = stored(&state, &email).await?;
    audit(
        &state,
        &who.user.email,
        "supporter.export",
        None,
        format!("{} signature(s)", found.len()),
    )
    .await?;
    let body = export_document(email.normalised(), &found);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"supporter.json\"",
            ),
        ],
        serde_json::to_string_pretty(&body).unwrap_or_default(),
    )
        .into_response())
}

/// `POST /admin/supporters/erase`: the supporter's signatures go and counts follow.
pub(super) async fn erase(
    State(state): State<AppState>,
    AdminChange { who, form }: AdminChange,
) -> Result<Markup, ConsoleError> {
    if form.get("confirm") != Some("yes") {
        return Err(ConsoleError::BadRequest(
            "confirm: tick the box to say the erasure is meant.".to_owned(),
        ));
    }
    let email = asked_email(&form)?;
    let store = state.campaigns.store();
    let erased = store.erase(None, email.normalised()).await?;
    // Every server hears of it through the campaign-change trigger; this one re-reads at
    // once, by the same path, so the organiser's next page already shows the lower count.
    for e in erased.iter().filter(|e| e.counted) {
        state.campaigns.reload(&e.campaign_slug).await?;
    }
    audit(
        &state,
        &who.user.email,
        "supporter.erase",
        None,
        format!("{} signature(s)", erased.len()),
    )
    .await?;
    Ok(page(
        &who,
        "Supporters",
        html! {
            p.notice role="status" { "Erased " (erased.len()) " signature(s)." }
            (lookup_form(&who, ""))
        },
    ))
}

/// `GET /admin/campaigns/{slug}/export.csv`: what `campaign export` prints.
pub(super) async fn export_csv(
    State(state): State<AppState>,
    who: Organiser,
    Path(slug): Path<String>,
) -> Result<Response, ConsoleError> {
    who.require_admin()?;
    let c = campaign(&state, &slug).await?;
    let rows = state.campaigns.store().all_signatures(c.id).await?;
    let mut out = Vec::new();
    write_csv(&mut out, &c, &rows).map_err(|e| ConsoleError::Internal(format!("CSV: {e}")))?;
    audit(
        &state,
        &who.user.email,
        "campaign.export",
        Some(&slug),
        format!("{} row(s)", rows.len()),
    )
    .await?;
    let disposition = format!("attachment; filename=\"{slug}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        out,
    )
        .into_response())
}

/// `GET /admin/audit`: the latest 500 organiser actions, newest first.
pub(super) async fn audit_page(
    State(state): State<AppState>,
    who: Organiser,
) -> Result<Markup, ConsoleError> {
    who.require_admin()?;
    let log = state.campaigns.store().audit_log(500).await?;
    Ok(page(
        &who,
        "Audit log",
        html! {
            p.hint { "Every organiser action, newest first. Supporter look-ups and erasures are recorded without whom they concerned." }
            table {
                thead { tr { th scope="col" { "When (UTC)" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "Campaign" } th scope="col" { "Detail" } } }
                tbody {
                    @for e in &log {
                        tr {
                            td { (utc_ms(e.at)) }
                            td { (e.actor) }
                            td { code { (e.action) } }
                            td { (e.campaign.as_deref().unwrap_or("–")) }
                            td { (e.detail) }
                        }
                    }
                }
            }
        },
    ))
}
