//! A campaign's deliveries to the organisers' tools in the console: each webhook and Action
//! Network (OSDI) target with its pending, parked and delivered counts, and the parked
//! deliveries (those that failed for the whole retry window) with why, to resend one by one
//! or all at once once the receiver is fixed. The same store calls as `delivery list|resend`.
//! Everyone signed in reads; only admins resend.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};

use super::auth::Organiser;
use super::change::{AdminChange, done_at};
use super::dashboard::{campaign, campaign_nav};
use super::layout::{csrf, notice, page};
use super::{ConsoleError, FormFields, audit};
use crate::state::AppState;
use crate::store::delivery::{DeliveryFilter, DeliveryStore};

/// Parked deliveries shown at most; the command line lists every one.
const SHOWN: u32 = 200;

/// `GET /admin/campaigns/{slug}/deliveries?done=…`
pub(super) async fn deliveries_page(
    State(state): State<AppState>,
    who: Organiser,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Markup, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let store = state.campaigns.store();
    let targets = store.targets(Some(&slug)).await?;
    let parked = store
        .deliveries(
            &DeliveryFilter {
                campaign_slug: Some(slug.clone()),
                state: Some("parked".into()),
                ..DeliveryFilter::default()
            },
            SHOWN,
        )
        .await?;
    let url_of = |target_id: i64| {
        targets
            .iter()
            .find(|t| t.id == target_id)
            .map_or("", |t| t.url.as_str())
    };
    let parked_emails = super::parked_emails::parked(&state, &slug).await?;
    let admin = who.is_admin();
    let action = format!("/admin/campaigns/{slug}/deliveries/resend");
    Ok(page(
        &who,
        &format!("Deliveries of {}", c.title),
        html! {
            (campaign_nav(&slug, "/deliveries"))
            (notice(q.get("done").map(String::as_str)))
            section aria-labelledby="targets-heading" {
                h2 #targets-heading { "Where signatures go" }
                @if targets.is_empty() {
                    p { "Signatures go nowhere else yet. Add a webhook or an Action Network petition with "
                        code { "pledge-server webhook add" } " or " code { "pledge-server osdi add" } "." }
                } @else {
                    table {
                        thead { tr {
                            th scope="col" { "Kind" } th scope="col" { "Receiver" }
                            th scope="col" { "Waiting" } th scope="col" { "Parked" } th scope="col" { "Delivered" }
                        } }
                        tbody {
                            @for t in &targets {
                                tr {
                                    td { (t.kind.as_str()) }
                                    td { code { (t.url) } }
                                    td { (t.pending) }
                                    td { (t.parked) }
                                    td { (t.delivered) }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="parked-heading" {
                h2 #parked-heading { "Parked (" (parked.len()) ")" }
                p.hint { "A delivery is parked after failing for its whole retry window (24 hours). Fix the receiver, then resend." }
                @if parked.is_empty() {
                    p { "Nothing is parked." }
                } @else {
                    @if !admin {
                        p.hint { "Only an admin may resend." }
                    }
                    table {
                        thead { tr {
                            th scope="col" { "Event" } th scope="col" { "Event time (UTC)" }
                            th scope="col" { "Receiver" } th scope="col" { "Tries" }
                            th scope="col" { "Last error" }
                            @if admin { th scope="col" { "Action" } }
                        } }
                        tbody {
                            @for d in &parked {
                                tr {
                                    td { (d.event_type) }
                                    td { (d.event_created_at) }
                                    td { code { (url_of(d.target_id)) } }
                                    td { (d.attempts) }
                                    td { (d.last_error.as_deref().unwrap_or("")) }
                                    @if admin {
                                        td {
                                            form.inline method="post" action=(action) {
                                                (csrf(&who))
                                                button type="submit" name="id" value=(d.id) {
                                                    "Resend" span.visually-hidden { " " (d.event_type) " of " (d.event_created_at) }
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
                            (csrf(&who))
                            button type="submit" name="all" value="parked" { "Resend every parked delivery" }
                        }
                    }
                }
            }
            (super::parked_emails::section(&who, &slug, &parked_emails))
        },
    ))
}

/// `POST /admin/campaigns/{slug}/deliveries/resend`: `id` (one parked delivery of this
/// campaign) or `all=parked`.
pub(super) async fn resend(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    campaign(&state, &slug).await?;
    let ids = resend_selection(&form, "delivery")?;
    // The campaign is part of the filter: an id from another campaign resends nothing.
    let filter = DeliveryFilter {
        campaign_slug: Some(slug.clone()),
        state: Some("parked".into()),
        ids: ids.clone(),
        ..DeliveryFilter::default()
    };
    let n = state.campaigns.store().resend(&filter).await?;
    let detail = if ids.is_empty() {
        format!("all parked ({n})")
    } else {
        format!("delivery {} ({n})", ids[0])
    };
    audit(
        &state,
        &who.user.email,
        "delivery.resend",
        Some(&slug),
        detail,
    )
    .await?;
    let done = back_in_line(n, "delivery", "deliveries");
    Ok(done_at(
        &format!("/admin/campaigns/{slug}/deliveries"),
        &done,
    ))
}

/// What a resend form chose: `id` (one parked item, its number) or `all=parked` (empty).
pub(super) fn resend_selection(form: &FormFields, noun: &str) -> Result<Vec<i64>, ConsoleError> {
    match (form.get("id"), form.get("all")) {
        (Some(id), None) => Ok(vec![id.parse::<i64>().map_err(|_| {
            ConsoleError::BadRequest(format!("id: {id:?} is not a number (of a parked {noun})"))
        })?]),
        (None, Some("parked")) => Ok(Vec::new()),
        _ => Err(ConsoleError::BadRequest(format!(
            "give either id (one {noun}) or all=parked"
        ))),
    }
}

/// What the page says after a resend of `n` parked items.
pub(super) fn back_in_line(n: u64, one: &str, many: &str) -> String {
    match n {
        0 => format!("No such {one} was parked: nothing resent."),
        1 => format!("1 {one} is back in line: it goes out within seconds."),
        n => format!("{n} {many} are back in line: they go out within seconds."),
    }
}
