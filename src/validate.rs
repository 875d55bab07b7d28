//! Browser-side validation mirroring the rules of docs/api.md, so the visitor hears about a
//! problem before the round trip, worded per field. Pure Rust: tested on the host.

use pledge_contract::rules;
pub use pledge_contract::rules::Problem;

use crate::campaign::{Campaign, FieldKind, FieldSpec};
use crate::i18n::{Strings, category, fill};

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

/// Name: the contract's rule (`pledge_contract::rules::check_name`), the server's too.
pub fn check_name(v: &str) -> Option<Problem> {
    rules::check_name(v).err()
}

/// Email: the contract's rule (`pledge_contract::rules::check_email`), the server's too.
pub fn check_email(v: &str) -> Option<Problem> {
    rules::check_email(v).err()
}

/// A campaign field: required ones non-empty, then the contract's rule for its kind.
pub fn check_field(spec: &FieldSpec, value: &str) -> Option<Problem> {
    let v = value.trim();
    if v.is_empty() {
        return spec.required.then_some(Problem::Required);
    }
    match spec.kind {
        FieldKind::Checkbox => Ok(v),
        FieldKind::Select => rules::check_option(v, spec.options.iter().map(|o| o.value.as_str())),
        FieldKind::Country => rules::check_country(v),
        FieldKind::Email => rules::check_email(v),
        FieldKind::Text => rules::check_text(v, spec.max_len()),
    }
    .err()
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
        // Invisible characters are control characters to a reader; the page's own locale and
        // address are not typed by the visitor, so their problems never reach this message.
        Problem::Control | Problem::Invisible | Problem::Locale | Problem::Url => {
            s.err_control.to_owned()
        }
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
            lang: None,
        }];
        FieldSpec {
            key: "k".into(),
            label: "K".into(),
            kind,
            required,
            max_length: Some(5),
            options,
            lang: None,
        }
    }

    #[test]
    fn name_rules() {
        assert_eq!(check_name("  "), Some(Problem::Required));
        assert_eq!(check_name(" Ada "), None);
        assert_eq!(check_name(&"a".repeat(201)), Some(Problem::TooLong(200)));
        assert_eq!(check_name("A\u{7}da"), Some(Problem::Control));
        assert_eq!(check_name("أحمد"), None);
        assert_eq!(check_name("Ada\u{202E}ecalevoL"), Some(Problem::Invisible));
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
        // Either case, as the server takes it (and stores it uppercase).
        assert_eq!(check_field(&spec(FieldKind::Country, false), "de"), None);
        assert_eq!(
            check_field(&spec(FieldKind::Country, false), "Deu"),
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
