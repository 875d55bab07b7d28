//! A signer's name as it will be shown (if public) and exported.

use pledge_contract::{Problem, rules};

/// Trimmed, 1–200 characters, no control characters, no zero-width or bidi-control
/// characters (`pledge_contract::rules::check_name`, the widget's rule too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerName(String);

impl SignerName {
    pub const MAX_CHARS: usize = rules::NAME_MAX_CHARS;

    pub fn parse(raw: &str) -> Result<Self, String> {
        match rules::check_name(raw) {
            Ok(name) => Ok(Self(name.to_owned())),
            Err(Problem::Required) => Err("Enter your name.".into()),
            Err(Problem::TooLong(n)) => Err(format!("Use at most {n} characters.")),
            Err(Problem::Invisible) => Err(
                "Remove invisible characters (zero-width spaces, direction marks and overrides)."
                    .into(),
            ),
            Err(_) => Err("Remove line breaks and control characters.".into()),
        }
    }
}

impl AsRef<str> for SignerName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_problem_gets_its_own_message() {
        assert_eq!(SignerName::parse("  Zoë ").unwrap().as_ref(), "Zoë");
        assert_eq!(SignerName::parse(" ").unwrap_err(), "Enter your name.");
        assert_eq!(
            SignerName::parse(&"é".repeat(201)).unwrap_err(),
            "Use at most 200 characters."
        );
        assert!(
            SignerName::parse("Ada\nLovelace")
                .unwrap_err()
                .starts_with("Remove line breaks")
        );
        assert!(
            SignerName::parse("Ada\u{202E}Lovelace")
                .unwrap_err()
                .starts_with("Remove invisible")
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent(s in any::<String>()) {
            if let Ok(name) = SignerName::parse(&s) {
                let again = SignerName::parse(name.as_ref()).unwrap();
                prop_assert_eq!(again, name);
            }
        }
    }
}
