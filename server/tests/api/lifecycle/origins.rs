//! Any origin by default; restricted campaigns and `campaign origin`.

use std::time::Duration;

use tokio::time::{sleep, timeout};

use super::*;
use crate::helpers::{TIMEOUT, spawn_app};

#[tokio::test]
async fn a_new_campaign_takes_signatures_from_any_origin() {
    let app = spawn_app().await;
    ok(
        &app,
        &["campaign", "create", "open-pledge", "--title", "Open"]
            .into_iter()
            .chain(LIKE_THE_TEST_SIGNATURE.iter().copied())
            .collect::<Vec<_>>(),
    )
    .await;
    let stranger = "https://never-seen.example";
    let r = preflight(&app, "open-pledge", stranger).await;
    assert_eq!(r.status(), 204);
    assert_eq!(allowed_origin(&r).as_deref(), Some("*"));
    let r = post_from(&app, "open-pledge", stranger, "ada@example.org").await;
    assert_eq!(allowed_origin(&r).as_deref(), Some("*"));
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(allowed_origin(&r).as_deref(), Some("*"));
    let list = ok(&app, &["campaign", "origin", "list", "open-pledge"]).await;
    assert_eq!(list.trim(), "mode\tany");
    // Restricting needs a listed origin first.
    let err = refused(&app, &["campaign", "origin", "restrict", "open-pledge"]).await;
    assert!(err.contains("add an origin first"), "{err}");
}

#[tokio::test]
async fn a_restricted_campaign_refuses_other_origins_until_one_is_added() {
    let app = spawn_app().await;
    ok(
        &app,
        &[
            "campaign",
            "create",
            "shut-pledge",
            "--title",
            "Shut",
            "--allowed-origin",
            "HTTPS://Artist.Example/",
        ]
        .into_iter()
        .chain(LIKE_THE_TEST_SIGNATURE.iter().copied())
        .collect::<Vec<_>>(),
    )
    .await;
    let list = ok(&app, &["campaign", "origin", "list", "shut-pledge"]).await;
    assert_eq!(list.trim(), "mode\tlisted\nhttps://artist.example");
    let late = "https://late-artist.example";
    let r = preflight(&app, "shut-pledge", late).await;
    assert_eq!(allowed_origin(&r), None);
    let r = post_from(&app, "shut-pledge", late, "ada@example.org").await;
    assert_eq!(allowed_origin(&r), None, "the browser hides the answer");
    let r = preflight(&app, "shut-pledge", "https://artist.example").await;
    assert_eq!(
        allowed_origin(&r).as_deref(),
        Some("https://artist.example")
    );

    let out = ok(
        &app,
        &[
            "campaign",
            "origin",
            "add",
            "shut-pledge",
            "https://Late-Artist.example/",
        ],
    )
    .await;
    assert!(out.contains("listed https://late-artist.example"), "{out}");
    timeout(TIMEOUT, async {
        while allowed_origin(&preflight(&app, "shut-pledge", late).await).as_deref() != Some(late) {
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the added origin reaches the server");
    let r = post_from(&app, "shut-pledge", late, "bob@example.org").await;
    assert_eq!(r.status(), 201);

    ok(
        &app,
        &[
            "campaign",
            "origin",
            "remove",
            "shut-pledge",
            "https://artist.example",
        ],
    )
    .await;
    let err = refused(&app, &["campaign", "origin", "remove", "shut-pledge", late]).await;
    assert!(err.contains("refuse every signature"), "{err}");
    let err = refused(
        &app,
        &["campaign", "origin", "add", "shut-pledge", "artist.example"],
    )
    .await;
    assert!(
        err.contains("ORIGIN: \"artist.example\" is not an origin"),
        "{err}"
    );
    let err = refused(
        &app,
        &[
            "campaign",
            "origin",
            "remove",
            "shut-pledge",
            "https://x.example",
        ],
    )
    .await;
    assert!(err.contains("https://x.example is not among"), "{err}");

    timeout(TIMEOUT, async {
        while allowed_origin(&preflight(&app, "shut-pledge", "https://artist.example").await)
            .is_some()
        {
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the removed origin is refused");
    ok(&app, &["campaign", "origin", "any", "shut-pledge"]).await;
    timeout(TIMEOUT, async {
        while allowed_origin(&preflight(&app, "shut-pledge", "https://artist.example").await)
            .as_deref()
            != Some("*")
        {
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("any origin reaches the server");
}
