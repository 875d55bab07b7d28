//! The campaigns list and a campaign's dashboard (live count, progress, signatures per
//! hour and per day, breakdowns by partner site, language and a chosen field) and its
//! partners view (the sites signatures came from).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use maud::{Markup, html};

use super::auth::Organiser;
use super::charts::{bar_chart, breakdown, day_label, fill_days, fill_hours, hour_label};
use super::layout::{csrf, notice, page};
use super::{ConsoleError, now_ms};
use crate::domain::{FieldKind, OriginMode, OriginPolicy};
use crate::state::AppState;
use crate::store::console::ConsoleStore;
use crate::store::{Campaign, Store};

pub(super) use super::builder::builder;

/// The campaign `slug`, or a 404 page naming it.
pub(super) async fn campaign(state: &AppState, slug: &str) -> Result<Campaign, ConsoleError> {
    state
        .campaigns
        .store()
        .campaign(slug)
        .await?
        .ok_or_else(|| ConsoleError::NotFound(format!("There is no campaign {slug:?}.")))
}

/// The links between a campaign's pages.
pub(super) fn campaign_nav(slug: &str, here: &str) -> Markup {
    let pages = [
        ("", "Dashboard"),
        ("/partners", "Partners"),
        ("/embed", "Embed code"),
        ("/moderation", "Moderation"),
        ("/deliveries", "Deliveries"),
        ("/settings", "Settings"),
        ("/content", "Fields and translations"),
    ];
    html! {
        nav.campaign aria-label="Campaign" {
            ul {
                @for (path, name) in pages {
                    li {
                        @if path == here {
                            a href={ "/admin/campaigns/" (slug) (path) } aria-current="page" { (name) }
                        } @else {
                            a href={ "/admin/campaigns/" (slug) (path) } { (name) }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /admin`: every campaign with its count and goal.
pub(super) async fn campaigns(
    State(state): State<AppState>,
    who: Organiser,
) -> Result<Markup, ConsoleError> {
    let list = state.campaigns.store().campaigns().await?;
    Ok(page(
        &who,
        "Campaigns",
        html! {
            @if who.is_admin() {
                p { a href="/admin/new-campaign" { "New campaign" } }
            }
            @if list.is_empty() {
                p { "No campaigns yet." }
            } @else {
                table {
                    thead { tr { th scope="col" { "Campaign" } th scope="col" { "Signatures" } th scope="col" { "Goal" } th scope="col" { "State" } th scope="col" { "Pages" } } }
                    tbody {
                        @for c in &list {
                            tr {
                                th scope="row" { a href={ "/admin/campaigns/" (c.slug) } { (c.title) } br; small { (c.slug) } }
                                td.num { (c.count) }
                                td.num { @if let Some(g) = c.goal { (g) } @else { "–" } }
                                td { (c.state.as_str()) }
                                td {
                                    a href={ "/admin/campaigns/" (c.slug) "/moderation" } { "Moderation" } " · "
                                    a href={ "/admin/campaigns/" (c.slug) "/partners" } { "Partners" } " · "
                                    a href={ "/admin/campaigns/" (c.slug) "/embed" } { "Embed code" }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// The field whose answers the dashboard breaks down: `?field=` if it names a field with
/// options, else `role`, else the first field with options.
fn breakdown_field<'a>(
    c: &'a Campaign,
    asked: Option<&str>,
) -> Option<&'a crate::domain::FieldDefinition> {
    let choosable = |f: &&crate::domain::FieldDefinition| {
        matches!(f.kind, FieldKind::Select | FieldKind::Country)
    };
    let fields = || c.fields.iter().filter(choosable);
    asked
        .and_then(|k| fields().find(|f| f.key == k))
        .or_else(|| fields().find(|f| f.key == "role"))
        .or_else(|| fields().next())
}

/// The host (and port, if any) of a `source_url`; `None` when absent or not a URL.
pub(super) fn source_host(url: Option<&str>) -> Option<String> {
    let parsed = url::Url::parse(url?).ok()?;
    let host = parsed.host_str()?;
    Some(match parsed.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

/// Signatures per source host, most first (`(unknown)` for none).
fn by_host(sources: &[(Option<String>, i64)]) -> Vec<(String, i64)> {
    let mut hosts: BTreeMap<String, i64> = BTreeMap::new();
    for (url, n) in sources {
        let host = source_host(url.as_deref()).unwrap_or_else(|| "(unknown)".to_owned());
        *hosts.entry(host).or_default() += n;
    }
    let mut rows: Vec<(String, i64)> = hosts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

fn labelled(rows: &[(Option<String>, i64)], label: impl Fn(&str) -> String) -> Vec<(String, i64)> {
    rows.iter()
        .map(|(k, n)| (k.as_deref().map_or_else(|| "(none)".to_owned(), &label), *n))
        .collect()
}

/// `GET /admin/campaigns/{slug}?field=KEY`
pub(super) async fn dashboard(
    State(state): State<AppState>,
    who: Organiser,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Markup, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let field = breakdown_field(&c, q.get("field").map(String::as_str));
    let stats = state
        .campaigns
        .store()
        .campaign_stats(c.id, field.map(|f| f.key.as_str()))
        .await?;
    // The live count is what widgets show (the store's, as this server last heard it).
    let count = match state.campaigns.get(&slug).await? {
        Some(live) => live.count(),
        None => c.count,
    };
    let now = now_ms(&state);
    let hours = fill_hours(now, 48, &stats.hourly);
    let days = fill_days(now, 30, &stats.daily);
    let answers = field.map(|f| {
        labelled(&stats.field_answers, |v| {
            f.options
                .iter()
                .find(|o| o.value == v)
                .map_or_else(|| v.to_owned(), |o| o.label.clone())
        })
    });
    Ok(page(
        &who,
        &c.title,
        html! {
            (campaign_nav(&slug, ""))
            section.numbers aria-labelledby="count-heading" {
                h2 #count-heading { "Signatures" }
                p.count {
                    output #live-count data-campaign=(slug) aria-live="polite" { (count) }
                    @if let Some(goal) = c.goal {
                        " of " (goal)
                    }
                }
                @if let Some(goal) = c.goal {
                    @let pct = (count.saturating_mul(100) / goal.max(1)).min(100);
                    label for="goal-progress" { "Progress to the goal: " span #goal-percent { (pct) } "%" }
                    progress #goal-progress max=(goal) value=(count.min(goal)) data-goal=(goal) { (pct) "%" }
                    @if count >= goal {
                        p { "The goal is reached: raise it so the widget keeps a target." }
                    }
                }
                p { a href={ "/admin/campaigns/" (slug) "/export.csv" } { "Download all signatures (CSV)" } }
            }
            section aria-labelledby="time-heading" {
                h2 #time-heading { "Over time (UTC)" }
                (bar_chart("per-hour", "Signatures per hour, last 48 hours", &hours, 6, hour_label))
                (bar_chart("per-day", "Signatures per day, last 30 days", &days, 5, day_label))
            }
            section aria-labelledby="who-heading" {
                h2 #who-heading { "Where and who" }
                div.breakdowns {
                    (breakdown("By partner site", &by_host(&stats.sources)))
                    (breakdown("By language", &labelled(&stats.languages, str::to_owned)))
                    @if let (Some(f), Some(rows)) = (field, &answers) {
                        (breakdown(&format!("By “{}”", f.label), rows))
                    }
                }
                @if c.fields.iter().filter(|f| matches!(f.kind, FieldKind::Select | FieldKind::Country)).count() > 1 {
                    form method="get" {
                        label for="field" { "Break down by" }
                        select #field name="field" {
                            @for f in c.fields.iter().filter(|f| matches!(f.kind, FieldKind::Select | FieldKind::Country)) {
                                option value=(f.key) selected[field.is_some_and(|x| x.key == f.key)] { (f.label) }
                            }
                        }
                        button type="submit" { "Show" }
                    }
                }
            }
            script src="/admin/console.js" defer {}
        },
    ))
}

/// Signatures per page origin (`scheme://host[:port]`, what CORS compares), most first.
fn by_origin(sources: &[(Option<String>, i64)]) -> Vec<(String, i64)> {
    let mut origins: BTreeMap<String, i64> = BTreeMap::new();
    for (url, n) in sources {
        let origin = url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .map(|u| u.origin().ascii_serialization())
            .filter(|o| o != "null")
            .unwrap_or_else(|| "(unknown)".to_owned());
        *origins.entry(origin).or_default() += n;
    }
    let mut rows: Vec<(String, i64)> = origins.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// `GET /admin/campaigns/{slug}/partners?done=…`: the sites signatures came from, whether
/// each may embed the campaign, and for admins a one-click "allow" for those that may not.
pub(super) async fn partners(
    State(state): State<AppState>,
    who: Organiser,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Markup, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let stats = state.campaigns.store().campaign_stats(c.id, None).await?;
    let policy = OriginPolicy::of(&c);
    let origins = by_origin(&stats.sources);
    Ok(page(
        &who,
        &format!("Partners of {}", c.title),
        html! {
            (campaign_nav(&slug, "/partners"))
            (notice(q.get("done").map(String::as_str)))
            @if policy.mode == OriginMode::Any {
                p { "Any site may embed this campaign. Listed origins: " (c.allowed_origins.len()) " (they apply if it is restricted; see Settings)." }
            } @else {
                p { "Only listed origins may embed this campaign (" (c.allowed_origins.len()) " listed; see Settings)." }
            }
            h2 { "Sites signatures came from" }
            @if origins.is_empty() {
                p { "No signatures yet." }
            } @else {
                table {
                    thead { tr { th scope="col" { "Site" } th scope="col" { "Signatures" } th scope="col" { "Allowed" } } }
                    tbody {
                        @for (origin, n) in &origins {
                            tr {
                                th scope="row" { (origin) }
                                td.num { (n) }
                                td {
                                    @if policy.allows(origin) {
                                        "yes"
                                    } @else if who.is_admin() && origin.starts_with("http") {
                                        "no " (allow_button(&who, &slug, origin))
                                    } @else {
                                        "no"
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p.hint { "A site counts here once a signature came from it (the page's address, which the widget sends)." }
            h2 { "Sites refused by the allow-list" }
            @let refused = state.console.refused_origins.of(c.id);
            @if refused.is_empty() {
                p { "None since this server started." }
            } @else {
                p.hint { "Pages of these origins asked for the campaign and were refused, since this server started (this instance only; any client can send such a request, so allow only sites you know)." }
                table {
                    thead { tr { th scope="col" { "Site" } th scope="col" { "Refused requests" } th scope="col" { "Allow" } } }
                    tbody {
                        @for (origin, n) in &refused {
                            tr {
                                th scope="row" { (origin) }
                                td.num { (n) }
                                td {
                                    @if policy.allows(origin) { "allowed now" }
                                    @else if who.is_admin() { (allow_button(&who, &slug, origin)) }
                                    @else { "an admin may allow it" }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// One click to add `origin` to the campaign's allowed origins, back to this view.
fn allow_button(who: &Organiser, slug: &str, origin: &str) -> Markup {
    html! {
        form.inline method="post" action={ "/admin/campaigns/" (slug) "/origins" } {
            (csrf(who))
            input type="hidden" name="origin" value=(origin);
            input type="hidden" name="return" value="partners";
            button type="submit" name="change" value="add" { "Allow this site" span.visually-hidden { " " (origin) } }
        }
    }
}
