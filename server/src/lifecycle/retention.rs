//! The retention sweep `serve` runs at start and hourly: signatures of campaigns closed
//! longer than their `retention_days` (`campaign edit --retention-days N`) lose their
//! personal data; the rows stay, so counts and the consent record do
//! (`SignatureStore::sweep_retention`). With several instances each sweeps; the sweep is
//! idempotent, so that costs one cheap query.

use std::time::Duration;

use tokio::sync::watch;

use crate::store::SignatureStore;

const EVERY: Duration = Duration::from_secs(3600);

/// Sweeps now, then every hour, until `stop`.
pub async fn sweep_hourly(store: SignatureStore, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => sweep(&store).await,
            () = crate::transport::stopped(&mut stop) => return,
        }
    }
}

async fn sweep(store: &SignatureStore) {
    match store.sweep_retention().await {
        Ok(0) => {}
        Ok(cleared) => tracing::info!(
            signatures = cleared,
            "retention: deleted the personal data of signatures of closed campaigns"
        ),
        Err(e) => tracing::warn!(error = %e, "retention sweep failed; trying again in an hour"),
    }
}
