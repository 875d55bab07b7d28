//! The `Idempotency-Key` header value.

/// 8–128 characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok_len = (8..=128).contains(&raw.len());
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        (ok_len && ok_chars).then(|| Self(raw.to_owned()))
    }
}

impl AsRef<str> for IdempotencyKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bounds() {
        assert!(IdempotencyKey::parse("abcdefg").is_none());
        assert!(IdempotencyKey::parse("abcd_EF-9").is_some());
        assert!(IdempotencyKey::parse(&"a".repeat(128)).is_some());
        assert!(IdempotencyKey::parse(&"a".repeat(129)).is_none());
        assert!(IdempotencyKey::parse("abcdefgh!").is_none());
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            if let Some(k) = IdempotencyKey::parse(&s) {
                prop_assert_eq!(IdempotencyKey::parse(k.as_ref()), Some(k));
            }
        }
    }
}
