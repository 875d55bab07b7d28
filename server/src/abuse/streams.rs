//! Caps on open SSE streams, per client network and overall: each stream holds a task and
//! a socket for as long as a page is open, so past the caps viewers are told to poll the
//! count instead (`429 too_many_streams`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Open streams, counted per client network and in total.
#[derive(Debug)]
pub struct StreamLimits {
    per_client: usize,
    total: usize,
    open: Mutex<OpenStreams>,
}

#[derive(Debug, Default)]
struct OpenStreams {
    total: usize,
    by_network: HashMap<IpAddr, usize>,
}

/// One open stream; dropping it (when the stream ends) frees its place and logs how long
/// the stream lasted, under the request that opened it (its id).
#[derive(Debug)]
pub struct StreamPermit {
    limits: Arc<StreamLimits>,
    network: Option<IpAddr>,
    opened: Instant,
    span: tracing::Span,
}

impl StreamLimits {
    /// `per_client` streams per client network, `total` overall; 0 = no cap.
    pub fn new(per_client: usize, total: usize) -> Self {
        Self {
            per_client,
            total,
            open: Mutex::default(),
        }
    }

    /// A place for one more stream from `network`, or `None` past a cap.
    pub fn acquire(self: &Arc<Self>, network: Option<IpAddr>) -> Option<StreamPermit> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if self.total > 0 && open.total >= self.total {
            return None;
        }
        if let Some(net) = network {
            let mine = open.by_network.entry(net).or_insert(0);
            if self.per_client > 0 && *mine >= self.per_client {
                return None;
            }
            *mine += 1;
        }
        open.total += 1;
        Some(StreamPermit {
            limits: Arc::clone(self),
            network,
            opened: Instant::now(),
            span: tracing::Span::current(),
        })
    }

    pub fn open_total(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let seconds = self.opened.elapsed().as_secs();
        self.span
            .in_scope(|| tracing::info!(seconds, "live-count stream closed"));
        let mut open = self.limits.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(net) = self.network
            && let Some(n) = open.by_network.get_mut(&net)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.by_network.remove(&net);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_network_and_total() {
        let limits = Arc::new(StreamLimits::new(2, 3));
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        let a1 = limits.acquire(a).unwrap();
        let _a2 = limits.acquire(a).unwrap();
        assert!(limits.acquire(a).is_none());
        let _b1 = limits.acquire(b).unwrap();
        assert!(limits.acquire(b).is_none(), "total cap");
        drop(a1);
        assert_eq!(limits.open_total(), 2);
        assert!(limits.acquire(a).is_some());
    }
}
