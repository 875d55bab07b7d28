//! The confirmation email's settings on a campaign's settings page (admin): whether new
//! signatures wait for the signer's confirmation, and how many reminders go, how long
//! apart. The same store method as `campaign edit --confirm-email` (`store::confirmation`).

use axum::extract::{Path, State};
use axum::response::Response;
use maud::{Markup, html};

use super::auth::Organiser;
use super::change::{AdminChange, done_at};
use super::layout::csrf;
use super::{ConsoleError, audit};
use crate::state::AppState;
use crate::store::confirmation::{ConfirmationEdit, ConfirmationStore};

/// The section on the settings page.
pub(super) async fn section(
    state: &AppState,
    who: &Organiser,
    slug: &str,
) -> Result<Markup, ConsoleError> {
    let Some(s) = state.campaigns.store().confirmation_settings(slug).await? else {
        return Err(ConsoleError::NotFound(format!("no campaign {slug:?}")));
    };
    let admin = who.is_admin();
    Ok(html! {
        section aria-labelledby="confirmation-heading" {
            h2 #confirmation-heading { "Confirmation email" }
            p.hint { "When on, a signature counts once the signer follows the link emailed to them (the server needs --smtp-url). Signatures already waiting keep waiting if it is turned off." }
            form method="post" action=(format!("/admin/campaigns/{slug}/confirmation")) {
                (csrf(who))
                fieldset disabled[!admin] {
                    legend { "Double opt-in" }
                    label {
                        input name="confirm_email" type="checkbox" value="on" checked[s.confirm_email];
                        " Ask signers to confirm by email"
                    }
                    label for="reminders" { "Reminders to signers who have not confirmed (0 to 5)" }
                    input #reminders name="reminders" type="number" min="0" max="5" value=(s.reminders);
                    label for="reminder_hours" { "Hours after the last email before a reminder (1 to 1000)" }
                    input #reminder_hours name="reminder_hours" type="number" min="1" max="1000" value=(s.reminder_hours);
                    @if admin { button type="submit" { "Save confirmation settings" } }
                }
            }
        }
    })
}

/// `POST /admin/campaigns/{slug}/confirmation`
pub(super) async fn save(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    let number = |name: &str, range: std::ops::RangeInclusive<u32>| {
        let v = form.get(name).map(str::trim).unwrap_or_default();
        v.parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .map(Some)
            .ok_or_else(|| {
                ConsoleError::BadRequest(format!(
                    "{name}: {v:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ))
            })
    };
    let edit = ConfirmationEdit {
        confirm_email: Some(form.get("confirm_email") == Some("on")),
        reminders: number("reminders", 0..=5)?,
        reminder_hours: number("reminder_hours", 1..=1000)?,
    };
    if !state
        .campaigns
        .store()
        .edit_confirmation(&slug, &edit)
        .await?
    {
        return Err(ConsoleError::NotFound(format!("no campaign {slug:?}")));
    }
    state.campaigns.reload(&slug).await?;
    let detail = format!(
        "confirm_email={} reminders={} reminder_hours={}",
        edit.confirm_email.unwrap_or_default(),
        edit.reminders.unwrap_or_default(),
        edit.reminder_hours.unwrap_or_default()
    );
    audit(
        &state,
        &who.user.email,
        "campaign.confirmation",
        Some(&slug),
        detail,
    )
    .await?;
    Ok(done_at(
        &format!("/admin/campaigns/{slug}/settings"),
        "Saved: new signatures follow the setting at once.",
    ))
}
