//! A signer's name as it will be shown (if public) and exported.

use super::text::{char_len, has_control, has_invisible};

/// Trimmed, 1–200 characters, no control characters, no zero-width or bidi-control
/// characters (see `text::is_invisible`).
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
        if has_invisible(trimmed) {
            return Err(
                "Remove invisible characters (zero-width spaces, direction marks and overrides)."
                    .into(),
            );
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

    #[test]
    fn rejects_bidi_overrides_and_zero_width() {
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200B}', '\u{200F}', '\u{FEFF}',
        ] {
            let name = format!("Ada{c}Lovelace");
            assert!(SignerName::parse(&name).is_err(), "{c:?} accepted");
        }
        // Right-to-left scripts and combining marks are fine; only the invisible controls go.
        assert!(SignerName::parse("أحمد").is_ok());
        // Persian with a zero-width non-joiner (U+200C), as keyboards type it.
        assert!(SignerName::parse("نیلوفر می\u{200C}رود").is_ok());
        assert!(SignerName::parse("Zoë").is_ok());
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
