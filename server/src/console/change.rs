//! A change made in the console, checked before its handler runs.
//!
//! Every `POST` under `/admin/campaigns/…` and the supporter routes takes [`Change`] (any
//! signed-in organiser: moderators moderate) or [`AdminChange`] (admins only) instead of the
//! session and the form separately. The extractor signs the organiser in, reads the form and
//! refuses it without this session's CSRF token, so a new route cannot forget the check;
//! [`done_at`] sends the organiser back to a page that says what happened.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::Organiser;
use super::{ConsoleError, FormFields};
use crate::state::AppState;

/// A form posted by a signed-in organiser, with this session's CSRF token checked.
#[derive(Debug)]
pub struct Change {
    pub who: Organiser,
    pub form: FormFields,
}

/// A [`Change`] only an admin may make (campaign settings, content, origins, deliveries,
/// supporters' data).
#[derive(Debug)]
pub struct AdminChange {
    pub who: Organiser,
    pub form: FormFields,
}

impl FromRequest<AppState> for Change {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ConsoleError> {
        let (mut parts, body) = request.into_parts();
        // Signed out comes first: a stale tab is sent to sign in, not told about its form.
        let who = Organiser::from_request_parts(&mut parts, state).await?;
        let form = FormFields::from_request(Request::from_parts(parts, body), state).await?;
        who.check_csrf(form.get("csrf"))?;
        Ok(Self { who, form })
    }
}

impl FromRequest<AppState> for AdminChange {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ConsoleError> {
        let Change { who, form } = Change::from_request(request, state).await?;
        who.require_admin()?;
        Ok(Self { who, form })
    }
}

/// A redirect (303) to `path` whose page shows `message` as what was done.
pub fn done_at(path: &str, message: &str) -> Response {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("done", message)
        .finish();
    let separator = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{separator}{query}")).into_response()
}
