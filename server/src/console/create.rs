//! Creating a campaign in the console (admin): the same rules as `campaign create` (the
//! slug through [`CampaignSlug`], fields through [`FieldDefinition::from_parts`], text,
//! goal, consent, links, proof of work through [`CampaignEdit::problems`]). A refused form
//! comes back with everything typed and a reason next to each field.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::auth::Organiser;
use super::change::{AdminChange, done_at};
use super::controls::{Problems, input, select, summary, textarea};
use super::field_rows::{self, FieldRow};
use super::layout::{csrf, page};
use super::{ConsoleError, FormFields, audit};
use crate::abuse::proof::DEFAULT_MAXNUMBER;
use crate::domain::{
    CampaignEdit, CampaignSlug, DEFAULT_CONSENT_TEXT, EditRefused, Locale, NewCampaign, Origin,
    OriginMode, PublicNames,
};
use crate::state::AppState;
use crate::store::Store;

/// Empty field rows a new form offers.
const BLANK_ROWS: usize = 2;

/// The form as typed (or its defaults).
#[derive(Debug, Clone)]
struct Draft {
    slug: String,
    title: String,
    text: String,
    goal: String,
    language: String,
    consent_text: String,
    privacy_url: String,
    share_url: String,
    pow: String,
    min_fill: String,
    origin_mode: String,
    origins: String,
    public_names: String,
    fields: Vec<FieldRow>,
}

impl Default for Draft {
    fn default() -> Self {
        Self {
            slug: String::new(),
            title: String::new(),
            text: String::new(),
            goal: String::new(),
            language: "en".to_owned(),
            consent_text: DEFAULT_CONSENT_TEXT.to_owned(),
            privacy_url: String::new(),
            share_url: String::new(),
            pow: DEFAULT_MAXNUMBER.to_string(),
            min_fill: "3".to_owned(),
            origin_mode: "any".to_owned(),
            origins: String::new(),
            public_names: "no".to_owned(),
            fields: Vec::new(),
        }
    }
}

impl Draft {
    fn from_form(form: &FormFields) -> Self {
        let get = |name: &str| form.get(name).unwrap_or_default().replace("\r\n", "\n");
        Self {
            slug: get("slug").trim().to_owned(),
            title: get("title").trim().to_owned(),
            text: get("text").trim().to_owned(),
            goal: get("goal").trim().to_owned(),
            language: get("language").trim().to_owned(),
            consent_text: get("consent_text").trim().to_owned(),
            privacy_url: get("privacy_url").trim().to_owned(),
            share_url: get("share_url").trim().to_owned(),
            pow: get("pow_maxnumber").trim().to_owned(),
            min_fill: get("min_fill_seconds").trim().to_owned(),
            origin_mode: get("origin_mode"),
            origins: get("origins"),
            public_names: get("public_names"),
            fields: field_rows::rows_from(form),
        }
    }
}

/// The form input an [`EditRefused`] flag is about.
pub(super) fn input_of(refused: &EditRefused) -> &'static str {
    match refused.flag {
        "title" => "title",
        "text" => "text",
        "goal" => "goal",
        "consent-text" => "consent_text",
        "privacy-url" => "privacy_url",
        "share-url" => "share_url",
        "pow" => "pow_maxnumber",
        "min-fill-seconds" => "min_fill_seconds",
        "retention-days" => "retention_days",
        "translation" => "translation",
        _ => "fields",
    }
}

/// A reason as a sentence: "consent-text: must not be empty" reads "Must not be empty."
pub(super) fn sentence(reason: &str) -> String {
    let mut chars = reason.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    let mut s = format!("{}{}", first.unwrap_or_default(), chars.as_str());
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// Parses a whole number the form sent; empty is `None`.
fn number<T: std::str::FromStr>(raw: &str, name: &str, problems: &mut Problems) -> Option<T> {
    if raw.is_empty() {
        return None;
    }
    let parsed = raw.parse().ok();
    if parsed.is_none() {
        problems.insert(
            name.to_owned(),
            format!("{raw:?} is not a whole number (digits only)."),
        );
    }
    parsed
}

/// The campaign the draft describes, or why not, per input.
fn campaign_of(draft: &Draft) -> Result<NewCampaign, Problems> {
    let mut problems = Problems::new();
    let slug = CampaignSlug::parse_explained(&draft.slug)
        .map_err(|why| problems.insert("slug".to_owned(), why))
        .ok();
    let goal = number::<i64>(&draft.goal, "goal", &mut problems);
    let pow = number::<u32>(&draft.pow, "pow_maxnumber", &mut problems);
    let min_fill = number::<u32>(&draft.min_fill, "min_fill_seconds", &mut problems);
    if draft.pow.is_empty() {
        problems.insert(
            "pow_maxnumber".to_owned(),
            "Give a difficulty: 0 turns proof of work off.".to_owned(),
        );
    }
    let language = Locale::parse(&draft.language)
        .map_err(|why| problems.insert("language".to_owned(), why))
        .ok();
    let fields = field_rows::definitions(&draft.fields, &mut problems);
    let link = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    // The same checks an edit gets, against a campaign with nothing counted yet.
    let edit = CampaignEdit {
        title: Some(draft.title.clone()),
        text: Some(draft.text.clone()),
        goal: Some(goal),
        consent_text: Some(draft.consent_text.clone()),
        privacy_url: Some(link(&draft.privacy_url)),
        share_url: Some(link(&draft.share_url)),
        pow_maxnumber: pow,
        min_fill_seconds: min_fill,
        ..CampaignEdit::default()
    };
    for refused in edit.problems(0) {
        problems
            .entry(input_of(&refused).to_owned())
            .or_insert_with(|| sentence(&refused.reason));
    }
    let mode = OriginMode::parse(&draft.origin_mode)
        .map_err(|why| problems.insert("origin_mode".to_owned(), why))
        .ok();
    let mut listed: Vec<String> = Vec::new();
    for line in draft.origins.lines().filter(|l| !l.trim().is_empty()) {
        match Origin::parse(line) {
            Ok(o) if !listed.iter().any(|l| l == o.as_ref()) => listed.push(o.as_ref().to_owned()),
            Ok(_) => {}
            Err(why) => {
                problems.insert("origins".to_owned(), sentence(&why));
            }
        }
    }
    if mode == Some(OriginMode::Listed) && listed.is_empty() && !problems.contains_key("origins") {
        problems.insert(
            "origins".to_owned(),
            "List at least one origin, or let any site embed the campaign.".to_owned(),
        );
    }
    let wall = match draft.public_names.as_str() {
        "no" => Some(None),
        other => PublicNames::parse(other)
            .map(Some)
            .map_err(|why| problems.insert("public_names".to_owned(), why))
            .ok(),
    };
    match (slug, language, mode, wall) {
        (Some(slug), Some(language), Some(mode), Some(wall)) if problems.is_empty() => {
            Ok(NewCampaign {
                slug,
                title: draft.title.clone(),
                text: draft.text.clone(),
                goal,
                fields,
                consent_text: draft.consent_text.clone(),
                privacy_url: link(&draft.privacy_url),
                share_url: link(&draft.share_url),
                allow_public_names: wall.is_some(),
                public_names: wall.unwrap_or(PublicNames::Off),
                languages: vec![language.as_ref().to_ascii_lowercase()],
                allowed_origins: listed,
                origin_mode: mode,
                pow_maxnumber: pow.unwrap_or(0),
                min_fill_seconds: min_fill.unwrap_or(0),
                reveal_already_signed: false,
            })
        }
        _ => Err(problems),
    }
}

fn form_page(who: &Organiser, draft: &Draft, blank: usize, problems: &Problems) -> Markup {
    let origin_modes = [
        ("any", "Any site (proof of work and rate limits guard it)"),
        ("listed", "Only the origins listed below"),
    ];
    let walls = [
        ("no", "No wall: the form does not offer it"),
        ("after_review", "Names shown once a moderator approves them"),
        (
            "immediate",
            "Names shown at once (moderators can hide them)",
        ),
        ("off", "Ask signers, show nobody yet"),
    ];
    page(
        who,
        "New campaign",
        html! {
            (summary(problems))
            form method="post" action="/admin/new-campaign" novalidate {
                (csrf(who))
                fieldset {
                    legend { "The pledge" }
                    (input("slug", "Short name (its address: a-z, 0-9 and hyphens)", Some("Partners' snippets and the API use it; it cannot change later."), "text", &draft.slug, problems))
                    (input("title", "Title", None, "text", &draft.title, problems))
                    (textarea("text", "Pledge text", Some("Plain text; blank lines separate paragraphs; links become clickable."), 8, &draft.text, problems))
                    (input("goal", "Goal (empty: none)", None, "text", &draft.goal, problems))
                    (input("language", "Language of this text", Some("A language tag such as en or es. Translations are added on the campaign's Fields and translations page."), "text", &draft.language, problems))
                    (input("consent_text", "Consent line", None, "text", &draft.consent_text, problems))
                    (input("privacy_url", "Privacy policy link (empty: none)", None, "url", &draft.privacy_url, problems))
                    (input("share_url", "Share link (empty: none)", None, "url", &draft.share_url, problems))
                }
                fieldset {
                    legend { "Extra fields (name and email are always asked)" }
                    p.hint { "Leave a row empty to skip it." }
                    (field_rows::render(&draft.fields, blank, problems))
                    button type="submit" name="more" value="1" class="secondary" { "Add another field" }
                }
                fieldset {
                    legend { "Who may sign, and abuse controls" }
                    (select("origin_mode", "Who may embed it and sign", &origin_modes, &draft.origin_mode, problems))
                    (textarea("origins", "Listed origins (one a line, like https://artist.example)", None, 3, &draft.origins, problems))
                    (input("pow_maxnumber", "Proof-of-work difficulty (0: off)", None, "text", &draft.pow, problems))
                    (input("min_fill_seconds", "Minimum seconds to fill the form (with proof of work)", None, "text", &draft.min_fill, problems))
                    (select("public_names", "Public signer wall", &walls, &draft.public_names, problems))
                }
                button type="submit" { "Create the campaign" }
            }
        },
    )
}

/// `GET /admin/new-campaign` (admin).
pub(super) async fn new_page(who: Organiser) -> Result<Markup, ConsoleError> {
    who.require_admin()?;
    Ok(form_page(
        &who,
        &Draft::default(),
        BLANK_ROWS,
        &Problems::new(),
    ))
}

fn refused(who: &Organiser, draft: &Draft, problems: &Problems) -> Response {
    let mut r = form_page(who, draft, 0, problems).into_response();
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// `POST /admin/new-campaign` (admin): `more` shows one more field row (nothing saved);
/// otherwise creates the campaign and opens its embed builder.
pub(super) async fn create(
    State(state): State<AppState>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    let draft = Draft::from_form(&form);
    if form.get("more").is_some() {
        return Ok(form_page(&who, &draft, 1, &Problems::new()).into_response());
    }
    let campaign = match campaign_of(&draft) {
        Ok(c) => c,
        Err(problems) => return Ok(refused(&who, &draft, &problems)),
    };
    if !state.campaigns.store().create_campaign(&campaign).await? {
        let problems = Problems::from([(
            "slug".to_owned(),
            format!(
                "There is a campaign {:?} already: choose another short name.",
                draft.slug
            ),
        )]);
        return Ok(refused(&who, &draft, &problems));
    }
    let slug = campaign.slug.as_ref();
    audit(
        &state,
        &who.user.email,
        "campaign.create",
        Some(slug),
        String::new(),
    )
    .await?;
    Ok(done_at(
        &format!("/admin/campaigns/{slug}/embed"),
        "Created: the campaign is open. Copy its embed code below.",
    ))
}
