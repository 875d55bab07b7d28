//! The wall's part of the store: who is a public entry, and the organiser's decisions on
//! them (approve, hide, feature, withdraw). [`WallStore`] is implemented for both stores
//! (`sqlite.rs`, `postgres.rs`); how a running server hears of changes differs: SQLite
//! writes `wall_changes` rows (`SqliteStore::wall_changes_after`), PostgreSQL notifies
//! `pledge_signers` (`PostgresStore::signers_listener`), both from triggers.

use std::future::Future;

use serde_json::{Map, Value};

use super::{SignatureStore, StoreResult};
use crate::domain::{FieldDefinition, PublicNames, WallState};

mod postgres;
mod sqlite;

pub use postgres::{SIGNERS_CHANNEL, next_wall_change};

/// One signer who opted in, as stored: what the wall may show of them (after cleaning and
/// picking the public fields) and the organiser's decision. Never the email.
#[derive(Debug, Clone, PartialEq)]
pub struct WallRow {
    pub id: i64,
    pub name: String,
    /// Every answer; the wall keeps only the fields marked public.
    pub fields: Map<String, Value>,
    /// Rank among the featured (1 first); `None` = not featured.
    pub featured: Option<i64>,
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
    pub signed_at: String,
    pub state: WallState,
    /// Chose "show my name" and is counted (not held): shown if `state` allows.
    pub candidate: bool,
}

/// What changed: one signature's entry, or (`signature_id: None`) the campaign's wall
/// settings, after which its whole wall is read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WallChange {
    pub campaign_id: i64,
    pub signature_id: Option<i64>,
}

/// The wall settings to change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct WallSettingsUpdate {
    pub public_names: Option<PublicNames>,
    pub allow_public_names: Option<bool>,
    /// The campaign's fields with their new `public` marks.
    pub fields: Option<Vec<FieldDefinition>>,
}

/// An organiser's change to some entries; `Err(ids)` names the ids that are not opted-in
/// signers of the campaign (and nothing was changed).
pub type EntriesChanged = Result<u64, Vec<i64>>;

pub trait WallStore: Send + Sync {
    /// The campaign's wall, unordered (the wall sorts it): counted opted-in signers,
    /// approved ones only unless `with_pending`; never hidden ones. One range scan of the
    /// partial index `signatures_wall`.
    fn wall_rows(
        &self,
        campaign_id: i64,
        with_pending: bool,
    ) -> impl Future<Output = StoreResult<Vec<WallRow>>> + Send;

    /// One opted-in signer's row, whatever its state; `None` if there is no such signature
    /// or it did not opt in.
    fn wall_row(
        &self,
        campaign_id: i64,
        signature_id: i64,
    ) -> impl Future<Output = StoreResult<Option<WallRow>>> + Send;

    /// For the organiser: every opted-in signer (oldest first) with their email, or only
    /// those in `state`.
    fn wall_review(
        &self,
        campaign_id: i64,
        state: Option<WallState>,
    ) -> impl Future<Output = StoreResult<Vec<(WallRow, String)>>> + Send;

    /// Sets these entries' state (hiding also unfeatures), all or none.
    fn set_wall_state(
        &self,
        campaign_id: i64,
        ids: &[i64],
        state: WallState,
    ) -> impl Future<Output = StoreResult<EntriesChanged>> + Send;

    /// Approves every pending entry; returns how many.
    fn approve_pending(&self, campaign_id: i64) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Features these entries in this order (which approves them): after the featured
    /// ones when `append`, else instead of them. Empty and not `append`: none featured.
    fn feature(
        &self,
        campaign_id: i64,
        ids: &[i64],
        append: bool,
    ) -> impl Future<Output = StoreResult<EntriesChanged>> + Send;

    /// The signer with this normalised email no longer shows their name (their signature
    /// still counts). `false` when there is none: for the organiser only.
    fn withdraw(
        &self,
        campaign_id: i64,
        email_normalised: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Changes the campaign's wall settings; `false` if there is no campaign `slug`.
    fn set_wall_settings(
        &self,
        slug: &str,
        update: &WallSettingsUpdate,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            SignatureStore::Sqlite(s) => s.$method($($arg),*).await,
            SignatureStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl WallStore for SignatureStore {
    async fn wall_rows(&self, campaign_id: i64, with_pending: bool) -> StoreResult<Vec<WallRow>> {
        dispatch!(self.wall_rows(campaign_id, with_pending))
    }
    async fn wall_row(&self, campaign_id: i64, signature_id: i64) -> StoreResult<Option<WallRow>> {
        dispatch!(self.wall_row(campaign_id, signature_id))
    }
    async fn wall_review(
        &self,
        campaign_id: i64,
        state: Option<WallState>,
    ) -> StoreResult<Vec<(WallRow, String)>> {
        dispatch!(self.wall_review(campaign_id, state))
    }
    async fn set_wall_state(
        &self,
        campaign_id: i64,
        ids: &[i64],
        state: WallState,
    ) -> StoreResult<EntriesChanged> {
        dispatch!(self.set_wall_state(campaign_id, ids, state))
    }
    async fn approve_pending(&self, campaign_id: i64) -> StoreResult<u64> {
        dispatch!(self.approve_pending(campaign_id))
    }
    async fn feature(
        &self,
        campaign_id: i64,
        ids: &[i64],
        append: bool,
    ) -> StoreResult<EntriesChanged> {
        dispatch!(self.feature(campaign_id, ids, append))
    }
    async fn withdraw(&self, campaign_id: i64, email_normalised: &str) -> StoreResult<bool> {
        dispatch!(self.withdraw(campaign_id, email_normalised))
    }
    async fn set_wall_settings(
        &self,
        slug: &str,
        update: &WallSettingsUpdate,
    ) -> StoreResult<bool> {
        dispatch!(self.set_wall_settings(slug, update))
    }
}

/// Builds a row from the columns both stores select in this order: id, name, fields_json,
/// featured, signed_at (text), wall_state, candidate.
pub(super) fn row_from(
    id: i64,
    name: String,
    fields_json: &str,
    featured: Option<i64>,
    signed_at: String,
    state: &str,
    candidate: bool,
) -> StoreResult<WallRow> {
    Ok(WallRow {
        id,
        name,
        fields: super::from_json(fields_json)?,
        featured,
        signed_at,
        state: WallState::parse(state).map_err(super::StoreError::Corrupt)?,
        candidate,
    })
}
