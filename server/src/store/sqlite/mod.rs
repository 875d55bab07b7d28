//! The SQLite store, the embedded default: one file, WAL, `synchronous=FULL`, one writer at
//! a time. Its migrations are `server/migrations/sqlite/`.

use std::time::Duration;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use sqlx::Row;
use sqlx::sqlite::{SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::group_commit::GroupCommit;
use super::sign_batch::PendingSignature;
use super::{
    BackupSummary, Campaign, CountDrift, DatabaseFile, Integrity, MigrationState, OpenMode,
    ProofOfWork, SignContext, SignOutcome, SignatureRecord, Store, StoreError, StoreResult, Totals,
    Translation, from_json, to_json,
};
use crate::domain::{IdempotencyKey, NewCampaign, NewSignature};

/// SQLite-backed storage for campaigns, signatures and idempotency keys.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    /// Writers queue here (FIFO) instead of in SQLite's busy handler, whose growing sleeps
    /// (up to 100 ms per retry) would put long tails on signature latency.
    pub(super) write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Signatures that arrive together share one transaction (see `group_commit`).
    group_commit: std::sync::Arc<GroupCommit>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

/// The SQL condition for an expired `idempotency_keys` row (24 = `IDEMPOTENCY_KEY_HOURS`).
macro_rules! key_expired {
    () => {
        "created_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')"
    };
}

/// Stores a post's idempotency key with its answer (after the count was read or raised in the
/// same query: `?1` campaign, `?2` key, `?3` request hash, `?4` status, `?5` added to the
/// count answered). An expired row with the same key is overwritten.
macro_rules! store_key {
    () => {
        "INSERT INTO idempotency_keys (campaign_id, key, request_hash, response_status, response_count)
         VALUES (?1, ?2, ?3, ?4, (SELECT signature_count FROM campaigns WHERE id = ?1) + ?5)
         ON CONFLICT (campaign_id, key) DO UPDATE SET request_hash = excluded.request_hash,
         response_status = excluded.response_status, response_count = excluded.response_count,
         created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    };
}

// After the macros: the submodule uses them.
mod sign;

pub(super) use sign::sign_statements;

/// The campaign SELECT with a literal tail; a macro because `concat!` needs literals and
/// sqlx 0.9 wants `&'static str` queries.
macro_rules! select_campaigns {
    ($tail:literal) => {
        concat!(
            "SELECT id, slug, title, body, goal, signature_count, fields_json, consent_text, privacy_url, share_url, allow_public_names, languages_json, allowed_origins_json, pow_maxnumber, min_fill_seconds, reveal_already_signed, public_names, state, origin_mode, closed_at, retention_days, confirm_email FROM campaigns",
            $tail
        )
    };
}

impl SqliteStore {
    /// Opens the database as `mode` allows: `Create` creates a missing file, `Create` and
    /// `Migrate` apply pending migrations, `ReadOnly` writes nothing and refuses a database
    /// whose migrations differ from this binary's (see docs/deploy.md, "Upgrades").
    ///
    /// WAL lets readers run beside the single writer; `synchronous=FULL` makes every
    /// commit reach the disk before we answer 201, so an acknowledged signature survives
    /// `kill -9` and power loss.
    pub async fn open(database_url: &str, mode: OpenMode) -> anyhow::Result<Self> {
        let db = DatabaseFile::parse(database_url)?;
        Self::open_file(&db, mode).await
    }

    pub async fn open_file(db: &DatabaseFile, mode: OpenMode) -> anyhow::Result<Self> {
        db.require(mode)?;
        let mut options = db
            .options
            .clone()
            .create_if_missing(mode == OpenMode::Create)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        options = if mode.reads_only() {
            // SQLite itself refuses every write on this connection; the journal mode is
            // whatever the file has (setting it would be a write).
            options.read_only(true)
        } else {
            options.journal_mode(SqliteJournalMode::Wal)
        };
        // A new file holds emails: create it 0600 before SQLite does (its -wal and -shm
        // files take the database file's permissions).
        if let (OpenMode::Create, Some(path)) = (mode, db.path()) {
            create_private(path).with_context(|| format!("creating {}", db.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .with_context(|| format!("opening the database {}", db.display()))?;
        let write_gate = std::sync::Arc::<tokio::sync::Mutex<()>>::default();
        let store = Self {
            group_commit: std::sync::Arc::new(GroupCommit::new(pool.clone(), write_gate.clone())),
            pool,
            write_gate,
        };
        let migrated = match mode {
            OpenMode::Create | OpenMode::Migrate => store.apply_migrations().await,
            OpenMode::ReadOnly => store
                .read_migration_state()
                .await
                .map_err(anyhow::Error::from)
                .and_then(MigrationState::require_current),
            OpenMode::Snapshot => Ok(()),
        };
        if let Err(e) = migrated {
            store.close().await;
            return Err(e.context(format!("database {}", db.display())));
        }
        Ok(store)
    }
}

impl Store for SqliteStore {
    async fn close(&self) {
        self.pool.close().await;
    }

    async fn campaign(&self, slug: &str) -> StoreResult<Option<Campaign>> {
        let row = sqlx::query(select_campaigns!(" WHERE slug = ?"))
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

    /// Inserts the campaign; `false` if the slug is taken (nothing is changed then).
    async fn create_campaign(&self, c: &NewCampaign) -> StoreResult<bool> {
        let result = sqlx::query(
            "INSERT INTO campaigns (slug, title, body, goal, fields_json, consent_text, privacy_url, share_url, allow_public_names, languages_json, allowed_origins_json, pow_maxnumber, min_fill_seconds, reveal_already_signed, public_names, origin_mode)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING",
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
        .bind(c.pow_maxnumber)
        .bind(c.min_fill_seconds)
        .bind(c.reveal_already_signed)
        .bind(c.public_names.as_str())
        .bind(c.origin_mode.as_str())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn set_allowed_origins(&self, slug: &str, origins: &[String]) -> StoreResult<()> {
        sqlx::query("UPDATE campaigns SET allowed_origins_json = ? WHERE slug = ?")
            .bind(to_json(origins))
            .bind(slug)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the proof-of-work difficulty (0 = off). Running servers keep the value they
    /// cached, so this is for before serving (the demo's `--pow`).
    async fn set_proof_of_work(&self, slug: &str, maxnumber: u32) -> StoreResult<()> {
        sqlx::query("UPDATE campaigns SET pow_maxnumber = ? WHERE slug = ?")
            .bind(maxnumber)
            .bind(slug)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_translation(&self, slug: &str, lang: &str, t: &Translation) -> StoreResult<bool> {
        self.insert_translation(slug, lang, t).await
    }

    /// Stores a signature at most once per (campaign, normalised email) and at most once
    /// per idempotency key, bumping the campaign's count in the same transaction.
    ///
    /// `BEGIN IMMEDIATE` takes SQLite's write lock before the first read, so the
    /// read-then-write below can never fail on a stale snapshot under concurrency; the
    /// UNIQUE index plus `ON CONFLICT DO NOTHING` is what makes duplicates impossible.
    ///
    /// A retry with a known key is answered before the proof is looked at (its proof may
    /// be spent or new); otherwise the proof is spent here, so two posts racing with one
    /// challenge cannot both pass. A signature from a network that already sent
    /// `hold_after` in the last hour is stored as `held` and not counted.
    async fn sign(
        &self,
        campaign_id: i64,
        key: &IdempotencyKey,
        request_hash: &str,
        sig: &NewSignature,
        ctx: SignContext<'_>,
    ) -> StoreResult<SignOutcome> {
        let post = PendingSignature::new(campaign_id, key, request_hash, sig, ctx);
        self.group_commit.sign(post).await
    }

    /// Deletes the idempotency keys older than `IDEMPOTENCY_KEY_HOURS`; returns how many.
    /// The server runs this at start and hourly; `sign` also ignores an expired key.
    async fn expire_idempotency_keys(&self) -> StoreResult<u64> {
        let _writer = self.write_gate.lock().await;
        let done = sqlx::query(concat!(
            "DELETE FROM idempotency_keys WHERE ",
            key_expired!()
        ))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Campaigns whose stored count differs from their number of signature rows. Count
    /// and row change in one transaction, so any drift means something outside `sign`
    /// (a restore, a hand edit, a bug) touched the data.
    async fn count_drift(&self) -> StoreResult<Vec<CountDrift>> {
        Ok(drift(&self.pool).await?)
    }

    /// Sets every drifted count to its number of rows, in one transaction under the write
    /// lock (so no signature lands between the recount and the update). Returns what it fixed.
    async fn repair_counts(&self) -> StoreResult<Vec<CountDrift>> {
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let drifted = drift(&mut *tx).await?;
        for d in &drifted {
            sqlx::query("UPDATE campaigns SET signature_count = ? WHERE slug = ?")
                .bind(d.actual)
                .bind(&d.slug)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(drifted)
    }

    /// Moves held signatures to `signed` and counts them, in one transaction: all of the
    /// campaign's (`email: None`) or the one with this normalised email. Returns how many
    /// moved. A running server shows the new count after its next signature.
    async fn approve(&self, campaign_id: i64, email_normalised: Option<&str>) -> StoreResult<u64> {
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let moved = sqlx::query(
            "UPDATE signatures SET status = 'signed' WHERE campaign_id = ? AND status = 'held'
             AND awaiting_confirmation IS NULL AND (? IS NULL OR email_normalised = ?)",
        )
        .bind(campaign_id)
        .bind(email_normalised)
        .bind(email_normalised)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE campaigns SET signature_count = signature_count + ? WHERE id = ?")
            .bind(i64::try_from(moved).unwrap_or(i64::MAX))
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn signatures(
        &self,
        campaign_id: i64,
        held_only: bool,
    ) -> StoreResult<Vec<SignatureRecord>> {
        let rows = sqlx::query(
            "SELECT signed_at, name, email, fields_json, public, locale, source_url, consent_text, consent_at,
                    CASE WHEN awaiting_confirmation IS NULL THEN status ELSE 'unconfirmed' END, consent_lang, consent_version FROM signatures
             WHERE campaign_id = ? AND (? = 0 OR (status = 'held' AND awaiting_confirmation IS NULL)) ORDER BY id",
        )
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

    async fn counts(&self) -> StoreResult<Vec<(i64, i64)>> {
        let rows = sqlx::query("SELECT id, signature_count FROM campaigns")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        self.apply_migrations().await
    }

    async fn migration_state(&self) -> StoreResult<MigrationState> {
        self.read_migration_state().await
    }

    async fn integrity(&self) -> StoreResult<Integrity> {
        self.check_integrity().await
    }

    async fn totals(&self) -> StoreResult<Totals> {
        self.count_totals().await
    }

    async fn signature_totals(&self) -> StoreResult<(i64, i64)> {
        self.count_signature_totals().await
    }

    async fn backup_to(&self, target: &Path) -> anyhow::Result<BackupSummary> {
        self.vacuum_into(target).await
    }
}

/// The database holds names and emails: a new file is created readable and writable by
/// its owner only (0600). SQLite gives the `-wal` and `-shm` files the database file's
/// permissions, so they follow. An existing file keeps the permissions it has.
fn create_private(path: &std::path::Path) -> std::io::Result<()> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    match open.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

async fn drift<'e, E>(executor: E) -> Result<Vec<CountDrift>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Sqlite>,
{
    let rows = sqlx::query(
        "SELECT slug, stored, actual FROM (
             SELECT c.slug AS slug, c.signature_count AS stored,
                    (SELECT COUNT(*) FROM signatures s WHERE s.campaign_id = c.id AND s.status = 'signed') AS actual
             FROM campaigns c)
         WHERE stored != actual ORDER BY slug",
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

fn campaign_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<Campaign> {
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
        proof_of_work: ProofOfWork::from_maxnumber(r.try_get(13)?),
        min_fill_seconds: r.try_get(14)?,
        reveal_already_signed: r.try_get(15)?,
        public_names: crate::domain::PublicNames::parse(&r.try_get::<String, _>(16)?)
            .map_err(StoreError::Corrupt)?,
        state: crate::domain::CampaignState::parse(&r.try_get::<String, _>(17)?)
            .map_err(StoreError::Corrupt)?,
        origin_mode: crate::domain::OriginMode::parse(&r.try_get::<String, _>(18)?)
            .map_err(StoreError::Corrupt)?,
        closed_at: r.try_get(19)?,
        retention_days: r.try_get(20)?,
        confirm_email: r.try_get(21)?,
        translations: Default::default(),
    })
}

impl SqliteStore {
    /// Transactions that stored signatures so far: fewer than the signatures when group
    /// commit shared them (a figure for tests and benchmarks).
    pub fn signature_commits(&self) -> u64 {
        self.group_commit.commits()
    }

    /// Signers waiting now to join the open group (a figure for tests, which cannot
    /// otherwise tell when a whole burst has queued up).
    pub fn signers_queued(&self) -> usize {
        self.group_commit.queued()
    }

    /// Holds the writer queue: no write starts until the guard is dropped. For tests that
    /// need writers to queue up behind a busy writer, as they do behind a slow fsync.
    pub async fn hold_writers(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.write_gate.clone().lock_owned().await
    }

    /// Stores (or replaces) the `lang` text of campaign `slug`; `false` if there is no such
    /// campaign.
    async fn insert_translation(
        &self,
        slug: &str,
        lang: &str,
        t: &Translation,
    ) -> StoreResult<bool> {
        let _gate = self.write_gate.lock().await;
        let done = sqlx::query(
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
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every language's text of a campaign, by language tag.
    async fn translations(&self, campaign_id: i64) -> StoreResult<BTreeMap<String, Translation>> {
        let rows = sqlx::query(
            "SELECT lang, title, body, consent_text, fields_json FROM campaign_translations WHERE campaign_id = ?",
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
