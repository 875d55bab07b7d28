//! The API's error codes (`{"error": {"code": …}}`, docs/api.md "Errors"): stable names a
//! client may branch on, unlike the English `message` beside them.

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// An error's `code`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order docs/api.md lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The code on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    /// The body is not JSON of the documented shape.
    MalformedJson = "malformed_json",
    /// A signature without an `Idempotency-Key` header.
    MissingIdempotencyKey = "missing_idempotency_key",
    /// An `Idempotency-Key` that is not 8–128 visible ASCII characters.
    InvalidIdempotencyKey = "invalid_idempotency_key",
    /// No campaign has this slug.
    CampaignNotFound = "campaign_not_found",
    /// The campaign takes no more signatures (its widget shows the final count).
    CampaignClosed = "campaign_closed",
    /// The campaign was put away.
    CampaignArchived = "campaign_archived",
    /// The campaign shows no public names.
    WallOff = "wall_off",
    /// No such route.
    NotFound = "not_found",
    /// The route does not take this method.
    MethodNotAllowed = "method_not_allowed",
    /// The body is larger than the route takes.
    PayloadTooLarge = "payload_too_large",
    /// The body did not arrive in time.
    RequestTimeout = "request_timeout",
    /// The body is not `application/json`.
    UnsupportedMediaType = "unsupported_media_type",
    /// Fields did not pass the rules: `fields` says which and why.
    Validation = "validation",
    /// The same `Idempotency-Key` with a different body.
    IdempotencyKeyReused = "idempotency_key_reused",
    /// Too many requests from this network: `Retry-After` says when to try again.
    RateLimited = "rate_limited",
    /// Refused as automated.
    Rejected = "rejected",
    /// The campaign asks for a proof of work and none came.
    ProofRequired = "proof_required",
    /// The proof of work is wrong.
    ProofInvalid = "proof_invalid",
    /// The challenge is too old: fetch a new one.
    ProofExpired = "proof_expired",
    /// The challenge was already spent.
    ProofReplayed = "proof_replayed",
    /// A proof of work came for a campaign that asks for none.
    ProofNotRequired = "proof_not_required",
    /// Sent faster than a person fills the form.
    TooFast = "too_fast",
    /// Too many live streams open from this network.
    TooManyStreams = "too_many_streams",
    /// The server is starting or stopping.
    NotReady = "not_ready",
    /// The database cannot be reached now: `Retry-After` says when to try again.
    Unavailable = "unavailable",
    /// Something failed on the server; nothing was stored.
    Internal = "internal",
}

impl ErrorCode {
    /// Reads a code; `None` for one this version does not know.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_are_unique_snake_case_and_round_trip() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            let name = code.as_str();
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
            assert_eq!(ErrorCode::parse(name), Some(*code));
            assert!(
                !ErrorCode::ALL[..i].iter().any(|c| c.as_str() == name),
                "{name} twice"
            );
        }
        assert_eq!(ErrorCode::parse("Validation"), None);
    }

    /// The error table of docs/api.md (`| status | `code` | when |`) lists exactly these codes.
    #[test]
    fn the_api_docs_table_lists_every_code_and_no_other() {
        let docs = include_str!("../../docs/api.md");
        let mut listed = alloc::vec::Vec::new();
        for row in docs
            .lines()
            .filter(|l| l.starts_with("| 4") || l.starts_with("| 5"))
        {
            let cell = row.split('|').nth(2).unwrap_or_default();
            listed.extend(
                cell.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(alloc::string::ToString::to_string),
            );
        }
        for code in ErrorCode::ALL {
            assert!(
                listed.iter().any(|l| l == code.as_str()),
                "docs/api.md has no row for {}",
                code.as_str()
            );
        }
        for name in &listed {
            assert!(
                ErrorCode::parse(name).is_some(),
                "docs/api.md lists {name}, which the contract does not have"
            );
        }
    }
}
