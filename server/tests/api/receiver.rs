//! A webhook / OSDI receiver for the delivery tests: a real HTTP server (axum on
//! 127.0.0.1:0) that records every request and answers as scripted (2xx, 5xx, an empty
//! 200, or no answer in time), and can go down and come back on the same port.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::helpers::TIMEOUT;

/// How the receiver answers one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// 200 with a small JSON body (what an OSDI server answers: the resource).
    Ok,
    /// This status with a short text body.
    Status(u16),
    /// 200 with nothing in it (Action Network's way of refusing some requests).
    Empty200,
    /// Waits this long before answering 200: longer than the sender's timeout.
    Hang(Duration),
    /// 307 to this URL.
    Redirect(String),
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub reply: Reply,
}

impl Recorded {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Answered 2xx with a body: the sender should count it delivered.
    pub fn accepted(&self) -> bool {
        self.reply == Reply::Ok
    }
}

#[derive(Debug, Default)]
struct Shared {
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Reply>>,
    otherwise: Mutex<Option<Reply>>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    pub async fn start() -> Self {
        Self::serve(
            "127.0.0.1:0".parse().expect("addr"),
            Arc::new(Shared::default()),
        )
        .await
    }

    async fn serve(addr: SocketAddr, shared: Arc<Shared>) -> Self {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("receiver binds");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::clone(&shared);
        let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = Arc::clone(&state);
            async move { answer(&state, uri, headers, body).await }
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The next requests are answered like this, in turn; then as `otherwise` (200).
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    /// Every request after the script is answered like this (default: `Reply::Ok`).
    pub fn otherwise(&self, reply: Reply) {
        *self.shared.otherwise.lock().unwrap() = Some(reply);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Stops listening (connections are refused) until [`back`](Self::back).
    pub async fn down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(TIMEOUT, task)
                .await
                .expect("receiver stops in time")
                .expect("receiver task");
        }
    }

    /// Listens again on the same port, with what it recorded so far.
    pub async fn back(self) -> Self {
        Self::serve(self.addr, Arc::clone(&self.shared)).await
    }
}

async fn answer(shared: &Shared, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let reply = shared
        .script
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| shared.otherwise.lock().unwrap().clone())
        .unwrap_or(Reply::Ok);
    shared.requests.lock().unwrap().push(Recorded {
        path: uri.path().to_owned(),
        headers,
        body: body.to_vec(),
        reply: reply.clone(),
    });
    match reply {
        Reply::Ok => axum::Json(json!({"identifiers": ["test:1"]})).into_response(),
        Reply::Status(code) => (
            StatusCode::from_u16(code).expect("status"),
            "receiver trouble",
        )
            .into_response(),
        Reply::Empty200 => StatusCode::OK.into_response(),
        Reply::Redirect(to) => (
            StatusCode::TEMPORARY_REDIRECT,
            [(axum::http::header::LOCATION, to)],
        )
            .into_response(),
        Reply::Hang(d) => {
            tokio::time::sleep(d).await;
            StatusCode::OK.into_response()
        }
    }
}

/// Polls `done` every 20 ms until it holds, failing after `TIMEOUT`.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
