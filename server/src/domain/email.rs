//! A signer's email: kept as typed (trimmed) for export, and normalised for the
//! one-signature-per-email rule.

use super::text::has_control;

/// Syntax-checked email. `normalised()` is the lowercase form used for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerEmail {
    as_typed: String,
    normalised: String,
}

impl SignerEmail {
    pub const MAX_CHARS: usize = 254;

    /// The rules of docs/api.md: trimmed, ≤ 254 characters, one `@`, non-empty local part,
    /// a domain with a dot (and no empty labels), no spaces or control characters.
    /// Deliberately not RFC 5322: the widget must be able to mirror it exactly.
    pub fn parse(raw: &str) -> Result<Self, String> {
        const HINT: &str = "Enter an email address like name@example.org.";
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter your email address.".into());
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(format!("Use at most {} characters.", Self::MAX_CHARS));
        }
        if trimmed.chars().any(char::is_whitespace) || has_control(trimmed) {
            return Err(HINT.into());
        }
        let mut parts = trimmed.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(HINT.into());
        };
        if local.is_empty() || !domain.contains('.') || domain.split('.').any(str::is_empty) {
            return Err(HINT.into());
        }
        Ok(Self {
            as_typed: trimmed.to_owned(),
            normalised: trimmed.to_lowercase(),
        })
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
    fn rejects_bad_syntax() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "ada@@example.org",
            "a@b@example.org",
            "ada lovelace@example.org",
            "ada@example..org",
            "ada@.org",
            "ada@example.org.",
            "ad\u{0}a@example.org",
        ] {
            assert!(SignerEmail::parse(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(SignerEmail::parse(&long).is_err());
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
        fn valid_shapes_parse(local in "[a-zA-Z0-9._%+-]{1,30}", host in "[a-zA-Z0-9-]{1,20}", tld in "[a-zA-Z]{2,6}") {
            let raw = format!(" {local}@{host}.{tld} ");
            let email = SignerEmail::parse(&raw).unwrap();
            prop_assert_eq!(email.normalised(), raw.trim().to_lowercase());
        }
    }
}
