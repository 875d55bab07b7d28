//! Issue 17, item 9: a rally on one network. Under the default limits, 2,000 people behind
//! one address (a venue's Wi-Fi, a carrier's NAT) sign within an hour and are all counted,
//! while a script from the same address pays for harder challenges and is refused past the
//! per-minute limit. The hour is played on the abuse controls' `Clock`, moved forward by the
//! test: no real waiting.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, stream};
use pledge_server::Settings;
use pledge_server::abuse::{AbuseSettings, Clock, DEFAULT_CLIENT_RATE_LIMIT};
use serde_json::{Value, json};

use crate::helpers::{RALLY_SLUG, TestApp, assert_error, signature, solve, spawn_app_with};

/// RALLY_SLUG's own difficulty (tiny, so solving stays cheap; the server's default is
/// 50,000, and raises it by the same factors).
const BASE: u64 = 20;
/// Requests in flight at once, like phones signing side by side.
const IN_FLIGHT: usize = 16;

/// The server's defaults (rate limits, holds, difficulty), on a clock the test moves.
fn defaults(clock: Clock) -> impl FnOnce(&mut Settings) {
    move |s| {
        s.rate_limit_per_minute = DEFAULT_CLIENT_RATE_LIMIT;
        s.abuse = AbuseSettings {
            clock,
            ..AbuseSettings::default()
        };
    }
}

/// A fresh folder for the database, in memory where there is one: 2,000 commits each wait
/// for the disk otherwise (the server's `synchronous=FULL`), which is not what this tests.
fn database_dir() -> Arc<tempfile::TempDir> {
    let dir = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir());
    Arc::new(dir.expect("temp dir"))
}

async fn challenge(app: &TestApp) -> Value {
    let r = app
        .client
        .get(app.campaign_api(RALLY_SLUG, "/challenge"))
        .send()
        .await
        .expect("challenge");
    assert_eq!(r.status(), 200);
    r.json().await.expect("challenge json")
}

/// Fetches `n` challenges side by side; returns them solved, with the `maxnumber` of each.
async fn solved_challenges(app: &TestApp, n: usize) -> Vec<(u64, Value)> {
    let fetched: Vec<Value> = stream::iter(0..n)
        .map(|_| challenge(app))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    fetched
        .iter()
        .map(|c| (c["maxnumber"].as_u64().expect("maxnumber"), solve(c)))
        .collect()
}

/// Posts each `(signer, proof)`; returns the answers' statuses.
async fn post_all(app: &TestApp, who: &str, posts: Vec<(usize, Value)>) -> Vec<u16> {
    stream::iter(posts)
        .map(|(i, proof)| async move {
            let mut body = signature(&format!("{who}{i}@example.org"));
            body["proof"] = proof;
            let r = app
                .post_to(RALLY_SLUG, &format!("{who}-key-{i:05}"), &body)
                .await;
            let status = r.status().as_u16();
            if status == 201 {
                let answer: Value = r.json().await.expect("json");
                assert_eq!(answer["status"], "signed", "{answer}");
            }
            status
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await
}

/// When each signer opens the form, in seconds from the start: a steady 20 a minute, and
/// 1,000 in the five minutes after the stage says "sign now" (200 a minute, one every
/// 0.3 s), spread evenly within each minute; 2,000 in 55 minutes.
fn arrivals() -> Vec<f64> {
    (0..55u32)
        .flat_map(|minute| {
            let n = if (10..15).contains(&minute) { 200 } else { 20 };
            (0..n).map(move |i| f64::from(minute) * 60.0 + f64::from(i) * 60.0 / f64::from(n))
        })
        .collect()
}

#[tokio::test]
async fn two_thousand_signers_on_one_address_within_an_hour_are_all_counted() {
    let clock = Clock::default();
    let app = spawn_app_with(database_dir(), defaults(clock.clone())).await;
    // Each signer opens the form (the widget fetches and solves its challenge), takes 30 s
    // to fill it in, and sends. The hour is played in 10 s steps: everyone who arrives in a
    // step fetches in it, and posts three steps later.
    const STEP: f64 = 10.0;
    const FILL_STEPS: usize = 3;
    let arrivals = arrivals();
    let steps = (arrivals.last().copied().unwrap_or(0.0) / STEP) as usize + 1 + FILL_STEPS;
    let mut filling: VecDeque<Vec<(usize, Value)>> = VecDeque::new();
    let (mut signer, mut statuses, mut maxnumbers) = (0, Vec::<u16>::new(), Vec::<u64>::new());
    for step in 0..steps {
        let until = (step + 1) as f64 * STEP;
        let arriving = arrivals[signer..]
            .iter()
            .take_while(|t| **t < until)
            .count();
        let mut fetched = Vec::new();
        for (maxnumber, proof) in solved_challenges(&app, arriving).await {
            maxnumbers.push(maxnumber);
            fetched.push((signer, proof));
            signer += 1;
        }
        filling.push_back(fetched);
        if filling.len() > FILL_STEPS {
            let due = filling.pop_front().unwrap_or_default();
            statuses.extend(post_all(&app, "fan", due).await);
        }
        clock.advance(Duration::from_secs_f64(STEP));
    }
    assert_eq!(signer, 2000, "the rally has 2,000 signers");
    let accepted = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.len() - accepted;
    maxnumbers.sort_unstable();
    let (median, hardest) = (maxnumbers[maxnumbers.len() / 2], maxnumbers[1999]);
    eprintln!(
        "rally: {accepted} accepted, {refused} refused; maxnumber {} ..= {hardest}, median {median}",
        maxnumbers[0]
    );
    assert_eq!((accepted, refused), (2000, 0), "{statuses:?}");
    // Every one counted: none held (a held signature is answered the same, uncounted).
    assert_eq!(app.campaign_count(RALLY_SLUG).await, 2000);
    // The crowd paid more than one person would, within the widget's reach.
    assert!(hardest > BASE && hardest <= 16 * BASE, "{hardest}");
    app.stop().await;
}

#[tokio::test]
async fn a_script_on_the_same_address_is_slowed_then_refused() {
    let clock = Clock::default();
    let app = spawn_app_with(database_dir(), defaults(clock.clone())).await;
    // Far faster than people: 400 challenges in the same second. The difficulty climbs
    // to 16× the campaign's as the address's rate doubles, and stays there.
    let solved = solved_challenges(&app, 400).await;
    let mut seen: Vec<u64> = solved.iter().map(|(m, _)| *m).collect();
    seen.sort_unstable();
    assert_eq!(seen[0], BASE);
    assert_eq!(seen[399], 16 * BASE);
    let at_top = seen.iter().filter(|m| **m == 16 * BASE).count();
    assert!(at_top >= 400 - 240, "{seen:?}");
    // Posting them all within the minute (after the fill time): the first 300 are taken,
    // the rest refused with a Retry-After.
    clock.advance(Duration::from_secs(4));
    let posts = solved
        .into_iter()
        .enumerate()
        .map(|(i, (_, p))| (i, p))
        .collect();
    let statuses = post_all(&app, "bot", posts).await;
    let accepted = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    eprintln!("script: {accepted} accepted, {refused} refused (429) of 400 in one minute");
    assert_eq!((accepted, refused), (300, 100));
    let mut body = signature("bot-more@example.org");
    body["proof"] = challenge(&app).await;
    let r = app.post_to(RALLY_SLUG, "bot-more", &body).await;
    assert!(r.headers().contains_key("retry-after"));
    assert_error(r, 429, "rate_limited").await;

    // A minute later, posts with failing proofs: each refused, none counted, and they use
    // up the address's minute like any other post.
    clock.advance(Duration::from_secs(60));
    let c = challenge(&app).await;
    let mut junk = solve(&c);
    junk["number"] = json!(junk["number"].as_u64().unwrap_or(0) + 1);
    let posts = (0..DEFAULT_CLIENT_RATE_LIMIT as usize)
        .map(|i| (i, junk.clone()))
        .collect();
    let statuses = post_all(&app, "junk", posts).await;
    assert!(statuses.iter().all(|s| *s == 422), "{statuses:?}");
    let mut body = signature("junk-more@example.org");
    body["proof"] = solve(&challenge(&app).await);
    assert_error(
        app.post_to(RALLY_SLUG, "junk-more", &body).await,
        429,
        "rate_limited",
    )
    .await;
    assert_eq!(app.campaign_count(RALLY_SLUG).await, 300);
    app.stop().await;
}
