//! Keeping the data safe: the state of the migrations (which a command that only reads
//! never applies) for both stores, and SQLite's online backups (`VACUUM INTO`), restores
//! and integrity checks. PostgreSQL has its own tools for backups (`pg_dump`, see
//! docs/deploy.md).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sqlx::Row;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::file::{DatabaseFile, sidecar};
use super::{SqliteStore, StoreError, StoreResult};

/// The SQLite schema migrations built into this binary (`server/migrations/sqlite/`).
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Which of this binary's migrations a database has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationState {
    /// In this binary, not applied to the database: `(version, description)`.
    pub pending: Vec<(i64, String)>,
    /// Recorded in the database but unknown to this binary: a newer `pledge-server`
    /// migrated it.
    pub unknown: Vec<i64>,
    /// Started and not finished.
    pub failed: Vec<i64>,
}

impl MigrationState {
    pub fn is_current(&self) -> bool {
        self.pending.is_empty() && self.unknown.is_empty() && self.failed.is_empty()
    }

    /// What a command that reads (and so must not migrate) says when the schema is not the
    /// one this binary knows.
    pub fn require_current(self) -> anyhow::Result<()> {
        if !self.unknown.is_empty() {
            bail!(
                "it has migration(s) {:?} that this pledge-server does not know: a newer pledge-server upgraded it. Run that version, or restore the backup taken before the upgrade (docs/deploy.md, \"Upgrades and rollback\")",
                self.unknown
            );
        }
        if !self.failed.is_empty() {
            bail!(
                "migration(s) {:?} failed part-way; restore the backup taken before the upgrade",
                self.failed
            );
        }
        if !self.pending.is_empty() {
            let names: Vec<String> = self
                .pending
                .iter()
                .map(|(v, d)| format!("{v} {d}"))
                .collect();
            bail!(
                "it needs {} migration(s) this command will not apply, since it only reads ({}). Back it up, then run `pledge-server migrate` (or start `serve`)",
                names.len(),
                names.join(", ")
            );
        }
        Ok(())
    }
}

/// What a backup or restore holds, read back from the written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    pub campaigns: i64,
    /// Every signature row, held ones included.
    pub signatures: i64,
}

/// Campaigns and signatures in the database, as `check` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub campaigns: i64,
    pub signed: i64,
    pub held: i64,
}

/// What `check` found besides counts: SQLite's own integrity check and foreign keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Integrity {
    /// One line per problem; empty when the file is sound.
    pub problems: Vec<String>,
}

/// What applying migrations came to, in the words an operator needs: a database a newer
/// binary migrated is refused with the way back.
pub(super) fn migrated(result: Result<(), MigrateError>) -> anyhow::Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(MigrateError::VersionMissing(v)) => MigrationState {
            unknown: vec![v],
            ..MigrationState::default()
        }
        .require_current(),
        Err(e) => Err(anyhow::Error::new(StoreError::from(e)).context("applying migrations")),
    }
}

impl MigrationState {
    /// Compares the `(version, success)` rows of `_sqlx_migrations` with `migrator`.
    pub(super) fn compare(migrator: &Migrator, applied: &[(i64, bool)]) -> Self {
        let known = |v: i64| migrator.iter().any(|m| m.version == v);
        Self {
            pending: migrator
                .iter()
                .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
                .map(|m| (m.version, m.description.to_string()))
                .collect(),
            unknown: applied
                .iter()
                .filter(|(v, _)| !known(*v))
                .map(|(v, _)| *v)
                .collect(),
            failed: applied
                .iter()
                .filter(|(_, ok)| !ok)
                .map(|(v, _)| *v)
                .collect(),
        }
    }
}

impl SqliteStore {
    pub(super) async fn apply_migrations(&self) -> anyhow::Result<()> {
        migrated(MIGRATOR.run(&self.pool).await)
    }

    pub(super) async fn read_migration_state(&self) -> StoreResult<MigrationState> {
        migration_state(&self.pool).await
    }

    /// `PRAGMA integrity_check` (every page, index and constraint) and
    /// `PRAGMA foreign_key_check`. A file SQLite cannot read at all is an `Err`.
    pub(super) async fn check_integrity(&self) -> StoreResult<Integrity> {
        Ok(integrity(&self.pool).await?)
    }

    pub(super) async fn count_totals(&self) -> StoreResult<Totals> {
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

    /// Signed signatures (the sum of the stored counts, no table scan) and held ones (a
    /// partial index), for `/metrics`.
    pub(super) async fn count_signature_totals(&self) -> StoreResult<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(SUM(signature_count), 0) FROM campaigns),
                    (SELECT COUNT(*) FROM signatures WHERE status = 'held')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Writes a consistent copy of the whole database to `target` while the server keeps
    /// taking signatures: `VACUUM INTO` reads one snapshot (WAL lets writers go on), so the
    /// copy holds exactly the transactions committed before it started. The copy is
    /// written beside `target`, synced, renamed into place, then opened and checked.
    pub(super) async fn vacuum_into(&self, target: &Path) -> anyhow::Result<BackupSummary> {
        if target.exists() {
            bail!(
                "{} already exists; give a new file name (a backup never overwrites)",
                target.display()
            );
        }
        let partial = sidecar(target, ".partial");
        let _ = std::fs::remove_file(&partial);
        // Names and emails, like the database: owner-only from the start, whatever the umask
        // (`VACUUM INTO` writes into an empty file and keeps its mode).
        let mut create = std::fs::OpenOptions::new();
        create.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
        create
            .open(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        let as_text = partial
            .to_str()
            .with_context(|| format!("{} is not UTF-8", partial.display()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(as_text)
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)
            .with_context(|| format!("writing the backup to {}", partial.display()))?;
        durable_rename(&partial, target)?;
        verify_copy(target).await
    }
}

/// Opens a backup file without changing it, checks it and counts what it holds.
pub async fn verify_copy(path: &Path) -> anyhow::Result<BackupSummary> {
    let pool = open_copy(path).await?;
    let result = async {
        let found = integrity(&pool).await.map_err(StoreError::from)?;
        if !found.problems.is_empty() {
            bail!(
                "{} is damaged: {}",
                path.display(),
                found.problems.join("; ")
            );
        }
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM campaigns), (SELECT COUNT(*) FROM signatures)",
        )
        .fetch_one(&pool)
        .await
        .map_err(StoreError::from)?;
        Ok(BackupSummary {
            campaigns: row.try_get(0)?,
            signatures: row.try_get(1)?,
        })
    }
    .await;
    pool.close().await;
    result.with_context(|| format!("checking {}", path.display()))
}

/// Puts the backup `source` in place of the database `db` (the caller holds the
/// [`DatabaseLock`](super::DatabaseLock), so no server is using it). The backup is checked
/// first; the database it replaces, with its `-wal`, is kept beside it, renamed
/// `<db>.before-restore-<unix time>`. Returns what was restored and where the old one went.
pub async fn restore_file(
    source: &Path,
    db: &DatabaseFile,
) -> anyhow::Result<(BackupSummary, Option<PathBuf>)> {
    let Some(target) = db.path() else {
        bail!("cannot restore into an in-memory database");
    };
    if !source.is_file() {
        bail!("no backup file at {}", source.display());
    }
    let summary = verify_copy(source).await?;
    let pool = open_copy(source).await?;
    let state = migration_state(&pool).await;
    pool.close().await;
    let state = state?;
    if !state.unknown.is_empty() {
        bail!(
            "{} was written by a newer pledge-server (migrations {:?}); restore it with that version",
            source.display(),
            state.unknown
        );
    }
    let mut kept = None;
    if target.exists() {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let old = sidecar(target, &format!(".before-restore-{stamp}"));
        std::fs::rename(target, &old)
            .with_context(|| format!("moving {} aside", target.display()))?;
        let wal = sidecar(target, "-wal");
        if wal.exists() {
            std::fs::rename(&wal, sidecar(&old, "-wal"))
                .with_context(|| format!("moving {} aside", wal.display()))?;
        }
        kept = Some(old);
    }
    // The shared-memory index belongs to the old file; SQLite rebuilds it.
    let _ = std::fs::remove_file(sidecar(target, "-shm"));
    let partial = sidecar(target, ".restore-partial");
    std::fs::copy(source, &partial)
        .with_context(|| format!("copying {} to {}", source.display(), partial.display()))?;
    durable_rename(&partial, target)?;
    Ok((summary, kept))
}

/// A file that SQLite opens read-only and may assume nobody changes (no `-wal`/`-shm` is
/// created beside it).
async fn open_copy(path: &Path) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(StoreError::from)
        .with_context(|| format!("opening {}", path.display()))
}

/// Syncs `from`, renames it to `to` and syncs the folder, so after a crash `to` is either
/// absent or whole.
fn durable_rename(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::File::open(from)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", from.display()))?;
    std::fs::rename(from, to)
        .with_context(|| format!("renaming {} to {}", from.display(), to.display()))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("syncing the folder {}", dir.display()))?;
    }
    Ok(())
}

async fn integrity(pool: &SqlitePool) -> Result<Integrity, sqlx::Error> {
    let mut problems: Vec<String> = sqlx::query_scalar::<_, String>("PRAGMA integrity_check")
        .fetch_all(pool)
        .await?
        .into_iter()
        .filter(|line| line != "ok")
        .collect();
    for row in sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(pool)
        .await?
    {
        let table: String = row.try_get(0)?;
        let rowid: Option<i64> = row.try_get(1)?;
        let parent: String = row.try_get(2)?;
        problems.push(format!(
            "foreign key: {table} row {} points at a missing {parent} row",
            rowid.map_or_else(|| "?".to_owned(), |r| r.to_string())
        ));
    }
    Ok(Integrity { problems })
}

async fn migration_state(pool: &SqlitePool) -> StoreResult<MigrationState> {
    let has_table: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    let applied: Vec<(i64, bool)> = if has_table == 0 {
        Vec::new()
    } else {
        sqlx::query("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?
    };
    Ok(MigrationState::compare(&MIGRATOR, &applied))
}
