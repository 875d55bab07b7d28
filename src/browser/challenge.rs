//! Proof of work for campaigns that ask for it: fetches `…/challenge`, searches it in slices
//! of [`SLICE`] hashes with a zero-delay timer between them (the page stays responsive), and
//! keeps one solved proof per campaign per page, prepared when the form is shown so it is
//! usually ready before the supporter has finished typing. Fetching and solving live in the
//! lazily loaded `pow` chunk; the bookkeeping of proofs stays in the main module.

use std::cell::RefCell;

use super::api::get;
use super::host::sleep;
use super::lazy;
use crate::document::ChallengeDoc;
use crate::pow;
pub use pledge_contract::wire::Proof as Solution;

/// Hashes per slice: ~1–3 ms each in Chromium, short enough not to delay typing.
const SLICE: u64 = 2000;
/// A proof closer than this to its expiry is not used: the request could arrive too late.
const MARGIN_S: f64 = 30.0;

#[derive(Default)]
struct Slot {
    base: String,
    proof: Option<Proof>,
    solving: bool,
}

thread_local! {
    static SLOTS: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

fn with_slot<R>(base: &str, f: impl FnOnce(&mut Slot) -> R) -> R {
    SLOTS.with(|s| {
        let mut slots = s.borrow_mut();
        let i = match slots.iter().position(|x| x.base == base) {
            Some(i) => i,
            None => {
                slots.push(Slot {
                    base: base.to_owned(),
                    ..Slot::default()
                });
                slots.len() - 1
            }
        };
        f(&mut slots[i])
    })
}

fn now_s() -> f64 {
    js_sys::Date::now() / 1000.0
}

/// A solved proof: the `proof` member of the POST body, with the challenge's expiry and the
/// local time (seconds) from which the server takes it: its minimum fill time after the
/// challenge arrived.
pub type Proof = (Solution, Option<u64>, f64);

/// Fetches a challenge and finds its number. `None` when there is no challenge or no number
/// matches. Runs in the `pow` chunk ([`lazy::pow_solve`]).
pub async fn solve(base: &str) -> Option<Proof> {
    let c: ChallengeDoc = get(&format!("{base}/challenge")).await.ok()?;
    // Counted from the answer (the server issued it before): a quarter second more covers
    // its whole-second clock.
    let ready = now_s() + c.min_fill_seconds.unwrap_or(0) as f64 + 0.25;
    let salt = c.salt?;
    let target = pow::parse_hex32(c.challenge.as_deref()?)?;
    // Past ~10 million hashes the supporter would wait minutes: not a challenge to take on.
    let max = c.maxnumber.filter(|m| *m <= 10_000_000)?;
    let mut from = 0;
    let number = loop {
        if from > max {
            return None;
        }
        let to = (from + SLICE).min(max + 1);
        if let Some(n) = pow::search(&salt, &target, from, to) {
            break n;
        }
        from = to;
        sleep(0).await;
    };
    let expires = pow::expires(&salt);
    let proof = Solution {
        algorithm: c.algorithm?,
        challenge: c.challenge?,
        salt,
        signature: c.signature?,
        number,
    };
    Some((proof, expires, ready))
}

/// Starts solving a challenge for `base` unless one is solved or being solved.
pub async fn prepare(base: &str) {
    let start = with_slot(base, |s| {
        let go = s.proof.is_none() && !s.solving;
        s.solving |= go;
        go
    });
    if start {
        // The solver is the `pow` chunk, fetched the first time (when the form is shown); when
        // it cannot be, there is no proof, and the delivery tries again later.
        let solved = match lazy::pow_solve(base.to_owned()).await {
            Ok(solving) => solving.await,
            Err(lazy::ChunkUnavailable) => None,
        };
        with_slot(base, |s| {
            s.solving = false;
            s.proof = solved;
        });
    }
}

/// A fresh proof for one signature (each is spent by the signature that uses it): the prepared
/// one if still valid, else a new one; returned once the campaign's minimum fill time since
/// its challenge has passed, so the post is not refused `429 too_fast`. `None` when none could
/// be had (no network).
pub async fn take(base: &str) -> Option<Solution> {
    let (proof, ready) = fresh(base).await?;
    let wait = ready - now_s();
    if wait > 0.0 {
        sleep((wait * 1000.0) as u32).await;
    }
    Some(proof)
}

async fn fresh(base: &str) -> Option<(Solution, f64)> {
    loop {
        let (proof, solving) = with_slot(base, |s| (s.proof.take(), s.solving));
        match proof {
            Some((p, exp, ready)) if exp.is_none_or(|e| e as f64 > now_s() + MARGIN_S) => {
                return Some((p, ready));
            }
            // Expired: drop it and solve a new one.
            Some(_) => {}
            None if solving => {
                sleep(50).await;
                continue;
            }
            None => {}
        }
        prepare(base).await;
        let solved = with_slot(base, |s| s.proof.take());
        return solved.map(|(p, _, ready)| (p, ready));
    }
}
