//! `email bounce|list|resend`: the email commands of the command line. A bounce reported
//! later by the mail provider (a non-delivery report, a provider's bounce list) withdraws
//! the signatures of the addresses, as a refusal during the SMTP conversation does; `list`
//! shows the outbox (the parked emails first of all) and `resend` puts parked ones back.

use std::io::Write;

use clap::Subcommand;

use crate::cli::Database;
use crate::domain::SignerEmail;
use crate::store::email_outbox::{EmailFilter, EmailOutboxStore};
use crate::store::erasure::{ErasureStore, WithdrawalReason};
use crate::store::{OpenMode, SignatureStore, Store};

#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Withdraw the signatures of addresses that bounced (hard bounces only: the address
    /// does not exist or refuses mail for good). Counts go down and webhooks get
    /// `signature.withdrawn` with `"reason": "bounced"`; running servers follow.
    Bounce {
        /// The addresses, as many as given (matched as signatures are).
        #[arg(required = true, value_name = "EMAIL")]
        emails: Vec<String>,
        /// Only this campaign's signatures.
        #[arg(long)]
        campaign: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    /// List the email outbox, oldest first: id, campaign, kind, state, attempts, first
    /// failure (UTC), last error (tab-separated). Recipients are not shown.
    List {
        /// Only this campaign's.
        #[arg(long)]
        campaign: Option<String>,
        #[arg(long, value_parser = ["pending", "sent", "parked"])]
        state: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        db: Database,
    },
    /// Put parked emails (failed for their whole retry window) back in line, due now, with
    /// a fresh retry window: the ones given by id, or all parked ones (of --campaign) with
    /// --all.
    Resend {
        ids: Vec<i64>,
        #[arg(long)]
        campaign: Option<String>,
        /// Every parked email (of --campaign when given).
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        db: Database,
    },
}

pub async fn run(command: EmailCommand) -> anyhow::Result<()> {
    match command {
        EmailCommand::Bounce {
            emails,
            campaign,
            db,
        } => bounce(&emails, campaign.as_deref(), &db).await,
        EmailCommand::List {
            campaign,
            state,
            limit,
            db,
        } => {
            let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
            let filter = EmailFilter {
                campaign_slug: campaign,
                state,
                ids: Vec::new(),
            };
            let emails = store.outbox_emails(&filter, limit).await;
            store.close().await;
            let mut out = std::io::stdout().lock();
            for e in emails? {
                let failed = e
                    .first_failed_at
                    .map_or_else(|| "-".to_owned(), crate::delivery::cli::utc_ms);
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{failed}\t{}",
                    e.id,
                    e.campaign_slug,
                    e.kind,
                    e.state,
                    e.attempts,
                    e.last_error.as_deref().unwrap_or("")
                )?;
            }
            out.flush()?;
            Ok(())
        }
        EmailCommand::Resend {
            ids,
            campaign,
            all,
            db,
        } => {
            if ids.is_empty() != all {
                anyhow::bail!(
                    "give the ids of parked emails (from `email list --state parked`) or --all, one or the other"
                );
            }
            let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
            let filter = EmailFilter {
                campaign_slug: campaign,
                state: Some("parked".into()),
                ids,
            };
            let n = store.resend_emails(&filter).await;
            store.close().await;
            println!("{} parked emails put back in line", n?);
            Ok(())
        }
    }
}

async fn bounce(emails: &[String], campaign: Option<&str>, db: &Database) -> anyhow::Result<()> {
    // Every address is checked before anything changes.
    let parsed = emails
        .iter()
        .map(|e| SignerEmail::parse(e).map_err(|why| anyhow::anyhow!("{e:?}: {why}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
    let mut out = std::io::stdout().lock();
    let mut result = Ok(());
    for email in &parsed {
        match store
            .withdraw_signatures(campaign, email.normalised(), WithdrawalReason::Bounced)
            .await
        {
            Ok(withdrawn) if withdrawn.is_empty() => {
                writeln!(out, "{}: no signature", email.normalised())?;
            }
            Ok(withdrawn) => {
                for w in &withdrawn {
                    writeln!(
                        out,
                        "{}: withdrew the signature in {} (bounced)",
                        email.normalised(),
                        w.campaign_slug
                    )?;
                }
            }
            Err(e) => {
                result = Err(e.into());
                break;
            }
        }
    }
    out.flush()?;
    store.close().await;
    result
}
