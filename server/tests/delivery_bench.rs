//! Measurements of deliveries (not pass/fail limits): latency from a signature's `201` to
//! its webhook request, and how fast a backlog drains once a receiver is back, one event
//! per request and in batches. Ignored in normal runs; run with
//!
//!   cargo test -p pledge-server --release --test delivery_bench -- --ignored --nocapture --test-threads 1
//!
//! (`PLEDGE_TEST_STORE=postgres DATABASE_URL=postgres://…` for PostgreSQL).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "api/receiver.rs"]
#[allow(dead_code)]
mod receiver;

use std::sync::Arc;
use std::time::{Duration, Instant};

use pledge_server::delivery::target::new_signing_secret;
use pledge_server::delivery::{Backoff, DeliverySettings};
use pledge_server::store::delivery::{DeliveryStore, NewTarget, TargetKind};
use pledge_server::store::{OpenMode, SignatureStore, Store};

use helpers::{SLUG, TestApp, signature, spawn_app_with};
use receiver::Receiver;

async fn app(poll: Duration) -> TestApp {
    spawn_app_with(Arc::new(tempfile::tempdir().unwrap()), move |s| {
        s.delivery = DeliverySettings {
            poll_interval: poll,
            backoff: Backoff {
                base: Duration::from_millis(20),
                max: Duration::from_millis(100),
                ..Backoff::default()
            },
            ..DeliverySettings::default()
        };
    })
    .await
}

async fn add_webhook(app: &TestApp, url: &str, batch: u32) {
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    store
        .add_target(&NewTarget {
            campaign_slug: SLUG.into(),
            kind: TargetKind::Webhook,
            url: url.into(),
            secret: Some(new_signing_secret().unwrap()),
            api_key_source: None,
            tags: vec![],
            events: vec!["signature.created".into()],
            batch_size: batch,
        })
        .await
        .unwrap()
        .unwrap();
    store.close().await;
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn latency_from_signature_to_webhook() {
    for poll_ms in [500_u64, 50] {
        let app = app(Duration::from_millis(poll_ms)).await;
        let receiver = Receiver::start().await;
        add_webhook(&app, &receiver.url("/lat"), 1).await;
        let mut latencies = Vec::new();
        for i in 0..40 {
            let body = signature(&format!("lat{i}@example.org"));
            let r = app
                .post_signature(&format!("latency-key-{i:04}"), &body)
                .await;
            assert_eq!(r.status(), 201);
            let acknowledged = Instant::now();
            while receiver.requests().len() <= i {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            latencies.push(acknowledged.elapsed());
            // Signatures arrive at random points of the poll cycle.
            tokio::time::sleep(Duration::from_millis(fastrand::u64(0..poll_ms))).await;
        }
        latencies.sort();
        println!(
            "poll {poll_ms} ms: 201 → webhook request, 40 signatures: median {:?}, p90 {:?}, max {:?}",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.9),
            latencies[latencies.len() - 1]
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn backlog_drain_rate() {
    const EVENTS: usize = 1000;
    for batch in [1_u32, 100] {
        let app = app(Duration::from_millis(50)).await;
        let mut receiver = Receiver::start().await;
        add_webhook(&app, &receiver.url("/drain"), batch).await;
        receiver.down().await;
        for i in 0..EVENTS {
            let body = signature(&format!("drain{i}@example.org"));
            let r = app
                .post_signature(&format!("drain-key-{i:05}"), &body)
                .await;
            assert_eq!(r.status(), 201);
        }
        let receiver = receiver.back().await;
        let started = Instant::now();
        let count = |r: &Receiver| -> usize {
            r.requests()
                .iter()
                .filter(|q| q.accepted())
                .map(|q| {
                    let v = q.json();
                    v.get("events")
                        .and_then(|e| e.as_array())
                        .map_or(1, Vec::len)
                })
                .sum()
        };
        while count(&receiver) < EVENTS {
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "drained in time"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let took = started.elapsed();
        println!(
            "backlog of {EVENTS} events, batch {batch}: drained in {took:?} ({:.0} events/s, {} requests)",
            EVENTS as f64 / took.as_secs_f64(),
            receiver.requests().len()
        );
        app.stop().await;
    }
}
