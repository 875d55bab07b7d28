//! What a group of signatures sharing one transaction comes to, decided in one pass from
//! what the database held before the group: the answers and the rows to write, so a store
//! can read for the whole group in one statement and write for it in one more, instead of
//! four round trips per signature (see `group_commit`).
//!
//! The pass replays, member by member in arrival order, exactly what each signature's own
//! statements would have seen had they run one after another in the transaction: a key, an
//! email, a challenge or a network's signatures that an earlier member of the group stored
//! count as stored. The hold decision stays the caller's policy ([`HoldPolicy`]), asked with
//! the same number it would have been asked with.

use std::collections::{HashMap, HashSet};

use super::{HoldCheck, SignContext, SignOutcome, SpentChallenge};
use crate::domain::{IdempotencyKey, NewSignature};

/// One signer's post, owned, so the task that commits the group can carry it.
#[derive(Debug, Clone)]
pub(super) struct PendingSignature {
    pub campaign_id: i64,
    pub key: IdempotencyKey,
    pub request_hash: String,
    pub signature: NewSignature,
    /// The challenge to spend and when it expires (Unix seconds).
    pub challenge: Option<(String, u64)>,
    pub network_hash: Option<String>,
    pub hold: Option<HoldCheck>,
    pub confirm_email: bool,
}

impl PendingSignature {
    pub(super) fn new(
        campaign_id: i64,
        key: &IdempotencyKey,
        request_hash: &str,
        signature: &NewSignature,
        ctx: SignContext<'_>,
    ) -> Self {
        Self {
            campaign_id,
            key: key.clone(),
            request_hash: request_hash.to_owned(),
            signature: signature.clone(),
            challenge: ctx
                .challenge
                .map(|c| (c.challenge.to_owned(), c.expires_at)),
            network_hash: ctx.network_hash.map(str::to_owned),
            hold: ctx.hold,
            confirm_email: ctx.confirm_email,
        }
    }

    /// The post as one signature's own statements take it (the per-signature path).
    pub(super) fn context(&self) -> SignContext<'_> {
        SignContext {
            challenge: self
                .challenge
                .as_ref()
                .map(|(challenge, expires_at)| SpentChallenge {
                    challenge,
                    expires_at: *expires_at,
                }),
            network_hash: self.network_hash.as_deref(),
            hold: self.hold.clone(),
            confirm_email: self.confirm_email,
        }
    }

    /// The window the hold policy counts over, when it applies to this post.
    pub(super) fn hold_window_seconds(&self) -> Option<u64> {
        self.network_hash
            .as_ref()
            .and(self.hold.as_ref())
            .map(|h| h.window.as_secs())
    }
}

/// A stored idempotency key's first answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SeenKey {
    pub request_hash: String,
    pub status: i64,
    pub count: i64,
}

/// What the database held for one member before the group.
#[derive(Debug, Clone)]
pub(super) struct Facts {
    /// Its key, unless absent or expired.
    pub key: Option<SeenKey>,
    /// A signature with its normalised email on its campaign exists.
    pub email_signed: bool,
    /// Signatures from its network on its campaign within its hold window (0 without one).
    pub recent_from_network: i64,
    /// Its challenge was spent (and has not expired).
    pub challenge_spent: bool,
    /// Its campaign's count.
    pub count: i64,
}

/// A new signature row to insert.
#[derive(Debug, Clone, Copy)]
pub(super) struct NewRow {
    pub member: usize,
    /// `held` or `signed`.
    pub status: &'static str,
    /// Awaiting the signer's confirmation by email, and what it becomes then.
    pub awaiting: Option<&'static str>,
}

/// A key to store with its answer.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeyAnswer {
    pub member: usize,
    pub status: i64,
    pub count: i64,
}

/// The group's answers and writes.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// One per member, in order.
    pub outcomes: Vec<SignOutcome>,
    /// Members whose challenge is spent now.
    pub spent: Vec<usize>,
    pub rows: Vec<NewRow>,
    /// How much each campaign's count rises, by campaign id.
    pub raised: Vec<(i64, i64)>,
    pub keys: Vec<KeyAnswer>,
    /// Members whose repeated email queues a message to its signer (confirming campaigns),
    /// one per (campaign, email).
    pub repeats: Vec<usize>,
}

/// Decides the group: `facts[i]` is what the database held for `members[i]`.
pub(super) fn plan(members: &[PendingSignature], facts: &[Facts]) -> Plan {
    let mut plan = Plan::default();
    // What the group stored so far, as the next member's statements would see it.
    let mut keys: HashMap<(i64, &str), SeenKey> = HashMap::new();
    let mut challenges: HashSet<&str> = HashSet::new();
    let mut emails: HashSet<(i64, &str)> = HashSet::new();
    let mut from_network: HashMap<(i64, &str), i64> = HashMap::new();
    let mut counts: HashMap<i64, i64> = HashMap::new();
    let mut raised: Vec<(i64, i64)> = Vec::new();
    let mut repeats: HashSet<(i64, &str)> = HashSet::new();
    for (i, (m, f)) in members.iter().zip(facts).enumerate() {
        let campaign = m.campaign_id;
        let email = m.signature.email.normalised();
        let seen = keys.get(&(campaign, m.key.as_ref())).or(f.key.as_ref());
        if let Some(seen) = seen {
            plan.outcomes.push(if seen.request_hash == m.request_hash {
                SignOutcome::Replayed {
                    signed: seen.status == 201,
                    count: seen.count,
                }
            } else {
                SignOutcome::KeyReused
            });
            continue;
        }
        if let Some((challenge, _)) = &m.challenge {
            if f.challenge_spent || !challenges.insert(challenge) {
                plan.outcomes.push(SignOutcome::ProofReplayed);
                continue;
            }
            plan.spent.push(i);
        }
        let held = match (&m.network_hash, &m.hold) {
            (Some(network), Some(hold)) => {
                let earlier = from_network
                    .get(&(campaign, network.as_str()))
                    .copied()
                    .unwrap_or(0);
                hold.policy.holds(f.recent_from_network + earlier)
            }
            _ => false,
        };
        let awaiting = super::confirmation::awaiting(m.confirm_email, held);
        let held = held || m.confirm_email;
        let inserted = !f.email_signed && emails.insert((campaign, email));
        if inserted {
            plan.rows.push(NewRow {
                member: i,
                status: if held { "held" } else { "signed" },
                awaiting,
            });
            if let Some(network) = &m.network_hash {
                *from_network.entry((campaign, network)).or_default() += 1;
            }
        } else if m.confirm_email && repeats.insert((campaign, email)) {
            plan.repeats.push(i);
        }
        let count = counts.entry(campaign).or_insert(f.count);
        if inserted && !held {
            *count += 1;
            match raised.iter_mut().find(|(c, _)| *c == campaign) {
                Some((_, by)) => *by += 1,
                None => raised.push((campaign, 1)),
            }
        }
        let count = *count;
        // A held signature's sender was told it counted; a retry must hear the same.
        // One awaiting confirmation is told the plain count, as a repeat is.
        let told_one_more = i64::from(inserted && held && awaiting.is_none());
        let answer = KeyAnswer {
            member: i,
            status: if inserted { 201 } else { 200 },
            count: count + told_one_more,
        };
        keys.insert(
            (campaign, m.key.as_ref()),
            SeenKey {
                request_hash: m.request_hash.clone(),
                status: answer.status,
                count: answer.count,
            },
        );
        plan.keys.push(answer);
        plan.outcomes.push(if inserted && held {
            SignOutcome::Held { count }
        } else if inserted {
            SignOutcome::Signed { count }
        } else {
            SignOutcome::AlreadySigned { count }
        });
    }
    plan.raised = raised;
    plan
}
