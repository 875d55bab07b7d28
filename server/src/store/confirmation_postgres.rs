//! [`ConfirmationStore`] on PostgreSQL: leases skip rows another instance holds (`FOR
//! UPDATE SKIP LOCKED`), a confirmation locks its signature, and a new count is announced
//! to every instance.

use sqlx::Row;
use sqlx::postgres::PgRow;

use super::confirmation::{
    ConfirmationEdit, ConfirmationSettings, ConfirmationStore, Confirmed, EmailFailure, EmailKind,
    LeasedEmail, NewToken, TokenInfo, TokenPurpose,
};
use super::{PostgresStore, StoreResult};

impl ConfirmationStore for PostgresStore {
    async fn confirmation_settings(&self, slug: &str) -> StoreResult<Option<ConfirmationSettings>> {
        let row = sqlx::query(
            "SELECT confirm_email, confirm_reminders, confirm_reminder_hours FROM campaigns WHERE slug = $1",
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ConfirmationSettings {
                confirm_email: r.try_get(0)?,
                reminders: small(r.try_get(1)?),
                reminder_hours: small(r.try_get(2)?),
            })
        })
        .transpose()
    }

    async fn edit_confirmation(&self, slug: &str, edit: &ConfirmationEdit) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE campaigns SET confirm_email = COALESCE($1, confirm_email),
                 confirm_reminders = COALESCE($2::int, confirm_reminders),
                 confirm_reminder_hours = COALESCE($3::int, confirm_reminder_hours)
             WHERE slug = $4",
        )
        .bind(edit.confirm_email)
        .bind(edit.reminders.map(big))
        .bind(edit.reminder_hours.map(big))
        .bind(slug)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn lease_due_emails(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<LeasedEmail>> {
        // A plain read first: an idle outbox costs no write lock.
        let due: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM email_outbox WHERE state = 'pending' AND next_attempt_at <= $1
               AND (lease_until IS NULL OR lease_until < $1) LIMIT 1",
        )
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let until = now_ms.saturating_add(lease_ms);
        let mut tx = self.pool.begin().await?;
        // The leased rows are the ones this UPDATE returns (not found again by owner and
        // `lease_until`, which can match a row leased earlier in the same millisecond).
        let leased: Vec<i64> = sqlx::query_scalar(
            "UPDATE email_outbox SET lease_owner = $3, lease_until = $4 WHERE id IN (
                 SELECT id FROM email_outbox WHERE state = 'pending' AND next_attempt_at <= $1
                   AND (lease_until IS NULL OR lease_until < $1) ORDER BY id LIMIT $2
                 FOR UPDATE SKIP LOCKED)
             RETURNING id",
        )
        .bind(now_ms)
        .bind(i64::from(limit))
        .bind(owner)
        .bind(until)
        .fetch_all(&mut *tx)
        .await?;
        let rows = sqlx::query(
            "SELECT o.id, o.kind, o.attempts, s.id, s.name, s.email, s.locale,
                    s.awaiting_confirmation IS NOT NULL, c.slug,
                    COALESCE((SELECT t.title FROM campaign_translations t
                              WHERE t.campaign_id = c.id AND t.lang = s.locale), c.title),
                    s.public
             FROM email_outbox o JOIN signatures s ON s.id = o.signature_id
             JOIN campaigns c ON c.id = s.campaign_id
             WHERE o.id = ANY($1) ORDER BY o.id",
        )
        .bind(&leased)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter().map(leased_from_row).collect()
    }

    async fn add_tokens(&self, signature_id: i64, tokens: &[NewToken]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for t in tokens {
            sqlx::query(
                "INSERT INTO email_tokens (token_hash, signature_id, purpose, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&t.hash)
            .bind(signature_id)
            .bind(t.purpose.as_str())
            .bind(t.expires_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn email_sent(&self, outbox_id: i64, owner: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE email_outbox SET state = 'sent', sent_at = $1, attempts = attempts + 1,
                 last_error = NULL, lease_owner = NULL, lease_until = NULL
             WHERE id = $2 AND lease_owner = $3 AND state = 'pending'",
        )
        .bind(now_ms)
        .bind(outbox_id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn email_failed(
        &self,
        outbox_id: i64,
        owner: &str,
        f: &EmailFailure<'_>,
    ) -> StoreResult<bool> {
        let state: Option<String> = sqlx::query_scalar(
            "UPDATE email_outbox SET
                 attempts = attempts + 1,
                 last_error = $1,
                 first_failed_at = COALESCE(first_failed_at, $2),
                 next_attempt_at = $3,
                 state = CASE WHEN COALESCE(first_failed_at, $2) <= $4 THEN 'parked' ELSE 'pending' END,
                 lease_owner = NULL, lease_until = NULL
             WHERE id = $5 AND lease_owner = $6 AND state = 'pending'
             RETURNING state",
        )
        .bind(f.error)
        .bind(f.now_ms)
        .bind(f.next_attempt_at)
        .bind(f.now_ms.saturating_sub(f.retry_window_ms))
        .bind(outbox_id)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        Ok(state.as_deref() == Some("parked"))
    }

    async fn queue_reminders(&self, now_ms: i64) -> StoreResult<u64> {
        let done = sqlx::query(
            "INSERT INTO email_outbox (signature_id, kind)
             SELECT s.id, 'reminder' FROM signatures s JOIN campaigns c ON c.id = s.campaign_id
             WHERE s.awaiting_confirmation IS NOT NULL AND c.confirm_reminders > 0 AND c.state = 'open'
               AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.signature_id = s.id AND o.state = 'pending')
               AND (SELECT COUNT(*) FROM email_outbox o WHERE o.signature_id = s.id AND o.kind = 'reminder') < c.confirm_reminders
               AND (SELECT MAX(o.sent_at) FROM email_outbox o WHERE o.signature_id = s.id)
                   <= $1 - c.confirm_reminder_hours::bigint * 3600000",
        )
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn token(&self, hash: &str, purpose: TokenPurpose) -> StoreResult<Option<TokenInfo>> {
        let row = sqlx::query(
            "SELECT s.locale, COALESCE((SELECT tr.title FROM campaign_translations tr
                     WHERE tr.campaign_id = c.id AND tr.lang = s.locale), c.title),
                    t.used_at IS NOT NULL OR (t.purpose = 'confirm' AND s.awaiting_confirmation IS NULL), t.expires_at
             FROM email_tokens t JOIN signatures s ON s.id = t.signature_id
             JOIN campaigns c ON c.id = s.campaign_id
             WHERE t.token_hash = $1 AND t.purpose = $2",
        )
        .bind(hash)
        .bind(purpose.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TokenInfo {
                locale: r.try_get(0)?,
                campaign_title: r.try_get(1)?,
                used: r.try_get(2)?,
                expires_at: r.try_get(3)?,
            })
        })
        .transpose()
    }

    async fn confirm(&self, hash: &str, now_ms: i64) -> StoreResult<Confirmed> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT t.signature_id, t.expires_at, t.used_at IS NOT NULL, s.awaiting_confirmation, s.campaign_id
             FROM email_tokens t JOIN signatures s ON s.id = t.signature_id
             WHERE t.token_hash = $1 AND t.purpose = 'confirm' FOR UPDATE OF s",
        )
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(r) = row else {
            return Ok(Confirmed::Unknown);
        };
        let (signature_id, expires_at, used): (i64, Option<i64>, bool) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let awaiting: Option<String> = r.try_get(3)?;
        let campaign_id: i64 = r.try_get(4)?;
        let Some(becomes) = awaiting.filter(|_| !used) else {
            return Ok(Confirmed::Already);
        };
        if expires_at.is_some_and(|e| e <= now_ms) {
            return Ok(Confirmed::Expired);
        }
        sqlx::query(
            "UPDATE signatures SET status = awaiting_confirmation, awaiting_confirmation = NULL,
                 confirmed_at = now() WHERE id = $1",
        )
        .bind(signature_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2")
            .bind(now_ms)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        let count = if becomes == "signed" {
            let count: i64 = sqlx::query_scalar(
                "UPDATE campaigns SET signature_count = signature_count + 1 WHERE id = $1 RETURNING signature_count",
            )
            .bind(campaign_id)
            .fetch_one(&mut *tx)
            .await?;
            // Every instance's live count follows, once this commits.
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(super::postgres::COUNTS_CHANNEL)
                .bind(format!("{campaign_id} {count}"))
                .execute(&mut *tx)
                .await?;
            Some(count)
        } else {
            None
        };
        tx.commit().await?;
        Ok(Confirmed::Now { campaign_id, count })
    }

    async fn removal_target(&self, hash: &str) -> StoreResult<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT c.slug, s.email_normalised FROM email_tokens t JOIN signatures s ON s.id = t.signature_id
             JOIN campaigns c ON c.id = s.campaign_id WHERE t.token_hash = $1 AND t.purpose = 'remove'",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }
}

fn leased_from_row(r: &PgRow) -> StoreResult<LeasedEmail> {
    Ok(LeasedEmail {
        outbox_id: r.try_get(0)?,
        kind: EmailKind::parse(&r.try_get::<String, _>(1)?)?,
        attempts: small(r.try_get(2)?),
        signature_id: r.try_get(3)?,
        name: r.try_get(4)?,
        email: r.try_get(5)?,
        locale: r.try_get(6)?,
        awaiting: r.try_get(7)?,
        campaign_slug: r.try_get(8)?,
        campaign_title: r.try_get(9)?,
        public: r.try_get(10)?,
    })
}

/// An INTEGER column that holds a small non-negative number.
fn small(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn big(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}
