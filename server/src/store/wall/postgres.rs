//! [`WallStore`] on PostgreSQL, and the `pledge_signers` channel every instance listens on
//! to hear what any process changed.

use sqlx::Row;
use sqlx::postgres::{PgListener, PgRow};

use super::{EntriesChanged, WallChange, WallRow, WallSettingsUpdate, WallStore, row_from};
use crate::domain::WallState;
use crate::store::{PostgresStore, StoreResult, to_json};

/// Triggers announce wall changes here when they commit: payload `<campaign id>
/// <signature id>`, or `<campaign id> *` for the campaign's wall settings.
pub const SIGNERS_CHANNEL: &str = "pledge_signers";

/// The row columns, in `row_from`'s order (`signed_at` as the text SQLite stores).
macro_rules! select_rows {
    ($tail:literal) => {
        concat!(
            "SELECT id, name, fields_json, featured, to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), wall_state, (public AND status = 'signed') FROM signatures ",
            $tail
        )
    };
}

fn wall_row(r: &PgRow) -> StoreResult<WallRow> {
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

impl WallStore for PostgresStore {
    async fn wall_rows(&self, campaign_id: i64, with_pending: bool) -> StoreResult<Vec<WallRow>> {
        // The WHERE repeats the partial index's condition so the planner can use it; no
        // ORDER BY: the wall sorts in memory.
        let rows = sqlx::query(select_rows!(
            "WHERE campaign_id = $1 AND public AND status = 'signed' AND wall_state <> 'hidden'
               AND ($2 OR wall_state = 'approved')"
        ))
        .bind(campaign_id)
        .bind(with_pending)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(wall_row).collect()
    }

    async fn wall_row(&self, campaign_id: i64, signature_id: i64) -> StoreResult<Option<WallRow>> {
        let row = sqlx::query(select_rows!(
            "WHERE campaign_id = $1 AND id = $2 AND public"
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
            "SELECT id, name, fields_json, featured, to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), wall_state, (public AND status = 'signed'), email
             FROM signatures WHERE campaign_id = $1 AND public AND ($2::TEXT IS NULL OR wall_state = $2)
             ORDER BY id",
        )
        .bind(campaign_id)
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
        let mut tx = self.pool.begin().await?;
        let mut missing = Vec::new();
        let mut changed = 0;
        for &id in ids {
            let done = sqlx::query(
                "UPDATE signatures SET wall_state = $1,
                   featured = CASE WHEN $1 = 'hidden' THEN NULL ELSE featured END
                 WHERE campaign_id = $2 AND id = $3 AND public",
            )
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
        let done = sqlx::query(
            "UPDATE signatures SET wall_state = 'approved'
             WHERE campaign_id = $1 AND public AND wall_state = 'pending'",
        )
        .bind(campaign_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done)
    }

    async fn feature(
        &self,
        campaign_id: i64,
        ids: &[i64],
        append: bool,
    ) -> StoreResult<EntriesChanged> {
        let mut tx = self.pool.begin().await?;
        // Two organisers featuring at once take turns (the ranks are read, then written).
        sqlx::query("SELECT id FROM campaigns WHERE id = $1 FOR UPDATE")
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        if !append {
            sqlx::query(
                "UPDATE signatures SET featured = NULL WHERE campaign_id = $1 AND featured IS NOT NULL",
            )
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        }
        let mut rank: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(featured), 0)::BIGINT FROM signatures WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        let mut missing = Vec::new();
        for &id in ids {
            rank += 1;
            let done = sqlx::query(
                "UPDATE signatures SET featured = $1, wall_state = 'approved'
                 WHERE campaign_id = $2 AND id = $3 AND public",
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
        let done = sqlx::query(
            "UPDATE signatures SET public = FALSE, featured = NULL
             WHERE campaign_id = $1 AND email_normalised = $2 AND public",
        )
        .bind(campaign_id)
        .bind(email_normalised)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done > 0)
    }

    async fn set_wall_settings(
        &self,
        slug: &str,
        update: &WallSettingsUpdate,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE campaigns SET
               public_names = COALESCE($1, public_names),
               allow_public_names = COALESCE($2, allow_public_names),
               fields_json = COALESCE($3, fields_json)
             WHERE slug = $4",
        )
        .bind(update.public_names.map(|m| m.as_str()))
        .bind(update.allow_public_names)
        .bind(update.fields.as_deref().map(to_json))
        .bind(slug)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done > 0)
    }
}

impl PostgresStore {
    /// A connection that receives [`SIGNERS_CHANNEL`] (what is sent while it is
    /// disconnected is lost: read the walls again after connecting).
    pub async fn signers_listener(&self) -> StoreResult<PgListener> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(SIGNERS_CHANNEL).await?;
        Ok(listener)
    }
}

/// Parses a `pledge_signers` payload.
fn parse_change(payload: &str) -> Option<WallChange> {
    let (campaign, signature) = payload.split_once(' ')?;
    Some(WallChange {
        campaign_id: campaign.parse().ok()?,
        signature_id: match signature {
            "*" => None,
            id => Some(id.parse().ok()?),
        },
    })
}

/// The next change heard; `Ok(None)` when the connection was lost (re-read the walls).
/// With `wait: false`, only one already received (`Ok(None)` if there is none), so a
/// burst can be taken in one batch.
pub async fn next_wall_change(
    listener: &mut PgListener,
    wait: bool,
) -> StoreResult<Option<WallChange>> {
    loop {
        let heard = if wait {
            listener.try_recv().await?
        } else {
            match listener.next_buffered() {
                Some(n) => Some(n),
                None => return Ok(None),
            }
        };
        let Some(n) = heard else {
            return Ok(None);
        };
        if let Some(change) = parse_change(n.payload()) {
            return Ok(Some(change));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_parse_or_are_skipped() {
        assert_eq!(
            parse_change("3 41"),
            Some(WallChange {
                campaign_id: 3,
                signature_id: Some(41)
            })
        );
        assert_eq!(
            parse_change("3 *"),
            Some(WallChange {
                campaign_id: 3,
                signature_id: None
            })
        );
        assert_eq!(parse_change("3"), None);
        assert_eq!(parse_change("x 1"), None);
    }
}
