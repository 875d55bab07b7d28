//! The widget's lazily loaded chunks: each function here is a split point. `.ci/build-widget`
//! cuts what only it reaches out of the main wasm into a chunk file (`pledge_widget-<name>-
//! <hash>.wasm`) that is fetched, from the widget's own origin, the first time it is called.
//!
//! These are the split points Leptos' `#[lazy]` creates (`leptos::wasm_split`, the same
//! macro), declared with `fallible`: a chunk that cannot be fetched (offline, a proxy) is a
//! [`ChunkUnavailable`] the caller handles, where `#[lazy]` would panic.
//!
//! Only the `split` feature (which `.ci/build-widget` turns on) makes them split points;
//! without it (the wasm-bindgen browser tests, a Leptos app using the crate) each is a plain
//! async function and its `preload_*` does nothing, since there is no chunk to fetch.
// The split macro declares the chunk's loader and the function's export as FFI (`extern "C"`,
// `no_mangle`): that is how the split tool finds and rewires them. Nothing else here is unsafe.
#![allow(unsafe_code)]

use std::{
    future::Future,
    pin::{Pin, pin},
    task::{Context, Poll, Waker},
};

use leptos::wasm_split::SplitLoaderError;

use std::sync::Arc;

use leptos::prelude::RwSignal;

use leptos::prelude::{AnyView, IntoAny, view};

use super::{challenge, live, outbox};
use crate::campaign::Campaign;
use crate::components::wall_slot::WallPart;
use crate::components::{Ctx, thanks::Thanks, ticker::Ticker, wall::Wall};
use crate::outcome::SubmitOutcome;

/// A chunk could not be fetched or instantiated (the browser console says why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkUnavailable;

impl From<SplitLoaderError> for ChunkUnavailable {
    fn from(_: SplitLoaderError) -> Self {
        Self
    }
}

/// Declares a split point: `split_point!(chunk, preload_fn, fn …)` is the function under
/// `#[wasm_split(chunk, fallible, preload(preload_fn))]` with the `split` feature, an async
/// function with the same body without it.
macro_rules! split_point {
    (
        $chunk:ident, $preload:ident,
        $(#[$doc:meta])*
        pub fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
    ) => {
        $(#[$doc])*
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split(
            $chunk,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            preload($preload)
        )]
        pub fn $name($($arg: $ty),*) -> $ret $body

        $(#[$doc])*
        #[cfg(not(feature = "split"))]
        pub async fn $name($($arg: $ty),*) -> $ret $body

        /// Fetches the chunk now (nothing to fetch in a build without chunks).
        #[cfg(not(feature = "split"))]
        pub async fn $preload() -> Result<(), SplitLoaderError> {
            Ok(())
        }
    };
}

/// A proof of work being searched (see [`challenge::solve`]).
pub type Solving = Pin<Box<dyn Future<Output = Option<challenge::Proof>>>>;

split_point!(
    pow,
    preload_pow,
    /// Chunk `pow`: fetching a challenge and searching its number ([`challenge::solve`], with the
    /// SHA-256 of [`crate::pow`]), fetched when a campaign that asks for proof of work shows its
    /// form.
    pub fn pow_solve(base: String) -> Result<Solving, ChunkUnavailable> {
        Ok(Box::pin(async move { challenge::solve(&base).await }))
    }
);

/// A delivery under way: resolves to its final outcome (see [`outbox::deliver`]).
pub type Delivery = Pin<Box<dyn Future<Output = Option<SubmitOutcome>>>>;

split_point!(
    deliver,
    preload_deliver,
    /// Chunk `deliver`: sending the outbox's entry for `base` with its retries, back-off, Web Lock,
    /// fresh proofs and the reading of the answer ([`outbox::deliver`], same arguments). Preloaded
    /// with [`preload_deliver`] once the form is shown, so a click on "Sign" does not wait for it.
    pub fn deliver(
        base: String,
        needs_proof: bool,
        alive: Box<dyn Fn() -> bool>,
        waiting: Box<dyn Fn(&SubmitOutcome)>,
    ) -> Result<Delivery, ChunkUnavailable> {
        Ok(Box::pin(async move {
            outbox::deliver(&base, needs_proof, alive, waiting).await
        }))
    }
);

split_point!(
    deliver,
    preload_thanks,
    /// Chunk `deliver` too: the thanks view with its share actions ([`Thanks`]). In the chunk
    /// that sends the signature (fetched when the form shows), not in one of its own: only a
    /// signature that chunk delivered is thanked, every supporter who signs fetches both, and
    /// one file costs less than two (its own imports, tables and compression window). Each
    /// split function is linked on its first call: the thanks wait for [`preload_thanks`], so
    /// the view can be built at once ([`ready_now`]).
    pub fn thanks_view(
        ctx: Ctx,
        already: bool,
        pending: bool,
        count: RwSignal<Option<u64>>,
        goal: RwSignal<Option<u64>>,
        share_url: String,
        share_text: String,
    ) -> Result<AnyView, ChunkUnavailable> {
        Ok(view! { <Thanks ctx already pending count goal share_url share_text/> }.into_any())
    }
);

/// `f`'s output if it is ready on the first poll: a split function whose chunk is loaded
/// answers at once, so a view can call it while it is built (`None`: not loaded).
pub fn ready_now<F: Future>(f: F) -> Option<F::Output> {
    match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

split_point!(
    live,
    preload_live,
    /// Chunk `live`: following the count ([`live::start`]): the events stream, the leader election
    /// across tabs (Web Locks, `BroadcastChannel`), polling and the visibility watch. Fetched when
    /// the first widget of a campaign mounts, beside the campaign document.
    pub fn live_start(feed: live::Shared) -> Result<(), ChunkUnavailable> {
        live::start(&feed);
        Ok(())
    }
);

split_point!(
    wall,
    preload_wall,
    /// Chunk `wall`: the ticker under the count ([`Ticker`]) and the list of `layout="wall"`
    /// ([`Wall`]), with their stylesheet and the `…/signers` client. Fetched after the form
    /// shows, for campaigns that have a wall.
    pub fn wall_part(
        ctx: Ctx,
        campaign: Arc<Campaign>,
        count: RwSignal<Option<u64>>,
        part: WallPart,
    ) -> Result<AnyView, ChunkUnavailable> {
        Ok(match part {
            WallPart::Ticker => view! { <Ticker ctx campaign count/> }.into_any(),
            WallPart::List => view! { <Wall ctx campaign/> }.into_any(),
        })
    }
);
