//! A campaign's fields and translations in the console (admins change, moderators read):
//! the form's extra fields replaced as a whole (answers already given stay with their
//! signatures), and the title, text and consent line per language. A new consent line, in
//! any language, is a new consent version; signatures keep the one they were shown. Saved
//! through `LifecycleStore::update_campaign`, so running servers hear of it at once.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::auth::Organiser;
use super::change::AdminChange;
use super::controls::{Problems, input, summary, textarea};
use super::create::{input_of, sentence};
use super::dashboard::{campaign, campaign_nav};
use super::field_rows::{self, FieldRow};
use super::layout::{csrf, notice, page};
use super::{ConsoleError, FormFields, audit};
use crate::domain::{CampaignEdit, Locale};
use crate::state::AppState;
use crate::store::{Campaign, FieldTranslation, LifecycleStore, Translation};

/// The translation form as shown: an existing language, or a new one (`lang` typed).
#[derive(Debug, Clone, Default)]
struct TranslationDraft {
    lang: String,
    is_new: bool,
    title: String,
    text: String,
    consent_text: String,
    /// Field labels and option labels as typed, by field key and option value.
    fields: BTreeMap<String, FieldTranslation>,
}

impl TranslationDraft {
    /// `?lang=` names an existing translation: it; otherwise the form for a new language.
    fn of(c: &Campaign, lang: Option<&str>) -> Self {
        let pick = lang.and_then(|l| c.translations.get_key_value(l));
        match pick {
            Some((lang, t)) => Self {
                lang: lang.clone(),
                is_new: false,
                title: t.title.clone().unwrap_or_default(),
                text: t.text.clone().unwrap_or_default(),
                consent_text: t.consent_text.clone().unwrap_or_default(),
                fields: t.fields.clone(),
            },
            None => Self {
                is_new: true,
                ..Self::default()
            },
        }
    }
}

fn back(slug: &str, lang: Option<&str>, done: &str) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(lang) = lang {
        query.append_pair("lang", lang);
    }
    query.append_pair("done", done);
    Redirect::to(&format!(
        "/admin/campaigns/{slug}/content?{}",
        query.finish()
    ))
    .into_response()
}

struct View<'a> {
    rows: Vec<FieldRow>,
    blank: usize,
    field_problems: Problems,
    translation: TranslationDraft,
    translation_problems: Problems,
    done: Option<&'a str>,
}

fn content(who: &Organiser, c: &Campaign, v: &View<'_>) -> Markup {
    let admin = who.is_admin();
    let slug = &c.slug;
    let own_lang = c.languages.first().map_or("en", String::as_str);
    let t = &v.translation;
    page(
        who,
        &format!("Fields and translations of {}", c.title),
        html! {
            (campaign_nav(slug, "/content"))
            (notice(v.done))
            @if !admin { p.hint { "Only an admin may change these." } }
            section aria-labelledby="fields-heading" {
                h2 #fields-heading { "Fields" }
                p.hint { "Name and email are always asked. Saving replaces the extra fields; answers already given stay with their signatures. Empty a row to remove its field." }
                (summary(&v.field_problems))
                form method="post" action={ "/admin/campaigns/" (slug) "/fields" } novalidate {
                    (csrf(who))
                    fieldset disabled[!admin] {
                        legend { "Extra fields" }
                        (field_rows::render(&v.rows, v.blank, &v.field_problems))
                        @if admin {
                            button type="submit" name="more" value="1" { "Add another field" }
                            " "
                            button type="submit" { "Save fields" }
                        }
                    }
                }
            }
            section aria-labelledby="translations-heading" {
                h2 #translations-heading { "Translations" }
                p { "The campaign's own language is " code { (own_lang) } ". A widget showing another language uses that language's text where one is written here, and the campaign's own elsewhere." }
                nav aria-label="Languages" {
                    ul {
                        @for lang in c.translations.keys() {
                            li {
                                a href={ "/admin/campaigns/" (slug) "/content?lang=" (lang) }
                                  aria-current=[(!t.is_new && &t.lang == lang).then_some("page")] { (lang) }
                            }
                        }
                        li {
                            a href={ "/admin/campaigns/" (slug) "/content" }
                              aria-current=[t.is_new.then_some("page")] { "Add a language" }
                        }
                    }
                }
                (summary(&v.translation_problems))
                form method="post" action={ "/admin/campaigns/" (slug) "/translations" } novalidate {
                    (csrf(who))
                    fieldset disabled[!admin] {
                        @if t.is_new {
                            legend { "A new language" }
                            (input("lang", "Language tag (like es or pt-BR)", None, "text", &t.lang, &v.translation_problems))
                        } @else {
                            legend { "Language " (t.lang) }
                            input type="hidden" name="lang" value=(t.lang);
                        }
                        p.hint { "Empty: the campaign's own text is shown." }
                        (input("t_title", "Title", Some(&format!("Own: {}", c.title)), "text", &t.title, &v.translation_problems))
                        (textarea("t_text", "Pledge text", None, 8, &t.text, &v.translation_problems))
                        (input("t_consent_text", "Consent line (a change makes a new consent version)", Some(&format!("Own: {}", c.consent_text)), "text", &t.consent_text, &v.translation_problems))
                        (field_words(c, t, &v.translation_problems))
                        @if admin { button type="submit" { "Save this language" } }
                    }
                }
                @if admin && !t.is_new {
                    form method="post" action={ "/admin/campaigns/" (slug) "/translations" } {
                        (csrf(who))
                        input type="hidden" name="lang" value=(t.lang);
                        button type="submit" name="remove" value="yes" { "Remove the " (t.lang) " text" }
                        " "
                        span.hint { "Widgets in " (t.lang) " then show the campaign's own text." }
                    }
                }
            }
        },
    )
}

/// The translation form's inputs for the fields' words: per field `tfI_label` (and a hidden
/// `tfI_key`), per option `tfI_oJ` (and a hidden `tfI_oJ_value`), so what is saved is keyed
/// by field key and option value, not by position.
fn field_words(c: &Campaign, t: &TranslationDraft, problems: &Problems) -> Markup {
    html! {
        @for (i, f) in c.fields.iter().enumerate() {
            fieldset {
                legend { "Field " code { (f.key) } }
                input type="hidden" name={ "tf" (i) "_key" } value=(f.key);
                @let words = t.fields.get(&f.key);
                (input(&format!("tf{i}_label"), "Label", Some(&format!("Own: {}", f.label)), "text",
                    words.and_then(|w| w.label.as_deref()).unwrap_or_default(), problems))
                @for (j, o) in f.options.iter().enumerate() {
                    input type="hidden" name={ "tf" (i) "_o" (j) "_value" } value=(o.value);
                    (input(&format!("tf{i}_o{j}"), &format!("Option {}", o.value), Some(&format!("Own: {}", o.label)), "text",
                        words.and_then(|w| w.options.get(&o.value)).map_or("", String::as_str), problems))
                }
            }
        }
    }
}

/// The fields' words the form sent, for the campaign's fields and options only; a label
/// must be one line of at most 200 characters.
fn field_words_from(
    form: &FormFields,
    c: &Campaign,
    problems: &mut Problems,
) -> BTreeMap<String, FieldTranslation> {
    let typed = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
    let mut check = |name: String, value: String| {
        if value.chars().any(char::is_control) || value.chars().count() > 200 {
            problems.insert(name, "Use one line of at most 200 characters.".to_owned());
        }
        (!value.is_empty()).then_some(value)
    };
    let mut out = BTreeMap::new();
    for i in 0..c.fields.len() {
        let Some(field) = form
            .get(&format!("tf{i}_key"))
            .and_then(|k| c.fields.iter().find(|f| f.key == k))
        else {
            continue;
        };
        let mut words = FieldTranslation {
            label: check(format!("tf{i}_label"), typed(&format!("tf{i}_label"))),
            options: BTreeMap::new(),
        };
        for j in 0..field.options.len() {
            let Some(value) = form
                .get(&format!("tf{i}_o{j}_value"))
                .filter(|v| field.options.iter().any(|o| o.value == *v))
            else {
                continue;
            };
            if let Some(label) = check(format!("tf{i}_o{j}"), typed(&format!("tf{i}_o{j}"))) {
                words.options.insert(value.to_owned(), label);
            }
        }
        if !words.is_empty() {
            out.insert(field.key.clone(), words);
        }
    }
    out
}

/// `GET /admin/campaigns/{slug}/content?lang=…&done=…`
pub(super) async fn content_page(
    State(state): State<AppState>,
    who: Organiser,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Markup, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let view = View {
        rows: c.fields.iter().map(FieldRow::of).collect(),
        blank: 1,
        field_problems: Problems::new(),
        translation: TranslationDraft::of(&c, q.get("lang").map(String::as_str)),
        translation_problems: Problems::new(),
        done: q.get("done").map(String::as_str),
    };
    Ok(content(&who, &c, &view))
}

fn refused(who: &Organiser, c: &Campaign, view: &View<'_>) -> Response {
    let mut r = content(who, c, view).into_response();
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// Saves the edit, re-reads the campaign on this server (others follow the change), and
/// records it.
async fn apply(
    state: &AppState,
    who: &Organiser,
    slug: &str,
    edit: &CampaignEdit,
    action: &str,
    detail: String,
) -> Result<(), ConsoleError> {
    if !state.campaigns.store().update_campaign(slug, edit).await? {
        return Err(ConsoleError::NotFound(format!(
            "There is no campaign {slug:?}."
        )));
    }
    state.campaigns.reload(slug).await?;
    audit(state, &who.user.email, action, Some(slug), detail).await
}

/// `POST /admin/campaigns/{slug}/fields`: the rows replace the fields; `more` shows one
/// more row (nothing saved).
pub(super) async fn save_fields(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    let rows = field_rows::rows_from(&form);
    let mut problems = Problems::new();
    let fields = field_rows::definitions(&rows, &mut problems);
    let view = |blank, field_problems| View {
        rows: rows.clone(),
        blank,
        field_problems,
        translation: TranslationDraft::of(&c, None),
        translation_problems: Problems::new(),
        done: None,
    };
    if form.get("more").is_some() {
        return Ok(content(&who, &c, &view(1, Problems::new())).into_response());
    }
    let edit = CampaignEdit {
        fields: Some(fields),
        ..CampaignEdit::default()
    };
    for e in edit.problems(c.count) {
        problems
            .entry("fields".to_owned())
            .or_insert(sentence(&e.reason));
    }
    if !problems.is_empty() {
        return Ok(refused(&who, &c, &view(0, problems)));
    }
    if edit.fields.as_ref() == Some(&c.fields) {
        return Ok(back(&slug, None, "Nothing was changed."));
    }
    let keys = edit
        .fields
        .iter()
        .flatten()
        .map(|f| f.key.as_str())
        .collect::<Vec<_>>()
        .join(",");
    apply(&state, &who, &slug, &edit, "campaign.fields", keys).await?;
    Ok(back(
        &slug,
        None,
        "Fields saved: widgets show them within a second.",
    ))
}

/// `POST /admin/campaigns/{slug}/translations`: adds or replaces one language's text, or
/// with `remove=yes` deletes it.
pub(super) async fn save_translation(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    AdminChange { who, form }: AdminChange,
) -> Result<Response, ConsoleError> {
    let c = campaign(&state, &slug).await?;
    if form.get("remove") == Some("yes") {
        let lang = form
            .get("lang")
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !c.translations.contains_key(&lang) {
            return Ok(back(
                &slug,
                None,
                "Nothing was changed: there is no such translation.",
            ));
        }
        let edit = CampaignEdit {
            removed_translations: vec![lang.clone()],
            ..CampaignEdit::default()
        };
        apply(
            &state,
            &who,
            &slug,
            &edit,
            "campaign.translation.remove",
            lang.clone(),
        )
        .await?;
        return Ok(back(
            &slug,
            None,
            &format!(
                "Removed the {lang} text: widgets in that language show the campaign's own text within a second."
            ),
        ));
    }
    let typed = |name: &str| {
        form.get(name)
            .unwrap_or_default()
            .replace("\r\n", "\n")
            .trim()
            .to_owned()
    };
    let lang = typed("lang").to_ascii_lowercase();
    let mut problems = Problems::new();
    let draft = TranslationDraft {
        is_new: !c.translations.contains_key(&lang),
        lang: lang.clone(),
        title: typed("t_title"),
        text: typed("t_text"),
        consent_text: typed("t_consent_text"),
        fields: field_words_from(&form, &c, &mut problems),
    };
    if let Err(why) = Locale::parse(&lang) {
        problems.insert("lang".to_owned(), why);
    } else if c.languages.first() == Some(&lang) {
        problems.insert(
            "lang".to_owned(),
            format!("{lang} is the campaign's own language: edit its text in Settings."),
        );
    }
    let some = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    let translation = Translation {
        title: some(&draft.title),
        text: some(&draft.text),
        consent_text: some(&draft.consent_text),
        fields: draft.fields.clone(),
    };
    // A translation's title, text and consent line follow the rules of the campaign's own.
    let as_own = CampaignEdit {
        title: translation.title.clone(),
        text: translation.text.clone(),
        consent_text: translation.consent_text.clone(),
        ..CampaignEdit::default()
    };
    for e in as_own.problems(c.count) {
        problems.insert(format!("t_{}", input_of(&e)), sentence(&e.reason));
    }
    if !problems.is_empty() {
        let view = View {
            rows: c.fields.iter().map(FieldRow::of).collect(),
            blank: 1,
            field_problems: Problems::new(),
            translation: draft,
            translation_problems: problems,
            done: None,
        };
        return Ok(refused(&who, &c, &view));
    }
    if c.translations.get(&lang) == Some(&translation) {
        return Ok(back(&slug, Some(&lang), "Nothing was changed."));
    }
    let edit = CampaignEdit {
        translations: vec![(lang.clone(), translation)],
        ..CampaignEdit::default()
    };
    apply(
        &state,
        &who,
        &slug,
        &edit,
        "campaign.translation",
        lang.clone(),
    )
    .await?;
    Ok(back(
        &slug,
        Some(&lang),
        &format!("Saved the {lang} text: widgets in that language show it within a second."),
    ))
}
