//! The email to a signer who chose to show their name carries a "take my name off the
//! public list" link (issue 14 item 2): the page asks first, the `POST` takes the name off
//! the open wall at once, the link works once, and the signature still counts.

use pledge_server::abuse::Clock;
use pledge_server::domain::PublicNames;
use pledge_server::store::confirmation::{ConfirmationEdit, ConfirmationStore};
use pledge_server::store::{OpenMode, SignatureStore, Store};
use serde_json::Value;

use super::smtp::SmtpServer;
use super::{follow, start_plain, wait_for_emails};
use crate::deliveries::wait_until_async;
use crate::helpers::{TestApp, create_campaign_with};

const WALL: &str = "wall-pledge";

/// A confirming campaign whose wall shows names at once.
async fn wall_app(smtp: &SmtpServer) -> TestApp {
    let app = start_plain(smtp, &Clock::default()).await;
    let store = SignatureStore::open(&app.db_url, OpenMode::Migrate)
        .await
        .unwrap();
    create_campaign_with(&store, WALL, |c| c.public_names = PublicNames::Immediate).await;
    let edit = ConfirmationEdit {
        confirm_email: Some(true),
        ..ConfirmationEdit::default()
    };
    assert!(store.edit_confirmation(WALL, &edit).await.unwrap());
    store.close().await;
    app
}

async fn sign(app: &TestApp, name: &str, email: &str, public: bool) {
    let mut body = crate::helpers::signature(email);
    body["name"] = name.into();
    body["public"] = public.into();
    let key = format!("key-{}", email.replace(['@', '.'], "-"));
    let r = app.post_to(WALL, &key, &body).await;
    assert_eq!(r.status(), 201);
}

async fn wall_names(app: &TestApp) -> Vec<String> {
    let page: Value = app
        .client
        .get(app.campaign_api(WALL, "/signers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["signers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_public_signer_can_take_their_name_off_the_wall_from_the_email() {
    let smtp = SmtpServer::start().await;
    let app = wall_app(&smtp).await;
    sign(&app, "Ada Lovelace", "ada@example.org", true).await;
    sign(&app, "Quiet Person", "quiet@example.org", false).await;
    wait_for_emails(&smtp, 2).await;
    let to = |who: &str| {
        (0..2)
            .map(|i| smtp.get(i))
            .find(|e| e.rcpt == [who])
            .expect("an email to each")
    };
    let ada = to("ada@example.org");
    assert!(
        !to("quiet@example.org").has_link("hide-name"),
        "only a signer who chose to show their name gets the link"
    );
    assert!(
        ada.part("text/html")
            .contains("Take my name off the public list")
    );
    let hide = ada.link("hide-name");
    assert_eq!(
        follow(&app, reqwest::Method::POST, &ada.link("confirm"))
            .await
            .0,
        200
    );
    wait_until_async("Ada is on the wall", || async {
        wall_names(&app).await == ["Ada Lovelace"]
    })
    .await;

    let (status, page) = follow(&app, reqwest::Method::GET, &hide).await;
    assert_eq!(status, 200);
    assert!(page.contains("<form method=\"post\""), "{page}");
    assert_eq!(
        wall_names(&app).await,
        ["Ada Lovelace"],
        "showing the page changes nothing"
    );

    let (status, page) = follow(&app, reqwest::Method::POST, &hide).await;
    assert_eq!(status, 200);
    assert!(page.contains("no longer on the public list"), "{page}");
    wait_until_async("Ada left the wall", || async {
        wall_names(&app).await.is_empty()
    })
    .await;
    assert_eq!(
        app.campaign_count(WALL).await,
        1,
        "the signature still counts"
    );

    let (status, page) = follow(&app, reqwest::Method::POST, &hide).await;
    assert_eq!(status, 200);
    assert!(page.contains("already used"), "{page}");
    let (status, page) = follow(&app, reqwest::Method::GET, &hide).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("<form"),
        "a used link offers nothing: {page}"
    );
    let bogus = format!("{}/email/hide-name/{}", app.address, "cd".repeat(32));
    assert_eq!(follow(&app, reqwest::Method::POST, &bogus).await.0, 404);
    app.stop().await;
}
