//! `pledge-server wall …`: the organiser's control of the public signer wall from the
//! command line (the browser console is a later issue). Every change is committed to the
//! database, where running servers hear of it (SQLite: `wall_changes`, read every 200 ms;
//! PostgreSQL: NOTIFY) and pass it to open walls within a second.

use std::io::Write;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::cli::Database;
use crate::domain::{FieldDefinition, FieldKind, PublicNames, SignerEmail, WallState};
use crate::store::wall::WallSettingsUpdate;
use crate::store::{Campaign, OpenMode, SignatureStore, Store, WallStore};
use crate::wall::WallSettings;

#[derive(Debug, Subcommand)]
pub enum WallCommand {
    /// Show the wall's settings, or change them: when names show (`--public-names`) and
    /// which fields show with them.
    Settings {
        slug: String,
        /// off | after_review | immediate. A mode other than off also lets the form offer
        /// "show my name publicly".
        #[arg(long, value_parser = parse_public_names)]
        public_names: Option<PublicNames>,
        /// Show this field with the names. Repeatable.
        #[arg(long = "public-field")]
        public_fields: Vec<String>,
        /// Stop showing this field. Repeatable.
        #[arg(long = "private-field")]
        private_fields: Vec<String>,
        #[command(flatten)]
        db: Database,
    },
    /// List the signers who chose to show their name, oldest first (tab-separated: id,
    /// state, featured rank or -, shown yes/no, signed_at, email, name, public fields).
    List {
        slug: String,
        /// Only entries in this state: pending, approved or hidden.
        #[arg(long, value_parser = parse_state)]
        state: Option<WallState>,
        #[command(flatten)]
        db: Database,
    },
    /// Approve entries (by the ids `wall list` shows), or every pending one.
    Approve {
        slug: String,
        #[arg(
            required_unless_present = "all_pending",
            conflicts_with = "all_pending"
        )]
        ids: Vec<i64>,
        #[arg(long)]
        all_pending: bool,
        #[command(flatten)]
        db: Database,
    },
    /// Hide entries: they leave every wall at once and never show, whatever the mode.
    Hide {
        slug: String,
        #[arg(required = true)]
        ids: Vec<i64>,
        #[command(flatten)]
        db: Database,
    },
    /// Feature entries, first to last in the order given (this approves them): instead of
    /// the featured ones, or after them with --append; --clear features none.
    Feature {
        slug: String,
        #[arg(required_unless_present = "clear", conflicts_with = "clear")]
        ids: Vec<i64>,
        #[arg(long)]
        append: bool,
        #[arg(long)]
        clear: bool,
        #[command(flatten)]
        db: Database,
    },
    /// A signer no longer shows their name (their signature still counts). The answer is
    /// the same whether or not that email signed.
    Withdraw {
        slug: String,
        #[arg(long)]
        email: String,
        #[command(flatten)]
        db: Database,
    },
}

pub fn parse_public_names(raw: &str) -> Result<PublicNames, String> {
    PublicNames::parse(raw)
}

fn parse_state(raw: &str) -> Result<WallState, String> {
    WallState::parse(raw)
}

/// Marks `public` fields as shown and `private` ones as not; an unknown key, or an email
/// or checkbox field marked public, is an error naming it.
pub fn mark_public(
    fields: &mut [FieldDefinition],
    public: &[String],
    private: &[String],
) -> anyhow::Result<()> {
    for (keys, shown) in [(public, true), (private, false)] {
        for key in keys {
            let Some(field) = fields.iter_mut().find(|f| &f.key == key) else {
                bail!(
                    "there is no field {key:?} to mark (the campaign's fields are its --field keys)"
                );
            };
            if shown && matches!(field.kind, FieldKind::Email | FieldKind::Checkbox) {
                bail!("field {key:?} cannot be public: email and checkbox answers are never shown");
            }
            field.public = shown;
        }
    }
    Ok(())
}

pub async fn run(command: WallCommand) -> anyhow::Result<()> {
    match command {
        WallCommand::Settings {
            slug,
            public_names,
            public_fields,
            private_fields,
            db,
        } => settings(&slug, public_names, &public_fields, &private_fields, db).await,
        WallCommand::List { slug, state, db } => list(&slug, state, db).await,
        WallCommand::Approve {
            slug,
            ids,
            all_pending,
            db,
        } => {
            let (store, campaign) = open(&slug, &db).await?;
            let result = if all_pending {
                store.approve_pending(campaign.id).await.map(Ok)
            } else {
                store
                    .set_wall_state(campaign.id, &ids, WallState::Approved)
                    .await
            };
            store.close().await;
            say(&format!(
                "approved {} entr(ies) in {slug}",
                changed(result?)?
            ))
        }
        WallCommand::Hide { slug, ids, db } => {
            let (store, campaign) = open(&slug, &db).await?;
            let result = store
                .set_wall_state(campaign.id, &ids, WallState::Hidden)
                .await;
            store.close().await;
            say(&format!("hid {} entr(ies) in {slug}", changed(result?)?))
        }
        WallCommand::Feature {
            slug,
            ids,
            append,
            clear,
            db,
        } => {
            let (store, campaign) = open(&slug, &db).await?;
            let ids = if clear { Vec::new() } else { ids };
            let result = store.feature(campaign.id, &ids, append).await;
            store.close().await;
            changed(result?)?;
            if ids.is_empty() {
                say(&format!("no featured entries in {slug}"))
            } else {
                let order: Vec<String> = ids.iter().map(i64::to_string).collect();
                say(&format!("featured in {slug}: {}", order.join(" ")))
            }
        }
        WallCommand::Withdraw { slug, email, db } => {
            let email = SignerEmail::parse(&email).map_err(anyhow::Error::msg)?;
            let (store, campaign) = open(&slug, &db).await?;
            let result = store.withdraw(campaign.id, email.normalised()).await;
            store.close().await;
            result?;
            // The same words either way: whoever runs this learns nothing about the email.
            say(&format!(
                "if that email signed {slug} and showed its name, the name is no longer shown"
            ))
        }
    }
}

async fn open(slug: &str, db: &Database) -> anyhow::Result<(SignatureStore, Campaign)> {
    let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
    match store.campaign(slug).await {
        Ok(Some(campaign)) => Ok((store, campaign)),
        Ok(None) => {
            store.close().await;
            bail!("no campaign {slug:?}")
        }
        Err(e) => {
            store.close().await;
            Err(e.into())
        }
    }
}

/// How many entries changed, or an error naming the ids that are not opted-in signers.
fn changed(result: crate::store::wall::EntriesChanged) -> anyhow::Result<u64> {
    result.map_err(|missing| {
        let ids: Vec<String> = missing.iter().map(i64::to_string).collect();
        anyhow::anyhow!(
            "nothing changed: no signer who chose to show their name has id {} (see `wall list`)",
            ids.join(", ")
        )
    })
}

async fn settings(
    slug: &str,
    public_names: Option<PublicNames>,
    public: &[String],
    private: &[String],
    db: Database,
) -> anyhow::Result<()> {
    let changing = public_names.is_some() || !public.is_empty() || !private.is_empty();
    let mode = if changing {
        OpenMode::Migrate
    } else {
        OpenMode::ReadOnly
    };
    let store = SignatureStore::open(&db.database_url, mode).await?;
    let result = async {
        let mut campaign = store
            .campaign(slug)
            .await?
            .with_context(|| format!("no campaign {slug:?}"))?;
        if changing {
            let mut fields = campaign.fields.clone();
            mark_public(&mut fields, public, private)?;
            let update = WallSettingsUpdate {
                public_names,
                allow_public_names: public_names
                    .filter(|m| *m != PublicNames::Off)
                    .map(|_| true),
                fields: Some(fields),
            };
            store.set_wall_settings(slug, &update).await?;
            campaign = store
                .campaign(slug)
                .await?
                .with_context(|| format!("no campaign {slug:?}"))?;
        }
        Ok::<_, anyhow::Error>(campaign)
    }
    .await;
    store.close().await;
    let campaign = result?;
    let shown = WallSettings::of(&campaign);
    say(&format!(
        "public_names\t{}\nform offers the choice\t{}\npublic fields\t{}",
        campaign.public_names,
        if campaign.allow_public_names {
            "yes"
        } else {
            "no"
        },
        shown.public_fields.join(",")
    ))
}

async fn list(slug: &str, state: Option<WallState>, db: Database) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
    let result = async {
        let campaign = store
            .campaign(slug)
            .await?
            .with_context(|| format!("no campaign {slug:?}"))?;
        let rows = store.wall_review(campaign.id, state).await?;
        Ok::<_, anyhow::Error>((campaign, rows))
    }
    .await;
    store.close().await;
    let (campaign, rows) = result?;
    let settings = WallSettings::of(&campaign);
    // Tab-separated for scripts: a tab or newline inside a value would break the columns.
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut out = String::new();
    for (row, email) in rows {
        let shown = row.candidate && row.state.shows_under(settings.mode);
        let fields: Vec<String> = settings
            .public_fields
            .iter()
            .filter_map(|k| Some(format!("{k}={}", row.fields.get(k)?.as_str()?)))
            .collect();
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            row.id,
            row.state,
            row.featured
                .map_or_else(|| "-".to_owned(), |r| r.to_string()),
            if shown { "yes" } else { "no" },
            row.signed_at,
            clean(&email),
            clean(&row.name),
            clean(&fields.join("; ")),
        ));
    }
    say(out.trim_end())
}

/// Prints a line on stdout and flushes: tests and scripts read these lines.
fn say(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}
