//! `LiveCampaigns`: campaigns cached in memory, each with one `watch` channel carrying its
//! count. Reads of count and campaign info never touch the database after the first one,
//! and every SSE viewer of a campaign shares that single channel: a burst of signatures
//! wakes each viewer once with the latest value instead of once per signature.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

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
    count: watch::Sender<i64>,
}

impl LiveCampaign {
    pub fn count(&self) -> i64 {
        *self.count.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.count.subscribe()
    }

    /// Publishes a count read inside a committed transaction. Commits may finish out of
    /// order, so only a larger count replaces the current one.
    pub fn publish(&self, count: i64) {
        self.count.send_if_modified(|current| {
            let newer = count > *current;
            if newer {
                *current = count;
            }
            newer
        });
    }

    /// Sets the count even when it is lower: after signatures were erased here (the
    /// console's supporter erasure), where `publish` would keep the higher one.
    pub fn replace(&self, count: i64) {
        self.count.send_if_modified(|current| {
            let changed = *current != count;
            *current = count;
            changed
        });
    }

    /// Whether `origin` may call this campaign's API from a browser.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.campaign
            .allowed_origins
            .iter()
            .any(|o| o == "*" || o == origin)
    }

    pub fn allows_any_origin(&self) -> bool {
        self.campaign.allowed_origins.iter().any(|o| o == "*")
    }
}

/// Slug → live campaign. Campaigns are loaded on first use (so ones created by the CLI
/// while the server runs are found) and then kept: the CLI does not edit them.
#[derive(Debug)]
pub struct LiveCampaigns {
    store: SignatureStore,
    cache: RwLock<HashMap<String, Arc<LiveCampaign>>>,
}

impl LiveCampaigns {
    pub fn new(store: SignatureStore) -> Self {
        Self {
            store,
            cache: RwLock::new(HashMap::new()),
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
        let (count, _) = watch::channel(campaign.count);
        let live = Arc::new(LiveCampaign { campaign, count });
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
        let Some(old) = self.read_cache(slug) else {
            return Ok(());
        };
        let Some(campaign) = self.store.campaign(slug).await? else {
            return Ok(());
        };
        let fresh = Arc::new(LiveCampaign {
            count: old.count.clone(),
            campaign,
        });
        fresh.publish(fresh.campaign.count);
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.insert(slug.to_owned(), fresh);
        Ok(())
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
