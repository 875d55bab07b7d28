//! The database as a file: where a `sqlite://` URL points, whether a command may create it,
//! and the lock that keeps a second server (or a repair, or a restore) off a file a server
//! is using.
//!
//! SQLite lets any number of processes open one file, but each `pledge-server serve` keeps
//! counts and campaigns in memory, so two servers on one file disagree about the count. The
//! lock is an exclusive `flock` on `<database>.lock` held for the server's lifetime; the
//! kernel drops it when the process ends, `kill -9` included, so no stale lock survives a
//! crash.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sqlx::sqlite::SqliteConnectOptions;

/// How a command may open the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file if it is missing, then migrate (`campaign create`, `demo`,
    /// `serve --create`, `restore`).
    Create,
    /// The file must exist; pending migrations are applied (`serve`, commands that write).
    Migrate,
    /// The file must exist and already be migrated; nothing is written (commands that
    /// only read: `check`, `campaign list|export|review`).
    ReadOnly,
    /// The file must exist; nothing is written and the schema may be any version
    /// (`backup`, which must work on a database an upgrade has not migrated yet).
    Snapshot,
}

impl OpenMode {
    /// Whether connections are opened read-only.
    pub fn reads_only(self) -> bool {
        matches!(self, Self::ReadOnly | Self::Snapshot)
    }
}

/// A `sqlite://` database URL and the file it names (`None` for an in-memory database).
#[derive(Debug, Clone)]
pub struct DatabaseFile {
    pub options: SqliteConnectOptions,
    path: Option<PathBuf>,
}

impl DatabaseFile {
    pub fn parse(database_url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(database_url).with_context(|| {
            format!("{database_url:?} is not a SQLite URL like sqlite:///var/lib/pledge/pledges.db")
        })?;
        let name = options.get_filename();
        let memory = name.as_os_str().is_empty()
            || name
                .to_str()
                .is_some_and(|n| n == ":memory:" || n.starts_with("file:"));
        let path = (!memory).then(|| absolute(name));
        Ok(Self { options, path })
    }

    /// The database file, made absolute (a relative URL is relative to the working
    /// directory, which messages should not leave the reader to guess).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The path for messages: the file, or `(in memory)`.
    pub fn display(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "(in memory)".to_owned(), |p| p.display().to_string())
    }

    /// Fails with a message naming the path when the file is missing, unless `mode` may
    /// create it.
    pub fn require(&self, mode: OpenMode) -> anyhow::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if mode != OpenMode::Create && !path.exists() {
            bail!(
                "no database at {}: check --database-url (or DATABASE_URL). Only `campaign create`, `demo`, `restore` and `serve --create` create a database",
                path.display()
            );
        }
        Ok(())
    }

    /// `<database>.lock`, beside the database.
    pub fn lock_path(&self) -> Option<PathBuf> {
        self.path.as_ref().map(|p| sidecar(p, ".lock"))
    }
}

/// `<path><suffix>`, e.g. `pledges.db-wal`.
pub(crate) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// An exclusive hold on a database file: a running server, or a command that must not run
/// beside one (`check --repair`, `restore`). Released on drop or when the process ends.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: Option<File>,
}

impl DatabaseLock {
    /// No lock: for databases that several servers may share (PostgreSQL).
    pub fn none() -> Self {
        Self { _file: None }
    }

    /// Takes the lock, or fails at once (no waiting) saying who holds it. `holder` is
    /// written into the lock file for the next one's message, e.g. `pledge-server serve`.
    pub fn acquire(db: &DatabaseFile, holder: &str) -> anyhow::Result<Self> {
        let Some(lock_path) = db.lock_path() else {
            return Ok(Self { _file: None });
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .with_context(|| format!("opening the lock file {}", lock_path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let who = std::fs::read_to_string(&lock_path).unwrap_or_default();
                let who = who.trim();
                let who = if who.is_empty() {
                    "another pledge-server"
                } else {
                    who
                };
                bail!(
                    "the database {} is in use by {who} (lock {}). One server per SQLite file: stop it first; to run several instances, use PostgreSQL",
                    db.display(),
                    lock_path.display()
                );
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", lock_path.display()));
            }
        }
        // Who holds it, for the message the next one gets. Best effort: the lock is what counts.
        let _ = file.set_len(0);
        let _ = writeln!(file, "{holder} (pid {})", std::process::id());
        Ok(Self { _file: Some(file) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_become_absolute_paths() {
        let db = DatabaseFile::parse("sqlite://pledges.db").unwrap();
        let path = db.path().unwrap();
        assert!(path.is_absolute(), "{path:?}");
        assert!(path.ends_with("pledges.db"));
        assert!(db.lock_path().unwrap().ends_with("pledges.db.lock"));
        assert!(
            DatabaseFile::parse("sqlite::memory:")
                .unwrap()
                .path()
                .is_none()
        );
    }

    #[test]
    fn the_lock_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = DatabaseFile::parse(&format!("sqlite://{}", dir.path().join("a.db").display()))
            .unwrap();
        let first = DatabaseLock::acquire(&db, "test one").unwrap();
        let second = DatabaseLock::acquire(&db, "test two").unwrap_err();
        assert!(
            format!("{second:#}").contains("in use by test one"),
            "{second:#}"
        );
        drop(first);
        DatabaseLock::acquire(&db, "test two").unwrap();
    }
}
