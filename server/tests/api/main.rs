//! Integration tests: the real server on 127.0.0.1:0 with a fresh SQLite file per test.

mod assets;
mod attacks;
mod cli;
mod cors;
mod crash;
mod email_rule;
mod errors;
mod held;
mod helpers;
mod limits;
mod live;
mod observe;
mod operators;
mod proof;
mod rally;
mod signatures;
mod transport;
