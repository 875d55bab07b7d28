//! The SMTP connection: where mail goes and as whom (`--smtp-url`, `--mail-from`), built
//! into a `lettre` transport. STARTTLS is used when the server offers it (`smtp://`),
//! required with `?tls=required`, or TLS from the first byte with `smtps://`. The password
//! never reaches the logs: [`SmtpSettings`]'s `Debug` leaves it out.

use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};

/// How TLS is used on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// STARTTLS when the server offers it, plain otherwise (`smtp://`).
    Opportunistic,
    /// STARTTLS or fail (`smtp://…?tls=required`).
    Required,
    /// TLS from the start (`smtps://`, usually port 465).
    Wrapper,
    /// Never (`smtp://…?tls=none`): a relay on the same host only.
    None,
}

/// Where confirmation emails go out.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    user: Option<String>,
    password: Option<String>,
    /// The `From:` of every email.
    pub from: Mailbox,
    /// Connecting and each SMTP command.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "(hidden)"))
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpSettings {
    /// Parses `smtp[s]://[user[:password]@]host[:port][?tls=required|none]` and the sender
    /// (`Name <address>` or an address). The user and password are percent-decoded.
    pub fn parse(url: &str, from: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("--smtp-url: {e}"))?;
        let wrapper = match parsed.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(format!(
                    "--smtp-url: the scheme is smtp:// or smtps://, not {other}://"
                ));
            }
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("--smtp-url: no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let mut tls = if wrapper {
            TlsMode::Wrapper
        } else {
            TlsMode::Opportunistic
        };
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref(), wrapper) {
                ("tls", "required", false) => tls = TlsMode::Required,
                ("tls", "none", false) => tls = TlsMode::None,
                ("tls", "opportunistic", false) => tls = TlsMode::Opportunistic,
                _ => {
                    return Err(format!(
                        "--smtp-url: unknown parameter {key}={value} (smtp:// takes tls=required, tls=opportunistic or tls=none)"
                    ));
                }
            }
        }
        let port = parsed.port().unwrap_or(if wrapper { 465 } else { 587 });
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| {
                "--smtp-url: the user or password is not valid percent-encoded UTF-8".to_owned()
            })
        };
        let user = Some(parsed.username())
            .filter(|u| !u.is_empty())
            .map(decode)
            .transpose()?;
        let password = parsed.password().map(decode).transpose()?;
        if password.is_some() && user.is_none() {
            return Err("--smtp-url: a password without a user".into());
        }
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("--mail-from: {e} (an address, or `Name <address>`)"))?;
        Ok(Self {
            host,
            port,
            tls,
            user,
            password,
            from,
            timeout: Duration::from_secs(30),
        })
    }

    /// The `lettre` transport (it connects when the first email goes).
    pub(crate) fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let params = || {
            TlsParameters::new(self.host.clone()).map_err(|e| format!("TLS for {}: {e}", self.host))
        };
        let tls = match self.tls {
            TlsMode::Opportunistic => Tls::Opportunistic(params()?),
            TlsMode::Required => Tls::Required(params()?),
            TlsMode::Wrapper => Tls::Wrapper(params()?),
            TlsMode::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(self.timeout));
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_host_port_tls_and_credentials_and_debug_hides_the_password() {
        let s = SmtpSettings::parse(
            "smtp://mailer%40org:p%40ss@mail.example:2525",
            "Pledge <pledge@org.example>",
        )
        .unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.tls),
            ("mail.example", 2525, TlsMode::Opportunistic)
        );
        assert_eq!(s.user.as_deref(), Some("mailer@org"));
        assert_eq!(s.password.as_deref(), Some("p@ss"));
        assert!(!format!("{s:?}").contains("p@ss"));
        let s = SmtpSettings::parse("smtps://mail.example", "a@b.example").unwrap();
        assert_eq!((s.port, s.tls), (465, TlsMode::Wrapper));
        let s = SmtpSettings::parse("smtp://mail.example?tls=required", "a@b.example").unwrap();
        assert_eq!((s.port, s.tls), (587, TlsMode::Required));
    }

    #[test]
    fn bad_urls_and_senders_say_what_is_wrong() {
        let e = SmtpSettings::parse("http://mail.example", "a@b.example").unwrap_err();
        assert!(e.contains("smtp://"), "{e}");
        let e = SmtpSettings::parse("smtp://mail.example?tls=maybe", "a@b.example").unwrap_err();
        assert!(e.contains("tls=maybe"), "{e}");
        let e = SmtpSettings::parse("smtp://mail.example", "not an address").unwrap_err();
        assert!(e.contains("--mail-from"), "{e}");
    }
}
