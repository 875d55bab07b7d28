//! Keeps the walls in memory current with what any process commits: on SQLite by reading
//! the `wall_changes` rows the triggers write (a `wall` command is another process, and
//! SQLite has no notifications), on PostgreSQL by listening on `pledge_signers`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::LiveWalls;
use crate::live::LiveCampaigns;
use crate::store::wall::next_wall_change;
use crate::store::{SqliteStore, Store, StoreError, StoreResult, WallChange};

/// How often SQLite's change table is read: a change reaches open streams within this
/// (plus one entry read), well inside the second the wall promises.
pub const POLL_EVERY: Duration = Duration::from_millis(200);

/// At most this many changes are taken per read or batch.
const BATCH: usize = 5000;

/// How often read change rows are deleted (one small write, not one per poll).
const FORGET_EVERY: Duration = Duration::from_secs(10);

/// How long the listener waits before connecting again after losing PostgreSQL.
const RELISTEN_AFTER: Duration = Duration::from_millis(500);

/// Until `stop`, applies every committed wall change to the walls in memory.
pub(crate) async fn follow_wall_changes(
    walls: Arc<LiveWalls>,
    campaigns: Arc<LiveCampaigns>,
    mut stop: watch::Receiver<bool>,
) {
    let store = walls.store().clone();
    if let Some(pg) = store.as_postgres() {
        loop {
            let listening = listen(&walls, pg);
            tokio::select! {
                result = listening => match result {
                    Ok(()) => tracing::warn!("wall listener lost PostgreSQL; listening again"),
                    Err(e) => tracing::warn!(error = %e, "wall listener failed; listening again"),
                },
                () = crate::transport::stopped(&mut stop) => return,
            }
            tokio::select! {
                () = tokio::time::sleep(RELISTEN_AFTER) => {}
                () = crate::transport::stopped(&mut stop) => return,
            }
        }
    }
    let crate::store::SignatureStore::Sqlite(sqlite) = store else {
        return;
    };
    let mut seq = loop {
        match sqlite.last_wall_change().await {
            Ok(seq) => break seq,
            Err(e) => tracing::warn!(error = %e, "reading the wall changes failed; trying again"),
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
        match poll(&walls, &campaigns, &sqlite, seq).await {
            Ok(last) => seq = last,
            Err(e) => tracing::warn!(error = %e, "applying wall changes failed; trying again"),
        }
        if seq > forgotten && forgot_at.elapsed() >= FORGET_EVERY {
            match sqlite.forget_wall_changes(seq).await {
                Ok(()) => forgotten = seq,
                Err(e) => tracing::warn!(error = %e, "deleting read wall changes failed"),
            }
            forgot_at = Instant::now();
        }
    }
}

/// Applies the changes after `seq` (a batch); returns the last one applied. On failure
/// nothing is marked read, so the next poll tries them again.
async fn poll(
    walls: &LiveWalls,
    campaigns: &LiveCampaigns,
    sqlite: &SqliteStore,
    seq: i64,
) -> StoreResult<i64> {
    let changes = sqlite.wall_changes_after(seq, BATCH as i64).await?;
    let Some(&(last, _)) = changes.last() else {
        return Ok(seq);
    };
    // A campaign's wall settings changed: the cached campaign (its JSON says whether the
    // wall is on) is read again too. PostgreSQL's trigger says so on `pledge_campaigns`.
    let settings_changed: HashSet<i64> = changes
        .iter()
        .filter(|(_, c)| c.signature_id.is_none())
        .map(|(_, c)| c.campaign_id)
        .collect();
    if !settings_changed.is_empty() {
        for c in sqlite.campaigns().await? {
            if settings_changed.contains(&c.id) {
                campaigns.reload(&c.slug).await?;
            }
        }
    }
    apply(walls, changes.into_iter().map(|(_, c)| c)).await?;
    Ok(last)
}

/// One connection's life: listen, read every wall again (what was sent before listening
/// is lost), then apply changes as they come, in batches.
async fn listen(walls: &LiveWalls, pg: &crate::store::PostgresStore) -> StoreResult<()> {
    let mut listener = pg.signers_listener().await?;
    walls.reload_all().await?;
    loop {
        let Some(first) = next_wall_change(&mut listener, true).await? else {
            return Ok(());
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match next_wall_change(&mut listener, false).await? {
                Some(change) => batch.push(change),
                None => break,
            }
        }
        apply(walls, batch).await?;
    }
}

/// Groups changes by campaign (each entry once) and applies them.
async fn apply(
    walls: &LiveWalls,
    changes: impl IntoIterator<Item = WallChange>,
) -> StoreResult<()> {
    let mut by_campaign: BTreeMap<i64, Vec<Option<i64>>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for c in changes {
        if seen.insert(c) {
            by_campaign
                .entry(c.campaign_id)
                .or_default()
                .push(c.signature_id);
        }
    }
    let mut failed: Option<StoreError> = None;
    for (campaign_id, ids) in by_campaign {
        if let Err(e) = walls.apply(campaign_id, &ids).await {
            failed = Some(e);
        }
    }
    failed.map_or(Ok(()), Err)
}
