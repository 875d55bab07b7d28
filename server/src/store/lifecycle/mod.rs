//! The lifecycle's part of the store: an organiser's edit, the campaign's state (open,
//! closed, archived) and which origins may sign. [`LifecycleStore`] is implemented for both
//! stores; how a running server hears of a change differs: SQLite writes
//! `campaign_changes` rows (`SqliteStore::campaign_changes_after`), PostgreSQL notifies
//! `pledge_campaigns`, both from triggers (migration `20261202100000_campaign_lifecycle`).

use std::future::Future;

use super::{SignatureStore, StoreResult};
use crate::domain::{CampaignEdit, CampaignState, OriginChange, OriginPolicy, OriginRefused};

mod postgres;
mod retention;
mod sqlite;

/// What an origin change came to: whether it changed anything, and the policy after it;
/// or why it was refused (then nothing was changed).
pub type OriginsChanged = Result<(bool, OriginPolicy), OriginRefused>;

pub trait LifecycleStore: Send + Sync {
    /// Applies an edit the caller checked ([`CampaignEdit::check`]), all of it in one
    /// transaction; `false` if there is no campaign `slug`. A new consent text is a new
    /// consent version: signatures keep the text and version they were given.
    fn update_campaign(
        &self,
        slug: &str,
        edit: &CampaignEdit,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Moves the campaign to `state`; returns the state it was in (`None`: no campaign).
    /// Leaving `open` stamps `closed_at` (kept across closed → archived); opening clears it.
    fn set_campaign_state(
        &self,
        slug: &str,
        state: CampaignState,
    ) -> impl Future<Output = StoreResult<Option<CampaignState>>> + Send;

    /// Applies an origin change atomically (read, [`OriginPolicy::apply`], write);
    /// `None` if there is no campaign `slug`.
    fn change_origins(
        &self,
        slug: &str,
        change: &OriginChange,
    ) -> impl Future<Output = StoreResult<Option<OriginsChanged>>> + Send;
}

macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            SignatureStore::Sqlite(s) => s.$method($($arg),*).await,
            SignatureStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl LifecycleStore for SignatureStore {
    async fn update_campaign(&self, slug: &str, edit: &CampaignEdit) -> StoreResult<bool> {
        dispatch!(self.update_campaign(slug, edit))
    }
    async fn set_campaign_state(
        &self,
        slug: &str,
        state: CampaignState,
    ) -> StoreResult<Option<CampaignState>> {
        dispatch!(self.set_campaign_state(slug, state))
    }
    async fn change_origins(
        &self,
        slug: &str,
        change: &OriginChange,
    ) -> StoreResult<Option<OriginsChanged>> {
        dispatch!(self.change_origins(slug, change))
    }
}

/// The `Some(None)`-removes-it columns as (whether to set, the value).
fn optional<T: Clone>(edit: &Option<Option<T>>) -> (bool, Option<T>) {
    (edit.is_some(), edit.clone().flatten())
}
