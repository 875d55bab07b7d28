//! The campaign lifecycle (issue 15) and embedding anywhere (issue 18): `campaign
//! close|open|archive|edit|origin` run as another process, as an organiser would, and reach
//! a running server's campaign document, CORS answers and open streams within a second.
//! States in `states`, edits in `edits`, origins in `origins`, retention in `retention`;
//! the shared helpers are here.

mod edits;
mod origins;
mod retention;
mod states;

use std::time::Duration;

use serde_json::Value;
use tokio::time::{sleep, timeout};

use crate::binary::{run_cli, run_cli_failing};
use crate::helpers::{TIMEOUT, TestApp, signature};

/// `campaign create` flags for a campaign that takes `helpers::signature` as it is.
pub(super) const LIKE_THE_TEST_SIGNATURE: &[&str] = &[
    "--pow",
    "0",
    "--consent-text",
    "I agree.",
    "--field",
    "role:select:I am:required:artist=An artist|fan=A fan",
    "--field",
    "organisation:text:Band",
];

/// `ARGS --database-url <the app's>`.
fn on_app<'a>(app: &'a TestApp, args: &[&'a str]) -> Vec<&'a str> {
    [args, &["--database-url", &app.db_url]].concat()
}

/// Runs a command on the app's database that must succeed; returns its stdout.
pub(super) async fn ok(app: &TestApp, args: &[&str]) -> String {
    run_cli(&on_app(app, args)).await
}

/// Runs a command on the app's database that must fail; returns its stderr.
pub(super) async fn refused(app: &TestApp, args: &[&str]) -> String {
    run_cli_failing(&on_app(app, args)).await
}

pub(super) async fn document(app: &TestApp, slug: &str) -> reqwest::Response {
    app.client
        .get(app.campaign_api(slug, ""))
        .send()
        .await
        .unwrap()
}

/// Waits (bounded) until the campaign document satisfies `done`: changes reach the
/// server asynchronously (within a second), so tests wait rather than sleep.
pub(super) async fn wait_for_document(
    app: &TestApp,
    slug: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    timeout(TIMEOUT, async {
        loop {
            let r = document(app, slug).await;
            if r.status() == 200 {
                let doc: Value = r.json().await.unwrap();
                if done(&doc) {
                    return doc;
                }
            }
            sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the campaign document changes in time")
}

pub(super) async fn open_stream(app: &TestApp, slug: &str) -> reqwest::Response {
    let client = crate::helpers::client_builder().no_proxy().build().unwrap();
    let r = client
        .get(app.campaign_api(slug, "/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r
}

/// Reads the stream until `needle` appears (bounded).
pub(super) async fn read_until(stream: &mut reqwest::Response, seen: &mut String, needle: &str) {
    timeout(TIMEOUT, async {
        while !seen.contains(needle) {
            let chunk = stream.chunk().await.unwrap().expect("stream stays open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} in {seen:?}"));
}

pub(super) async fn post_from(
    app: &TestApp,
    slug: &str,
    origin: &str,
    email: &str,
) -> reqwest::Response {
    app.client
        .post(app.campaign_api(slug, "/signatures"))
        .header("origin", origin)
        .header("idempotency-key", format!("key-{:016x}", fastrand::u64(..)))
        .json(&signature(email))
        .send()
        .await
        .unwrap()
}

pub(super) async fn preflight(app: &TestApp, slug: &str, origin: &str) -> reqwest::Response {
    app.client
        .request(
            reqwest::Method::OPTIONS,
            app.campaign_api(slug, "/signatures"),
        )
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, idempotency-key",
        )
        .send()
        .await
        .unwrap()
}

pub(super) fn allowed_origin(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_owned())
}
