//! A small SMTP server on loopback that speaks real SMTP to lettre (EHLO, MAIL, RCPT, DATA
//! with dot-unstuffing, RSET, NOOP, QUIT), keeps what it received, and can be "down":
//! then it greets with `421` and hangs up, as a server out of service does. It can refuse
//! chosen recipients for good (`550 5.1.1` at `RCPT`, as for an address that does not
//! exist) or the sender (`550 5.7.1` at `MAIL`, as for a relay that will not take it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One email as received: the envelope and the message, its parts decoded.
#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub raw: String,
}

impl Received {
    /// The decoded subject (RFC 2047 `=?utf-8?b?…?=` words joined).
    pub fn subject(&self) -> String {
        let mut lines = self.raw.split("\r\n").peekable();
        let mut value = String::new();
        while let Some(line) = lines.next() {
            if let Some(v) = line.strip_prefix("Subject: ") {
                value.push_str(v);
                while lines.peek().is_some_and(|l| l.starts_with([' ', '\t'])) {
                    value.push_str(lines.next().unwrap_or_default());
                }
                break;
            }
        }
        value
            .split_whitespace()
            .map(|word| {
                word.strip_prefix("=?utf-8?b?")
                    .and_then(|w| w.strip_suffix("?="))
                    .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_else(|| format!("{word} "))
            })
            .collect::<String>()
            .trim()
            .to_owned()
    }

    /// The decoded body of the part with this content type (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> String {
        let start = self
            .raw
            .find(&format!("Content-Type: {content_type}"))
            .unwrap_or_else(|| panic!("a {content_type} part in {}", self.raw));
        let rest = &self.raw[start..];
        let body_start = rest.find("\r\n\r\n").expect("part headers end") + 4;
        let body = &rest[body_start..];
        let body_end = body.find("\r\n--").unwrap_or(body.len());
        let encoded: String = body[..body_end].split("\r\n").collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .expect("a base64 part"),
        )
        .expect("UTF-8")
    }

    /// The `{origin}/email/{what}/{token}` links in the text part.
    pub fn link(&self, what: &str) -> String {
        let text = self.part("text/plain");
        text.split_whitespace()
            .find(|w| w.contains(&format!("/email/{what}/")))
            .unwrap_or_else(|| panic!("a {what} link in {text}"))
            .to_owned()
    }

    pub fn has_link(&self, what: &str) -> bool {
        self.part("text/plain").contains(&format!("/email/{what}/"))
    }
}

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
    down: Arc<AtomicBool>,
    /// Connections turned away while down.
    pub refused: Arc<std::sync::atomic::AtomicUsize>,
    /// Recipients refused with `550 5.1.1`.
    unknown: Arc<Mutex<Vec<String>>>,
    /// `MAIL FROM` refused with `550 5.7.1`.
    refuse_sender: Arc<AtomicBool>,
    /// Commands refused with a 5xx so far.
    pub refusals: Arc<std::sync::atomic::AtomicUsize>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let server = Self {
            port,
            received: Arc::default(),
            down: Arc::default(),
            refused: Arc::default(),
            unknown: Arc::default(),
            refuse_sender: Arc::default(),
            refusals: Arc::default(),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move { s.session(socket).await });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Refuses `address` at `RCPT` from now on: no such mailbox.
    pub fn refuse_recipient(&self, address: &str) {
        self.unknown.lock().unwrap().push(address.to_owned());
    }

    /// Refuses every sender at `MAIL FROM` (a relay that does not take the server's mail).
    pub fn refuse_sender(&self, refuse: bool) {
        self.refuse_sender.store(refuse, Ordering::SeqCst);
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    pub fn get(&self, i: usize) -> Received {
        self.received.lock().unwrap()[i].clone()
    }

    async fn session(&self, socket: tokio::net::TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        if self.down.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            let _ = write
                .write_all(b"421 test.invalid out of service\r\n")
                .await;
            return;
        }
        let _ = write.write_all(b"220 test.invalid ESMTP\r\n").await;
        let mut rcpt = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let command = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") {
                b"250-test.invalid\r\n250 8BITMIME\r\n"
            } else if command.starts_with("HELO") || command.starts_with("NOOP") {
                b"250 ok\r\n"
            } else if command.starts_with("MAIL FROM") {
                if self.down.load(Ordering::SeqCst) {
                    b"421 out of service\r\n"
                } else if self.refuse_sender.load(Ordering::SeqCst) {
                    self.refusals.fetch_add(1, Ordering::SeqCst);
                    b"550 5.7.1 relaying denied\r\n"
                } else {
                    rcpt.clear();
                    b"250 ok\r\n"
                }
            } else if command.starts_with("RCPT TO") {
                let to = line.trim_end()[8..]
                    .trim()
                    .trim_matches(['<', '>'])
                    .to_owned();
                if self.unknown.lock().unwrap().contains(&to) {
                    self.refusals.fetch_add(1, Ordering::SeqCst);
                    b"550 5.1.1 no such user here\r\n"
                } else {
                    rcpt.push(to);
                    b"250 ok\r\n"
                }
            } else if command == "RSET" {
                rcpt.clear();
                b"250 ok\r\n"
            } else if command == "DATA" {
                let _ = write.write_all(b"354 go on\r\n").await;
                let mut raw = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    raw.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                self.received.lock().unwrap().push(Received {
                    rcpt: std::mem::take(&mut rcpt),
                    raw,
                });
                b"250 queued\r\n"
            } else if command == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"502 not implemented\r\n"
            };
            if write.write_all(reply).await.is_err() {
                return;
            }
        }
    }
}
