//! A signer's email: kept as typed (trimmed) for export, and normalised for the
//! one-signature-per-email rule.

use pledge_contract::{Problem, rules};

/// Syntax-checked email. `normalised()` is the lowercase form used for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerEmail {
    as_typed: String,
    normalised: String,
}

impl SignerEmail {
    pub const MAX_CHARS: usize = rules::EMAIL_MAX_CHARS;
    /// RFC 5321's limit on the part before the `@`.
    pub const MAX_LOCAL_CHARS: usize = rules::EMAIL_MAX_LOCAL_CHARS;

    /// The contract's rule (`pledge_contract::rules::check_email`, which the widget applies
    /// before it sends): trimmed, ≤ 254 characters, a WHATWG "valid email address" (what
    /// browsers accept in `<input type=email>`) whose local part has at most 64 characters
    /// and whose domain has a dot.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match rules::check_email(raw) {
            Ok(trimmed) => Ok(Self {
                as_typed: trimmed.to_owned(),
                normalised: trimmed.to_lowercase(),
            }),
            Err(Problem::Required) => Err("Enter your email address.".into()),
            Err(Problem::TooLong(n)) => Err(format!("Use at most {n} characters.")),
            Err(_) => Err("Enter an email address like name@example.org.".into()),
        }
    }

    /// As the signer typed it, minus surrounding spaces.
    pub fn as_typed(&self) -> &str {
        &self.as_typed
    }

    /// Lowercase form: two signatures with equal `normalised()` are the same signer.
    pub fn normalised(&self) -> &str {
        &self.normalised
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_case_and_spacing() {
        let e = SignerEmail::parse("  Ada@Example.ORG ").unwrap();
        assert_eq!(e.as_typed(), "Ada@Example.ORG");
        assert_eq!(e.normalised(), "ada@example.org");
    }

    #[test]
    fn each_problem_gets_its_own_message() {
        assert_eq!(
            SignerEmail::parse(" ").unwrap_err(),
            "Enter your email address."
        );
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(
            SignerEmail::parse(&long).unwrap_err(),
            "Use at most 254 characters."
        );
        assert_eq!(
            SignerEmail::parse("ada@example..org").unwrap_err(),
            "Enter an email address like name@example.org."
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_normalisation_is_idempotent(s in any::<String>()) {
            if let Ok(email) = SignerEmail::parse(&s) {
                let again = SignerEmail::parse(email.normalised());
                prop_assert!(again.is_ok());
                let again = again.unwrap();
                prop_assert_eq!(again.normalised(), email.normalised());
                prop_assert_eq!(again.as_typed(), email.normalised());
            }
        }

        #[test]
        fn valid_shapes_parse(local in "[a-zA-Z0-9._%+-]{1,30}", host in "[a-zA-Z0-9]([a-zA-Z0-9-]{0,18}[a-zA-Z0-9])?", tld in "[a-zA-Z]{2,6}") {
            let raw = format!(" {local}@{host}.{tld} ");
            let email = SignerEmail::parse(&raw).unwrap();
            prop_assert_eq!(email.normalised(), raw.trim().to_lowercase());
        }
    }
}
