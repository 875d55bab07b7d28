//! The retention sweep's part of the store: once a campaign has been closed longer than its
//! `retention_days`, its signers' personal data is deleted and their signatures stay as
//! anonymous rows, so counts, `check` and the consent record (text, version, time) hold.

use super::super::{PostgresStore, SignatureStore, SqliteStore, StoreResult};

/// Campaigns closed (or archived) for longer than their retention (SQLite).
macro_rules! expired {
    () => {
        "SELECT id FROM campaigns WHERE state <> 'open' AND retention_days IS NOT NULL
           AND closed_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || retention_days || ' days')"
    };
}

/// What the sweep clears on each signature: name, email (the normalised one becomes
/// `deleted:<id>`, still unique), answers, the public-name choice (the wall hears it),
/// language, page and network hash. An empty `email` marks a cleared row.
impl SqliteStore {
    /// Clears the personal data of every signature whose campaign's retention has run out;
    /// returns how many signatures were cleared. The outbox's copies are blanked too.
    pub async fn sweep_retention(&self) -> StoreResult<u64> {
        let _gate = self.write_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(concat!(
            "UPDATE outbox_events SET data_json = json_object('signature_id', signature_id, 'erased', json('true'))
             WHERE signature_id IN (SELECT id FROM signatures WHERE email <> '' AND campaign_id IN (",
            expired!(),
            "))"
        ))
        .execute(&mut *tx)
        .await?;
        let cleared = sqlx::query(concat!(
            "UPDATE signatures SET name = '', email = '', email_normalised = 'deleted:' || id,
               fields_json = '{}', public = 0, locale = NULL, source_url = NULL, network_hash = NULL
             WHERE email <> '' AND campaign_id IN (",
            expired!(),
            ")"
        ))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(cleared)
    }
}

impl PostgresStore {
    /// As [`SqliteStore::sweep_retention`].
    pub async fn sweep_retention(&self) -> StoreResult<u64> {
        let cleared: i64 = sqlx::query_scalar(
            "WITH expired AS (
               SELECT id FROM campaigns WHERE state <> 'open' AND retention_days IS NOT NULL
                 AND closed_at <= now() - make_interval(days => retention_days::int)
             ), cleared AS (
               UPDATE signatures SET name = '', email = '', email_normalised = 'deleted:' || id,
                 fields_json = '{}', public = FALSE, locale = NULL, source_url = NULL, network_hash = NULL
               WHERE email <> '' AND campaign_id IN (SELECT id FROM expired)
               RETURNING id, campaign_id
             ), blanked AS (
               UPDATE outbox_events e
                  SET data_json = json_build_object('signature_id', e.signature_id, 'erased', true)::text
                 FROM cleared c WHERE e.signature_id = c.id AND e.campaign_id = c.campaign_id
               RETURNING 1
             )
             SELECT count(*) FROM cleared",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(cleared).unwrap_or(0))
    }
}

impl SignatureStore {
    /// As [`SqliteStore::sweep_retention`], on whichever store this is.
    pub async fn sweep_retention(&self) -> StoreResult<u64> {
        match self {
            Self::Sqlite(s) => s.sweep_retention().await,
            Self::Postgres(s) => s.sweep_retention().await,
        }
    }
}
