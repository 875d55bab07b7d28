//! The honeypot's second chance. A post whose hidden trap field is filled may still come from
//! a person (a form-filler or password manager that fills every field it finds), so it is
//! never a dead end: it is taken only with a proof of work at the hardest level (the
//! campaign's difficulty, or the default when it asks for none, doubled
//! [`proof::MAX_DOUBLINGS`] times), and its network gets challenges at that level for a while,
//! which a widget fetches when told `proof_required`. A bot that fills the trap pays 16 times
//! the work for every signature from that network; a person waits a few seconds once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::proof;

/// How long a network that filled the trap gets the hardest challenges: a challenge's
/// default lifetime, so the one it fetches next is at that level.
pub const TRAP_MEMORY: Duration = proof::DEFAULT_TTL;

/// Past this many remembered networks, expired ones are swept so memory stays bounded.
const SWEEP_ABOVE: usize = 10_000;

/// The difficulty a trapped post's proof must have: `base` (the campaign's, or
/// [`proof::DEFAULT_MAXNUMBER`] for a campaign that asks for no proof) at its hardest level.
pub fn trap_maxnumber(base: u32) -> u32 {
    proof::scaled_maxnumber(base, proof::MAX_DOUBLINGS)
}

/// Networks whose posts filled the trap recently.
#[derive(Debug, Default)]
pub struct TrapMemory {
    seen: Mutex<HashMap<IpAddr, Instant>>,
}

impl TrapMemory {
    /// Remembers that `network` filled the trap at `now`.
    pub fn remember(&self, network: IpAddr, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > SWEEP_ABOVE {
            seen.retain(|_, at| now.saturating_duration_since(*at) < TRAP_MEMORY);
        }
        seen.insert(network, now);
    }

    /// Whether `network` filled the trap within [`TRAP_MEMORY`] before `now`.
    pub fn recent(&self, network: IpAddr, now: Instant) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.get(&network)
            .is_some_and(|at| now.saturating_duration_since(*at) < TRAP_MEMORY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_is_remembered_for_a_while_then_forgotten() {
        let memory = TrapMemory::default();
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t0 = Instant::now();
        assert!(!memory.recent(a, t0));
        memory.remember(a, t0);
        assert!(memory.recent(a, t0 + TRAP_MEMORY - Duration::from_secs(1)));
        assert!(!memory.recent(b, t0));
        assert!(!memory.recent(a, t0 + TRAP_MEMORY));
    }

    #[test]
    fn the_trap_level_is_the_hardest_the_campaign_accepts() {
        assert_eq!(trap_maxnumber(50_000), 800_000);
        assert_eq!(trap_maxnumber(2_000), 32_000);
        // Never past what the widget takes on, unless the campaign's own is already.
        assert_eq!(trap_maxnumber(5_000_000), proof::WIDGET_MAXNUMBER);
    }
}
