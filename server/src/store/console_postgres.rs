//! [`ConsoleStore`] on PostgreSQL.

use sqlx::Row;
use sqlx::postgres::PgRow;

use super::console::{
    AuditEntry, CampaignStats, ConsoleStore, ConsoleUser, Credentials, Role, USER_COLUMNS,
};
use super::{PostgresStore, StoreResult};

fn user_from(r: &PgRow) -> StoreResult<ConsoleUser> {
    Ok(ConsoleUser {
        id: r.try_get(0)?,
        email: r.try_get(1)?,
        role: Role::from_stored(&r.try_get::<String, _>(2)?)?,
        has_password: r.try_get(3)?,
    })
}

/// `(key, count)` rows of a `GROUP BY`.
fn counted(rows: &[PgRow]) -> StoreResult<Vec<(Option<String>, i64)>> {
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

impl ConsoleStore for PostgresStore {
    async fn add_user(
        &self,
        email: &str,
        role: Role,
        setup_token_hash: &str,
        setup_expires_at: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO console_users (email, role, setup_token_hash, setup_expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
        )
        .bind(email)
        .bind(role.as_str())
        .bind(setup_token_hash)
        .bind(setup_expires_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn reissue_setup(
        &self,
        email: &str,
        setup_token_hash: &str,
        setup_expires_at: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE console_users SET setup_token_hash = $1, setup_expires_at = $2 WHERE email = $3",
        )
        .bind(setup_token_hash)
        .bind(setup_expires_at)
        .bind(email)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn users(&self) -> StoreResult<Vec<ConsoleUser>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM console_users ORDER BY email");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from).collect()
    }

    async fn remove_user(&self, email: &str) -> StoreResult<bool> {
        // Sessions go with the account (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM console_users WHERE email = $1")
            .bind(email)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>> {
        let sql =
            format!("SELECT {USER_COLUMNS}, password_hash FROM console_users WHERE email = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Credentials {
                user: user_from(&r)?,
                password_hash: r.try_get(4)?,
            })
        })
        .transpose()
    }

    async fn set_password(
        &self,
        setup_token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> StoreResult<Option<ConsoleUser>> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE console_users SET password_hash = $1, setup_token_hash = NULL, setup_expires_at = NULL
             WHERE setup_token_hash = $2 AND setup_expires_at > $3 RETURNING {USER_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(password_hash)
            .bind(setup_token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(user) = row.as_ref().map(user_from).transpose()? else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        // Expired sessions are swept as new ones start: the table stays the size of its use.
        sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO console_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<ConsoleUser>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM console_users WHERE id =
             (SELECT user_id FROM console_sessions WHERE token_hash = $1 AND expires_at > $2)"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from).transpose()
    }

    async fn end_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn end_sessions_of(&self, user_id: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn audit(&self, e: &AuditEntry) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO console_audit (at, actor, action, campaign, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.campaign)
        .bind(&e.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor, action, campaign, detail FROM console_audit ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get(0)?,
                    actor: r.try_get(1)?,
                    action: r.try_get(2)?,
                    campaign: r.try_get(3)?,
                    detail: r.try_get(4)?,
                })
            })
            .collect()
    }

    async fn campaign_stats(
        &self,
        campaign_id: i64,
        field: Option<&str>,
    ) -> StoreResult<CampaignStats> {
        let buckets = |format: &'static str, since: &'static str| {
            sqlx::query(
                "SELECT to_char(signed_at AT TIME ZONE 'UTC', $1), COUNT(*) FROM signatures
                 WHERE campaign_id = $2 AND status = 'signed' AND signed_at >= now() - $3::interval
                 GROUP BY 1 ORDER BY 1",
            )
            .bind(format)
            .bind(campaign_id)
            .bind(since)
        };
        let grouped = |column: &'static str| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {column}, COUNT(*) FROM signatures WHERE campaign_id = $1 AND status = 'signed'
                 GROUP BY 1 ORDER BY 2 DESC, 1"
            )))
            .bind(campaign_id)
        };
        let hourly = buckets("YYYY-MM-DD\"T\"HH24", "48 hours")
            .fetch_all(&self.pool)
            .await?;
        let daily = buckets("YYYY-MM-DD", "30 days")
            .fetch_all(&self.pool)
            .await?;
        let sources = grouped("source_url").fetch_all(&self.pool).await?;
        let languages = grouped("locale").fetch_all(&self.pool).await?;
        let field_answers = match field {
            Some(key) => {
                sqlx::query(
                    "SELECT fields_json::jsonb ->> $1, COUNT(*) FROM signatures
                     WHERE campaign_id = $2 AND status = 'signed' GROUP BY 1 ORDER BY 2 DESC, 1",
                )
                .bind(key)
                .bind(campaign_id)
                .fetch_all(&self.pool)
                .await?
            }
            None => Vec::new(),
        };
        let dated = |rows: &[PgRow]| -> StoreResult<Vec<(String, i64)>> {
            rows.iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect()
        };
        Ok(CampaignStats {
            hourly: dated(&hourly)?,
            daily: dated(&daily)?,
            sources: counted(&sources)?,
            languages: counted(&languages)?,
            field_answers: counted(&field_answers)?,
        })
    }
}
