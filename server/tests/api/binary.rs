//! Runs the built `pledge-server` binary as an organiser or operator would, in another process.

use tokio::process::Command;
use tokio::time::timeout;

use crate::helpers::TIMEOUT;

pub const BIN: &str = env!("CARGO_BIN_EXE_pledge-server");

/// Runs `pledge-server ARGS`, which must succeed in time; returns its stdout.
pub async fn run_cli(args: &[&str]) -> String {
    let out = output(args).await;
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// Runs `pledge-server ARGS`, which must fail in time; returns its stderr.
pub async fn run_cli_failing(args: &[&str]) -> String {
    let out = output(args).await;
    assert!(
        !out.status.success(),
        "{args:?} should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("stderr is UTF-8")
}

/// Runs `pledge-server ARGS` to its end, in time, whatever its exit status.
pub async fn output(args: &[&str]) -> std::process::Output {
    timeout(
        TIMEOUT,
        Command::new(BIN)
            .args(args)
            .env("RUST_LOG", "warn")
            .output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{args:?} finishes within {TIMEOUT:?}"))
    .unwrap_or_else(|e| panic!("{args:?} runs: {e}"))
}
