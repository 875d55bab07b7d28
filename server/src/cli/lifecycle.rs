//! `campaign edit`, `campaign open|close|archive` and `campaign origin …`: a thin layer over
//! [`LifecycleStore`]; what an edit may be is decided by [`CampaignEdit::check`]. A running
//! server hears of each change within a second (docs/api.md, "Campaign changes").

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::{Database, say};
use crate::domain::{
    CampaignEdit, CampaignState, FieldDefinition, Origin, OriginChange, OriginMode, OriginPolicy,
};
use crate::store::{LifecycleStore, OpenMode, SignatureStore, Store};

/// Changes to a campaign after `campaign create`. Every flag not given keeps its value.
#[derive(Debug, Args)]
pub struct EditArgs {
    pub slug: String,
    #[arg(long)]
    pub title: Option<String>,
    /// Pledge text (plain text; blank lines separate paragraphs).
    #[arg(long, conflicts_with = "text_file")]
    pub text: Option<String>,
    /// Read the pledge text from a file.
    #[arg(long)]
    pub text_file: Option<PathBuf>,
    /// The goal; at least the current count (raise it once it is reached).
    #[arg(long, conflicts_with = "no_goal")]
    pub goal: Option<i64>,
    /// Show no goal.
    #[arg(long)]
    pub no_goal: bool,
    /// The form's fields, replacing all of them (same spec as `campaign create --field`).
    /// Answers already given stay with their signatures. Repeatable.
    #[arg(long = "field", conflicts_with = "no_fields")]
    pub fields: Vec<String>,
    /// Ask no extra fields.
    #[arg(long)]
    pub no_fields: bool,
    /// A new consent line: a new consent version. Signatures keep the one they were shown.
    #[arg(long)]
    pub consent_text: Option<String>,
    #[arg(long, conflicts_with = "no_privacy_url")]
    pub privacy_url: Option<String>,
    #[arg(long)]
    pub no_privacy_url: bool,
    #[arg(long, conflicts_with = "no_share_url")]
    pub share_url: Option<String>,
    #[arg(long)]
    pub no_share_url: bool,
    /// Proof-of-work difficulty (0 = no proof asked).
    #[arg(long = "pow")]
    pub pow_maxnumber: Option<u32>,
    /// Seconds between a challenge and the post (with proof of work only).
    #[arg(long)]
    pub min_fill_seconds: Option<u32>,
    /// Campaign text in another language, added or replaced: `LANG:FILE` (as for `create`).
    /// Repeatable.
    #[arg(long = "translation", value_parser = crate::store::parse_translation_arg)]
    pub translations: Vec<(String, crate::store::Translation)>,
    /// Deletes the campaign's text in this language (widgets in it show the campaign's own
    /// text). Repeatable.
    #[arg(long = "remove-translation", value_name = "LANG")]
    pub removed_translations: Vec<String>,
    /// Once the campaign has been closed this many days, `serve` deletes its signers'
    /// personal data (counts stay).
    #[arg(long, conflicts_with = "keep_personal_data")]
    pub retention_days: Option<u32>,
    /// Keep signers' personal data after closing until erased by hand (the default).
    #[arg(long)]
    pub keep_personal_data: bool,
    #[command(flatten)]
    pub confirmation: crate::email::cli::ConfirmationArgs,
    #[command(flatten)]
    pub db: Database,
}

#[derive(Debug, Subcommand)]
pub enum OriginCommand {
    /// The campaign's origin mode (`any` or `listed`), then each listed origin, one a line.
    List {
        slug: String,
        #[command(flatten)]
        db: Database,
    },
    /// List an origin (e.g. https://artist.example). It restricts signing only once the
    /// campaign is restricted (`campaign create --allowed-origin`, `campaign origin restrict`).
    Add {
        slug: String,
        origin: String,
        #[command(flatten)]
        db: Database,
    },
    /// Unlist an origin. A restricted campaign keeps at least one.
    Remove {
        slug: String,
        origin: String,
        #[command(flatten)]
        db: Database,
    },
    /// Let pages of any origin sign (the listed origins are kept).
    Any {
        slug: String,
        #[command(flatten)]
        db: Database,
    },
    /// Let only the listed origins sign.
    Restrict {
        slug: String,
        #[command(flatten)]
        db: Database,
    },
}

/// `campaign open|close|archive SLUG`.
pub(super) async fn set_state(
    slug: &str,
    state: CampaignState,
    db: Database,
) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
    let before = store.set_campaign_state(slug, state).await;
    store.close().await;
    let Some(before) = before? else {
        bail!("no campaign {slug:?}");
    };
    if before == state {
        say(&format!("campaign {slug} is already {}", state.as_str()))
    } else {
        say(&format!(
            "campaign {slug}: {} (was {})",
            state.as_str(),
            before.as_str()
        ))
    }
}

/// `campaign edit SLUG …`: checked whole against the campaign, then written in one
/// transaction; a refused edit changes nothing.
pub(super) async fn edit(args: EditArgs) -> anyhow::Result<()> {
    let mut edit = edit_from(&args)?;
    let confirmation = args.confirmation.edit();
    if edit.is_empty() && confirmation.is_empty() {
        bail!("campaign edit: give at least one flag to change (see --help)");
    }
    let store = SignatureStore::open(&args.db.database_url, OpenMode::Migrate).await?;
    let result = async {
        let current = store
            .campaign(&args.slug)
            .await?
            .with_context(|| format!("no campaign {:?}", args.slug))?;
        if !edit.is_empty() {
            edit.keep_public_marks(&current);
            edit.check(&current)?;
            if !store.update_campaign(&args.slug, &edit).await? {
                bail!("no campaign {:?}", args.slug);
            }
        }
        if !confirmation.is_empty() {
            use crate::store::confirmation::ConfirmationStore;
            store.edit_confirmation(&args.slug, &confirmation).await?;
        }
        Ok(())
    }
    .await;
    store.close().await;
    result?;
    say(&format!("updated campaign {}", args.slug))
}

/// The flags as an edit; what can be told without the campaign (a field spec, a file).
fn edit_from(args: &EditArgs) -> anyhow::Result<CampaignEdit> {
    let text = match (&args.text, &args.text_file) {
        (Some(t), _) => Some(t.trim().to_owned()),
        (None, Some(path)) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("--text-file: reading {}", path.display()))?
                .trim()
                .to_owned(),
        ),
        (None, None) => None,
    };
    let fields = if args.no_fields {
        Some(Vec::new())
    } else if args.fields.is_empty() {
        None
    } else {
        Some(
            args.fields
                .iter()
                .map(|spec| FieldDefinition::from_spec(spec))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| anyhow::anyhow!("--field: {e}"))?,
        )
    };
    let optional = |value: &Option<String>, none: bool| {
        if none {
            Some(None)
        } else {
            value.as_ref().map(|v| Some(v.trim().to_owned()))
        }
    };
    Ok(CampaignEdit {
        title: args.title.as_ref().map(|t| t.trim().to_owned()),
        text,
        goal: if args.no_goal {
            Some(None)
        } else {
            args.goal.map(Some)
        },
        fields,
        consent_text: args.consent_text.clone(),
        privacy_url: optional(&args.privacy_url, args.no_privacy_url),
        share_url: optional(&args.share_url, args.no_share_url),
        pow_maxnumber: args.pow_maxnumber,
        min_fill_seconds: args.min_fill_seconds,
        translations: args.translations.clone(),
        removed_translations: args
            .removed_translations
            .iter()
            .map(|l| l.trim().to_ascii_lowercase())
            .collect(),
        retention_days: if args.keep_personal_data {
            Some(None)
        } else {
            args.retention_days.map(Some)
        },
    })
}

/// `campaign origin …`.
pub(super) async fn origin(command: OriginCommand) -> anyhow::Result<()> {
    let (slug, change, db) = match command {
        OriginCommand::List { slug, db } => return list_origins(&slug, db).await,
        OriginCommand::Add { slug, origin, db } => (slug, OriginChange::Add(parse(&origin)?), db),
        OriginCommand::Remove { slug, origin, db } => {
            (slug, OriginChange::Remove(parse(&origin)?), db)
        }
        OriginCommand::Any { slug, db } => (slug, OriginChange::AllowAny, db),
        OriginCommand::Restrict { slug, db } => (slug, OriginChange::Restrict, db),
    };
    let store = SignatureStore::open(&db.database_url, OpenMode::Migrate).await?;
    let result = store.change_origins(&slug, &change).await;
    store.close().await;
    let (changed, policy) = result?
        .with_context(|| format!("no campaign {slug:?}"))?
        .map_err(|refused| anyhow::anyhow!("campaign {slug}: {refused}"))?;
    let what = match &change {
        OriginChange::Add(o) if changed => format!("listed {}", o.as_ref()),
        OriginChange::Add(o) => format!("{} was listed already", o.as_ref()),
        OriginChange::Remove(o) => format!("unlisted {}", o.as_ref()),
        OriginChange::AllowAny | OriginChange::Restrict => "origin mode set".to_owned(),
    };
    say(&format!("campaign {slug}: {what}; {}", describe(&policy)))
}

fn parse(origin: &str) -> anyhow::Result<Origin> {
    if origin.trim() == "*" {
        bail!("ORIGIN: `*` is not an origin; to let any page sign: campaign origin any SLUG");
    }
    Origin::parse(origin).map_err(|e| anyhow::anyhow!("ORIGIN: {e}"))
}

/// One line on who may sign now.
fn describe(policy: &OriginPolicy) -> String {
    match policy.mode {
        OriginMode::Any => "pages of any origin may sign".to_owned(),
        OriginMode::Listed => format!("only the {} listed origin(s) may sign", policy.listed.len()),
    }
}

async fn list_origins(slug: &str, db: Database) -> anyhow::Result<()> {
    let store = SignatureStore::open(&db.database_url, OpenMode::ReadOnly).await?;
    let campaign = store.campaign(slug).await;
    store.close().await;
    let campaign = campaign?.with_context(|| format!("no campaign {slug:?}"))?;
    let policy = OriginPolicy::of(&campaign);
    let mut out = format!("mode\t{}\n", policy.mode.as_str());
    for o in &policy.listed {
        out.push_str(o);
        out.push('\n');
    }
    say(out.trim_end())
}
