//! All SQL lives here. Handlers and the CLI speak to `SignatureStore` only, so another
//! database (PostgreSQL) can be added behind the same methods later.

use std::time::Duration;

use anyhow::Context;
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::{SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::domain::{FieldDefinition, IdempotencyKey, NewCampaign, NewSignature, ShownConsent};
use crate::proof::VerifiedProof;

mod file;
mod maintenance;
mod translations;
pub use file::{DatabaseFile, DatabaseLock, OpenMode};
pub use maintenance::{
    BackupSummary, Integrity, MIGRATOR, MigrationState, Totals, restore_file, verify_copy,
};
pub use translations::{Translation, parse_translation_arg};

/// A campaign as stored, with its current count.
#[derive(Debug, Clone, Serialize)]
pub struct Campaign {
    #[serde(skip)]
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub text: String,
    pub goal: Option<i64>,
    pub count: i64,
    pub fields: Vec<FieldDefinition>,
    pub consent_text: String,
    pub privacy_url: Option<String>,
    pub share_url: Option<String>,
    pub allow_public_names: bool,
    pub languages: Vec<String>,
    /// Title, text and consent line per language tag (docs/api.md).
    pub translations: std::collections::BTreeMap<String, Translation>,
    #[serde(skip)]
    pub allowed_origins: Vec<String>,
    /// `null` when signatures need no proof of work.
    pub proof_of_work: Option<ProofOfWork>,
    /// Seconds between a challenge's issue and the post; only checked with proof of work.
    #[serde(skip)]
    pub min_fill_seconds: u32,
    /// Answer a repeated email `200 already_signed` instead of like a new signature.
    #[serde(skip)]
    pub reveal_already_signed: bool,
}

impl Campaign {
    /// The consent texts a signer may have seen: the campaign's own (in its first
    /// language), then each translation's.
    pub fn consent_texts(&self) -> Vec<ShownConsent<'_>> {
        let own = ShownConsent {
            lang: self.languages.first().map_or("en", String::as_str),
            text: &self.consent_text,
        };
        let translated = self.translations.iter().filter_map(|(lang, t)| {
            t.consent_text
                .as_deref()
                .map(|text| ShownConsent { lang, text })
        });
        std::iter::once(own).chain(translated).collect()
    }
}

/// The campaign's proof-of-work difficulty, as shown in `GET /campaigns/{slug}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProofOfWork {
    pub maxnumber: u32,
}

/// What the handler learned about a post besides its body, for `sign`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignContext<'a> {
    /// Spent in the same transaction; `None` when the campaign needs no proof.
    pub proof: Option<&'a VerifiedProof>,
    /// Keyed hash of the client's network, see `client_addr::network_of`.
    pub network_hash: Option<&'a str>,
    /// Hold a signature when this many already came from its network in the last hour
    /// (0 = never hold).
    pub hold_after: u32,
}

/// What a signature attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutcome {
    Signed {
        count: i64,
    },
    /// Stored as `held` for review, not counted. `count` is the public count; the sender
    /// is answered as if counted (`count + 1`), and that is what a retry replays.
    Held {
        count: i64,
    },
    AlreadySigned {
        count: i64,
    },
    /// The same key and body were seen before: this is that first answer.
    Replayed {
        signed: bool,
        count: i64,
    },
    /// The key was seen before with a different body.
    KeyReused,
    /// The proof's challenge was spent by an earlier signature.
    ProofReplayed,
}

/// A campaign whose stored count is not its number of signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountDrift {
    pub slug: String,
    /// `campaigns.signature_count`, what the API shows.
    pub stored: i64,
    /// Rows in `signatures`, the truth.
    pub actual: i64,
}

/// One exported signature.
#[derive(Debug, Clone)]
pub struct SignatureRecord {
    pub signed_at: String,
    /// `signed` or `held`.
    pub status: String,
    pub name: String,
    pub email: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub public: bool,
    pub locale: Option<String>,
    pub source_url: Option<String>,
    pub consent_text: String,
    /// Language and version of the consent text (absent for signatures stored before
    /// they were recorded).
    pub consent_lang: Option<String>,
    pub consent_version: Option<String>,
    pub consent_at: String,
}

/// SQLite-backed storage for campaigns, signatures and idempotency keys.
#[derive(Debug, Clone)]
pub struct SignatureStore {
    pool: SqlitePool,
    /// Writers queue here (FIFO) instead of in SQLite's busy handler, whose growing sleeps
    /// (up to 100 ms per retry) would put long tails on signature latency.
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// How long an `Idempotency-Key` is remembered (docs/api.md): long enough for the widget's
/// outbox to retry across a day offline, short enough that fresh keys cannot fill the disk.
pub const IDEMPOTENCY_KEY_HOURS: u32 = 24;

/// The SQL condition for an expired `idempotency_keys` row (24 = `IDEMPOTENCY_KEY_HOURS`).
macro_rules! key_expired {
    () => {
        "created_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')"
    };
}

/// The campaign SELECT with a literal tail; a macro because `concat!` needs literals and
/// sqlx 0.9 wants `&'static str` queries.
macro_rules! select_campaigns {
    ($tail:literal) => {
        concat!(
            "SELECT id, slug, title, body, goal, signature_count, fields_json, consent_text, privacy_url, share_url, allow_public_names, languages_json, allowed_origins_json, pow_maxnumber, min_fill_seconds, reveal_already_signed FROM campaigns",
            $tail
        )
    };
}

impl SignatureStore {
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
        let store = Self {
            pool,
            write_gate: Default::default(),
        };
        let migrated = match mode {
            OpenMode::Create | OpenMode::Migrate => store.migrate().await,
            OpenMode::ReadOnly => store
                .migration_state()
                .await
                .and_then(MigrationState::require_current),
            OpenMode::Snapshot => Ok(()),
        };
        if let Err(e) = migrated {
            store.close().await;
            return Err(e.context(format!("database {}", db.display())));
        }
        Ok(store)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn campaign(&self, slug: &str) -> Result<Option<Campaign>, sqlx::Error> {
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

    pub async fn campaigns(&self) -> Result<Vec<Campaign>, sqlx::Error> {
        let rows = sqlx::query(select_campaigns!(" ORDER BY slug"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(campaign_from_row).collect()
    }

    /// Inserts the campaign; `false` if the slug is taken (nothing is changed then).
    pub async fn create_campaign(&self, c: &NewCampaign) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "INSERT INTO campaigns (slug, title, body, goal, fields_json, consent_text, privacy_url, share_url, allow_public_names, languages_json, allowed_origins_json, pow_maxnumber, min_fill_seconds, reveal_already_signed)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING",
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
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn set_allowed_origins(
        &self,
        slug: &str,
        origins: &[String],
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE campaigns SET allowed_origins_json = ? WHERE slug = ?")
            .bind(to_json(origins))
            .bind(slug)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets the proof-of-work difficulty (0 = off). Running servers keep the value they
    /// cached, so this is for before serving (the demo's `--pow`).
    pub async fn set_proof_of_work(&self, slug: &str, maxnumber: u32) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE campaigns SET pow_maxnumber = ? WHERE slug = ?")
            .bind(maxnumber)
            .bind(slug)
            .execute(&self.pool)
            .await?;
        Ok(())
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
    pub async fn sign(
        &self,
        campaign_id: i64,
        key: &IdempotencyKey,
        request_hash: &str,
        sig: &NewSignature,
        ctx: SignContext<'_>,
    ) -> Result<SignOutcome, sqlx::Error> {
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        // An expired key is forgotten here too, not only by the sweep: past 24 h a retry
        // is a new attempt (and the email rule still stops a second signature).
        sqlx::query(concat!(
            "DELETE FROM idempotency_keys WHERE campaign_id = ? AND key = ? AND ",
            key_expired!()
        ))
        .bind(campaign_id)
        .bind(key.as_ref())
        .execute(&mut *tx)
        .await?;
        let seen = sqlx::query("SELECT request_hash, response_status, response_count FROM idempotency_keys WHERE campaign_id = ? AND key = ?")
            .bind(campaign_id)
            .bind(key.as_ref())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = seen {
            let hash: String = row.try_get(0)?;
            if hash != request_hash {
                return Ok(SignOutcome::KeyReused);
            }
            let status: i64 = row.try_get(1)?;
            return Ok(SignOutcome::Replayed {
                signed: status == 201,
                count: row.try_get(2)?,
            });
        }
        if let Some(proof) = ctx.proof {
            // Expired rows can go: an expired challenge is refused before it gets here.
            let now = i64::try_from(crate::proof::unix_now()).unwrap_or(i64::MAX);
            sqlx::query("DELETE FROM used_challenges WHERE expires_at <= ?")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let fresh = sqlx::query(
                "INSERT INTO used_challenges (challenge, expires_at) VALUES (?, ?) ON CONFLICT (challenge) DO NOTHING",
            )
            .bind(&proof.challenge)
            .bind(i64::try_from(proof.expires).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !fresh {
                return Ok(SignOutcome::ProofReplayed);
            }
        }
        let held = match ctx.network_hash {
            Some(network) if ctx.hold_after > 0 => {
                let recent: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM signatures WHERE campaign_id = ? AND network_hash = ?
                     AND signed_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour')",
                )
                .bind(campaign_id)
                .bind(network)
                .fetch_one(&mut *tx)
                .await?;
                recent >= i64::from(ctx.hold_after)
            }
            _ => false,
        };
        let inserted = sqlx::query(
            "INSERT INTO signatures (campaign_id, name, email, email_normalised, fields_json, public, locale, source_url, consent_text, consent_lang, consent_version, status, network_hash, consent_at, signed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             ON CONFLICT (campaign_id, email_normalised) DO NOTHING",
        )
        .bind(campaign_id)
        .bind(sig.name.as_ref())
        .bind(sig.email.as_typed())
        .bind(sig.email.normalised())
        .bind(to_json(sig.fields.as_map()))
        .bind(sig.public)
        .bind(sig.locale.as_ref().map(|l| l.as_ref().to_owned()))
        .bind(sig.source_url.as_ref().map(|u| u.as_ref().to_owned()))
        .bind(&sig.consent.text)
        .bind(&sig.consent.lang)
        .bind(&sig.consent.version)
        .bind(if held { "held" } else { "signed" })
        .bind(ctx.network_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let count: i64 = if inserted && !held {
            sqlx::query_scalar("UPDATE campaigns SET signature_count = signature_count + 1 WHERE id = ? RETURNING signature_count")
                .bind(campaign_id)
                .fetch_one(&mut *tx)
                .await?
        } else {
            sqlx::query_scalar("SELECT signature_count FROM campaigns WHERE id = ?")
                .bind(campaign_id)
                .fetch_one(&mut *tx)
                .await?
        };
        // A held signature's sender was told it counted; a retry must hear the same.
        let answered_count = if inserted && held { count + 1 } else { count };
        sqlx::query("INSERT INTO idempotency_keys (campaign_id, key, request_hash, response_status, response_count) VALUES (?, ?, ?, ?, ?)")
            .bind(campaign_id)
            .bind(key.as_ref())
            .bind(request_hash)
            .bind(if inserted { 201_i64 } else { 200 })
            .bind(answered_count)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(if inserted && held {
            SignOutcome::Held { count }
        } else if inserted {
            SignOutcome::Signed { count }
        } else {
            SignOutcome::AlreadySigned { count }
        })
    }

    /// Deletes the idempotency keys older than [`IDEMPOTENCY_KEY_HOURS`]; returns how many.
    /// The server runs this at start and hourly; `sign` also ignores an expired key.
    pub async fn expire_idempotency_keys(&self) -> Result<u64, sqlx::Error> {
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
    pub async fn count_drift(&self) -> Result<Vec<CountDrift>, sqlx::Error> {
        drift(&self.pool).await
    }

    /// Sets every drifted count to its number of rows, in one transaction under the write
    /// lock (so no signature lands between the recount and the update). Returns what it fixed.
    pub async fn repair_counts(&self) -> Result<Vec<CountDrift>, sqlx::Error> {
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

    /// Every signature of a campaign, held ones included, oldest first.
    pub async fn signatures(&self, campaign_id: i64) -> Result<Vec<SignatureRecord>, sqlx::Error> {
        self.signatures_where(campaign_id, false).await
    }

    /// The campaign's signatures held for review, oldest first.
    pub async fn held(&self, campaign_id: i64) -> Result<Vec<SignatureRecord>, sqlx::Error> {
        self.signatures_where(campaign_id, true).await
    }

    /// Moves held signatures to `signed` and counts them, in one transaction: all of the
    /// campaign's (`email: None`) or the one with this normalised email. Returns how many
    /// moved. A running server shows the new count after its next signature.
    pub async fn approve(
        &self,
        campaign_id: i64,
        email_normalised: Option<&str>,
    ) -> Result<u64, sqlx::Error> {
        let _writer = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let moved = sqlx::query(
            "UPDATE signatures SET status = 'signed' WHERE campaign_id = ? AND status = 'held'
             AND (? IS NULL OR email_normalised = ?)",
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

    async fn signatures_where(
        &self,
        campaign_id: i64,
        held_only: bool,
    ) -> Result<Vec<SignatureRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT signed_at, name, email, fields_json, public, locale, source_url, consent_text, consent_at, status, consent_lang, consent_version FROM signatures
             WHERE campaign_id = ? AND (? = 0 OR status = 'held') ORDER BY id",
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
                    fields: from_json(r.try_get(3)?)?,
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

fn campaign_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Campaign, sqlx::Error> {
    Ok(Campaign {
        id: r.try_get(0)?,
        slug: r.try_get(1)?,
        title: r.try_get(2)?,
        text: r.try_get(3)?,
        goal: r.try_get(4)?,
        count: r.try_get(5)?,
        fields: from_json(r.try_get(6)?)?,
        consent_text: r.try_get(7)?,
        privacy_url: r.try_get(8)?,
        share_url: r.try_get(9)?,
        allow_public_names: r.try_get(10)?,
        languages: from_json(r.try_get(11)?)?,
        allowed_origins: from_json(r.try_get(12)?)?,
        proof_of_work: match r.try_get::<u32, _>(13)? {
            0 => None,
            maxnumber => Some(ProofOfWork { maxnumber }),
        },
        min_fill_seconds: r.try_get(14)?,
        reveal_already_signed: r.try_get(15)?,
        translations: Default::default(),
    })
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    // Serialising our own plain data types cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn from_json<T: serde::de::DeserializeOwned>(text: String) -> Result<T, sqlx::Error> {
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
