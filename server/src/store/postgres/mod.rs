//! The PostgreSQL store (`postgres://…`): several `serve` instances on one database. Its
//! migrations are `server/migrations/postgres/`.
//!
//! Where SQLite serialises writers (`BEGIN IMMEDIATE`), PostgreSQL runs signatures side by
//! side at READ COMMITTED and lets unique keys decide races: the idempotency key is claimed
//! first (a second post with the key waits for the first to commit or roll back), the
//! challenge is spent by inserting it, the email rule is the unique index, and the count is
//! one row update. Every count change is announced with `NOTIFY` on [`COUNTS_CHANNEL`] in
//! the same transaction, so other instances hear of it once it commits; campaign changes
//! likewise on [`CAMPAIGNS_CHANNEL`].

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow};

use super::maintenance::migrated;
use super::{
    BackupSummary, Campaign, CountDrift, Integrity, MigrationState, OpenMode, ProofOfWork,
    SignContext, SignOutcome, SignatureRecord, Store, StoreError, StoreResult, Totals, Translation,
    from_json, to_json,
};
use crate::domain::{IdempotencyKey, NewCampaign, NewSignature};

pub use announce::{Announcement, CAMPAIGNS_CHANNEL, COUNTS_CHANNEL, next_announcement};
use announce::{notify_campaign, notify_count};

/// The PostgreSQL schema migrations built into this binary (`server/migrations/postgres/`).
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// A `postgres://` URL, parsed.
#[derive(Debug, Clone)]
pub struct PostgresUrl {
    options: PgConnectOptions,
}

impl PostgresUrl {
    pub fn parse(database_url: &str) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(database_url).map_err(|e| {
            anyhow::anyhow!(
                "not a PostgreSQL URL like postgres://pledge@localhost/pledge ({})",
                StoreError::from(e)
            )
        })?;
        Ok(Self { options })
    }

    /// `postgres://user@host:port/database`, never the password.
    pub fn display(&self) -> String {
        format!(
            "postgres://{}@{}:{}/{}",
            self.options.get_username(),
            self.options.get_host(),
            self.options.get_port(),
            self.options.get_database().unwrap_or("")
        )
    }
}

/// PostgreSQL-backed storage for campaigns, signatures and idempotency keys.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pub(super) pool: PgPool,
    /// The URL without its password, for messages.
    shown_as: std::sync::Arc<str>,
}

/// A timestamp column as the text SQLite stores: `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC.
macro_rules! utc_text {
    ($column:literal) => {
        concat!(
            "to_char(",
            $column,
            " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        )
    };
}

/// The condition for an expired `idempotency_keys` row (24 = `IDEMPOTENCY_KEY_HOURS`).
macro_rules! key_expired {
    () => {
        "created_at <= now() - INTERVAL '24 hours'"
    };
}

// After the macros: the submodules use them.
mod announce;
mod sign;

macro_rules! select_campaigns {
    ($tail:literal) => {
        concat!(
            "SELECT id, slug, title, body, goal, signature_count, fields_json, consent_text, privacy_url, share_url, allow_public_names, languages_json, allowed_origins_json, pow_maxnumber, min_fill_seconds, reveal_already_signed, public_names, state, origin_mode, to_char(closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), retention_days, confirm_email FROM campaigns",
            $tail
        )
    };
}

impl PostgresStore {
    /// Connects as `mode` allows: `Create` and `Migrate` apply pending migrations (sqlx holds
    /// an advisory lock meanwhile, so instances starting together migrate once), `ReadOnly`
    /// and `Snapshot` open read-only sessions. The database itself must exist (`createdb`).
    pub async fn open(url: &PostgresUrl, mode: OpenMode) -> anyhow::Result<Self> {
        let mut options = url.options.clone();
        if mode.reads_only() {
            options = options.options([("default_transaction_read_only", "on")]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(StoreError::from)
            .with_context(|| format!("connecting to {}", url.display()))?;
        let store = Self {
            pool,
            shown_as: url.display().into(),
        };
        let ready = match mode {
            OpenMode::Create | OpenMode::Migrate => store.migrate().await,
            OpenMode::ReadOnly => store
                .migration_state()
                .await
                .map_err(anyhow::Error::from)
                .and_then(MigrationState::require_current),
            OpenMode::Snapshot => Ok(()),
        };
        if let Err(e) = ready {
            store.close().await;
            return Err(e.context(format!("database {}", url.display())));
        }
        Ok(store)
    }

    /// A connection that receives [`COUNTS_CHANNEL`] and [`CAMPAIGNS_CHANNEL`]
    /// (notifications sent while it is disconnected are lost: re-read after connecting).
    pub async fn listener(&self) -> StoreResult<PgListener> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener
            .listen_all([COUNTS_CHANNEL, CAMPAIGNS_CHANNEL])
            .await?;
        Ok(listener)
    }

    /// Records the secret key's fingerprint the first time an instance starts on this
    /// database; `false` when an earlier instance recorded another one. Instances must
    /// share the key: a challenge one issues is checked by another, and network hashes
    /// (holds) must agree.
    pub async fn agree_on_key(&self, fingerprint: &str) -> StoreResult<bool> {
        sqlx::query(
            "INSERT INTO instance_settings (name, value) VALUES ('secret_key_fingerprint', $1)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(fingerprint)
        .execute(&self.pool)
        .await?;
        let recorded: String = sqlx::query_scalar(
            "SELECT value FROM instance_settings WHERE name = 'secret_key_fingerprint'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(recorded == fingerprint)
    }

    async fn translations(&self, campaign_id: i64) -> StoreResult<BTreeMap<String, Translation>> {
        let rows = sqlx::query(
            "SELECT lang, title, body, consent_text, fields_json FROM campaign_translations WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let t = Translation {
                    title: r.try_get(1)?,
                    text: r.try_get(2)?,
                    consent_text: r.try_get(3)?,
                    fields: Translation::fields_from_column(r.try_get(4)?)?,
                };
                Ok((r.try_get(0)?, t))
            })
            .collect()
    }
}

impl Store for PostgresStore {
    async fn close(&self) {
        self.pool.close().await;
    }

    async fn campaign(&self, slug: &str) -> StoreResult<Option<Campaign>> {
        let row = sqlx::query(select_campaigns!(" WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        let Some(mut campaign) = row.map(|r| campaign_from_row(&r)).transpose()? else {
            return Ok(None);
        };
        campaign.translations = self.translations(campaign.id).await?;
        Ok(Some(campaign))
    }

    async fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
        let rows = sqlx::query(select_campaigns!(" ORDER BY slug"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(campaign_from_row).collect()
    }

    async fn create_campaign(&self, c: &NewCampaign) -> StoreResult<bool> {
        let result = sqlx::query(
            "INSERT INTO campaigns (slug, title, body, goal, fields_json, consent_text, privacy_url, share_url, allow_public_names, languages_json, allowed_origins_json, pow_maxnumber, min_fill_seconds, reveal_already_signed, public_names, origin_mode)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (slug) DO NOTHING",
        )
        .bind(c.slug.as_ref())
        .bind(&c.title)
        .bind(&c.text)
        .bind(c.goal)
        .bind(to_json(&c.fields))
        .bind(&c.consent_text)
        .bind(&c.privacy_url)
        .bind(&c.share_url)
        .bind(c.allow_public_names)
        .bind(to_json(&c.languages))
        .bind(to_json(&c.allowed_origins))
        .bind(i64::from(c.pow_maxnumber))
        .bind(i64::from(c.min_fill_seconds))
        .bind(c.reveal_already_signed)
        .bind(c.public_names.as_str())
        .bind(c.origin_mode.as_str())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn set_allowed_origins(&self, slug: &str, origins: &[String]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE campaigns SET allowed_origins_json = $1 WHERE slug = $2")
            .bind(to_json(origins))
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        notify_campaign(&mut *tx, slug).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_proof_of_work(&self, slug: &str, maxnumber: u32) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE campaigns SET pow_maxnumber = $1 WHERE slug = $2")
            .bind(i64::from(maxnumber))
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        notify_campaign(&mut *tx, slug).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_translation(&self, slug: &str, lang: &str, t: &Translation) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
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
        notify_campaign(&mut *tx, slug).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn sign(
        &self,
        campaign_id: i64,
        key: &IdempotencyKey,
        request_hash: &str,
        sig: &NewSignature,
        ctx: SignContext<'_>,
    ) -> StoreResult<SignOutcome> {
        self.sign_in_one_transaction(campaign_id, key, request_hash, sig, ctx)
            .await
    }

    async fn expire_idempotency_keys(&self) -> StoreResult<u64> {
        let done = sqlx::query(concat!(
            "DELETE FROM idempotency_keys WHERE ",
            key_expired!()
        ))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn count_drift(&self) -> StoreResult<Vec<CountDrift>> {
        Ok(drift(&self.pool).await?)
    }

    /// Locks every campaign row first: a signature in flight then waits to bump its count
    /// until the recount is committed, and bumps the repaired value.
    async fn repair_counts(&self) -> StoreResult<Vec<CountDrift>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT id FROM campaigns ORDER BY id FOR UPDATE")
            .execute(&mut *tx)
            .await?;
        let drifted = drift(&mut *tx).await?;
        for d in &drifted {
            let id: i64 = sqlx::query_scalar(
                "UPDATE campaigns SET signature_count = $1 WHERE slug = $2 RETURNING id",
            )
            .bind(d.actual)
            .bind(&d.slug)
            .fetch_one(&mut *tx)
            .await?;
            notify_count(&mut tx, id, d.actual).await?;
        }
        tx.commit().await?;
        Ok(drifted)
    }

    async fn signatures(
        &self,
        campaign_id: i64,
        held_only: bool,
    ) -> StoreResult<Vec<SignatureRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            utc_text!("signed_at"),
            ", name, email, fields_json, public, locale, source_url, consent_text, ",
            utc_text!("consent_at"),
            ", CASE WHEN awaiting_confirmation IS NULL THEN status ELSE 'unconfirmed' END, consent_lang, consent_version FROM signatures
             WHERE campaign_id = $1 AND (NOT $2 OR (status = 'held' AND awaiting_confirmation IS NULL)) ORDER BY id"
        ))
        .bind(campaign_id)
        .bind(held_only)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SignatureRecord {
                    signed_at: r.try_get(0)?,
                    status: r.try_get(9)?,
                    name: r.try_get(1)?,
                    email: r.try_get(2)?,
                    fields: from_json(&r.try_get::<String, _>(3)?)?,
                    public: r.try_get(4)?,
                    locale: r.try_get(5)?,
                    source_url: r.try_get(6)?,
                    consent_text: r.try_get(7)?,
                    consent_lang: r.try_get(10)?,
                    consent_version: r.try_get(11)?,
                    consent_at: r.try_get(8)?,
                })
            })
            .collect()
    }

    async fn approve(&self, campaign_id: i64, email_normalised: Option<&str>) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE signatures SET status = 'signed' WHERE campaign_id = $1 AND status = 'held'
             AND awaiting_confirmation IS NULL AND ($2::TEXT IS NULL OR email_normalised = $2)",
        )
        .bind(campaign_id)
        .bind(email_normalised)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let count: i64 = sqlx::query_scalar(
            "UPDATE campaigns SET signature_count = signature_count + $1 WHERE id = $2 RETURNING signature_count",
        )
        .bind(i64::try_from(moved).unwrap_or(i64::MAX))
        .bind(campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        if moved > 0 {
            notify_count(&mut tx, campaign_id, count).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    async fn counts(&self) -> StoreResult<Vec<(i64, i64)>> {
        let rows = sqlx::query("SELECT id, signature_count FROM campaigns")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        migrated(MIGRATOR.run(&self.pool).await)
    }

    async fn migration_state(&self) -> StoreResult<MigrationState> {
        let has_table: bool =
            sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
                .fetch_one(&self.pool)
                .await?;
        let applied: Vec<(i64, bool)> = if has_table {
            sqlx::query("SELECT version, success FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<_, sqlx::Error>>()?
        } else {
            Vec::new()
        };
        Ok(MigrationState::compare(&MIGRATOR, &applied))
    }

    /// PostgreSQL enforces the foreign keys and checks its own pages (data checksums,
    /// `amcheck`), so there is no file-level check to run here: a database that answers
    /// this query is reported sound, and counts are checked by `count_drift`.
    async fn integrity(&self) -> StoreResult<Integrity> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(Integrity::default())
    }

    async fn totals(&self) -> StoreResult<Totals> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM campaigns),
                    (SELECT COUNT(*) FROM signatures WHERE status = 'signed'),
                    (SELECT COUNT(*) FROM signatures WHERE status = 'held')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Totals {
            campaigns: row.try_get(0)?,
            signed: row.try_get(1)?,
            held: row.try_get(2)?,
        })
    }

    async fn signature_totals(&self) -> StoreResult<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(SUM(signature_count), 0)::BIGINT FROM campaigns),
                    (SELECT COUNT(*) FROM signatures WHERE status = 'held')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// `backup` writes a SQLite file; PostgreSQL has its own consistent online dump.
    async fn backup_to(&self, _target: &Path) -> anyhow::Result<BackupSummary> {
        bail!(StoreError::Unsupported(format!(
            "`backup` copies a SQLite file; for PostgreSQL use pg_dump, which also takes a consistent copy while the servers run: pg_dump --format=custom --file=pledges.dump '{}' (restore with pg_restore; docs/deploy.md, \"PostgreSQL\")",
            self.shown_as
        )))
    }
}

async fn drift<'e, E>(executor: E) -> Result<Vec<CountDrift>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    let rows = sqlx::query(
        "SELECT slug, stored, actual FROM (
             SELECT c.slug AS slug, c.signature_count AS stored,
                    (SELECT COUNT(*) FROM signatures s WHERE s.campaign_id = c.id AND s.status = 'signed') AS actual
             FROM campaigns c) AS counted
         WHERE stored <> actual ORDER BY slug",
    )
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CountDrift {
                slug: r.try_get(0)?,
                stored: r.try_get(1)?,
                actual: r.try_get(2)?,
            })
        })
        .collect()
}

fn campaign_from_row(r: &PgRow) -> StoreResult<Campaign> {
    let small = |column: usize| -> StoreResult<u32> {
        let value: i64 = r.try_get(column)?;
        u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} in column {column}")))
    };
    Ok(Campaign {
        id: r.try_get(0)?,
        slug: r.try_get(1)?,
        title: r.try_get(2)?,
        text: r.try_get(3)?,
        goal: r.try_get(4)?,
        count: r.try_get(5)?,
        fields: from_json(&r.try_get::<String, _>(6)?)?,
        consent_text: r.try_get(7)?,
        privacy_url: r.try_get(8)?,
        share_url: r.try_get(9)?,
        allow_public_names: r.try_get(10)?,
        languages: from_json(&r.try_get::<String, _>(11)?)?,
        allowed_origins: from_json(&r.try_get::<String, _>(12)?)?,
        proof_of_work: ProofOfWork::from_maxnumber(small(13)?),
        min_fill_seconds: small(14)?,
        reveal_already_signed: r.try_get(15)?,
        public_names: crate::domain::PublicNames::parse(&r.try_get::<String, _>(16)?)
            .map_err(StoreError::Corrupt)?,
        state: crate::domain::CampaignState::parse(&r.try_get::<String, _>(17)?)
            .map_err(StoreError::Corrupt)?,
        origin_mode: crate::domain::OriginMode::parse(&r.try_get::<String, _>(18)?)
            .map_err(StoreError::Corrupt)?,
        closed_at: r.try_get(19)?,
        retention_days: r
            .try_get::<Option<i64>, _>(20)?
            .and_then(|d| u32::try_from(d).ok()),
        confirm_email: r.try_get(21)?,
        translations: BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_password() {
        let url = PostgresUrl::parse("postgres://pledge:s3cret@db.internal:5433/pledges").unwrap();
        assert_eq!(url.display(), "postgres://pledge@db.internal:5433/pledges");
        assert!(PostgresUrl::parse("postgres://[nope").is_err());
    }
}
