//! Confirmation emails (double opt-in, issue 16): the outbox worker that sends them over
//! SMTP, and the confirm and remove pages their links open.
//!
//! A campaign with `campaign edit --confirm-email` stores new signatures awaiting
//! confirmation; the signature's transaction writes the email to `email_outbox`
//! (`migrations/*/20261203100000_confirmation_email.sql`). This worker, in every `serve`
//! instance given `--smtp-url`, leases due emails, writes each with fresh link tokens
//! (stored hashed; the confirm link expires after 7 days), sends it, and records the
//! outcome: sent, retried later ([`Backoff`]), or parked after the retry window. A dead
//! SMTP server loses nothing: the emails wait in the outbox.
//!
//! - [`smtp`]: `--smtp-url`, `--mail-from`, the `lettre` transport.
//! - [`message`]: the emails and pages' words per language.
//! - [`pages`]: `GET`/`POST /email/confirm/{token}`, `/email/remove/{token}` and
//!   `/email/hide-name/{token}` (a public name off the list).
//! - [`commands`]: `email bounce`, `email list`, `email resend`.

pub mod cli;
pub mod commands;
pub mod message;
pub mod pages;
pub mod smtp;

use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::abuse::Clock;
use crate::delivery::Backoff;
use crate::store::SignatureStore;
use crate::store::bounce::BounceStore;
use crate::store::confirmation::{
    ConfirmationStore, EmailFailure, EmailKind, LeasedEmail, NewToken, TokenPurpose,
};
use crate::store::email_outbox::EmailOutboxStore;
use message::{Draft, Letter, words_for};
pub use smtp::SmtpSettings;

/// How long a confirm link works.
pub const CONFIRM_LINK_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// How the worker runs; `Default` sends nothing (no SMTP server).
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// `None`: this instance sends no email (they wait in the outbox).
    pub smtp: Option<SmtpSettings>,
    /// How often the outbox is looked at when there was nothing to send.
    pub poll_interval: Duration,
    pub backoff: Backoff,
    /// Sent emails are deleted after this long (once their signature is confirmed or
    /// gone): the outbox keeps no lasting record of who was written to.
    pub keep_sent: Duration,
    /// The time the worker goes by (tests move it forward).
    pub clock: Clock,
}

/// How long sent emails stay in the outbox by default: 30 days.
pub const KEEP_SENT: Duration = Duration::from_secs(30 * 24 * 3600);

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            smtp: None,
            poll_interval: Duration::from_millis(500),
            backoff: Backoff::default(),
            keep_sent: KEEP_SENT,
            clock: Clock::default(),
        }
    }
}

/// A random link token (256 bits, hex) and the hash stored for it.
pub fn new_token() -> (String, String) {
    let mut bytes = [0_u8; 32];
    // The OS's generator failing is beyond repair; a fixed token would be worse.
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// What is stored for a token: SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Runs the worker until `stop` flips. `public_origin` starts the links.
pub async fn run(
    store: SignatureStore,
    settings: EmailSettings,
    public_origin: String,
    mut stop: watch::Receiver<bool>,
) {
    let Some(smtp) = settings.smtp.clone() else {
        tracing::info!(
            "no --smtp-url: this instance sends no confirmation email (signatures of campaigns that ask for confirmation wait in the outbox)"
        );
        return;
    };
    let tls = match smtp.tls() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "confirmation emails are off: the SMTP transport could not be built");
            return;
        }
    };
    let worker = Worker {
        store,
        owner: format!("{}-{:016x}", std::process::id(), fastrand::u64(..)),
        smtp,
        tls,
        public_origin: public_origin.trim_end_matches('/').to_owned(),
        settings,
    };
    let mut last_reminders: Option<i64> = None;
    let mut last_prune: Option<i64> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let now = worker.now_ms();
        if last_prune.is_none_or(|t| now - t >= 3_600_000) {
            last_prune = Some(now);
            let keep = i64::try_from(worker.settings.keep_sent.as_millis()).unwrap_or(i64::MAX);
            match worker
                .store
                .prune_sent_emails(now.saturating_sub(keep))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "old sent emails removed from the outbox"),
                Err(e) => tracing::warn!(error = %e, "pruning sent emails failed"),
            }
        }
        if last_reminders.is_none_or(|t| now - t >= 60_000) {
            last_reminders = Some(now);
            match worker.store.queue_reminders(now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "confirmation reminders queued"),
                Err(e) => tracing::warn!(error = %e, "queueing confirmation reminders failed"),
            }
        }
        let leased = worker
            .store
            .lease_due_emails(&worker.owner, now, worker.lease_ms(), 16)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "reading the email outbox failed");
                Vec::new()
            });
        let idle = leased.is_empty();
        for email in leased {
            worker.send(&email).await;
        }
        if idle {
            tokio::select! {
                () = tokio::time::sleep(worker.settings.poll_interval) => {}
                () = crate::transport::stopped(&mut stop) => break,
            }
        }
    }
}

struct Worker {
    store: SignatureStore,
    settings: EmailSettings,
    smtp: SmtpSettings,
    tls: lettre::transport::smtp::client::Tls,
    public_origin: String,
    /// This worker's name on leases: process id and a random part.
    owner: String,
}

impl Worker {
    fn now_ms(&self) -> i64 {
        i64::try_from(self.settings.clock.unix_now_ms()).unwrap_or(i64::MAX)
    }

    /// Long enough for one SMTP conversation (a handful of commands, each bounded).
    fn lease_ms(&self) -> i64 {
        i64::try_from(self.smtp.timeout.as_millis().saturating_mul(4))
            .unwrap_or(i64::MAX)
            .saturating_add(30_000)
    }

    async fn send(&self, email: &LeasedEmail) {
        let now = self.now_ms();
        let outcome = self.write_and_send(email, now).await;
        let recorded = match outcome {
            Err(Failure::Bounced(error)) => {
                // Nobody reads this address: the signature is withdrawn as a bounce (its
                // emails go with it).
                tracing::warn!(outbox_id = email.outbox_id, error = %error, "the recipient's server refused the address for good: signature withdrawn as a bounce");
                self.store
                    .withdraw_bounced(email.signature_id)
                    .await
                    .map(|_| ())
            }
            Ok(()) => {
                tracing::info!(
                    outbox_id = email.outbox_id,
                    kind = email.kind.as_str(),
                    "email sent"
                );
                self.store
                    .email_sent(email.outbox_id, &self.owner, now)
                    .await
            }
            Err(Failure::Failed(error)) => {
                let attempts = email.attempts.saturating_add(1);
                let wait = self.settings.backoff.delay(attempts, fastrand::f64());
                let failure = EmailFailure {
                    now_ms: now,
                    retry_window_ms: i64::try_from(self.settings.backoff.retry_window.as_millis())
                        .unwrap_or(i64::MAX),
                    next_attempt_at: now
                        .saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
                    error: &error,
                };
                // The error names the SMTP server's answer, never the recipient.
                self.store
                    .email_failed(email.outbox_id, &self.owner, &failure)
                    .await
                    .map(|parked| {
                        if parked {
                            tracing::warn!(outbox_id = email.outbox_id, error = %error, "email failed for the whole retry window: parked");
                        } else {
                            tracing::warn!(outbox_id = email.outbox_id, attempts, retry_in_ms = wait.as_millis() as u64, error = %error, "email failed; will retry");
                        }
                    })
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(outbox_id = email.outbox_id, error = %e, "recording an email's outcome failed; its lease runs out and it is sent again");
        }
    }

    async fn write_and_send(&self, email: &LeasedEmail, now: i64) -> Result<(), Failure> {
        let letter = match (email.kind, email.awaiting) {
            (EmailKind::Confirm | EmailKind::Repeat, true) => Letter::Confirm,
            (EmailKind::Reminder, true) => Letter::Reminder,
            (EmailKind::Repeat, false) => Letter::AlreadySigned,
            // Confirmed before its turn came: nothing left to say.
            (EmailKind::Confirm | EmailKind::Reminder, false) => return Ok(()),
        };
        let (remove, remove_hash) = new_token();
        let mut tokens = vec![NewToken {
            hash: remove_hash,
            purpose: TokenPurpose::Remove,
            expires_at: None,
        }];
        let confirm = (letter != Letter::AlreadySigned).then(|| {
            let (token, hash) = new_token();
            tokens.push(NewToken {
                hash,
                purpose: TokenPurpose::Confirm,
                expires_at: Some(now.saturating_add(
                    i64::try_from(CONFIRM_LINK_TTL.as_millis()).unwrap_or(i64::MAX),
                )),
            });
            format!("{}/email/confirm/{token}", self.public_origin)
        });
        let remove_url = format!("{}/email/remove/{remove}", self.public_origin);
        let hide_name_url = email.public.then(|| {
            let (token, hash) = new_token();
            tokens.push(NewToken {
                hash,
                purpose: TokenPurpose::HideName,
                expires_at: None,
            });
            format!("{}/email/hide-name/{token}", self.public_origin)
        });
        let draft = Draft {
            letter,
            words: words_for(email.locale.as_deref()),
            name: &email.name,
            campaign_title: &email.campaign_title,
            confirm_url: confirm.as_deref(),
            remove_url: &remove_url,
            hide_name_url: hide_name_url.as_deref(),
        };
        let message = draft
            .message(&self.smtp.from, &email.email)
            .map_err(Failure::Failed)?;
        let to = message
            .envelope()
            .to()
            .first()
            .cloned()
            .ok_or_else(|| Failure::Failed("the email has no recipient".to_owned()))?;
        // The links work once the email is out, so their hashes are stored first.
        self.store
            .add_tokens(email.signature_id, &tokens)
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?;
        self.smtp
            .send(&self.tls, to, &message.formatted())
            .await
            .map_err(|refusal| {
                let text = smtp_failure(&self.smtp, refusal.error());
                match refusal {
                    smtp::Refusal::Recipient(_) => Failure::Bounced(text),
                    smtp::Refusal::Other(_) => Failure::Failed(text),
                }
            })
    }
}

/// Why an email did not go.
enum Failure {
    /// The recipient's address was refused for good.
    Bounced(String),
    /// Anything else: retried, then parked.
    Failed(String),
}

/// A failed send, in words that name the server and what went wrong but not the answer's
/// text (a refusal often quotes the recipient's address, which stays out of the logs).
fn smtp_failure(smtp: &SmtpSettings, e: &lettre::transport::smtp::Error) -> String {
    let what = match e.status() {
        Some(code) if e.is_transient() => format!("temporary refusal {code}"),
        Some(code) => format!("refusal {code}"),
        None if e.is_timeout() => "timed out".to_owned(),
        None if e.is_tls() => "TLS failed".to_owned(),
        None => "connection failed".to_owned(),
    };
    format!("SMTP {}:{}: {what}", smtp.host, smtp.port)
}
