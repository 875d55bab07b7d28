//! The demo campaign, modelled on the 2019 "No Music for ICE" artists' pledge.

use crate::domain::{
    CampaignSlug, FieldDefinition, FieldKind, FieldOption, IdempotencyKey, NewCampaign,
    NewSignature, OriginChange, OriginMode, OriginPolicy, PublicNames, SignatureRequest, WallState,
};
use crate::store::{LifecycleStore, SignContext, SignatureStore, Store, StoreResult, WallStore};

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

fn campaign(origins: &OriginPolicy, pow_maxnumber: u32) -> NewCampaign {
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
                kind: FieldKind::Select,
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
                kind: FieldKind::Text,
                required: false,
                options: Vec::new(),
                max_length: Some(200),
                public: true,
            },
            FieldDefinition {
                key: "country".into(),
                label: "Country".into(),
                kind: FieldKind::Country,
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
        allowed_origins: origins.listed.clone(),
        origin_mode: origins.mode,
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
    origins: &OriginPolicy,
    pow_maxnumber: u32,
) -> StoreResult<()> {
    store
        .create_campaign(&campaign(origins, pow_maxnumber))
        .await?;
    store
        .set_allowed_origins(DEMO_SLUG, &origins.listed)
        .await?;
    let mode = match origins.mode {
        OriginMode::Any => OriginChange::AllowAny,
        OriginMode::Listed => OriginChange::Restrict,
    };
    // The listeners are always listed, so restricting cannot be refused.
    let _ = store.change_origins(DEMO_SLUG, &mode).await?;
    store.set_proof_of_work(DEMO_SLUG, pow_maxnumber).await
}

/// Made-up signers of the kind the 2019 letter had: artists and bands first, then crew,
/// venue and label people, then fans. `(name, role, organisation, country)`.
const SAMPLE_SIGNERS: &[(&str, &str, &str, &str)] = &[
    ("Marisol Quintero", "artist", "Los Faroles", "MX"),
    ("Dev Okafor", "artist", "Okafor & the Late Trains", "US"),
    ("Ingrid Solberg", "artist", "Fjordlys", "NO"),
    ("Tariq Haddad", "artist", "Sandglass Orchestra", "US"),
    ("June Takeda", "artist", "Paper Lanterns", "JP"),
    ("Ruby Calloway", "artist", "The Night Ferry", "GB"),
    ("Nilufar Rahimi", "artist", "Qanat", "US"),
    ("Lou Berrigan", "artist", "Static Saints", "IE"),
    ("Amara Nwosu", "artist", "Lagos Tape Club", "NG"),
    ("Pablo Esquivel", "artist", "Cumbia Satélite", "AR"),
    (
        "Hana Kowalczyk",
        "industry",
        "Sound engineer, Kettle Hall",
        "PL",
    ),
    ("Sam Ortega", "industry", "Booking, Low Light Agency", "US"),
    ("Priya Raman", "industry", "The Lantern Room (venue)", "CA"),
    ("Jonas Weber", "industry", "Tour manager", "DE"),
    ("Aisha Bello", "industry", "Small Hours Records", "US"),
    ("Colm Tierney", "industry", "Lighting, Harbour Stage", "IE"),
    ("Keiko Mori", "industry", "Merch, self-employed", "JP"),
    ("Lena Fischer", "fan", "", "AT"),
    ("Marcus Reid", "fan", "", "US"),
    ("Sofía Herrera", "fan", "", "CO"),
    ("Yusuf Demir", "fan", "", "TR"),
    ("Claire Dubois", "fan", "", "FR"),
    ("Ana Lima", "fan", "", "BR"),
    ("Tom Whitaker", "fan", "", "GB"),
];

/// The samples featured, in this order: well-known (made-up) artists lead the wall.
const FEATURED: &[&str] = &["Ruby Calloway", "Dev Okafor", "Marisol Quintero"];

/// Where sample signers' emails point: a reserved domain that never delivers.
const SAMPLE_DOMAIN: &str = "sample.invalid";

/// Signs the campaign with [`SAMPLE_SIGNERS`] (once: their emails stop a second signature
/// on later runs), shows them on the wall and features a few, so a wall has something to
/// show. Real signers are left to the organiser's review.
pub async fn seed_sample_signers(store: &SignatureStore) -> anyhow::Result<()> {
    let campaign = store
        .campaign(DEMO_SLUG)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo campaign is missing"))?;
    for (n, (name, role, organisation, country)) in SAMPLE_SIGNERS.iter().enumerate() {
        let request: SignatureRequest = serde_json::from_value(serde_json::json!({
            "name": name,
            "email": format!("sample-{n}@{SAMPLE_DOMAIN}"),
            "fields": {"role": role, "organisation": organisation, "country": country},
            "consent": {"given": true, "text": campaign.consent_text},
            "public": true,
            "locale": "en",
        }))?;
        let signature = NewSignature::parse(
            &request,
            &campaign.fields,
            campaign.allow_public_names,
            &campaign.consent_texts(),
        )
        .map_err(|e| anyhow::anyhow!("sample signer {name}: {e:?}"))?;
        let key = IdempotencyKey::parse(&format!("demo-sample-signer-{n:04}"))
            .ok_or_else(|| anyhow::anyhow!("sample key"))?;
        store
            .sign(
                campaign.id,
                &key,
                "demo-sample",
                &signature,
                SignContext::default(),
            )
            .await?;
    }
    let samples: Vec<_> = store
        .wall_review(campaign.id, None)
        .await?
        .into_iter()
        .filter(|(_, email)| email.ends_with(SAMPLE_DOMAIN))
        .map(|(row, _)| row)
        .collect();
    let ids: Vec<i64> = samples.iter().map(|r| r.id).collect();
    let featured: Vec<i64> = FEATURED
        .iter()
        .filter_map(|name| samples.iter().find(|r| r.name == *name).map(|r| r.id))
        .collect();
    let approved = store
        .set_wall_state(campaign.id, &ids, WallState::Approved)
        .await?;
    let featured = store.feature(campaign.id, &featured, false).await?;
    if let (Err(missing), _) | (_, Err(missing)) = (approved, featured) {
        anyhow::bail!("sample signers {missing:?} are not on the wall");
    }
    Ok(())
}
