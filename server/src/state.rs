//! `AppState`: what every handler shares. Its own module, so the routes and `startup`
//! (which builds it and serves the routes) both depend on it and not on each other.

use std::sync::Arc;

use tokio::sync::watch;

use crate::abuse::AbuseControls;
use crate::live::LiveCampaigns;
use crate::metrics::Metrics;
use crate::wall::LiveWalls;

/// Shared by every handler; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub campaigns: Arc<LiveCampaigns>,
    /// The public signer walls, in memory (issue 14).
    pub walls: Arc<LiveWalls>,
    pub abuse: Arc<AbuseControls>,
    pub public_origin: Arc<str>,
    /// Request counts and latencies for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The organiser console's sign-in limits and refused origins (issue 15).
    pub console: Arc<crate::console::ConsoleState>,
    /// Flips to `true` on shutdown so long-lived SSE streams end.
    pub shutdown: watch::Receiver<bool>,
}
