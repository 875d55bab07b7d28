//! `LiveCampaigns`: campaigns cached in memory, each with one `watch` channel carrying its
//! count. Reads of count and campaign info never touch the database after the first one,
//! and every SSE viewer of a campaign shares that single channel: a burst of signatures
//! wakes each viewer once with the latest value instead of once per signature.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio::sync::watch;

use crate::domain::CampaignSlug;
use crate::store::{Campaign, SignatureStore, Store, StoreResult};

/// A campaign plus its live count.
#[derive(Debug)]
pub struct LiveCampaign {
    pub campaign: Campaign,
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

    fn read_cache(&self, slug: &str) -> Option<Arc<LiveCampaign>> {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.get(slug).cloned()
    }
}
