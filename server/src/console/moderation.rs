//! Moderation: signatures held for review (approve or reject, one or in bulk) and the
//! public signer wall's entries (approve, hide, feature). Both stores' triggers carry wall
//! changes to open walls; approvals raise the live count at once.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use std::collections::HashMap;

use super::auth::Organiser;
use super::change::{Change, done_at};
use super::dashboard::{campaign, campaign_nav};
use super::layout::{csrf, notice, page};
use super::{ConsoleError, FormFields, audit};
use crate::domain::{SignerEmail, WallState};
use crate::state::AppState;
use crate::store::erasure::ErasureStore;
use crate::store::{Store, WallStore};
use crate::wall::WallSettings;

/// `GET /admin/campaigns/{slug}/moderation?done=…`
async fn render(
    state: &AppState,
    who: &Organiser,
    slug: &str,
    done: Option<&str>,
) -> Result<Markup, ConsoleError> {
    let c = campaign(state, slug).await?;
    let store = state.campaigns.store();
    let held = store.held(c.id).await?;
    let wall = store.wall_review(c.id, None).await?;
    let settings = WallSettings::of(&c);
    Ok(page(
        who,
        &format!("Moderate {}", c.title),
        html! {
            (campaign_nav(slug, "/moderation"))
            (notice(done))
            section aria-labelledby="held-heading" {
                h2 #held-heading { "Held for review (" (held.len()) ")" }
                p.hint { "Signatures from a network that sent many are held: they do not count until approved. Rejecting one deletes it." }
                @if held.is_empty() {
                    p { "Nothing is held." }
                } @else {
                    form method="post" action={ "/admin/campaigns/" (slug) "/held" } {
                        (csrf(who))
                        table {
                            thead { tr {
                                th scope="col" { span.visually-hidden { "Select" } }
                                th scope="col" { "Signed (UTC)" } th scope="col" { "Name" }
                                th scope="col" { "Email" } th scope="col" { "Action" }
                            } }
                            tbody {
                                @for (i, r) in held.iter().enumerate() {
                                    tr {
                                        td { input type="checkbox" name="email" value=(r.email) id={ "held-" (i) } aria-label={ "Select " (r.name) }; }
                                        td { (r.signed_at) }
                                        td { label for={ "held-" (i) } { (r.name) } }
                                        td { (r.email) }
                                        td {
                                            button type="submit" name="approve" value=(r.email) { "Approve" span.visually-hidden { " " (r.name) } }
                                            " "
                                            button type="submit" name="reject" value=(r.email) { "Reject" span.visually-hidden { " " (r.name) } }
                                        }
                                    }
                                }
                            }
                        }
                        div.bulk {
                            button type="submit" name="bulk" value="approve" { "Approve selected" }
                            button type="submit" name="bulk" value="reject" { "Reject selected" }
                            button type="submit" name="bulk" value="approve-all" { "Approve all held" }
                        }
                    }
                }
            }
            section aria-labelledby="wall-heading" {
                h2 #wall-heading { "Signer wall (" (wall.len()) " names)" }
                p.hint { "Public names: " (settings.mode) ". Changes reach open walls within a second." }
                @if wall.is_empty() {
                    p { "Nobody has asked to show their name." }
                } @else {
                    form method="post" action={ "/admin/campaigns/" (slug) "/wall" } {
                        (csrf(who))
                        table {
                            thead { tr {
                                th scope="col" { span.visually-hidden { "Select" } }
                                th scope="col" { "Name" } th scope="col" { "State" }
                                th scope="col" { "Featured" } th scope="col" { "Action" }
                            } }
                            tbody {
                                @for (row, _email) in &wall {
                                    tr {
                                        td { input type="checkbox" name="id" value=(row.id) id={ "wall-" (row.id) } aria-label={ "Select " (row.name) }; }
                                        td { label for={ "wall-" (row.id) } { (row.name) } }
                                        td { (row.state) }
                                        td { @if let Some(rank) = row.featured { (rank) } @else { "–" } }
                                        td {
                                            button type="submit" name="approve" value=(row.id) { "Approve" span.visually-hidden { " " (row.name) } }
                                            " "
                                            button type="submit" name="hide" value=(row.id) { "Hide" span.visually-hidden { " " (row.name) } }
                                            " "
                                            button type="submit" name="feature" value=(row.id) { "Feature" span.visually-hidden { " " (row.name) } }
                                        }
                                    }
                                }
                            }
                        }
                        div.bulk {
                            button type="submit" name="bulk" value="approve" { "Approve selected" }
                            button type="submit" name="bulk" value="hide" { "Hide selected" }
                            button type="submit" name="bulk" value="feature" { "Feature selected" }
                        }
                    }
                }
            }
        },
    ))
}

pub(super) async fn moderation_page(
    State(state): State<AppState>,
    who: Organiser,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Markup, ConsoleError> {
    render(&state, &who, &slug, q.get("done").map(String::as_str)).await
}

/// What a moderation form asked: one row's button (`approve=X`), or a bulk button with the
/// ticked rows.
fn chosen<'a>(
    form: &'a FormFields,
    actions: &[&'static str],
) -> Option<(&'static str, Vec<&'a str>)> {
    for a in actions {
        if let Some(one) = form.get(a) {
            return Some((a, vec![one]));
        }
    }
    let bulk = form.get("bulk")?;
    let action = actions
        .iter()
        .chain(["approve-all"].iter())
        .find(|a| **a == bulk)?;
    let key = if actions.contains(&"hide") {
        "id"
    } else {
        "email"
    };
    Some((action, form.all(key).collect()))
}

fn back(slug: &str, done: &str) -> Response {
    done_at(&format!("/admin/campaigns/{slug}/moderation"), done)
}

/// `POST /admin/campaigns/{slug}/held`: approve or reject held signatures.
pub(super) async fn held(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Change { who, form }: Change,
) -> Result<Response, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let store = state.campaigns.store();
    let Some((action, emails)) = chosen(&form, &["approve", "reject"]) else {
        return Err(ConsoleError::BadRequest(
            "Choose approve or reject.".to_owned(),
        ));
    };
    if action != "approve-all" && emails.is_empty() {
        return Ok(back(&slug, "Nothing was selected."));
    }
    let emails = emails
        .iter()
        .map(|e| {
            SignerEmail::parse(e).map_err(|why| ConsoleError::BadRequest(format!("email: {why}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut changed = 0u64;
    match action {
        "approve-all" => changed = store.approve(c.id, None).await?,
        "approve" => {
            for e in &emails {
                changed += store.approve(c.id, Some(e.normalised())).await?;
            }
        }
        _ => {
            // Only what is still held: a signature approved meanwhile is not deleted.
            let held = store.held(c.id).await?;
            for e in &emails {
                let still_held = held.iter().any(|r| {
                    SignerEmail::parse(&r.email).is_ok_and(|h| h.normalised() == e.normalised())
                });
                if still_held {
                    changed += u64::try_from(store.erase(Some(&slug), e.normalised()).await?.len())
                        .unwrap_or(0);
                }
            }
        }
    }
    state.campaigns.reload(&slug).await?;
    let verb = if action == "reject" {
        "rejected"
    } else {
        "approved"
    };
    audit(
        &state,
        &who.user.email,
        &format!(
            "held.{}",
            if action == "reject" {
                "reject"
            } else {
                "approve"
            }
        ),
        Some(&slug),
        format!("{changed} signature(s)"),
    )
    .await?;
    Ok(back(&slug, &format!("{changed} signature(s) {verb}.")))
}

/// `POST /admin/campaigns/{slug}/wall`: approve, hide or feature wall entries.
pub(super) async fn wall(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Change { who, form }: Change,
) -> Result<Response, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let store = state.campaigns.store();
    let Some((action, ids)) = chosen(&form, &["approve", "hide", "feature"]) else {
        return Err(ConsoleError::BadRequest(
            "Choose approve, hide or feature.".to_owned(),
        ));
    };
    let ids = ids
        .iter()
        .map(|i| {
            i.parse::<i64>()
                .map_err(|_| ConsoleError::BadRequest(format!("id {i:?} is not a number")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Ok(back(&slug, "Nothing was selected."));
    }
    let result = match action {
        "hide" => store.set_wall_state(c.id, &ids, WallState::Hidden).await?,
        "feature" => store.feature(c.id, &ids, true).await?,
        _ => {
            store
                .set_wall_state(c.id, &ids, WallState::Approved)
                .await?
        }
    };
    let changed = result.map_err(|missing| {
        ConsoleError::BadRequest(format!(
            "No wall entry with id(s) {missing:?} in this campaign; nothing was changed."
        ))
    })?;
    audit(
        &state,
        &who.user.email,
        &format!("wall.{action}"),
        Some(&slug),
        format!("entries {ids:?}"),
    )
    .await?;
    Ok(back(&slug, &format!("{changed} entr(ies): {action} done.")))
}
