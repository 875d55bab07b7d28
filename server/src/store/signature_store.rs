//! The store a command opens, chosen by the `--database-url` scheme: SQLite or PostgreSQL
//! behind one [`Store`], so handlers and commands never ask which.

use std::path::Path;

use super::{
    BackupSummary, Campaign, CountDrift, DatabaseFile, DatabaseLock, Integrity, MigrationState,
    OpenMode, PostgresStore, SignContext, SignOutcome, SignatureRecord, SqliteStore, Store,
    StoreResult, Totals, Translation, postgres,
};
use crate::domain::{IdempotencyKey, NewCampaign, NewSignature};

/// Where a `--database-url` points: a SQLite file (or memory) or a PostgreSQL server.
#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    Sqlite(DatabaseFile),
    Postgres(postgres::PostgresUrl),
}

impl DatabaseUrl {
    pub fn parse(database_url: &str) -> anyhow::Result<Self> {
        if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            Ok(Self::Postgres(postgres::PostgresUrl::parse(database_url)?))
        } else {
            Ok(Self::Sqlite(DatabaseFile::parse(database_url)?))
        }
    }

    /// For messages: the file, or the server and database (never the password).
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite(db) => db.display(),
            Self::Postgres(pg) => pg.display(),
        }
    }

    /// Fails when a SQLite file is missing and `mode` may not create it. A PostgreSQL
    /// database is created by its operator (`createdb`), never by a command.
    pub fn require(&self, mode: OpenMode) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(db) => db.require(mode),
            Self::Postgres(_) => Ok(()),
        }
    }

    /// One server per SQLite file (see [`DatabaseLock`]); PostgreSQL takes several.
    pub fn lock(&self, holder: &str) -> anyhow::Result<DatabaseLock> {
        match self {
            Self::Sqlite(db) => DatabaseLock::acquire(db, holder),
            Self::Postgres(_) => Ok(DatabaseLock::none()),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// The store a command opened: SQLite or PostgreSQL, by the URL's scheme. Cheap to clone.
#[derive(Debug, Clone)]
pub enum SignatureStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SignatureStore {
    /// Opens `database_url` as `mode` allows (see [`OpenMode`]).
    pub async fn open(database_url: &str, mode: OpenMode) -> anyhow::Result<Self> {
        Self::open_at(&DatabaseUrl::parse(database_url)?, mode).await
    }

    pub async fn open_at(url: &DatabaseUrl, mode: OpenMode) -> anyhow::Result<Self> {
        Ok(match url {
            DatabaseUrl::Sqlite(db) => Self::Sqlite(SqliteStore::open_file(db, mode).await?),
            DatabaseUrl::Postgres(pg) => Self::Postgres(PostgresStore::open(pg, mode).await?),
        })
    }

    pub fn as_postgres(&self) -> Option<&PostgresStore> {
        match self {
            Self::Postgres(pg) => Some(pg),
            Self::Sqlite(_) => None,
        }
    }

    /// Every signature of a campaign, held ones included, oldest first.
    pub async fn all_signatures(&self, campaign_id: i64) -> StoreResult<Vec<SignatureRecord>> {
        self.signatures(campaign_id, false).await
    }

    /// The campaign's signatures held for review, oldest first.
    pub async fn held(&self, campaign_id: i64) -> StoreResult<Vec<SignatureRecord>> {
        self.signatures(campaign_id, true).await
    }
}

/// Calls the same method on whichever store this is.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            SignatureStore::Sqlite(s) => s.$method($($arg),*).await,
            SignatureStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store for SignatureStore {
    async fn close(&self) {
        dispatch!(self.close())
    }
    async fn campaign(&self, slug: &str) -> StoreResult<Option<Campaign>> {
        dispatch!(self.campaign(slug))
    }
    async fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
        dispatch!(self.campaigns())
    }
    async fn create_campaign(&self, c: &NewCampaign) -> StoreResult<bool> {
        dispatch!(self.create_campaign(c))
    }
    async fn set_allowed_origins(&self, slug: &str, origins: &[String]) -> StoreResult<()> {
        dispatch!(self.set_allowed_origins(slug, origins))
    }
    async fn set_proof_of_work(&self, slug: &str, maxnumber: u32) -> StoreResult<()> {
        dispatch!(self.set_proof_of_work(slug, maxnumber))
    }
    async fn set_translation(&self, slug: &str, lang: &str, t: &Translation) -> StoreResult<bool> {
        dispatch!(self.set_translation(slug, lang, t))
    }
    async fn sign(
        &self,
        campaign_id: i64,
        key: &IdempotencyKey,
        request_hash: &str,
        sig: &NewSignature,
        ctx: SignContext<'_>,
    ) -> StoreResult<SignOutcome> {
        dispatch!(self.sign(campaign_id, key, request_hash, sig, ctx))
    }
    async fn expire_idempotency_keys(&self) -> StoreResult<u64> {
        dispatch!(self.expire_idempotency_keys())
    }
    async fn count_drift(&self) -> StoreResult<Vec<CountDrift>> {
        dispatch!(self.count_drift())
    }
    async fn repair_counts(&self) -> StoreResult<Vec<CountDrift>> {
        dispatch!(self.repair_counts())
    }
    async fn signatures(
        &self,
        campaign_id: i64,
        held_only: bool,
    ) -> StoreResult<Vec<SignatureRecord>> {
        dispatch!(self.signatures(campaign_id, held_only))
    }
    async fn approve(&self, campaign_id: i64, email_normalised: Option<&str>) -> StoreResult<u64> {
        dispatch!(self.approve(campaign_id, email_normalised))
    }
    async fn counts(&self) -> StoreResult<Vec<(i64, i64)>> {
        dispatch!(self.counts())
    }
    async fn migrate(&self) -> anyhow::Result<()> {
        dispatch!(self.migrate())
    }
    async fn migration_state(&self) -> StoreResult<MigrationState> {
        dispatch!(self.migration_state())
    }
    async fn integrity(&self) -> StoreResult<Integrity> {
        dispatch!(self.integrity())
    }
    async fn totals(&self) -> StoreResult<Totals> {
        dispatch!(self.totals())
    }
    async fn signature_totals(&self) -> StoreResult<(i64, i64)> {
        dispatch!(self.signature_totals())
    }
    async fn backup_to(&self, target: &Path) -> anyhow::Result<BackupSummary> {
        dispatch!(self.backup_to(target))
    }
}
