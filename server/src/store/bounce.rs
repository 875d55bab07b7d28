//! Bounces ([`BounceStore`]): a signature whose address does not take mail is withdrawn,
//! with `bounced` as the reason of its `signature.withdrawn` event. The email worker
//! withdraws by signature (the SMTP server refused the recipient); `email bounce` by
//! address, through [`ErasureStore::withdraw_signatures`].

use std::future::Future;

use sqlx::Row;

use super::erasure::{Erased, ErasureStore, WithdrawalReason};
use super::{PostgresStore, SignatureStore, SqliteStore, StoreResult};

pub trait BounceStore: Send + Sync {
    /// Withdraws this signature as bounced; empty if it is gone already.
    fn withdraw_bounced(
        &self,
        signature_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<Erased>>> + Send;
}

impl BounceStore for SignatureStore {
    async fn withdraw_bounced(&self, signature_id: i64) -> StoreResult<Vec<Erased>> {
        let owner = match self {
            Self::Sqlite(s) => owner_sqlite(s, signature_id).await?,
            Self::Postgres(s) => owner_postgres(s, signature_id).await?,
        };
        let Some((slug, email)) = owner else {
            return Ok(Vec::new());
        };
        self.withdraw_signatures(Some(&slug), &email, WithdrawalReason::Bounced)
            .await
    }
}

/// The campaign and normalised email of a signature (one per email per campaign).
async fn owner_sqlite(s: &SqliteStore, id: i64) -> StoreResult<Option<(String, String)>> {
    let row = sqlx::query(
        "SELECT c.slug, s.email_normalised FROM signatures s JOIN campaigns c ON c.id = s.campaign_id WHERE s.id = ?",
    )
    .bind(id)
    .fetch_optional(&s.pool)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

async fn owner_postgres(s: &PostgresStore, id: i64) -> StoreResult<Option<(String, String)>> {
    let row = sqlx::query(
        "SELECT c.slug, s.email_normalised FROM signatures s JOIN campaigns c ON c.id = s.campaign_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(&s.pool)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}
