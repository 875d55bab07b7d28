//! Everything stored about one supporter, for `supporter export` (the right of access):
//! their signatures across campaigns with the wall's decision on them, and the deliveries
//! of events that carried their data. [`SupporterDataStore`] for both stores; the same
//! columns in the same order from each.

use std::future::Future;

use serde_json::{Map, Value};
use sqlx::Row;

use super::{PostgresStore, SignatureStore, SqliteStore, StoreResult, from_json};

/// One signature of the supporter, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSignature {
    pub campaign_slug: String,
    pub campaign_title: String,
    /// `signed` or `held`.
    pub status: String,
    pub name: String,
    /// As typed (the normalised form is only for the one-per-email rule).
    pub email: String,
    pub fields: Map<String, Value>,
    pub public: bool,
    pub locale: Option<String>,
    pub source_url: Option<String>,
    pub consent_text: String,
    pub consent_lang: Option<String>,
    pub consent_version: Option<String>,
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), like every time here.
    pub consent_at: String,
    pub signed_at: String,
    /// The wall's decision (`pending`, `approved`, `hidden`) and featured rank.
    pub wall_state: String,
    pub featured: Option<i64>,
    /// A keyed hash of their network was stored (for the abuse controls).
    pub network_hash_stored: bool,
    pub deliveries: Vec<StoredDelivery>,
}

/// One event about the signature, sent (or to be sent) to one of the organisers' tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDelivery {
    /// `signature.created`, …
    pub event_type: String,
    /// The id receivers saw.
    pub event_id: String,
    pub created_at: String,
    /// `webhook` or `osdi`, and where it goes.
    pub target_kind: String,
    pub target_url: String,
    /// `pending`, `delivered` or `parked`.
    pub state: String,
    pub attempts: i64,
}

pub trait SupporterDataStore: Send + Sync {
    /// The signatures with this normalised email, oldest first, each with its deliveries.
    fn supporter_data(
        &self,
        email_normalised: &str,
    ) -> impl Future<Output = StoreResult<Vec<StoredSignature>>> + Send;
}

/// Columns 0-15 of both stores' signature query, then the signature's id (16).
fn signature_from(r: &impl SignatureRow) -> StoreResult<StoredSignature> {
    Ok(StoredSignature {
        campaign_slug: r.text(0)?,
        campaign_title: r.text(1)?,
        status: r.text(2)?,
        name: r.text(3)?,
        email: r.text(4)?,
        fields: from_json(&r.text(5)?)?,
        public: r.flag(6)?,
        locale: r.maybe_text(7)?,
        source_url: r.maybe_text(8)?,
        consent_text: r.text(9)?,
        consent_lang: r.maybe_text(10)?,
        consent_version: r.maybe_text(11)?,
        consent_at: r.text(12)?,
        signed_at: r.text(13)?,
        wall_state: r.text(14)?,
        featured: r.maybe_int(15)?,
        network_hash_stored: r.flag(17)?,
        deliveries: Vec::new(),
    })
}

fn delivery_from(r: &impl SignatureRow) -> StoreResult<StoredDelivery> {
    Ok(StoredDelivery {
        event_type: r.text(0)?,
        event_id: r.text(1)?,
        created_at: r.text(2)?,
        target_kind: r.text(3)?,
        target_url: r.text(4)?,
        state: r.text(5)?,
        attempts: r.maybe_int(6)?.unwrap_or(0),
    })
}

/// The few typed reads both drivers' rows need here.
trait SignatureRow {
    fn text(&self, i: usize) -> StoreResult<String>;
    fn maybe_text(&self, i: usize) -> StoreResult<Option<String>>;
    fn maybe_int(&self, i: usize) -> StoreResult<Option<i64>>;
    fn flag(&self, i: usize) -> StoreResult<bool>;
}

macro_rules! row_reads {
    ($row:ty) => {
        impl SignatureRow for $row {
            fn text(&self, i: usize) -> StoreResult<String> {
                Ok(self.try_get(i)?)
            }
            fn maybe_text(&self, i: usize) -> StoreResult<Option<String>> {
                Ok(self.try_get(i)?)
            }
            fn maybe_int(&self, i: usize) -> StoreResult<Option<i64>> {
                Ok(self.try_get(i)?)
            }
            fn flag(&self, i: usize) -> StoreResult<bool> {
                Ok(self.try_get(i)?)
            }
        }
    };
}
row_reads!(sqlx::sqlite::SqliteRow);
row_reads!(sqlx::postgres::PgRow);

impl SupporterDataStore for SqliteStore {
    async fn supporter_data(&self, email: &str) -> StoreResult<Vec<StoredSignature>> {
        let rows = sqlx::query(
            "SELECT c.slug, c.title, s.status, s.name, s.email, s.fields_json, s.public, s.locale,
                    s.source_url, s.consent_text, s.consent_lang, s.consent_version, s.consent_at,
                    s.signed_at, s.wall_state, s.featured, s.id, s.network_hash IS NOT NULL
             FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
             WHERE s.email_normalised = ? ORDER BY s.id",
        )
        .bind(email)
        .fetch_all(&self.pool)
        .await?;
        let mut found = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut s = signature_from(r)?;
            let id: i64 = r.try_get(16)?;
            let deliveries = sqlx::query(
                "SELECT e.type, e.public_id, e.created_at, t.kind, t.url, d.state, d.attempts
                 FROM outbox_events e
                 JOIN deliveries d ON d.event_id = e.id
                 JOIN delivery_targets t ON t.id = d.target_id
                 WHERE e.signature_id = ? AND e.campaign_id = (SELECT campaign_id FROM signatures WHERE id = ?)
                 ORDER BY e.id, t.id",
            )
            .bind(id)
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            s.deliveries = deliveries
                .iter()
                .map(delivery_from)
                .collect::<StoreResult<_>>()?;
            found.push(s);
        }
        Ok(found)
    }
}

impl SupporterDataStore for PostgresStore {
    async fn supporter_data(&self, email: &str) -> StoreResult<Vec<StoredSignature>> {
        let rows = sqlx::query(
            "SELECT c.slug, c.title, s.status, s.name, s.email, s.fields_json, s.public, s.locale,
                    s.source_url, s.consent_text, s.consent_lang, s.consent_version,
                    to_char(s.consent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
                    to_char(s.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
                    s.wall_state, s.featured, s.id, s.network_hash IS NOT NULL
             FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
             WHERE s.email_normalised = $1 ORDER BY s.id",
        )
        .bind(email)
        .fetch_all(&self.pool)
        .await?;
        let mut found = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut s = signature_from(r)?;
            let id: i64 = r.try_get(16)?;
            let deliveries = sqlx::query(
                "SELECT e.type, e.public_id, e.created_at, t.kind, t.url, d.state, d.attempts::BIGINT
                 FROM outbox_events e
                 JOIN deliveries d ON d.event_id = e.id
                 JOIN delivery_targets t ON t.id = d.target_id
                 WHERE e.signature_id = $1 AND e.campaign_id = (SELECT campaign_id FROM signatures WHERE id = $1)
                 ORDER BY e.id, t.id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            s.deliveries = deliveries
                .iter()
                .map(delivery_from)
                .collect::<StoreResult<_>>()?;
            found.push(s);
        }
        Ok(found)
    }
}

impl SupporterDataStore for SignatureStore {
    async fn supporter_data(&self, email: &str) -> StoreResult<Vec<StoredSignature>> {
        match self {
            Self::Sqlite(s) => s.supporter_data(email).await,
            Self::Postgres(s) => s.supporter_data(email).await,
        }
    }
}
