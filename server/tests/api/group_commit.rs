//! Group commit on SQLite (issue 13, item 3): signatures that arrive together share one
//! transaction, and each is still stored and answered exactly as if it had its own. About
//! the SQLite store itself, so it opens a SQLite file in both suites.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use std::sync::Arc;
use std::time::Duration;

use pledge_server::domain::{IdempotencyKey, NewSignature, SignatureRequest};
use pledge_server::store::{
    Campaign, HoldCheck, HoldPolicy, OpenMode, SignContext, SignOutcome, SignatureStore,
    SqliteStore, Store, StoreError, StoreResult,
};

use crate::helpers::{SLUG, create_test_campaign, signature};

const SIGNERS: usize = 100;

/// A hundred signatures that arrive while a write is under way (the writer queue held, as a
/// slow fsync holds it) are all stored and counted 1..=100 in one commit once it is free; a
/// repeat of one of them within the group is answered from the group's own rows.
///
/// The test holds the writer queue until every signer has queued (`sign_as_one_group`):
/// polling them together was not enough, since a signer counts as queued only once it reaches
/// the group, and under load the first could finish before the last got there (2 commits,
/// seen in a CI-like run).
#[tokio::test]
async fn signatures_that_arrive_together_share_one_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (url, store, campaign) = open_store(&dir).await;
    let signatures: Vec<NewSignature> = (0..SIGNERS)
        .map(|i| new_signature(&campaign, &format!("group{i}@example.org")))
        .collect();
    let keys: Vec<IdempotencyKey> = (0..SIGNERS)
        .map(|i| IdempotencyKey::parse(&format!("group-key-{i:04}")).unwrap())
        .collect();
    let sqlite = sqlite(&store);
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
    let outcomes = sign_as_one_group(sqlite, attempts).await;

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

/// Holds a network once it sent `0` signatures to the campaign within the window.
#[derive(Debug)]
struct HoldAfter(i64);

impl HoldPolicy for HoldAfter {
    fn holds(&self, recent_from_network: i64) -> bool {
        recent_from_network >= self.0
    }
}

/// A SQLite store in a temporary folder with the test campaign.
async fn open_store(dir: &tempfile::TempDir) -> (String, SignatureStore, Campaign) {
    let url = format!("sqlite://{}", dir.path().join("group.db").display());
    let store = SignatureStore::open(&url, OpenMode::Create).await.unwrap();
    create_test_campaign(&store, SLUG, 0, 0).await;
    let campaign = store.campaign(SLUG).await.unwrap().expect("campaign");
    (url, store, campaign)
}

fn new_signature(campaign: &Campaign, email: &str) -> NewSignature {
    let request: SignatureRequest = serde_json::from_value(signature(email)).unwrap();
    NewSignature::parse(
        &request,
        &campaign.fields,
        campaign.allow_public_names,
        &campaign.consent_texts(),
    )
    .unwrap()
}

fn sqlite(store: &SignatureStore) -> &SqliteStore {
    let SignatureStore::Sqlite(sqlite) = store else {
        unreachable!("opened a SQLite file")
    };
    sqlite
}

/// Runs `attempts` as one group: the writer queue is held until every one has queued.
async fn sign_as_one_group<F: Future<Output = StoreResult<SignOutcome>>>(
    sqlite: &SqliteStore,
    attempts: Vec<F>,
) -> Vec<StoreResult<SignOutcome>> {
    let queued = attempts.len();
    let writers = sqlite.hold_writers().await;
    let release = async {
        tokio::time::timeout(crate::helpers::TIMEOUT, async {
            while sqlite.signers_queued() < queued {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{} of {queued} signers queued", sqlite.signers_queued()));
        drop(writers);
    };
    tokio::join!(poll_all_each_time(attempts), release).0
}

/// One group holding new signatures, a held one, repeated emails and retried keys answers
/// each exactly as signing them one after another would: the group's statements see what
/// its earlier members stored (their emails, keys, and the network's signatures that the
/// hold policy counts).
#[tokio::test]
async fn a_group_answers_repeats_holds_and_retries_as_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let (url, store, campaign) = open_store(&dir).await;
    let sqlite = sqlite(&store);
    let hold = HoldCheck {
        window: Duration::from_secs(3600),
        policy: Arc::new(HoldAfter(2)),
    };
    let from_network = SignContext {
        network_hash: Some("network-a"),
        hold: Some(hold.clone()),
        ..SignContext::default()
    };
    // (email, key, request hash, from the held network)
    let posts = [
        ("a@example.org", "group-key-a", "hash-a", true),
        ("b@example.org", "group-key-b", "hash-b", true),
        ("c@example.org", "group-key-c", "hash-c", true), // the network's third: held
        ("a@example.org", "group-key-a2", "hash-a2", false), // a's email again
        ("c@example.org", "group-key-c2", "hash-c2", false), // the held one's email again
        ("c@example.org", "group-key-c", "hash-c", true), // the held one's retry
        ("a@example.org", "group-key-a", "other-body", false), // a's key, another body
        ("d@example.org", "group-key-d", "hash-d", false),
    ];
    let signatures: Vec<NewSignature> = posts
        .iter()
        .map(|(email, ..)| new_signature(&campaign, email))
        .collect();
    let keys: Vec<IdempotencyKey> = posts
        .iter()
        .map(|(_, key, ..)| IdempotencyKey::parse(key).unwrap())
        .collect();
    let before = sqlite.signature_commits();
    let attempts: Vec<_> = posts
        .iter()
        .enumerate()
        .map(|(i, (_, _, hash, networked))| {
            let ctx = if *networked {
                from_network.clone()
            } else {
                SignContext::default()
            };
            store.sign(campaign.id, &keys[i], hash, &signatures[i], ctx)
        })
        .collect();
    let outcomes = sign_as_one_group(sqlite, attempts).await;

    assert_eq!(
        outcomes,
        vec![
            Ok(SignOutcome::Signed { count: 1 }),
            Ok(SignOutcome::Signed { count: 2 }),
            Ok(SignOutcome::Held { count: 2 }),
            Ok(SignOutcome::AlreadySigned { count: 2 }),
            Ok(SignOutcome::AlreadySigned { count: 2 }),
            // Its sender was told it counted (2 + 1); the retry hears the same.
            Ok(SignOutcome::Replayed {
                signed: true,
                count: 3
            }),
            Ok(SignOutcome::KeyReused),
            Ok(SignOutcome::Signed { count: 3 }),
        ]
    );
    assert_eq!(sqlite.signature_commits() - before, 1, "one group");

    // What the group stored answers the next group as it answered within the group.
    let retry = store
        .sign(
            campaign.id,
            &keys[2],
            "hash-c",
            &signatures[2],
            from_network.clone(),
        )
        .await;
    assert_eq!(
        retry,
        Ok(SignOutcome::Replayed {
            signed: true,
            count: 3
        })
    );
    let again = new_signature(&campaign, "e@example.org");
    let held_too = store
        .sign(
            campaign.id,
            &IdempotencyKey::parse("group-key-e").unwrap(),
            "hash-e",
            &again,
            from_network,
        )
        .await;
    assert_eq!(held_too, Ok(SignOutcome::Held { count: 3 }));
    store.close().await;

    let reopened = SignatureStore::open(&url, OpenMode::ReadOnly)
        .await
        .unwrap();
    assert_eq!(reopened.campaign(SLUG).await.unwrap().unwrap().count, 3);
    let held: Vec<String> = reopened
        .held(campaign.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.email)
        .collect();
    assert_eq!(held, ["c@example.org", "e@example.org"]);
    assert_eq!(reopened.all_signatures(campaign.id).await.unwrap().len(), 5);
}

/// A row the database refuses (here a trigger's `RAISE`, standing for any constraint) fails
/// its own signer only: the group's statements are undone and each member signs on its own,
/// in the same transaction, so the others are stored, counted and answered in order.
#[tokio::test]
async fn a_refused_row_fails_only_its_own_signer() {
    let dir = tempfile::tempdir().unwrap();
    let (url, store, campaign) = open_store(&dir).await;
    let sqlite = sqlite(&store);
    let refuse = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON signatures WHEN NEW.email = 'refused@example.org'
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    )
    .execute(&refuse)
    .await
    .unwrap();
    refuse.close().await;
    let emails = [
        "first@example.org",
        "refused@example.org",
        "last@example.org",
    ];
    let signatures: Vec<NewSignature> = emails
        .iter()
        .map(|email| new_signature(&campaign, email))
        .collect();
    let keys: Vec<IdempotencyKey> = (0..emails.len())
        .map(|i| IdempotencyKey::parse(&format!("refuse-key-{i}")).unwrap())
        .collect();
    let before = sqlite.signature_commits();
    let attempts: Vec<_> = (0..emails.len())
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
    let outcomes = sign_as_one_group(sqlite, attempts).await;

    assert_eq!(outcomes[0], Ok(SignOutcome::Signed { count: 1 }));
    assert!(
        matches!(&outcomes[1], Err(StoreError::Database(e)) if e.contains("refused by the test")),
        "{:?}",
        outcomes[1]
    );
    assert_eq!(outcomes[2], Ok(SignOutcome::Signed { count: 2 }));
    assert_eq!(sqlite.signature_commits() - before, 1, "one group");
    // The refused signer's key was not kept: its retry is a new attempt, refused again.
    let retry = store
        .sign(
            campaign.id,
            &keys[1],
            "hash",
            &signatures[1],
            SignContext::default(),
        )
        .await;
    assert!(matches!(retry, Err(StoreError::Database(_))), "{retry:?}");
    let stored: Vec<String> = store
        .all_signatures(campaign.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.email)
        .collect();
    assert_eq!(stored, ["first@example.org", "last@example.org"]);
    assert_eq!(store.campaign(SLUG).await.unwrap().unwrap().count, 2);
}

/// A signer whose request goes away (its future dropped) after it queued takes nothing down:
/// the group is stored and committed, its own signature too, and a retry with its key hears
/// the answer it missed.
#[tokio::test]
async fn a_signer_gone_after_queueing_leaves_its_group_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (_url, store, campaign) = open_store(&dir).await;
    let sqlite = sqlite(&store);
    let emails = ["gone@example.org", "stays@example.org", "also@example.org"];
    let signatures: Vec<NewSignature> = emails
        .iter()
        .map(|email| new_signature(&campaign, email))
        .collect();
    let keys: Vec<IdempotencyKey> = (0..emails.len())
        .map(|i| IdempotencyKey::parse(&format!("gone-key-{i}")).unwrap())
        .collect();
    let sign = |i: usize| {
        store.sign(
            campaign.id,
            &keys[i],
            "hash",
            &signatures[i],
            SignContext::default(),
        )
    };
    let writers = sqlite.hold_writers().await;
    let mut gone = Box::pin(sign(0));
    poll_fn(|cx| {
        assert!(gone.as_mut().poll(cx).is_pending(), "waits for the writers");
        Poll::Ready(())
    })
    .await;
    assert_eq!(sqlite.signers_queued(), 1);
    drop(gone);
    let release = async {
        tokio::time::timeout(crate::helpers::TIMEOUT, async {
            while sqlite.signers_queued() < emails.len() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("every signer queued");
        drop(writers);
    };
    let (outcomes, ()) = tokio::join!(poll_all_each_time(vec![sign(1), sign(2)]), release);

    assert_eq!(
        outcomes,
        [
            Ok(SignOutcome::Signed { count: 2 }),
            Ok(SignOutcome::Signed { count: 3 })
        ]
    );
    assert_eq!(
        sign(0).await,
        Ok(SignOutcome::Replayed {
            signed: true,
            count: 1
        })
    );
    assert_eq!(store.campaign(SLUG).await.unwrap().unwrap().count, 3);
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
