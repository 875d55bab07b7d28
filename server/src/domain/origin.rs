//! Which pages may sign a campaign: its origin mode, the listed origins, and an organiser's
//! change to them, refused whole when it would leave a restricted campaign with no origin.

use std::fmt;

use crate::store::Campaign;

/// Whether a campaign takes signatures from any page or only from listed origins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OriginMode {
    /// Any page may embed and sign (issue 18: the default for new campaigns; proof of work
    /// and rate limits are the abuse controls).
    Any,
    /// Only the campaign's listed origins.
    Listed,
}

impl OriginMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Listed => "listed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "any" => Ok(Self::Any),
            "listed" => Ok(Self::Listed),
            other => Err(format!("origin mode {other:?}: use any or listed")),
        }
    }
}

/// A browser origin as the `Origin` header spells it: `http(s)://host[:port]`, lowercase,
/// no trailing slash, so it compares byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let o = raw.trim().trim_end_matches('/').to_ascii_lowercase();
        let host = o
            .strip_prefix("https://")
            .or_else(|| o.strip_prefix("http://"))
            .unwrap_or("");
        if host.is_empty()
            || o.len() > 300
            || host.contains(['/', '?', '#', ' ', '@'])
            || o.chars().any(char::is_control)
        {
            return Err(format!(
                "{raw:?} is not an origin like https://artist.example"
            ));
        }
        Ok(Self(o))
    }
}

impl AsRef<str> for Origin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Who may sign from where: the mode and the listed origins (kept under `Any` too, so
/// restricting again restores the list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPolicy {
    pub mode: OriginMode,
    pub listed: Vec<String>,
}

/// An organiser's change to a campaign's origins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginChange {
    Add(Origin),
    Remove(Origin),
    /// Any page may sign (the list is kept).
    AllowAny,
    /// Only the listed origins may sign.
    Restrict,
}

/// Why an origin change was refused (nothing was changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginRefused {
    NotListed(String),
    /// Restricting to no origin at all would refuse every signature.
    WouldRefuseAll,
}

impl fmt::Display for OriginRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotListed(o) => write!(f, "{o} is not among the campaign's origins"),
            Self::WouldRefuseAll => f.write_str(
                "the campaign is restricted to its listed origins, and with none listed it would \
                 refuse every signature: add an origin first, allow any origin \
                 (`campaign origin any`), or close the campaign",
            ),
        }
    }
}

impl OriginPolicy {
    pub fn of(c: &Campaign) -> Self {
        Self {
            mode: c.origin_mode,
            listed: c.allowed_origins.clone(),
        }
    }

    /// Whether a page of `origin` may call the campaign's API.
    pub fn allows(&self, origin: &str) -> bool {
        self.mode == OriginMode::Any || self.listed.iter().any(|o| o == origin)
    }

    /// Applies `change`; `Ok(false)` when it changed nothing (the origin was listed
    /// already, the mode was already that).
    pub fn apply(&mut self, change: &OriginChange) -> Result<bool, OriginRefused> {
        match change {
            OriginChange::Add(o) => {
                if self.listed.iter().any(|l| l == o.as_ref()) {
                    return Ok(false);
                }
                self.listed.push(o.as_ref().to_owned());
                Ok(true)
            }
            OriginChange::Remove(o) => {
                let Some(at) = self.listed.iter().position(|l| l == o.as_ref()) else {
                    return Err(OriginRefused::NotListed(o.as_ref().to_owned()));
                };
                if self.mode == OriginMode::Listed && self.listed.len() == 1 {
                    return Err(OriginRefused::WouldRefuseAll);
                }
                self.listed.remove(at);
                Ok(true)
            }
            OriginChange::AllowAny => {
                Ok(std::mem::replace(&mut self.mode, OriginMode::Any) != OriginMode::Any)
            }
            OriginChange::Restrict => {
                if self.listed.is_empty() {
                    return Err(OriginRefused::WouldRefuseAll);
                }
                Ok(std::mem::replace(&mut self.mode, OriginMode::Listed) != OriginMode::Listed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(origins: &[&str]) -> OriginPolicy {
        OriginPolicy {
            mode: OriginMode::Listed,
            listed: origins.iter().map(|o| (*o).to_owned()).collect(),
        }
    }

    #[test]
    fn origins_parse_like_the_origin_header() {
        assert_eq!(
            Origin::parse(" HTTPS://Artist.Example/ ").unwrap().as_ref(),
            "https://artist.example"
        );
        for bad in [
            "artist.example",
            "https://",
            "https://a.example/page",
            "*",
            "ftp://x",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_restricted_campaign_keeps_at_least_one_origin() {
        let a = Origin::parse("https://a.example").unwrap();
        let b = Origin::parse("https://b.example").unwrap();
        let mut p = listed(&["https://a.example"]);
        assert_eq!(
            p.apply(&OriginChange::Remove(a.clone())),
            Err(OriginRefused::WouldRefuseAll)
        );
        assert_eq!(p.apply(&OriginChange::Add(b.clone())), Ok(true));
        assert_eq!(p.apply(&OriginChange::Add(b.clone())), Ok(false));
        assert!(p.allows("https://b.example") && !p.allows("https://c.example"));
        assert_eq!(p.apply(&OriginChange::Remove(a)), Ok(true));
        assert_eq!(p.listed, ["https://b.example"]);
        assert_eq!(p.apply(&OriginChange::AllowAny), Ok(true));
        assert!(p.allows("https://c.example"));
        assert_eq!(p.apply(&OriginChange::Remove(b)), Ok(true));
        assert_eq!(
            p.apply(&OriginChange::Restrict),
            Err(OriginRefused::WouldRefuseAll)
        );
    }
}
