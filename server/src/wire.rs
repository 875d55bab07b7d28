//! What the API sends, apart from how the store keeps it: a stored column can be renamed or
//! a new one added without changing what clients see (docs/api.md is the contract).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::FieldDefinition;
use crate::store::{Campaign, Translation};
use crate::wall::WallSettings;

/// `GET /campaigns/{slug}`.
#[derive(Debug, Serialize)]
pub struct CampaignInfo<'a> {
    pub slug: &'a str,
    /// `open` or `closed` (an archived campaign answers 410 instead).
    pub state: &'static str,
    pub title: &'a str,
    pub text: &'a str,
    pub goal: Option<i64>,
    pub count: i64,
    pub fields: &'a [FieldDefinition],
    pub consent_text: &'a str,
    pub privacy_url: Option<&'a str>,
    pub share_url: Option<&'a str>,
    pub allow_public_names: bool,
    pub languages: &'a [String],
    /// Title, text and consent line per language tag.
    pub translations: &'a BTreeMap<String, Translation>,
    /// `null` when signatures need no proof of work.
    pub proof_of_work: Option<ProofOfWorkInfo>,
    /// The public signer wall; `null` when it is off (then `…/signers` answers 404).
    pub wall: Option<WallInfo>,
}

/// Whether and how the campaign shows its signers' names (`GET …/signers`).
#[derive(Debug, Clone, Serialize)]
pub struct WallInfo {
    /// `after_review` or `immediate`.
    pub public_names: &'static str,
    /// The field keys shown with a name, in the form's order.
    pub public_fields: Vec<String>,
}

/// The campaign's proof-of-work difficulty.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProofOfWorkInfo {
    pub maxnumber: u32,
}

impl<'a> CampaignInfo<'a> {
    /// The campaign as clients see it, with the live `count` (not the one read with it).
    pub fn new(c: &'a Campaign, count: i64) -> Self {
        Self {
            slug: &c.slug,
            state: c.state.as_str(),
            title: &c.title,
            text: &c.text,
            goal: c.goal,
            count,
            fields: &c.fields,
            consent_text: &c.consent_text,
            privacy_url: c.privacy_url.as_deref(),
            share_url: c.share_url.as_deref(),
            allow_public_names: c.allow_public_names,
            languages: &c.languages,
            translations: &c.translations,
            proof_of_work: c.proof_of_work.map(|p| ProofOfWorkInfo {
                maxnumber: p.maxnumber,
            }),
            wall: {
                let wall = WallSettings::of(c);
                wall.is_on().then(|| WallInfo {
                    public_names: wall.mode.as_str(),
                    public_fields: wall.public_fields,
                })
            },
        }
    }
}
