//! `ApiError`: every failure the API reports, with the stable codes of docs/api.md.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One variant per public error code. Internal details are logged, never sent.
#[derive(Debug)]
pub enum ApiError {
    MalformedJson(String),
    MissingIdempotencyKey,
    InvalidIdempotencyKey,
    CampaignNotFound,
    /// The campaign is closed: it takes no more signatures (its document and count stay).
    CampaignClosed,
    /// The campaign was archived: nothing of it is served any more.
    CampaignArchived,
    /// The campaign shows no public names (`public_names: off`).
    WallOff,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    /// The body was still arriving at `--body-timeout`.
    BodyTimeout,
    UnsupportedMediaType,
    Validation(BTreeMap<String, String>),
    IdempotencyKeyReused,
    RateLimited {
        retry_after_secs: u64,
    },
    /// A bot trap fired (the honeypot). The message does not say which, on purpose.
    Rejected,
    ProofRequired,
    ProofInvalid,
    ProofExpired,
    ProofReplayed,
    /// The campaign asks for no proof, so it issues no challenges.
    ProofNotRequired,
    /// Posted sooner than the campaign's minimum fill time after the challenge was issued.
    TooFast {
        retry_after_secs: u64,
    },
    /// Past the SSE caps; the widget polls `/count` instead.
    TooManyStreams {
        retry_after_secs: u64,
    },
    /// `/readyz`: the database does not answer, or its schema is not this version's.
    NotReady,
    /// The database did not answer (restarting, unreachable, pool exhausted). Nothing was
    /// stored; the client sends the same request again after `Retry-After`.
    Unavailable(String),
    Internal(String),
}

/// Seconds a client waits before retrying while the database is away: long enough for a
/// PostgreSQL restart or failover, short enough that a supporter's signature is not held long.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

/// The error code of an error response (the contract's), also left in the response's
/// extensions for the metrics.
pub use pledge_contract::ErrorCode;

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a BTreeMap<String, String>>,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_) | Self::MissingIdempotencyKey | Self::InvalidIdempotencyKey => {
                StatusCode::BAD_REQUEST
            }
            Self::CampaignNotFound | Self::NotFound | Self::ProofNotRequired | Self::WallOff => {
                StatusCode::NOT_FOUND
            }
            Self::CampaignClosed | Self::CampaignArchived => StatusCode::GONE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_)
            | Self::IdempotencyKeyReused
            | Self::Rejected
            | Self::ProofRequired
            | Self::ProofInvalid
            | Self::ProofExpired
            | Self::ProofReplayed => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } | Self::TooFast { .. } | Self::TooManyStreams { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::NotReady | Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::MalformedJson(_) => ErrorCode::MalformedJson,
            Self::MissingIdempotencyKey => ErrorCode::MissingIdempotencyKey,
            Self::InvalidIdempotencyKey => ErrorCode::InvalidIdempotencyKey,
            Self::CampaignNotFound => ErrorCode::CampaignNotFound,
            Self::CampaignClosed => ErrorCode::CampaignClosed,
            Self::CampaignArchived => ErrorCode::CampaignArchived,
            Self::WallOff => ErrorCode::WallOff,
            Self::NotFound => ErrorCode::NotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Self::BodyTimeout => ErrorCode::RequestTimeout,
            Self::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Self::Validation(_) => ErrorCode::Validation,
            Self::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Rejected => ErrorCode::Rejected,
            Self::ProofRequired => ErrorCode::ProofRequired,
            Self::ProofInvalid => ErrorCode::ProofInvalid,
            Self::ProofExpired => ErrorCode::ProofExpired,
            Self::ProofReplayed => ErrorCode::ProofReplayed,
            Self::ProofNotRequired => ErrorCode::ProofNotRequired,
            Self::TooFast { .. } => ErrorCode::TooFast,
            Self::TooManyStreams { .. } => ErrorCode::TooManyStreams,
            Self::NotReady => ErrorCode::NotReady,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    fn message(&self) -> &str {
        match self {
            Self::MalformedJson(detail) => detail,
            Self::MissingIdempotencyKey => {
                "Send an Idempotency-Key header so retries are counted once."
            }
            Self::InvalidIdempotencyKey => {
                "The Idempotency-Key header must be 8-128 characters of A-Z, a-z, 0-9, _ and -."
            }
            Self::CampaignNotFound => "There is no campaign with this name.",
            Self::CampaignClosed => "This pledge is closed and takes no more signatures.",
            Self::CampaignArchived => "This pledge has ended and was archived.",
            Self::WallOff => "This campaign shows no public names.",
            Self::NotFound => "Nothing is here.",
            Self::MethodNotAllowed => "This address does not accept that method.",
            Self::PayloadTooLarge => "The request body is larger than 16 KiB.",
            Self::BodyTimeout => "The request body took too long to arrive; send it again.",
            Self::UnsupportedMediaType => "Send the body as Content-Type: application/json.",
            Self::Validation(_) => "Some fields need attention.",
            Self::IdempotencyKeyReused => {
                "This Idempotency-Key was already used for a different signature."
            }
            Self::RateLimited { .. } => "Too many signatures right now; try again shortly.",
            Self::Rejected => "This signature could not be accepted.",
            Self::ProofRequired => {
                "This campaign needs a solved challenge (proof) with each signature."
            }
            Self::ProofInvalid => "The proof does not match its challenge.",
            Self::ProofExpired => "The challenge expired; fetch a new one and send again.",
            Self::ProofReplayed => "This challenge was already used; fetch a new one.",
            Self::ProofNotRequired => "This campaign does not ask for a proof of work.",
            Self::TooFast { .. } => {
                "Sent too quickly; it will be accepted after Retry-After seconds."
            }
            Self::TooManyStreams { .. } => {
                "Too many live connections; poll the count instead, or retry later."
            }
            Self::NotReady => "Not ready: the database is unreachable or not migrated.",
            Self::Unavailable(_) => {
                "The database is briefly unavailable; nothing was saved. Send the same request again after Retry-After seconds."
            }
            Self::Internal(_) => "Something went wrong on our side; please try again.",
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Unavailable(detail) => Self::Unavailable(detail),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            // The detail may mention SQL, never personal data: queries bind values.
            tracing::error!(%detail, "internal error");
        }
        if let Self::Unavailable(detail) = &self {
            tracing::warn!(%detail, "database unavailable: answered 503");
        }
        let body = ErrorBody {
            error: self.code().as_str(),
            message: self.message(),
            fields: match &self {
                Self::Validation(f) => Some(f),
                _ => None,
            },
        };
        let mut response = (self.status(), Json(body)).into_response();
        response.extensions_mut().insert(self.code());
        if matches!(self, Self::BodyTimeout) {
            // The rest of the body may still trickle in: this connection is done.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if matches!(self, Self::Unavailable(_)) {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS),
            );
        }
        if let Self::RateLimited { retry_after_secs }
        | Self::TooFast { retry_after_secs }
        | Self::TooManyStreams { retry_after_secs } = self
        {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        response
    }
}
