//! What a `POST …/signatures` answer means for the visitor: the response (or its absence) is
//! classified into a [`SubmitOutcome`], then turned into [`UiMessages`]. Pure Rust.

use crate::campaign::Campaign;
use crate::i18n::{Strings, category, fill};
use crate::validate::{FormInput, check_form, label_of, message};

/// The JSON body of any answer (success or error): the contract's wire type, every member
/// optional so a partner's endpoint with a thinner body still works.
pub type ReplyBody = pledge_contract::wire::SignatureAnswer;

/// What happened to one submission.
#[derive(Clone, Debug, PartialEq)]
pub enum SubmitOutcome {
    /// Stored (`already` = this email had signed before; `pending` = it counts once the
    /// signer confirms their email address).
    Signed {
        count: Option<u64>,
        already: bool,
        pending: bool,
    },
    /// 422 validation: field key → the server's reason.
    Invalid(Vec<(String, String)>),
    /// 429: wait this many seconds.
    RateLimited { retry_after: u32 },
    /// 429 `too_fast`: sent sooner than the proof of work's minimum fill time; the same
    /// request is sent again after this many seconds, quietly (the visitor sees "Signing…").
    TooFast { retry_after: u32 },
    /// No answer at all (offline, DNS, CORS): worth retrying as is.
    Unavailable,
    /// A 5xx: the server failed; also worth retrying as is.
    ServerError,
    /// Any other refusal, by its machine code.
    Rejected { code: String },
}

impl SubmitOutcome {
    /// Classifies an answer; `status` is `None` when the request never got one.
    pub fn classify(
        status: Option<u16>,
        body: Option<ReplyBody>,
        retry_after: Option<&str>,
    ) -> Self {
        let Some(status) = status else {
            return Self::Unavailable;
        };
        let body = body.unwrap_or_default();
        match status {
            200..=299 => Self::Signed {
                count: body.count,
                already: body.status.as_deref() == Some("already_signed"),
                pending: body.confirmation.as_deref() == Some("pending"),
            },
            422 if !body.fields.is_empty() => Self::Invalid(body.fields),
            429 if body.error.as_deref() == Some("too_fast") => Self::TooFast {
                retry_after: parse_retry_after(retry_after),
            },
            429 => Self::RateLimited {
                retry_after: parse_retry_after(retry_after),
            },
            // 408: the server gave up waiting for the body; like a 5xx, worth sending again.
            408 | 500..=599 => Self::ServerError,
            _ => Self::Rejected {
                code: body.error.unwrap_or_else(|| format!("http_{status}")),
            },
        }
    }

    /// The `code` of a `pledge:error` event for this outcome, if it is an error.
    pub fn error_code(&self) -> Option<String> {
        match self {
            Self::Signed { .. } => None,
            Self::Invalid(_) => Some("validation".into()),
            Self::RateLimited { .. } => Some("rate_limited".into()),
            Self::TooFast { .. } => Some("too_fast".into()),
            Self::Unavailable => Some("unavailable".into()),
            Self::ServerError => Some("server_error".into()),
            Self::Rejected { code, .. } => Some(code.clone()),
        }
    }
}

/// What happens next to a signature waiting in the outbox after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Acknowledged: forget it.
    Done,
    /// Send the same request again after this many seconds (429).
    Wait(u32),
    /// No answer or a server failure: send again after a back-off (or when back online).
    Retry,
    /// The proof of work was refused (expired, spent, missing): solve a fresh one, send again.
    NewProof,
    /// Definitively refused: forget it and show why, with the form as it was.
    Drop,
}

impl SubmitOutcome {
    /// The outbox's next step for this outcome.
    pub fn next(&self) -> Next {
        match self {
            Self::Signed { .. } => Next::Done,
            Self::RateLimited { retry_after } | Self::TooFast { retry_after } => {
                Next::Wait(*retry_after)
            }
            Self::Unavailable | Self::ServerError => Next::Retry,
            Self::Rejected { code, .. } if code.starts_with("proof_") => Next::NewProof,
            Self::Invalid(_) | Self::Rejected { .. } => Next::Drop,
        }
    }
}

/// `Retry-After` in seconds (integer form; HTTP dates and garbage → 5 s), kept within 1–120 s.
pub fn parse_retry_after(v: Option<&str>) -> u32 {
    v.and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(5)
        .clamp(1, 120)
}

/// Messages to show: under fields (by key) and above the submit button.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UiMessages {
    /// Field key → message naming the field, in server order.
    pub fields: Vec<(String, String)>,
    /// Message above the button.
    pub banner: Option<String>,
}

/// Turns an error outcome into words, all in the visitor's language: a 422 reason is
/// re-worded by the local rules when they agree, else it is the server's (English) reason for
/// an English reader and `err_invalid` ("check this entry") for any other; a refusal is worded
/// by its code ([`refusal`]). `retrying` = a 429 will be retried automatically.
pub fn ui_messages(
    s: &Strings,
    campaign: &Campaign,
    input: &FormInput,
    outcome: &SubmitOutcome,
    retrying: bool,
) -> UiMessages {
    match outcome {
        SubmitOutcome::Signed { .. } | SubmitOutcome::TooFast { .. } => UiMessages::default(),
        SubmitOutcome::Invalid(server) => {
            let local = check_form(campaign, input);
            let fields = server
                .iter()
                .map(|(key, reason)| {
                    let label = label_of(s, campaign, key);
                    // The server's reasons are English (docs/api.md): shown as they are only
                    // to a visitor reading English, never inside a translated sentence.
                    let reason = if s.tag.starts_with("en") {
                        reason
                    } else {
                        s.err_invalid
                    };
                    let text = local.iter().find(|(k, _)| k == key).map_or_else(
                        || s.field_error(label, reason),
                        |(_, p)| message(s, label, *p),
                    );
                    (key.clone(), text)
                })
                .collect();
            UiMessages {
                fields,
                banner: Some(s.fix_fields.to_owned()),
            }
        }
        SubmitOutcome::RateLimited { retry_after } => UiMessages {
            fields: Vec::new(),
            banner: Some(if retrying {
                let n = u64::from(*retry_after);
                fill(
                    s.rate_limited_template(&category(n, s.tag)),
                    &retry_after.to_string(),
                )
            } else {
                s.rate_limited_again.to_owned()
            }),
        },
        SubmitOutcome::ServerError => UiMessages {
            fields: Vec::new(),
            banner: Some(s.server.to_owned()),
        },
        SubmitOutcome::Unavailable => UiMessages {
            fields: Vec::new(),
            banner: Some(s.network.to_owned()),
        },
        SubmitOutcome::Rejected { code } => UiMessages {
            fields: Vec::new(),
            banner: Some(refusal(s, code).to_owned()),
        },
    }
}

/// The visitor's words for a refusal's error code (docs/api.md): the campaign closed or gone;
/// `rejected` for every other code.
pub fn refusal(s: &Strings, code: &str) -> &'static str {
    match code {
        "campaign_closed" => s.closed,
        "campaign_not_found" | "campaign_archived" => s.unavailable,
        _ => s.rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, Strings};

    fn es() -> Strings {
        let mut s = EN.with_file(include_str!("locales/es.txt"));
        s.tag = "es";
        s
    }

    fn body(fields: &[(&str, &str)]) -> Option<ReplyBody> {
        let fields = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Some(ReplyBody {
            error: Some("validation".into()),
            fields,
            ..ReplyBody::default()
        })
    }

    #[test]
    fn classifies_answers() {
        let ok = ReplyBody {
            status: Some("already_signed".into()),
            count: Some(7),
            ..Default::default()
        };
        assert_eq!(
            SubmitOutcome::classify(Some(200), Some(ok), None),
            SubmitOutcome::Signed {
                count: Some(7),
                already: true,
                pending: false
            }
        );
        let pending = ReplyBody {
            status: Some("signed".into()),
            count: Some(3),
            confirmation: Some("pending".into()),
            ..Default::default()
        };
        assert_eq!(
            SubmitOutcome::classify(Some(201), Some(pending), None),
            SubmitOutcome::Signed {
                count: Some(3),
                already: false,
                pending: true
            }
        );
        assert_eq!(
            SubmitOutcome::classify(None, None, None),
            SubmitOutcome::Unavailable
        );
        assert_eq!(
            SubmitOutcome::classify(Some(503), None, None),
            SubmitOutcome::ServerError
        );
        assert_eq!(
            SubmitOutcome::classify(Some(429), None, Some("30")),
            SubmitOutcome::RateLimited { retry_after: 30 }
        );
        let too_fast = ReplyBody {
            error: Some("too_fast".into()),
            ..Default::default()
        };
        assert_eq!(
            SubmitOutcome::classify(Some(429), Some(too_fast), Some("2")),
            SubmitOutcome::TooFast { retry_after: 2 }
        );
        assert_eq!(parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), 5);
        assert_eq!(parse_retry_after(Some("9999")), 120);
        let r = SubmitOutcome::classify(Some(404), None, None);
        assert_eq!(r.error_code().as_deref(), Some("http_404"));
    }

    #[test]
    fn outbox_keeps_what_may_still_succeed() {
        let c = |status, error: &str| {
            let body = ReplyBody {
                error: Some(error.into()),
                ..Default::default()
            };
            SubmitOutcome::classify(Some(status), Some(body), Some("3")).next()
        };
        assert_eq!(c(201, ""), Next::Done);
        assert_eq!(c(429, "too_fast"), Next::Wait(3));
        assert_eq!(c(429, "rate_limited"), Next::Wait(3));
        assert_eq!(c(408, "timeout"), Next::Retry);
        assert_eq!(c(503, "internal"), Next::Retry);
        assert_eq!(c(422, "proof_expired"), Next::NewProof);
        assert_eq!(c(422, "proof_replayed"), Next::NewProof);
        assert_eq!(c(422, "rejected"), Next::Drop);
        assert_eq!(c(400, "malformed_json"), Next::Drop);
        assert_eq!(SubmitOutcome::Unavailable.next(), Next::Retry);
    }

    #[test]
    fn maps_422_fields_to_named_messages() {
        let out = SubmitOutcome::classify(
            Some(422),
            body(&[("email", "bad"), ("fields.x", "no")]),
            None,
        );
        let input = FormInput {
            email: "nope".into(),
            ..FormInput::default()
        };
        let ui = ui_messages(&es(), &Campaign::default(), &input, &out, false);
        assert_eq!(
            ui.fields[0],
            (
                "email".into(),
                "Correo electrónico: escribe una dirección como nombre@example.org".into()
            )
        );
        // A reason the local rules do not share: worded in the visitor's language, never the
        // server's English.
        assert_eq!(
            ui.fields[1],
            ("fields.x".into(), "fields.x: revisa este dato".into())
        );
        assert_eq!(ui.banner.as_deref(), Some(es().fix_fields));
        // An English reader gets the server's own (English) reason.
        let ui = ui_messages(&EN, &Campaign::default(), &input, &out, false);
        assert_eq!(ui.fields[1], ("fields.x".into(), "fields.x: no".into()));
    }

    #[test]
    fn refusals_are_worded_by_code_never_by_the_servers_message() {
        let rejected = |code: &str| {
            // The server's English message is not even read (ReplyBody has no member for it).
            let body = ReplyBody {
                error: Some(code.into()),
                ..Default::default()
            };
            let out = SubmitOutcome::classify(Some(409), Some(body), None);
            ui_messages(
                &es(),
                &Campaign::default(),
                &FormInput::default(),
                &out,
                false,
            )
            .banner
            .unwrap()
        };
        assert_eq!(rejected("campaign_closed"), es().closed);
        assert_eq!(rejected("campaign_archived"), es().unavailable);
        assert_eq!(rejected("campaign_not_found"), es().unavailable);
        assert_eq!(rejected("rejected"), "No se pudo aceptar esta firma.");
        assert_eq!(rejected("something_new"), es().rejected);
        assert!(!rejected("payload_too_large").contains("closed"));
    }

    #[test]
    fn maps_429_and_network_to_banner() {
        let rl = SubmitOutcome::RateLimited { retry_after: 12 };
        let ui = ui_messages(&EN, &Campaign::default(), &FormInput::default(), &rl, true);
        assert_eq!(
            ui.banner.as_deref(),
            Some("Too many signatures right now. Trying again in 12 seconds.")
        );
        let ui = ui_messages(
            &EN,
            &Campaign::default(),
            &FormInput::default(),
            &SubmitOutcome::Unavailable,
            false,
        );
        assert_eq!(ui.banner.as_deref(), Some(EN.network));
        assert!(ui.fields.is_empty());
    }
}
