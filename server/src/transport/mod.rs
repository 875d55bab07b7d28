//! The accept loop: our own hyper-util loop instead of `axum::serve`, so connection-level
//! limits live in one place (head timeout, body deadline, header size, connection caps
//! overall and per client, idle timeout, HTTP/2 streams and pings) and the same loop can
//! terminate TLS ([`tls`]).
//!
//! Plain listeners speak HTTP/1.1 only (no h2c). TLS listeners pick HTTP/2 or HTTP/1.1 by
//! ALPN, so hyper never has to sniff the protocol: its version sniffing has no timeout
//! (hyperium/hyper#3962), while a fixed protocol keeps the head timeout from the first byte.

pub mod activation;
pub mod tls;

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use crate::abuse::client_addr::{TrustedProxies, network_of};

/// Connection-level limits; every default is in `docs/api.md` ("Limits").
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time a client has to finish the TLS handshake and then each request head
    /// (slowloris). HTTP/1.1 also waits at most this long for the next request on an
    /// idle keep-alive connection. Default 10 s.
    pub header_read_timeout: Duration,
    /// Largest request head (request line and headers); bigger ones get `431`.
    /// Default 16 KiB; hyper's floor is 8 KiB.
    pub max_header_bytes: usize,
    /// Time a client has to send a request's whole body, counted from the end of its
    /// head. The idle timeout alone would let a body trickle in a byte at a time for
    /// days. Past it the request fails with `408` and the connection closes. Default 20 s.
    pub body_timeout: Duration,
    /// Open connections at most; past it new connections wait in the kernel's accept
    /// queue. Default 20 000.
    pub max_connections: usize,
    /// Open connections per client network (IPv4 address, IPv6 /64) at most, so one
    /// client cannot take all of `max_connections`; past it a new connection from that
    /// network is closed at once. Trusted proxies are not capped. 0 = no cap. Default 256.
    pub max_connections_per_client: usize,
    /// A connection with no bytes read or written for this long is closed (gracefully,
    /// then forcibly after as long again). SSE keep-alives every 15 s keep streams open.
    /// Default 60 s.
    pub idle_timeout: Duration,
    /// HTTP/2: concurrent streams per connection. Default 100.
    pub h2_max_concurrent_streams: u32,
    /// HTTP/2: a PING this often; no answer within as long again closes the connection.
    /// Default 20 s.
    pub h2_keep_alive_interval: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            body_timeout: Duration::from_secs(20),
            max_connections: 20_000,
            max_connections_per_client: 256,
            idle_timeout: Duration::from_secs(60),
            h2_max_concurrent_streams: 100,
            h2_keep_alive_interval: Duration::from_secs(20),
        }
    }
}

/// hyper's smallest allowed read buffer.
const MIN_HEADER_BYTES: usize = 8 * 1024;

/// One connection builder per protocol, built once and shared by every connection.
///
/// hyper's own builders, not hyper-util's `auto` one: an `auto` connection is an enum
/// sized for its largest variant (HTTP/2's state, and a whole builder while it sniffs the
/// version), so every plain HTTP/1.1 connection (each SSE viewer) carried that in its task.
/// Here the protocol is known before the connection is built, so each task holds only its
/// own protocol's state (docs/performance.md, "SSE memory").
struct Protocols {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
}

impl Protocols {
    fn new(limits: &Limits) -> Self {
        let mut http1 = http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_buf_size(limits.max_header_bytes.max(MIN_HEADER_BYTES))
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

/// Open connections per client network, for `Limits::max_connections_per_client`.
#[derive(Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

impl PerClient {
    /// Counts a connection from `network`, unless it already has `cap` open.
    fn try_open(self: &Arc<Self>, network: IpAddr, cap: usize) -> Option<ClientSlot> {
        let mut open = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(network).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            all: self.clone(),
            network,
        })
    }
}

/// One open connection of a client network; gives its place back when dropped.
struct ClientSlot {
    all: Arc<PerClient>,
    network: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.all.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.network) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.network);
            }
        }
    }
}

/// Serves `router` on `listener` (over TLS when `tls` is given) until `stop` turns true,
/// then closes every connection gracefully and returns once all are gone. Connections
/// from `uncapped` (the trusted proxies, which carry many clients) are not capped per client.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    uncapped: TrustedProxies,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let protocols = Arc::new(Protocols::new(&limits));
    let per_client = Arc::new(PerClient::default());
    let max = limits.max_connections.clamp(1, u32::MAX as usize);
    let permits = Arc::new(Semaphore::new(max));
    let mut warned_full = false;
    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if !warned_full {
                    tracing::warn!(max, "connection limit reached; new connections wait");
                    warned_full = true;
                }
                tokio::select! {
                    permit = permits.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    () = stopped(&mut stop) => break,
                }
            }
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        if permits.available_permits() > max / 2 {
            warned_full = false;
        }
        let cap = limits.max_connections_per_client;
        let slot = if cap == 0 || uncapped.contains(peer.ip()) {
            None
        } else {
            match per_client.try_open(network_of(peer.ip()), cap) {
                Some(slot) => Some(slot),
                None => {
                    // Dropping the socket closes it; the permit goes back with this turn.
                    tracing::debug!(peer = %peer, cap, "per-client connection cap reached");
                    continue;
                }
            }
        };
        let _ = tcp.set_nodelay(true);
        let connection = Connection {
            protocols: protocols.clone(),
            router: router.clone(),
            limits: limits.clone(),
            stop: stop.clone(),
            peer,
        };
        // Two task types, so a plain connection's task is not sized for a TLS one's.
        match tls.clone() {
            None => tokio::spawn(async move {
                let _open = crate::metrics::OpenConnection::count();
                connection.serve_http1(tcp).await;
                drop(slot);
                drop(permit);
            }),
            Some(acceptor) => tokio::spawn(async move {
                let _open = crate::metrics::OpenConnection::count();
                connection.run_tls(tcp, acceptor).await;
                drop(slot);
                drop(permit);
            }),
        };
    }
    drop(listener);
    // Every connection holds a permit: having them all back means all have closed.
    let _ = permits
        .acquire_many(u32::try_from(max).unwrap_or(u32::MAX))
        .await;
    Ok(())
}

/// Resolves once `stop` is true (or its sender is gone). Returns `()` so no `watch::Ref`
/// (not `Send`) is held across an await in a `select!`.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Accept fails for one connection (reset before accept) or for the process (out of file
/// descriptors); for the latter, back off instead of spinning.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

struct Connection {
    protocols: Arc<Protocols>,
    router: Router,
    limits: Limits,
    stop: watch::Receiver<bool>,
    peer: SocketAddr,
}

impl Connection {
    async fn run_tls(self, tcp: TcpStream, acceptor: TlsAcceptor) {
        match tokio::time::timeout(self.limits.header_read_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => {
                if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
                    self.serve_http2(stream).await;
                } else {
                    self.serve_http1(stream).await;
                }
            }
            Ok(Err(e)) => tracing::debug!(peer = %self.peer, error = %e, "TLS handshake failed"),
            Err(_) => tracing::debug!(peer = %self.peer, "TLS handshake timed out"),
        }
    }

    /// Serves HTTP/1.1 on `io`. Plain connections are spawned straight into this, so their
    /// task holds no HTTP/2 or TLS state.
    async fn serve_http1<I>(self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (io, service, activity) = self.parts(io);
        let conn = self.protocols.http1.serve_connection(io, service);
        self.drive(conn, activity).await;
    }

    async fn serve_http2<I>(self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (io, service, activity) = self.parts(io);
        let conn = self.protocols.http2.serve_connection(io, service);
        self.drive(conn, activity).await;
    }

    /// The IO with its activity tracked, and the service for its requests.
    fn parts<I>(&self, io: I) -> (TokioIo<Tracked<I>>, PeerService, Activity) {
        let activity = Activity::new();
        let io = TokioIo::new(Tracked {
            inner: io,
            activity: activity.clone(),
        });
        let service = PeerService {
            router: self.router.clone(),
            peer: self.peer,
            body_timeout: self.limits.body_timeout,
        };
        (io, service, activity)
    }

    /// Runs `conn` to its end, closing it gracefully on shutdown or when idle.
    async fn drive<C: GracefulConnection>(mut self, conn: C, activity: Activity) {
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

/// A hyper connection of either protocol: a future that ends with the connection, and
/// can be told to finish its requests in flight and close.
trait GracefulConnection: Future<Output = Result<(), hyper::Error>> {
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
        let request = request.map(|body| DeadlineBody {
            inner: body,
            deadline,
            timer: None,
        });
        // Router is always ready, so `call` without `poll_ready` is fine.
        self.router.clone().call(request)
    }
}

/// The error a request body fails with when it is still arriving at its deadline; the
/// JSON extractor turns it into `408 request_timeout` (`error::ApiError::BodyTimeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyDeadlineExceeded;

impl std::fmt::Display for BodyDeadlineExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive in time")
    }
}

impl std::error::Error for BodyDeadlineExceeded {}

/// A request body that fails once `deadline` passes while it is still waiting for bytes.
/// The timer is only made if the body ever has to wait, so bodiless requests cost nothing.
struct DeadlineBody<B> {
    inner: B,
    deadline: Instant,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<B> Body for DeadlineBody<B>
where
    B: Body + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = B::Data;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        let deadline = this.deadline;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyDeadlineExceeded)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// When a connection last moved a byte, and whether it has read one, shared between its IO
/// and its timers.
#[derive(Clone)]
struct Activity {
    start: Instant,
    last_ms: Arc<AtomicU64>,
    first_read: Arc<FirstRead>,
}

#[derive(Default)]
struct FirstRead {
    seen: AtomicBool,
    notify: Notify,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
            first_read: Arc::default(),
        }
    }

    fn read(&self) {
        self.touch();
        if !self.first_read.seen.swap(true, Ordering::AcqRel) {
            // Stored if nobody waits yet, so a later `first_read` still returns.
            self.first_read.notify.notify_one();
        }
    }

    fn has_read(&self) -> bool {
        self.first_read.seen.load(Ordering::Acquire)
    }

    /// Resolves once the client has sent a byte (of a request, after any TLS handshake).
    async fn first_read(&self) {
        if !self.has_read() {
            self.first_read.notify.notified().await;
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let last = self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
            let deadline = last + limit;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// IO that records activity on every successful read or write.
struct Tracked<T> {
    inner: T,
    activity: Activity,
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
