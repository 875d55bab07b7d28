//! The SMTP connection: where mail goes and as whom (`--smtp-url`, `--mail-from`), built
//! into a `lettre` transport. STARTTLS is used when the server offers it (`smtp://`),
//! required with `?tls=required`, or TLS from the first byte with `smtps://`. The password
//! never reaches the logs: [`SmtpSettings`]'s `Debug` leaves it out.

use std::fmt;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

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

    /// How `lettre` does TLS with this server.
    pub(crate) fn tls(&self) -> Result<Tls, String> {
        let params = || {
            TlsParameters::new(self.host.clone()).map_err(|e| format!("TLS for {}: {e}", self.host))
        };
        Ok(match self.tls {
            TlsMode::Opportunistic => Tls::Opportunistic(params()?),
            TlsMode::Required => Tls::Required(params()?),
            TlsMode::Wrapper => Tls::Wrapper(params()?),
            TlsMode::None => Tls::None,
        })
    }

    /// Sends one email to one recipient, a command at a time, so a refusal says which
    /// step refused: the recipient ([`Refusal::Recipient`], a bounce) or anything else
    /// (the server, the sender, the credentials: [`Refusal::Other`]). `lettre`'s transport
    /// answers both with the same error, and treating a refused sender as a bounce would
    /// withdraw every signature.
    pub(crate) async fn send(
        &self,
        tls: &Tls,
        to: lettre::Address,
        message: &[u8],
    ) -> Result<(), Refusal> {
        let other = Refusal::Other;
        let hello = ClientId::default();
        let wrapper = match tls {
            Tls::Wrapper(params) => Some(params.clone()),
            _ => None,
        };
        let mut conn = AsyncSmtpConnection::connect_tokio1(
            (self.host.as_str(), self.port),
            Some(self.timeout),
            &hello,
            wrapper,
            None,
        )
        .await
        .map_err(other)?;
        match tls {
            Tls::Opportunistic(params) if conn.can_starttls() => {
                conn.starttls(params.clone(), &hello).await.map_err(other)?;
            }
            Tls::Required(params) => conn.starttls(params.clone(), &hello).await.map_err(other)?,
            _ => {}
        }
        if let (Some(user), Some(password)) = (&self.user, &self.password) {
            let credentials = Credentials::new(user.clone(), password.clone());
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .await
                .map_err(other)?;
        }
        let mut options = Vec::new();
        if !message.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        conn.command(Mail::new(Some(self.from.email.clone()), options))
            .await
            .map_err(other)?;
        conn.command(Rcpt::new(to, Vec::new()))
            .await
            .map_err(|e| Refusal::at_recipient(e, false))?;
        conn.command(Data)
            .await
            .map_err(|e| Refusal::at_recipient(e, true))?;
        conn.message(message)
            .await
            .map_err(|e| Refusal::at_recipient(e, true))?;
        // The email is accepted; a failed goodbye changes nothing.
        let _ = conn.quit().await;
        Ok(())
    }
}

/// Why an email did not go.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The server permanently refused this recipient: the address does not take mail.
    Recipient(lettre::transport::smtp::Error),
    /// Anything else (unreachable, a temporary refusal, the sender or credentials refused,
    /// a policy refusal of the content): retried, then parked.
    Other(lettre::transport::smtp::Error),
}

impl Refusal {
    /// A refusal at `RCPT` or at `DATA`: a bounce when permanent (5xx), unless at `DATA`
    /// its enhanced status says policy or security (`5.7.x`: spam filters, the sender's
    /// reputation), which is about the sender, not the address.
    fn at_recipient(e: lettre::transport::smtp::Error, at_data: bool) -> Self {
        let policy = at_data && e.to_string().contains("5.7.");
        if e.is_permanent() && !policy {
            Self::Recipient(e)
        } else {
            Self::Other(e)
        }
    }

    pub(crate) fn error(&self) -> &lettre::transport::smtp::Error {
        match self {
            Self::Recipient(e) | Self::Other(e) => e,
        }
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
