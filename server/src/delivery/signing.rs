//! The `Pledge-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
//! `"<t>.<body>"`, keyed with the webhook's secret (the whole `whsec_…` string). The
//! timestamp lets a receiver refuse replays (docs/integrations.md has receivers in shell,
//! Node and Python).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header's name.
pub const HEADER: &str = "Pledge-Signature";

fn mac(secret: &str, timestamp: u64, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(tag))
}

/// What a receiver does: parses the header, checks the HMAC in constant time, and refuses
/// a timestamp more than `tolerance_secs` away from `now`. Several `v1=` (a secret being
/// rotated) pass if one matches.
pub fn verify(secret: &str, header: &str, body: &[u8], now: u64, tolerance_secs: u64) -> bool {
    let mut timestamp = None;
    let mut tags = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
            Some(("v1", v)) => tags.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if t.abs_diff(now) > tolerance_secs {
        return false;
    }
    tags.iter()
        .any(|tag| mac(secret, t, body).verify_slice(tag).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let body = br#"{"id":"e1"}"#;
        let header = sign("whsec_abc", 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1="));
        assert!(verify("whsec_abc", &header, body, 1_700_000_100, 300));
        assert!(!verify("whsec_abd", &header, body, 1_700_000_100, 300));
        assert!(!verify(
            "whsec_abc",
            &header,
            br#"{"id":"e2"}"#,
            1_700_000_100,
            300
        ));
        assert!(
            !verify("whsec_abc", &header, body, 1_700_000_301, 300),
            "too old"
        );
        let moved = header.replace("t=1700000000", "t=1700000001");
        assert!(!verify("whsec_abc", &moved, body, 1_700_000_000, 300));
        assert!(!verify("whsec_abc", "v1=00", body, 1_700_000_000, 300));
    }

    /// The value docs/integrations.md shows, so its examples can be checked by hand:
    /// `printf '%s' '1700000000.{"id":"e1"}' | openssl dgst -sha256 -hmac whsec_abc`.
    #[test]
    fn the_documented_example_holds() {
        assert_eq!(
            sign("whsec_abc", 1_700_000_000, br#"{"id":"e1"}"#),
            format!("t=1700000000,v1={}", DOC_EXAMPLE_TAG)
        );
    }

    const DOC_EXAMPLE_TAG: &str = include_str!("signing_example.txt");
}
