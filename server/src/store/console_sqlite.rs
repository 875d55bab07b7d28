//! [`ConsoleStore`] on SQLite: writes queue at the store's write gate like every other.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::console::{
    AuditEntry, CampaignStats, ConsoleStore, ConsoleUser, Credentials, Role, USER_COLUMNS,
};
use super::{SqliteStore, StoreResult};

fn user_from(r: &SqliteRow) -> StoreResult<ConsoleUser> {
    Ok(ConsoleUser {
        id: r.try_get(0)?,
        email: r.try_get(1)?,
        role: Role::from_stored(&r.try_get::<String, _>(2)?)?,
        has_password: r.try_get(3)?,
    })
}

/// `(key, count)` rows of a `GROUP BY`.
fn counted(rows: &[SqliteRow]) -> StoreResult<Vec<(Option<String>, i64)>> {
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

impl ConsoleStore for SqliteStore {
    async fn add_user(
        &self,
        email: &str,
        role: Role,
        setup_token_hash: &str,
        setup_expires_at: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let _writer = self.write_gate.lock().await;
        let done = sqlx::query(
            "INSERT INTO console_users (email, role, setup_token_hash, setup_expires_at, created_at)
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING",
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
        let _writer = self.write_gate.lock().await;
        let done = sqlx::query(
            "UPDATE console_users SET setup_token_hash = ?, setup_expires_at = ? WHERE email = ?",
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
        let _writer = self.write_gate.lock().await;
        // Sessions go with the account (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM console_users WHERE email = ?")
            .bind(email)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>> {
        let sql =
            format!("SELECT {USER_COLUMNS}, password_hash FROM console_users WHERE email = ?");
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
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let sql = format!(
            "UPDATE console_users SET password_hash = ?, setup_token_hash = NULL, setup_expires_at = NULL
             WHERE setup_token_hash = ? AND setup_expires_at > ? RETURNING {USER_COLUMNS}"
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
        sqlx::query("DELETE FROM console_sessions WHERE user_id = ?")
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
        let _writer = self.write_gate.lock().await;
        // Expired sessions are swept as new ones start: the table stays the size of its use.
        sqlx::query("DELETE FROM console_sessions WHERE expires_at <= ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO console_sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
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
             (SELECT user_id FROM console_sessions WHERE token_hash = ? AND expires_at > ?)"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from).transpose()
    }

    async fn end_session(&self, token_hash: &str) -> StoreResult<()> {
        let _writer = self.write_gate.lock().await;
        sqlx::query("DELETE FROM console_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn end_sessions_of(&self, user_id: i64) -> StoreResult<u64> {
        let _writer = self.write_gate.lock().await;
        let done = sqlx::query("DELETE FROM console_sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn audit(&self, e: &AuditEntry) -> StoreResult<()> {
        let _writer = self.write_gate.lock().await;
        sqlx::query(
            "INSERT INTO console_audit (at, actor, action, campaign, detail) VALUES (?, ?, ?, ?, ?)",
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
            "SELECT at, actor, action, campaign, detail FROM console_audit ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
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
        // `signed_at` is `YYYY-MM-DDTHH:MM:SS.mmmZ`: its first 13 characters are the hour.
        let buckets = |len: u32, since: &'static str| {
            sqlx::query(
                "SELECT substr(signed_at, 1, ?1), COUNT(*) FROM signatures
                 WHERE campaign_id = ?2 AND status = 'signed'
                   AND signed_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3)
                 GROUP BY 1 ORDER BY 1",
            )
            .bind(len)
            .bind(campaign_id)
            .bind(since)
        };
        let grouped = |column: &'static str| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {column}, COUNT(*) FROM signatures WHERE campaign_id = ? AND status = 'signed'
                 GROUP BY 1 ORDER BY 2 DESC, 1"
            )))
            .bind(campaign_id)
        };
        let hourly = buckets(13, "-48 hours").fetch_all(&self.pool).await?;
        let daily = buckets(10, "-30 days").fetch_all(&self.pool).await?;
        let sources = grouped("source_url").fetch_all(&self.pool).await?;
        let languages = grouped("locale").fetch_all(&self.pool).await?;
        let field_answers =
            match field {
                Some(key) => sqlx::query(
                    "SELECT CAST(json_extract(fields_json, ?) AS TEXT), COUNT(*) FROM signatures
                     WHERE campaign_id = ? AND status = 'signed' GROUP BY 1 ORDER BY 2 DESC, 1",
                )
                .bind(format!("$.\"{}\"", key.replace('"', "")))
                .bind(campaign_id)
                .fetch_all(&self.pool)
                .await?,
                None => Vec::new(),
            };
        let dated = |rows: &[SqliteRow]| -> StoreResult<Vec<(String, i64)>> {
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
