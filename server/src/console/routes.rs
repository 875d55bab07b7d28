//! The console's router and its account handlers: sign-in (limited per account and per
//! network), sign-out, sign-out everywhere, and the set-password page a `user add` link
//! opens.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;

use super::auth::{
    self, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, hash_password, random_token,
    session_clear_cookie, session_set_cookie, token_hash, verify_password,
};
use super::change::Change;
use super::layout::{bare_with, console_headers};
use super::{
    ConsoleError, FormFields, audit, content, create, dashboard, deliveries, moderation, now_ms,
    settings, supporters,
};
use crate::abuse::client_addr::ClientAddr;
use crate::state::AppState;
use crate::store::console::ConsoleStore;

/// `/admin` and below. Every answer gets the console's headers; cross-site requests are
/// refused before any handler runs.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard::campaigns))
        .route("/admin/login", get(login_page).post(login))
        .route(
            "/admin/set-password",
            get(set_password_page).post(set_password),
        )
        .route("/admin/logout", post(logout))
        .route("/admin/logout-everywhere", post(logout_everywhere))
        .route("/admin/console.css", get(stylesheet))
        .route("/admin/console.js", get(script))
        .route(
            "/admin/new-campaign",
            get(create::new_page).post(create::create),
        )
        .route("/admin/campaigns/{slug}", get(dashboard::dashboard))
        .route(
            "/admin/campaigns/{slug}/content",
            get(content::content_page),
        )
        .route("/admin/campaigns/{slug}/fields", post(content::save_fields))
        .route(
            "/admin/campaigns/{slug}/translations",
            post(content::save_translation),
        )
        .route("/admin/campaigns/{slug}/partners", get(dashboard::partners))
        .route("/admin/campaigns/{slug}/embed", get(dashboard::builder))
        .route(
            "/admin/campaigns/{slug}/export.csv",
            get(supporters::export_csv),
        )
        .route(
            "/admin/campaigns/{slug}/moderation",
            get(moderation::moderation_page),
        )
        .route("/admin/campaigns/{slug}/held", post(moderation::held))
        .route("/admin/campaigns/{slug}/wall", post(moderation::wall))
        .route(
            "/admin/campaigns/{slug}/deliveries",
            get(deliveries::deliveries_page),
        )
        .route(
            "/admin/campaigns/{slug}/deliveries/resend",
            post(deliveries::resend),
        )
        .route(
            "/admin/campaigns/{slug}/deliveries/resend-email",
            post(super::parked_emails::resend),
        )
        .route(
            "/admin/campaigns/{slug}/settings",
            get(settings::settings_page),
        )
        .route("/admin/campaigns/{slug}/edit", post(settings::edit))
        .route(
            "/admin/campaigns/{slug}/confirmation",
            post(super::confirmation::save),
        )
        .route("/admin/campaigns/{slug}/state", post(settings::set_state))
        .route(
            "/admin/campaigns/{slug}/origins",
            post(settings::change_origins),
        )
        .route(
            "/admin/supporters",
            get(supporters::lookup_page).post(supporters::lookup),
        )
        .route("/admin/supporters/export", post(supporters::export_json))
        .route("/admin/supporters/erase", post(supporters::erase))
        .route("/admin/audit", get(supporters::audit_page))
        .layer(map_response(console_headers))
        .layer(from_fn_with_state(state, auth::same_origin_only))
}

/// Whether cookies should be `Secure`: the public origin is HTTPS (directly or behind a
/// proxy that terminates TLS).
fn secure(state: &AppState) -> bool {
    state.public_origin.starts_with("https://")
}

fn login_form(message: Option<&str>, email: &str) -> maud::Markup {
    bare_with(
        "Sign in",
        html! {
            @if let Some(m) = message {
                p.error role="alert" { (m) }
            }
            form method="post" action="/admin/login" {
                label for="email" { "Email" }
                input #email type="email" name="email" autocomplete="username" required value=(email);
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
        },
    )
}

async fn login_page(Query(q): Query<HashMap<String, String>>) -> maud::Markup {
    let note = q
        .contains_key("password-set")
        .then_some("Your password is set: sign in with it.");
    login_form(note, "")
}

async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    form: FormFields,
) -> Result<Response, ConsoleError> {
    let email = form.get("email").unwrap_or_default().trim().to_lowercase();
    let password = form.get("password").unwrap_or_default().to_owned();
    state
        .console
        .attempt(&state, &email, client.network())
        .map_err(|retry_after_secs| ConsoleError::TooManyAttempts { retry_after_secs })?;
    let store = state.campaigns.store();
    let credentials = if email.is_empty() || password.len() > MAX_PASSWORD_BYTES {
        None
    } else {
        store.credentials(&email).await?
    };
    let stored = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let good = verify_password(password, stored).await;
    let user = match credentials {
        Some(c) if good => c.user,
        other => {
            if let Some(c) = other {
                audit(&state, &c.user.email, "sign_in.failed", None, String::new()).await?;
            }
            let mut response = login_form(
                Some("That email and password do not match an account."),
                &email,
            )
            .into_response();
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            return Ok(response);
        }
    };
    let token = random_token()?;
    let now = now_ms(&state);
    let expires = now + auth::SESSION_HOURS * 3_600_000;
    store
        .create_session(&token_hash(&token), user.id, now, expires)
        .await?;
    audit(&state, &user.email, "sign_in", None, String::new()).await?;
    Ok(with_cookie(
        Redirect::to("/admin"),
        &session_set_cookie(&token, secure(&state)),
    ))
}

fn with_cookie(redirect: Redirect, cookie: &str) -> Response {
    let mut response = redirect.into_response();
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

async fn logout(
    State(state): State<AppState>,
    Change { who, .. }: Change,
) -> Result<Response, ConsoleError> {
    state
        .campaigns
        .store()
        .end_session(&who.session_hash)
        .await?;
    audit(&state, &who.user.email, "sign_out", None, String::new()).await?;
    Ok(with_cookie(
        Redirect::to("/admin/login"),
        &session_clear_cookie(secure(&state)),
    ))
}

async fn logout_everywhere(
    State(state): State<AppState>,
    Change { who, .. }: Change,
) -> Result<Response, ConsoleError> {
    let ended = state.campaigns.store().end_sessions_of(who.user.id).await?;
    audit(
        &state,
        &who.user.email,
        "sign_out.everywhere",
        None,
        format!("{ended} session(s) ended"),
    )
    .await?;
    Ok(with_cookie(
        Redirect::to("/admin/login"),
        &session_clear_cookie(secure(&state)),
    ))
}

fn set_password_form(token: &str, message: Option<&str>) -> maud::Markup {
    bare_with(
        "Set your password",
        html! {
            @if let Some(m) = message {
                p.error role="alert" { (m) }
            }
            form method="post" action="/admin/set-password" {
                input type="hidden" name="token" value=(token);
                label for="password" { "New password (at least " (MIN_PASSWORD_CHARS) " characters)" }
                input #password type="password" name="password" autocomplete="new-password"
                    minlength=(MIN_PASSWORD_CHARS) required;
                label for="confirm" { "The same password again" }
                input #confirm type="password" name="confirm" autocomplete="new-password" required;
                button type="submit" { "Set password" }
            }
        },
    )
}

async fn set_password_page(Query(q): Query<HashMap<String, String>>) -> maud::Markup {
    set_password_form(q.get("token").map_or("", String::as_str), None)
}

async fn set_password(
    State(state): State<AppState>,
    form: FormFields,
) -> Result<Response, ConsoleError> {
    let token = form.get("token").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let refuse = |why: &str| {
        let mut r = set_password_form(token, Some(why)).into_response();
        *r.status_mut() = StatusCode::BAD_REQUEST;
        Ok(r)
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return refuse(&format!(
            "The password is too short: use at least {MIN_PASSWORD_CHARS} characters."
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return refuse(&format!(
            "The password is too long: at most {MAX_PASSWORD_BYTES} bytes."
        ));
    }
    if form.get("confirm") != Some(password) {
        return refuse("The two passwords differ: type the same one twice.");
    }
    let hash = hash_password(password.to_owned()).await?;
    let now = now_ms(&state);
    let Some(user) = state
        .campaigns
        .store()
        .set_password(&token_hash(token), &hash, now)
        .await?
    else {
        return refuse(
            "This link is unknown, used or expired: ask an admin for a new one (pledge-server user reset).",
        );
    };
    audit(&state, &user.email, "password.set", None, String::new()).await?;
    Ok(Redirect::to("/admin/login?password-set").into_response())
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("console.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("console.js"),
    )
}
