//! `SecretKey`: the server's HMAC key, behind challenge signatures and the hashes of client
//! networks. It never prints: `Debug` is redacted and nothing logs its bytes.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Key bytes, shared cheaply between the parts of the app that derive from it.
#[derive(Clone)]
pub struct SecretKey(Arc<[u8]>);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// Shorter keys are refused: an attacker who guesses the key can sign challenges.
    pub const MIN_BYTES: usize = 16;

    /// A key from a file or `PLEDGE_SECRET_KEY`: hex (an even number of hex digits) is
    /// decoded, anything else is taken as raw bytes; surrounding whitespace is ignored.
    pub fn parse(raw: &[u8]) -> Result<Self, String> {
        let trimmed = raw.trim_ascii();
        let bytes = hex::decode(trimmed).unwrap_or_else(|_| trimmed.to_vec());
        if bytes.len() < Self::MIN_BYTES {
            return Err(format!(
                "the secret key must be at least {} bytes (32 hex digits); generate one with `openssl rand -hex 32`",
                Self::MIN_BYTES
            ));
        }
        if looks_chosen(&bytes) {
            return Err(
                "the secret key does not look random (too few different bytes, or a repeating or counting pattern); generate one with `openssl rand -hex 32`"
                    .into(),
            );
        }
        Ok(Self(bytes.into()))
    }

    /// For clap: `--secret-key-file` content or `PLEDGE_SECRET_KEY` (no echo in errors).
    pub fn parse_arg(raw: &str) -> Result<Self, String> {
        Self::parse(raw.as_bytes())
    }

    /// 32 bytes from the operating system's generator.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes.to_vec().into()))
    }

    /// A key for one purpose (`label`), so a value signed for one use is worthless in another.
    pub fn derive(&self, label: &[u8]) -> Self {
        Self(self.mac(&[label]).to_vec().into())
    }

    /// HMAC-SHA256 over the concatenation of `parts`.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.hmac();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Constant-time check of `tag` against HMAC-SHA256(`data`).
    pub fn verify(&self, data: &[u8], tag: &[u8]) -> bool {
        let mut mac = self.hmac();
        mac.update(data);
        mac.verify_slice(tag).is_ok()
    }

    fn hmac(&self) -> HmacSha256 {
        // HMAC takes keys of any length; this cannot fail.
        <HmacSha256 as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
    }
}

/// Whether a key is obviously not random: fewer than 8 different byte values (all zeros,
/// `abababab…`), or fewer than 8 different steps between neighbours (`0001020304…`,
/// `0123456789abcdef` repeated). 16 random bytes fail this with a probability below 10⁻¹⁰;
/// a typed passphrase of 16+ characters passes unless it is a pattern.
fn looks_chosen(bytes: &[u8]) -> bool {
    use std::collections::BTreeSet;
    let values: BTreeSet<u8> = bytes.iter().copied().collect();
    let steps: BTreeSet<u8> = bytes.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
    values.len() < 8 || steps.len() < 8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hex_or_raw() {
        let hex_key = SecretKey::parse(b"9f3c1a77e0b45d2c8e61f0a3b7d94c25\n").unwrap();
        assert_eq!(hex_key.0.len(), 16);
        let raw = SecretKey::parse(b"a passphrase that is long enough").unwrap();
        assert_eq!(raw.0.len(), 32);
        assert!(SecretKey::parse(b"short").is_err());
        assert!(SecretKey::parse(b"0011").is_err());
    }

    #[test]
    fn obviously_chosen_keys_are_refused() {
        for bad in [
            "0".repeat(64),
            "00".repeat(16),
            "ab".repeat(32),
            "0123456789abcdef".repeat(4),
            (0u8..32).map(|b| format!("{b:02x}")).collect::<String>(),
            "a".repeat(40),
            "passwordpasswordpassword".to_owned(),
        ] {
            let e = SecretKey::parse(bad.as_bytes()).err();
            assert!(e.is_some_and(|e| e.contains("random")), "{bad} accepted");
        }
        assert!(SecretKey::parse(b"ee2a8e36c2c1f3f1c1d0b6e3ea4fbe1b").is_ok());
    }

    #[test]
    fn debug_is_redacted() {
        let key = SecretKey::parse(b"super-secret-value-1234567890").unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("super"), "{shown}");
    }

    #[test]
    fn mac_verifies_and_derives() {
        let key = SecretKey::random().unwrap();
        let tag = key.mac(&[b"chal", b"lenge"]);
        assert!(key.verify(b"challenge", &tag));
        assert!(!key.verify(b"challengf", &tag));
        assert!(!key.verify(b"challenge", &tag[..31]));
        assert!(!key.derive(b"a").verify(b"challenge", &tag));
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = SecretKey::parse(&bytes);
        }
    }
}
