//! The delivery commands: `webhook add|list|remove`, `osdi add|list|remove` (Action Network
//! and other OSDI servers), `delivery list|resend`, and `serve`'s delivery flags.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::target::{
    ACTION_NETWORK, ApiKeySource, EVENT_TYPES, OSDI_EVENTS, ReceiverUrl, check_batch,
    new_signing_secret, osdi_endpoint, parse_events,
};
use super::{Backoff, DeliverySettings};
use crate::cli::Database;
use crate::store::delivery::{DeliveryFilter, DeliveryStore, NewTarget, TargetKind};
use crate::store::{OpenMode, SignatureStore, Store};

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Send CAMPAIGN's signature events to URL (https; plain http only to a loopback address,
    /// for development). Prints the signing secret once: the receiver checks the
    /// `Pledge-Signature` header with it (docs/integrations.md).
    Add {
        campaign: String,
        url: String,
        /// An event to send: signature.created, signature.confirmed, signature.withdrawn.
        /// Repeatable; all of them when not given.
        #[arg(long = "event")]
        events: Vec<String>,
        /// Events per request: 1 posts each event on its own; more posts
        /// `{"events": [...]}` with up to this many (1-100).
        #[arg(long, default_value_t = 1)]
        batch: u32,
        #[command(flatten)]
        db: Database,
    },
    /// List webhooks (id, campaign, pending, parked, delivered, batch, events, URL;
    /// tab-separated). Never shows secrets.
    List {
        /// Only this campaign's.
        campaign: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    /// Remove a webhook, with its pending and parked deliveries.
    Remove {
        id: i64,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum OsdiCommand {
    /// Record CAMPAIGN's signatures on an Action Network petition (or any OSDI server's,
    /// with --base-url) through its record-signature helper.
    Add {
        campaign: String,
        /// The petition's id (from its API URL: …/api/v2/petitions/ID).
        #[arg(long)]
        petition: String,
        /// The OSDI server's origin.
        #[arg(long, default_value = ACTION_NETWORK)]
        base_url: String,
        /// The server reads the API key from this environment variable when it sends.
        #[arg(
            long,
            required_unless_present = "api_key_file",
            conflicts_with = "api_key_file"
        )]
        api_key_env: Option<String>,
        /// The server reads the API key from this file (absolute path, first line) when it
        /// sends.
        #[arg(long)]
        api_key_file: Option<PathBuf>,
        /// A tag added to each person (`add_tags`). Repeatable.
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[command(flatten)]
        db: Database,
    },
    /// List OSDI targets (id, campaign, pending, parked, delivered, tags, endpoint).
    List {
        campaign: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    /// Remove an OSDI target, with its pending and parked deliveries.
    Remove {
        id: i64,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeliveryCommand {
    /// List deliveries, oldest first per target: id, target, campaign, state, attempts,
    /// next attempt (UTC), event type, event id, created, last error (tab-separated).
    List {
        #[arg(long)]
        campaign: Option<String>,
        #[arg(long)]
        target: Option<i64>,
        #[arg(long, value_parser = ["pending", "parked", "delivered"])]
        state: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        db: Database,
    },
    /// Put parked deliveries back in line, due now, with a fresh retry window: the ones
    /// given by id, or all parked ones of --campaign / --target, or --all.
    Resend {
        ids: Vec<i64>,
        #[arg(long)]
        campaign: Option<String>,
        #[arg(long)]
        target: Option<i64>,
        /// Every parked delivery (of --campaign / --target when given).
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        db: Database,
    },
}

/// `serve`'s delivery settings.
#[derive(Debug, Args)]
pub struct DeliveryArgs {
    /// Do not send deliveries from this instance (other instances on the database still do).
    #[arg(long, env = "PLEDGE_NO_DELIVERIES")]
    pub no_deliveries: bool,
    /// Seconds each delivery request may take, from connecting to its answer's end.
    #[arg(long, env = "PLEDGE_DELIVERY_TIMEOUT", default_value_t = 15)]
    pub delivery_timeout: u64,
    /// Seconds before the first retry of a failed delivery; each retry waits twice as long
    /// (up to an hour), with jitter.
    #[arg(long, env = "PLEDGE_DELIVERY_BACKOFF", default_value_t = 10)]
    pub delivery_backoff: u64,
    /// Hours a delivery is retried before it is parked.
    #[arg(long, env = "PLEDGE_DELIVERY_RETRY_HOURS", default_value_t = 24)]
    pub delivery_retry_hours: u64,
    /// Milliseconds between looks at the outbox when idle (delivery latency).
    #[arg(long, env = "PLEDGE_DELIVERY_POLL_MS", default_value_t = 500)]
    pub delivery_poll_ms: u64,
}

impl DeliveryArgs {
    pub fn settings(&self) -> DeliverySettings {
        DeliverySettings {
            enabled: !self.no_deliveries,
            poll_interval: Duration::from_millis(self.delivery_poll_ms.max(10)),
            request_timeout: Duration::from_secs(self.delivery_timeout.max(1)),
            backoff: Backoff {
                base: Duration::from_secs(self.delivery_backoff.max(1)),
                retry_window: Duration::from_secs(self.delivery_retry_hours.max(1) * 3600),
                ..Backoff::default()
            },
            ..DeliverySettings::default()
        }
    }
}

pub async fn webhook(command: WebhookCommand) -> anyhow::Result<()> {
    match command {
        WebhookCommand::Add {
            campaign,
            url,
            events,
            batch,
            db,
        } => {
            let url = ReceiverUrl::parse(&url).map_err(anyhow::Error::msg)?;
            let events = parse_events(&events, &EVENT_TYPES).map_err(anyhow::Error::msg)?;
            let batch_size = check_batch(batch).map_err(anyhow::Error::msg)?;
            let secret = new_signing_secret().context("no randomness for the signing secret")?;
            let target = NewTarget {
                campaign_slug: campaign.clone(),
                kind: TargetKind::Webhook,
                url: url.as_str().to_owned(),
                secret: Some(secret.clone()),
                api_key_source: None,
                tags: Vec::new(),
                events,
                batch_size,
            };
            let id = add(&db, &target).await?;
            say(&format!(
                "added webhook {id} for campaign {campaign}: {}\nsigning secret (shown only now; give it to the receiver):\n{secret}",
                url.as_str()
            ))
        }
        WebhookCommand::List { campaign, db } => {
            list(&db, campaign.as_deref(), TargetKind::Webhook).await
        }
        WebhookCommand::Remove { id, db } => remove(&db, id, TargetKind::Webhook).await,
    }
}

pub async fn osdi(command: OsdiCommand) -> anyhow::Result<()> {
    match command {
        OsdiCommand::Add {
            campaign,
            petition,
            base_url,
            api_key_env,
            api_key_file,
            tags,
            db,
        } => {
            let endpoint = osdi_endpoint(&base_url, &petition).map_err(anyhow::Error::msg)?;
            let source = match (api_key_env, api_key_file) {
                (Some(name), _) => ApiKeySource::env(&name),
                (None, Some(path)) => ApiKeySource::file(&path.to_string_lossy()),
                (None, None) => Err("give --api-key-env or --api-key-file".to_owned()),
            }
            .map_err(anyhow::Error::msg)?;
            for tag in &tags {
                if tag.trim().is_empty()
                    || tag.chars().any(char::is_control)
                    || tag.chars().count() > 100
                {
                    bail!("--tag {tag:?}: one line of 1 to 100 characters");
                }
            }
            let target = NewTarget {
                campaign_slug: campaign.clone(),
                kind: TargetKind::Osdi,
                url: endpoint.as_str().to_owned(),
                secret: None,
                api_key_source: Some(source.stored()),
                tags,
                events: OSDI_EVENTS.iter().map(|s| (*s).to_owned()).collect(),
                batch_size: 1,
            };
            let id = add(&db, &target).await?;
            say(&format!(
                "added OSDI target {id} for campaign {campaign}: {} (API key from {})",
                endpoint.as_str(),
                source.stored()
            ))
        }
        OsdiCommand::List { campaign, db } => {
            list(&db, campaign.as_deref(), TargetKind::Osdi).await
        }
        OsdiCommand::Remove { id, db } => remove(&db, id, TargetKind::Osdi).await,
    }
}

pub async fn delivery(command: DeliveryCommand) -> anyhow::Result<()> {
    match command {
        DeliveryCommand::List {
            campaign,
            target,
            state,
            limit,
            db,
        } => {
            let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
            let filter = DeliveryFilter {
                campaign_slug: campaign,
                target_id: target,
                state,
                ids: Vec::new(),
            };
            let rows = store.deliveries(&filter, limit).await;
            store.close().await;
            let mut out = String::new();
            for d in rows? {
                let next = if d.state == "pending" {
                    utc_ms(d.next_attempt_at)
                } else {
                    "-".to_owned()
                };
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                    d.id,
                    d.target_id,
                    d.campaign_slug,
                    d.state,
                    d.attempts,
                    next,
                    d.event_type,
                    d.event_public_id,
                    d.event_created_at,
                    d.last_error
                        .as_deref()
                        .unwrap_or("-")
                        .replace(['\t', '\n', '\r'], " ")
                ));
            }
            say(out.trim_end())
        }
        DeliveryCommand::Resend {
            ids,
            campaign,
            target,
            all,
            db,
        } => {
            if ids.is_empty() && !all {
                bail!(
                    "name the deliveries to resend (ids from `delivery list --state parked`), or give --all"
                );
            }
            if !ids.is_empty() && all {
                bail!("give delivery ids or --all, not both");
            }
            let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
            let filter = DeliveryFilter {
                campaign_slug: campaign,
                target_id: target,
                state: Some("parked".into()),
                ids,
            };
            let n = store.resend(&filter).await;
            store.close().await;
            say(&format!("{} parked deliveries put back in line", n?))
        }
    }
}

async fn add(db: &Database, target: &NewTarget) -> anyhow::Result<i64> {
    let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
    let id = store.add_target(target).await;
    store.close().await;
    id?.with_context(|| format!("no campaign {:?}", target.campaign_slug))
}

async fn list(db: &Database, campaign: Option<&str>, kind: TargetKind) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
    let targets = store.targets(campaign).await;
    store.close().await;
    let mut out = String::new();
    for t in targets?.into_iter().filter(|t| t.kind == kind) {
        let detail = match kind {
            TargetKind::Webhook => format!("batch={}\t{}", t.batch_size, t.events.join(",")),
            TargetKind::Osdi => format!("tags={}", t.tags.join(",")),
        };
        out.push_str(&format!(
            "{}\t{}\tpending={}\tparked={}\tdelivered={}\t{}\t{}\n",
            t.id, t.campaign_slug, t.pending, t.parked, t.delivered, detail, t.url
        ));
    }
    say(out.trim_end())
}

async fn remove(db: &Database, id: i64, kind: TargetKind) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
    let removed = store.remove_target(id, kind).await;
    store.close().await;
    if !removed? {
        bail!("no {} with id {id}", kind.as_str());
    }
    say(&format!("removed {} {id}", kind.as_str()))
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (0 = now: "due").
pub(crate) fn utc_ms(ms: i64) -> String {
    if ms <= 0 {
        return "due".to_owned();
    }
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn say(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_print_in_utc() {
        assert_eq!(super::utc_ms(0), "due");
        assert_eq!(super::utc_ms(1_700_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(super::utc_ms(951_782_400_000), "2000-02-29T00:00:00Z");
    }
}
