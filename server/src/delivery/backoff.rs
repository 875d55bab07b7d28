//! When to try a failed delivery again: exponential back-off with jitter, so a receiver
//! coming back is not hit by every instance's retries in the same second.

use std::time::Duration;

/// Retry schedule of failed deliveries; `Default` is production's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub base: Duration,
    /// No wait is longer than this.
    pub max: Duration,
    /// A delivery failing for this long is parked (the CLI lists and resends it).
    pub retry_window: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(10),
            max: Duration::from_secs(3600),
            retry_window: Duration::from_secs(24 * 3600),
        }
    }
}

impl Backoff {
    /// The wait after the `attempts`-th failed attempt (1 = the first): `base × 2^(n-1)`,
    /// capped at `max`, then a random point in its upper half ("equal jitter": never less
    /// than half the nominal wait, never two instances in lockstep).
    pub fn delay(&self, attempts: u32, random_unit: f64) -> Duration {
        let doublings = attempts.saturating_sub(1).min(30);
        let nominal = self.base.saturating_mul(1u32 << doublings).min(self.max);
        let unit = random_unit.clamp(0.0, 1.0);
        nominal.div_f64(2.0) + nominal.div_f64(2.0).mul_f64(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_with_jitter_in_the_upper_half() {
        let b = Backoff::default();
        assert_eq!(b.delay(1, 1.0), Duration::from_secs(10));
        assert_eq!(b.delay(1, 0.0), Duration::from_secs(5));
        assert_eq!(b.delay(2, 1.0), Duration::from_secs(20));
        assert_eq!(b.delay(4, 1.0), Duration::from_secs(80));
        assert_eq!(b.delay(20, 1.0), Duration::from_secs(3600));
        assert_eq!(b.delay(u32::MAX, 0.0), Duration::from_secs(1800));
        let d = b.delay(3, 0.5);
        assert!(d > Duration::from_secs(20) && d < Duration::from_secs(40));
    }

    /// A day of retries at the defaults: how many attempts before a delivery is parked.
    #[test]
    fn a_day_of_retries_is_a_few_dozen_attempts() {
        let b = Backoff::default();
        let (mut waited, mut attempts) = (Duration::ZERO, 1);
        while waited < b.retry_window {
            waited += b.delay(attempts, 1.0);
            attempts += 1;
        }
        assert!((25..=40).contains(&attempts), "{attempts}");
    }
}
