//! The accept loop: our own loop instead of `axum::serve`, so connection-level limits live
//! in one place (head timeout, body deadline, header size, connection caps overall and per
//! client, idle timeout, HTTP/2 streams and pings) and the same loop can terminate TLS
//! ([`tls`]).
//!
//! Plain listeners speak HTTP/1.1 only (no h2c). TLS listeners pick HTTP/2 or HTTP/1.1 by
//! ALPN, so hyper never has to sniff the protocol: its version sniffing has no timeout
//! (hyperium/hyper#3962), while a fixed protocol keeps the head timeout from the first byte.
//! A plain connection's first request head is read here ([`first_head`]): a live stream is
//! written without hyper ([`response_writer`]), everything else goes to hyper
//! ([`connection`]).

pub mod activation;
mod activity;
mod connection;
mod deadline_body;
mod first_head;
mod response_writer;
pub mod tls;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::abuse::client_addr::{TrustedProxies, network_of};
use connection::{Connection, Held, Protocols};

pub use deadline_body::BodyDeadlineExceeded;

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
pub(super) struct ClientSlot {
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
            _held: Held {
                _open: crate::metrics::OpenConnection::count(),
                _slot: slot,
                _permit: permit,
            },
        };
        // Two task types, so a plain connection's task is not sized for a TLS one's.
        match tls.clone() {
            None => tokio::spawn(connection.run_plain(tcp)),
            Some(acceptor) => tokio::spawn(connection.run_tls(tcp, acceptor)),
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
