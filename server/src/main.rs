//! Entry point: logging to stderr (text or JSON, `--log-format`), then the CLI. stdout is
//! kept for machine-readable lines.

use std::io::IsTerminal;

use clap::Parser;
use pledge_server::cli::{Cli, LogFormat};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Parsed first, since it chooses the log format; clap reports its own errors.
    let cli = Cli::parse();
    let format = cli.log_format;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        // The request's span (its id, method and path) is on every line it causes.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
    match pledge_server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            match format {
                LogFormat::Text => eprintln!("pledge-server: {e:#}"),
                // A log collector reading JSON lines gets the reason as one too.
                LogFormat::Json => {
                    tracing::error!(error = %format!("{e:#}"), "pledge-server failed")
                }
            }
            std::process::ExitCode::FAILURE
        }
    }
}
