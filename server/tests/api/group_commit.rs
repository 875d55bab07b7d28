//! Group commit on SQLite (issue 13, item 3): signatures that arrive together share one
//! transaction, and each is still stored and answered exactly as if it had its own. About
//! the SQLite store itself, so it opens a SQLite file in both suites.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use pledge_server::domain::{IdempotencyKey, NewSignature, SignatureRequest};
use pledge_server::store::{OpenMode, SignContext, SignOutcome, SignatureStore, Store};

use crate::helpers::{SLUG, create_test_campaign, signature};

const SIGNERS: usize = 100;

/// A hundred signatures that arrive while a write is under way (the writer queue held, as a
/// slow fsync holds it) are all stored and counted 1..=100 in one commit once it is free; a
/// repeat of one of them within the group is answered from the group's own rows.
///
/// The test holds the writer queue until every signer has queued (`signers_queued`): polling
/// them together was not enough, since a signer counts as queued only once it reaches the
/// group, and under load the first could finish before the last got there (2 commits, seen
/// in a CI-like run).
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
    let writers = sqlite.hold_writers().await;
    let release = async {
        // All but the first (which began the group and waits for the writer queue).
        let queued = SIGNERS;
        tokio::time::timeout(crate::helpers::TIMEOUT, async {
            while sqlite.signers_queued() < queued {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{} of {queued} signers queued", sqlite.signers_queued()));
        drop(writers);
    };
    let (outcomes, ()) = tokio::join!(poll_all_each_time(attempts), release);

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

/// Like `join_all`, but every pending future is polled on every wake-up, in order. (`join_all`
/// of more than 30 futures polls at most 32 per turn and yields, so some would join only after
/// the first group had committed: the grouping this test counts would depend on timing.)
async fn poll_all_each_time<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    poll_fn(|cx| {
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none()
                && let Poll::Ready(done) = future.as_mut().poll(cx)
            {
                *output = Some(done);
            }
        }
        if outputs.iter().all(Option::is_some) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("all ready")).collect()
}
