//! [`LifecycleStore`] on PostgreSQL. Every change notifies `pledge_campaigns` by trigger.

use sqlx::Row;

use super::{LifecycleStore, OriginsChanged, optional};
use crate::domain::{CampaignEdit, CampaignState, OriginChange, OriginMode, OriginPolicy};
use crate::store::{PostgresStore, StoreError, StoreResult, from_json, to_json};

impl LifecycleStore for PostgresStore {
    async fn update_campaign(&self, slug: &str, edit: &CampaignEdit) -> StoreResult<bool> {
        let (set_goal, goal) = optional(&edit.goal);
        let (set_privacy, privacy) = optional(&edit.privacy_url);
        let (set_share, share) = optional(&edit.share_url);
        let (set_retention, retention) = optional(&edit.retention_days);
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE campaigns SET
               title = COALESCE($1, title),
               body = COALESCE($2, body),
               goal = CASE WHEN $3 THEN $4 ELSE goal END,
               fields_json = COALESCE($5, fields_json),
               consent_text = COALESCE($6, consent_text),
               privacy_url = CASE WHEN $7 THEN $8 ELSE privacy_url END,
               share_url = CASE WHEN $9 THEN $10 ELSE share_url END,
               pow_maxnumber = COALESCE($11, pow_maxnumber),
               min_fill_seconds = COALESCE($12, min_fill_seconds),
               retention_days = CASE WHEN $13 THEN $14 ELSE retention_days END
             WHERE slug = $15",
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
        .bind(edit.pow_maxnumber.map(i64::from))
        .bind(edit.min_fill_seconds.map(i64::from))
        .bind(set_retention)
        .bind(retention.map(i64::from))
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
                 SELECT id, $1, $2, $3, $4, $6 FROM campaigns WHERE slug = $5
                 ON CONFLICT (campaign_id, lang) DO UPDATE SET
                   title = excluded.title, body = excluded.body, consent_text = excluded.consent_text,
               fields_json = excluded.fields_json",
            )
            .bind(lang)
            .bind(&t.title)
            .bind(&t.text)
            .bind(&t.consent_text)
            .bind(slug)
            .bind(t.fields_column())
            .execute(&mut *tx)
            .await?;
        }
        for lang in &edit.removed_translations {
            sqlx::query(
                "DELETE FROM campaign_translations
                 WHERE lang = $1 AND campaign_id = (SELECT id FROM campaigns WHERE slug = $2)",
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
        let mut tx = self.pool.begin().await?;
        let Some(before) = sqlx::query_scalar::<_, String>(
            "SELECT state FROM campaigns WHERE slug = $1 FOR UPDATE",
        )
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let before = CampaignState::parse(&before).map_err(StoreError::Corrupt)?;
        if before != state {
            sqlx::query(
                "UPDATE campaigns SET state = $1,
                   closed_at = CASE WHEN $1 = 'open' THEN NULL ELSE COALESCE(closed_at, now()) END
                 WHERE slug = $2",
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
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query(
            "SELECT origin_mode, allowed_origins_json FROM campaigns WHERE slug = $1 FOR UPDATE",
        )
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
                "UPDATE campaigns SET origin_mode = $1, allowed_origins_json = $2 WHERE slug = $3",
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
