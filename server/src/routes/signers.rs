//! `GET …/signers`: one page of the public signer wall, read from memory, with an `ETag`
//! of its content (so every instance gives one page one tag) and a few seconds of caching.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::campaigns::if_none_match;
use crate::domain::public_text;
use crate::error::ApiError;
use crate::extract::CampaignFromPath;
use crate::state::AppState;
use crate::wall::{PublicEntry, SortKey};

/// Entries per page unless `limit` says otherwise, and the most it may say.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// The longest `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// The page as sent.
#[derive(Debug, Serialize)]
struct SignersPage<'a> {
    signers: Vec<&'a PublicEntry>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    next_cursor: Option<String>,
    /// Entries on the whole wall (matching `q`, if given).
    total: usize,
}

/// What the query string asks for, checked.
#[derive(Debug)]
struct PageRequest {
    after: Option<SortKey>,
    limit: usize,
    query: Option<String>,
}

impl PageRequest {
    /// Unknown parameters are ignored (cache busters); each bad one is named in a 422.
    fn parse(raw: &HashMap<String, String>) -> Result<Self, ApiError> {
        let mut errors = std::collections::BTreeMap::new();
        let after = match raw.get("cursor").map(String::as_str) {
            None | Some("") => None,
            Some(c) => SortKey::from_cursor(c).or_else(|| {
                errors.insert(
                    "cursor".to_owned(),
                    "Not a cursor this server gave; start from the first page.".to_owned(),
                );
                None
            }),
        };
        let limit = match raw.get("limit").map(String::as_str) {
            None | Some("") => DEFAULT_LIMIT,
            Some(l) => match l.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors.insert(
                        "limit".to_owned(),
                        format!("Use a whole number from 1 to {MAX_LIMIT}."),
                    );
                    DEFAULT_LIMIT
                }
            },
        };
        // `q` is matched against what the wall shows, so it is cleaned the same way.
        let query = raw
            .get("q")
            .map(|q| public_text(q).to_lowercase())
            .filter(|q| !q.is_empty());
        if query
            .as_ref()
            .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
        {
            errors.insert(
                "q".to_owned(),
                format!("Use at most {MAX_QUERY_CHARS} characters."),
            );
        }
        if errors.is_empty() {
            Ok(Self {
                after,
                limit,
                query,
            })
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    CampaignFromPath(live): CampaignFromPath,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(raw) = query.map_err(|_| {
        ApiError::Validation(
            [(
                "query".to_owned(),
                "The query string could not be read.".to_owned(),
            )]
            .into(),
        )
    })?;
    let request = PageRequest::parse(&raw)?;
    let wall = state
        .walls
        .wall(live.campaign.id, &live.campaign.slug)
        .await?;
    let page = wall
        .page(request.after, request.limit, request.query.as_deref())
        .ok_or(ApiError::WallOff)?;
    let body = serde_json::to_vec(&SignersPage {
        signers: page.entries.iter().map(AsRef::as_ref).collect(),
        next_cursor: page.next.map(SortKey::to_cursor),
        total: page.total,
    })
    .map_err(|e| ApiError::Internal(format!("serialising a page: {e}")))?;
    // The tag is the content's: equal pages from any instance, any time, share it.
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..20]);
    let mut response = if if_none_match(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=5"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(response)
}
