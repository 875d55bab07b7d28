//! The parked confirmation emails on a campaign's Deliveries page: emails that failed for
//! their whole retry window, with why, to resend one by one or all at once once the mail
//! server is fixed (admins; audited). The same store calls as `email list|resend`.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::{Markup, html};

use super::auth::Organiser;
use super::change::{AdminChange, done_at};
use super::dashboard::campaign;
use super::deliveries::{back_in_line, resend_selection};
use super::layout::csrf;
use super::{ConsoleError, audit};
use crate::delivery::cli::utc_ms;
use crate::state::AppState;
use crate::store::email_outbox::{EmailFilter, EmailOutboxStore, OutboxEmail};

/// Parked emails shown at most; the command line lists every one.
const SHOWN: u32 = 200;

/// The campaign's parked emails.
pub(super) async fn parked(state: &AppState, slug: &str) -> Result<Vec<OutboxEmail>, ConsoleError> {
    let filter = EmailFilter {
        campaign_slug: Some(slug.to_owned()),
        state: Some("parked".into()),
        ids: Vec::new(),
    };
    Ok(state
        .campaigns
        .store()
        .outbox_emails(&filter, SHOWN)
        .await?)
}

/// The section of the Deliveries page.
pub(super) fn section(who: &Organiser, slug: &str, parked: &[OutboxEmail]) -> Markup {
    let admin = who.is_admin();
    let action = format!("/admin/campaigns/{slug}/deliveries/resend-email");
    html! {
        section aria-labelledby="parked-emails-heading" {
            h2 #parked-emails-heading { "Parked emails (" (parked.len()) ")" }
            p.hint { "A confirmation email is parked after failing for its whole retry window (24 hours): the signer never got it. Fix the mail server (" code { "--smtp-url" } "), then resend." }
            @if parked.is_empty() {
                p { "No email is parked." }
            } @else {
                @if !admin {
                    p.hint { "Only an admin may resend." }
                }
                table {
                    thead { tr {
                        th scope="col" { "Email" } th scope="col" { "First failure (UTC)" }
                        th scope="col" { "Tries" } th scope="col" { "Last error" }
                        @if admin { th scope="col" { "Action" } }
                    } }
                    tbody {
                        @for e in parked {
                            @let failed = e.first_failed_at.map_or_else(|| "-".to_owned(), utc_ms);
                            tr {
                                td { (e.kind) " #" (e.id) }
                                td { (failed) }
                                td { (e.attempts) }
                                td { (e.last_error.as_deref().unwrap_or("")) }
                                @if admin {
                                    td {
                                        form.inline method="post" action=(action) {
                                            (csrf(who))
                                            button type="submit" name="id" value=(e.id) {
                                                "Resend" span.visually-hidden { " " (e.kind) " email #" (e.id) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if admin {
                    form method="post" action=(action) {
                        (csrf(who))
                        button type="submit" name="all" value="parked" { "Resend every parked email" }
                    }
                }
            }
        }
    }
}

/// `POST /admin/campaigns/{slug}/deliveries/resend-email`: `id` (one parked email of this
/// campaign) or `all=parked`.
pub(super) async fn resend(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    campaign(&state, &slug).await?;
    let ids = resend_selection(&form, "email")?;
    // The campaign is part of the filter: an id from another campaign resends nothing.
    let filter = EmailFilter {
        campaign_slug: Some(slug.clone()),
        state: Some("parked".into()),
        ids: ids.clone(),
    };
    let n = state.campaigns.store().resend_emails(&filter).await?;
    let detail = if ids.is_empty() {
        format!("all parked ({n})")
    } else {
        format!("email {} ({n})", ids[0])
    };
    audit(&state, &who.user.email, "email.resend", Some(&slug), detail).await?;
    let done = back_in_line(n, "email", "emails");
    Ok(done_at(
        &format!("/admin/campaigns/{slug}/deliveries"),
        &done,
    ))
}
