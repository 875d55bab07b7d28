//! The demo campaign, modelled on the 2019 "No Music for ICE" artists' pledge.

use crate::domain::{
    CampaignSlug, FieldDefinition, FieldOption, FieldType, NewCampaign, PublicNames,
};
use crate::store::{SignatureStore, Store, StoreResult};

pub const DEMO_SLUG: &str = "no-music-for-ice";

const TEXT: &str = "\
In late 2019 hundreds of musicians made a simple promise in a single day: no shows, \
no festivals, no partnerships with Amazon while it powers the deportation machine. \
Artists signed by name, and every new name made the next one easier.

We are musicians, crew, venue staff and fans. We will not lend our work, our stages \
or our audiences to a company that sells the tools used to tear families apart. We \
pledge not to work with Amazon, or play its events, until it meets these demands:

1. End existing contracts with immigration agencies such as ICE, CBP and ORR.
2. Stop providing cloud services to companies, such as Palantir, that power deportations.
3. End projects that encourage racial profiling, such as facial recognition.
4. Refuse such engagements in the future.

Read the original open letter: https://www.nomusicforice.com/";

const CONSENT: &str = "I agree that the organisers may store my name and email to count my pledge and contact me about it. If I choose, my name may be shown publicly.";

fn campaign(allowed_origins: &[String], pow_maxnumber: u32) -> NewCampaign {
    let option = |value: &str, label: &str| FieldOption {
        value: value.into(),
        label: label.into(),
    };
    NewCampaign {
        slug: CampaignSlug::parse(DEMO_SLUG)
            .unwrap_or_else(|| unreachable!("constant slug is valid")),
        title: "No Music for ICE".into(),
        text: TEXT.into(),
        goal: Some(1000),
        fields: vec![
            FieldDefinition {
                key: "role".into(),
                label: "I am".into(),
                kind: FieldType::Select,
                required: true,
                options: vec![
                    option("artist", "An artist"),
                    option("industry", "An industry worker"),
                    option("fan", "A fan"),
                ],
                max_length: None,
                public: true,
            },
            FieldDefinition {
                key: "organisation".into(),
                label: "Band, venue or organisation".into(),
                kind: FieldType::Text,
                required: false,
                options: Vec::new(),
                max_length: Some(200),
                public: true,
            },
            FieldDefinition {
                key: "country".into(),
                label: "Country".into(),
                kind: FieldType::Country,
                required: false,
                options: Vec::new(),
                max_length: None,
                public: true,
            },
        ],
        consent_text: CONSENT.into(),
        privacy_url: None,
        share_url: None,
        allow_public_names: true,
        languages: vec!["en".into(), "es".into()],
        allowed_origins: allowed_origins.to_vec(),
        pow_maxnumber,
        min_fill_seconds: 3,
        reveal_already_signed: false,
        public_names: PublicNames::AfterReview,
    }
}

/// Creates the demo campaign if missing, and points its allow-list at this run's
/// listeners (ports may differ between runs, e.g. port 0) and its proof of work at `--pow`.
pub async fn seed(
    store: &SignatureStore,
    allowed_origins: &[String],
    pow_maxnumber: u32,
) -> StoreResult<()> {
    store
        .create_campaign(&campaign(allowed_origins, pow_maxnumber))
        .await?;
    store
        .set_allowed_origins(DEMO_SLUG, allowed_origins)
        .await?;
    store.set_proof_of_work(DEMO_SLUG, pow_maxnumber).await
}
