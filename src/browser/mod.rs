//! Thin wrappers over the browser APIs the widget uses: typed Rust values at the edges,
//! `JsValue` only inside. Nothing here panics on what the network or the page hands over.

pub mod api;
pub mod challenge;
pub mod host;
pub mod intl;
pub mod lazy;
pub mod live;
pub mod locale;
pub mod locks;
pub mod outbox;
pub mod prefetch;
pub mod signers;
pub mod tabs;
