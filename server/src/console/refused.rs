//! Origins whose pages asked for a campaign and were refused by its CORS allow-list, as
//! this instance saw them since it started: the partners view lists them so an organiser
//! can allow a new artist's site in one click. Memory only and bounded: an `Origin`
//! header is any client's to forge, so this is a hint for a person, never a decision.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use crate::domain::Origin;

/// At most this many origins per campaign, and campaigns, are remembered.
const PER_CAMPAIGN: usize = 50;
const CAMPAIGNS: usize = 1000;

#[derive(Debug, Default)]
pub struct RefusedOrigins {
    seen: Mutex<HashMap<i64, BTreeMap<String, u64>>>,
}

impl RefusedOrigins {
    /// Counts a refused request from `raw` (an `Origin` header) to campaign `campaign_id`.
    pub fn record(&self, campaign_id: i64, raw: &str) {
        let Ok(origin) = Origin::parse(raw) else {
            return;
        };
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if !seen.contains_key(&campaign_id) && seen.len() >= CAMPAIGNS {
            return;
        }
        let origins = seen.entry(campaign_id).or_default();
        if let Some(n) = origins.get_mut(origin.as_ref()) {
            *n += 1;
        } else if origins.len() < PER_CAMPAIGN {
            origins.insert(origin.as_ref().to_owned(), 1);
        }
    }

    /// The campaign's refused origins with their counts, most first.
    pub fn of(&self, campaign_id: i64) -> Vec<(String, u64)> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut rows: Vec<(String, u64)> = seen
            .get(&campaign_id)
            .map(|o| o.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parsed_origins_within_bounds() {
        let r = RefusedOrigins::default();
        r.record(1, "https://Artist.example/");
        r.record(1, "https://artist.example");
        r.record(1, "null");
        for n in 0..100 {
            r.record(1, &format!("https://junk{n}.example"));
        }
        let rows = r.of(1);
        assert_eq!(rows[0], ("https://artist.example".to_owned(), 2));
        assert_eq!(rows.len(), PER_CAMPAIGN);
        assert!(r.of(2).is_empty());
    }
}
