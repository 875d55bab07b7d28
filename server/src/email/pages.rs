//! The pages the email's links open: `GET /email/confirm/{token}`,
//! `GET /email/remove/{token}` and `GET /email/hide-name/{token}` show a page with one
//! button, and only its `POST` acts, so a mail scanner that fetches every link confirms,
//! removes and hides nothing. Both are idempotent:
//! a used confirm link says the signature was already confirmed; a removed signature's
//! links say they are no longer valid. Pages are in the signer's language.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, html};

use super::message::{Words, fill, words_for};
use super::token_hash;
use crate::state::AppState;
use crate::store::confirmation::{ConfirmationStore, Confirmed, TokenInfo, TokenPurpose};
use crate::store::erasure::{ErasureStore, WithdrawalReason};
use crate::store::public_name_link::{NameHidden, PublicNameLinkStore};

/// The two links' routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/email/confirm/{token}", get(show_confirm).post(do_confirm))
        .route("/email/remove/{token}", get(show_remove).post(do_remove))
        .route(
            "/email/hide-name/{token}",
            get(show_hide_name).post(do_hide_name),
        )
}

/// The stored hash of a well-formed token (64 hex digits); `None` for anything else.
fn hash_of(token: &str) -> Option<String> {
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| token_hash(&token.to_ascii_lowercase()))
}

async fn show_confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(info) = lookup(&state, &token, TokenPurpose::Confirm).await else {
        return unknown();
    };
    let w = words(&info);
    let now = now_ms(&state);
    if info.used {
        page(
            StatusCode::OK,
            w,
            &fill(w.page_already_confirmed, &info.campaign_title, ""),
            None,
        )
    } else if info.expires_at.is_some_and(|e| e <= now) {
        page(StatusCode::GONE, w, w.page_expired, None)
    } else {
        let button = w.confirm_button_label();
        page(
            StatusCode::OK,
            w,
            &fill(w.page_confirm, &info.campaign_title, ""),
            Some(button),
        )
    }
}

async fn do_confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(info) = lookup(&state, &token, TokenPurpose::Confirm).await else {
        return unknown();
    };
    let w = words(&info);
    let Some(hash) = hash_of(&token) else {
        return unknown();
    };
    let store = state.campaigns.store();
    match store.confirm(&hash, now_ms(&state)).await {
        Ok(Confirmed::Now { campaign_id, count }) => {
            if let Some(count) = count {
                state.campaigns.publish_by_id(campaign_id, count);
            }
            page(
                StatusCode::OK,
                w,
                &fill(w.page_confirmed, &info.campaign_title, ""),
                None,
            )
        }
        Ok(Confirmed::Already) => page(
            StatusCode::OK,
            w,
            &fill(w.page_already_confirmed, &info.campaign_title, ""),
            None,
        ),
        Ok(Confirmed::Expired) => page(StatusCode::GONE, w, w.page_expired, None),
        Ok(Confirmed::Unknown) => unknown(),
        Err(e) => failed(&e),
    }
}

async fn show_remove(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(info) = lookup(&state, &token, TokenPurpose::Remove).await else {
        return unknown();
    };
    let w = words(&info);
    page(
        StatusCode::OK,
        w,
        &fill(w.page_remove, &info.campaign_title, ""),
        Some(w.remove_button),
    )
}

async fn do_remove(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(info) = lookup(&state, &token, TokenPurpose::Remove).await else {
        return unknown();
    };
    let w = words(&info);
    let Some(hash) = hash_of(&token) else {
        return unknown();
    };
    let store = state.campaigns.store();
    let target = match store.removal_target(&hash).await {
        Ok(Some(t)) => t,
        Ok(None) => return unknown(),
        Err(e) => return failed(&e),
    };
    let (slug, email) = target;
    match store
        .withdraw_signatures(Some(&slug), &email, WithdrawalReason::Removed)
        .await
    {
        Ok(_) => {
            if let Err(e) = state.campaigns.reload(&slug).await {
                tracing::warn!(error = %e, "re-reading a campaign after a removal failed");
            }
            page(StatusCode::OK, w, w.page_removed, None)
        }
        Err(e) => failed(&e),
    }
}

async fn show_hide_name(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(info) = lookup(&state, &token, TokenPurpose::HideName).await else {
        return unknown();
    };
    let w = words(&info);
    if info.used {
        page(StatusCode::OK, w, w.page_name_already_hidden, None)
    } else {
        page(
            StatusCode::OK,
            w,
            &fill(w.page_hide_name, &info.campaign_title, ""),
            Some(w.hide_name_button),
        )
    }
}

async fn do_hide_name(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(info) = lookup(&state, &token, TokenPurpose::HideName).await else {
        return unknown();
    };
    let w = words(&info);
    let Some(hash) = hash_of(&token) else {
        return unknown();
    };
    // The wall's triggers take the name off every open wall (this instance's and others').
    match state
        .campaigns
        .store()
        .hide_name(&hash, now_ms(&state))
        .await
    {
        Ok(NameHidden::Now) => page(StatusCode::OK, w, w.page_name_hidden, None),
        Ok(NameHidden::Already) => page(StatusCode::OK, w, w.page_name_already_hidden, None),
        Ok(NameHidden::Unknown) => unknown(),
        Err(e) => failed(&e),
    }
}

async fn lookup(state: &AppState, token: &str, purpose: TokenPurpose) -> Option<TokenInfo> {
    let hash = hash_of(token)?;
    match state.campaigns.store().token(&hash, purpose).await {
        Ok(info) => info,
        Err(e) => {
            tracing::warn!(error = %e, "reading an email link's token failed");
            None
        }
    }
}

fn words(info: &TokenInfo) -> &'static Words {
    words_for(info.locale.as_deref())
}

fn now_ms(state: &AppState) -> i64 {
    i64::try_from(state.abuse.clock.unix_now_ms()).unwrap_or(i64::MAX)
}

fn unknown() -> Response {
    let w = words_for(None);
    page(StatusCode::NOT_FOUND, w, w.page_unknown, None)
}

fn failed(e: &crate::store::StoreError) -> Response {
    tracing::error!(error = %e, "an email link could not be followed");
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        "The server could not do this just now. Please try the link again in a minute.",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}

/// A small page: the message and, when there is something to do, one button that posts to
/// the same address. Never cached or indexed; no referrer leaves with the token.
fn page(status: StatusCode, w: &Words, message: &str, button: Option<&str>) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang=(w.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (message) }
            }
            body {
                main {
                    p { (message) }
                    @if let Some(label) = button {
                        form method="post" { button type="submit" { (label) } }
                    }
                }
            }
        }
    };
    let mut response = (status, markup).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; form-action 'self'; frame-ancestors 'none'"),
    );
    response
}
