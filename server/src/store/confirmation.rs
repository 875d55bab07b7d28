//! The confirmation email's store contract ([`ConfirmationStore`]): each campaign's
//! setting, the email outbox the signature's transaction writes, the links' tokens (kept
//! as hashes), and what following a link does. SQLite in `confirmation_sqlite`, PostgreSQL
//! in `confirmation_postgres`; both keep the same promises: one worker at a time holds an
//! email's lease, a confirm token counts its signature once, and a signature awaiting
//! confirmation never counts, shows on the wall or reaches the webhooks.

use std::future::Future;

use super::{SignatureStore, StoreResult};

/// `signatures.awaiting_confirmation` for a new signature: the status it takes once
/// confirmed (`held` when the abuse controls held it too), or `None` without confirmation.
pub(crate) fn awaiting(confirm_email: bool, held: bool) -> Option<&'static str> {
    match (confirm_email, held) {
        (false, _) => None,
        (true, false) => Some("signed"),
        (true, true) => Some("held"),
    }
}

/// A repeated email in a confirming campaign queues an email to the existing signer, unless
/// one is already waiting to go or five went already: whoever types someone else's
/// address can neither flood their inbox nor learn anything from the answer.
/// Binds: campaign id, normalised email.
pub(crate) const QUEUE_REPEAT_SQLITE: &str =
    "INSERT INTO email_outbox (signature_id, kind)
     SELECT s.id, 'repeat' FROM signatures s WHERE s.campaign_id = ? AND s.email_normalised = ?
       AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.signature_id = s.id AND o.state = 'pending')
       AND (SELECT COUNT(*) FROM email_outbox o WHERE o.signature_id = s.id AND o.kind = 'repeat') < 5";
/// [`QUEUE_REPEAT_SQLITE`] on PostgreSQL.
pub(crate) const QUEUE_REPEAT_POSTGRES: &str =
    "INSERT INTO email_outbox (signature_id, kind)
     SELECT s.id, 'repeat' FROM signatures s WHERE s.campaign_id = $1 AND s.email_normalised = $2
       AND NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.signature_id = s.id AND o.state = 'pending')
       AND (SELECT COUNT(*) FROM email_outbox o WHERE o.signature_id = s.id AND o.kind = 'repeat') < 5";

/// A campaign's confirmation setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmationSettings {
    /// New signatures wait for the signer's confirmation.
    pub confirm_email: bool,
    /// Reminders to a signer who has not confirmed (0 to 5).
    pub reminders: u32,
    /// Hours after the last email before a reminder (1 to 1000).
    pub reminder_hours: u32,
}

/// Changes to [`ConfirmationSettings`]; `None` keeps the value.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfirmationEdit {
    pub confirm_email: Option<bool>,
    pub reminders: Option<u32>,
    pub reminder_hours: Option<u32>,
}

impl ConfirmationEdit {
    pub fn is_empty(&self) -> bool {
        self.confirm_email.is_none() && self.reminders.is_none() && self.reminder_hours.is_none()
    }
}

/// What an outbox row asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// The first email after signing.
    Confirm,
    /// The signer has not confirmed yet.
    Reminder,
    /// The email signed again.
    Repeat,
}

impl EmailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Reminder => "reminder",
            Self::Repeat => "repeat",
        }
    }

    pub(crate) fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "confirm" => Ok(Self::Confirm),
            "reminder" => Ok(Self::Reminder),
            "repeat" => Ok(Self::Repeat),
            other => Err(super::StoreError::Corrupt(format!(
                "unknown email kind {other:?}"
            ))),
        }
    }
}

/// An email a worker holds the lease of, with what it needs to write it.
#[derive(Debug, Clone)]
pub struct LeasedEmail {
    pub outbox_id: i64,
    pub kind: EmailKind,
    pub attempts: u32,
    pub signature_id: i64,
    pub name: String,
    pub email: String,
    /// The signature's locale, as the widget sent it.
    pub locale: Option<String>,
    /// The signer has not confirmed yet.
    pub awaiting: bool,
    pub campaign_slug: String,
    /// In the signer's language when the campaign has a translation for it.
    pub campaign_title: String,
    /// The signer chose to show their name publicly (the email offers to take it off).
    pub public: bool,
}

/// A link's token, stored as its hash.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub hash: String,
    pub purpose: TokenPurpose,
    /// Unix ms; `None` = as long as the signature.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Confirm,
    Remove,
    /// Takes the signer's name off the public list (once).
    HideName,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Remove => "remove",
            Self::HideName => "hide_name",
        }
    }
}

/// What a link's token leads to (shown on the page before the signer acts).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub locale: Option<String>,
    pub campaign_title: String,
    /// Used already (confirm and hide-name tokens), or (confirm tokens) the signature is
    /// confirmed.
    pub used: bool,
    /// Unix ms; `None` = does not expire.
    pub expires_at: Option<i64>,
}

/// What following a confirm link came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// Confirmed now; `count` is the campaign's new count when it counted (a signature the
    /// abuse controls held still waits for `campaign approve`).
    Now {
        campaign_id: i64,
        count: Option<i64>,
    },
    /// Confirmed earlier (this link or another): nothing changed.
    Already,
    Expired,
    /// No such token (mistyped, or the signature was removed).
    Unknown,
}

/// A failed attempt, as the worker records it.
#[derive(Debug, Clone)]
pub struct EmailFailure<'a> {
    pub now_ms: i64,
    /// An email failing since this long ago (or longer) is parked instead of retried.
    pub retry_window_ms: i64,
    pub next_attempt_at: i64,
    pub error: &'a str,
}

/// The store contract.
pub trait ConfirmationStore: Send + Sync {
    /// The campaign's setting; `None` if there is no such campaign.
    fn confirmation_settings(
        &self,
        slug: &str,
    ) -> impl Future<Output = StoreResult<Option<ConfirmationSettings>>> + Send;

    /// Applies `edit`; `false` if there is no such campaign.
    fn edit_confirmation(
        &self,
        slug: &str,
        edit: &ConfirmationEdit,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Leases up to `limit` due emails to `owner` until `now_ms + lease_ms`.
    fn lease_due_emails(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<LeasedEmail>>> + Send;

    /// Stores the hashes of an email's link tokens (before it is sent).
    fn add_tokens(
        &self,
        signature_id: i64,
        tokens: &[NewToken],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The email went (or had nothing left to say): marks it sent at `now_ms`.
    fn email_sent(
        &self,
        outbox_id: i64,
        owner: &str,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Counts a failed attempt: retried at `next_attempt_at`, or parked after the retry
    /// window. Returns whether it was parked.
    fn email_failed(
        &self,
        outbox_id: i64,
        owner: &str,
        failure: &EmailFailure<'_>,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Queues reminders for signatures still awaiting confirmation whose last email went
    /// their campaign's reminder delay ago, up to its number of reminders. Returns how many.
    fn queue_reminders(&self, now_ms: i64) -> impl Future<Output = StoreResult<u64>> + Send;

    /// What the token leads to; `None` if unknown.
    fn token(
        &self,
        hash: &str,
        purpose: TokenPurpose,
    ) -> impl Future<Output = StoreResult<Option<TokenInfo>>> + Send;

    /// Confirms the token's signature (once), counting it.
    fn confirm(
        &self,
        hash: &str,
        now_ms: i64,
    ) -> impl Future<Output = StoreResult<Confirmed>> + Send;

    /// The remove token's signature: its campaign and normalised email, for the erasure.
    fn removal_target(
        &self,
        hash: &str,
    ) -> impl Future<Output = StoreResult<Option<(String, String)>>> + Send;
}

/// Calls the same method on whichever store this is.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            SignatureStore::Sqlite(s) => s.$method($($arg),*).await,
            SignatureStore::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl ConfirmationStore for SignatureStore {
    async fn confirmation_settings(&self, slug: &str) -> StoreResult<Option<ConfirmationSettings>> {
        dispatch!(self.confirmation_settings(slug))
    }
    async fn edit_confirmation(&self, slug: &str, edit: &ConfirmationEdit) -> StoreResult<bool> {
        dispatch!(self.edit_confirmation(slug, edit))
    }
    async fn lease_due_emails(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> StoreResult<Vec<LeasedEmail>> {
        dispatch!(self.lease_due_emails(owner, now_ms, lease_ms, limit))
    }
    async fn add_tokens(&self, signature_id: i64, tokens: &[NewToken]) -> StoreResult<()> {
        dispatch!(self.add_tokens(signature_id, tokens))
    }
    async fn email_sent(&self, outbox_id: i64, owner: &str, now_ms: i64) -> StoreResult<()> {
        dispatch!(self.email_sent(outbox_id, owner, now_ms))
    }
    async fn email_failed(
        &self,
        outbox_id: i64,
        owner: &str,
        failure: &EmailFailure<'_>,
    ) -> StoreResult<bool> {
        dispatch!(self.email_failed(outbox_id, owner, failure))
    }
    async fn queue_reminders(&self, now_ms: i64) -> StoreResult<u64> {
        dispatch!(self.queue_reminders(now_ms))
    }
    async fn token(&self, hash: &str, purpose: TokenPurpose) -> StoreResult<Option<TokenInfo>> {
        dispatch!(self.token(hash, purpose))
    }
    async fn confirm(&self, hash: &str, now_ms: i64) -> StoreResult<Confirmed> {
        dispatch!(self.confirm(hash, now_ms))
    }
    async fn removal_target(&self, hash: &str) -> StoreResult<Option<(String, String)>> {
        dispatch!(self.removal_target(hash))
    }
}
