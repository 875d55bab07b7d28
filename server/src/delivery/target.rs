//! What an organiser may configure as a delivery target, checked before it is stored:
//! receiver URLs, event types, OSDI petition ids, where an API key is read, and the
//! webhook signing secret.

use std::fmt;
use std::net::IpAddr;

use url::Url;

/// The events a webhook can receive.
pub const EVENT_TYPES: [&str; 3] = [
    "signature.created",
    "signature.confirmed",
    "signature.withdrawn",
];

/// What an OSDI target receives: a person to record on the petition.
pub const OSDI_EVENTS: [&str; 2] = ["signature.created", "signature.confirmed"];

/// Events per request at most (`--batch`).
pub const MAX_BATCH: u32 = 100;

/// Action Network's API origin, the default OSDI base URL.
pub const ACTION_NETWORK: &str = "https://actionnetwork.org";

/// A receiver's URL: `https://…`, or plain `http://` to a loopback host only (tests and
/// development on one machine; anything else would send names and emails in clear text).
/// No user name or password in it (it is listed by `webhook list`; use the signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverUrl(Url);

impl ReceiverUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = Url::parse(raw.trim()).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
        let Some(host) = url.host_str() else {
            return Err(format!("{raw:?} has no host"));
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "{raw:?} carries a user name or password: receivers check the Pledge-Signature header instead"
            ));
        }
        if url.fragment().is_some() {
            return Err(format!("{raw:?} has a #fragment, which is never sent"));
        }
        match url.scheme() {
            "https" => Ok(Self(url)),
            "http" if is_loopback(host) => Ok(Self(url)),
            "http" => Err(format!(
                "{raw:?}: plain http is only allowed to a loopback address (127.0.0.1, ::1, localhost); use https"
            )),
            other => Err(format!("{raw:?}: scheme {other:?} is not http(s)")),
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks `--event` values; none given means every type in `allowed`.
pub fn parse_events(given: &[String], allowed: &[&str]) -> Result<Vec<String>, String> {
    if given.is_empty() {
        return Ok(allowed.iter().map(|s| (*s).to_owned()).collect());
    }
    let mut events: Vec<String> = Vec::new();
    for e in given {
        if !allowed.contains(&e.as_str()) {
            return Err(format!(
                "unknown event {e:?}: one of {}",
                allowed.join(", ")
            ));
        }
        if !events.contains(e) {
            events.push(e.clone());
        }
    }
    Ok(events)
}

pub fn check_batch(batch: u32) -> Result<u32, String> {
    if (1..=MAX_BATCH).contains(&batch) {
        Ok(batch)
    } else {
        Err(format!("--batch must be 1 to {MAX_BATCH}, not {batch}"))
    }
}

/// The record-signature endpoint of petition `id` at `base`:
/// `{base}/api/v2/petitions/{id}/signatures/`.
pub fn osdi_endpoint(base: &str, petition_id: &str) -> Result<ReceiverUrl, String> {
    let valid_id = !petition_id.is_empty()
        && petition_id.len() <= 100
        && petition_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_id {
        return Err(format!(
            "petition id {petition_id:?}: letters, digits, '-' and '_' only (the id in the petition's API URL)"
        ));
    }
    let base = ReceiverUrl::parse(base)?;
    if base.0.query().is_some() {
        return Err(format!("{:?}: a base URL has no ?query", base.as_str()));
    }
    let root = base.as_str().trim_end_matches('/');
    ReceiverUrl::parse(&format!(
        "{root}/api/v2/petitions/{petition_id}/signatures/"
    ))
}

/// Where an OSDI API key is read when a request is sent: an environment variable of the
/// server, or a file (first line). Stored as `env:NAME` or `file:/path`; the key itself
/// never is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKeySource {
    Env(String),
    File(std::path::PathBuf),
}

/// An API key, read from its source. Never printed: `Debug` and `Display` show a mask.
pub struct ApiKey(String);

impl ApiKey {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(…)")
    }
}

impl ApiKeySource {
    pub fn stored(&self) -> String {
        match self {
            Self::Env(name) => format!("env:{name}"),
            Self::File(path) => format!("file:{}", path.display()),
        }
    }

    pub fn from_stored(s: &str) -> Result<Self, String> {
        if let Some(name) = s.strip_prefix("env:") {
            Self::env(name)
        } else if let Some(path) = s.strip_prefix("file:") {
            Self::file(path)
        } else {
            Err(format!(
                "API key source {s:?} is neither env:NAME nor file:PATH"
            ))
        }
    }

    pub fn env(name: &str) -> Result<Self, String> {
        let ok = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if ok {
            Ok(Self::Env(name.to_owned()))
        } else {
            Err(format!("{name:?} is not an environment variable name"))
        }
    }

    pub fn file(path: &str) -> Result<Self, String> {
        let path = std::path::PathBuf::from(path);
        if path.is_absolute() {
            Ok(Self::File(path))
        } else {
            Err(format!(
                "{}: give the key file's absolute path (the server may run in another folder)",
                path.display()
            ))
        }
    }

    /// Reads the key now (a rotated key is picked up on the next request). The error says
    /// where it looked, never what it found.
    pub fn read(&self) -> Result<ApiKey, String> {
        let raw = match self {
            Self::Env(name) => std::env::var(name)
                .map_err(|_| format!("the API key variable {name} is not set for the server"))?,
            Self::File(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("reading the API key file {}: {e}", path.display()))?,
        };
        let key = raw.lines().next().unwrap_or("").trim().to_owned();
        if key.is_empty() || key.chars().any(|c| c.is_control()) {
            return Err(format!(
                "the API key from {} is empty or not one line",
                self.stored()
            ));
        }
        Ok(ApiKey(key))
    }
}

/// A new webhook signing secret: `whsec_` and 32 random bytes in hex. The whole string is
/// the HMAC key.
pub fn new_signing_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("whsec_{}", hex::encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receiver_urls_are_https_or_loopback_http() {
        assert!(ReceiverUrl::parse("https://crm.example/hooks").is_ok());
        assert!(ReceiverUrl::parse("http://127.0.0.1:9000/h").is_ok());
        assert!(ReceiverUrl::parse("http://[::1]:9000/h").is_ok());
        assert!(ReceiverUrl::parse("http://localhost/h").is_ok());
        let clear = ReceiverUrl::parse("http://crm.example/hooks").unwrap_err();
        assert!(clear.contains("loopback"), "{clear}");
        assert!(ReceiverUrl::parse("https://user:pw@crm.example/").is_err());
        assert!(ReceiverUrl::parse("ftp://crm.example/").is_err());
        assert!(ReceiverUrl::parse("https://crm.example/#x").is_err());
        assert!(ReceiverUrl::parse("not a url").is_err());
    }

    #[test]
    fn osdi_endpoints_follow_the_record_signature_helper() {
        let url = osdi_endpoint(ACTION_NETWORK, "1f2e-3d4c").unwrap();
        assert_eq!(
            url.as_str(),
            "https://actionnetwork.org/api/v2/petitions/1f2e-3d4c/signatures/"
        );
        let local = osdi_endpoint("http://127.0.0.1:4000/", "p1").unwrap();
        assert_eq!(
            local.as_str(),
            "http://127.0.0.1:4000/api/v2/petitions/p1/signatures/"
        );
        assert!(osdi_endpoint(ACTION_NETWORK, "../people").is_err());
        assert!(osdi_endpoint(ACTION_NETWORK, "").is_err());
    }

    #[test]
    fn events_are_checked_and_default_to_all() {
        assert_eq!(parse_events(&[], &EVENT_TYPES).unwrap().len(), 3);
        let one = parse_events(&["signature.withdrawn".into()], &EVENT_TYPES).unwrap();
        assert_eq!(one, vec!["signature.withdrawn".to_owned()]);
        assert!(parse_events(&["signature.deleted".into()], &EVENT_TYPES).is_err());
        assert!(check_batch(0).is_err());
        assert!(check_batch(101).is_err());
        assert_eq!(check_batch(50), Ok(50));
    }

    #[test]
    fn api_keys_come_from_a_named_place_and_are_never_shown() {
        let src = ApiKeySource::from_stored("env:PLEDGE_TEST_KEY_THAT_IS_NOT_SET").unwrap();
        let err = src.read().unwrap_err();
        assert!(err.contains("PLEDGE_TEST_KEY_THAT_IS_NOT_SET"));
        assert!(ApiKeySource::env("1BAD").is_err());
        assert!(ApiKeySource::file("relative/key").is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "sekrit-123\n").unwrap();
        let src = ApiKeySource::file(path.to_str().unwrap()).unwrap();
        assert_eq!(ApiKeySource::from_stored(&src.stored()).unwrap(), src);
        let key = src.read().unwrap();
        assert_eq!(key.expose(), "sekrit-123");
        assert!(!format!("{key:?}").contains("sekrit"));
    }

    #[test]
    fn signing_secrets_are_random() {
        let (a, b) = (new_signing_secret().unwrap(), new_signing_secret().unwrap());
        assert!(a.starts_with("whsec_") && a.len() == 6 + 64);
        assert_ne!(a, b);
    }
}
