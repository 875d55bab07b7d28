//! Group commit on SQLite (issue 13, item 3): signatures that arrive together share one
//! transaction, and each is still stored and answered exactly as if it had its own. About
//! the SQLite store itself, so it opens a SQLite file in both suites.

use futures_util::future::join_all;
use pledge_server::domain::{IdempotencyKey, NewSignature, SignatureRequest};
use pledge_server::store::{OpenMode, SignContext, SignOutcome, SignatureStore, Store};

use crate::helpers::{SLUG, create_test_campaign, signature};

const SIGNERS: usize = 100;

/// A hundred signatures polled together (one task, so every one is queued before the first
/// finishes its statements) are all stored and counted 1..=100 in one commit; a repeat of
/// one of them within the group is answered from the group's own rows.
#[tokio::test]
async fn signatures_that_arrive_together_share_one_commit() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("group.db").display());
    let store = SignatureStore::open(&url, OpenMode::Create).await.unwrap();
    create_test_campaign(&store, SLUG, 0, 0).await;
    let campaign = store.campaign(SLUG).await.unwrap().expect("campaign");
    let parse = |email: String| {
        let request: SignatureRequest = serde_json::from_value(signature(&email)).unwrap();
        NewSignature::parse(
            &request,
            &campaign.fields,
            campaign.allow_public_names,
            &campaign.consent_texts(),
        )
        .unwrap()
    };
    let signatures: Vec<NewSignature> = (0..SIGNERS)
        .map(|i| parse(format!("group{i}@example.org")))
        .collect();
    let keys: Vec<IdempotencyKey> = (0..SIGNERS)
        .map(|i| IdempotencyKey::parse(&format!("group-key-{i:04}")).unwrap())
        .collect();
    let SignatureStore::Sqlite(sqlite) = &store else {
        unreachable!("opened a SQLite file")
    };
    let before = sqlite.signature_commits();

    let mut attempts: Vec<_> = (0..SIGNERS)
        .map(|i| {
            store.sign(
                campaign.id,
                &keys[i],
                "hash",
                &signatures[i],
                SignContext::default(),
            )
        })
        .collect();
    // The same key and body again, in the same group: the first one's answer.
    attempts.push(store.sign(
        campaign.id,
        &keys[0],
        "hash",
        &signatures[0],
        SignContext::default(),
    ));
    let outcomes = join_all(attempts).await;

    let first = outcomes[0].clone();
    let mut counts: Vec<i64> = outcomes[..SIGNERS]
        .iter()
        .map(|o| match o {
            Ok(SignOutcome::Signed { count }) => *count,
            other => panic!("expected Signed, got {other:?}"),
        })
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=SIGNERS as i64).collect::<Vec<_>>());
    let Ok(SignOutcome::Signed { count: first }) = first else {
        unreachable!("checked above")
    };
    assert_eq!(
        outcomes[SIGNERS],
        Ok(SignOutcome::Replayed {
            signed: true,
            count: first
        })
    );
    assert_eq!(
        sqlite.signature_commits() - before,
        1,
        "one transaction for the whole group"
    );

    // Durable and whole: a fresh connection sees every row and the count.
    store.close().await;
    let reopened = SignatureStore::open(&url, OpenMode::ReadOnly)
        .await
        .unwrap();
    let stored = reopened.campaign(SLUG).await.unwrap().expect("campaign");
    assert_eq!(stored.count, SIGNERS as i64);
}
