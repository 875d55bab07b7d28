//! A signer's email: kept as typed (trimmed) for export, and normalised for the
//! one-signature-per-email rule.

/// Syntax-checked email. `normalised()` is the lowercase form used for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerEmail {
    as_typed: String,
    normalised: String,
}

impl SignerEmail {
    pub const MAX_CHARS: usize = 254;
    /// RFC 5321's limit on the part before the `@`.
    pub const MAX_LOCAL_CHARS: usize = 64;

    /// The rules of docs/api.md: trimmed, ≤ 254 characters, and a WHATWG "valid email
    /// address" (what browsers accept in `<input type=email>`) whose local part has at most
    /// 64 characters and whose domain has a dot. The widget applies the same rule
    /// (`src/validate.rs`, checked against this one by `tests/api/email_rule.rs`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        const HINT: &str = "Enter an email address like name@example.org.";
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter your email address.".into());
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(format!("Use at most {} characters.", Self::MAX_CHARS));
        }
        if !is_valid_email(trimmed) {
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

/// WHATWG HTML "valid email address":
/// `1*( atext / "." ) "@" label *( "." label )`, a label being 1–63 letters, digits and
/// hyphens that neither starts nor ends with a hyphen; plus at most 64 characters before
/// the `@` and at least one dot after it. ASCII only, like browsers.
fn is_valid_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    let atext = |b: u8| b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b);
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    !local.is_empty()
        && local.len() <= SignerEmail::MAX_LOCAL_CHARS
        && local.bytes().all(atext)
        && domain.contains('.')
        && domain.split('.').all(label)
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
            "<script>alert(1)</script>@x.org",
            "ada@exa_mple.org",
            "ada@-example.org",
            "ada@example-.org",
            "\"ada\"@example.org",
            "ada(x)@example.org",
            "ada@[127.0.0.1]",
            "adä@example.org",
            "ada@bücher.de",
            "ada\u{200B}@example.org",
        ] {
            assert!(SignerEmail::parse(bad).is_err(), "{bad:?} accepted");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(SignerEmail::parse(&long).is_err());
        let long_local = format!("{}@example.org", "a".repeat(65));
        assert!(SignerEmail::parse(&long_local).is_err());
        for good in [
            "a.b+tag@example.org",
            "o'brien@example.ie",
            "x!#$%&'*+/=?^_`{|}~-@sub-domain.example.co.uk",
            ".ada.@example.org",
        ] {
            assert!(SignerEmail::parse(good).is_ok(), "{good:?} refused");
        }
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
