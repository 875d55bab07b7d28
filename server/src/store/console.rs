//! The organiser console's part of the store ([`ConsoleStore`]): accounts, server-side
//! sessions, the audit log and the numbers a campaign's dashboard draws. SQLite in
//! `console_sqlite`, PostgreSQL in `console_postgres`. Tokens arrive here already hashed
//! and passwords already argon2id strings: the store never sees a secret it could leak.

use std::fmt;
use std::future::Future;

use super::{SignatureStore, StoreError, StoreResult};

/// What an account may do: moderators moderate; admins do everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Moderator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Moderator => "moderator",
        }
    }

    /// `admin` or `moderator`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "moderator" => Some(Self::Moderator),
            _ => None,
        }
    }

    pub(crate) fn from_stored(s: &str) -> StoreResult<Self> {
        Self::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown console role {s:?}")))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A console account, as listed (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleUser {
    pub id: i64,
    pub email: String,
    pub role: Role,
    /// Whether the set-password link was used.
    pub has_password: bool,
}

/// An account with its password hash, for sign-in only.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: ConsoleUser,
    /// argon2id PHC string; `None` until the account's password is set.
    pub password_hash: Option<String>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix milliseconds.
    pub at: i64,
    /// The account's email.
    pub actor: String,
    /// What was done: `sign_in`, `held.approve`, `supporter.erase`, …
    pub action: String,
    pub campaign: Option<String>,
    /// Counts and ids; never a supporter's email.
    pub detail: String,
}

/// A campaign's numbers for its dashboard: counted signatures only (held ones wait).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignStats {
    /// `YYYY-MM-DDTHH` (UTC) → signatures, for the hours of the last 48 with any.
    pub hourly: Vec<(String, i64)>,
    /// `YYYY-MM-DD` (UTC) → signatures, for the days of the last 30 with any.
    pub daily: Vec<(String, i64)>,
    /// `source_url` as stored (the caller takes its host) → signatures.
    pub sources: Vec<(Option<String>, i64)>,
    /// The widget's language (`locale`) → signatures.
    pub languages: Vec<(Option<String>, i64)>,
    /// The answer to the field asked about → signatures (empty when no field was asked).
    pub field_answers: Vec<(Option<String>, i64)>,
}

pub trait ConsoleStore: Send + Sync {
    /// Adds an account waiting for its password; `false` if the email has one already.
    fn add_user(
        &self,
        email: &str,
        role: Role,
        setup_token_hash: &str,
        setup_expires_at: i64,
        now: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Gives an account a new set-password link (its old password keeps working until the
    /// link is used); `false` if there is no such account.
    fn reissue_setup(
        &self,
        email: &str,
        setup_token_hash: &str,
        setup_expires_at: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Every account, by email.
    fn users(&self) -> impl Future<Output = StoreResult<Vec<ConsoleUser>>> + Send;

    /// Deletes an account and its sessions; `false` if there was none.
    fn remove_user(&self, email: &str) -> impl Future<Output = StoreResult<bool>> + Send;

    fn credentials(
        &self,
        email: &str,
    ) -> impl Future<Output = StoreResult<Option<Credentials>>> + Send;

    /// Uses a set-password link: stores the password and forgets the link, and ends the
    /// account's sessions, in one transaction. `None` if the link is unknown, used or
    /// expired at `now`.
    fn set_password(
        &self,
        setup_token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> impl Future<Output = StoreResult<Option<ConsoleUser>>> + Send;

    fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The account of a live session; `None` if it ended, expired or never was.
    fn session_user(
        &self,
        token_hash: &str,
        now: i64,
    ) -> impl Future<Output = StoreResult<Option<ConsoleUser>>> + Send;

    fn end_session(&self, token_hash: &str) -> impl Future<Output = StoreResult<()>> + Send;

    /// Ends every session of the account ("sign out everywhere"); returns how many.
    fn end_sessions_of(&self, user_id: i64) -> impl Future<Output = StoreResult<u64>> + Send;

    fn audit(&self, entry: &AuditEntry) -> impl Future<Output = StoreResult<()>> + Send;

    /// The latest `limit` audit entries, newest first.
    fn audit_log(&self, limit: u32) -> impl Future<Output = StoreResult<Vec<AuditEntry>>> + Send;

    /// The campaign's numbers; `field` names the field whose answers are broken down.
    fn campaign_stats(
        &self,
        campaign_id: i64,
        field: Option<&str>,
    ) -> impl Future<Output = StoreResult<CampaignStats>> + Send;
}

macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            SignatureStore::Sqlite(s) => s.$method($($arg),*).await,
            SignatureStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl ConsoleStore for SignatureStore {
    async fn add_user(
        &self,
        email: &str,
        role: Role,
        setup_token_hash: &str,
        setup_expires_at: i64,
        now: i64,
    ) -> StoreResult<bool> {
        dispatch!(self.add_user(email, role, setup_token_hash, setup_expires_at, now))
    }
    async fn reissue_setup(
        &self,
        email: &str,
        setup_token_hash: &str,
        setup_expires_at: i64,
    ) -> StoreResult<bool> {
        dispatch!(self.reissue_setup(email, setup_token_hash, setup_expires_at))
    }
    async fn users(&self) -> StoreResult<Vec<ConsoleUser>> {
        dispatch!(self.users())
    }
    async fn remove_user(&self, email: &str) -> StoreResult<bool> {
        dispatch!(self.remove_user(email))
    }
    async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>> {
        dispatch!(self.credentials(email))
    }
    async fn set_password(
        &self,
        setup_token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> StoreResult<Option<ConsoleUser>> {
        dispatch!(self.set_password(setup_token_hash, password_hash, now))
    }
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        dispatch!(self.create_session(token_hash, user_id, now, expires_at))
    }
    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<ConsoleUser>> {
        dispatch!(self.session_user(token_hash, now))
    }
    async fn end_session(&self, token_hash: &str) -> StoreResult<()> {
        dispatch!(self.end_session(token_hash))
    }
    async fn end_sessions_of(&self, user_id: i64) -> StoreResult<u64> {
        dispatch!(self.end_sessions_of(user_id))
    }
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        dispatch!(self.audit(entry))
    }
    async fn audit_log(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        dispatch!(self.audit_log(limit))
    }
    async fn campaign_stats(
        &self,
        campaign_id: i64,
        field: Option<&str>,
    ) -> StoreResult<CampaignStats> {
        dispatch!(self.campaign_stats(campaign_id, field))
    }
}

/// The columns every account query selects, in this order (see `user_from`).
pub(super) const USER_COLUMNS: &str = "id, email, role, password_hash IS NOT NULL";
