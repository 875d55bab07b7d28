//! [`WallStore`] on SQLite, and the `wall_changes` table a running server reads to hear
//! what other processes (the `wall` commands) changed.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{EntriesChanged, WallChange, WallRow, WallSettingsUpdate, WallStore, row_from};
use crate::domain::WallState;
use crate::store::{SqliteStore, StoreResult, to_json};

/// The row columns, in `row_from`'s order.
macro_rules! select_rows {
    ($tail:literal) => {
        concat!(
            "SELECT id, name, fields_json, featured, signed_at, wall_state, (public = 1 AND status = 'signed') FROM signatures ",
            $tail
        )
    };
}

fn wall_row(r: &SqliteRow) -> StoreResult<WallRow> {
    row_from(
        r.try_get(0)?,
        r.try_get(1)?,
        &r.try_get::<String, _>(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        &r.try_get::<String, _>(5)?,
        r.try_get(6)?,
    )
}

impl WallStore for SqliteStore {
    async fn wall_rows(&self, campaign_id: i64, with_pending: bool) -> StoreResult<Vec<WallRow>> {
        // The WHERE repeats the partial index's condition so SQLite uses it; no ORDER BY:
        // the wall sorts in memory, and a sort here would be a second one.
        let rows = sqlx::query(select_rows!(
            "WHERE campaign_id = ? AND public = 1 AND status = 'signed' AND wall_state <> 'hidden'
               AND (? OR wall_state = 'approved')"
        ))
        .bind(campaign_id)
        .bind(with_pending)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(wall_row).collect()
    }

    async fn wall_row(&self, campaign_id: i64, signature_id: i64) -> StoreResult<Option<WallRow>> {
        let row = sqlx::query(select_rows!(
            "WHERE campaign_id = ? AND id = ? AND public = 1"
        ))
        .bind(campaign_id)
        .bind(signature_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(wall_row).transpose()
    }

    async fn wall_review(
        &self,
        campaign_id: i64,
        state: Option<WallState>,
    ) -> StoreResult<Vec<(WallRow, String)>> {
        let rows = sqlx::query(
            "SELECT id, name, fields_json, featured, signed_at, wall_state, (public = 1 AND status = 'signed'), email
             FROM signatures WHERE campaign_id = ? AND public = 1 AND (? IS NULL OR wall_state = ?)
             ORDER BY id",
        )
        .bind(campaign_id)
        .bind(state.map(WallState::as_str))
        .bind(state.map(WallState::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((wall_row(r)?, r.try_get(7)?)))
            .collect()
    }

    async fn set_wall_state(
        &self,
        campaign_id: i64,
        ids: &[i64],
        state: WallState,
    ) -> StoreResult<EntriesChanged> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut missing = Vec::new();
        let mut changed = 0;
        for &id in ids {
            let done = sqlx::query(
                "UPDATE signatures SET wall_state = ?,
                   featured = CASE WHEN ? = 'hidden' THEN NULL ELSE featured END
                 WHERE campaign_id = ? AND id = ? AND public = 1",
            )
            .bind(state.as_str())
            .bind(state.as_str())
            .bind(campaign_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                missing.push(id);
            }
            changed += done;
        }
        if !missing.is_empty() {
            return Ok(Err(missing));
        }
        tx.commit().await?;
        Ok(Ok(changed))
    }

    async fn approve_pending(&self, campaign_id: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "UPDATE signatures SET wall_state = 'approved'
             WHERE campaign_id = ? AND public = 1 AND wall_state = 'pending'",
        )
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(done)
    }

    async fn feature(
        &self,
        campaign_id: i64,
        ids: &[i64],
        append: bool,
    ) -> StoreResult<EntriesChanged> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if !append {
            sqlx::query(
                "UPDATE signatures SET featured = NULL WHERE campaign_id = ? AND featured IS NOT NULL",
            )
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        }
        let mut rank: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(featured), 0) FROM signatures WHERE campaign_id = ?",
        )
        .bind(campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut missing = Vec::new();
        for &id in ids {
            rank += 1;
            let done = sqlx::query(
                "UPDATE signatures SET featured = ?, wall_state = 'approved'
                 WHERE campaign_id = ? AND id = ? AND public = 1",
            )
            .bind(rank)
            .bind(campaign_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                missing.push(id);
            }
        }
        if !missing.is_empty() {
            return Ok(Err(missing));
        }
        tx.commit().await?;
        Ok(Ok(ids.len() as u64))
    }

    async fn withdraw(&self, campaign_id: i64, email_normalised: &str) -> StoreResult<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "UPDATE signatures SET public = 0, featured = NULL
             WHERE campaign_id = ? AND email_normalised = ? AND public = 1",
        )
        .bind(campaign_id)
        .bind(email_normalised)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(done > 0)
    }

    async fn set_wall_settings(
        &self,
        slug: &str,
        update: &WallSettingsUpdate,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "UPDATE campaigns SET
               public_names = COALESCE(?, public_names),
               allow_public_names = COALESCE(?, allow_public_names),
               fields_json = COALESCE(?, fields_json)
             WHERE slug = ?",
        )
        .bind(update.public_names.map(|m| m.as_str()))
        .bind(update.allow_public_names)
        .bind(update.fields.as_deref().map(to_json))
        .bind(slug)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(done > 0)
    }
}

impl SqliteStore {
    /// Changes recorded after `seq`, oldest first, at most `limit`, with their sequence
    /// numbers. One server owns a SQLite file, so it is the only reader.
    pub async fn wall_changes_after(
        &self,
        seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, WallChange)>> {
        let rows = sqlx::query(
            "SELECT seq, campaign_id, signature_id FROM wall_changes WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    WallChange {
                        campaign_id: r.try_get(1)?,
                        signature_id: r.try_get(2)?,
                    },
                ))
            })
            .collect()
    }

    /// The last change's sequence number (0 when there was none).
    pub async fn last_wall_change(&self) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM wall_changes")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Deletes the changes up to `seq`, once read (AUTOINCREMENT never reuses a number).
    pub async fn forget_wall_changes(&self, seq: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM wall_changes WHERE seq <= ?")
            .bind(seq)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
