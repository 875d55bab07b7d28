//! For operators: `/healthz` (the process answers), `/readyz` (the database answers and has
//! this version's schema) and `/metrics` (Prometheus text, see [`crate::metrics`]).

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use crate::metrics::{DatabaseGauges, Gauges};
use crate::state::AppState;
use crate::store::Store;

/// `GET /healthz`: 200 while the process serves requests; it reads nothing.
pub async fn healthz() -> Response {
    no_store(Json(json!({"status": "ok"})).into_response())
}

/// `GET /readyz`: 200 when the database answers and its migrations are this version's,
/// else `503 not_ready`.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let ready = state
        .campaigns
        .store()
        .migration_state()
        .await
        .map(|s| s.is_current());
    let response = match ready {
        Ok(true) => Json(json!({"status": "ready"})).into_response(),
        Ok(false) => ApiError::NotReady.into_response(),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "readiness: database did not answer");
            ApiError::NotReady.into_response()
        }
    };
    no_store(response)
}

/// `GET /metrics`: the Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let started = Instant::now();
    let database = match state.campaigns.store().signature_totals().await {
        Ok((signed, held)) => Some(DatabaseGauges {
            signed,
            held,
            query_time: started.elapsed(),
        }),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: database did not answer");
            None
        }
    };
    let text = state.metrics.render(Gauges {
        sse_streams: state.abuse.streams.open_total(),
        database,
    });
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    no_store(response)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
