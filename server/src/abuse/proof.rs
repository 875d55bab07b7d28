//! Proof of work, ALTCHA style and self-hosted: the server hands out a signed challenge,
//! the browser finds the number that hashes to it, the server checks the answer.
//!
//! `challenge = hex(SHA-256(salt + decimal(number)))` for a secret random `number` in
//! `0..=maxnumber`; `signature = hex(HMAC-SHA256(k, challenge))`, where `k` is derived from
//! the server key and the campaign slug, so a challenge from an easy campaign is no good on
//! a hard one. The salt carries `?expires=<unix>&issued=<unix>&`; since the salt is hashed
//! into the signed challenge, neither time can be changed. The trailing `&` matters: the
//! hash covers `salt + decimal(number)`, so a salt ending in a digit would let a client move
//! digits between the salt and the number (`…issued=1767225000` + `4` hashes like
//! `…issued=176722500` + `04`…) and post an earlier `issued` with the same hash. A salt that
//! must end in a non-digit splits `salt + number` one way only. ALTCHA's own libraries end
//! their salts with `&` for the same reason, so they still solve these challenges. Whether a challenge was already
//! used is the store's job (`used_challenges`, checked in the signature's transaction).
//!
//! A challenge's `maxnumber` can be the campaign's or a multiple of it (`abuse` raises it
//! for a network that fetches many), so the salt carries it too (`&maxnumber=<n>&`): the
//! posted `number` must not exceed it, and it must be one of the campaign's levels
//! ([`scaled_maxnumber`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::abuse::secret::SecretKey;

pub const ALGORITHM: &str = "SHA-256";
/// Default `maxnumber` of new campaigns: ~25k hashes on average, well under a second in a
/// browser, a real cost for someone posting thousands.
pub const DEFAULT_MAXNUMBER: u32 = 50_000;
/// How many times the difficulty may double for a network that fetches challenges fast:
/// 16× the campaign's at most (800,000 at the default, 400,000 hashes on average: well
/// inside the widget's limit, [`WIDGET_MAXNUMBER`]).
pub const MAX_DOUBLINGS: u32 = 4;
/// The widget gives up on a `maxnumber` above this (minutes of hashing on a phone), so a
/// raised difficulty never goes past it (a campaign's own may).
pub const WIDGET_MAXNUMBER: u32 = 10_000_000;
/// Default lifetime of a challenge.
pub const DEFAULT_TTL: Duration = Duration::from_secs(600);

/// `GET .../challenge`, as sent.
#[derive(Debug, Clone, Serialize)]
pub struct Challenge {
    pub algorithm: &'static str,
    pub challenge: String,
    pub salt: String,
    pub maxnumber: u32,
    pub signature: String,
}

/// The `proof` member of a signature POST. Missing members are empty, so they fail as
/// `proof_invalid` rather than as a malformed body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProofRequest {
    #[serde(default)]
    pub algorithm: String,
    #[serde(default)]
    pub challenge: String,
    #[serde(default)]
    pub number: u64,
    #[serde(default)]
    pub salt: String,
    #[serde(default)]
    pub signature: String,
}

/// Why a proof was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// Wrong algorithm, bad signature, or a number that does not hash to the challenge.
    Invalid,
    Expired,
}

/// A proof that checked out: what the store records and the fill-time check reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    pub challenge: String,
    pub issued: u64,
    pub expires: u64,
    /// The difficulty the challenge was issued at.
    pub maxnumber: u32,
}

/// The times (and difficulty) carried in a salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaltParams {
    pub issued: u64,
    pub expires: u64,
    /// Absent from challenges issued before difficulties were raised: the campaign's.
    pub maxnumber: Option<u32>,
}

/// `base` doubled `doublings` times, but never raised above [`WIDGET_MAXNUMBER`].
pub fn scaled_maxnumber(base: u32, doublings: u32) -> u32 {
    let raised = u64::from(base) << doublings.min(MAX_DOUBLINGS);
    u32::try_from(raised.min(u64::from(WIDGET_MAXNUMBER.max(base)))).unwrap_or(base)
}

/// Reads `<random>?expires=<unix>&issued=<unix>[&maxnumber=<n>][&...]&`. Other parameters
/// are ignored; a repeated or unreadable `expires`/`issued`/`maxnumber`, or a salt ending in
/// a digit (see the module docs), makes the salt unreadable.
pub fn parse_salt(salt: &str) -> Option<SaltParams> {
    if salt.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let (random, query) = salt.split_once('?')?;
    if random.is_empty() {
        return None;
    }
    let (mut issued, mut expires, mut maxnumber) = (None, None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match k {
            "issued" => &mut issued,
            "expires" => &mut expires,
            "maxnumber" => &mut maxnumber,
            _ => continue,
        };
        if slot.is_some() || v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = Some(v.parse::<u64>().ok()?);
    }
    let params = SaltParams {
        issued: issued?,
        expires: expires?,
        maxnumber: maxnumber.map(u32::try_from).transpose().ok()?,
    };
    (params.issued <= params.expires).then_some(params)
}

/// Issues and checks challenges with one key and lifetime.
#[derive(Debug, Clone)]
pub struct Challenges {
    key: SecretKey,
    ttl: Duration,
}

impl Challenges {
    pub fn new(key: &SecretKey, ttl: Duration) -> Self {
        Self {
            key: key.derive(b"pledge-challenge"),
            ttl,
        }
    }

    fn campaign_key(&self, slug: &str) -> SecretKey {
        self.key.derive(slug.as_bytes())
    }

    pub fn issue(
        &self,
        slug: &str,
        maxnumber: u32,
        now: u64,
    ) -> Result<Challenge, getrandom::Error> {
        let mut random = [0u8; 12];
        getrandom::fill(&mut random)?;
        let number = getrandom::u64()? % (u64::from(maxnumber) + 1);
        let expires = now.saturating_add(self.ttl.as_secs());
        let salt = format!(
            "{}?expires={expires}&issued={now}&maxnumber={maxnumber}&",
            hex::encode(random)
        );
        let challenge = hash_hex(&salt, number);
        let signature = hex::encode(self.campaign_key(slug).mac(&[challenge.as_bytes()]));
        Ok(Challenge {
            algorithm: ALGORITHM,
            challenge,
            salt,
            maxnumber,
            signature,
        })
    }

    /// Signature first (constant time), then the salt's difficulty and the number, then the
    /// hash, then the times: only a salt the server signed is trusted. `base` is the
    /// campaign's `maxnumber`: the salt's must be one of its levels ([`scaled_maxnumber`]),
    /// and `number` at most the salt's.
    pub fn verify(
        &self,
        slug: &str,
        base: u32,
        proof: &ProofRequest,
        now: u64,
    ) -> Result<VerifiedProof, ProofError> {
        if proof.algorithm != ALGORITHM {
            return Err(ProofError::Invalid);
        }
        let tag = hex::decode(&proof.signature).map_err(|_| ProofError::Invalid)?;
        if !self
            .campaign_key(slug)
            .verify(proof.challenge.as_bytes(), &tag)
        {
            return Err(ProofError::Invalid);
        }
        // The salt's shape first: one ending in a digit could be a shifted split.
        let params = parse_salt(&proof.salt).ok_or(ProofError::Invalid)?;
        let maxnumber = params.maxnumber.unwrap_or(base);
        let a_level = (0..=MAX_DOUBLINGS).any(|d| scaled_maxnumber(base, d) == maxnumber);
        // The number is searched for in 0..=maxnumber; a larger one solved another puzzle.
        if !a_level || proof.number > u64::from(maxnumber) {
            return Err(ProofError::Invalid);
        }
        if hash_hex(&proof.salt, proof.number) != proof.challenge {
            return Err(ProofError::Invalid);
        }
        if now >= params.expires {
            return Err(ProofError::Expired);
        }
        Ok(VerifiedProof {
            challenge: proof.challenge.clone(),
            issued: params.issued,
            expires: params.expires,
            maxnumber,
        })
    }
}

/// `hex(SHA-256(salt + decimal(number)))`, what the client searches for.
pub fn hash_hex(salt: &str, number: u64) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(number.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn solve(c: &Challenge) -> ProofRequest {
        let number = (0..=u64::from(c.maxnumber))
            .find(|n| hash_hex(&c.salt, *n) == c.challenge)
            .expect("solvable");
        ProofRequest {
            algorithm: c.algorithm.into(),
            challenge: c.challenge.clone(),
            number,
            salt: c.salt.clone(),
            signature: c.signature.clone(),
        }
    }

    fn challenges() -> Challenges {
        Challenges::new(&SecretKey::random().unwrap(), DEFAULT_TTL)
    }

    #[test]
    fn round_trip() {
        let ch = challenges();
        let c = ch.issue("camp", 500, 1000).unwrap();
        assert_eq!(c.signature.len(), 64);
        let proof = solve(&c);
        let ok = ch.verify("camp", 500, &proof, 1001).unwrap();
        assert_eq!((ok.issued, ok.expires), (1000, 1600));
        assert_eq!(
            ch.verify("camp", 500, &proof, 1600),
            Err(ProofError::Expired)
        );
        assert_eq!(
            ch.verify("other", 500, &proof, 1001),
            Err(ProofError::Invalid)
        );
        let wrong = ProofRequest {
            number: proof.number + 1,
            ..proof.clone()
        };
        assert_eq!(
            ch.verify("camp", 500, &wrong, 1001),
            Err(ProofError::Invalid)
        );
        assert!(c.salt.ends_with("&maxnumber=500&"), "{}", c.salt);
        // Moving digits of the number into the salt gives the same hash, and is refused. The
        // split must leave a number without a leading zero ("05" is written "5", another
        // hash): the first such split, if the random number has one (it failed ~1 run in 10
        // when it always split after the first digit).
        let digits = proof.number.to_string();
        if let Some(at) = (1..digits.len()).find(|&i| !digits[i..].starts_with('0')) {
            let shifted = ProofRequest {
                salt: format!("{}{}", proof.salt, &digits[..at]),
                number: digits[at..].parse().unwrap(),
                ..proof.clone()
            };
            assert_eq!(hash_hex(&shifted.salt, shifted.number), proof.challenge);
            assert_eq!(
                ch.verify("camp", 500, &shifted, 1001),
                Err(ProofError::Invalid)
            );
        }
        // A later expiry in the salt no longer hashes to the signed challenge.
        let stretched = ProofRequest {
            salt: proof.salt.replace("expires=1600", "expires=9999"),
            ..proof.clone()
        };
        assert_eq!(
            ch.verify("camp", 500, &stretched, 1001),
            Err(ProofError::Invalid)
        );
        // The campaign's difficulty went up (a campaign of 250 would not issue 500).
        assert_eq!(ch.verify("camp", 250, &proof, 1001).map(|_| ()), Ok(()));
        assert_eq!(
            ch.verify("camp", 300, &proof, 1001),
            Err(ProofError::Invalid)
        );
        let other_key = challenges();
        assert_eq!(
            other_key.verify("camp", 500, &proof, 1001),
            Err(ProofError::Invalid)
        );
    }

    #[test]
    fn salts() {
        assert_eq!(
            parse_salt("ab?expires=20&issued=10&"),
            Some(SaltParams {
                issued: 10,
                expires: 20,
                maxnumber: None,
            })
        );
        assert_eq!(
            parse_salt("ab?issued=10&x=y&maxnumber=800&expires=20&"),
            Some(SaltParams {
                issued: 10,
                expires: 20,
                maxnumber: Some(800),
            })
        );
        for bad in [
            "ab",
            "ab?expires=20&issued=10",
            "ab?expires=20&issued=10&5",
            "?expires=20&issued=10&",
            "ab?expires=20&",
            "ab?expires=20&issued=30&",
            "ab?expires=20&expires=21&issued=1&",
            "ab?expires=+20&issued=1&",
            "ab?expires=99999999999999999999999&issued=1&",
            "ab?expires=20&issued=10&maxnumber=&",
            "ab?expires=20&issued=10&maxnumber=1&maxnumber=2&",
            "ab?expires=20&issued=10&maxnumber=4294967296&",
        ] {
            assert_eq!(parse_salt(bad), None, "{bad}");
        }
    }

    #[test]
    fn raised_difficulty_and_its_levels() {
        assert_eq!(scaled_maxnumber(50_000, 0), 50_000);
        assert_eq!(scaled_maxnumber(50_000, 4), 800_000);
        assert_eq!(scaled_maxnumber(50_000, 9), 800_000);
        assert_eq!(scaled_maxnumber(5_000_000, 4), WIDGET_MAXNUMBER);
        assert_eq!(scaled_maxnumber(u32::MAX, 4), u32::MAX);
        // A raised challenge verifies, with numbers up to its own maxnumber.
        let ch = challenges();
        let c = ch.issue("camp", 400, 1000).unwrap();
        let proof = solve(&c);
        assert!(ch.verify("camp", 100, &proof, 1001).is_ok());
        assert!(ch.verify("camp", 200, &proof, 1001).is_ok());
        // 400 is no level of 30 (30, 60, 120, 240, 480), nor of 1000.
        assert_eq!(
            ch.verify("camp", 30, &proof, 1001),
            Err(ProofError::Invalid)
        );
        assert_eq!(
            ch.verify("camp", 1000, &proof, 1001),
            Err(ProofError::Invalid)
        );
    }

    proptest! {
        #[test]
        fn parsers_never_panic(salt in any::<String>(), number in any::<u64>(), sig in any::<String>()) {
            let _ = parse_salt(&salt);
            let ch = challenges();
            let proof = ProofRequest { algorithm: ALGORITHM.into(), challenge: hash_hex(&salt, number), number, salt, signature: sig };
            prop_assert_eq!(ch.verify("camp", u32::MAX, &proof, 0), Err(ProofError::Invalid));
        }
    }
}
