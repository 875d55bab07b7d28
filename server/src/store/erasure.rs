//! A supporter's erasure ([`ErasureStore`]): their signatures deleted, counts lowered, and
//! the outbox's copies of their data blanked, in one transaction. The signature triggers
//! write `signature.withdrawn` (with the email, so receivers can find the person, and the
//! [`WithdrawalReason`]) for each signature removed that had a `signature.created`.

use std::future::Future;

use sqlx::Row;

use super::postgres::COUNTS_CHANNEL;
use super::{PostgresStore, SignatureStore, SqliteStore, StoreResult};

/// One signature erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub campaign_slug: String,
    /// It counted (`signed`); a held one did not.
    pub counted: bool,
}

/// Why a signature is withdrawn: the `reason` of its `signature.withdrawn` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawalReason {
    /// The signer followed the email's remove link.
    Removed,
    /// An erasure (`supporter erase`, the console).
    Erased,
    /// The signer's address bounced: nobody reads it.
    Bounced,
}

impl WithdrawalReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Removed => "removed",
            Self::Erased => "erased",
            Self::Bounced => "bounced",
        }
    }
}

pub trait ErasureStore: Send + Sync {
    /// Erases the signatures with this normalised email: of one campaign, or of all.
    fn erase(
        &self,
        campaign_slug: Option<&str>,
        email_normalised: &str,
    ) -> impl Future<Output = StoreResult<Vec<Erased>>> + Send {
        self.withdraw_signatures(campaign_slug, email_normalised, WithdrawalReason::Erased)
    }

    /// As [`ErasureStore::erase`], saying why in the `signature.withdrawn` events.
    fn withdraw_signatures(
        &self,
        campaign_slug: Option<&str>,
        email_normalised: &str,
        reason: WithdrawalReason,
    ) -> impl Future<Output = StoreResult<Vec<Erased>>> + Send;
}

impl ErasureStore for SqliteStore {
    async fn withdraw_signatures(
        &self,
        campaign_slug: Option<&str>,
        email: &str,
        reason: WithdrawalReason,
    ) -> StoreResult<Vec<Erased>> {
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let rows = sqlx::query(
            "SELECT s.id, s.campaign_id, c.slug, s.status FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
             WHERE s.email_normalised = ?1 AND (?2 IS NULL OR c.slug = ?2) ORDER BY s.id",
        )
        .bind(email)
        .bind(campaign_slug)
        .fetch_all(&mut *tx)
        .await?;
        let mut erased = Vec::new();
        for r in &rows {
            let (id, campaign_id): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            let counted = r.try_get::<String, _>(3)? == "signed";
            sqlx::query(
                "UPDATE outbox_events SET data_json = json_object('signature_id', signature_id, 'erased', json('true'))
                 WHERE campaign_id = ? AND signature_id = ?",
            )
            .bind(campaign_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            // The withdrawn event's trigger reads why from the row it deletes.
            sqlx::query("UPDATE signatures SET withdrawal_reason = ? WHERE id = ?")
                .bind(reason.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM signatures WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if counted {
                sqlx::query(
                    "UPDATE campaigns SET signature_count = signature_count - 1 WHERE id = ?",
                )
                .bind(campaign_id)
                .execute(&mut *tx)
                .await?;
            }
            erased.push(Erased {
                campaign_slug: r.try_get(2)?,
                counted,
            });
        }
        tx.commit().await?;
        Ok(erased)
    }
}

impl ErasureStore for PostgresStore {
    async fn withdraw_signatures(
        &self,
        campaign_slug: Option<&str>,
        email: &str,
        reason: WithdrawalReason,
    ) -> StoreResult<Vec<Erased>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT s.id, s.campaign_id, c.slug, s.status FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
             WHERE s.email_normalised = $1 AND ($2::text IS NULL OR c.slug = $2) ORDER BY s.id
             FOR UPDATE OF s",
        )
        .bind(email)
        .bind(campaign_slug)
        .fetch_all(&mut *tx)
        .await?;
        let mut erased = Vec::new();
        for r in &rows {
            let (id, campaign_id): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            let counted = r.try_get::<String, _>(3)? == "signed";
            sqlx::query(
                "UPDATE outbox_events SET data_json = json_build_object('signature_id', signature_id, 'erased', true)::text
                 WHERE campaign_id = $1 AND signature_id = $2",
            )
            .bind(campaign_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            // The withdrawn event's trigger reads why from the row it deletes.
            sqlx::query("UPDATE signatures SET withdrawal_reason = $1 WHERE id = $2")
                .bind(reason.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM signatures WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if counted {
                let count: i64 = sqlx::query_scalar(
                    "UPDATE campaigns SET signature_count = signature_count - 1 WHERE id = $1 RETURNING signature_count",
                )
                .bind(campaign_id)
                .fetch_one(&mut *tx)
                .await?;
                // Every instance's live count follows, once this commits.
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(COUNTS_CHANNEL)
                    .bind(format!("{campaign_id} {count}"))
                    .execute(&mut *tx)
                    .await?;
            }
            erased.push(Erased {
                campaign_slug: r.try_get(2)?,
                counted,
            });
        }
        tx.commit().await?;
        Ok(erased)
    }
}

impl ErasureStore for SignatureStore {
    async fn withdraw_signatures(
        &self,
        campaign_slug: Option<&str>,
        email: &str,
        reason: WithdrawalReason,
    ) -> StoreResult<Vec<Erased>> {
        match self {
            Self::Sqlite(s) => s.withdraw_signatures(campaign_slug, email, reason).await,
            Self::Postgres(s) => s.withdraw_signatures(campaign_slug, email, reason).await,
        }
    }
}
