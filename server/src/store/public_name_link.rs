//! The email's "take my name off the public list" link ([`PublicNameLinkStore`]): its
//! token, used once, sets the signature's `public` off (and unfeatures it) in one
//! transaction; the wall's triggers take the name off every open wall. The signature
//! still counts.

use std::future::Future;

use sqlx::Row;

use super::{PostgresStore, SignatureStore, SqliteStore, StoreResult};

/// What following a hide-name link came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameHidden {
    /// The name is off the public list now.
    Now,
    /// This link was used already.
    Already,
    /// No such token (mistyped, or the signature was removed).
    Unknown,
}

pub trait PublicNameLinkStore: Send + Sync {
    /// Follows the hide-name token with this hash, at `now_ms`.
    fn hide_name(
        &self,
        hash: &str,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<NameHidden>> + Send;
}

impl PublicNameLinkStore for SqliteStore {
    async fn hide_name(&self, hash: &str, now_ms: i64) -> StoreResult<NameHidden> {
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query(
            "SELECT signature_id, used_at IS NOT NULL FROM email_tokens
             WHERE token_hash = ? AND purpose = 'hide_name'",
        )
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = row else {
            return Ok(NameHidden::Unknown);
        };
        let (signature_id, used): (i64, bool) = (r.try_get(0)?, r.try_get(1)?);
        if used {
            return Ok(NameHidden::Already);
        }
        sqlx::query("UPDATE signatures SET public = 0, featured = NULL WHERE id = ?")
            .bind(signature_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE email_tokens SET used_at = ? WHERE token_hash = ?")
            .bind(now_ms)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(NameHidden::Now)
    }
}

impl PublicNameLinkStore for PostgresStore {
    async fn hide_name(&self, hash: &str, now_ms: i64) -> StoreResult<NameHidden> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT signature_id, used_at IS NOT NULL FROM email_tokens
             WHERE token_hash = $1 AND purpose = 'hide_name' FOR UPDATE",
        )
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = row else {
            return Ok(NameHidden::Unknown);
        };
        let (signature_id, used): (i64, bool) = (r.try_get(0)?, r.try_get(1)?);
        if used {
            return Ok(NameHidden::Already);
        }
        sqlx::query("UPDATE signatures SET public = FALSE, featured = NULL WHERE id = $1")
            .bind(signature_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2")
            .bind(now_ms)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(NameHidden::Now)
    }
}

impl PublicNameLinkStore for SignatureStore {
    async fn hide_name(&self, hash: &str, now_ms: i64) -> StoreResult<NameHidden> {
        match self {
            Self::Sqlite(s) => s.hide_name(hash, now_ms).await,
            Self::Postgres(s) => s.hide_name(hash, now_ms).await,
        }
    }
}
