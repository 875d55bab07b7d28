//! The email outbox seen by the operator ([`EmailOutboxStore`]): emails by state (the
//! parked ones, which failed for their whole retry window, first of all), resending parked
//! ones, and pruning sent ones after a while. `email list|resend` and the console's
//! Deliveries page use it; the email worker prunes.

use std::future::Future;

use sqlx::Row;

use super::{PostgresStore, SignatureStore, SqliteStore, StoreResult};

/// Which emails: all filters apply together; empty = any.
#[derive(Debug, Clone, Default)]
pub struct EmailFilter {
    pub campaign_slug: Option<String>,
    /// `pending`, `sent` or `parked`.
    pub state: Option<String>,
    pub ids: Vec<i64>,
}

/// One email of the outbox. Its recipient is not here: an operator needs the why, and the
/// address is the supporter's (`supporter export` shows it to whoever may see it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEmail {
    pub id: i64,
    pub campaign_slug: String,
    /// `confirm`, `reminder` or `repeat`.
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// Unix ms of the first failure, if it failed.
    pub first_failed_at: Option<i64>,
}

pub trait EmailOutboxStore: Send + Sync {
    /// Emails matching `filter`, oldest first, at most `limit`.
    fn outbox_emails(
        &self,
        filter: &EmailFilter,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<OutboxEmail>>> + Send;

    /// Puts the parked emails matching `filter` back in line (sent within seconds, with a
    /// fresh retry window); returns how many.
    fn resend_emails(&self, filter: &EmailFilter) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Deletes emails sent before `before_ms` whose signature no longer awaits
    /// confirmation (reminders count the emails of a signature still waiting); returns how
    /// many.
    fn prune_sent_emails(&self, before_ms: i64) -> impl Future<Output = StoreResult<u64>> + Send;
}

fn from_sqlite_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<OutboxEmail> {
    Ok(OutboxEmail {
        id: r.try_get(0)?,
        campaign_slug: r.try_get(1)?,
        kind: r.try_get(2)?,
        state: r.try_get(3)?,
        attempts: r.try_get(4)?,
        last_error: r.try_get(5)?,
        first_failed_at: r.try_get(6)?,
    })
}

impl EmailOutboxStore for SqliteStore {
    async fn outbox_emails(&self, f: &EmailFilter, limit: u32) -> StoreResult<Vec<OutboxEmail>> {
        let rows = sqlx::query(
            "SELECT o.id, c.slug, o.kind, o.state, o.attempts, o.last_error, o.first_failed_at
             FROM email_outbox o JOIN signatures s ON s.id = o.signature_id
             JOIN campaigns c ON c.id = s.campaign_id
             WHERE (?1 IS NULL OR c.slug = ?1) AND (?2 IS NULL OR o.state = ?2)
               AND (?3 = '[]' OR o.id IN (SELECT value FROM json_each(?3)))
             ORDER BY o.id LIMIT ?4",
        )
        .bind(f.campaign_slug.as_deref())
        .bind(f.state.as_deref())
        .bind(serde_json::json!(f.ids).to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_sqlite_row).collect()
    }

    async fn resend_emails(&self, f: &EmailFilter) -> StoreResult<u64> {
        let _writer = self.write_gate.lock().await;
        let done = sqlx::query(
            "UPDATE email_outbox SET state = 'pending', attempts = 0, next_attempt_at = 0,
                 first_failed_at = NULL, last_error = NULL, lease_owner = NULL, lease_until = NULL
             WHERE state = 'parked' AND id IN (
                 SELECT o.id FROM email_outbox o JOIN signatures s ON s.id = o.signature_id
                 JOIN campaigns c ON c.id = s.campaign_id
                 WHERE (?1 IS NULL OR c.slug = ?1)
                   AND (?2 = '[]' OR o.id IN (SELECT value FROM json_each(?2))))",
        )
        .bind(f.campaign_slug.as_deref())
        .bind(serde_json::json!(f.ids).to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn prune_sent_emails(&self, before_ms: i64) -> StoreResult<u64> {
        let _writer = self.write_gate.lock().await;
        let done = sqlx::query(
            "DELETE FROM email_outbox WHERE state = 'sent' AND sent_at < ?
               AND signature_id IN (SELECT id FROM signatures WHERE awaiting_confirmation IS NULL)",
        )
        .bind(before_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

impl EmailOutboxStore for PostgresStore {
    async fn outbox_emails(&self, f: &EmailFilter, limit: u32) -> StoreResult<Vec<OutboxEmail>> {
        let rows = sqlx::query(
            "SELECT o.id, c.slug, o.kind, o.state, o.attempts, o.last_error, o.first_failed_at
             FROM email_outbox o JOIN signatures s ON s.id = o.signature_id
             JOIN campaigns c ON c.id = s.campaign_id
             WHERE ($1::TEXT IS NULL OR c.slug = $1) AND ($2::TEXT IS NULL OR o.state = $2)
               AND (cardinality($3::BIGINT[]) = 0 OR o.id = ANY($3))
             ORDER BY o.id LIMIT $4",
        )
        .bind(f.campaign_slug.as_deref())
        .bind(f.state.as_deref())
        .bind(&f.ids)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxEmail {
                    id: r.try_get(0)?,
                    campaign_slug: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    state: r.try_get(3)?,
                    attempts: i64::from(r.try_get::<i32, _>(4)?),
                    last_error: r.try_get(5)?,
                    first_failed_at: r.try_get(6)?,
                })
            })
            .collect()
    }

    async fn resend_emails(&self, f: &EmailFilter) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE email_outbox o SET state = 'pending', attempts = 0, next_attempt_at = 0,
                 first_failed_at = NULL, last_error = NULL, lease_owner = NULL, lease_until = NULL
             FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
             WHERE s.id = o.signature_id AND o.state = 'parked'
               AND ($1::TEXT IS NULL OR c.slug = $1)
               AND (cardinality($2::BIGINT[]) = 0 OR o.id = ANY($2))",
        )
        .bind(f.campaign_slug.as_deref())
        .bind(&f.ids)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn prune_sent_emails(&self, before_ms: i64) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM email_outbox o USING signatures s
             WHERE s.id = o.signature_id AND o.state = 'sent' AND o.sent_at < $1
               AND s.awaiting_confirmation IS NULL",
        )
        .bind(before_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

impl EmailOutboxStore for SignatureStore {
    async fn outbox_emails(&self, f: &EmailFilter, limit: u32) -> StoreResult<Vec<OutboxEmail>> {
        match self {
            Self::Sqlite(s) => s.outbox_emails(f, limit).await,
            Self::Postgres(s) => s.outbox_emails(f, limit).await,
        }
    }
    async fn resend_emails(&self, f: &EmailFilter) -> StoreResult<u64> {
        match self {
            Self::Sqlite(s) => s.resend_emails(f).await,
            Self::Postgres(s) => s.resend_emails(f).await,
        }
    }
    async fn prune_sent_emails(&self, before_ms: i64) -> StoreResult<u64> {
        match self {
            Self::Sqlite(s) => s.prune_sent_emails(before_ms).await,
            Self::Postgres(s) => s.prune_sent_emails(before_ms).await,
        }
    }
}
