//! Group commit for the SQLite store: signatures that arrive together share one transaction,
//! so one fsync (`synchronous=FULL`) makes a whole group durable instead of one each, and
//! the group's statements run together (`sign_batch_sqlite`: one read and one write for the
//! whole group), so the hand-offs to SQLite's thread are per group, not per signature.
//!
//! There is no timer on the fast path. A signer queues its post; if no commit is under way
//! it starts the committer, a task that takes everything queued (up to `MAX_GROUP`), stores
//! it in one transaction, commits, answers each signer, and goes again while posts are
//! queued. A lone signature commits at once, as before, and under load a group grows to
//! whatever arrived during the previous commit. Each signer is answered only after the
//! commit that holds its row succeeded.
//!
//! The committer owns the posts it stores, so a signer whose future is dropped (a client
//! gone, a timeout) takes nothing down with it: its signature is stored and committed like
//! the others (a retry with the same idempotency key hears its answer). A committer that
//! fails answers its whole group `Unavailable` (`503`, retried with the same key).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::SqlitePool;
use tokio::sync::{Mutex, oneshot};

use super::sign_batch::PendingSignature;
use super::{SignOutcome, StoreError, StoreResult};

/// At most this many signatures share one transaction (bounds the time the write lock is
/// held, and the size of the group's statements).
const MAX_GROUP: usize = 256;

type Answer = oneshot::Sender<StoreResult<SignOutcome>>;

pub(super) struct GroupCommit {
    pool: SqlitePool,
    /// The store's writer queue: a group holds it from `BEGIN` to `COMMIT`.
    write_gate: Arc<Mutex<()>>,
    queue: std::sync::Mutex<Queue>,
    commits: AtomicU64,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<(PendingSignature, Answer)>,
    /// A committer task is running (it takes `waiting` until it is empty).
    committing: bool,
}

impl GroupCommit {
    pub(super) fn new(pool: SqlitePool, write_gate: Arc<Mutex<()>>) -> Self {
        Self {
            pool,
            write_gate,
            queue: std::sync::Mutex::default(),
            commits: AtomicU64::new(0),
        }
    }

    /// Transactions committed so far (each holding one or more signatures).
    pub(super) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Signers waiting now for a group to take them.
    pub(super) fn queued(&self) -> usize {
        self.lock_queue().waiting.len()
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        // The queue's invariants hold between statements; a panic elsewhere cannot break them.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `post` in the next group and answers once that group is committed.
    pub(super) async fn sign(self: &Arc<Self>, post: PendingSignature) -> StoreResult<SignOutcome> {
        let (answer, answered) = oneshot::channel();
        let start = {
            let mut queue = self.lock_queue();
            queue.waiting.push((post, answer));
            !std::mem::replace(&mut queue.committing, true)
        };
        if start {
            tokio::spawn(
                Committer {
                    store: self.clone(),
                    finished: false,
                }
                .run(),
            );
        }
        answered.await.unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "the transaction holding this signature was abandoned; send it again".into(),
            ))
        })
    }

    /// One group: its transaction, its statements, its commit. One answer per member.
    async fn store_group(&self, posts: &[PendingSignature]) -> Vec<StoreResult<SignOutcome>> {
        let all = |e: StoreError| posts.iter().map(|_| Err(e.clone())).collect();
        let mut tx = match self.pool.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => tx,
            Err(e) => return all(e.into()),
        };
        let outcomes = super::sign_batch_sqlite::sign_group(&mut tx, posts).await;
        match tx.commit().await {
            Ok(()) => {
                self.commits.fetch_add(1, Ordering::Relaxed);
                outcomes
            }
            Err(e) => all(e.into()),
        }
    }
}

/// The running committer. Dropped, even by a panic, it lets the next signer start another,
/// and drops the posts still queued (their signers hear `Unavailable`) rather than leave
/// them waiting for nobody.
struct Committer {
    store: Arc<GroupCommit>,
    /// It returned having emptied the queue (and another may be running by now).
    finished: bool,
}

impl Committer {
    async fn run(mut self) {
        let store = self.store.clone();
        loop {
            let writer = store.write_gate.lock().await;
            let group: Vec<(PendingSignature, Answer)> = {
                let mut queue = store.lock_queue();
                if queue.waiting.is_empty() {
                    queue.committing = false;
                    self.finished = true;
                    return;
                }
                let take = queue.waiting.len().min(MAX_GROUP);
                queue.waiting.drain(..take).collect()
            };
            let (posts, answers): (Vec<_>, Vec<_>) = group.into_iter().unzip();
            let outcomes = store.store_group(&posts).await;
            drop(writer);
            for (answer, outcome) in answers.into_iter().zip(outcomes) {
                // A signer that went away has nobody to tell; its signature stands.
                let _ = answer.send(outcome);
            }
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut queue = self.store.lock_queue();
        if queue.committing {
            queue.committing = false;
            queue.waiting.clear();
        }
    }
}
