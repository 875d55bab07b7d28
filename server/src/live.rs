//! `LiveCampaigns`: campaigns cached in memory, each with one `watch` channel carrying its
//! count. Reads of count and campaign info never touch the database after the first one,
//! and every SSE viewer of a campaign shares that single channel: a burst of signatures
//! wakes each viewer once with the latest value instead of once per signature. The channel
//! carries the count's SSE event already encoded, once per change, so ten thousand viewers
//! send one shared buffer instead of formatting ten thousand copies.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use tokio::sync::watch;

use crate::domain::CampaignSlug;
use crate::store::postgres::{Announcement, next_announcement};
use crate::store::{Campaign, SignatureStore, Store, StoreResult};

/// A campaign plus its live count.
#[derive(Debug)]
pub struct LiveCampaign {
    pub campaign: Campaign,
    /// Shared with the campaign's next version when it is re-read, so viewers keep their
    /// stream.
    count: watch::Sender<LiveCount>,
    /// Bumped when a re-read changed what clients see of the campaign (its document), so
    /// open streams send a `campaign` event. Shared like `count`.
    revision: watch::Sender<u64>,
}

/// A campaign's count with its SSE event (`event: count`), encoded once when it changed.
#[derive(Debug, Clone)]
pub struct LiveCount {
    pub count: i64,
    /// `event: count\ndata: {"count":N}\n\n`; cloning it shares the buffer.
    pub event: Bytes,
}

impl LiveCount {
    pub(crate) fn new(count: i64) -> Self {
        Self {
            count,
            event: Bytes::from(format!("event: count\ndata: {{\"count\":{count}}}\n\n")),
        }
    }
}

impl LiveCampaign {
    pub fn count(&self) -> i64 {
        self.count.borrow().count
    }

    pub fn subscribe(&self) -> watch::Receiver<LiveCount> {
        self.count.subscribe()
    }

    /// Changes each time the campaign's public document changed (not its count).
    pub fn subscribe_revisions(&self) -> watch::Receiver<u64> {
        self.revision.subscribe()
    }

    /// Publishes a count read inside a committed transaction. Commits may finish out of
    /// order, so only a larger count replaces the current one.
    pub fn publish(&self, count: i64) {
        self.count.send_if_modified(|current| {
            let newer = count > current.count;
            if newer {
                *current = LiveCount::new(count);
            }
            newer
        });
    }

    /// Sets the count as the database has it now, lower included (after an erasure, which
    /// `publish` would not show: it keeps the higher count).
    fn set_count(&self, count: i64) {
        self.count.send_if_modified(|current| {
            let changed = current.count != count;
            if changed {
                *current = LiveCount::new(count);
            }
            changed
        });
    }

    /// Whether `origin` may call this campaign's API from a browser.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allows_any_origin() || self.campaign.allowed_origins.iter().any(|o| o == origin)
    }

    /// The campaign is not restricted to listed origins.
    pub fn allows_any_origin(&self) -> bool {
        self.campaign.origin_mode == crate::domain::OriginMode::Any
    }
}

/// Slug → live campaign. Campaigns are loaded on first use (so ones created by the CLI
/// while the server runs are found) and then kept; a change made by any process is re-read
/// ([`LiveCampaigns::reload`], called by the followers of `campaign_changes` on SQLite and
/// of `pledge_campaigns` on PostgreSQL).
#[derive(Debug)]
pub struct LiveCampaigns {
    store: SignatureStore,
    cache: RwLock<HashMap<String, Arc<LiveCampaign>>>,
    /// Held by [`LiveCampaigns::reload`] from its read of the store to its write of the
    /// cache. Reloads run from handlers and from background followers (the wall's change
    /// feed, PostgreSQL's announcements); without it, one that read the store before a
    /// change could write its stale copy over the copy a later reload read after the change
    /// (an origin just allowed in the console was refused again: seen in a CI run).
    reloading: tokio::sync::Mutex<()>,
}

impl LiveCampaigns {
    pub fn new(store: SignatureStore) -> Self {
        Self {
            store,
            cache: RwLock::new(HashMap::new()),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    pub fn store(&self) -> &SignatureStore {
        &self.store
    }

    pub async fn get(&self, slug: &str) -> StoreResult<Option<Arc<LiveCampaign>>> {
        if let Some(found) = self.read_cache(slug) {
            return Ok(Some(found));
        }
        // Malformed slugs cannot exist, so they cost no query.
        if CampaignSlug::parse(slug).is_none() {
            return Ok(None);
        }
        let Some(campaign) = self.store.campaign(slug).await? else {
            return Ok(None);
        };
        let (count, _) = watch::channel(LiveCount::new(campaign.count));
        let (revision, _) = watch::channel(0);
        let live = Arc::new(LiveCampaign {
            campaign,
            count,
            revision,
        });
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Two first requests may race; keep whichever got in first so there is one channel.
        Ok(Some(cache.entry(slug.to_owned()).or_insert(live).clone()))
    }

    /// Publishes a count committed by any instance (this one's own come back too, and
    /// change nothing: only a larger count is published).
    pub fn publish_by_id(&self, campaign_id: i64, count: i64) {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(live) = cache.values().find(|l| l.campaign.id == campaign_id) {
            live.publish(count);
        }
    }

    /// Re-reads every campaign's count and publishes it: what a listener does after
    /// (re)connecting, since notifications sent while it was away are not replayed.
    pub async fn resync(&self) -> StoreResult<()> {
        for slug in self.cached_slugs() {
            self.reload(&slug).await?;
        }
        for (id, count) in self.store.counts().await? {
            self.publish_by_id(id, count);
        }
        Ok(())
    }

    /// Re-reads a cached campaign (another instance or a command changed it): requests that
    /// start afterwards see the new settings; its viewers keep their count stream.
    pub async fn reload(&self, slug: &str) -> StoreResult<()> {
        // One at a time, so the cache ends with the copy read last.
        let _in_order = self.reloading.lock().await;
        let Some(old) = self.read_cache(slug) else {
            return Ok(());
        };
        let Some(campaign) = self.store.campaign(slug).await? else {
            return Ok(());
        };
        let changed = public_document(&old.campaign) != public_document(&campaign);
        let fresh = Arc::new(LiveCampaign {
            count: old.count.clone(),
            revision: old.revision.clone(),
            campaign,
        });
        // The database's count as just read, lower too: an erasure lowers it, and only
        // `reload` hears of that. (A signature committed between that read and this line
        // shows one too few until the next one; reloads are rare.)
        fresh.set_count(fresh.campaign.count);
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.insert(slug.to_owned(), fresh.clone());
        drop(cache);
        // After the new version is in the cache, so a stream woken by this reads it.
        if changed {
            fresh.revision.send_modify(|r| *r += 1);
        }
        Ok(())
    }

    /// Re-reads the cached campaign with this id, if it is cached.
    pub async fn reload_by_id(&self, campaign_id: i64) -> StoreResult<()> {
        let slug = {
            let cache = self
                .cache
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            cache
                .values()
                .find(|l| l.campaign.id == campaign_id)
                .map(|l| l.campaign.slug.clone())
        };
        match slug {
            Some(slug) => self.reload(&slug).await,
            None => Ok(()),
        }
    }

    /// Every cached campaign's slug.
    fn cached_slugs(&self) -> Vec<String> {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.keys().cloned().collect()
    }

    fn read_cache(&self, slug: &str) -> Option<Arc<LiveCampaign>> {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.get(slug).cloned()
    }
}

/// What clients see of a campaign apart from its count, to tell whether a re-read changed it.
fn public_document(c: &Campaign) -> String {
    serde_json::to_string(&crate::wire::CampaignInfo::new(c, 0, true)).unwrap_or_default()
}

/// How long the count listener waits before connecting again after losing PostgreSQL.
const RELISTEN_AFTER: Duration = Duration::from_millis(500);

/// On PostgreSQL, until `stop`: hears the count changes every instance commits (`LISTEN`
/// on `pledge_counts`) and publishes them to this instance's viewers, so a signature taken
/// by another instance reaches them too; campaign changes (`pledge_campaigns`) make it
/// re-read the campaign. Each (re)connection listens first and then re-reads the cached
/// campaigns and all counts, so nothing committed while it was away is missed. On SQLite (one
/// server per file) there is nothing to hear and this returns at once.
pub async fn follow_other_instances(
    campaigns: Arc<LiveCampaigns>,
    mut stop: watch::Receiver<bool>,
) {
    let Some(pg) = campaigns.store().as_postgres().cloned() else {
        return;
    };
    loop {
        let listening = async {
            let mut listener = pg.listener().await?;
            campaigns.resync().await?;
            // `None`: the connection was lost; start over with a fresh one.
            while let Some(heard) = next_announcement(&mut listener).await? {
                match heard {
                    Announcement::Count { campaign_id, count } => {
                        campaigns.publish_by_id(campaign_id, count);
                    }
                    Announcement::Campaign { slug } => campaigns.reload(&slug).await?,
                }
            }
            Ok::<(), crate::store::StoreError>(())
        };
        tokio::select! {
            result = listening => match result {
                Ok(()) => tracing::warn!("count listener lost PostgreSQL; listening again"),
                Err(e) => tracing::warn!(error = %e, "count listener failed; listening again"),
            },
            () = crate::transport::stopped(&mut stop) => return,
        }
        tokio::select! {
            () = tokio::time::sleep(RELISTEN_AFTER) => {}
            () = crate::transport::stopped(&mut stop) => return,
        }
    }
}
