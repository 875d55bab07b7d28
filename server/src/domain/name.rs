//! A signer's name as it will be shown (if public) and exported.

use super::text::{char_len, has_control};

/// Trimmed, 1–200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerName(String);

impl SignerName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("Enter your name.".into());
        }
        if char_len(trimmed) > Self::MAX_CHARS {
            return Err(format!("Use at most {} characters.", Self::MAX_CHARS));
        }
        if has_control(trimmed) {
            return Err("Remove line breaks and control characters.".into());
        }
        Ok(Self(trimmed.to_owned()))
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
    fn trims_and_accepts_unicode() {
        assert_eq!(
            SignerName::parse("  Zoë Ångström ").unwrap().as_ref(),
            "Zoë Ångström"
        );
    }

    #[test]
    fn rejects_empty_long_and_control() {
        assert!(SignerName::parse("   ").is_err());
        assert!(SignerName::parse(&"é".repeat(201)).is_err());
        assert!(SignerName::parse(&"é".repeat(200)).is_ok());
        assert!(SignerName::parse("Ada\nLovelace").is_err());
        assert!(SignerName::parse("Ada\u{7}").is_err());
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
