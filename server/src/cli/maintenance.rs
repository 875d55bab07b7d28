//! The operator's `check`, `backup`, `restore` and `migrate`.

use anyhow::{Context, bail};

use super::{Database, say};
use crate::store::{DatabaseUrl, OpenMode, SignatureStore, Store};

pub(super) async fn check(db: Database, repair: bool) -> anyhow::Result<()> {
    let file = DatabaseUrl::parse(&db.database_url)?;
    // A running server caches counts: repairing under it would leave it showing the old
    // ones (and its next signature would write one on top of them). On PostgreSQL there is
    // no lock: the repair is one transaction, announced to running servers like a signature.
    let _lock = repair
        .then(|| file.lock("pledge-server check --repair"))
        .transpose()
        .context("check --repair changes counts a running server keeps in memory")?;
    let mode = if repair {
        OpenMode::Migrate
    } else {
        OpenMode::ReadOnly
    };
    let store = SignatureStore::open_at(&file, mode).await?;
    let result = check_store(&store, repair).await;
    store.close().await;
    let (damaged, drifted) = result?;
    if damaged || (drifted && !repair) {
        // The exit code is what scripts and the crash test look at.
        std::process::exit(1);
    }
    Ok(())
}

/// Prints what `check` found; returns (damaged, drifted).
async fn check_store(store: &SignatureStore, repair: bool) -> anyhow::Result<(bool, bool)> {
    let integrity = store.integrity().await.context("reading the database")?;
    for problem in &integrity.problems {
        say(&format!("damaged\t{problem}"))?;
    }
    if !integrity.problems.is_empty() {
        say("damaged: restore the last backup (pledge-server restore FILE)")?;
        return Ok((true, false));
    }
    let totals = store.totals().await?;
    say(&format!(
        "integrity: ok ({} campaigns, {} signatures, {} held)",
        totals.campaigns, totals.signed, totals.held
    ))?;
    let drifted = if repair {
        store.repair_counts().await?
    } else {
        store.count_drift().await?
    };
    for d in &drifted {
        let verb = if repair { "repaired" } else { "drift" };
        say(&format!(
            "{verb}\t{}\tstored {}\tsignatures {}",
            d.slug, d.stored, d.actual
        ))?;
    }
    if drifted.is_empty() {
        say("ok: every campaign's count matches its signatures")?;
    }
    Ok((false, !drifted.is_empty()))
}

pub(super) async fn backup(target: &std::path::Path, db: Database) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::Snapshot).await?;
    let result = store.backup_to(target).await;
    store.close().await;
    let summary = result?;
    say(&format!(
        "backup: {} ({} campaigns, {} signatures, integrity ok)",
        target.display(),
        summary.campaigns,
        summary.signatures
    ))
}

pub(super) async fn restore(source: &std::path::Path, db: Database) -> anyhow::Result<()> {
    let file = match DatabaseUrl::parse(&db.database_url)? {
        DatabaseUrl::Sqlite(file) => file,
        DatabaseUrl::Postgres(pg) => bail!(
            "`restore` replaces a SQLite file; for PostgreSQL use pg_restore on the dump pg_dump wrote: pg_restore --clean --if-exists --dbname '{}' pledges.dump, with the servers stopped (docs/deploy.md, \"PostgreSQL\")",
            pg.display()
        ),
    };
    let _lock = crate::store::DatabaseLock::acquire(&file, "pledge-server restore")
        .context("restore replaces the file a running server has open")?;
    let (summary, kept) = crate::store::restore_file(source, &file).await?;
    // Bring the restored file to this version's schema now, so a failure shows here.
    crate::store::SqliteStore::open_file(&file, OpenMode::Migrate)
        .await?
        .close()
        .await;
    if let Some(old) = kept {
        say(&format!("kept the replaced database as {}", old.display()))?;
    }
    say(&format!(
        "restored {} into {} ({} campaigns, {} signatures); start the server",
        source.display(),
        file.display(),
        summary.campaigns,
        summary.signatures
    ))
}

pub(super) async fn migrate(db: Database) -> anyhow::Result<()> {
    let file = DatabaseUrl::parse(&db.database_url)?;
    // A server started before the upgrade runs the old code against the new schema.
    let _lock = file
        .lock("pledge-server migrate")
        .context("stop the server before migrating (the new version migrates when it starts)")?;
    let store = SignatureStore::open_at(&file, OpenMode::Snapshot).await?;
    let before = store.migration_state().await;
    store.close().await;
    let pending = before?.pending;
    SignatureStore::open_at(&file, OpenMode::Migrate)
        .await?
        .close()
        .await;
    if pending.is_empty() {
        say("migrate: nothing to do, the schema is current")
    } else {
        for (version, description) in &pending {
            say(&format!("applied\t{version}\t{description}"))?;
        }
        say(&format!("migrate: applied {} migration(s)", pending.len()))
    }
}
