//! A campaign's extra form fields as rows of a console form (name and email are built in):
//! key, kind, label, options, maximum length, required, public. Rows are read back as typed,
//! checked through [`FieldDefinition::from_parts`] (the rules `--field` follows), and a
//! refused row keeps what was typed.

use maud::{Markup, html};

use super::FormFields;
use super::controls::{Problems, checkbox, input, select, textarea};
use crate::domain::{FieldDefinition, FieldKind, FieldPart, FieldParts, parse_field_kind};

/// At most this many rows are read from a form.
pub(super) const MAX_ROWS: usize = 40;

/// One field as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct FieldRow {
    pub key: String,
    pub kind: String,
    pub label: String,
    /// One option a line, `value=Label` (or just `value`).
    pub options: String,
    pub max_length: String,
    pub required: bool,
    pub public: bool,
}

impl FieldRow {
    fn is_blank(&self) -> bool {
        self.key.trim().is_empty() && self.label.trim().is_empty() && self.options.trim().is_empty()
    }

    pub(super) fn of(f: &FieldDefinition) -> Self {
        Self {
            key: f.key.clone(),
            kind: f.kind.as_str().to_owned(),
            label: f.label.clone(),
            options: f
                .options
                .iter()
                .map(|o| format!("{}={}", o.value, o.label))
                .collect::<Vec<_>>()
                .join("\n"),
            max_length: match (f.kind, f.max_length) {
                (FieldKind::Text | FieldKind::Email, Some(n))
                    if n != FieldDefinition::DEFAULT_MAX_LENGTH =>
                {
                    n.to_string()
                }
                _ => String::new(),
            },
            required: f.required,
            public: f.public,
        }
    }
}

fn name(i: usize, part: &str) -> String {
    format!("f{i}_{part}")
}

/// The rows a form sent (`f0_key`, `f0_kind`, …), in order, blank ones included.
pub(super) fn rows_from(form: &FormFields) -> Vec<FieldRow> {
    (0..MAX_ROWS)
        .take_while(|i| form.get(&name(*i, "kind")).is_some())
        .map(|i| {
            let get = |part: &str| form.get(&name(i, part)).unwrap_or_default().to_owned();
            FieldRow {
                key: get("key").trim().to_owned(),
                kind: get("kind"),
                label: get("label"),
                options: get("options").replace("\r\n", "\n"),
                max_length: get("max_length"),
                required: form.get(&name(i, "required")).is_some(),
                public: form.get(&name(i, "public")).is_some(),
            }
        })
        .collect()
}

/// The definitions the rows make (blank rows left out), or each row's problem in `problems`.
pub(super) fn definitions(rows: &[FieldRow], problems: &mut Problems) -> Vec<FieldDefinition> {
    let mut out: Vec<FieldDefinition> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.is_blank() {
            continue;
        }
        let kind = match parse_field_kind(&row.kind) {
            Ok(kind) => kind,
            Err(why) => {
                problems.insert(name(i, "kind"), why);
                continue;
            }
        };
        if matches!(row.key.as_str(), "name" | "email") {
            problems.insert(
                name(i, "key"),
                format!(
                    "Field {}: the form always asks for name and email; give this field another key.",
                    i + 1
                ),
            );
            continue;
        }
        let options = row
            .options
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let (v, t) = l.split_once('=').unwrap_or((l, ""));
                (v.to_owned(), t.to_owned())
            })
            .collect();
        let parts = FieldParts {
            key: &row.key,
            kind,
            label: &row.label,
            required: row.required,
            options,
            max_length: Some(&row.max_length),
        };
        match FieldDefinition::from_parts(parts) {
            Ok(mut field) => {
                if out.iter().any(|f| f.key == field.key) {
                    problems.insert(
                        name(i, "key"),
                        format!("Field {}: the key {:?} is used twice.", i + 1, field.key),
                    );
                    continue;
                }
                if row.public && matches!(kind, FieldKind::Email | FieldKind::Checkbox) {
                    problems.insert(
                        name(i, "public"),
                        format!(
                            "Field {}: email and checkbox answers are never shown on the wall.",
                            i + 1
                        ),
                    );
                    continue;
                }
                field.public = row.public;
                out.push(field);
            }
            Err(refused) => {
                let part = match refused.part {
                    FieldPart::Key => "key",
                    FieldPart::Label => "label",
                    FieldPart::Options => "options",
                    FieldPart::MaxLength => "max_length",
                };
                problems.insert(name(i, part), format!("Field {}: {}", i + 1, refused));
            }
        }
    }
    out
}

/// The rows as fieldsets, then `blank` empty ones to fill in.
pub(super) fn render(rows: &[FieldRow], blank: usize, problems: &Problems) -> Markup {
    let kinds: Vec<(&str, &str)> = FieldKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.as_str()))
        .collect();
    let empty = FieldRow {
        kind: "text".to_owned(),
        ..FieldRow::default()
    };
    let all = rows.iter().chain(std::iter::repeat_n(&empty, blank));
    html! {
        @for (i, row) in all.enumerate() {
            fieldset.field-row {
                legend { "Field " (i + 1) }
                (input(&name(i, "key"), "Key (a-z, 0-9, _; how exports and webhooks name it)", None, "text", &row.key, problems))
                (select(&name(i, "kind"), "Kind", &kinds, &row.kind, problems))
                (input(&name(i, "label"), "Label", None, "text", &row.label, problems))
                (textarea(&name(i, "options"), "Options (select fields: one a line, value=Label)", None, 3, &row.options, problems))
                (input(&name(i, "max_length"), "Maximum length (text and email; empty: 200)", None, "text", &row.max_length, problems))
                (checkbox(&name(i, "required"), "Required", row.required, problems))
                (checkbox(&name(i, "public"), "Shown with the signer's name on the wall", row.public, problems))
            }
        }
    }
}
