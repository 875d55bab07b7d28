//! What the widget (`pledge-widget`, compiled to wasm) and the server (`pledge-server`) must
//! agree on, in one place so they cannot drift: the rules a signature's name, email, field
//! answers, locale and page address follow ([`rules`]), the kinds of campaign fields
//! ([`FieldKind`]), the API's error codes ([`ErrorCode`]) and, with the `serde` feature, the
//! JSON documents themselves (`wire`). Plain Rust with no
//! dependencies (serde behind a feature), so it builds for the host and for wasm32 alike and
//! costs the widget only the functions it calls.
//!
//! The widget checks with these rules before it sends, to word the problem per field in the
//! reader's language; the server checks with the same rules when it receives, and its answer
//! is the one that counts.

#![no_std]
extern crate alloc;

mod codes;
mod fields;
pub mod rules;
#[cfg(feature = "serde")]
pub mod wire;

pub use codes::ErrorCode;
pub use fields::FieldKind;
pub use rules::Problem;
