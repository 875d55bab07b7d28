//! `supporter export` and `supporter erase`: a supporter's rights of access and to be
//! forgotten, from the command line. Export prints everything stored about an email as
//! JSON (docs/deploy.md, "Supporters' data", says what and why); erase deletes their signatures, counts
//! follow, and webhooks hear `signature.withdrawn`.

use std::io::Write;

use anyhow::bail;
use clap::Subcommand;

use crate::cli::Database;
use crate::domain::SignerEmail;
use serde_json::json;

use crate::store::erasure::ErasureStore;
use crate::store::supporter_data::{StoredSignature, SupporterDataStore};
use crate::store::{OpenMode, SignatureStore, Store};

#[derive(Debug, Subcommand)]
pub enum SupporterCommand {
    /// Print, as JSON, everything stored about a supporter: each signature (every
    /// campaign's) with its fields, consent text and version, times, the wall's decision,
    /// and the deliveries of events that carried it. Nothing is changed.
    Export {
        /// The supporter's email (matched as signatures are).
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: Database,
    },
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
    let (email, campaign, db) = match command {
        SupporterCommand::Export { email, db } => return export(&email, db).await,
        SupporterCommand::Erase {
            email,
            campaign,
            db,
        } => (email, campaign, db),
    };
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

/// `supporter export --email E`: the JSON of docs/deploy.md ("Supporters' data"). An email with no signature prints an empty list: the organiser asked, so
/// telling them is no leak; the exit code is 0 either way.
async fn export(email: &str, db: Database) -> anyhow::Result<()> {
    let email = SignerEmail::parse(email).map_err(anyhow::Error::msg)?;
    let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
    let found = store.supporter_data(email.normalised()).await;
    store.close().await;
    let document = export_document(email.normalised(), &found?);
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &document)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// The export's JSON. The network hash is not printed: it is a keyed hash of the
/// supporter's network address, meaningless to them, and with the server's key it would
/// link their other signatures; the export says that one is stored. Delivery targets
/// show only their host: a webhook URL may carry the organiser's secret token.
pub(crate) fn export_document(
    email_normalised: &str,
    found: &[StoredSignature],
) -> serde_json::Value {
    let signatures: Vec<serde_json::Value> = found
        .iter()
        .map(|s| {
            json!({
                "campaign": s.campaign_slug,
                "campaign_title": s.campaign_title,
                "status": s.status,
                "signed_at": s.signed_at,
                "name": s.name,
                "email": s.email,
                "fields": s.fields,
                "locale": s.locale,
                "source_url": s.source_url,
                "consent": {
                    "text": s.consent_text,
                    "lang": s.consent_lang,
                    "version": s.consent_version,
                    "given_at": s.consent_at,
                },
                "public_name": s.public,
                "wall": s.public.then(|| json!({
                    "state": s.wall_state,
                    "featured": s.featured.is_some(),
                })),
                "network_hash_stored": s.network_hash_stored,
                "deliveries": s.deliveries.iter().map(|d| json!({
                    "event": d.event_type,
                    "event_id": d.event_id,
                    "created_at": d.created_at,
                    "to": d.target_kind,
                    "host": host_of(&d.target_url),
                    "state": d.state,
                    "attempts": d.attempts,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "email": email_normalised,
        "signatures": signatures,
    })
}

/// `https://hooks.example:8443/path?token=…` → `hooks.example:8443`.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit('@').next().unwrap_or(authority)
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn delivery_hosts_leave_out_paths_and_credentials() {
        assert_eq!(
            host_of("https://hooks.example/abc?token=s3cret"),
            "hooks.example"
        );
        assert_eq!(
            host_of("https://user:pw@hooks.example:8443/x"),
            "hooks.example:8443"
        );
        assert_eq!(host_of("http://127.0.0.1:9/"), "127.0.0.1:9");
    }
}
