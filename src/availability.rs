//! Whether a widget can take signatures where it stands: what the campaign route's answer
//! means (docs/embedding.md, "When the widget cannot take signatures"). A widget that cannot
//! deliver a signature shows no form, so none is ever accepted only to wait forever.

/// Why a GET gave no usable document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// No answer (offline, DNS, the server down, an answer without CORS headers, a timeout).
    Network,
    /// An answer with this status and, if its body was a JSON error, this error code.
    Status(u16, Option<String>),
}

/// Why the widget shows a notice instead of a form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// `404 campaign_not_found`: the endpoint has no campaign by that slug.
    CampaignNotFound,
    /// `410 campaign_archived`: the organiser put the campaign away.
    Archived,
    /// The campaign document says this page's origin may not sign (`can_sign_here: false`).
    OriginNotAllowed,
    /// No answer at all: network, DNS, a dead server, or an answer the browser hid (no CORS).
    EndpointUnreachable,
    /// An answer that is neither a campaign, nor "unknown campaign", nor "no campaign route":
    /// its status (and error code, if any).
    LoadFailed(u16, Option<String>),
}

/// When the campaign route answered with an error: `Ok(())` for the minimal fallback form
/// (the endpoint said it has no campaign route: `405`, `501`, or a `404` that is not a pledge
/// API error, i.e. its body is no JSON object with an `error` code), otherwise why the widget
/// cannot take signatures. Never the fallback without an answer: a signature typed into a
/// form whose endpoint cannot be reached would only wait in the visitor's browser.
pub fn after_error(e: &FetchError) -> Result<(), Unavailable> {
    match e {
        FetchError::Network => Err(Unavailable::EndpointUnreachable),
        FetchError::Status(404, Some(code)) if code == "campaign_not_found" => {
            Err(Unavailable::CampaignNotFound)
        }
        FetchError::Status(410, Some(code)) if code == "campaign_archived" => {
            Err(Unavailable::Archived)
        }
        FetchError::Status(404, None) | FetchError::Status(405 | 501, _) => Ok(()),
        FetchError::Status(status, code) => Err(Unavailable::LoadFailed(*status, code.clone())),
    }
}

impl Unavailable {
    /// The `pledge:error` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::CampaignNotFound => "campaign_not_found",
            Self::Archived => "campaign_archived",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::EndpointUnreachable => "endpoint_unreachable",
            Self::LoadFailed(..) => "load_failed",
        }
    }

    /// What is wrong and how to fix it (after the code, in the partner's console and
    /// `detail.message`):
    /// `origin` is the page's, `slug` and `endpoint` the options'. (One `format!` for all
    /// four: each one costs the wasm more than its text.)
    pub fn fix(&self, origin: &str, slug: &str, endpoint: &str) -> String {
        let check = ": is the endpoint option (data-endpoint) the pledge API's base URL, like \
                     https://pledge.example.org/api/v1?";
        let status;
        let (a, b, c, d, e) = match self {
            Self::CampaignNotFound => (
                "no campaign \"",
                slug,
                "\" at ",
                endpoint,
                ": check the campaign option (data-campaign)",
            ),
            Self::Archived => (
                "campaign \"",
                slug,
                "\" at ",
                endpoint,
                " was archived by its organiser: it takes no signatures; remove this embed",
            ),
            Self::OriginNotAllowed => (
                "the organiser must allow the origin ",
                origin,
                " for campaign \"",
                slug,
                "\" at ",
            ),
            Self::EndpointUnreachable => (
                "no answer (offline, server down, or no CORS headers) from ",
                endpoint,
                "/campaigns/",
                slug,
                check,
            ),
            Self::LoadFailed(code, error) => {
                status = format!(" answered {code} {}", error.as_deref().unwrap_or(""));
                (endpoint, "/campaigns/", slug, status.trim_end(), check)
            }
        };
        let tail = if matches!(self, Self::OriginNotAllowed) {
            endpoint
        } else {
            ""
        };
        format!("{a}{b}{c}{d}{e}{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FetchError::*;

    #[test]
    fn the_fallback_needs_an_answer_that_says_there_is_no_campaign_route() {
        assert_eq!(after_error(&Status(404, None)), Ok(()));
        assert_eq!(after_error(&Status(405, None)), Ok(()));
        assert_eq!(after_error(&Status(501, Some("x".into()))), Ok(()));
        assert_eq!(after_error(&Network), Err(Unavailable::EndpointUnreachable));
        assert_eq!(
            after_error(&Status(404, Some("campaign_not_found".into()))),
            Err(Unavailable::CampaignNotFound)
        );
        // The reference server's answer to a path without `/v1`: a pledge error, not "no route".
        assert_eq!(
            after_error(&Status(410, Some("campaign_archived".into()))),
            Err(Unavailable::Archived)
        );
        assert_eq!(
            after_error(&Status(404, Some("not_found".into()))),
            Err(Unavailable::LoadFailed(404, Some("not_found".into())))
        );
        assert_eq!(
            after_error(&Status(500, None)),
            Err(Unavailable::LoadFailed(500, None))
        );
    }

    #[test]
    fn each_message_names_the_fix() {
        let origin = "https://band.example";
        let fix = |u: Unavailable| u.fix(origin, "no-ice", "https://p.example/api/v1");
        let m = fix(Unavailable::OriginNotAllowed);
        assert!(m.starts_with("the organiser must allow"), "{m}");
        assert!(
            m.contains("allow the origin https://band.example for"),
            "{m}"
        );
        assert!(
            m.contains("\"no-ice\"") && m.contains("https://p.example/api/v1"),
            "{m}"
        );
        let m = fix(Unavailable::CampaignNotFound);
        assert!(m.starts_with("no campaign \"no-ice\" at https://p."), "{m}");
        let m = fix(Unavailable::EndpointUnreachable);
        assert!(
            m.contains("https://p.example/api/v1/campaigns/no-ice"),
            "{m}"
        );
        let m = fix(Unavailable::LoadFailed(404, Some("not_found".into())));
        assert!(
            m.contains("/campaigns/no-ice answered 404 not_found: is the endpoint"),
            "{m}"
        );
        let m = fix(Unavailable::LoadFailed(502, None));
        assert!(m.contains("no-ice answered 502: is the endpoint"), "{m}");
        assert!(m.contains("data-endpoint"), "{m}");
    }
}
