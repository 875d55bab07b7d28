//! Fixed-window limits on signature posts, the source of `429 rate_limited`: one window
//! per client network (IPv4 address or IPv6 /64, see `client_addr`) and one per campaign,
//! a ceiling that holds however many addresses a flood comes from.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many tracked keys, expired windows are swept so memory stays bounded.
const SWEEP_ABOVE: usize = 10_000;

/// `limit` uses per `window` for each key; `limit == 0` disables it.
#[derive(Debug)]
pub struct FixedWindow<K> {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Hash + Eq> FixedWindow<K> {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one use; `Err(seconds to wait, ≥ 1)` when `key` used up its window.
    pub fn check(&self, key: K) -> Result<(), u64> {
        if self.limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let (start, used) = windows.entry(key).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            *start = now;
            *used = 0;
        }
        if *used >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(*start));
            // Round up, so a client that waits exactly this long finds the window open.
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        *used += 1;
        Ok(())
    }
}

/// Both limits on `POST .../signatures`.
#[derive(Debug)]
pub struct RateLimiter {
    per_client: FixedWindow<IpAddr>,
    per_campaign: FixedWindow<i64>,
}

impl RateLimiter {
    /// `per_client` posts per window per client network, `per_campaign` per window per
    /// campaign (each 0 = off); the window is a minute outside tests.
    pub fn new(per_client: u32, per_campaign: u32, window: Duration) -> Self {
        Self {
            per_client: FixedWindow::new(per_client, window),
            per_campaign: FixedWindow::new(per_campaign, window),
        }
    }

    /// Takes one post from the client's window, first thing. `network` is the client's
    /// `client_addr::network_of` (absent without connect info).
    pub fn check_client(&self, network: Option<IpAddr>) -> Result<(), u64> {
        network.map_or(Ok(()), |n| self.per_client.check(n))
    }

    /// Takes one post from the campaign's window: only for posts that passed validation
    /// and proof of work, so refused junk cannot lock out real signers.
    pub fn check_campaign(&self, campaign_id: i64) -> Result<(), u64> {
        self.per_campaign.check(campaign_id)
    }

    /// Both, in order; a post refused for its client does not use up the campaign's window.
    #[cfg(test)]
    pub fn check(&self, network: Option<IpAddr>, campaign_id: i64) -> Result<(), u64> {
        self.check_client(network)?;
        self.check_campaign(campaign_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn limits_per_network() {
        let limiter = RateLimiter::new(2, 0, MINUTE);
        let a = Some(IpAddr::from([127, 0, 0, 1]));
        let b = Some(IpAddr::from([127, 0, 0, 2]));
        assert!(limiter.check(a, 1).is_ok());
        assert!(limiter.check(a, 1).is_ok());
        assert_eq!(limiter.check(a, 1), Err(60));
        assert!(limiter.check(b, 1).is_ok());
        assert!(RateLimiter::new(0, 0, MINUTE).check(a, 1).is_ok());
    }

    #[test]
    fn limits_per_campaign_across_networks() {
        let limiter = RateLimiter::new(0, 2, MINUTE);
        for i in 0..2u8 {
            assert!(limiter.check(Some(IpAddr::from([10, 0, 0, i])), 7).is_ok());
        }
        assert!(limiter.check(Some(IpAddr::from([10, 0, 0, 9])), 7).is_err());
        assert!(limiter.check(None, 7).is_err());
        assert!(limiter.check(None, 8).is_ok());
    }

    #[test]
    fn window_reopens() {
        let limiter = FixedWindow::new(1, Duration::from_millis(50));
        assert!(limiter.check(1).is_ok());
        assert_eq!(limiter.check(1), Err(1));
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.check(1).is_ok());
    }
}
