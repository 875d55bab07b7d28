//! One accepted connection, from its first byte to its close: TLS and the protocol choice,
//! the plain connection's first head (a live stream is written here, anything else goes to
//! hyper), and the timers every connection runs under (shutdown, idle).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use super::activity::{Activity, Prefixed, Tracked};
use super::deadline_body::DeadlineBody;
use super::first_head::{self, FirstHead};
use super::response_writer::{self, StreamWriter};
use super::{ClientSlot, Limits, stopped};

/// hyper's smallest allowed read buffer.
const MIN_HEADER_BYTES: usize = 8 * 1024;

/// One connection builder per protocol, built once and shared by every connection.
///
/// hyper's own builders, not hyper-util's `auto` one: an `auto` connection is an enum
/// sized for its largest variant (HTTP/2's state, and a whole builder while it sniffs the
/// version), so every plain HTTP/1.1 connection carried that in its task. Here the protocol
/// is known before the connection is built, so each task holds only its own protocol's
/// state (docs/performance.md, "SSE memory").
pub(super) struct Protocols {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
}

impl Protocols {
    pub(super) fn new(limits: &Limits) -> Self {
        let mut http1 = http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_buf_size(max_head(limits))
            .keep_alive(true);
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .max_concurrent_streams(limits.h2_max_concurrent_streams)
            .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
            .keep_alive_interval(limits.h2_keep_alive_interval)
            .keep_alive_timeout(limits.h2_keep_alive_interval);
        Self { http1, http2 }
    }
}

/// The largest HTTP/1.1 request head, here and in hyper (`431` past it).
fn max_head(limits: &Limits) -> usize {
    limits.max_header_bytes.max(MIN_HEADER_BYTES)
}

/// What an open connection holds while it lives: its place under the connection caps
/// (overall and per client) and in the open-connections gauge. Given back when dropped.
pub(super) struct Held {
    pub(super) _open: crate::metrics::OpenConnection,
    pub(super) _slot: Option<ClientSlot>,
    pub(super) _permit: OwnedSemaphorePermit,
}

pub(super) struct Connection {
    pub(super) protocols: Arc<Protocols>,
    pub(super) router: Router,
    pub(super) limits: Limits,
    pub(super) stop: watch::Receiver<bool>,
    pub(super) peer: SocketAddr,
    pub(super) _held: Held,
}

impl Connection {
    pub(super) async fn run_tls(self, tcp: TcpStream, acceptor: TlsAcceptor) {
        // TLS connections stay on hyper all along: their TLS state (two record buffers)
        // outweighs what writing their streams by hand would save.
        match tokio::time::timeout(self.limits.header_read_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => {
                let activity = Activity::new();
                if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
                    self.serve_http2(stream, activity).await;
                } else {
                    self.serve_http1(stream, activity).await;
                }
            }
            Ok(Err(e)) => tracing::debug!(peer = %self.peer, error = %e, "TLS handshake failed"),
            Err(_) => tracing::debug!(peer = %self.peer, "TLS handshake timed out"),
        }
    }

    /// A plain HTTP/1.1 connection: its first request head is read here. A live stream
    /// is answered without hyper ([`Self::answer_stream`]); anything else is served by
    /// hyper, which reads the bytes taken here first. Each ends in a task of its own, so
    /// this one's state (the head's buffer, the router's future) is freed.
    pub(super) async fn run_plain(self, mut tcp: TcpStream) {
        let activity = Activity::new();
        let deadline = Instant::now() + self.limits.header_read_timeout;
        let head = first_head::read(&mut tcp, max_head(&self.limits), deadline, &activity).await;
        match head {
            FirstHead::Gone => {
                tracing::debug!(peer = %self.peer, "no request head in time");
            }
            FirstHead::Hyper(prefix) => {
                tokio::spawn(self.serve_http1(Prefixed::new(prefix, tcp), activity));
            }
            FirstHead::Stream(request) => self.answer_stream(*request, tcp, activity).await,
        }
    }

    /// Runs a stream request through the router (so every layer and extractor applies as
    /// for any request) and writes its answer: a live stream in a task of its own that
    /// holds only the socket and the stream; anything else whole, after which hyper serves
    /// the connection's next requests.
    async fn answer_stream(
        self,
        mut request: axum::http::Request<axum::body::Body>,
        tcp: TcpStream,
        activity: Activity,
    ) {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        // Router is always ready, so `call` without `poll_ready` is fine.
        let Ok(response) = self.router.clone().call(request).await;
        let (parts, body) = response.into_parts();
        // The request is in: stopping now closes the connection after this answer, as
        // hyper's graceful shutdown would.
        activity.read();
        let mut io = Tracked {
            inner: tcp,
            activity: activity.clone(),
        };
        if response_writer::is_event_stream(&parts) {
            let head = response_writer::head(&parts, response_writer::Framing::Chunked, true);
            drop(parts);
            let writer = StreamWriter::new(io, head, body);
            tokio::spawn(self.drive(writer, activity));
            return;
        }
        let close = *self.stop.borrow();
        let written = tokio::time::timeout(
            self.limits.idle_timeout,
            response_writer::write_whole(&mut io, &parts, body, close),
        )
        .await;
        match written {
            Ok(Ok(())) if !close => {
                tokio::spawn(self.serve_http1(Prefixed::new(Vec::new(), io.inner), activity));
            }
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::debug!(peer = %self.peer, error = %e, "writing an answer failed")
            }
            Err(_) => tracing::debug!(peer = %self.peer, "writing an answer timed out"),
        }
    }

    /// Serves HTTP/1.1 on `io`. Each IO type gets its own task type, so a plain
    /// connection's task holds no HTTP/2 or TLS state.
    async fn serve_http1<I>(self, io: I, activity: Activity)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (io, service) = self.parts(io, &activity);
        let conn = self.protocols.http1.serve_connection(io, service);
        self.drive(conn, activity).await;
    }

    async fn serve_http2<I>(self, io: I, activity: Activity)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (io, service) = self.parts(io, &activity);
        let conn = self.protocols.http2.serve_connection(io, service);
        self.drive(conn, activity).await;
    }

    /// The IO with its activity tracked, and the service for its requests.
    fn parts<I>(&self, io: I, activity: &Activity) -> (TokioIo<Tracked<I>>, PeerService) {
        let io = TokioIo::new(Tracked {
            inner: io,
            activity: activity.clone(),
        });
        let service = PeerService {
            router: self.router.clone(),
            peer: self.peer,
            body_timeout: self.limits.body_timeout,
        };
        (io, service)
    }

    /// Runs `conn` to its end, closing it gracefully on shutdown or when idle.
    async fn drive<C, E>(mut self, conn: C, activity: Activity)
    where
        C: GracefulConnection + Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        tokio::pin!(conn);
        let mut closing = false;
        // Told to stop before the client's first byte: hyper would close such a connection
        // at once, dropping a request already on its way (a TLS handshake that straddled
        // SIGTERM, a connection a restart left in the queue). It gets that one request, as
        // long as the head timeout allows.
        let mut stop_after_first_read = false;
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(peer = %self.peer, error = %e, "connection ended with an error");
                    }
                    return;
                }
                () = stopped(&mut self.stop), if !closing && !stop_after_first_read => {
                    if activity.has_read() {
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    } else {
                        stop_after_first_read = true;
                    }
                }
                () = activity.first_read(), if stop_after_first_read && !closing => {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
                () = activity.idle_for(self.limits.idle_timeout) => {
                    if closing {
                        // Still silent after a graceful close: the peer stopped reading.
                        tracing::debug!(peer = %self.peer, "dropping a stalled connection");
                        return;
                    }
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

/// A connection of either protocol, or a stream written by hand: a future that ends with
/// the connection, and can be told to finish its requests in flight and close.
trait GracefulConnection {
    fn graceful_shutdown(self: Pin<&mut Self>);
}

impl<I> GracefulConnection for http1::Connection<I, PeerService>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    fn graceful_shutdown(self: Pin<&mut Self>) {
        http1::Connection::graceful_shutdown(self);
    }
}

impl<I> GracefulConnection for http2::Connection<I, PeerService, TokioExecutor>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    fn graceful_shutdown(self: Pin<&mut Self>) {
        http2::Connection::graceful_shutdown(self);
    }
}

impl GracefulConnection for StreamWriter<Tracked<TcpStream>> {
    /// Nothing to do: the stream ends by itself on shutdown (`routes::events`), and the
    /// connection with it, like a hyper connection whose last response ended.
    fn graceful_shutdown(self: Pin<&mut Self>) {}
}

/// The router with the peer address put where `ConnectInfo<SocketAddr>` extractors
/// look, as `into_make_service_with_connect_info` did, and the body under its deadline.
#[derive(Clone)]
struct PeerService {
    router: Router,
    peer: SocketAddr,
    body_timeout: Duration,
}

impl hyper::service::Service<hyper::Request<Incoming>> for PeerService {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = axum::routing::future::RouteFuture<Infallible>;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let deadline = Instant::now() + self.body_timeout;
        let request = request.map(|body| DeadlineBody::new(body, deadline));
        // Router is always ready, so `call` without `poll_ready` is fine.
        self.router.clone().call(request)
    }
}
