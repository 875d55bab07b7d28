//! On SQLite, until `stop`: reads the `campaign_changes` rows the triggers write (a
//! `campaign edit|close|origin` command is another process, and SQLite has no
//! notifications) every [`POLL_EVERY`] and re-reads those campaigns, so their document,
//! CORS allow-list and open streams change within a second. On PostgreSQL there is nothing
//! to poll: `pledge_campaigns` notifications reach `crate::live::follow_other_instances`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::live::LiveCampaigns;
use crate::store::{SignatureStore, SqliteStore, StoreResult};

/// How often the change table is read (the wall's follower reads its own as often).
pub const POLL_EVERY: Duration = crate::wall::follow::POLL_EVERY;

/// At most this many changes are taken per read.
const BATCH: i64 = 1000;

/// How often read change rows are deleted (one small write, not one per poll).
const FORGET_EVERY: Duration = Duration::from_secs(10);

/// Until `stop`, re-reads every campaign another process changes.
pub async fn follow_campaign_changes(
    campaigns: Arc<LiveCampaigns>,
    mut stop: watch::Receiver<bool>,
) {
    let SignatureStore::Sqlite(sqlite) = campaigns.store().clone() else {
        return;
    };
    let mut seq = loop {
        match sqlite.last_campaign_change().await {
            Ok(seq) => break seq,
            Err(e) => {
                tracing::warn!(error = %e, "reading the campaign changes failed; trying again")
            }
        }
        tokio::select! {
            () = tokio::time::sleep(POLL_EVERY) => {}
            () = crate::transport::stopped(&mut stop) => return,
        }
    };
    let mut forgotten = seq;
    let mut forgot_at = Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep(POLL_EVERY) => {}
            () = crate::transport::stopped(&mut stop) => return,
        }
        match poll(&campaigns, &sqlite, seq).await {
            Ok(last) => seq = last,
            Err(e) => tracing::warn!(error = %e, "applying campaign changes failed; trying again"),
        }
        if seq > forgotten && forgot_at.elapsed() >= FORGET_EVERY {
            match sqlite.forget_campaign_changes(seq).await {
                Ok(()) => forgotten = seq,
                Err(e) => tracing::warn!(error = %e, "deleting read campaign changes failed"),
            }
            forgot_at = Instant::now();
        }
    }
}

/// Re-reads the campaigns changed after `seq` (each once); returns the last change read.
/// On failure nothing is marked read, so the next poll tries again.
async fn poll(campaigns: &LiveCampaigns, sqlite: &SqliteStore, seq: i64) -> StoreResult<i64> {
    let changes = sqlite.campaign_changes_after(seq, BATCH).await?;
    let Some(&(last, _)) = changes.last() else {
        return Ok(seq);
    };
    let ids: BTreeSet<i64> = changes.into_iter().map(|(_, id)| id).collect();
    for id in ids {
        campaigns.reload_by_id(id).await?;
    }
    Ok(last)
}
