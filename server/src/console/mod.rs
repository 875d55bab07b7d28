//! The organiser console at `/admin` (issue 15): server-rendered HTML pages (maud) from the
//! same binary, forms that POST and work without JavaScript, one small same-origin script
//! for the live count, charts drawn as inline SVG on the server.
//!
//! - [`auth`]: passwords, tokens, the session cookie, [`auth::Organiser`], CSRF, the
//!   cross-site guard; [`change`]: the extractors every change goes through (session, form,
//!   CSRF, role checked before the handler runs).
//! - [`routes`]: the router and the sign-in, sign-out and set-password handlers.
//! - [`dashboard`]: the campaigns list, a campaign's numbers, partners and embed builder.
//! - [`moderation`]: held signatures and the signer wall.
//! - [`create`]: a new campaign from a form (admin); [`content`]: its fields and
//!   translations; both through [`field_rows`] and [`controls`] (controls that keep what
//!   was typed and say per field why a form was refused).
//! - [`settings`]: a campaign's edit, state (open, closed, archived) and allowed origins,
//!   through the lifecycle's store methods.
//! - [`supporters`]: look-up, JSON export and erasure of a supporter; CSV of a campaign;
//!   the audit log.
//! - [`layout`] and [`charts`]: the page frame and the SVG bar charts.
//! - [`cli`]: `pledge-server user add|list|remove|reset`.

pub mod auth;
mod builder;
mod change;
mod charts;
pub mod cli;
mod confirmation;
mod content;
mod controls;
mod create;
mod dashboard;
mod deliveries;
mod field_rows;
mod layout;
mod moderation;
mod parked_emails;
pub mod refused;
pub mod routes;
mod settings;
mod supporters;

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::abuse::rate_limit::FixedWindow;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::console::{AuditEntry, ConsoleStore};

pub use routes::router;

/// Sign-in attempts allowed per account in [`SIGN_IN_WINDOW`].
pub const SIGN_IN_PER_ACCOUNT: u32 = 5;
/// Sign-in attempts allowed per client network in [`SIGN_IN_WINDOW`] (an office shares one).
pub const SIGN_IN_PER_NETWORK: u32 = 20;
pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The console's in-memory state, per instance: sign-in attempt windows (on several
/// instances an attacker gets at most this many tries per instance) and the origins CORS
/// refused.
#[derive(Debug)]
pub struct ConsoleState {
    per_account: FixedWindow<String>,
    per_network: FixedWindow<IpAddr>,
    pub refused_origins: refused::RefusedOrigins,
}

impl Default for ConsoleState {
    fn default() -> Self {
        Self {
            per_account: FixedWindow::new(SIGN_IN_PER_ACCOUNT, SIGN_IN_WINDOW),
            per_network: FixedWindow::new(SIGN_IN_PER_NETWORK, SIGN_IN_WINDOW),
            refused_origins: refused::RefusedOrigins::default(),
        }
    }
}

impl ConsoleState {
    /// Takes one sign-in attempt for this account and network; `Err(seconds to wait)`
    /// when either used up its window.
    pub fn attempt(
        &self,
        state: &AppState,
        email: &str,
        network: Option<IpAddr>,
    ) -> Result<(), u64> {
        let now = state.abuse.clock.now();
        let by_network = network.map_or(Ok(()), |n| self.per_network.check(n, now));
        let by_account = self.per_account.check(email.to_owned(), now);
        by_network.and(by_account)
    }
}

/// Milliseconds since the epoch by the abuse clock (which tests may move).
pub(crate) fn now_ms(state: &AppState) -> i64 {
    i64::try_from(state.abuse.clock.unix_now_ms()).unwrap_or(i64::MAX)
}

/// Writes an audit line; a failure to write it fails the action's answer (the change is
/// done, but the organiser hears that the log missed it).
pub(crate) async fn audit(
    state: &AppState,
    actor: &str,
    action: &str,
    campaign: Option<&str>,
    detail: String,
) -> Result<(), ConsoleError> {
    let entry = AuditEntry {
        at: now_ms(state),
        actor: actor.to_owned(),
        action: action.to_owned(),
        campaign: campaign.map(str::to_owned),
        detail,
    };
    state.campaigns.store().audit(&entry).await?;
    // The account is in the audit log; server logs carry no email addresses.
    tracing::info!(action, campaign, "console action");
    Ok(())
}

/// Why a console request failed, as an HTML page with the right status.
#[derive(Debug)]
pub enum ConsoleError {
    /// No live session: pages send the browser to sign in, changes get 401.
    SignedOut,
    /// Signed in, but not allowed (role, CSRF).
    Forbidden(&'static str),
    /// A cross-site request to `/admin`.
    CrossSite,
    BadRequest(String),
    NotFound(String),
    TooManyAttempts {
        retry_after_secs: u64,
    },
    Store(StoreError),
    Internal(String),
}

impl From<StoreError> for ConsoleError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, title, text) = match self {
            Self::SignedOut => {
                return (
                    StatusCode::SEE_OTHER,
                    [(header::LOCATION, "/admin/login")],
                    "sign in at /admin/login",
                )
                    .into_response();
            }
            Self::Forbidden(why) => (StatusCode::FORBIDDEN, "Not allowed", why.to_owned()),
            Self::CrossSite => (
                StatusCode::FORBIDDEN,
                "Refused",
                "The console answers only its own pages: this request came from another site."
                    .to_owned(),
            ),
            Self::BadRequest(why) => (StatusCode::BAD_REQUEST, "Not done", why),
            Self::NotFound(what) => (StatusCode::NOT_FOUND, "Not found", what),
            Self::TooManyAttempts { retry_after_secs } => {
                let minutes = retry_after_secs.div_ceil(60);
                let mut response = layout::bare(
                    "Too many attempts",
                    &format!("Too many sign-in attempts. Try again in {minutes} minute(s)."),
                )
                .into_response();
                *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return response;
            }
            Self::Store(e) => {
                tracing::error!(error = %e, "console: store failed");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Unavailable",
                    "The database did not answer; nothing was changed. Try again.".to_owned(),
                )
            }
            Self::Internal(e) => {
                tracing::error!(error = %e, "console: internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Error",
                    "Something went wrong; nothing was changed.".to_owned(),
                )
            }
        };
        let mut response = layout::bare(title, &text).into_response();
        *response.status_mut() = status;
        response
    }
}

/// A form body's fields in order, repeated names kept (bulk actions send one `id` per
/// ticked box). Bodies that are not `application/x-www-form-urlencoded` are refused.
#[derive(Debug, Default)]
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ConsoleError> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(ConsoleError::BadRequest(
                "Send the form as application/x-www-form-urlencoded.".to_owned(),
            ));
        }
        let body = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| ConsoleError::BadRequest(format!("The form could not be read: {e}")))?;
        Ok(Self(
            url::form_urlencoded::parse(&body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}
