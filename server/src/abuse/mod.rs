//! `AbuseControls`: the settings and shared state behind every anti-abuse check — rate
//! limits, SSE caps, proof-of-work challenges, the honeypot-adjacent fill-time check and
//! holding signatures for review. Handlers ask it; the store records what it decides.

pub mod client_addr;
pub mod proof;
pub(crate) mod rate_limit;
pub mod secret;
pub(crate) mod streams;
pub mod trap;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::store::{HoldCheck, HoldPolicy};
use client_addr::TrustedProxies;
use proof::Challenges;
use rate_limit::{RateLimiter, RecentUses};
use secret::SecretKey;
use streams::StreamLimits;
use trap::TrapMemory;

/// Default of `--rate-limit`: signature posts per minute per client network. A crowd on one
/// network (a venue's Wi-Fi, a carrier's NAT) signs 2,000 in ten minutes at 200 a minute;
/// a script goes faster.
pub const DEFAULT_CLIENT_RATE_LIMIT: u32 = 300;
/// Default of `--hold-after`: signatures per client network per campaign per hour before
/// the rest are held. A rally of 2,000 on one network fits with half as much again to spare;
/// a script that keeps going past it is held.
pub const DEFAULT_HOLD_AFTER: u32 = 3000;
/// Default of `--pow-raise-after`: challenges per minute per client network at the
/// campaign's own difficulty (what the old per-minute limit let one address post).
pub const DEFAULT_POW_RAISE_AFTER: u32 = 30;

/// Operator knobs (defaults in `Default`, documented in docs/api.md).
#[derive(Debug, Clone)]
pub struct AbuseSettings {
    /// Signature posts per window per campaign, from all clients together; 0 = off.
    pub campaign_rate_limit: u32,
    /// The window of both rate limits: a minute, shorter only in tests.
    pub rate_limit_window: Duration,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// HMAC key; `None` = a random key per start (challenges die with the process).
    pub secret_key: Option<SecretKey>,
    /// How long a challenge can be used.
    pub challenge_ttl: Duration,
    /// Hold signatures past this many per client network per campaign per hour; 0 = off.
    pub hold_after: u32,
    /// Open SSE streams per client network; 0 = no cap.
    pub max_streams_per_client: usize,
    /// Open SSE streams overall; 0 = no cap.
    pub max_streams: usize,
    /// Challenges per minute per client network at the campaign's difficulty; past it, the
    /// difficulty doubles each time the network's rate doubles. 0 = never raised.
    pub pow_raise_after: u32,
    /// The time the controls go by (tests move it forward instead of waiting).
    pub clock: Clock,
}

impl Default for AbuseSettings {
    fn default() -> Self {
        Self {
            campaign_rate_limit: 600,
            rate_limit_window: Duration::from_secs(60),
            trusted_proxies: TrustedProxies::default(),
            secret_key: None,
            challenge_ttl: proof::DEFAULT_TTL,
            hold_after: DEFAULT_HOLD_AFTER,
            max_streams_per_client: 8,
            max_streams: 10_000,
            pow_raise_after: DEFAULT_POW_RAISE_AFTER,
            clock: Clock::default(),
        }
    }
}

/// What a streams-capped client is told to wait before trying SSE again.
pub const STREAM_RETRY_AFTER_SECS: u64 = 30;

/// How many times to double the difficulty at `rate` challenges a minute: none below
/// `raise_after`, then one more each time the rate doubles (`raise_after` → 1,
/// `2 × raise_after` → 2, ...), at most [`proof::MAX_DOUBLINGS`].
fn doublings(rate: u32, raise_after: u32) -> u32 {
    if raise_after == 0 || rate < raise_after {
        return 0;
    }
    ((rate / raise_after).ilog2() + 1).min(proof::MAX_DOUBLINGS)
}

/// The time the abuse controls go by: the system's, plus an offset that only tests move
/// (to play an hour of signatures in seconds). Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicU64>,
}

impl Clock {
    /// Moves this clock (and its clones) forward: tests only.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }

    fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Monotonic time, for rate windows.
    pub fn now(&self) -> Instant {
        let now = Instant::now();
        now.checked_add(self.offset()).unwrap_or(now)
    }

    /// Seconds since the Unix epoch, for challenge times (0 if the clock is before it).
    pub fn unix_now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.saturating_add(self.offset()).as_secs())
    }

    /// Milliseconds since the Unix epoch (0 if the clock is before it): delivery schedules.
    pub fn unix_now_ms(&self) -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| {
            u64::try_from(d.saturating_add(self.offset()).as_millis()).unwrap_or(u64::MAX)
        })
    }
}

/// Shared by all handlers through `AppState`.
#[derive(Debug)]
pub struct AbuseControls {
    pub rate_limiter: RateLimiter,
    pub streams: Arc<StreamLimits>,
    pub challenges: Challenges,
    pub trusted_proxies: TrustedProxies,
    pub hold_after: u32,
    pub clock: Clock,
    /// Challenges issued per client network in about the last minute.
    challenge_rate: RecentUses<IpAddr>,
    pow_raise_after: u32,
    network_key: SecretKey,
    /// Networks whose posts filled the honeypot: their challenges are the hardest (`trap`).
    pub trapped: TrapMemory,
}

/// How far back [`AbuseControls::hold_check`] counts a network's signatures.
pub const HOLD_WINDOW: Duration = Duration::from_secs(3600);

impl AbuseControls {
    /// The difficulty of a challenge for `network` now, counting this challenge: the
    /// campaign's `base` up to `pow_raise_after` challenges a minute from the network, then
    /// doubled each time the rate doubles, at most [`proof::MAX_DOUBLINGS`] times. A crowd on
    /// one network pays a few times more hashes than one person; a script that fetches
    /// challenges as fast as it can pays the most, without anyone being refused or held.
    pub fn challenge_maxnumber(&self, network: Option<IpAddr>, base: u32) -> u32 {
        let Some(network) = network else {
            return base;
        };
        let rate = self.challenge_rate.record(network, self.clock.now());
        proof::scaled_maxnumber(base, doublings(rate, self.pow_raise_after))
    }

    /// `per_client_rate_limit` is `Settings::rate_limit_per_minute`.
    pub fn new(per_client_rate_limit: u32, settings: &AbuseSettings) -> anyhow::Result<Self> {
        let key = match &settings.secret_key {
            Some(key) => key.clone(),
            None => {
                tracing::warn!(
                    "no secret key configured (PLEDGE_SECRET_KEY or --secret-key-file): using a random one, so challenges issued before a restart will be refused after it and holds count afresh"
                );
                SecretKey::random()
                    .map_err(|e| anyhow::anyhow!("no random numbers for a secret key: {e}"))?
            }
        };
        Ok(Self {
            rate_limiter: RateLimiter::new(
                per_client_rate_limit,
                settings.campaign_rate_limit,
                settings.rate_limit_window,
            ),
            streams: Arc::new(StreamLimits::new(
                settings.max_streams_per_client,
                settings.max_streams,
            )),
            challenges: Challenges::new(&key, settings.challenge_ttl),
            trusted_proxies: settings.trusted_proxies.clone(),
            hold_after: settings.hold_after,
            clock: settings.clock.clone(),
            challenge_rate: RecentUses::new(Duration::from_secs(60)),
            pow_raise_after: settings.pow_raise_after,
            network_key: key.derive(b"pledge-network"),
            trapped: TrapMemory::default(),
        })
    }

    /// The hold policy, for the store to apply inside the signature's transaction: hold a
    /// signature when its network already sent `hold_after` to the campaign in the last
    /// hour. `None` when holding is off.
    pub fn hold_check(self: &Arc<Self>) -> Option<HoldCheck> {
        (self.hold_after > 0).then(|| HoldCheck {
            window: HOLD_WINDOW,
            policy: self.clone(),
        })
    }

    /// Keyed hash of a client network, stored with signatures to count per network without
    /// keeping addresses. Without the key, it cannot be reversed by trying all IPv4s.
    pub fn network_hash(&self, network: IpAddr) -> String {
        let bytes = match network {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        hex::encode(self.network_key.mac(&[&bytes]))
    }
}

impl HoldPolicy for AbuseControls {
    fn holds(&self, recent_from_network: i64) -> bool {
        self.hold_after > 0 && recent_from_network >= i64::from(self.hold_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difficulty_doubles_as_the_rate_doubles() {
        let at = |rate| doublings(rate, 30);
        assert_eq!([at(0), at(1), at(29)], [0, 0, 0]);
        assert_eq!([at(30), at(59)], [1, 1]);
        assert_eq!([at(60), at(119), at(120), at(239)], [2, 2, 3, 3]);
        assert_eq!([at(240), at(10_000), at(u32::MAX)], [4, 4, 4]);
        assert_eq!(doublings(u32::MAX, 0), 0);
    }

    #[test]
    fn a_network_fetching_fast_gets_harder_challenges() {
        let settings = AbuseSettings {
            secret_key: Some(SecretKey::random().unwrap()),
            pow_raise_after: 2,
            ..AbuseSettings::default()
        };
        let abuse = AbuseControls::new(0, &settings).unwrap();
        let a = Some(IpAddr::from([192, 0, 2, 1]));
        let seen: Vec<u32> = (0..20).map(|_| abuse.challenge_maxnumber(a, 100)).collect();
        assert_eq!(&seen[..5], &[100, 200, 200, 400, 400]);
        assert_eq!(seen[19], 1600);
        // Another network, and a request without an address, start at the campaign's own.
        assert_eq!(
            abuse.challenge_maxnumber(Some(IpAddr::from([192, 0, 2, 2])), 100),
            100
        );
        assert_eq!(abuse.challenge_maxnumber(None, 100), 100);
        // Two quiet minutes later the network is back to the campaign's difficulty.
        settings.clock.advance(Duration::from_secs(120));
        assert_eq!(abuse.challenge_maxnumber(a, 100), 100);
    }

    #[test]
    fn clones_share_the_offset() {
        let clock = Clock::default();
        let (t, u) = (clock.now(), clock.unix_now());
        clock.clone().advance(Duration::from_secs(3600));
        assert!(clock.now() >= t + Duration::from_secs(3600));
        assert!(clock.unix_now() >= u + 3600);
    }
}
