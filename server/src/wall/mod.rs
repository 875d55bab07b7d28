//! The public signer wall in memory: per campaign, its public entries in the wall's order
//! and a broadcast of what changes, so a page of `GET …/signers` is read from memory and
//! every open stream hears of a new or removed name.
//!
//! A wall is loaded from the store on first use (one indexed query), then kept current by
//! [`follow::follow_wall_changes`], which hears every change whichever process made it
//! (a signature here, a `wall` command, another instance) and re-reads only the entries
//! it names.

pub mod entry;
pub mod follow;
mod search;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use tokio::sync::{Mutex, broadcast};

use crate::store::{SignatureStore, Store, StoreResult, WallStore};
pub use entry::{PublicEntry, SortKey, WallSettings};
use search::SearchIndex;

/// What an open stream hears.
#[derive(Debug, Clone)]
pub enum WallEvent {
    /// A name appeared, or changed (e.g. featured): `event: signer`.
    Shown(Arc<PublicEntry>),
    /// A name left the wall (hidden, withdrawn): `event: signer_removed`.
    Removed(String),
    /// The wall was read again as a whole (its settings changed, or this stream fell
    /// behind): `event: signers_reset`, refetch the list.
    Reset,
}

/// How many events a slow stream may fall behind before it is told to refetch.
const EVENT_BUFFER: usize = 256;

/// Campaign id → its wall.
#[derive(Debug)]
pub struct LiveWalls {
    store: SignatureStore,
    walls: RwLock<HashMap<i64, Arc<LiveWall>>>,
}

/// One campaign's wall.
#[derive(Debug)]
pub struct LiveWall {
    campaign_id: i64,
    slug: String,
    state: RwLock<WallState>,
    /// Held while the wall is read from the store, so it is read once.
    loading: Mutex<()>,
    events: broadcast::Sender<WallEvent>,
}

#[derive(Debug, Default)]
struct WallState {
    data: Option<WallData>,
    /// Set while loading: changes heard meanwhile, applied once the load is in.
    heard_while_loading: Option<Vec<i64>>,
}

#[derive(Debug, Clone)]
struct WallData {
    settings: WallSettings,
    /// In the wall's order.
    entries: Vec<Arc<PublicEntry>>,
    /// Signature id → where it stands.
    keys: HashMap<i64, SortKey>,
    /// Built by the first search after a change.
    search: OnceLock<SearchIndex>,
}

impl WallData {
    fn new(settings: WallSettings, mut entries: Vec<Arc<PublicEntry>>) -> Self {
        entries.sort_by_key(|e| e.key);
        let keys = entries
            .iter()
            .filter_map(|e| Some((e.id.parse().ok()?, e.key)))
            .collect();
        Self {
            settings,
            entries,
            keys,
            search: OnceLock::new(),
        }
    }

    fn remove(&mut self, id: i64) -> Option<Arc<PublicEntry>> {
        let key = self.keys.remove(&id)?;
        let at = self.entries.binary_search_by_key(&key, |e| e.key).ok()?;
        self.search = OnceLock::new();
        Some(self.entries.remove(at))
    }

    fn insert(&mut self, id: i64, entry: Arc<PublicEntry>) {
        self.search = OnceLock::new();
        let at = self.entries.partition_point(|e| e.key < entry.key);
        self.keys.insert(id, entry.key);
        self.entries.insert(at, entry);
    }
}

/// One page of `GET …/signers`.
#[derive(Debug)]
pub struct Page {
    pub entries: Vec<Arc<PublicEntry>>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<SortKey>,
    /// Entries in all (matching `q`, if given).
    pub total: usize,
}

impl LiveWalls {
    pub fn new(store: SignatureStore) -> Self {
        Self {
            store,
            walls: RwLock::default(),
        }
    }

    pub fn store(&self) -> &SignatureStore {
        &self.store
    }

    /// The campaign's wall, read from the store the first time.
    pub async fn wall(&self, campaign_id: i64, slug: &str) -> StoreResult<Arc<LiveWall>> {
        let wall = {
            let mut walls = self.walls.write().unwrap_or_else(|p| p.into_inner());
            walls
                .entry(campaign_id)
                .or_insert_with(|| {
                    Arc::new(LiveWall {
                        campaign_id,
                        slug: slug.to_owned(),
                        state: RwLock::default(),
                        loading: Mutex::new(()),
                        events: broadcast::channel(EVENT_BUFFER).0,
                    })
                })
                .clone()
        };
        if !wall.is_loaded() {
            let _loading = wall.loading.lock().await;
            if !wall.is_loaded() {
                self.load(&wall, false).await?;
            }
        }
        Ok(wall)
    }

    /// Reads a wall whole (settings and entries); a wall that was loaded before tells its
    /// streams to refetch (`reset`).
    async fn load(&self, wall: &LiveWall, reset: bool) -> StoreResult<()> {
        wall.write().heard_while_loading = Some(Vec::new());
        let loaded = self.read(wall).await;
        let heard = {
            let mut state = wall.write();
            let heard = state.heard_while_loading.take().unwrap_or_default();
            match loaded {
                Ok(data) => state.data = Some(data),
                Err(e) => return Err(e),
            }
            heard
        };
        if reset {
            let _ = wall.events.send(WallEvent::Reset);
        }
        for id in heard {
            self.apply_one(wall, id).await?;
        }
        Ok(())
    }

    async fn read(&self, wall: &LiveWall) -> StoreResult<WallData> {
        let settings = match self.store.campaign(&wall.slug).await? {
            Some(c) => WallSettings::of(&c),
            None => WallSettings {
                mode: crate::domain::PublicNames::Off,
                public_fields: Vec::new(),
            },
        };
        let entries = if settings.is_on() {
            let with_pending = settings.mode == crate::domain::PublicNames::Immediate;
            self.store
                .wall_rows(wall.campaign_id, with_pending)
                .await?
                .iter()
                .filter_map(|row| PublicEntry::from_row(row, &settings))
                .map(Arc::new)
                .collect()
        } else {
            Vec::new()
        };
        Ok(WallData::new(settings, entries))
    }

    /// Applies what was heard: each named entry is read again, or (`None`) the whole wall.
    /// Only walls in memory are touched; the others will be read when first asked for.
    pub async fn apply(&self, campaign_id: i64, changed: &[Option<i64>]) -> StoreResult<()> {
        let Some(wall) = self.loaded(campaign_id) else {
            return Ok(());
        };
        // Many at once (a bulk approval): one read of the whole wall beats one per entry.
        if changed.contains(&None) || changed.len() > 200 {
            return self.reload(&wall).await;
        }
        for &id in changed.iter().flatten() {
            self.apply_one(&wall, id).await?;
        }
        Ok(())
    }

    /// Reads every wall in memory again: after (re)connecting to hear changes, since what
    /// was sent meanwhile is lost.
    pub async fn reload_all(&self) -> StoreResult<()> {
        let walls: Vec<_> = {
            let walls = self.walls.read().unwrap_or_else(|p| p.into_inner());
            walls.values().cloned().collect()
        };
        for wall in walls {
            if wall.is_loaded() {
                self.reload(&wall).await?;
            }
        }
        Ok(())
    }

    async fn reload(&self, wall: &LiveWall) -> StoreResult<()> {
        let _loading = wall.loading.lock().await;
        self.load(wall, true).await
    }

    fn loaded(&self, campaign_id: i64) -> Option<Arc<LiveWall>> {
        let walls = self.walls.read().unwrap_or_else(|p| p.into_inner());
        walls.get(&campaign_id).cloned()
    }

    /// Reads one entry again and moves the wall and its streams to what it is now.
    async fn apply_one(&self, wall: &LiveWall, id: i64) -> StoreResult<()> {
        {
            let mut state = wall.write();
            if let Some(heard) = &mut state.heard_while_loading {
                heard.push(id);
                return Ok(());
            }
            if state.data.is_none() {
                return Ok(());
            }
        }
        let row = self.store.wall_row(wall.campaign_id, id).await?;
        let mut state = wall.write();
        let Some(data) = &mut state.data else {
            return Ok(());
        };
        let shown = row
            .filter(|r| r.candidate && r.state.shows_under(data.settings.mode))
            .and_then(|r| PublicEntry::from_row(&r, &data.settings))
            .map(Arc::new);
        let before = data.remove(id);
        let event = match (&before, &shown) {
            (Some(b), Some(s)) if b == s => None,
            (_, Some(s)) => Some(WallEvent::Shown(s.clone())),
            (Some(b), None) => Some(WallEvent::Removed(b.id.clone())),
            (None, None) => None,
        };
        if let Some(s) = shown {
            data.insert(id, s);
        }
        if let Some(event) = event {
            // No receiver is fine: nobody is watching.
            let _ = wall.events.send(event);
        }
        Ok(())
    }
}

impl LiveWall {
    fn is_loaded(&self) -> bool {
        self.read().data.is_some()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, WallState> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, WallState> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The wall's settings; `None` before it is loaded.
    pub fn settings(&self) -> Option<WallSettings> {
        self.read().data.as_ref().map(|d| d.settings.clone())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<WallEvent> {
        self.events.subscribe()
    }

    /// Up to `limit` entries after `after`, matching `query` (lowercased) if given;
    /// `None` when the wall is off.
    pub fn page(&self, after: Option<SortKey>, limit: usize, query: Option<&str>) -> Option<Page> {
        let state = self.read();
        let data = state.data.as_ref().filter(|d| d.settings.is_on())?;
        let start = after.map_or(0, |key| data.entries.partition_point(|e| e.key <= key));
        let (mut entries, total) = match query {
            None => {
                let end = data.entries.len().min(start.saturating_add(limit + 1));
                (data.entries[start..end].to_vec(), data.entries.len())
            }
            // One pass: the page's matches after the cursor, and every match for `total`.
            Some(q) => {
                let index = data
                    .search
                    .get_or_init(|| SearchIndex::new(data.entries.iter().map(|e| e.search_text())));
                let mut entries = Vec::with_capacity(limit + 1);
                let mut total = 0;
                for i in index.matching(q) {
                    total += 1;
                    if i >= start && entries.len() <= limit {
                        entries.push(data.entries[i].clone());
                    }
                }
                (entries, total)
            }
        };
        let next = if entries.len() > limit {
            entries.truncate(limit);
            entries.last().map(|e| e.key)
        } else {
            None
        };
        Some(Page {
            entries,
            next,
            total,
        })
    }
}
