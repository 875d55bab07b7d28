//! Integration tests: the real server on 127.0.0.1:0 with a fresh database per test: a SQLite
//! file, or with `PLEDGE_TEST_STORE=postgres` a new PostgreSQL database (`.ci/test-postgres`).
//! `crash::check_reports_and_repairs_drift`, `operators` and
//! `cli::acknowledged_signature_survives_kill_9` are about the SQLite file (a hand edit,
//! backup/restore, locks, permissions) and are skipped there, like
//! `attacks::database_files_are_private`; `crash::acknowledged_signatures_survive_sigkill`
//! runs on both. `group_commit` opens its own SQLite file in both runs.

mod assets;
mod attacks;
mod binary;
mod cli;
mod console;
mod cors;
mod crash;
mod deliveries;
mod email;
mod email_rule;
mod errors;
mod faults;
mod group_commit;
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
mod streams;
mod transport;
mod wall;
