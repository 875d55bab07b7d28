//! A campaign's settings in the console (admin): edit its text, goal, consent and links and
//! its proof of work; open, close or archive it; add and remove allowed origins or let any
//! site sign. The lifecycle's store methods do the work (`store::lifecycle`); every change
//! reaches running servers through its change channel, and this one at once.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::auth::Organiser;
use super::change::{AdminChange, done_at};
use super::controls::{Problems, input, summary, textarea};
use super::create::{input_of, sentence};
use super::dashboard::{campaign, campaign_nav};
use super::layout::{csrf, notice, page};
use super::{ConsoleError, FormFields, audit};
use crate::domain::{CampaignEdit, CampaignState, Origin, OriginChange, OriginMode};
use crate::state::AppState;
use crate::store::Campaign;
use crate::store::lifecycle::LifecycleStore;

fn back(slug: &str, done: &str) -> Response {
    done_at(&format!("/admin/campaigns/{slug}/settings"), done)
}

/// `GET /admin/campaigns/{slug}/settings?done=…`: admins get the forms, moderators read.
pub(super) async fn settings_page(
    State(state): State<AppState>,
    who: Organiser,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Markup, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let confirmation = super::confirmation::section(&state, &who, &slug).await?;
    Ok(settings_markup(
        &who,
        &c,
        q.get("done").map(String::as_str),
        None,
        &Problems::new(),
        confirmation,
    ))
}

/// The settings page; a refused edit shows `typed` (the form as sent) and `problems`.
fn settings_markup(
    who: &Organiser,
    c: &Campaign,
    done: Option<&str>,
    typed: Option<&FormFields>,
    problems: &Problems,
    confirmation: Markup,
) -> Markup {
    let slug = &c.slug;
    let admin = who.is_admin();
    let action = |what: &str| format!("/admin/campaigns/{slug}/{what}");
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    // What the edit form shows: what was sent, when it was refused; else the campaign's.
    let value = |name: &str, current: String| {
        typed
            .and_then(|f| f.get(name))
            .map_or(current, str::to_owned)
    };
    let number = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    page(
        who,
        &format!("Settings of {}", c.title),
        html! {
            (campaign_nav(slug, "/settings"))
            (notice(done))
            @if !admin {
                p.hint { "Only an admin may change these settings." }
            }
            section aria-labelledby="state-heading" {
                h2 #state-heading { "State: " (c.state.as_str()) }
                p.hint { "A closed campaign's widget shows the final count and takes no signatures; an archived one is put away." }
                @if admin {
                    form method="post" action=(action("state")) {
                        (csrf(who))
                        @for (value, label) in [("open", "Open"), ("closed", "Close"), ("archived", "Archive")] {
                            @if value != c.state.as_str() {
                                button type="submit" name="state" value=(value) { (label) " the campaign" }
                                " "
                            }
                        }
                    }
                }
            }
            section aria-labelledby="origins-heading" {
                h2 #origins-heading { "Who may embed it" }
                @if c.origin_mode == OriginMode::Any {
                    p { "Any site may embed and sign." }
                } @else {
                    p { "Only the listed origins may embed and sign." }
                }
                (origins(who, c, admin, &action("origins")))
            }
            section aria-labelledby="edit-heading" {
                h2 #edit-heading { "Text and numbers" }
                (summary(problems))
                form method="post" action=(action("edit")) novalidate {
                    (csrf(who))
                    fieldset disabled[!admin] {
                        legend { "Campaign" }
                        (input("title", "Title", None, "text", &value("title", c.title.clone()), problems))
                        (textarea("text", "Pledge text", None, 8, &value("text", c.text.clone()), problems))
                        (input("goal", "Goal (empty: none)", None, "text", &value("goal", c.goal.map(|g| g.to_string()).unwrap_or_default()), problems))
                        (input("consent_text", "Consent line (a change makes a new consent version)", None, "text", &value("consent_text", c.consent_text.clone()), problems))
                        (input("privacy_url", "Privacy policy link (empty: none)", None, "url", &value("privacy_url", opt(&c.privacy_url)), problems))
                        (input("share_url", "Share link (empty: none)", None, "url", &value("share_url", opt(&c.share_url)), problems))
                        (input("pow_maxnumber", "Proof-of-work difficulty (0: off)", None, "text", &value("pow_maxnumber", c.proof_of_work.map_or(0, |p| p.maxnumber).to_string()), problems))
                        (input("min_fill_seconds", "Minimum seconds to fill the form", None, "text", &value("min_fill_seconds", c.min_fill_seconds.to_string()), problems))
                        (input("retention_days", "Erase signers' personal data this many days after closing (empty: keep)", None, "text", &value("retention_days", number(c.retention_days)), problems))
                        @if admin { button type="submit" { "Save changes" } }
                    }
                }
                p.hint { "Fields and translations: " a href={ "/admin/campaigns/" (slug) "/content" } { "their own page" } "." }
            }
            (confirmation)
        },
    )
}

fn origins(who: &Organiser, c: &Campaign, admin: bool, action: &str) -> Markup {
    html! {
        @if c.allowed_origins.is_empty() {
            p { "No origin is listed." }
        } @else {
            ul.origins {
                @for o in &c.allowed_origins {
                    li {
                        code { (o) }
                        @if admin {
                            form.inline method="post" action=(action) {
                                (csrf(who))
                                input type="hidden" name="origin" value=(o);
                                button type="submit" name="change" value="remove" { "Remove" span.visually-hidden { " " (o) } }
                            }
                        }
                    }
                }
            }
        }
        @if admin {
            form method="post" action=(action) {
                (csrf(who))
                label for="new-origin" { "Add an origin (like https://artist.example)" }
                input #new-origin name="origin" type="url" required;
                button type="submit" name="change" value="add" { "Add" }
            }
            form method="post" action=(action) {
                (csrf(who))
                @if c.origin_mode == OriginMode::Any {
                    button type="submit" name="change" value="restrict" { "Only the listed origins" }
                } @else {
                    button type="submit" name="change" value="any" { "Let any site embed it" }
                }
            }
        }
    }
}

/// What changed between the form and the campaign, as an edit (unchanged values left out,
/// so saving an untouched form changes nothing); a value that is not a number goes to
/// `problems` and is left out.
fn edit_from(form: &FormFields, c: &Campaign, problems: &mut Problems) -> CampaignEdit {
    let text = |name: &str| form.get(name).map(|v| v.trim().replace("\r\n", "\n"));
    let changed = |name: &str, now: &str| text(name).filter(|v| v != now);
    let optional = |name: &str, now: &Option<String>| {
        let v = text(name)?;
        let new = (!v.is_empty()).then_some(v);
        (new != *now).then_some(new)
    };
    let mut bad_number = |name: &str, v: &str| {
        problems.insert(
            name.to_owned(),
            format!("{v:?} is not a whole number (digits only)."),
        );
    };
    let mut number = |name: &'static str| -> Option<u32> {
        let v = text(name).filter(|v| !v.is_empty())?;
        v.parse().map_err(|_| bad_number(name, &v)).ok()
    };
    let pow = number("pow_maxnumber").filter(|p| *p != c.proof_of_work.map_or(0, |x| x.maxnumber));
    let min_fill = number("min_fill_seconds").filter(|s| *s != c.min_fill_seconds);
    let retention = match text("retention_days") {
        None => None,
        Some(v) if v.is_empty() => c.retention_days.is_some().then_some(None),
        Some(_) => number("retention_days")
            .filter(|d| Some(*d) != c.retention_days)
            .map(Some),
    };
    let goal = match text("goal") {
        None => None,
        Some(v) if v.is_empty() => c.goal.is_some().then_some(None),
        Some(v) => match v.parse::<i64>() {
            Ok(g) => (Some(g) != c.goal).then_some(Some(g)),
            Err(_) => {
                problems.insert(
                    "goal".to_owned(),
                    format!("{v:?} is not a whole number (digits only)."),
                );
                None
            }
        },
    };
    CampaignEdit {
        title: changed("title", &c.title),
        text: changed("text", &c.text),
        goal,
        consent_text: changed("consent_text", &c.consent_text),
        privacy_url: optional("privacy_url", &c.privacy_url),
        share_url: optional("share_url", &c.share_url),
        pow_maxnumber: pow,
        min_fill_seconds: min_fill,
        retention_days: retention,
        ..CampaignEdit::default()
    }
}

/// `POST /admin/campaigns/{slug}/edit`
pub(super) async fn edit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let mut problems = Problems::new();
    let edit = edit_from(&form, &c, &mut problems);
    for e in edit.problems(c.count) {
        problems
            .entry(input_of(&e).to_owned())
            .or_insert_with(|| sentence(&e.reason));
    }
    if !problems.is_empty() {
        let confirmation = super::confirmation::section(&state, &who, &slug).await?;
        let mut r =
            settings_markup(&who, &c, None, Some(&form), &problems, confirmation).into_response();
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    if edit.is_empty() {
        return Ok(back(&slug, "Nothing was changed."));
    }
    state
        .campaigns
        .store()
        .update_campaign(&slug, &edit)
        .await?;
    state.campaigns.reload(&slug).await?;
    audit(
        &state,
        &who.user.email,
        "campaign.edit",
        Some(&slug),
        String::new(),
    )
    .await?;
    Ok(back(
        &slug,
        "Saved: widgets show the change within a second.",
    ))
}

/// `POST /admin/campaigns/{slug}/state`: open, close or archive.
pub(super) async fn set_state(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    let wanted = CampaignState::parse(form.get("state").unwrap_or_default())
        .map_err(|why| ConsoleError::BadRequest(format!("state: {why}")))?;
    let before = state
        .campaigns
        .store()
        .set_campaign_state(&slug, wanted)
        .await?
        .ok_or_else(|| ConsoleError::NotFound(format!("There is no campaign {slug:?}.")))?;
    state.campaigns.reload(&slug).await?;
    audit(
        &state,
        &who.user.email,
        &format!("campaign.{}", wanted.as_str()),
        Some(&slug),
        format!("was {}", before.as_str()),
    )
    .await?;
    Ok(back(
        &slug,
        &format!("The campaign is {}.", wanted.as_str()),
    ))
}

/// `POST /admin/campaigns/{slug}/origins`: `change` = add|remove (with `origin`), any,
/// restrict. `return=partners` sends the organiser back to the partners view.
pub(super) async fn change_origins(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    let origin = || {
        Origin::parse(form.get("origin").unwrap_or_default())
            .map_err(|why| ConsoleError::BadRequest(format!("origin: {why}")))
    };
    let change = match form.get("change") {
        Some("add") => OriginChange::Add(origin()?),
        Some("remove") => OriginChange::Remove(origin()?),
        Some("any") => OriginChange::AllowAny,
        Some("restrict") => OriginChange::Restrict,
        _ => {
            return Err(ConsoleError::BadRequest(
                "change: use add, remove, any or restrict".to_owned(),
            ));
        }
    };
    let outcome = state
        .campaigns
        .store()
        .change_origins(&slug, &change)
        .await?
        .ok_or_else(|| ConsoleError::NotFound(format!("There is no campaign {slug:?}.")))?
        .map_err(|refused| ConsoleError::BadRequest(format!("Not changed: {refused}.")))?;
    state.campaigns.reload(&slug).await?;
    let (what, detail) = match &change {
        OriginChange::Add(o) => ("origin.add", o.as_ref().to_owned()),
        OriginChange::Remove(o) => ("origin.remove", o.as_ref().to_owned()),
        OriginChange::AllowAny => ("origin.any", String::new()),
        OriginChange::Restrict => ("origin.restrict", String::new()),
    };
    audit(&state, &who.user.email, what, Some(&slug), detail.clone()).await?;
    let done = if outcome.0 {
        format!("Done: {} {detail}", what.replace('.', " "))
    } else {
        "Nothing to change.".to_owned()
    };
    if form.get("return") == Some("partners") {
        return Ok(done_at(&format!("/admin/campaigns/{slug}/partners"), &done));
    }
    Ok(back(&slug, &done))
}
