//! `serve`'s email flags (`--smtp-url`, `--mail-from`) and `campaign edit`'s confirmation
//! flags (`--confirm-email`, `--confirmation-reminders`, …).

use clap::Args;

use super::{EmailSettings, SmtpSettings};
use crate::store::confirmation::ConfirmationEdit;

/// Where confirmation emails go out. Without `--smtp-url` this instance sends none (they
/// wait in the outbox for one that does).
#[derive(Debug, Args)]
pub struct EmailArgs {
    /// The SMTP server: `smtp://user:password@host:587` (STARTTLS when offered;
    /// `?tls=required` to insist), `smtps://…:465` (TLS from the start). Give it by the
    /// environment: the password must stay out of process lists and shell history.
    #[arg(long, env = "PLEDGE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of confirmation emails: `Name <address>` or an address.
    #[arg(long, env = "PLEDGE_MAIL_FROM", requires = "smtp_url")]
    pub mail_from: Option<String>,
}

impl EmailArgs {
    pub fn settings(&self) -> anyhow::Result<EmailSettings> {
        let smtp = match (&self.smtp_url, &self.mail_from) {
            (None, _) => None,
            (Some(_), None) => anyhow::bail!("--smtp-url needs --mail-from (the sender's address)"),
            (Some(url), Some(from)) => {
                Some(SmtpSettings::parse(url, from).map_err(anyhow::Error::msg)?)
            }
        };
        Ok(EmailSettings {
            smtp,
            ..EmailSettings::default()
        })
    }
}

/// `campaign edit`'s confirmation flags.
#[derive(Debug, Args)]
pub struct ConfirmationArgs {
    /// New signatures count only once the signer confirms by email (double opt-in).
    #[arg(long, conflicts_with = "no_confirm_email")]
    pub confirm_email: bool,
    /// New signatures count at once (signatures awaiting confirmation keep waiting).
    #[arg(long)]
    pub no_confirm_email: bool,
    /// Reminders sent to a signer who has not confirmed (0 to 5; default 0).
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=5))]
    pub confirmation_reminders: Option<u32>,
    /// Hours after the last email before a reminder (1 to 1000; default 48).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub reminder_after_hours: Option<u32>,
}

impl ConfirmationArgs {
    pub fn edit(&self) -> ConfirmationEdit {
        ConfirmationEdit {
            confirm_email: if self.confirm_email {
                Some(true)
            } else if self.no_confirm_email {
                Some(false)
            } else {
                None
            },
            reminders: self.confirmation_reminders,
            reminder_hours: self.reminder_after_hours,
        }
    }
}
