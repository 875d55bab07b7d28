//! Group commit for the SQLite store: signatures that arrive together share one transaction,
//! so one fsync (`synchronous=FULL`) makes a whole group durable instead of one each.
//!
//! There is no batching thread and no timer on the fast path. A signer joins the open group
//! (or begins one), runs its own statements inside a savepoint, and then commits the group
//! itself if nobody is queued behind it; otherwise it leaves the transaction open for the
//! next signer and waits. The last of a burst commits for all, so a lone signature commits
//! at once, as before, and under load a group grows to whatever arrived during the previous
//! fsync. Each signer is answered only after the commit that holds its row succeeded.
//!
//! A signer whose future is dropped while its statements run (a client gone, a timeout)
//! poisons the group: the transaction rolls back and every member is answered `Unavailable`
//! (`503`, retried with the same idempotency key), so nothing is acknowledged that is not
//! stored. A member waiting for a commit that nobody is left to make (the queued signer
//! was dropped before its turn) makes it itself after `ORPHAN_CHECK`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use super::{StoreError, StoreResult};

/// At most this many signatures share one transaction (bounds the time the write lock is
/// held, and the work a poisoned group throws away).
const MAX_GROUP: usize = 256;
/// How often a waiting member checks for a group nobody will commit.
const ORPHAN_CHECK: Duration = Duration::from_millis(50);

type CommitResult = Option<StoreResult<()>>;

pub(super) struct GroupCommit {
    pool: SqlitePool,
    /// The store's writer queue: an open group holds it from `BEGIN` to `COMMIT`.
    write_gate: Arc<Mutex<()>>,
    group: Arc<Mutex<Option<OpenGroup>>>,
    /// Signers waiting for `group`: the one holding it commits only when this is zero.
    queued: AtomicUsize,
    commits: AtomicU64,
}

struct OpenGroup {
    tx: Transaction<'static, Sqlite>,
    _writer: OwnedMutexGuard<()>,
    members: usize,
    committed: Arc<watch::Sender<CommitResult>>,
}

/// One signer's place in a group, from joining until its statements are done.
pub(super) struct Member<'a> {
    owner: &'a GroupCommit,
    guard: Option<OwnedMutexGuard<Option<OpenGroup>>>,
}

/// Counts a signer as queued until it holds the group (or is dropped while waiting).
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl GroupCommit {
    pub(super) fn new(pool: SqlitePool, write_gate: Arc<Mutex<()>>) -> Self {
        Self {
            pool,
            write_gate,
            group: Arc::default(),
            queued: AtomicUsize::new(0),
            commits: AtomicU64::new(0),
        }
    }

    /// Transactions committed so far (each holding one or more signatures).
    pub(super) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Signers waiting for the group now.
    pub(super) fn queued(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    /// Joins the open group, or begins one (`BEGIN IMMEDIATE`, holding the writer queue).
    /// The member's first statement must open its savepoint (`SAVEPOINT signature`), in the
    /// same query as its first read: each query is a round trip to SQLite's thread while the
    /// group holds the write lock, so one fewer per signature is more signatures per commit.
    pub(super) async fn join(&self) -> StoreResult<Member<'_>> {
        let queued = Queued::enter(&self.queued);
        let mut guard = self.group.clone().lock_owned().await;
        drop(queued);
        if guard.is_none() {
            let writer = self.write_gate.clone().lock_owned().await;
            let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
            *guard = Some(OpenGroup {
                tx,
                _writer: writer,
                members: 0,
                committed: Arc::new(watch::channel(None).0),
            });
        }
        Ok(Member {
            owner: self,
            guard: Some(guard),
        })
    }
}

impl Member<'_> {
    /// The group's transaction, for this member's statements.
    pub(super) fn connection(&mut self) -> &mut SqliteConnection {
        let group = self.guard.as_mut().and_then(|g| g.as_mut());
        &mut group.expect("a member holds an open group").tx
    }

    /// Keeps this member's statements (or undoes them on `Err`), then waits until the group
    /// holding them is committed, committing it itself when nobody is queued behind.
    pub(super) async fn finish<T>(mut self, outcome: StoreResult<T>) -> StoreResult<T> {
        let end = if outcome.is_ok() {
            "RELEASE signature"
        } else {
            "ROLLBACK TO signature; RELEASE signature"
        };
        sqlx::raw_sql(end).execute(self.connection()).await?;
        let mut guard = self.guard.take().expect("a member holds an open group");
        let group = guard.as_mut().expect("a member holds an open group");
        group.members += 1;
        let committed = group.committed.clone();
        let mut result = committed.subscribe();
        let owner = self.owner;
        if owner.queued.load(Ordering::SeqCst) == 0 || group.members >= MAX_GROUP {
            owner.commit(&mut guard).await;
        }
        drop(guard);
        loop {
            if let Some(done) = result.borrow_and_update().clone() {
                return done.and(outcome);
            }
            if tokio::time::timeout(ORPHAN_CHECK, result.changed())
                .await
                .is_err()
            {
                let mut guard = owner.group.clone().lock_owned().await;
                let still_ours = guard
                    .as_ref()
                    .is_some_and(|g| Arc::ptr_eq(&g.committed, &committed));
                if still_ours && owner.queued.load(Ordering::SeqCst) == 0 {
                    owner.commit(&mut guard).await;
                }
            }
        }
    }
}

impl GroupCommit {
    async fn commit(&self, guard: &mut OwnedMutexGuard<Option<OpenGroup>>) {
        if let Some(group) = guard.take() {
            let result = group.tx.commit().await.map_err(StoreError::from);
            if result.is_ok() {
                self.commits.fetch_add(1, Ordering::Relaxed);
            }
            group.committed.send_replace(Some(result));
        }
    }
}

impl Drop for Member<'_> {
    /// Dropped before `finish` (its future was cancelled mid-statement): the group's
    /// transaction may hold half of this member's work, so it rolls back for everyone.
    fn drop(&mut self) {
        if let Some(group) = self.guard.take().and_then(|mut g| g.take()) {
            group
                .committed
                .send_replace(Some(Err(StoreError::Unavailable(
                    "a signature sharing this transaction was cancelled; send it again".into(),
                ))));
            drop(group.tx); // sqlx rolls back an uncommitted transaction on drop
        }
    }
}
