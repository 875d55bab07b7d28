//! Fixed-window limits on signature posts, the source of `429 rate_limited`: one window
//! per client network (IPv4 address or IPv6 /64, see `client_addr`) and one per campaign,
//! a ceiling that holds however many addresses a flood comes from. Also [`RecentUses`], the
//! rate of challenges a network fetches, which sets their difficulty (`abuse`).
//!
//! Callers pass the time (`abuse::Clock`), so tests can play an hour without waiting.

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

    /// Takes one use at `now`; `Err(seconds to wait, ≥ 1)` when `key` used up its window.
    pub fn check(&self, key: K, now: Instant) -> Result<(), u64> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, (start, _)| now.saturating_duration_since(*start) < self.window);
        }
        let (start, used) = windows.entry(key).or_insert((now, 0));
        if now.saturating_duration_since(*start) >= self.window {
            *start = now;
            *used = 0;
        }
        if *used >= self.limit {
            let left = self
                .window
                .saturating_sub(now.saturating_duration_since(*start));
            // Round up, so a client that waits exactly this long finds the window open.
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        *used += 1;
        Ok(())
    }
}

/// How often each key was used in about the last `window`: the current fixed window's
/// count plus the previous window's, weighted by how much of it the last `window` still
/// covers (the usual sliding-window estimate, two counters per key).
#[derive(Debug)]
pub struct RecentUses<K> {
    window: Duration,
    /// Start of the current window, uses in the previous one, uses in this one.
    counts: Mutex<HashMap<K, (Instant, u32, u32)>>,
}

impl<K: Hash + Eq> RecentUses<K> {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one use of `key` at `now`; returns the uses in the last window, this one
    /// included (so at least 1).
    pub fn record(&self, key: K, now: Instant) -> u32 {
        let window = self.window.max(Duration::from_millis(1));
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > SWEEP_ABOVE {
            counts.retain(|_, (start, _, _)| now.saturating_duration_since(*start) < 2 * window);
        }
        let (start, previous, current) = counts.entry(key).or_insert((now, 0, 0));
        let elapsed = now.saturating_duration_since(*start);
        if elapsed >= 2 * window {
            (*start, *previous, *current) = (now, 0, 0);
        } else if elapsed >= window {
            *start += window;
            (*previous, *current) = (*current, 0);
        }
        *current = current.saturating_add(1);
        let into = now.saturating_duration_since(*start).as_secs_f64() / window.as_secs_f64();
        let overlap = (1.0 - into).clamp(0.0, 1.0);
        // Rounded down, then `current` (at least 1) on top: a whole number of uses.
        let carried = (f64::from(*previous) * overlap) as u32;
        current.saturating_add(carried)
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
    pub fn check_client(&self, network: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        network.map_or(Ok(()), |n| self.per_client.check(n, now))
    }

    /// Takes one post from the campaign's window: only for posts that passed validation
    /// and proof of work, so refused junk cannot lock out real signers.
    pub fn check_campaign(&self, campaign_id: i64, now: Instant) -> Result<(), u64> {
        self.per_campaign.check(campaign_id, now)
    }

    /// Both, in order; a post refused for its client does not use up the campaign's window.
    #[cfg(test)]
    pub fn check(&self, network: Option<IpAddr>, campaign_id: i64) -> Result<(), u64> {
        let now = Instant::now();
        self.check_client(network, now)?;
        self.check_campaign(campaign_id, now)
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
        let limiter = FixedWindow::new(1, MINUTE);
        let t0 = Instant::now();
        assert!(limiter.check(1, t0).is_ok());
        assert_eq!(limiter.check(1, t0 + Duration::from_millis(59_500)), Err(1));
        assert!(limiter.check(1, t0 + MINUTE).is_ok());
    }

    #[test]
    fn recent_uses_slide() {
        let uses = RecentUses::new(MINUTE);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        for _ in 0..59 {
            uses.record('a', t0);
        }
        assert_eq!(uses.record('a', t0), 60);
        assert_eq!(uses.record('b', t0), 1);
        // Half a minute into the next window, half of the previous one still counts.
        assert_eq!(uses.record('a', at(90)), 31);
        // A window later, only the previous window's single use, mostly gone.
        assert_eq!(uses.record('a', at(150)), 1);
        // After two quiet windows, nothing carries over.
        assert_eq!(uses.record('a', at(300)), 1);
    }
}
