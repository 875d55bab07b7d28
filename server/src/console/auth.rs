//! Who is asking the console: passwords (argon2id), random tokens stored as their SHA-256,
//! the session cookie, the [`Organiser`] extractor, the CSRF token tied to a session, and
//! the guard that refuses cross-site requests to `/admin`.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::ConsoleError;
use crate::state::AppState;
use crate::store::console::{ConsoleStore, ConsoleUser, Role};

/// The session cookie's name (`Path=/admin`, so no other page of the origin gets it).
pub const SESSION_COOKIE: &str = "pledge_console";

/// A session lasts this long from sign-in, however active.
pub const SESSION_HOURS: i64 = 12;

/// The shortest password accepted (NIST SP 800-63B asks at least 8; organisers hold
/// supporters' data, so more).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Longer input is refused before hashing, so nobody makes the server hash megabytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// 32 random bytes as hex: a session, CSRF or set-password secret.
pub fn random_token() -> Result<String, ConsoleError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ConsoleError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// What the store keeps of a token: its SHA-256, so the database signs nobody in.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The CSRF token of the session whose cookie is `session_token`: derived from the cookie a
/// cross-site page cannot read, different from what the store keeps.
pub fn csrf_token(session_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"pledge-console-csrf\0");
    h.update(session_token.as_bytes());
    hex::encode(h.finalize())
}

/// argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's minimum), off the
/// async threads.
pub async fn hash_password(password: String) -> Result<String, ConsoleError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ConsoleError::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| ConsoleError::Internal(format!("hashing a password: {e}")))?
}

/// Whether `password` matches `stored`. Without a stored hash (unknown account, password
/// never set) a dummy hash is checked anyway, so the answer takes as long either way.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
    .unwrap_or(false)
}

/// argon2id (default parameters) of a random password nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Vq5x1ZyUdT2tOsJ2gvNc7cBcqXbCk0BQKjvZzVq8o3o";

/// The `pledge_console` cookie's value, if the request has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Set-Cookie` for a new session; `Secure` when the server is reached over TLS.
pub fn session_set_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if secure { "; Secure" } else { "" }
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn session_clear_cookie(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// A signed-in organiser: the account and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Organiser {
    pub user: ConsoleUser,
    pub csrf: String,
    /// The store's key of this session (for sign-out).
    pub session_hash: String,
}

impl Organiser {
    /// Refuses a change whose form did not carry this session's CSRF token.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), ConsoleError> {
        let given = given.unwrap_or_default();
        // Both are hex of one length when right; compare without an early exit.
        let same = given.len() == self.csrf.len()
            && given
                .bytes()
                .zip(self.csrf.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Ok(())
        } else {
            Err(ConsoleError::Forbidden(
                "This form is stale or did not come from the console (CSRF token missing or wrong). Reload the page and try again.",
            ))
        }
    }

    /// Refuses a moderator what only admins may do.
    pub fn require_admin(&self) -> Result<(), ConsoleError> {
        if self.user.role == Role::Admin {
            Ok(())
        } else {
            Err(ConsoleError::Forbidden(
                "Only an admin may do this; moderators moderate.",
            ))
        }
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

impl FromRequestParts<AppState> for Organiser {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ConsoleError> {
        let Some(token) = session_cookie(&parts.headers) else {
            return Err(ConsoleError::SignedOut);
        };
        let hash = token_hash(token);
        let now = super::now_ms(state);
        match state.campaigns.store().session_user(&hash, now).await? {
            Some(user) => Ok(Self {
                user,
                csrf: csrf_token(token),
                session_hash: hash,
            }),
            None => Err(ConsoleError::SignedOut),
        }
    }
}

/// Refuses cross-site requests to `/admin` before any handler runs: a change (any method
/// but GET/HEAD) must come from this origin (`Origin`, `Sec-Fetch-Site`), and a page may
/// be fetched cross-site only as a top-level navigation (a link), never by a script, frame
/// or image. The console never sends CORS headers, so no other origin reads an answer.
pub async fn same_origin_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_cross_site(request.method(), request.headers(), &state.public_origin) {
        return ConsoleError::CrossSite.into_response();
    }
    next.run(request).await
}

fn is_cross_site(method: &Method, headers: &HeaderMap, public_origin: &str) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let site = text("sec-fetch-site");
    if method == Method::GET || method == Method::HEAD {
        return site == Some("cross-site") && text("sec-fetch-mode") != Some("navigate");
    }
    if matches!(site, Some("cross-site" | "same-site")) {
        return true;
    }
    match text(header::ORIGIN.as_str()) {
        None => false,
        Some(origin) => {
            let host = text(header::HOST.as_str()).unwrap_or_default();
            let own = origin == public_origin
                || origin
                    .strip_prefix("https://")
                    .or_else(|| origin.strip_prefix("http://"))
                    .is_some_and(|h| !host.is_empty() && h == host);
            !own
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_changes_are_refused() {
        let own = "http://127.0.0.1:8080";
        let post = Method::POST;
        let evil = headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(is_cross_site(&post, &evil, own));
        let same = headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(!is_cross_site(&post, &same, own));
        let null = headers(&[("origin", "null"), ("host", "127.0.0.1:8080")]);
        assert!(is_cross_site(&post, &null, own));
        let sibling = headers(&[("sec-fetch-site", "same-site")]);
        assert!(is_cross_site(&post, &sibling, own));
        // A link from elsewhere may open a page; a script or frame may not load one.
        let link = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "navigate"),
        ]);
        assert!(!is_cross_site(&Method::GET, &link, own));
        let fetch = headers(&[("sec-fetch-site", "cross-site"), ("sec-fetch-mode", "cors")]);
        assert!(is_cross_site(&Method::GET, &fetch, own));
    }

    #[test]
    fn csrf_token_is_not_the_stored_hash() {
        let t = "ab".repeat(32);
        assert_ne!(csrf_token(&t), token_hash(&t));
        assert_eq!(csrf_token(&t).len(), 64);
    }

    #[test]
    fn the_dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
