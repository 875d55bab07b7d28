//! Browser-side validation mirroring the rules of docs/api.md, so the visitor hears about a
//! problem before the round trip, worded per field. Pure Rust: tested on the host.

use crate::campaign::{Campaign, FieldKind, FieldSpec};
use crate::i18n::{Strings, category, fill};

/// Why a value is not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Empty but needed.
    Required,
    /// More characters than allowed.
    TooLong(usize),
    /// Contains control characters.
    Control,
    /// Not an email address of the documented shape.
    Email,
    /// Not one of a select's options.
    NotAnOption,
    /// Not two letters A–Z.
    Country,
    /// The consent box is not ticked.
    Consent,
}

/// What the visitor typed, as the form holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormInput {
    /// Name as typed.
    pub name: String,
    /// Email as typed.
    pub email: String,
    /// Campaign field values in campaign order; checkboxes are `"true"` or `""`.
    pub fields: Vec<(String, String)>,
    /// Consent box.
    pub consent: bool,
}

/// Name: trimmed, 1–200 characters, no control characters. The server also refuses
/// zero-width and bidi control characters (a `422` on `name` the form shows like any other);
/// checking them here too cost ~100 brotli bytes the size budget does not have.
pub fn check_name(v: &str) -> Option<Problem> {
    let v = v.trim();
    if v.is_empty() {
        Some(Problem::Required)
    } else if v.chars().count() > 200 {
        Some(Problem::TooLong(200))
    } else if v.chars().any(char::is_control) {
        Some(Problem::Control)
    } else {
        None
    }
}

/// Email: trimmed, ≤ 254 characters, and a WHATWG "valid email address" (what browsers
/// accept for `type=email`) with at most 64 characters before the `@` and a dot after it.
/// The server applies the same rule (`SignerEmail::parse`).
pub fn check_email(v: &str) -> Option<Problem> {
    let v = v.trim();
    if v.is_empty() {
        return Some(Problem::Required);
    }
    if v.chars().count() > 254 {
        return Some(Problem::TooLong(254));
    }
    let (local, domain) = v.split_once('@').unwrap_or_default();
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let ok = (1..=64).contains(&local.len())
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b))
        && domain.contains('.')
        && domain.split('.').all(label);
    (!ok).then_some(Problem::Email)
}

/// A campaign field: required ones non-empty; text ≤ `max_length`; select values from the
/// options; country two letters A–Z.
pub fn check_field(spec: &FieldSpec, value: &str) -> Option<Problem> {
    let v = value.trim();
    if v.is_empty() {
        return spec.required.then_some(Problem::Required);
    }
    match spec.kind {
        FieldKind::Checkbox => None,
        FieldKind::Select => {
            (!spec.options.iter().any(|o| o.value == v)).then_some(Problem::NotAnOption)
        }
        FieldKind::Country => (!(v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase())))
            .then_some(Problem::Country),
        FieldKind::Email => check_email(v),
        FieldKind::Text if v.chars().count() > spec.max_len() => {
            Some(Problem::TooLong(spec.max_len()))
        }
        FieldKind::Text => v.chars().any(char::is_control).then_some(Problem::Control),
    }
}

/// Every problem of the form, in display order, keyed like the endpoint's 422 `fields`
/// (`name`, `email`, `fields.<key>`, `consent`).
pub fn check_form(campaign: &Campaign, input: &FormInput) -> Vec<(String, Problem)> {
    let mut out = Vec::new();
    if let Some(p) = check_name(&input.name) {
        out.push(("name".to_owned(), p));
    }
    if let Some(p) = check_email(&input.email) {
        out.push(("email".to_owned(), p));
    }
    for spec in &campaign.fields {
        let value = input
            .fields
            .iter()
            .find(|(k, _)| *k == spec.key)
            .map_or("", |(_, v)| v.as_str());
        if let Some(p) = check_field(spec, value) {
            out.push((format!("fields.{}", spec.key), p));
        }
    }
    if !input.consent {
        out.push(("consent".to_owned(), Problem::Consent));
    }
    out
}

/// The visible label of an error key, for messages that name the field.
pub fn label_of<'a>(s: &'a Strings, campaign: &'a Campaign, key: &'a str) -> &'a str {
    match key {
        "name" => s.name,
        "email" => s.email,
        "consent" => s.consent_label,
        _ => key
            .strip_prefix("fields.")
            .and_then(|k| campaign.fields.iter().find(|f| f.key == k))
            .map_or(key, |f| f.label.as_str()),
    }
}

/// "Email: enter an address like name@example.org", worded by the language's `field_error`
/// template.
pub fn message(s: &Strings, label: &str, p: Problem) -> String {
    let reason = match p {
        Problem::Required => s.err_required.to_owned(),
        Problem::TooLong(n) => fill(
            s.too_long_template(&category(n as u64, s.tag)),
            &n.to_string(),
        ),
        Problem::Control => s.err_control.to_owned(),
        Problem::Email => s.err_email.to_owned(),
        Problem::NotAnOption => s.err_option.to_owned(),
        Problem::Country => s.err_country.to_owned(),
        Problem::Consent => s.err_consent.to_owned(),
    };
    s.field_error(label, &reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::Choice;
    use crate::i18n::EN;

    fn spec(kind: FieldKind, required: bool) -> FieldSpec {
        let options = vec![Choice {
            value: "fan".into(),
            label: "A fan".into(),
        }];
        FieldSpec {
            key: "k".into(),
            label: "K".into(),
            kind,
            required,
            max_length: Some(5),
            options,
        }
    }

    #[test]
    fn name_rules() {
        assert_eq!(check_name("  "), Some(Problem::Required));
        assert_eq!(check_name(" Ada "), None);
        assert_eq!(check_name(&"a".repeat(201)), Some(Problem::TooLong(200)));
        assert_eq!(check_name("A\u{7}da"), Some(Problem::Control));
        assert_eq!(check_name("أحمد"), None);
    }

    #[test]
    fn email_rules() {
        for ok in [
            "ada@example.org",
            " Ada@Example.ORG ",
            "a+b@x.co.uk",
            "o'brien@example.ie",
        ] {
            assert_eq!(check_email(ok), None, "{ok}");
        }
        for bad in [
            "ada",
            "@x.org",
            "a@b",
            "a@@b.org",
            "a b@x.org",
            "a@x.org.",
            "a@.org",
            "ada@example..org",
            "<script>alert(1)</script>@x.org",
            "a@-x.org",
            "a@x_y.org",
            "\"a\"@x.org",
            "ä@x.org",
        ] {
            assert_eq!(check_email(bad), Some(Problem::Email), "{bad}");
        }
        assert_eq!(check_email(""), Some(Problem::Required));
        assert_eq!(
            check_email(&format!("{}@x.org", "a".repeat(250))),
            Some(Problem::TooLong(254))
        );
    }

    #[test]
    fn campaign_field_rules() {
        assert_eq!(check_field(&spec(FieldKind::Text, false), ""), None);
        assert_eq!(
            check_field(&spec(FieldKind::Text, true), " "),
            Some(Problem::Required)
        );
        assert_eq!(
            check_field(&spec(FieldKind::Text, false), "123456"),
            Some(Problem::TooLong(5))
        );
        assert_eq!(check_field(&spec(FieldKind::Select, true), "fan"), None);
        assert_eq!(
            check_field(&spec(FieldKind::Select, true), "boss"),
            Some(Problem::NotAnOption)
        );
        assert_eq!(check_field(&spec(FieldKind::Country, false), "DE"), None);
        assert_eq!(
            check_field(&spec(FieldKind::Country, false), "de"),
            Some(Problem::Country)
        );
        assert_eq!(
            check_field(&spec(FieldKind::Checkbox, true), ""),
            Some(Problem::Required)
        );
    }

    #[test]
    fn whole_form_in_display_order_with_named_messages() {
        let campaign = Campaign {
            fields: vec![spec(FieldKind::Select, true)],
            ..Campaign::default()
        };
        let errs = check_form(&campaign, &FormInput::default());
        let keys: Vec<_> = errs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["name", "email", "fields.k", "consent"]);
        let (key, p) = &errs[1];
        let text = message(&EN, label_of(&EN, &campaign, key), *p);
        assert_eq!(text, "Email: this is required");
        assert_eq!(
            message(&EN, "Email", Problem::Email),
            "Email: enter an address like name@example.org"
        );
        assert_eq!(label_of(&EN, &campaign, "fields.k"), "K");
    }
}
