//! `AbuseControls`: the settings and shared state behind every anti-abuse check — rate
//! limits, SSE caps, proof-of-work challenges, the honeypot-adjacent fill-time check and
//! holding signatures for review. Handlers ask it; the store records what it decides.

pub mod client_addr;
pub mod proof;
pub(crate) mod rate_limit;
pub mod secret;
pub(crate) mod streams;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::store::{HoldCheck, HoldPolicy};
use client_addr::TrustedProxies;
use proof::Challenges;
use rate_limit::RateLimiter;
use secret::SecretKey;
use streams::StreamLimits;

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
}

impl Default for AbuseSettings {
    fn default() -> Self {
        Self {
            campaign_rate_limit: 600,
            rate_limit_window: Duration::from_secs(60),
            trusted_proxies: TrustedProxies::default(),
            secret_key: None,
            challenge_ttl: proof::DEFAULT_TTL,
            hold_after: 5,
            max_streams_per_client: 8,
            max_streams: 10_000,
        }
    }
}

/// What a streams-capped client is told to wait before trying SSE again.
pub const STREAM_RETRY_AFTER_SECS: u64 = 30;

/// Shared by all handlers through `AppState`.
#[derive(Debug)]
pub struct AbuseControls {
    pub rate_limiter: RateLimiter,
    pub streams: Arc<StreamLimits>,
    pub challenges: Challenges,
    pub trusted_proxies: TrustedProxies,
    pub hold_after: u32,
    network_key: SecretKey,
}

/// How far back [`AbuseControls::hold_check`] counts a network's signatures.
pub const HOLD_WINDOW: Duration = Duration::from_secs(3600);

impl AbuseControls {
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
            network_key: key.derive(b"pledge-network"),
        })
    }

    /// The hold policy, for the store to apply inside the signature's transaction: hold a
    /// signature when its network already sent `hold_after` to the campaign in the last
    /// hour. `None` when holding is off.
    pub fn hold_check(&self) -> Option<HoldCheck<'_>> {
        (self.hold_after > 0).then_some(HoldCheck {
            window: HOLD_WINDOW,
            policy: self,
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
