//! Retention after close: the sweep `serve` runs.

use std::time::Duration;

use serde_json::Value;
use tokio::time::{sleep, timeout};

use super::*;
use crate::helpers::{PARTNER, SLUG, TIMEOUT};

/// Moves the campaign's `closed_at` back to 2000, as if it had been closed for decades.
async fn closed_long_ago(db_url: &str, slug: &str) {
    use sqlx::Connection;
    // Both stores read this literal as a time (SQLite text, PostgreSQL timestamptz).
    let sql = "UPDATE campaigns SET closed_at = '2000-01-01T00:00:00.000Z' WHERE slug = $1";
    if crate::helpers::on_postgres() {
        let mut db = sqlx::PgConnection::connect(db_url).await.unwrap();
        sqlx::query(sql).bind(slug).execute(&mut db).await.unwrap();
    } else {
        let mut db = sqlx::SqliteConnection::connect(db_url).await.unwrap();
        sqlx::query(sql).bind(slug).execute(&mut db).await.unwrap();
    }
}

#[tokio::test]
async fn serve_deletes_personal_data_once_a_closed_campaign_is_past_its_retention() {
    use crate::helpers::{REVEAL_SLUG, spawn_app_in};
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_in(dir.clone(), 0).await;
    for email in ["ada@example.org", "bob@example.org"] {
        assert_eq!(post_from(&app, SLUG, PARTNER, email).await.status(), 201);
    }
    assert_eq!(
        post_from(&app, REVEAL_SLUG, PARTNER, "ada@example.org")
            .await
            .status(),
        201
    );
    ok(&app, &["campaign", "edit", SLUG, "--retention-days", "30"]).await;
    for slug in [SLUG, REVEAL_SLUG] {
        ok(&app, &["campaign", "close", slug]).await;
    }
    // SLUG: closed past its 30 days. REVEAL_SLUG: as long ago, but keeps data (no retention).
    closed_long_ago(&app.db_url, SLUG).await;
    closed_long_ago(&app.db_url, REVEAL_SLUG).await;
    let before = ok(&app, &["campaign", "export", SLUG]).await;
    assert!(before.contains("ada@example.org"), "{before}");
    app.stop().await;

    // The sweep runs when `serve` starts (and hourly).
    let app = spawn_app_in(dir, 0).await;
    let swept = timeout(TIMEOUT, async {
        loop {
            let csv = ok(&app, &["campaign", "export", SLUG]).await;
            if !csv.contains("@example.org") {
                return csv;
            }
            sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the sweep clears the expired campaign");
    assert_eq!(swept.lines().count(), 3, "both rows stay: {swept}");
    assert!(
        !swept.contains("Ada Lovelace") && !swept.contains("The Engines"),
        "{swept}"
    );
    assert!(
        swept.contains("I agree."),
        "the consent record stays: {swept}"
    );
    assert_eq!(app.count().await, 2, "the count stays");
    let check = ok(&app, &["check"]).await;
    assert!(
        check.contains("ok: every campaign's count matches"),
        "{check}"
    );
    let kept = ok(&app, &["campaign", "export", REVEAL_SLUG]).await;
    assert!(
        kept.contains("ada@example.org"),
        "no retention: kept: {kept}"
    );
    let export: Value = serde_json::from_str(
        &ok(&app, &["supporter", "export", "--email", "ada@example.org"]).await,
    )
    .unwrap();
    let campaigns: Vec<&str> = export["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["campaign"].as_str().unwrap())
        .collect();
    assert_eq!(campaigns, [REVEAL_SLUG]);
    let err = refused(&app, &["campaign", "edit", SLUG, "--retention-days", "0"]).await;
    assert!(err.contains("--retention-days"), "{err}");
}
