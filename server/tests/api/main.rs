//! Integration tests: the real server on 127.0.0.1:0 with a fresh database per test: a SQLite
//! file, or with `PLEDGE_TEST_STORE=postgres` a new PostgreSQL database (`.ci/test-postgres`).
//! `crash`, `operators` and `cli::acknowledged_signature_survives_kill_9` are about the
//! SQLite file (kill -9 on it, backup/restore, locks, permissions) and are skipped there,
//! like `attacks::database_files_are_private`.

mod assets;
mod attacks;
mod cli;
mod console;
mod cors;
mod crash;
mod deliveries;
mod email_rule;
mod errors;
mod held;
mod helpers;
mod instances;
mod lifecycle;
mod limits;
mod live;
mod observe;
mod operators;
mod proof;
mod rally;
mod receiver;
mod restart;
mod signatures;
mod transport;
mod wall;
