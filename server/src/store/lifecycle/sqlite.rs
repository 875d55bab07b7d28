//! [`LifecycleStore`] on SQLite, and the `campaign_changes` a running server follows.

use sqlx::Row;

use super::{LifecycleStore, OriginsChanged, optional};
use crate::domain::{CampaignEdit, CampaignState, OriginChange, OriginMode, OriginPolicy};
use crate::store::{SqliteStore, StoreError, StoreResult, from_json, to_json};

impl LifecycleStore for SqliteStore {
    async fn update_campaign(&self, slug: &str, edit: &CampaignEdit) -> StoreResult<bool> {
        let (set_goal, goal) = optional(&edit.goal);
        let (set_privacy, privacy) = optional(&edit.privacy_url);
        let (set_share, share) = optional(&edit.share_url);
        let (set_retention, retention) = optional(&edit.retention_days);
        let _gate = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query(
            "UPDATE campaigns SET
               title = COALESCE(?1, title),
               body = COALESCE(?2, body),
               goal = CASE WHEN ?3 THEN ?4 ELSE goal END,
               fields_json = COALESCE(?5, fields_json),
               consent_text = COALESCE(?6, consent_text),
               privacy_url = CASE WHEN ?7 THEN ?8 ELSE privacy_url END,
               share_url = CASE WHEN ?9 THEN ?10 ELSE share_url END,
               pow_maxnumber = COALESCE(?11, pow_maxnumber),
               min_fill_seconds = COALESCE(?12, min_fill_seconds),
               retention_days = CASE WHEN ?13 THEN ?14 ELSE retention_days END
             WHERE slug = ?15",
        )
        .bind(&edit.title)
        .bind(&edit.text)
        .bind(set_goal)
        .bind(goal)
        .bind(edit.fields.as_deref().map(to_json))
        .bind(&edit.consent_text)
        .bind(set_privacy)
        .bind(privacy)
        .bind(set_share)
        .bind(share)
        .bind(edit.pow_maxnumber)
        .bind(edit.min_fill_seconds)
        .bind(set_retention)
        .bind(retention)
        .bind(slug)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        for (lang, t) in &edit.translations {
            sqlx::query(
                "INSERT INTO campaign_translations (campaign_id, lang, title, body, consent_text, fields_json)
                 SELECT id, ?, ?, ?, ?, ? FROM campaigns WHERE slug = ?
                 ON CONFLICT (campaign_id, lang) DO UPDATE SET
                   title = excluded.title, body = excluded.body, consent_text = excluded.consent_text,
               fields_json = excluded.fields_json",
            )
            .bind(lang)
            .bind(&t.title)
            .bind(&t.text)
            .bind(&t.consent_text)
            .bind(t.fields_column())
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        }
        for lang in &edit.removed_translations {
            sqlx::query(
                "DELETE FROM campaign_translations
                 WHERE lang = ? AND campaign_id = (SELECT id FROM campaigns WHERE slug = ?)",
            )
            .bind(lang)
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn set_campaign_state(
        &self,
        slug: &str,
        state: CampaignState,
    ) -> StoreResult<Option<CampaignState>> {
        let _gate = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some(before) =
            sqlx::query_scalar::<_, String>("SELECT state FROM campaigns WHERE slug = ?")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(None);
        };
        let before = CampaignState::parse(&before).map_err(StoreError::Corrupt)?;
        if before != state {
            sqlx::query(
                "UPDATE campaigns SET state = ?1,
                   closed_at = CASE WHEN ?1 = 'open' THEN NULL
                                    ELSE COALESCE(closed_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) END
                 WHERE slug = ?2",
            )
            .bind(state.as_str())
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(before))
    }

    async fn change_origins(
        &self,
        slug: &str,
        change: &OriginChange,
    ) -> StoreResult<Option<OriginsChanged>> {
        let _gate = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some(row) =
            sqlx::query("SELECT origin_mode, allowed_origins_json FROM campaigns WHERE slug = ?")
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(None);
        };
        let mut policy = OriginPolicy {
            mode: OriginMode::parse(&row.try_get::<String, _>(0)?).map_err(StoreError::Corrupt)?,
            listed: from_json(&row.try_get::<String, _>(1)?)?,
        };
        let changed = match policy.apply(change) {
            Ok(changed) => changed,
            Err(refused) => return Ok(Some(Err(refused))),
        };
        if changed {
            sqlx::query(
                "UPDATE campaigns SET origin_mode = ?, allowed_origins_json = ? WHERE slug = ?",
            )
            .bind(policy.mode.as_str())
            .bind(to_json(&policy.listed))
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(Ok((changed, policy))))
    }
}

impl SqliteStore {
    /// Campaigns changed after `seq`, oldest first, at most `limit`: (seq, campaign id).
    /// One server owns a SQLite file, so it is the only reader.
    pub async fn campaign_changes_after(
        &self,
        seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT seq, campaign_id FROM campaign_changes WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The newest change's sequence number (0 when there is none): where a server that
    /// just started begins to follow (it reads every campaign fresh anyway).
    pub async fn last_campaign_change(&self) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM campaign_changes")
                .fetch_one(&self.pool)
                .await?
                .unwrap_or(0),
        )
    }

    /// Deletes the changes up to `seq`, once read.
    pub async fn forget_campaign_changes(&self, seq: i64) -> StoreResult<()> {
        let _gate = self.write_gate.lock().await;
        sqlx::query("DELETE FROM campaign_changes WHERE seq <= ?")
            .bind(seq)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
