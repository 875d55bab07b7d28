//! Answers to a campaign's own questions, checked against its field definitions.

use std::collections::BTreeMap;

use serde_json::Value;

use super::campaign::{FieldDefinition, FieldKind};
use super::email::SignerEmail;
use pledge_contract::{Problem, rules};

/// Validated answers, keyed by field key. Values are JSON strings (text, email, select,
/// country) or booleans (checkbox); unanswered optional fields are absent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldValues(BTreeMap<String, Value>);

impl FieldValues {
    /// Unknown keys named in a 422, at most.
    pub const MAX_UNKNOWN_REPORTED: usize = 10;

    /// Checks every answer; on failure returns reasons keyed `fields.<key>`, plus `fields`
    /// when more answers came than the campaign has questions (docs/api.md).
    pub fn parse(
        definitions: &[FieldDefinition],
        raw: &BTreeMap<String, Value>,
    ) -> Result<Self, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut values = BTreeMap::new();
        // More answers than questions: say so once, and name only the first few unknown
        // keys, so a body full of junk keys does not come back as a page of reasons.
        if raw.len() > definitions.len() {
            errors.insert(
                "fields".to_owned(),
                format!(
                    "This campaign asks for at most {} fields; {} were sent.",
                    definitions.len(),
                    raw.len()
                ),
            );
        }
        let unknown = raw
            .keys()
            .filter(|key| !definitions.iter().any(|d| &d.key == *key));
        for key in unknown.take(Self::MAX_UNKNOWN_REPORTED) {
            errors.insert(
                field_key(key),
                "This campaign does not ask for this.".to_owned(),
            );
        }
        for def in definitions {
            match parse_one(def, raw.get(&def.key)) {
                Ok(Some(v)) => {
                    values.insert(def.key.clone(), v);
                }
                Ok(None) => {}
                Err(reason) => {
                    errors.insert(field_key(&def.key), reason);
                }
            }
        }
        if errors.is_empty() {
            Ok(Self(values))
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    pub fn as_map(&self) -> &BTreeMap<String, Value> {
        &self.0
    }
}

fn field_key(key: &str) -> String {
    // Keys come from the request, so cap what we echo back.
    let key: String = key.chars().take(64).collect();
    format!("fields.{key}")
}

fn parse_one(def: &FieldDefinition, raw: Option<&Value>) -> Result<Option<Value>, String> {
    let text = match raw {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim()).filter(|s| !s.is_empty()),
        Some(Value::Bool(b)) if def.kind == FieldKind::Checkbox => {
            return match (*b, def.required) {
                (false, true) => Err("Tick this box to continue.".into()),
                (b, _) => Ok(Some(Value::Bool(b))),
            };
        }
        Some(_) if def.kind == FieldKind::Checkbox => return Err("Expected true or false.".into()),
        Some(_) => return Err("Expected text.".into()),
    };
    let Some(text) = text else {
        return match (def.required, def.kind) {
            (true, FieldKind::Checkbox) => Err("Tick this box to continue.".into()),
            (true, _) => Err("This field is required.".into()),
            (false, _) => Ok(None),
        };
    };
    let value = match def.kind {
        FieldKind::Checkbox => return Err("Expected true or false.".into()),
        FieldKind::Text => match rules::check_text(text, def.max_len()) {
            Ok(text) => text.to_owned(),
            Err(Problem::TooLong(n)) => return Err(format!("Use at most {n} characters.")),
            Err(_) => return Err("Remove line breaks and control characters.".into()),
        },
        FieldKind::Email => {
            let email = SignerEmail::parse(text)?;
            if rules::char_len(email.as_typed()) > def.max_len() {
                return Err(format!("Use at most {} characters.", def.max_len()));
            }
            email.as_typed().to_owned()
        }
        FieldKind::Select => {
            match rules::check_option(text, def.options.iter().map(|o| o.value.as_str())) {
                Ok(value) => value.to_owned(),
                Err(_) => return Err("Choose one of the options.".into()),
            }
        }
        FieldKind::Country => match rules::check_country(text) {
            Ok(code) => code.to_ascii_uppercase(),
            Err(_) => return Err("Use a two-letter country code such as ES.".into()),
        },
    };
    Ok(Some(Value::String(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn defs() -> Vec<FieldDefinition> {
        [
            "role:select:I am:required:artist=Artist|fan=Fan",
            "organisation:text:Band:optional:10",
            "country:country:Country",
            "news:checkbox:Send news",
        ]
        .iter()
        .map(|s| FieldDefinition::from_spec(s).unwrap())
        .collect()
    }

    fn raw(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn accepts_good_answers() {
        let v = FieldValues::parse(
            &defs(),
            &raw(json!({"role": "fan", "country": "es", "organisation": " ", "news": true})),
        )
        .unwrap();
        assert_eq!(v.get("country"), Some(&json!("ES")));
        assert_eq!(v.get("organisation"), None);
        assert_eq!(v.get("news"), Some(&json!(true)));
    }

    #[test]
    fn reports_each_bad_field() {
        let e = FieldValues::parse(&defs(), &raw(json!({"role": "boss", "country": "Spain", "organisation": "x".repeat(11), "extra": 1, "news": "yes"}))).unwrap_err();
        let keys: Vec<_> = e.keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "fields",
                "fields.country",
                "fields.extra",
                "fields.news",
                "fields.organisation",
                "fields.role"
            ]
        );
        let e = FieldValues::parse(&defs(), &raw(json!({}))).unwrap_err();
        assert!(e.contains_key("fields.role"));
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent(role in any::<String>(), org in any::<String>(), country in any::<String>(), key in any::<String>()) {
            let input = raw(json!({"role": role, "organisation": org, "country": country, key: "x"}));
            if let Ok(v) = FieldValues::parse(&defs(), &input) {
                let again = FieldValues::parse(&defs(), v.as_map()).unwrap();
                prop_assert_eq!(again, v);
            }
        }
    }
}
