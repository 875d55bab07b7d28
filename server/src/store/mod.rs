//! Where campaigns and signatures are kept: the [`Store`] trait (the one contract handlers
//! and the CLI speak to), with a SQLite and a PostgreSQL implementation, each with its own
//! `migrations/` folder (the layout atuin uses).
//!
//! - [`sqlite`]: the embedded default (`sqlite://…`): one file, one server on it.
//! - [`postgres`]: `postgres://…`: several `serve` instances on one database.
//!
//! [`SignatureStore`] is the store a command opened, chosen by the URL's scheme. No
//! `sqlx::Error` leaves this module ([`StoreError`]), and no policy lives here: whether to
//! hold a signature and whether a proof is good are decided by the caller (see
//! [`SignContext`]); the store only makes each decision atomic with the write.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::Path;
use std::time::Duration;

use crate::domain::{FieldDefinition, IdempotencyKey, NewCampaign, NewSignature, ShownConsent};

pub mod bounce;
pub mod confirmation;
mod confirmation_postgres;
mod confirmation_sqlite;
pub mod console;
mod console_postgres;
mod console_sqlite;
pub mod delivery;
mod delivery_postgres;
mod delivery_sqlite;
pub mod email_outbox;
pub mod erasure;
mod file;
mod group_commit;
pub mod lifecycle;
mod maintenance;
pub mod postgres;
pub mod public_name_link;
mod sign_batch;
mod sign_batch_sqlite;
mod signature_store;
pub mod sqlite;
pub mod supporter_data;
mod translations;
pub mod wall;

pub use file::{DatabaseFile, DatabaseLock, OpenMode};
pub use lifecycle::{LifecycleStore, OriginsChanged};
pub use maintenance::{
    BackupSummary, Integrity, MIGRATOR, MigrationState, Totals, restore_file, verify_copy,
};
pub use postgres::PostgresStore;
pub use signature_store::{DatabaseUrl, SignatureStore};
pub use sqlite::SqliteStore;
pub use translations::{FieldTranslation, Translation, parse_translation_arg};
pub use wall::{WallChange, WallRow, WallStore};

/// A campaign as stored, with its count when it was read. Not a wire type: the routes
/// decide what of it a client sees.
#[derive(Debug, Clone)]
pub struct Campaign {
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
    /// Title, text and consent line per language tag.
    pub translations: BTreeMap<String, Translation>,
    /// The listed origins; whether they restrict signing is `origin_mode`.
    pub allowed_origins: Vec<String>,
    pub origin_mode: crate::domain::OriginMode,
    /// Open, closed or archived.
    pub state: crate::domain::CampaignState,
    /// When it last left `open` (`YYYY-MM-DDTHH:MM:SS.mmmZ`, UTC); `None` while open.
    pub closed_at: Option<String>,
    /// Days after closing that signers' personal data is kept; `None` = until erased.
    pub retention_days: Option<u32>,
    /// `None` when signatures need no proof of work.
    pub proof_of_work: Option<ProofOfWork>,
    /// Seconds between a challenge's issue and the post; only checked with proof of work.
    pub min_fill_seconds: u32,
    /// Answer a repeated email `200 already_signed` instead of like a new signature.
    pub reveal_already_signed: bool,
    /// New signatures wait for the signer to confirm by email (double opt-in).
    pub confirm_email: bool,
    /// Whether and when opted-in signers appear on the public wall.
    pub public_names: crate::domain::PublicNames,
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

/// How long an `Idempotency-Key` is remembered (docs/api.md): long enough for the widget's
/// outbox to retry across a day offline, short enough that fresh keys cannot fill the disk.
pub const IDEMPOTENCY_KEY_HOURS: u32 = 24;

/// The campaign's proof-of-work difficulty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofOfWork {
    pub maxnumber: u32,
}

impl ProofOfWork {
    /// `None` for 0, how "off" is stored.
    pub fn from_maxnumber(maxnumber: u32) -> Option<Self> {
        (maxnumber > 0).then_some(Self { maxnumber })
    }
}

/// A proof-of-work challenge to spend with a signature: the caller checked the proof, the
/// store only makes sure the challenge is spent once (across every instance on the database).
#[derive(Debug, Clone, Copy)]
pub struct SpentChallenge<'a> {
    pub challenge: &'a str,
    /// Unix seconds; the row may be forgotten after this (an expired proof is refused anyway).
    pub expires_at: u64,
}

/// Whether a signature is held for review, decided by the caller (`AbuseControls`) from
/// how many signatures its network sent to the campaign recently.
pub trait HoldPolicy: fmt::Debug + Send + Sync {
    fn holds(&self, recent_from_network: i64) -> bool;
}

/// The caller's hold policy, applied inside the signature's transaction so two posts from
/// one network cannot both slip under it: the store counts what the network sent to the
/// campaign within `window`, and `policy` says whether that is too many. Shared, not
/// borrowed: the transaction that applies it may serve a whole group of signers.
#[derive(Debug, Clone)]
pub struct HoldCheck {
    pub window: Duration,
    pub policy: std::sync::Arc<dyn HoldPolicy>,
}

/// What the handler learned about a post besides its body, for `sign`.
#[derive(Debug, Clone, Default)]
pub struct SignContext<'a> {
    /// Spent in the same transaction; `None` when the campaign needs no proof.
    pub challenge: Option<SpentChallenge<'a>>,
    /// Keyed hash of the client's network, stored with the signature.
    pub network_hash: Option<&'a str>,
    /// Applied when there is a `network_hash`; `None` = never hold.
    pub hold: Option<HoldCheck>,
    /// The campaign asks for confirmation by email: a new signature is stored awaiting it
    /// (as `Held`, not counted), a repeated one queues an email to its signer.
    pub confirm_email: bool,
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
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), the same text from both stores.
    pub signed_at: String,
    /// `signed`, `held`, or `unconfirmed` (awaiting the signer's confirmation by email; not
    /// in the held list, which is for review).
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

/// Why the store could not do what was asked. Carries text, never the driver's error type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The database did not answer: connection refused or lost, pool timed out.
    Unavailable(String),
    /// A stored value could not be read back as this version's type (a hand edit, damage).
    Corrupt(String),
    /// The database refused the statement.
    Database(String),
    /// The operation does not exist for this database; the text says what to use instead.
    Unsupported(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(e) => write!(f, "the database is unavailable: {e}"),
            Self::Corrupt(e) => write!(f, "a stored value could not be read: {e}"),
            Self::Database(e) => write!(f, "database: {e}"),
            Self::Unsupported(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match e {
            E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => {
                Self::Unavailable(e.to_string())
            }
            E::Decode(_)
            | E::ColumnDecode { .. }
            | E::ColumnNotFound(_)
            | E::TypeNotFound { .. } => Self::Corrupt(e.to_string()),
            other => Self::Database(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Database(format!("migrations: {e}"))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The store contract: what handlers and the CLI may ask of a database. Both
/// implementations keep the same promises: a signature and its count change in one
/// transaction; at most one signature per (campaign, normalised email) and per
/// idempotency key; a challenge is spent at most once.
pub trait Store: Send + Sync {
    fn close(&self) -> impl Future<Output = ()> + Send;

    fn campaign(&self, slug: &str) -> impl Future<Output = StoreResult<Option<Campaign>>> + Send;

    /// Every campaign, by slug (translations not loaded).
    fn campaigns(&self) -> impl Future<Output = StoreResult<Vec<Campaign>>> + Send;

    /// Inserts the campaign; `false` if the slug is taken (nothing is changed then).
    fn create_campaign(&self, c: &NewCampaign) -> impl Future<Output = StoreResult<bool>> + Send;

    fn set_allowed_origins(
        &self,
        slug: &str,
        origins: &[String],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Sets the proof-of-work difficulty (0 = off). Running servers keep the value they
    /// cached, so this is for before serving (the demo's `--pow`).
    fn set_proof_of_work(
        &self,
        slug: &str,
        maxnumber: u32,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Stores (or replaces) the `lang` text of campaign `slug`; `false` if there is no such
    /// campaign.
    fn set_translation(
        &self,
        slug: &str,
        lang: &str,
        t: &Translation,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Stores a signature at most once per (campaign, normalised email) and at most once
    /// per idempotency key, bumping the campaign's count in the same transaction. A retry
    /// with a known key is answered before the proof is looked at; otherwise the challenge
    /// is spent here, so two posts racing with one challenge cannot both pass.
    fn sign(
        &self,
        campaign_id: i64,
        key: &IdempotencyKey,
        request_hash: &str,
        sig: &NewSignature,
        ctx: SignContext<'_>,
    ) -> impl Future<Output = StoreResult<SignOutcome>> + Send;

    /// Deletes the idempotency keys older than [`IDEMPOTENCY_KEY_HOURS`]; returns how many.
    /// The server runs this at start and hourly; `sign` also ignores an expired key.
    fn expire_idempotency_keys(&self) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Campaigns whose stored count differs from their number of signed rows.
    fn count_drift(&self) -> impl Future<Output = StoreResult<Vec<CountDrift>>> + Send;

    /// Sets every drifted count to its number of rows, atomically with respect to `sign`.
    fn repair_counts(&self) -> impl Future<Output = StoreResult<Vec<CountDrift>>> + Send;

    /// Every signature of a campaign (held ones included, oldest first), or only the held.
    fn signatures(
        &self,
        campaign_id: i64,
        held_only: bool,
    ) -> impl Future<Output = StoreResult<Vec<SignatureRecord>>> + Send;

    /// Moves held signatures to `signed` and counts them, in one transaction: all of the
    /// campaign's (`None`) or the one with this normalised email. Returns how many moved.
    fn approve(
        &self,
        campaign_id: i64,
        email_normalised: Option<&str>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Every campaign's current count, by id: what a server re-reads when it may have
    /// missed changes (a reconnected listener).
    fn counts(&self) -> impl Future<Output = StoreResult<Vec<(i64, i64)>>> + Send;

    /// Applies pending migrations. Refuses a database a newer binary migrated.
    fn migrate(&self) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The migrations applied to the database against those built in; writes nothing.
    fn migration_state(&self) -> impl Future<Output = StoreResult<MigrationState>> + Send;

    /// The database's own consistency checks; a database that cannot be read is an `Err`.
    fn integrity(&self) -> impl Future<Output = StoreResult<Integrity>> + Send;

    /// How many campaigns and signatures (signed, held) the database holds.
    fn totals(&self) -> impl Future<Output = StoreResult<Totals>> + Send;

    /// Signed (the sum of the stored counts) and held signatures, for `/metrics`.
    fn signature_totals(&self) -> impl Future<Output = StoreResult<(i64, i64)>> + Send;

    /// A consistent copy of the whole database in the file `target`, taken while serving.
    fn backup_to(
        &self,
        target: &Path,
    ) -> impl Future<Output = anyhow::Result<BackupSummary>> + Send;
}

/// Serialising our own plain data types cannot fail.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("stored JSON: {e}")))
}
