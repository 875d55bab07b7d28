//! `supporter erase`: a supporter's right to be forgotten, from the command line. Their
//! signatures go, counts follow, and webhooks hear `signature.withdrawn`.

use std::io::Write;

use anyhow::bail;
use clap::Subcommand;

use crate::cli::Database;
use crate::domain::SignerEmail;
use crate::store::erasure::ErasureStore;
use crate::store::{OpenMode, SignatureStore, Store};

#[derive(Debug, Subcommand)]
pub enum SupporterCommand {
    /// Delete a supporter's signatures (every campaign's, or one's) and what the outbox
    /// holds of them; counts go down, webhooks get `signature.withdrawn`. A running
    /// server's live count catches up once new signatures pass it, or at its restart.
    Erase {
        /// The supporter's email (matched as signatures are: case and dots as the
        /// one-signature-per-email rule sees them).
        #[arg(long)]
        email: String,
        /// Only this campaign's signature.
        #[arg(long)]
        campaign: Option<String>,
        #[command(flatten)]
        db: Database,
    },
}

pub async fn run(command: SupporterCommand) -> anyhow::Result<()> {
    let SupporterCommand::Erase {
        email,
        campaign,
        db,
    } = command;
    let email = SignerEmail::parse(&email).map_err(anyhow::Error::msg)?;
    let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
    let erased = store.erase(campaign.as_deref(), email.normalised()).await;
    store.close().await;
    let erased = erased?;
    if erased.is_empty() {
        bail!(
            "no signature with this email{}",
            campaign
                .map(|c| format!(" in campaign {c:?}"))
                .unwrap_or_default()
        );
    }
    let mut out = std::io::stdout().lock();
    for e in &erased {
        let note = if e.counted {
            ""
        } else {
            " (it was held, not counted)"
        };
        writeln!(out, "erased the signature in {}{note}", e.campaign_slug)?;
    }
    out.flush()?;
    Ok(())
}
