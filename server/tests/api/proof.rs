//! Proof of work, the honeypot and the minimum fill time.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{
    POW_SLUG, SLOW_SLUG, SLUG, TIMEOUT, assert_error, signature, spawn_app, spawn_app_with,
};

fn with_proof(email: &str, proof: &Value) -> Value {
    let mut body = signature(email);
    body["proof"] = proof.clone();
    body
}

#[tokio::test]
async fn campaign_json_shows_difficulty_or_null() {
    let app = spawn_app().await;
    let get = |slug: &'static str| {
        let url = app.campaign_api(slug, "");
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        get(POW_SLUG).await["proof_of_work"],
        json!({"maxnumber": 2000})
    );
    assert_eq!(get(SLUG).await["proof_of_work"], Value::Null);
    let r = app.client.get(app.api("/challenge")).send().await.unwrap();
    assert_error(r, 404, "proof_not_required").await;
}

#[tokio::test]
async fn challenge_has_the_documented_shape_and_cors() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.campaign_api(POW_SLUG, "/challenge"))
        .header("origin", crate::helpers::PARTNER)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        crate::helpers::PARTNER
    );
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["algorithm"], "SHA-256");
    assert_eq!(c["maxnumber"], 2000);
    assert_eq!(c["challenge"].as_str().unwrap().len(), 64);
    assert_eq!(c["signature"].as_str().unwrap().len(), 64);
    let salt = c["salt"].as_str().unwrap();
    assert!(
        salt.contains("?expires=") && salt.contains("&issued="),
        "{salt}"
    );
    // The campaign's minimum fill time, so a client can wait it out before posting.
    assert_eq!(c["min_fill_seconds"], 0);
    let c: Value = app
        .client
        .get(app.campaign_api(crate::helpers::SLOW_SLUG, "/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(c["min_fill_seconds"], 2);
}

#[tokio::test]
async fn valid_proof_is_accepted_once() {
    let app = spawn_app().await;
    let proof = app.solved_proof(POW_SLUG).await;
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-valid",
            &with_proof("p@example.org", &proof),
        )
        .await;
    assert_eq!(r.status(), 201);
    // The same request again (a network retry) is the first answer, not a replay error.
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-valid",
            &with_proof("p@example.org", &proof),
        )
        .await;
    assert_eq!(r.status(), 201);
    // Another signature with the spent challenge is refused.
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-again",
            &with_proof("q@example.org", &proof),
        )
        .await;
    assert_error(r, 422, "proof_replayed").await;
}

#[tokio::test]
async fn retry_with_a_fresh_challenge_is_the_same_signature() {
    let app = spawn_app().await;
    let first = app.solved_proof(POW_SLUG).await;
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-fresh",
            &with_proof("f@example.org", &first),
        )
        .await;
    assert_eq!(r.status(), 201);
    let second = app.solved_proof(POW_SLUG).await;
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-fresh",
            &with_proof("f@example.org", &second),
        )
        .await;
    assert_eq!(r.status(), 201, "same key, same signature, new proof");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["count"], 1);
}

#[tokio::test]
async fn missing_wrong_and_tampered_proofs_are_refused() {
    let app = spawn_app().await;
    let r = app
        .post_to(POW_SLUG, "key-pow-none", &signature("n@example.org"))
        .await;
    assert_error(r, 422, "proof_required").await;

    let proof = app.solved_proof(POW_SLUG).await;
    let mut wrong = proof.clone();
    wrong["number"] = json!(proof["number"].as_u64().unwrap() + 1);
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-wrong",
            &with_proof("w@example.org", &wrong),
        )
        .await;
    assert_error(r, 422, "proof_invalid").await;

    let mut tampered = proof.clone();
    let sig = proof["signature"].as_str().unwrap();
    let flipped = if sig.starts_with('0') { "1" } else { "0" };
    tampered["signature"] = json!(format!("{flipped}{}", &sig[1..]));
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-tamper",
            &with_proof("t@example.org", &tampered),
        )
        .await;
    assert_error(r, 422, "proof_invalid").await;

    // A challenge of another campaign does not count here.
    let other = app.solved_proof(SLOW_SLUG).await;
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-other",
            &with_proof("o@example.org", &other),
        )
        .await;
    assert_error(r, 422, "proof_invalid").await;

    // A proof of the wrong JSON type is a malformed body.
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-shape",
            &with_proof("s@example.org", &json!("x")),
        )
        .await;
    assert_error(r, 400, "malformed_json").await;

    // None of these spent the challenge.
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-after",
            &with_proof("a@example.org", &proof),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(app.campaign_count(POW_SLUG).await, 1);
}

#[tokio::test]
async fn expired_proof_is_refused() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let app = spawn_app_with(dir, |s| s.abuse.challenge_ttl = Duration::ZERO).await;
    let proof = app.solved_proof(POW_SLUG).await;
    let r = app
        .post_to(
            POW_SLUG,
            "key-pow-expired",
            &with_proof("e@example.org", &proof),
        )
        .await;
    assert_error(r, 422, "proof_expired").await;
}

/// `GET …/challenge` of `slug`: its status and, when 200, the challenge.
async fn challenge_of(app: &crate::helpers::TestApp, slug: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.campaign_api(slug, "/challenge"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_filled_honeypot_is_a_second_chance_at_the_hardest_proof_not_a_dead_end() {
    // A campaign that asks for no proof: a person whose form-filler filled the trap field is
    // asked for one, at 16 times the default difficulty, and is then counted.
    let app = spawn_app().await;
    assert_eq!(challenge_of(&app, SLUG).await.0, 404);
    let mut body = signature("autofilled@example.org");
    body["website"] = json!("https://my-homepage.example");
    let err = assert_error(
        app.post_signature("key-honeypot", &body).await,
        422,
        "proof_required",
    )
    .await;
    let message = err["message"].as_str().unwrap().to_lowercase();
    assert!(
        !message.contains("website") && !message.contains("honeypot"),
        "{message}"
    );
    assert_eq!(app.count().await, 0);
    // This network's challenge is now the hardest level of the default difficulty.
    let (status, challenge) = challenge_of(&app, SLUG).await;
    assert_eq!(status, 200);
    assert_eq!(challenge["maxnumber"], json!(800_000));
    body["proof"] = crate::helpers::solve(&challenge);
    let r = app.post_signature("key-honeypot-2", &body).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(app.count().await, 1);
}

#[tokio::test]
async fn a_filled_honeypot_needs_more_than_the_campaigns_own_proof() {
    let app = spawn_app().await;
    // Solved at the campaign's level before the trap was filled: not enough with it.
    let easy = app.solved_proof(POW_SLUG).await;
    let mut body = with_proof("filled@example.org", &easy);
    body["website"] = json!("x");
    assert_error(
        app.post_to(POW_SLUG, "key-trap-easy", &body).await,
        422,
        "proof_required",
    )
    .await;
    let (status, challenge) = challenge_of(&app, POW_SLUG).await;
    assert_eq!(status, 200);
    assert_eq!(challenge["maxnumber"], json!(32_000));
    body["proof"] = crate::helpers::solve(&challenge);
    let r = app.post_to(POW_SLUG, "key-trap-hard", &body).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    // An empty trap field is what people send: the campaign's own level is enough for it,
    // even from the same network (the easy proof was refused unspent above).
    let mut person = with_proof("person@example.org", &easy);
    person["website"] = json!("");
    let r = app.post_to(POW_SLUG, "key-person", &person).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
}

#[tokio::test]
async fn too_fast_waits_then_is_accepted() {
    let app = spawn_app().await;
    let proof = app.solved_proof(SLOW_SLUG).await;
    let body = with_proof("slow@example.org", &proof);
    let r = app.post_to(SLOW_SLUG, "key-too-fast", &body).await;
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_error(r, 429, "too_fast").await;
    assert!(Duration::from_secs(retry_after) < TIMEOUT);
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let r = app.post_to(SLOW_SLUG, "key-too-fast", &body).await;
    assert_eq!(r.status(), 201);
}
