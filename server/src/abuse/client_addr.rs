//! Who is asking: the client address behind rate limits, stream caps and holds.
//!
//! The TCP peer is the client, unless the peer is one of the operator's trusted proxies
//! (`--trusted-proxy`); then the right-most `X-Forwarded-For` entry that is not itself a
//! trusted proxy is. A client that connects directly cannot choose its address by sending
//! `X-Forwarded-For`: the header is only read when a trusted proxy delivered the request.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{HeaderMap, request::Parts};
use ipnet::IpNet;

use crate::state::AppState;

/// The operator's proxies, as networks (`10.0.0.0/8`, `::1/128`; a bare address is one host).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    /// Parses `CIDR[,CIDR...]` (the form of `PLEDGE_TRUSTED_PROXIES`); blanks are skipped.
    pub fn parse_list(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_network)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One `--trusted-proxy` value: `CIDR` or a bare address.
pub fn parse_network(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    IpNet::from_str(raw)
        .or_else(|_| IpAddr::from_str(raw).map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| format!("{raw:?} is not an address or CIDR like 10.0.0.0/8 or ::1"))
}

/// The client address: see the module doc. `peer` is the TCP peer.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    // Several X-Forwarded-For lines form one list, in order.
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        // An entry we cannot read was written by whoever is left of the last trusted hop,
        // so the best we know is that hop.
        let Some(ip) = parse_forwarded_entry(entry) else {
            break;
        };
        client = ip;
        if !trusted.contains(ip) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
pub fn parse_forwarded_entry(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    if let Ok(ip) = IpAddr::from_str(raw) {
        return Some(canonical(ip));
    }
    SocketAddr::from_str(raw).ok().map(|a| canonical(a.ip()))
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) as plain IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The network a client is counted by: its IPv4 address, or its IPv6 /64 (one
/// subscriber usually holds a whole /64, so per-address keys would be free to evade).
pub fn network_of(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// The client address of a request (`None` only when a test drives the router without
/// connect info).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// The client's network ([`network_of`]), the key of every per-client limit.
    pub fn network(&self) -> Option<IpAddr> {
        self.0.map(network_of)
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(
            |ConnectInfo(addr)| resolve(addr.ip(), &parts.headers, &state.abuse.trusted_proxies),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn direct_client_cannot_forge() {
        let trusted = TrustedProxies::parse_list("10.0.0.0/8").unwrap();
        let h = xff(&["1.2.3.4"]);
        assert_eq!(resolve(ip("203.0.113.9"), &h, &trusted), ip("203.0.113.9"));
        assert_eq!(
            resolve(ip("203.0.113.9"), &h, &TrustedProxies::default()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn right_most_untrusted_entry_wins() {
        let trusted = TrustedProxies::parse_list("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client forged "6.6.6.6"; its real address was appended by the proxies.
        let h = xff(&["6.6.6.6, 198.51.100.7", "10.1.1.1"]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &trusted), ip("198.51.100.7"));
        // Only trusted hops: the left-most of them.
        let h = xff(&["10.9.9.9, 192.168.1.1"]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &trusted), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(
            resolve(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
        // Garbage right of the client: stop at the last trusted hop.
        let h = xff(&["6.6.6.6, unknown, 10.1.1.1"]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &trusted), ip("10.1.1.1"));
        // Ports and brackets.
        let h = xff(&["[2001:db8::5]:443"]);
        assert_eq!(resolve(ip("10.0.0.2"), &h, &trusted), ip("2001:db8::5"));
    }

    #[test]
    fn ipv6_is_keyed_by_slash_64() {
        let a = network_of(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        let b = network_of(ip("2001:db8:1:2::1"));
        let c = network_of(ip("2001:db8:1:3::1"));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, ip("2001:db8:1:2::"));
        assert_eq!(network_of(ip("192.0.2.1")), ip("192.0.2.1"));
        assert_ne!(network_of(ip("192.0.2.1")), network_of(ip("192.0.2.2")));
        // A dual-stack socket's mapped IPv4 counts as that IPv4.
        assert_eq!(network_of(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn trusted_proxy_specs() {
        assert!(parse_network("::1").is_ok());
        assert!(parse_network("127.0.0.1/32").is_ok());
        assert!(
            parse_network("10.1.2.3/8")
                .unwrap()
                .contains(&ip("10.200.0.1"))
        );
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("proxy.example").is_err());
        assert!(TrustedProxies::parse_list("").unwrap().is_empty());
        assert!(
            TrustedProxies::parse_list("127.0.0.1,::1")
                .unwrap()
                .contains(ip("::ffff:127.0.0.1"))
        );
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in any::<String>(), peer in any::<[u8; 16]>()) {
            let _ = parse_network(&s);
            let _ = TrustedProxies::parse_list(&s);
            let _ = parse_forwarded_entry(&s);
            if let Ok(v) = HeaderValue::from_str(&s) {
                let mut h = HeaderMap::new();
                h.insert("x-forwarded-for", v);
                let all = TrustedProxies::parse_list("0.0.0.0/0,::/0").unwrap();
                let _ = resolve(IpAddr::from(peer), &h, &all);
            }
        }
    }
}
