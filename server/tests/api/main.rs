//! Integration tests: the real server on 127.0.0.1:0 with a fresh SQLite file per test.

mod assets;
mod cli;
mod cors;
mod crash;
mod errors;
mod helpers;
mod live;
mod signatures;
mod transport;
